#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Generate the red-team accuracy sets (tests/data/accuracy-redteam).

A held-back style set built blind (without reading the detectors or the
developers' own generator): ordinary business sentences and e-mail documents
in twelve languages with valid identifiers (CREDIT_CARD, IBAN, US_SSN,
UK_NINO, EMAIL, PHONE) written the ways people write them, next to the many
things that only look like them (order/invoice/ticket numbers, dates, amounts,
postcodes, carrier tracking codes, EAN/ISBN, VAT and company IDs, bank codes,
IP addresses, versions, national IDs of other kinds, RF creditor references,
SEPA creditor IDs, IMEIs, meeting IDs, masked cards ...), with quoting,
line wrapping, tables, signatures and forwarded headers.

Output, one JSON object a line, the format of presidio-pii/pii_text_cases.jsonl:
{"id", "lang", "text", "expected": [[start, end, TYPE], ...], "tags": [...]}
with UTF-8 byte offsets. `tags` names the templates' placeholders and the
transforms applied, to sort failures by kind; scripts/accuracy.py ignores it.

Labelling rule: a span is labelled when a careful DLP analyst would call it
that identifier (cards: Luhn-valid in a real brand range, test cards
included; IBAN: valid ISO 13616 check and country length, and the national
check digits where a country has a simple one; SSN: issued ranges; NINO: valid
prefixes and suffix A-D; phone numbers: valid in their country's numbering
plan, written in a phone context or in international form). Anything that
is not one of them is left unlabelled and every look-alike is generated so
that it is unambiguously not one (no Luhn-valid 12-19 digit runs, no valid
IBAN/SSN/NINO shapes); ambiguous forms are not generated at all.

Usage: scripts/gen_redteam.py [--out DIR] [--verify]
--verify re-checks every labelled phone number with python3-phonenumbers
and every IBAN with python3-stdnum (Debian packages; not needed to generate).
"""

import argparse
import datetime
import json
import os
import random
import re
import sys
from checkdigits import luhn_complete, luhn_ok, mod97

SEED = 0x0D1A_7EA3
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NBSP = "\u00a0"
NNBSP = "\u202f"
LANGS = ["en", "de", "fr", "es", "it", "nl", "pt", "pl", "sv", "da", "nb", "fi"]
SENTENCES_PER_LANG = {"en": 260, "de": 170, "fr": 150, "es": 140, "it": 130, "nl": 130,
                      "pt": 120, "pl": 120, "sv": 110, "da": 110, "nb": 90, "fi": 90}
DOCS_PER_LANG = {"en": 40, "de": 26, "fr": 20, "es": 18, "it": 16, "nl": 16, "pt": 14,
                 "pl": 14, "sv": 13, "da": 13, "nb": 10, "fi": 10}

# Filled while generating, checked by --verify: (type, country, text).
VERIFY = []


# ---------------------------------------------------------------- checks

IBAN_LEN = {"DE": 22, "GB": 22, "FR": 27, "ES": 24, "IT": 27, "NL": 18, "PT": 25,
            "PL": 28, "SE": 24, "DK": 18, "NO": 15, "FI": 18, "BE": 16, "AT": 20,
            "CH": 21, "IE": 22, "LU": 20, "GR": 27, "CZ": 24, "HU": 28, "RO": 24,
            "LT": 20, "LV": 21, "EE": 20, "HR": 21, "SI": 19, "SK": 24, "BG": 22,
            "IS": 26, "LI": 21, "MT": 31, "CY": 28, "MC": 27, "TR": 26, "SA": 24,
            "AE": 23, "GI": 23, "IL": 23, "BR": 29, "FO": 18, "GL": 18, "SM": 27}


def iban_valid(s):
    s = re.sub(r"[\s\u00a0]", "", s).upper()
    if len(s) < 5 or IBAN_LEN.get(s[:2]) != len(s) or not s[2:4].isdigit():
        return False
    return mod97(s[4:] + s[:4]) == 1


def hazards(token, allow_luhn=False):
    """True when `token` (a look-alike) could be read as a real identifier."""
    compact = re.sub(r"[\s\u00a0\u202f.\-/]", "", token)
    for run in re.findall(r"\d+", compact):
        if 12 <= len(run) <= 19 and luhn_ok(run) and not allow_luhn:
            return True
    for run in re.findall(r"\d[\d \-.\u00a0]*\d", token):
        digits = re.sub(r"\D", "", run)
        if 12 <= len(digits) <= 19 and luhn_ok(digits) and not allow_luhn:
            return True
    up = compact.upper()
    for m in re.finditer(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", up):
        for end in range(m.start() + 15, m.end() + 1):
            if iban_valid(up[m.start():end]):
                return True
    if re.search(r"(?<!\d)\d{3}[- ]\d{2}[- ]\d{4}(?!\d)", token):
        return True
    if re.search(r"(?i)\b[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b", token):
        return True
    return False


# ---------------------------------------------------------------- context

class Ctx:
    def __init__(self, rng, lang, country):
        self.r = rng
        self.lang = lang
        self.country = country
        self.tags = set()

    def digits(self, n, first="0123456789"):
        return self.r.choice(first) + "".join(self.r.choice("0123456789") for _ in range(n - 1))

    def pick(self, seq):
        return self.r.choice(seq)

    def chance(self, p):
        return self.r.random() < p


def lookalike(ctx, make, allow_luhn=False, tries=200):
    """Call make() until its output is no real identifier."""
    for _ in range(tries):
        s = make()
        if not hazards(s, allow_luhn):
            return s
    raise AssertionError(f"no safe look-alike from {make}")


# ---------------------------------------------------------------- cards

TEST_CARDS = [
    "4111111111111111", "4012888888881881", "4242424242424242", "4000056655665556",
    "4000002500003155", "4917610000000000", "5555555555554444", "5105105105105100",
    "5200828282828210", "2223003122003222", "2221000000000009", "378282246310005",
    "371449635398431", "378734493671000", "6011111111111117", "6011000990139424",
    "6011981111111113", "3530111333300000", "3566002020360505", "30569309025904",
    "38520000023237", "36227206271667", "6200000000000005", "6759649826438453",
    "4222222222222", "5019717010103742", "6250941006528599", "4000000760000002",
    "4000001240000000", "4000000000003220", "5454545454545454", "4444333322221111",
    "4988080000000000", "4462030000000000", "6304000000000000",
]

# brand: (prefixes, lengths)
BRANDS = {
    "visa": (["4"], [16] * 10 + [13, 19, 19]),
    "mastercard": ([str(p) for p in range(51, 56)] + [str(p) for p in range(2221, 2721, 37)],
                   [16]),
    "amex": (["34", "37"], [15]),
    "discover": (["6011", "644", "645", "649", "65"], [16, 16, 16, 19]),
    "jcb": ([str(p) for p in range(3528, 3590, 7)], [16, 16, 19]),
    "diners": (["300", "301", "305", "36", "38"], [14]),
    "maestro": (["5018", "5020", "5038", "6304", "6759", "6761", "6763"], [16, 18, 19]),
    "unionpay": (["62"], [16, 16, 17, 18, 19]),
    "mir": (["2200", "2201", "2202", "2204"], [16]),
    "dankort": (["5019"], [16]),
}
BRAND_W = {"visa": 30, "mastercard": 24, "amex": 10, "discover": 6, "jcb": 5, "diners": 4,
           "maestro": 7, "unionpay": 5, "mir": 3, "dankort": 2}


def card_digits(ctx, brand=None):
    if brand is None:
        brand = ctx.r.choices(list(BRAND_W), weights=list(BRAND_W.values()))[0]
    prefixes, lengths = BRANDS[brand]
    prefix = ctx.pick(prefixes)
    n = ctx.pick(lengths)
    body = prefix + ctx.digits(n - len(prefix) - 1)
    ctx.tags.add(f"card-{brand}-{n}")
    return luhn_complete(body)


def group(s, sizes, sep):
    out, i = [], 0
    for k in sizes:
        if i >= len(s):
            break
        out.append(s[i:i + k])
        i += k
    if i < len(s):
        out.append(s[i:])
    return sep.join(out)


def fmt_card(ctx, d):
    n = len(d)
    seps = [" "] * 6 + ["-"] * 3 + [""] * 3 + [NBSP, "."]
    sep = ctx.pick(seps)
    if n == 16:
        sizes = [4, 4, 4, 4]
    elif n == 15:
        sizes = [4, 6, 5] if ctx.chance(0.8) else [4, 4, 4, 3]
    elif n == 14:
        sizes = [4, 6, 4]
    elif n == 19:
        sizes = [4, 4, 4, 4, 3]
    elif n == 18:
        sizes = [4, 4, 4, 4, 2]
    else:
        sep = ""
        sizes = [n]
    if sep == "." and n != 16:
        sep = " "
    ctx.tags.add({" ": "card-spaced", "-": "card-hyphen", "": "card-compact",
                  NBSP: "card-nbsp", ".": "card-dots"}[sep])
    return group(d, sizes, sep)


def p_card(ctx):
    return fmt_card(ctx, card_digits(ctx)), "CREDIT_CARD"


def p_testcard(ctx):
    d = ctx.pick(TEST_CARDS)
    ctx.tags.add("card-test")
    return fmt_card(ctx, d), "CREDIT_CARD"


def p_amex(ctx):
    return fmt_card(ctx, card_digits(ctx, "amex")), "CREDIT_CARD"


def p_visa(ctx):
    return fmt_card(ctx, card_digits(ctx, "visa")), "CREDIT_CARD"


def p_mc(ctx):
    return fmt_card(ctx, card_digits(ctx, "mastercard")), "CREDIT_CARD"


def p_dankort(ctx):
    if ctx.chance(0.5):
        return fmt_card(ctx, card_digits(ctx, "dankort")), "CREDIT_CARD"
    ctx.tags.add("card-visa-dankort-16")
    return fmt_card(ctx, luhn_complete("4571" + ctx.digits(11))), "CREDIT_CARD"


def p_card19(ctx):
    d = ctx.pick(["visa", "unionpay", "maestro", "discover"])
    prefixes, _ = BRANDS[d]
    body = ctx.pick(prefixes)
    body += ctx.digits(18 - len(body))
    ctx.tags.add(f"card-{d}-19")
    return fmt_card(ctx, luhn_complete(body)), "CREDIT_CARD"


# ---------------------------------------------------------------- IBAN

BANK_CODES = {
    "GB": ["NWBK", "BARC", "LOYD", "HBUK", "MIDL", "NAIA", "CLYD", "MONZ"],
    "IE": ["AIBK", "BOFI", "IPBS", "ULSB"],
    "NL": ["ABNA", "INGB", "RABO", "TRIO", "SNSB", "ASNB", "KNAB", "BUNQ"],
    "RO": ["BTRL", "RNCB", "BRDE", "INGB"],
    "LV": ["HABA", "UNLA", "PARX"],
    "BG": ["BNBG", "UNCR", "STSA"],
    "MT": ["MALT", "VALL", "APSB"],
    "GI": ["NWBK", "GIBK"],
    "IT": None, "SM": None,
}
# BBAN structure per country: n = digit, a = upper letter, c = alphanumeric.
BBAN = {"DE": "18n", "GB": "4a14n", "FR": "23n", "ES": "20n", "IT": "1a22n", "NL": "4a10n",
        "PT": "21n", "PL": "24n", "SE": "20n", "DK": "14n", "NO": "11n", "FI": "14n",
        "BE": "12n", "AT": "16n", "CH": "17n", "IE": "4a14n", "LU": "3n13n", "GR": "23n",
        "CZ": "20n", "HU": "24n", "RO": "4a16n", "LT": "16n", "LV": "4a13n", "EE": "16n",
        "HR": "17n", "SI": "15n", "SK": "20n", "BG": "4a4n2n8n", "IS": "22n", "LI": "17n",
        "MT": "4a5n18n", "CY": "24n", "MC": "23n", "TR": "5n1n16n", "SA": "20n", "AE": "19n",
        "GI": "4a15n", "IL": "19n", "BR": "23n1a1n", "FO": "14n", "GL": "14n", "SM": "1a22n"}
COUNTRY_IBANS = {"en": ["GB", "IE", "GB", "GB"], "de": ["DE", "DE", "AT", "CH"],
                 "fr": ["FR", "FR", "BE", "CH", "LU", "MC"], "es": ["ES"], "it": ["IT", "IT", "SM"],
                 "nl": ["NL", "NL", "BE"], "pt": ["PT", "PT", "BR"], "pl": ["PL"],
                 "sv": ["SE", "SE", "FI"], "da": ["DK", "DK", "FO", "GL"], "nb": ["NO"],
                 "fi": ["FI"]}


def rib_key(bank, branch, account):
    b, g, a = int(bank), int(branch), int(account)
    return 97 - ((89 * b + 15 * g + 3 * a) % 97)


def cin_it(bban_rest):
    """Italian CIN letter over ABI(5)+CAB(5)+account(12)."""
    odd = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22,
           25, 24, 23]
    total = 0
    for i, ch in enumerate(bban_rest):
        v = int(ch) if ch.isdigit() else ord(ch) - 65
        total += odd[v] if i % 2 == 0 else v
    return chr(65 + total % 26)


def es_control(bank, branch, account):
    w = [1, 2, 4, 8, 5, 10, 9, 7, 3, 6]

    def one(s):
        c = 11 - sum(int(x) * w[i] for i, x in enumerate(s)) % 11
        return {10: 1, 11: 0}.get(c, c)
    return f"{one('00' + bank + branch)}{one(account)}"


def bban_for(ctx, cc):
    spec = BBAN[cc]
    if cc == "FR" or cc == "MC":
        bank, branch, acct = ctx.digits(5, "123"), ctx.digits(5), ctx.digits(11)
        return f"{bank}{branch}{acct}{rib_key(bank, branch, acct):02d}"
    if cc in ("IT", "SM"):
        rest = ctx.digits(5, "0123") + ctx.digits(5) + ctx.digits(12)
        if cc == "SM":
            rest = "03225" + rest[5:]
        return cin_it(rest) + rest
    if cc == "ES":
        bank, branch, acct = ctx.pick(["2100", "0049", "0182", "2038", "0081", "2080"]), \
            ctx.digits(4), ctx.digits(10)
        return bank + branch + es_control(bank, branch, acct) + acct
    if cc == "BE":
        first = ctx.pick(["001", "068", "310", "363", "734", "737", "063", "091", "271", "290",
                          "143", "751", "103"]) + ctx.digits(7)
        chk = int(first) % 97 or 97
        return f"{first}{chk:02d}"
    if cc == "NO":
        first = ctx.digits(10)
        w = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]
        c = 11 - sum(int(x) * w[i] for i, x in enumerate(first)) % 11
        if c == 10:
            return bban_for(ctx, cc)
        return first + str(0 if c == 11 else c)
    if cc == "PT":
        first = ctx.pick(["0035", "0033", "0007", "0010", "0018", "0036"]) + ctx.digits(15)
        chk = 98 - int(first + "00") % 97
        return f"{first}{chk:02d}"
    if cc == "NL":
        while True:
            acct = ctx.digits(10, "0123456789")
            if sum(int(x) * (10 - i) for i, x in enumerate(acct)) % 11 == 0:
                return ctx.pick(BANK_CODES["NL"]) + acct
    if cc == "DE":
        return ctx.pick(["37040044", "10070000", "20041133", "50010517", "70150000",
                         "12030000", "43060967", "76026000", "25050180"]) + ctx.digits(10)
    if cc in ("GB", "IE"):
        return ctx.pick(BANK_CODES[cc]) + ctx.digits(6, "1234567") + ctx.digits(8)
    if cc == "GI":
        return ctx.pick(BANK_CODES[cc]) + ctx.digits(15)
    out = ""
    for num, kind in re.findall(r"(\d+)([nac])", spec):
        for _ in range(int(num)):
            if kind == "n":
                out += ctx.pick("0123456789")
            elif kind == "a":
                out += ctx.pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
            else:
                out += ctx.pick("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ")
    codes = BANK_CODES.get(cc)
    if codes and spec.startswith("4a"):
        out = ctx.pick(codes) + out[4:]
    return out


def iban_compact(ctx, cc):
    bban = bban_for(ctx, cc)
    chk = 98 - mod97(bban + cc + "00")
    iban = f"{cc}{chk:02d}{bban}"
    assert iban_valid(iban), iban
    VERIFY.append(("IBAN", cc, iban))
    ctx.tags.add(f"iban-{cc}")
    return iban


def fmt_iban(ctx, iban, style=None):
    style = style or ctx.r.choices(["grouped", "compact", "grouped-nbsp", "lower", "hyphen",
                                    "cc-apart"], weights=[60, 28, 6, 6, 2, 2])[0]
    ctx.tags.add(f"iban-{style}")
    if style == "compact":
        return iban
    if style == "hyphen":
        return group(iban, [4] * 9, "-")
    if style == "cc-apart":
        return f"{iban[:2]} {iban[2:4]} " + group(iban[4:], [4] * 8, " ")
    if style == "lower":
        return group(iban, [4] * 9, " ").lower() if ctx.chance(0.6) else iban.lower()
    return group(iban, [4] * 9, NBSP if style == "grouped-nbsp" else " ")


def p_iban(ctx):
    return fmt_iban(ctx, iban_compact(ctx, ctx.pick(COUNTRY_IBANS[ctx.lang]))), "IBAN"


def p_ibanx(ctx):
    return fmt_iban(ctx, iban_compact(ctx, ctx.pick(list(IBAN_LEN)))), "IBAN"


def p_ibanlc(ctx):
    return fmt_iban(ctx, iban_compact(ctx, ctx.pick(COUNTRY_IBANS[ctx.lang])), "lower"), "IBAN"


# ---------------------------------------------------------------- SSN, NINO

def ssn_parts(ctx):
    while True:
        area = ctx.r.randint(1, 899)
        if area == 666:
            continue
        grp, serial = ctx.r.randint(1, 99), ctx.r.randint(1, 9999)
        s = f"{area:03d}{grp:02d}{serial:04d}"
        if s in ("123456789", "078051120", "219099999"):
            continue
        return f"{area:03d}", f"{grp:02d}", f"{serial:04d}"


def p_ssn(ctx):
    a, g, s = ssn_parts(ctx)
    sep = ctx.r.choices(["-", " ", NBSP], weights=[85, 13, 2])[0]
    ctx.tags.add("ssn-hyphen" if sep == "-" else "ssn-space")
    return f"{a}{sep}{g}{sep}{s}", "US_SSN"


def p_ssnbare(ctx):
    a, g, s = ssn_parts(ctx)
    ctx.tags.add("ssn-bare")
    return f"{a}{g}{s}", "US_SSN"


NINO_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
NINO_SECOND = "ABCEGHJKLMNPRSTWXYZ"


def p_nino(ctx):
    while True:
        pre = ctx.pick(NINO_FIRST) + ctx.pick(NINO_SECOND)
        if pre not in ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ"):
            break
    d = ctx.digits(6)
    suf = ctx.pick("ABCD")
    style = ctx.r.choices(["pairs", "compact", "six", "lower"], weights=[50, 35, 10, 5])[0]
    ctx.tags.add(f"nino-{style}")
    if style == "pairs":
        return f"{pre} {d[:2]} {d[2:4]} {d[4:]} {suf}", "UK_NINO"
    if style == "six":
        return f"{pre} {d} {suf}", "UK_NINO"
    if style == "lower":
        return f"{pre}{d}{suf}".lower(), "UK_NINO"
    return f"{pre}{d}{suf}", "UK_NINO"


# ---------------------------------------------------------------- phones

def g(s, *sizes, sep=" "):
    return group(s, list(sizes), sep)


def pairs(s, sep=" "):
    return group(s, [2] * 10, sep)


# country: [(area without trunk 0, subscriber lengths, mobile)]
PLANS = {
    "GB": [("20", [8], False, "378"), ("161", [7], False), ("121", [7], False, "234567"),
           ("113", [7], False, "2345"), ("131", [7], False, "2345678"), ("141", [7], False),
           ("117", [7], False, "2349"), ("7480", [6], True), ("7723", [6], True),
           ("7958", [6], True), ("7843", [6], True), ("7412", [6], True)],
    "IE": [("1", [7], False), ("21", [7], False), ("83", [7], True), ("85", [7], True),
           ("86", [7], True), ("87", [7], True)],
    "US": [(a, [7], False) for a in ["212", "415", "312", "617", "202", "305", "512", "206",
                                      "303", "404", "646", "713", "702", "503"]]
    + [("800", [7], False), ("888", [7], False)],
    "DE": [("30", [8, 7], False), ("40", [8, 7], False), ("89", [8, 7], False),
           ("69", [8, 7], False), ("221", [7, 6], False), ("711", [7, 6], False),
           ("341", [7, 6], False), ("911", [7, 6], False), ("6221", [6, 5], False),
           ("151", [8], True), ("152", [8], True), ("157", [8], True), ("160", [7], True),
           ("170", [7], True), ("171", [7], True), ("172", [7], True), ("176", [8], True),
           ("177", [8], True), ("179", [7], True)],
    "AT": [("1", [7], False), ("316", [6], False), ("512", [6], False), ("662", [6], False),
           ("664", [7], True), ("676", [7], True), ("699", [8], True), ("650", [7], True)],
    "CH": [("44", [7], False), ("43", [7], False), ("31", [7], False), ("61", [7], False),
           ("22", [7], False), ("21", [7], False), ("76", [7], True), ("78", [7], True),
           ("79", [7], True), ("77", [7], True)],
    "FR": [("1", [8], False), ("2", [8], False), ("3", [8], False), ("4", [8], False),
           ("5", [8], False), ("9", [8], False), ("6", [8], True, "0124578"),
           ("7", [8], True, "345678")],
    "BE": [("2", [7], False, "2345678"), ("3", [7], False, "2345678"), ("9", [7], False, "234"),
           ("4", [7], False, "23"), ("470", [6], True), ("475", [6], True), ("485", [6], True),
           ("495", [6], True), ("468", [6], True)],
    "ES": [("91", [7], False), ("93", [7], False), ("954", [6], False), ("963", [6], False),
           ("944", [6], False), ("6", [8], True, "0123456789"), ("7", [8], True, "1234")],
    "IT": [("06", [8], False, "23457"), ("02", [8], False), ("011", [7], False),
           ("081", [7], False), ("055", [7], False), ("051", [7], False), ("333", [7], True),
           ("347", [7], True), ("320", [7], True), ("339", [7], True), ("366", [7], True),
           ("392", [7], True)],
    "NL": [("20", [7], False), ("10", [7], False), ("30", [7], False), ("70", [7], False),
           ("40", [7], False), ("6", [8], True, "12345")],
    "PT": [("21", [7], False), ("22", [7], False), ("239", [6], False), ("91", [7], True),
           ("92", [7], True), ("93", [7], True), ("96", [7], True)],
    "PL": [("22", [7], False), ("12", [7], False), ("58", [7], False), ("71", [7], False),
           ("61", [7], False), ("601", [6], True), ("512", [6], True), ("695", [6], True),
           ("728", [6], True), ("505", [6], True), ("881", [6], True), ("667", [6], True)],
    "SE": [("8", [8, 7], False), ("31", [7, 6], False), ("40", [7, 6], False),
           ("18", [6], False), ("70", [7], True), ("72", [7], True), ("73", [7], True),
           ("76", [7], True), ("79", [7], True)],
    "DK": [("33", [6], False), ("35", [6], False), ("38", [6], False), ("43", [6], False),
           ("86", [6], False), ("20", [6], True), ("22", [6], True), ("28", [6], True),
           ("30", [6], True), ("40", [6], True), ("51", [6], True), ("61", [6], True)],
    "NO": [("22", [6], False), ("23", [6], False), ("55", [6], False), ("73", [6], False),
           ("4", [7], True, "01568"), ("9", [7], True, "0123456789")],
    "FI": [("9", [7], False, "2345678"), ("2", [7], False), ("3", [7], False),
           ("40", [7], True), ("41", [7], True), ("44", [7], True), ("45", [7], True),
           ("50", [7], True)],
}
CC = {"GB": "44", "IE": "353", "US": "1", "DE": "49", "AT": "43", "CH": "41", "FR": "33",
      "BE": "32", "ES": "34", "IT": "39", "NL": "31", "PT": "351", "PL": "48", "SE": "46",
      "DK": "45", "NO": "47", "FI": "358"}
# numbering plans without a trunk 0
NO_TRUNK = {"US", "ES", "IT", "PT", "PL", "DK", "NO"}


def subscriber(ctx, country, area, n, first):
    if country == "US":
        while True:
            ex = ctx.digits(3, "23456789")
            if ex[1:] != "11" and ex != "555" and not (area in ("800", "888") and ex == "000"):
                return ex + ctx.digits(4)
    return ctx.digits(n, first)


def national(ctx, country, area, sub, mobile):
    """The ways people in `country` write the number without +CC."""
    pk, r = ctx.pick, ctx
    full = area + sub
    if country == "US":
        a, e, l4 = area, sub[:3], sub[3:]
        opts = [f"({a}) {e}-{l4}", f"{a}-{e}-{l4}", f"{a}.{e}.{l4}", f"{a} {e} {l4}",
                f"({a}){e}-{l4}", f"1-{a}-{e}-{l4}", f"1 ({a}) {e}-{l4}"]
        return pk(opts)
    if country == "GB":
        if area == "20":
            opts = [f"020 {sub[:4]} {sub[4:]}", f"(020) {sub[:4]} {sub[4:]}",
                    f"0{area}{sub}", f"020-{sub[:4]}-{sub[4:]}"]
        elif mobile:
            opts = [f"0{area} {sub}", f"0{area}{sub}", f"0{area[:3]} {area[3:]}{sub[:2]} {sub[2:]}",
                    f"0{area}-{sub}"]
        else:
            opts = [f"0{area} {sub[:3]} {sub[3:]}", f"(0{area}) {sub[:3]} {sub[3:]}",
                    f"0{area} {sub}", f"0{area}-{sub[:3]}-{sub[3:]}"]
        return pk(opts)
    if country == "IE":
        return pk([f"0{area} {sub[:3]} {sub[3:]}", f"(0{area}) {sub[:3]} {sub[3:]}",
                   f"0{area}-{sub}", f"0{area} {sub}"])
    if country == "DE":
        grp = g(sub, 4, 4) if len(sub) == 8 else g(sub, 3, 4) if len(sub) == 7 else sub
        if mobile:
            return pk([f"0{area} {sub}", f"0{area}/{sub}", f"0{area}-{sub}",
                       f"0{area} {sub[:3]} {sub[3:]}", f"0{area} / {sub}", f"0{area}{sub}"])
        return pk([f"0{area} {sub}", f"0{area}/{sub}", f"0{area}-{sub}", f"(0{area}) {grp}",
                   f"0{area} {sub[:-2]}-{sub[-2:]}", f"0{area} {grp}", f"0{area} / {grp}"])
    if country == "AT":
        return pk([f"0{area} {sub}", f"0{area}/{sub}", f"(0{area}) {sub}",
                   f"0{area} {g(sub, 3, 2, 2)}" if len(sub) == 7 else f"0{area} {sub}"])
    if country == "CH":
        return pk([f"0{area} {g(sub, 3, 2, 2)}", f"0{area}{sub}", f"0{area}/{g(sub, 3, 2, 2)}"])
    if country == "FR":
        s = "0" + area + sub
        return pk([pairs(s), pairs(s), pairs(s, "."), pairs(s, NBSP), pairs(s, "-"), s])
    if country == "BE":
        if mobile:
            return pk([f"0{area} {pairs(sub)}", f"0{area}/{pairs(sub, '.')}",
                       f"0{area}/{sub}", f"0{area} {sub}"])
        return pk([f"0{area} {g(sub, 3, 2, 2)}", f"0{area}/{g(sub, 3, 2, 2, sep='.')}",
                   f"0{area} {sub}"])
    if country == "ES":
        return pk([g(full, 3, 3, 3), g(full, 3, 3, 3), g(full, 2, 3, 2, 2) if not mobile
                   else g(full, 3, 2, 2, 2), full, g(full, 3, 3, 3, sep="-")])
    if country == "IT":
        if mobile:
            return pk([f"{area} {sub[:3]} {sub[3:]}", f"{area} {sub}", f"{area}-{sub}",
                       f"{area}{sub}", f"{area}/{sub}"])
        grp = g(sub, 4, 4) if len(sub) == 8 else g(sub, 3, 4)
        return pk([f"{area} {grp}", f"{area} {sub}", f"{area}-{sub}", f"{area}/{sub}",
                   f"({area}) {grp}"])
    if country == "NL":
        if mobile:
            return pk([f"06 {sub}", f"06-{sub}", f"06 {g(sub, 4, 4)}", f"06 {pairs(sub)}",
                       f"(06) {sub}"])
        return pk([f"0{area} {g(sub, 3, 4)}", f"0{area}-{sub}", f"0{area} {g(sub, 3, 2, 2)}",
                   f"(0{area}) {g(sub, 3, 4)}", f"0{area}-{g(sub, 3, 4)}"])
    if country == "PT":
        return pk([g(full, 3, 3, 3), g(full, 3, 3, 3), full])
    if country == "PL":
        if mobile:
            return pk([g(full, 3, 3, 3), g(full, 3, 3, 3, sep="-"), full, g(full, 3, 3, 3)])
        return pk([f"{area} {g(sub, 3, 2, 2)}", f"({area}) {g(sub, 3, 2, 2)}", f"{area} {sub}",
                   f"{area}-{g(sub, 3, 2, 2, sep='-')}"])
    if country == "SE":
        if len(sub) == 8:
            grp = g(sub, 3, 3, 2)
        elif len(sub) == 7:
            grp = g(sub, 3, 2, 2)
        else:
            grp = g(sub, 2, 2, 2)
        return pk([f"0{area}-{grp}", f"0{area} {grp}", f"0{area}-{sub}", f"0{area}{sub}",
                   f"0{area}-{grp}"])
    if country == "DK":
        return pk([pairs(full), pairs(full), g(full, 4, 4), full])
    if country == "NO":
        if mobile:
            return pk([g(full, 3, 2, 3), pairs(full), full])
        return pk([pairs(full), pairs(full), full])
    if country == "FI":
        return pk([f"0{area} {g(sub, 3, 4)}", f"0{area} {sub}", f"0{area}-{sub}",
                   f"0{area}-{g(sub, 3, 4)}"])
    raise AssertionError(country)


def international(ctx, country, area, sub, mobile):
    cc = CC[country]
    full = area + sub
    pk = ctx.pick
    trunk = "" if country in NO_TRUNK else "0"
    if country == "US":
        return pk([f"+1 {area} {sub[:3]} {sub[3:]}", f"+1 ({area}) {sub[:3]}-{sub[3:]}",
                   f"+1-{area}-{sub[:3]}-{sub[3:]}", f"+1{full}", f"+1 {area}-{sub[:3]}-{sub[3:]}",
                   f"+1.{area}.{sub[:3]}.{sub[3:]}"])
    if country == "FR":
        rest = area + " " + pairs(sub)
        return pk([f"+33 {rest}", f"+33 (0){rest}", f"+33 (0) {rest}", f"+33{full}",
                   f"0033 {rest}", f"+33 {area}.{pairs(sub, '.')}", f"+33{NBSP}{area}{NBSP}"
                   f"{pairs(sub, NBSP)}"])
    nat = national(ctx, country, area, sub, mobile)
    # the national grouping with the trunk 0 removed
    body = nat
    if trunk and body.startswith("(0"):
        body = body[2:].replace(")", "", 1)
    elif trunk and body.startswith("0"):
        body = body[1:]
    body = re.sub(r"\s*/\s*", " ", body)
    if body.startswith("(") and country in ("IT", "PL"):
        body = body[1:].replace(")", "", 1)
    opts = [f"+{cc} {body}", f"+{cc} {body}", f"+{cc}{full}", f"00{cc} {body}",
            f"(+{cc}) {body}"]
    if trunk:
        opts.append(f"+{cc} (0){body}")
        opts.append(f"+{cc} (0) {body}")
    return pk(opts)


def phone(ctx, country=None, mobile=None, intl=None):
    country = country or ctx.country
    plans = [p for p in PLANS[country] if mobile is None or p[2] == mobile] or PLANS[country]
    plan = ctx.pick(plans)
    area, lens, mob = plan[:3]
    first = plan[3] if len(plan) > 3 else ("0123456789" if mob else "23456789")
    sub = subscriber(ctx, country, area, ctx.pick(lens), first)
    if intl is None:
        intl = ctx.chance(0.4)
    text = international(ctx, country, area, sub, mob) if intl else \
        national(ctx, country, area, sub, mob)
    ctx.tags.add(f"phone-{country}-{'intl' if intl else 'nat'}{'-mobile' if mob else ''}")
    VERIFY.append(("PHONE", country, text))
    return text


def p_phone(ctx):
    return phone(ctx), "PHONE"


def p_mobile(ctx):
    return phone(ctx, mobile=True), "PHONE"


def p_intl(ctx):
    country = ctx.country if ctx.chance(0.6) else ctx.pick(list(PLANS))
    return phone(ctx, country=country, intl=True), "PHONE"


def p_natphone(ctx):
    return phone(ctx, intl=False), "PHONE"


# ---------------------------------------------------------------- names, e-mail

NAMES = {
    "en": (["James", "Olivia", "Liam", "Amelia", "Noah", "Isla", "Harry", "Grace", "Ethan",
            "Chloe", "Siobhán", "Seán", "Aoife", "Michael", "Sarah", "Priya", "Daniel"],
           ["Smith", "Jones", "Taylor", "Brown", "Williams", "O'Brien", "Murphy", "Patel",
            "Johnson", "Walker", "Hughes", "McCarthy", "Nguyen", "Garcia", "Evans"]),
    "de": (["Jürgen", "Anna", "Lukas", "Sophie", "Maximilian", "Jörg", "Katrin", "Björn",
            "Sabine", "Stefan", "Lena", "Ömer", "Uwe", "Michaela", "Thomas"],
           ["Müller", "Schmidt", "Schneider", "Fischer", "Weiß", "Meyer", "Wagner", "Becker",
            "Schäfer", "Koch", "Groß", "Hoffmann", "Krüger", "Yılmaz", "Bauer"]),
    "fr": (["Éric", "Amélie", "François", "Hélène", "Julien", "Chloé", "Loïc", "Céline",
            "Mathieu", "Inès", "Sébastien", "Léa", "Jérôme", "Noémie"],
           ["Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Laurent", "Girard", "Roux",
            "Fontaine", "Chevalier", "Bonnet", "Mercier", "Lemaître", "Faure"]),
    "es": (["José", "María", "Álvaro", "Lucía", "Javier", "Núria", "Sergio", "Inés",
            "Raúl", "Carmen", "Andrés", "Begoña", "Íñigo", "Marta"],
           ["García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez",
            "Pérez", "Gómez", "Muñoz", "Jiménez", "Ibáñez", "Castaño", "Ruiz"]),
    "it": (["Giuseppe", "Francesca", "Niccolò", "Chiara", "Luca", "Giulia", "Matteo",
            "Federica", "Andrea", "Elena", "Lorenzo", "Martina"],
           ["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo",
            "Ricci", "Marino", "Greco", "De Luca", "Fabbri", "Conti"]),
    "nl": (["Daan", "Sanne", "Jeroen", "Femke", "Sem", "Lotte", "Bram", "Anouk", "Ruud",
            "Ilse", "Thijs", "Eva", "Joëlle"],
           ["de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Visser",
            "Smit", "Meijer", "de Boer", "Mulder", "Peeters", "Janssens", "van Leeuwen"]),
    "pt": (["João", "Inês", "Tiago", "Beatriz", "Gonçalo", "Mariana", "Rui", "Leonor",
            "André", "Conceição", "Luís", "Sofia"],
           ["Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues",
            "Martins", "Gonçalves", "Sousa", "Simões", "Magalhães"]),
    "pl": (["Łukasz", "Agnieszka", "Paweł", "Małgorzata", "Michał", "Katarzyna", "Grzegorz",
            "Zofia", "Tomasz", "Joanna", "Wojciech", "Ewa"],
           ["Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamińska", "Lewandowski",
            "Zieliński", "Szymańska", "Woźniak", "Dąbrowski", "Kozłowska"]),
    "sv": (["Åsa", "Björn", "Linnéa", "Erik", "Maja", "Oskar", "Karin", "Måns", "Ingrid",
            "Anders", "Elin"],
           ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Öberg",
            "Lindström", "Åkesson", "Bergqvist", "Söderberg"]),
    "da": (["Søren", "Mette", "Rasmus", "Signe", "Mads", "Ida", "Jørgen", "Line", "Frederik",
            "Marie", "Anders"],
           ["Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen",
            "Sørensen", "Rasmussen", "Jørgensen", "Mølgaard", "Østergaard"]),
    "nb": (["Ola", "Kari", "Øyvind", "Ingrid", "Håkon", "Solveig", "Lars", "Marit",
            "Espen", "Tone"],
           ["Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen",
            "Kristiansen", "Berg", "Haugen", "Bakken", "Løken"]),
    "fi": (["Mikko", "Anna", "Jukka", "Päivi", "Ville", "Sanna", "Jyrki", "Elina", "Matti",
            "Riikka", "Tuomas"],
           ["Korhonen", "Virtanen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen",
            "Laine", "Heikkinen", "Koskinen", "Järvinen", "Lehtonen"]),
}
COMPANIES = {
    "en": ["Northwind Traders", "Harbour & Lane Ltd", "Blue Fern Logistics", "Acorn Payroll Services",
           "Greystone Legal LLP", "Maple Ridge Health", "Clearwater Analytics Inc."],
    "de": ["Müller Bau GmbH", "Schneider & Söhne KG", "Alpenblick Logistik AG",
           "Bäckerei Groß e.K.", "Nordlicht Software GmbH", "Wagner Elektrotechnik GmbH"],
    "fr": ["Boulangerie Lefèvre SARL", "Transports Moreau SAS", "Cabinet Girard & Associés",
           "Éditions du Château", "Roux Informatique SA"],
    "es": ["Construcciones Ibáñez S.L.", "Transportes García S.A.", "Asesoría Muñoz",
           "Cerámicas del Levante S.L.", "Viajes Sol y Mar"],
    "it": ["Ferrari Impianti S.r.l.", "Studio Legale Bianchi", "Colombo Trasporti S.p.A.",
           "Pasticceria Romano", "Greco Informatica S.r.l."],
    "nl": ["Bakker Installatietechniek B.V.", "De Vries Transport", "Visser & Smit Advocaten",
           "Meijer Bouw B.V.", "Bloemen van Dijk"],
    "pt": ["Construções Magalhães Lda.", "Transportes Simões", "Padaria Conceição",
           "Ferreira & Filhos Lda.", "Oliveira Consultores"],
    "pl": ["Kowalski Budownictwo Sp. z o.o.", "Transport Wiśniewski", "Kancelaria Zielińska",
           "Dąbrowski Logistyka S.A.", "Piekarnia Woźniak"],
    "sv": ["Öberg Bygg AB", "Lindström Logistik AB", "Åkesson & Co", "Söderberg Redovisning AB"],
    "da": ["Mølgaard Byg ApS", "Østergaard Transport A/S", "Jensen & Sørensen Advokater",
           "Bageriet Hansen"],
    "nb": ["Haugen Bygg AS", "Løken Transport AS", "Bakken Regnskap", "Berg & Olsen Advokatfirma"],
    "fi": ["Virtanen Rakennus Oy", "Mäkinen Logistiikka Oy", "Tilitoimisto Laine",
           "Järvinen & Koskinen Oy"],
}
DOMAINS = {
    "en": ["northwind-traders.com", "harbourlane.co.uk", "bluefern.io", "acme-payroll.com",
           "greystone-legal.co.uk", "mapleridge.health", "clearwater.ie", "gmail.com",
           "outlook.com", "btinternet.com", "yahoo.co.uk", "example.org"],
    "de": ["mueller-bau.de", "schneider-soehne.de", "alpenblick-logistik.at", "nordlicht.software",
           "wagner-elektro.ch", "web.de", "gmx.de", "t-online.de", "posteo.de", "firma.berlin"],
    "fr": ["boulangerie-lefevre.fr", "transports-moreau.fr", "cabinet-girard.fr", "orange.fr",
           "free.fr", "laposte.net", "roux-informatique.paris", "wanadoo.fr"],
    "es": ["construccionesibanez.es", "transportesgarcia.com", "asesoriamunoz.es", "telefonica.net",
           "yahoo.es", "hotmail.es", "viajessolymar.travel"],
    "it": ["ferrari-impianti.it", "studiobianchi.it", "colombotrasporti.it", "libero.it",
           "tiscali.it", "alice.it", "pec.grecoinformatica.it"],
    "nl": ["bakker-installatie.nl", "devriestransport.nl", "vissersmit.nl", "ziggo.nl",
           "kpnmail.nl", "hotmail.nl", "bloemenvandijk.amsterdam"],
    "pt": ["magalhaes.pt", "transportes-simoes.pt", "sapo.pt", "gmail.com", "iol.pt",
           "oliveira-consultores.com.pt"],
    "pl": ["kowalski-budownictwo.pl", "wp.pl", "onet.pl", "o2.pl", "interia.pl",
           "kancelaria-zielinska.pl"],
    "sv": ["obergbygg.se", "lindstromlogistik.se", "telia.com", "hotmail.se", "akesson.co"],
    "da": ["molgaard-byg.dk", "ostergaard.dk", "jubii.dk", "mail.dk", "advokat-js.dk"],
    "nb": ["haugenbygg.no", "loken-transport.no", "online.no", "bakken-regnskap.no"],
    "fi": ["virtanen-rakennus.fi", "makinen.fi", "kolumbus.fi", "luukku.com", "tilitoimistolaine.fi"],
}
IDN_DOMAINS = {
    "de": ["müller-bau.de", "bäckerei-groß.de", "schäfer-söhne.de", "köln-büro.de"],
    "fr": ["éditions-du-château.fr", "crème-brûlée.fr"],
    "es": ["ibáñez.es", "muñoz-asesores.es", "españa-viajes.com"],
    "pl": ["łódź-budowa.pl", "kraków-biuro.pl"],
    "sv": ["öberg-bygg.se", "åkesson.se"],
    "da": ["mølgaard.dk", "østergaard-byg.dk"],
    "nb": ["løken.no", "bjørn-bygg.no"],
    "fi": ["mäkinen.fi", "järvinen-koskinen.fi"],
    "pt": ["magalhães.pt", "conceição.pt"],
    "it": ["perché-no.it"],
    "nl": ["coöperatie-dijk.nl"],
    "en": ["café-example.com", "münchen-office.com"],
}
ROLES = {"en": ["invoices", "accounts", "billing", "payroll", "hr", "support", "info", "ap"],
         "de": ["rechnung", "buchhaltung", "info", "personal", "einkauf", "service"],
         "fr": ["compta", "facturation", "contact", "rh", "sav"],
         "es": ["facturacion", "contabilidad", "rrhh", "info", "atencion.cliente"],
         "it": ["amministrazione", "fatture", "ufficio.personale", "info"],
         "nl": ["facturen", "administratie", "info", "personeelszaken"],
         "pt": ["faturacao", "contabilidade", "geral", "rh"],
         "pl": ["faktury", "ksiegowosc", "kadry", "biuro"],
         "sv": ["faktura", "ekonomi", "info", "lon"],
         "da": ["faktura", "regnskab", "info", "lon"],
         "nb": ["faktura", "regnskap", "post", "lonn"],
         "fi": ["laskutus", "kirjanpito", "info", "palkat"]}

FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "é": "e", "è": "e",
                      "ê": "e", "ë": "e", "à": "a", "á": "a", "â": "a", "í": "i", "ï": "i",
                      "ì": "i", "ó": "o", "ò": "o", "ô": "o", "õ": "o", "ú": "u", "ù": "u",
                      "ç": "c", "ñ": "n", "ł": "l", "ś": "s", "ź": "z", "ż": "z", "ć": "c",
                      "ń": "n", "ą": "a", "ę": "e", "å": "a", "ø": "o", "æ": "ae", "ı": "i",
                      "Ö": "O", "Ä": "A", "Ü": "U", "É": "E", "Á": "A", "Í": "I", "Ł": "L",
                      "Å": "A", "Ø": "O", "Ó": "O", "Ş": "S", "ş": "s", "ğ": "g", "'": "",
                      " ": ""})


FOLD_PLAIN = {k: v for k, v in FOLD.items()}
FOLD_PLAIN.update({ord("ä"): "a", ord("ö"): "o", ord("ü"): "u", ord("Ä"): "A", ord("Ö"): "O",
                   ord("Ü"): "U"})


def person(ctx):
    first, last = NAMES[ctx.lang]
    ctx.last_person = (ctx.pick(first), ctx.pick(last))
    return ctx.last_person


def person_last(ctx):
    return getattr(ctx, "last_person", ("", ""))[1]


def e_name(ctx):
    f, l_ = person(ctx)
    return f"{f} {l_}", None


def e_first(ctx):
    return person(ctx)[0], None


def e_company(ctx):
    return ctx.pick(COMPANIES[ctx.lang]), None


def local_part(ctx, fold=True):
    f, l_ = person(ctx)
    if fold:
        table = FOLD if ctx.lang == "de" else FOLD_PLAIN
        f, l_ = f.translate(table).lower(), l_.translate(table).lower()
    else:
        f, l_ = f.lower().replace(" ", ""), l_.lower().replace(" ", "").replace("'", "")
    if "'" in person_last(ctx) and ctx.chance(0.5):
        ctx.tags.add("email-apostrophe")
        return f"{f}.{person_last(ctx).lower()}"
    style = ctx.r.choices(["f.l", "fl", "f_l", "f-l", "fi.l", "l.f", "fl99", "role", "f"],
                          weights=[30, 8, 6, 6, 10, 6, 8, 16, 4])[0]
    ctx.tags.add(f"email-{style}")
    return {"f.l": f"{f}.{l_}", "fl": f + l_, "f_l": f"{f}_{l_}", "f-l": f"{f}-{l_}",
            "fi.l": f"{f[0]}.{l_}", "l.f": f"{l_}.{f}", "fl99": f"{f}{l_[0]}{ctx.r.randint(1, 99)}",
            "role": ctx.pick(ROLES[ctx.lang]), "f": f}[style]


def p_email(ctx):
    lp = local_part(ctx)
    dom = ctx.pick(DOMAINS[ctx.lang])
    if ctx.chance(0.08):
        lp, dom = lp.capitalize(), dom.upper() if ctx.chance(0.3) else dom.capitalize()
        ctx.tags.add("email-case")
    if ctx.chance(0.08):
        dom = ctx.pick(["mail.", "eu.", "corp.", "de.", "lists."]) + dom
        ctx.tags.add("email-subdomain")
    return f"{lp}@{dom}", "EMAIL"


def p_emailplus(ctx):
    lp = local_part(ctx)
    tag = ctx.pick(["invoices", "2024", "shop", "news", "hr-docs", "amazon", "bank", "x"])
    ctx.tags.add("email-plus")
    return f"{lp}+{tag}@{ctx.pick(DOMAINS[ctx.lang])}", "EMAIL"


def p_emailidn(ctx):
    kind = ctx.r.choice(["local", "domain", "both", "puny"])
    ctx.tags.add(f"email-idn-{kind}")
    if kind == "local":
        return f"{local_part(ctx, fold=False)}@{ctx.pick(DOMAINS[ctx.lang])}", "EMAIL"
    dom = ctx.pick(IDN_DOMAINS[ctx.lang])
    if kind == "puny":
        dom = dom.encode("idna").decode()
        return f"{local_part(ctx)}@{dom}", "EMAIL"
    return f"{local_part(ctx, fold=(kind == 'domain'))}@{dom}", "EMAIL"


# ---------------------------------------------------------------- locale formats

MONTHS = {
    "en": "January February March April May June July August September October November December",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre "
          "dicembre",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "pt": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro",
    "pl": "stycznia lutego marca kwietnia maja czerwca lipca sierpnia września października "
          "listopada grudnia",
    "sv": "januari februari mars april maj juni juli augusti september oktober november december",
    "da": "januar februar marts april maj juni juli august september oktober november december",
    "nb": "januar februar mars april mai juni juli august september oktober november desember",
    "fi": "tammikuuta helmikuuta maaliskuuta huhtikuuta toukokuuta kesäkuuta heinäkuuta elokuuta "
          "syyskuuta lokakuuta marraskuuta joulukuuta",
}
WEEKDAYS = {
    "en": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday",
    "de": "Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag",
    "fr": "lundi mardi mercredi jeudi vendredi samedi dimanche",
    "es": "lunes martes miércoles jueves viernes sábado domingo",
    "it": "lunedì martedì mercoledì giovedì venerdì sabato domenica",
    "nl": "maandag dinsdag woensdag donderdag vrijdag zaterdag zondag",
    "pt": "segunda-feira terça-feira quarta-feira quinta-feira sexta-feira sábado domingo",
    "pl": "poniedziałek wtorek środa czwartek piątek sobota niedziela",
    "sv": "måndag tisdag onsdag torsdag fredag lördag söndag",
    "da": "mandag tirsdag onsdag torsdag fredag lørdag søndag",
    "nb": "mandag tirsdag onsdag torsdag fredag lørdag søndag",
    "fi": "maanantai tiistai keskiviikko torstai perjantai lauantai sunnuntai",
}


def ymd(ctx):
    return ctx.r.randint(2019, 2026), ctx.r.randint(1, 12), ctx.r.randint(1, 28)


def n_date(ctx):
    y, m, d = ymd(ctx)
    mon = MONTHS[ctx.lang].split()[m - 1]
    L = ctx.lang
    if L == "en" and ctx.country == "US":
        opts = [f"{m:02d}/{d:02d}/{y}", f"{mon} {d}, {y}", f"{mon[:3]} {d}, {y}", f"{y}-{m:02d}-{d:02d}",
                f"{m}/{d}/{y % 100:02d}"]
    elif L == "en":
        sfx = "th" if 11 <= d <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(d % 10, "th")
        opts = [f"{d:02d}/{m:02d}/{y}", f"{d} {mon} {y}", f"{d}{sfx} {mon} {y}", f"{y}-{m:02d}-{d:02d}",
                f"{d} {mon[:3]} {y}"]
    elif L == "de":
        opts = [f"{d:02d}.{m:02d}.{y}", f"{d}.{m}.{y}", f"{d}. {mon} {y}", f"{y}-{m:02d}-{d:02d}",
                f"{d:02d}.{m:02d}.{y % 100:02d}"]
    elif L in ("fr", "it", "pt", "es"):
        de = {"es": "de ", "pt": "de ", "fr": "", "it": ""}[L]
        opts = [f"{d:02d}/{m:02d}/{y}", f"{d} {de}{mon} {de}{y}", f"{d:02d}-{m:02d}-{y}",
                f"{d:02d}.{m:02d}.{y}" if L == "it" else f"{d}/{m}/{y}"]
    elif L == "nl":
        opts = [f"{d:02d}-{m:02d}-{y}", f"{d} {mon} {y}", f"{d:02d}/{m:02d}/{y}", f"{d}-{m}-{y}"]
    elif L == "pl":
        opts = [f"{d:02d}.{m:02d}.{y}", f"{d} {mon} {y} r.", f"{d:02d}.{m:02d}.{y} r.",
                f"{y}-{m:02d}-{d:02d}"]
    elif L == "sv":
        opts = [f"{y}-{m:02d}-{d:02d}", f"{d} {mon} {y}", f"{d}/{m} {y}", f"{y}-{m:02d}-{d:02d}"]
    elif L in ("da", "nb"):
        opts = [f"{d:02d}.{m:02d}.{y}", f"{d}. {mon} {y}", f"{d:02d}-{m:02d}-{y}", f"{d}/{m}-{y}"]
    else:
        opts = [f"{d}.{m}.{y}", f"{d}. {mon} {y}", f"{d:02d}.{m:02d}.{y}"]
    ctx.tags.add("neg-date")
    return ctx.pick(opts), None


def n_time(ctx):
    h, mi = ctx.r.randint(7, 19), ctx.pick([0, 15, 30, 45, 5, 20])
    L = ctx.lang
    if L == "en":
        ap = "am" if h < 12 else "pm"
        h12 = h if h <= 12 else h - 12
        opts = [f"{h12}:{mi:02d} {ap}", f"{h12}:{mi:02d}{ap.upper()}", f"{h:02d}:{mi:02d}"]
    elif L == "fr":
        opts = [f"{h}h{mi:02d}", f"{h} h {mi:02d}", f"{h}:{mi:02d}"]
    elif L in ("da", "nb", "fi"):
        opts = [f"{h}.{mi:02d}", f"{h:02d}:{mi:02d}"]
    else:
        opts = [f"{h:02d}:{mi:02d}", f"{h}:{mi:02d}", f"{h}.{mi:02d}"]
    return ctx.pick(opts), None


def n_datetime(ctx):
    y, m, d = ymd(ctx)
    h, mi, sec = ctx.r.randint(0, 23), ctx.r.randint(0, 59), ctx.r.randint(0, 59)
    if ctx.chance(0.3):
        return ctx.pick([f"{y}-{m:02d}-{d:02d}T{h:02d}:{mi:02d}:{sec:02d}Z",
                         f"{y}-{m:02d}-{d:02d} {h:02d}:{mi:02d}:{sec:02d}",
                         f"{y}{m:02d}{d:02d}{h:02d}{mi:02d}{sec:02d}"]), None
    return f"{n_date(ctx)[0]} {n_time(ctx)[0]}", None


def thousands(n, sep):
    s = str(n)
    out = []
    while len(s) > 3:
        out.insert(0, s[-3:])
        s = s[:-3]
    out.insert(0, s)
    return sep.join(out)


def money(ctx, lo, hi):
    whole, cents = ctx.r.randint(lo, hi), ctx.r.randint(0, 99)
    L, c = ctx.lang, ctx.country
    if L == "en":
        cur = {"US": ["$", "USD "], "GB": ["£", "GBP "], "IE": ["€", "EUR "]}[c]
        sym = ctx.pick(cur)
        return ctx.pick([f"{sym}{thousands(whole, ',')}.{cents:02d}", f"{sym}{thousands(whole, ',')}",
                         f"{thousands(whole, ',')}.{cents:02d} {sym.strip() if sym[0].isalpha() else 'EUR'}"])
    if c == "CH":
        return ctx.pick([f"CHF {thousands(whole, chr(39))}.{cents:02d}", f"CHF {thousands(whole, chr(8217))}.–",
                         f"Fr. {thousands(whole, chr(39))}.{cents:02d}"])
    sep, dec, cur = {
        "de": (".", ",", ["€", "EUR"]), "es": (".", ",", ["€", "EUR"]),
        "it": (".", ",", ["€", "EUR"]), "nl": (".", ",", ["€", "EUR"]),
        "fr": (ctx.pick([" ", NBSP, NNBSP]), ",", ["€", "EUR"]),
        "pt": (ctx.pick([" ", "."]), ",", ["€", "EUR"]),
        "pl": (ctx.pick([" ", NBSP]), ",", ["zł", "PLN"]),
        "sv": (ctx.pick([" ", NBSP]), ",", ["kr", "SEK"]),
        "da": (".", ",", ["kr.", "DKK"]), "nb": (ctx.pick([" ", "."]), ",", ["kr", "NOK"]),
        "fi": (ctx.pick([" ", NBSP]), ",", ["€", "EUR"])}[L]
    num = f"{thousands(whole, sep)}{dec}{cents:02d}"
    sym = ctx.pick(cur)
    if L == "nl" and sym == "€":
        return ctx.pick([f"€ {num}", f"€{thousands(whole, sep)},-"])
    if sym in ("EUR", "PLN", "SEK", "DKK", "NOK") and ctx.chance(0.5):
        return f"{sym} {num}"
    return f"{num} {sym}"


def n_amount(ctx):
    ctx.tags.add("neg-amount")
    return money(ctx, 5, 9999), None


def n_bigamount(ctx):
    ctx.tags.add("neg-bigamount")
    return money(ctx, 100000, 99999999), None


def n_percent(ctx):
    v = ctx.r.randint(1, 990) / 10
    if ctx.lang == "en":
        return f"{v}%", None
    return ctx.pick([f"{str(v).replace('.', ',')} %", f"{str(v).replace('.', ',')}%",
                     f"{str(v).replace('.', ',')}{NBSP}%"]), None


def n_duration(ctx):
    L = ctx.lang
    h, mi = ctx.r.randint(1, 9), ctx.pick([15, 30, 45])
    opts = {"en": [f"{h} h {mi} min", f"{h}.5 hours", f"0{h}:{mi}:00", f"{h} working days"],
            "de": [f"{h} Std. {mi} Min.", f"{h} Werktage", f"0{h}:{mi}:00", f"{h}–{h + 2} Werktage"],
            "fr": [f"{h} h {mi}", f"{h} jours ouvrés", f"0{h}:{mi}:00"],
            "es": [f"{h} h {mi} min", f"{h} días hábiles", f"0{h}:{mi}:00"],
            "it": [f"{h} ore e {mi} minuti", f"{h} giorni lavorativi", f"0{h}:{mi}:00"],
            "nl": [f"{h} uur en {mi} minuten", f"{h} werkdagen", f"0{h}:{mi}:00"],
            "pt": [f"{h} h {mi} min", f"{h} dias úteis", f"0{h}:{mi}:00"],
            "pl": [f"{h} godz. {mi} min", f"{h} dni roboczych", f"0{h}:{mi}:00"],
            "sv": [f"{h} tim {mi} min", f"{h} arbetsdagar", f"0{h}:{mi}:00"],
            "da": [f"{h} timer og {mi} min.", f"{h} hverdage", f"0{h}:{mi}:00"],
            "nb": [f"{h} timer og {mi} min", f"{h} virkedager", f"0{h}:{mi}:00"],
            "fi": [f"{h} h {mi} min", f"{h} arkipäivää", f"0{h}:{mi}:00"]}[L]
    return ctx.pick(opts), None


POSTCODES = {
    "US": lambda c: f"{c.pick(['New York, NY', 'Austin, TX', 'Seattle, WA', 'Boston, MA'])} "
                    f"{c.digits(5, '123456789')}" + (f"-{c.digits(4)}" if c.chance(0.4) else ""),
    "GB": lambda c: c.pick(["SW1A 1AA", "EC1A 1BB", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT",
                            "LS1 4AP", "EH1 1YZ", "G2 1DY", "BS1 5TR", "W1D 3QF", "NW1 6XE"]),
    "IE": lambda c: c.pick(["Dublin 2, D02 X285", "Cork T12 R2NC", "D04 C932", "H91 E2K3"]),
    "DE": lambda c: f"{c.digits(5, '0123456789')} {c.pick(['Berlin', 'München', 'Hamburg', 'Köln', 'Leipzig'])}",
    "AT": lambda c: f"{c.digits(4, '123456789')} {c.pick(['Wien', 'Graz', 'Linz', 'Salzburg'])}",
    "CH": lambda c: f"{c.pick(['CH-', ''])}{c.digits(4, '123456789')} {c.pick(['Zürich', 'Bern', 'Basel', 'Genève'])}",
    "FR": lambda c: f"{c.digits(5, '0123456789')} {c.pick(['Paris', 'Lyon', 'Marseille', 'Lille', 'Nantes'])}"
                    + (f" CEDEX {c.r.randint(1, 20)}" if c.chance(0.2) else ""),
    "BE": lambda c: f"{c.pick(['B-', ''])}{c.digits(4, '123456789')} {c.pick(['Bruxelles', 'Antwerpen', 'Gent', 'Liège'])}",
    "ES": lambda c: f"{c.digits(5, '0123456789')} {c.pick(['Madrid', 'Barcelona', 'Sevilla', 'Valencia'])}",
    "IT": lambda c: f"{c.digits(5, '0123456789')} {c.pick(['Roma', 'Milano', 'Torino', 'Napoli'])} "
                    f"({c.pick(['RM', 'MI', 'TO', 'NA'])})",
    "NL": lambda c: f"{c.digits(4, '123456789')} {c.pick(['AB', 'KL', 'XZ', 'GH'])} "
                    f"{c.pick(['Amsterdam', 'Utrecht', 'Rotterdam', 'Den Haag'])}",
    "PT": lambda c: f"{c.digits(4, '123456789')}-{c.digits(3)} {c.pick(['Lisboa', 'Porto', 'Braga', 'Coimbra'])}",
    "PL": lambda c: f"{c.digits(2)}-{c.digits(3)} {c.pick(['Warszawa', 'Kraków', 'Gdańsk', 'Poznań'])}",
    "SE": lambda c: f"{c.digits(3, '123456789')} {c.digits(2)} {c.pick(['Stockholm', 'Göteborg', 'Malmö', 'Uppsala'])}",
    "DK": lambda c: f"{c.pick(['DK-', ''])}{c.digits(4, '123456789')} {c.pick(['København K', 'Aarhus C', 'Odense', 'Aalborg'])}",
    "NO": lambda c: f"{c.digits(4)} {c.pick(['Oslo', 'Bergen', 'Trondheim', 'Stavanger'])}",
    "FI": lambda c: f"{c.digits(5)} {c.pick(['Helsinki', 'Tampere', 'Turku', 'Espoo'])}",
}
STREETS = {"en": ["221B Baker Street", "1600 Market Street, Suite 400", "14 Harbour Road",
                  "Unit 7, Riverside Park"],
           "de": ["Hauptstraße 12", "Lindenallee 4a", "Am Markt 7", "Industriestr. 23-25"],
           "fr": ["12 rue de la Paix", "45, avenue Jean Jaurès", "3 bd Haussmann"],
           "es": ["Calle Mayor, 12, 3º B", "Avda. de la Constitución 45", "C/ Alcalá 120"],
           "it": ["Via Roma 12", "Corso Vittorio Emanuele II, 45", "Piazza Duomo 3"],
           "nl": ["Keizersgracht 123", "Stationsplein 4", "Dorpsstraat 17a"],
           "pt": ["Rua Augusta, 120, 2.º Esq.", "Av. da Liberdade 45"],
           "pl": ["ul. Marszałkowska 10/12 m. 5", "al. Jerozolimskie 44"],
           "sv": ["Drottninggatan 12", "Storgatan 5 B"],
           "da": ["Vesterbrogade 12, 2. tv.", "Nørregade 7"],
           "nb": ["Karl Johans gate 12", "Storgata 5"],
           "fi": ["Mannerheimintie 12 A 5", "Hämeenkatu 7"]}


def n_postcode(ctx):
    ctx.tags.add("neg-postcode")
    return POSTCODES[ctx.country](ctx), None


def n_address(ctx):
    ctx.tags.add("neg-postcode")
    return f"{ctx.pick(STREETS[ctx.lang])}, {POSTCODES[ctx.country](ctx)}", None


# ---------------------------------------------------------------- look-alikes

def la(tag, allow_luhn=False):
    """Decorator: a look-alike generator, checked to be no real identifier."""
    def wrap(fn):
        def gen(ctx):
            ctx.tags.add(f"neg-{tag}")
            return lookalike(ctx, lambda: fn(ctx), allow_luhn), None
        return gen
    return wrap


@la("order")
def n_order(ctx):
    d, y = ctx.digits, ctx.r.randint(2019, 2026)
    return ctx.pick([f"{d(3, '1234')}-{d(7)}-{d(7)}", f"45{d(8)}", f"#{d(5, '123456789')}",
                     f"{d(6, '123456789')}", f"SO-{y}-{d(6)}", f"ORD-{d(8)}", f"{y}-{d(5)}",
                     f"A{d(9)}", f"{d(10, '123456789')}", f"{d(4)} {d(4)} {d(4)}",
                     f"{d(3)}.{d(3)}.{d(3)}", f"PO{d(7)}", f"{d(12, '123456789')}",
                     f"{d(16, '123456789')}", f"{d(2)}-{d(6)}/{y}"])


@la("invoice")
def n_invoice(ctx):
    d, y = ctx.digits, ctx.r.randint(2019, 2026)
    return ctx.pick([f"INV-{y}-{d(5)}", f"{y}/{d(4)}", f"RE-{y}-{d(4)}", f"FA{y % 100}-{d(5)}",
                     f"F{y}-{d(6)}", f"{d(3)}/{y}", f"FV/{y}/{d(2)}/{d(4)}", f"{d(8, '123456789')}",
                     f"{y} {d(6)}", f"{d(4)} {d(4)} {d(2)}", f"{d(3)}-{d(3)}-{d(3)}",
                     f"{d(2)}{y}{d(6)}", f"{d(14, '123456789')}"])


@la("ticket")
def n_ticket(ctx):
    d, y = ctx.digits, ctx.r.randint(2019, 2026)
    return ctx.pick([f"#{d(6, '123456789')}", f"INC{d(7)}", f"REQ{d(7)}", f"CS{d(7)}",
                     f"TCK-{d(5)}", f"{y}{d(2, '01')}{d(2, '012')}{d(8)}", f"OPS-{d(4)}",
                     f"[Ticket#{y}{d(2, '01')}{d(2, '012')}{d(8)}]", f"SR {d(1, '1234')}-{d(10)}",
                     f"{d(3)} {d(3)} {d(3)}"])


@la("case")
def n_case(ctx):
    d, y = ctx.digits, ctx.r.randint(2019, 2026)
    return ctx.pick([f"{d(8, '0')}", f"{y}-{d(4)}", f"CAS-{d(5)}-{ctx.pick(['K1B2C3', 'Q7Z9X1', 'M4N5P6'])}",
                     f"SR {d(1, '123')}-{d(10)}", f"{d(2)} {d(3)} {d(3)} {d(3)}",
                     f"{d(1, '123456789')} C {d(3)}/{y % 100}"])


@la("reference")
def n_ref(ctx):
    d, y = ctx.digits, ctx.r.randint(2019, 2026)
    return ctx.pick([f"{y}/{d(2)}/{d(2)}-{d(3)}", f"REF-{ctx.pick(['7F3K9Q', 'X2B8M1', 'PQ44RZ'])}",
                     f"{d(10)}", f"{ctx.pick(['AB', 'mk', 'JS'])}/{d(3)}-{d(2)}",
                     f"{d(3)} {d(3)} {d(3)} {d(3)}", f"{d(4)}-{d(4)}-{d(4)}", f"{d(2)}.{d(3)}.{d(3)}",
                     f"{d(7)}{ctx.pick('ABCXYZ')}", f"{d(4)}/{d(4)}/{d(4)}"])


@la("customer")
def n_cust(ctx):
    d = ctx.digits
    return ctx.pick([f"{d(8, '123456789')}", f"{d(10, '0')}", f"{d(3)} {d(3)} {d(3)}",
                     f"{d(2)} {d(3)} {d(3)}", f"K-{d(6)}", f"{d(6)}", f"{d(3)}-{d(4)}-{d(3)}",
                     f"{d(4)} {d(4)} {d(3)}", f"{d(2)}-{d(2)}-{d(2)}-{d(2)}", f"{d(9)}",
                     f"{d(11, '123456789')}", f"{d(4)} {d(3)} {d(3)}"])


@la("contract")
def n_contract(ctx):
    d, y = ctx.digits, ctx.r.randint(2019, 2026)
    return ctx.pick([f"C-{y}-{d(4)}", f"{d(2)} {d(3)} {d(3)} {d(1)}", f"{d(10)}", f"{y}/{d(6)}",
                     f"VN {d(3)}.{d(3)}.{d(3)}", f"{d(4)}-{d(6)}-{d(2)}", f"{d(5)} {d(5)}"])


@la("policy")
def n_policy(ctx):
    d = ctx.digits
    return ctx.pick([f"{d(2)}.{d(3)}.{d(3)}-{d(1)}", f"POL-{d(3)}-{d(3)}-{d(3)}", f"{d(9)}",
                     f"{d(7)}-{d(1)}", f"{d(3)} {d(3)} {d(3)} {d(3)}", f"LV-{d(8)}"])


def ean13(ctx, prefix):
    body = prefix + ctx.digits(12 - len(prefix))
    chk = (10 - sum(int(x) * (3 if i % 2 else 1) for i, x in enumerate(body)) % 10) % 10
    return body + str(chk)


@la("ean")
def n_ean(ctx):
    e = ean13(ctx, ctx.pick(["400", "401", "40", "42", "43", "50", "54", "57", "76", "80", "84",
                             "87", "90", "590", "73", "64", "560", "00", "03"]))
    return ctx.pick([e, e, f"{e[0]} {e[1:7]} {e[7:]}"])


@la("isbn")
def n_isbn(ctx):
    if ctx.chance(0.7):
        body = ctx.pick(["9783", "9782", "9788", "9780", "9791", "97884", "97883", "97891"])
        body += ctx.digits(12 - len(body))
        chk = (10 - sum(int(x) * (3 if i % 2 else 1) for i, x in enumerate(body)) % 10) % 10
        s = body + str(chk)
        return ctx.pick([s, f"{s[:3]}-{s[3]}-{s[4:6]}-{s[6:12]}-{s[12]}",
                         f"{s[:3]}-{s[3:5]}-{s[5:9]}-{s[9:12]}-{s[12]}"])
    body = ctx.pick(["3", "2", "0", "1", "84", "88"]) + ctx.digits(0 + 1)
    body = (body + ctx.digits(9))[:9]
    chk = sum((10 - i) * int(x) for i, x in enumerate(body)) % 11
    c = (11 - chk) % 11
    s = body + ("X" if c == 10 else str(c))
    return ctx.pick([s, f"{s[0]}-{s[1:4]}-{s[4:9]}-{s[9]}"])


@la("sku")
def n_sku(ctx):
    d = ctx.digits
    return ctx.pick([f"SKU-{d(5)}-{ctx.pick(['BLK', 'WHT', 'RED'])}-{ctx.pick('SML')}",
                     f"{d(3)}.{d(3)}.{d(2)}", f"{d(4)}-{d(4)}", f"{d(2)}-{d(3)}-{d(3)}",
                     f"ART{d(6)}", f"{d(3)} {d(3)} {d(3)}", f"{d(7)}"])


VAT = {
    "DE": lambda c: f"DE{c.digits(9, '123456789')}" if c.chance(0.7) else f"DE {c.digits(3)} {c.digits(3)} {c.digits(3)}",
    "AT": lambda c: f"ATU{c.digits(8)}",
    "CH": lambda c: f"CHE-{c.digits(3, '1')}.{c.digits(3)}.{c.digits(3)} MWST",
    "FR": lambda c: f"FR{c.digits(2)}{c.digits(9, '3456789')}" if c.chance(0.6) else f"FR {c.digits(2)} {c.digits(3)} {c.digits(3)} {c.digits(3)}",
    "BE": lambda c: f"BE0{c.digits(9)}" if c.chance(0.5) else f"BE 0{c.digits(3)}.{c.digits(3)}.{c.digits(3)}",
    "GB": lambda c: f"GB{c.digits(9)}" if c.chance(0.5) else f"GB {c.digits(3)} {c.digits(4)} {c.digits(2)}",
    "IE": lambda c: f"IE{c.digits(7)}{c.pick('ABCDEFW')}{c.pick(['', 'A', 'H'])}",
    "US": lambda c: f"{c.digits(2, '123456789')}-{c.digits(7)}",
    "ES": lambda c: f"ES{c.pick('ABF')}{c.digits(8)}",
    "IT": lambda c: f"IT{c.digits(11, '01')}",
    "NL": lambda c: f"NL{c.digits(9)}B{c.digits(2, '0')}",
    "PT": lambda c: f"PT{c.digits(9, '5')}",
    "PL": lambda c: f"PL{c.digits(10, '123456789')}",
    "SE": lambda c: f"SE{c.digits(10, '5')}01",
    "DK": lambda c: f"DK{c.digits(8, '123456789')}" if c.chance(0.6) else f"DK {c.digits(2)} {c.digits(2)} {c.digits(2)} {c.digits(2)}",
    "NO": lambda c: f"NO {c.digits(3, '89')} {c.digits(3)} {c.digits(3)} MVA",
    "FI": lambda c: f"FI{c.digits(8)}",
}


@la("vat")
def n_vat(ctx):
    return VAT[ctx.country](ctx)


@la("vat")
def n_vatx(ctx):
    return VAT[ctx.pick([k for k in VAT if k != "US"])](ctx)


COMPANY_IDS = {
    "DE": lambda c: f"HRB {c.digits(5, '123456789')}" + c.pick(["", " B"]),
    "AT": lambda c: f"FN {c.digits(6)}{c.pick('abcdkm')}",
    "CH": lambda c: f"CHE-{c.digits(3, '1')}.{c.digits(3)}.{c.digits(3)}",
    "GB": lambda c: c.pick([f"{c.digits(8, '01')}", f"SC{c.digits(6)}", f"NI{c.digits(6)}", f"OC{c.digits(6)}"]),
    "IE": lambda c: f"CRO {c.digits(6)}",
    "US": lambda c: f"EIN {c.digits(2, '123456789')}-{c.digits(7)}",
    "FR": lambda c: c.pick([f"SIREN {c.digits(3)} {c.digits(3)} {c.digits(3)}",
                            f"SIRET {c.digits(3)} {c.digits(3)} {c.digits(3)} {c.digits(5)}",
                            f"RCS Paris B {c.digits(3)} {c.digits(3)} {c.digits(3)}"]),
    "BE": lambda c: f"BCE 0{c.digits(3)}.{c.digits(3)}.{c.digits(3)}",
    "ES": lambda c: f"CIF {c.pick('ABF')}{c.digits(8)}",
    "IT": lambda c: f"REA MI-{c.digits(7)}",
    "NL": lambda c: f"KvK {c.digits(8)}",
    "PT": lambda c: f"NIPC {c.digits(9, '5')}",
    "PL": lambda c: c.pick([f"NIP {c.digits(3)}-{c.digits(3)}-{c.digits(2)}-{c.digits(2)}",
                            f"KRS 0000{c.digits(6)}", f"REGON {c.digits(9)}"]),
    "SE": lambda c: f"Org.nr {c.digits(6, '5')}-{c.digits(4)}",
    "DK": lambda c: f"CVR {c.digits(8, '123456789')}" if c.chance(0.6) else f"CVR-nr. {c.digits(2)} {c.digits(2)} {c.digits(2)} {c.digits(2)}",
    "NO": lambda c: f"Org.nr. {c.digits(3, '89')} {c.digits(3)} {c.digits(3)}",
    "FI": lambda c: f"Y-tunnus {c.digits(7)}-{c.digits(1)}",
}


@la("companyid")
def n_companyid(ctx):
    return COMPANY_IDS[ctx.country](ctx)


@la("sortcode")
def n_sortcode(ctx):
    d = ctx.digits
    return ctx.pick([f"{d(2)}-{d(2)}-{d(2)}", f"{d(2)} {d(2)} {d(2)}", f"{d(6)}"])


BANK_ACCOUNTS = {
    "GB": lambda c: f"{c.digits(8)}", "IE": lambda c: f"{c.digits(8)}",
    "US": lambda c: f"{c.digits(10, '0123456789')}",
    "DE": lambda c: f"{c.digits(10, '0')}", "AT": lambda c: f"{c.digits(11, '0')}",
    "CH": lambda c: f"{c.digits(2)}-{c.digits(6)}-{c.digits(1)}",
    "FR": lambda c: f"{c.digits(11)}", "BE": lambda c: f"{c.digits(3)}-{c.digits(7)}-{c.digits(2)}",
    "ES": lambda c: f"{c.digits(4)} {c.digits(4)} {c.digits(2)} {c.digits(10)}",
    "IT": lambda c: f"{c.digits(12, '0')}", "NL": lambda c: f"{c.digits(9, '1234')}",
    "PT": lambda c: f"{c.digits(11)}", "PL": lambda c: f"{c.digits(8)}",
    "SE": lambda c: f"{c.digits(4, '5689')}-{c.digits(1)}, {c.digits(3)} {c.digits(3)} {c.digits(3)}",
    "DK": lambda c: f"reg.nr. {c.digits(4)} konto {c.digits(10, '0')}",
    "NO": lambda c: f"{c.digits(4)} {c.digits(2)} {c.digits(5)}",
    "FI": lambda c: f"{c.digits(6)}-{c.digits(8)}",
}


@la("account")
def n_account(ctx):
    return BANK_ACCOUNTS[ctx.country](ctx)


@la("blz")
def n_blz(ctx):
    d = ctx.digits(8, "1234567")
    return ctx.pick([d, f"{d[:3]} {d[3:6]} {d[6:]}"])


@la("aba")
def n_aba(ctx):
    while True:
        d = ctx.digits(8, "0123") 
        for c in "0123456789":
            s = d + c
            if sum(int(x) * w for x, w in zip(s, [3, 7, 1] * 3)) % 10 == 0:
                return s


BICS = ["COBADEFFXXX", "DEUTDEFF", "DEUTDEDBBER", "BNPAFRPP", "SOGEFRPP", "INGBNL2A", "RABONL2U",
        "NDEASESS", "ESSESESS", "DABADKKK", "PKOPPLPW", "BREXPLPW", "CAIXESBB", "BBVAESMM",
        "UNCRITMM", "BCITITMM", "BARCGB22", "NWBKGB2L", "CGDIPTPL", "BCOMPTPL", "DNBANOKK",
        "OKOYFIHH", "NDEAFIHH", "BKAUATWW", "UBSWCHZH80A", "GEBABEBB", "AIBKIE2D"]


def n_bic(ctx):
    ctx.tags.add("neg-bic")
    return ctx.pick(BICS), None


@la("ip")
def n_ip(ctx):
    r = ctx.r
    return ctx.pick([f"192.168.{r.randint(0, 255)}.{r.randint(1, 254)}",
                     f"10.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}",
                     f"172.{r.randint(16, 31)}.{r.randint(0, 255)}.{r.randint(1, 254)}",
                     f"{r.randint(11, 223)}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}",
                     f"2001:db8:{r.randint(0, 65535):x}::{r.randint(1, 65535):x}",
                     f"{r.randint(11, 223)}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}:"
                     f"{r.choice([443, 8080, 25, 587, 3389])}"])


@la("version")
def n_version(ctx):
    r = ctx.r
    return ctx.pick([f"v{r.randint(1, 12)}.{r.randint(0, 30)}.{r.randint(0, 99)}",
                     f"{r.randint(1, 9)}.{r.randint(0, 9)}.{r.randint(0, 9)}-rc{r.randint(1, 4)}",
                     f"10.0.{r.randint(17000, 26100)}.{r.randint(1000, 4000)}",
                     f"{r.randint(1, 5)}.{r.randint(0, 20)}.{r.randint(0, 20)}.{r.randint(1000, 9999)}",
                     f"build {r.randint(2019, 2026)}{r.randint(1, 12):02d}{r.randint(1, 28):02d}.{r.randint(1, 9)}"])


@la("serial")
def n_serial(ctx):
    d = ctx.digits
    return ctx.pick([f"{d(4)}-{d(4)}-{d(4)}", f"C02{ctx.pick(['XK1ABJG5H', 'ZL4MNQ05N', 'DV3HJ1P9Q'])}",
                     f"5CG{d(4)}{ctx.pick(['ABC', 'XYZ', 'LM2'])}", f"{d(4)} {d(4)} {d(4)} {d(4)}",
                     f"SN{d(10)}", f"{d(2)}{ctx.pick(['AB', 'KX'])}{d(8)}", f"{d(15, '123456789')}",
                     f"{d(3)}-{d(3)}-{d(3)}-{d(3)}"])


def n_imei(ctx):
    ctx.tags.add("neg-imei")
    while True:
        d = luhn_complete(ctx.pick(["35", "86", "01", "99"]) + ctx.digits(12))
        if not d.startswith(("34", "37")):
            break
    return ctx.pick([d, f"{d[:2]}-{d[2:8]}-{d[8:14]}-{d[14]}", f"{d[:2]} {d[2:8]} {d[8:14]} {d[14]}"]), None


def n_masked(ctx):
    ctx.tags.add("neg-masked-card")
    last = ctx.digits(4)
    first6 = ctx.pick(["411111", "542418", "379334", "601100", "453201"])
    return ctx.pick([f"**** **** **** {last}", f"XXXX-XXXX-XXXX-{last}", f"•••• {last}",
                     f"{first6}******{last}", f"{first6[:4]} {first6[4:]}** **** {last}",
                     f"xxxx xxxx xxxx {last}", f"************{last}", f"*{last}"]), None


def n_last4(ctx):
    ctx.tags.add("neg-last4")
    return ctx.digits(4), None


def n_exp(ctx):
    m, y = ctx.r.randint(1, 12), ctx.r.randint(25, 31)
    return ctx.pick([f"{m:02d}/{y}", f"{m:02d}/20{y}", f"{m:02d}-{y}"]), None


def n_auth(ctx):
    return ctx.pick([ctx.digits(6), ctx.digits(6, "0123456789").upper()]), None


@la("meeting")
def n_meeting(ctx):
    d = ctx.digits
    return ctx.pick([f"{d(3, '89')} {d(4)} {d(4)}", f"{d(3, '89')}{d(4)}{d(4)}",
                     f"{d(3)} {d(3)} {d(3)} {d(3)}", f"{d(3)} {d(3)} {d(3)}#",
                     f"{d(3, '123456789')} {d(3)} {d(4)}"])


def n_passcode(ctx):
    return ctx.pick([ctx.digits(6), ctx.digits(8), "Xk7#pQ2"]), None


def rf_reference(ctx):
    ref = ctx.digits(ctx.r.randint(8, 18))
    chk = 98 - mod97(ref + "RF00")
    s = f"RF{chk:02d}{ref}"
    return s


def n_rfref(ctx):
    ctx.tags.add("neg-rf-creditor-ref")
    s = rf_reference(ctx)
    return ctx.pick([s, group(s, [4] * 8, " ")]), None


def n_creditorid(ctx):
    ctx.tags.add("neg-sepa-creditor-id")
    cc = ctx.pick(["DE", "DE", "AT", "NL", "FR", "ES", "IT", "BE"])
    nat = {"DE": lambda: "0" + ctx.digits(10), "AT": lambda: ctx.digits(11),
           "NL": lambda: ctx.digits(12), "FR": lambda: ctx.digits(6),
           "ES": lambda: "B" + ctx.digits(8), "IT": lambda: ctx.digits(11) + ctx.digits(5, "0"),
           "BE": lambda: "0" + ctx.digits(9)}[cc]()
    chk = 98 - mod97(nat + cc + "00")
    return f"{cc}{chk:02d}ZZZ{nat}", None


NATID = {
    "de": lambda c: c.pick([f"{c.digits(11, '123456789')}", f"{c.digits(2, '123456789')} {c.digits(3)} {c.digits(3)} {c.digits(3)}"]),
    "fr": lambda c: f"{c.pick('12')} {c.digits(2)} {c.r.randint(1, 12):02d} {c.digits(2)} {c.digits(3)} {c.digits(3)} {c.digits(2)}",
    "es": lambda c: f"{c.digits(8)}{c.pick('TRWAGMYFPDXBNJZSQVHLCKE')}",
    "it": lambda c: c.pick(["RSSMRA85T10A562S", "BNCGLI90A41F205X", "VRDLCU78M12H501Z"]),
    "nl": lambda c: f"{c.digits(9, '123456789')}",
    "pt": lambda c: f"{c.digits(9, '12')}",
    "pl": lambda c: f"{c.digits(2)}{c.r.randint(1, 12):02d}{c.r.randint(1, 28):02d}{c.digits(5)}",
    "sv": lambda c: f"{c.r.randint(40, 99)}{c.r.randint(1, 12):02d}{c.r.randint(1, 28):02d}-{c.digits(4)}",
    "da": lambda c: f"{c.r.randint(1, 28):02d}{c.r.randint(1, 12):02d}{c.r.randint(40, 99)}-{c.digits(4)}",
    "nb": lambda c: f"{c.r.randint(1, 28):02d}{c.r.randint(1, 12):02d}{c.r.randint(40, 99)} {c.digits(5)}",
    "fi": lambda c: f"{c.r.randint(1, 28):02d}{c.r.randint(1, 12):02d}{c.r.randint(40, 99)}-{c.digits(3)}{c.pick('ABCHJKLMN')}",
    "en": lambda c: f"{c.digits(3, '4689')} {c.digits(3)} {c.digits(4)}",
}


@la("national-id")
def n_natid(ctx):
    return NATID[ctx.lang](ctx)


@la("nhs")
def n_nhs(ctx):
    while True:
        body = ctx.digits(9, "4689")
        c = 11 - sum(int(x) * (10 - i) for i, x in enumerate(body)) % 11
        if c == 11:
            c = 0
        if c != 10:
            s = body + str(c)
            return ctx.pick([f"{s[:3]} {s[3:6]} {s[6:]}", s, f"{s[:3]}-{s[3:6]}-{s[6:]}"])


@la("ein")
def n_ein(ctx):
    return f"{ctx.digits(2, '123456789')}-{ctx.digits(7)}"


@la("zip4")
def n_zip4(ctx):
    return f"{ctx.digits(5, '123456789')}-{ctx.digits(4)}"


@la("epoch")
def n_epoch(ctx):
    return str(ctx.r.randint(1_550_000_000, 1_800_000_000))


def n_geo(ctx):
    r = ctx.r
    return f"{r.uniform(36, 60):.6f}, {r.uniform(-9, 25):.6f}", None


@la("tracking")
def n_track(ctx):
    d = ctx.digits
    kind = ctx.pick(["ups", "ups", "dhl20", "dhl10", "fedex12", "fedex15", "usps22", "s10", "s10",
                     "postnl", "colissimo", "dpd14", "gls", "hermes", "jjd", "royal"])
    ctx.tags.add(f"track-{kind}")
    if kind == "ups":
        s = f"1Z{d(3)}{ctx.pick(['AA', 'X4', 'E2', 'W7'])}{d(1)}{d(10)}"
        return ctx.pick([s, f"1Z {s[2:5]} {s[5:8]} {s[8:10]} {s[10:14]} {s[14:17]} {s[17]}"])
    if kind == "dhl20":
        s = "00340434" + d(12)
        return ctx.pick([s, group(s, [4] * 5, " ")])
    if kind == "dhl10":
        return d(10, "123456789")
    if kind == "fedex12":
        s = d(12, "7")
        return ctx.pick([s, group(s, [4, 4, 4], " ")])
    if kind == "fedex15":
        return d(15, "0")
    if kind == "usps22":
        s = "9400" + d(18)
        return ctx.pick([s, group(s, [4] * 5, " ")])
    if kind == "s10":
        body = d(8)
        w = [8, 6, 4, 2, 3, 5, 9, 7]
        c = 11 - sum(int(x) * w[i] for i, x in enumerate(body)) % 11
        c = {10: 0, 11: 5}.get(c, c)
        return f"{ctx.pick(['RR', 'CP', 'LX', 'RB', 'EE', 'UA'])}{body}{c}" \
               f"{ctx.pick(['DE', 'FR', 'NL', 'SE', 'PL', 'IT', 'ES', 'DK', 'FI', 'NO', 'PT', 'CN'])}"
    if kind == "postnl":
        return f"3S{ctx.pick(['ABCD', 'KLMN', 'QWER'])}{d(7)}"
    if kind == "colissimo":
        return f"6A{d(11)}"
    if kind == "dpd14":
        s = d(14, "0")
        return ctx.pick([s, group(s, [4, 4, 4, 2], " ")])
    if kind == "gls":
        return d(11, "123456789")
    if kind == "hermes":
        return f"H{d(19)}"
    if kind == "jjd":
        return f"JJD{d(18, '0')}"
    return f"{ctx.pick(['AB', 'KM', 'TT'])}{d(9)}GB"


def n_npm(ctx):
    ctx.tags.add("neg-at-sign")
    return ctx.pick(["lodash@4.17.21", "react@18.2.0", "typescript@5.4.2", "@types/node@20.11.5",
                     "express@4.19.2", "python@sha256:3f1e9c2a", "node@20"]), None


def n_asset(ctx):
    ctx.tags.add("neg-at-sign")
    return ctx.pick(["logo@2x.png", "banner@3x.jpg", "icon-mail@2x.png", "header_logo@2x.gif"]), None


def n_maskediban(ctx):
    ctx.tags.add("neg-masked-iban")
    iban = iban_compact(ctx, ctx.pick(COUNTRY_IBANS[ctx.lang]))
    VERIFY.pop()
    g = group(iban, [4] * 9, " ")
    return ctx.pick([g[:4] + " **** **** **** " + g[-7:] if len(iban) == 22 else g[:4] + " **** " + g[-4:],
                     f"{iban[:2]}** **** **** **** **{iban[-2:]}", f"****{iban[-4:]}"]), None


def n_cid(ctx):
    ctx.tags.add("neg-cid")
    return f"cid:image00{ctx.r.randint(1, 9)}.png@01DA{ctx.r.randint(0, 0xFFFF):04X}." \
           f"{ctx.r.randint(0, 0xFFFFFFFF):08X}", None


# ---------------------------------------------------------------- languages
# Per language: negative-context lead-ins, sentence templates per identifier
# type, look-alike-only sentences, and the pieces of an e-mail.

LANG = {}

LANG["en"] = dict(
    countries=["US", "GB", "GB", "IE", "US"],
    leads=["Order {ORDER}:", "Re: invoice {INVOICE} -", "Ticket {TICKET} closed.",
           "Case {CASE} (ref. {REF}):", "Tracking number {TRACK} was delivered on {DATE}.",
           "Invoice {INVOICE} dated {DATE} for {AMOUNT} is overdue.",
           "Serial {SERIAL} is out of warranty.", "Your ref {REF}, our ref {REF}.",
           "ISBN {ISBN} is back in stock.", "Policy {POLICY} renews on {DATE}.",
           "Customer no. {CUST}, contract {CONTRACT}:", "PO {ORDER} / SKU {SKU}:",
           "Reference: {REF}", "Order {ORDER}: cancelled.", "[Ticket #{CUST}]"],
    CARD=["Please charge my card {CARD} today.", "The card on file is {CARD}, expiry {EXP}.",
          "Card number: {CARD} (cancelled, do not use).",
          "For the sandbox use the test card {TESTCARD} with any future expiry date.",
          "My Amex is {AMEX} - the old card {MASKED} was blocked.",
          "Billing failed for card {CARD}; the bank declined it twice.",
          "Corporate card {CARD}, cardholder {NAME}, limit {AMOUNT}.",
          "Can you refund {AMOUNT} to {CARD}? It was charged twice for order {ORDER}.",
          "card: {CARD} exp {EXP} cvv on the back",
          "Visa {VISA}, invoice {INVOICE}, amount {AMOUNT}.",
          "Use {CARD19} for the hotel deposit.",
          "CC#{CARD}", "Card no.: {TESTCARD}; order {ORDER}; ship to {POSTCODE}.",
          "The expired card ({CARD}) should be removed from the vendor portal.",
          "Not the card ending {LAST4} - please use {CARD} instead."],
    IBAN=["Please transfer {AMOUNT} to IBAN {IBAN} by {DATE}.",
          "Our bank details have changed: {IBAN} (BIC {BIC}).",
          "The refund for invoice {INVOICE} goes to {IBAN}, not to the old account.",
          "Payee: {COMPANY}, IBAN: {IBANX}, reference {RFREF}.",
          "my iban is {IBANLC} if that helps",
          "Wrong IBAN on file? The correct one is {IBAN}.",
          "IBAN {IBAN} / BIC {BIC} / sort code {SORTCODE}",
          "Ticket closed. My IBAN is {IBAN}, thanks.",
          "Supplier {COMPANY} asks us to pay invoice {INVOICE} into {IBANX} from now on.",
          "Account holder {NAME}, IBAN: {IBAN}"],
    PHONE=["Call me on {PHONE} after {TIME}.",
           "You can reach our accounts team at {PHONE} or {INTL}.",
           "My mobile is {MOBILE}, but I'm travelling until {DATE}.",
           "Please phone {NATPHONE} and quote your customer number {CUST}.",
           "Text me at {MOBILE} when the parcel ({TRACK}) arrives.",
           "Fax: {NATPHONE}", "Tel. {PHONE} | Mob. {MOBILE}",
           "Our new number is {INTL} (the old one is no longer in service).",
           "WhatsApp {MOBILE} - I don't check email at weekends.",
           "Dial-in: {INTL},,{PASSCODE}# (meeting ID {MEETING})",
           "If the order {ORDER} is late, ring {NATPHONE}.",
           "Phone: {NATPHONE} ext. 204", "Contact {NAME} on {INTL}.",
           "Call {NATPHONE} to cancel - ticket {TICKET} stays open until then.",
           "Click to call: tel:{INTL}"],
    EMAIL=["Send the signed contract to {EMAIL}.",
           "Please reply to {EMAILPLUS} rather than to my personal address {EMAIL}.",
           "Invoices should go to {EMAIL}; questions to {EMAIL}.",
           "Contact: {NAME} <{EMAIL}>", "The address {EMAILIDN} bounced - is it still valid?",
           "Unsubscribe: mailto:{EMAIL}", "Order {ORDER} confirmation was sent to {EMAIL}.",
           "cc {EMAIL} and {EMAIL} on ticket {TICKET}.",
           "Is {EMAIL} the right address for invoice {INVOICE}?",
           "({EMAIL})", "\"{NAME}\" <{EMAIL}> wrote the wrong case number ({CASE})."],
    SSN=["Employee SSN: {SSN}", "His Social Security number is {SSN}, date of birth {DATE}.",
         "For the W-2, SSN {SSNBARE} (please double-check).",
         "The SSN on the I-9 ({SSN}) doesn't match the payroll record.",
         "Social security no. {SSN} - the employer's EIN is {EIN}.",
         "SSN: {SSN}; ZIP {ZIP4}; routing {ABA}.",
         "Please correct the SSN to {SSN} on ticket {TICKET}.",
         "Applicant: {NAME}, SSN {SSN}, phone {PHONE}.",
         "social security number {SSNBARE}", "The claim ({CASE}) lists SSN {SSN}."],
    NINO=["National Insurance number: {NINO}",
          "Her NI number is {NINO}; payroll number {CUST}.",
          "Please update the NINO to {NINO} before the next PAYE run.",
          "NI no. {NINO} (company no. {COMPANYID}).", "NINO {NINO}, tax code 1257L.",
          "Your National Insurance number ({NINO}) is on your P60.",
          "Ref {REF}: NI number {NINO}, postcode {POSTCODE}.",
          "Employee {NAME}, NINO: {NINO}, start date {DATE}."],
    NEG=["Your order {ORDER} placed on {DATE} has shipped; tracking number {TRACK}.",
         "Invoice {INVOICE} for {AMOUNT} is due on {DATE}.",
         "Ticket {TICKET} was opened at {TIME} and escalated to case {CASE}.",
         "The server at {IP} was upgraded to version {VERSION} on {DATE}.",
         "Our VAT number is {VAT} and our company number is {COMPANYID}.",
         "Sort code {SORTCODE}, account {ACCOUNT} - please use the reference {REF}.",
         "The meeting ID is {MEETING}, passcode {PASSCODE}.",
         "Delivery to {POSTCODE} takes {DURATION}; the parcel weighs 2.4 kg.",
         "Item {SKU} (EAN {EAN}) costs {AMOUNT} incl. {PERCENT} VAT.",
         "Please quote policy number {POLICY} and customer number {CUST} in all correspondence.",
         "The device with serial number {SERIAL} and IMEI {IMEI} was returned.",
         "Your card ending in {LAST4} ({MASKED}) will be charged {AMOUNT}.",
         "Paid by card {MASKED}, auth code {AUTH}, on {DATETIME}.",
         "Contract {CONTRACT} runs from {DATE} to {DATE}.",
         "Revenue grew {PERCENT} to {BIGAMOUNT} in Q3.",
         "Please bump {NPM} before the release on {DATE}.",
         "ISBN {ISBN}, quantity 250, unit price {AMOUNT}.",
         "Creditor ID {CREDITORID}, mandate reference {REF}.",
         "The NHS number {NHS} belongs to the patient referred on {DATE}.",
         "Routing number {ABA}, account {ACCOUNT}, ZIP {ZIP4}.",
         "Please pay with the reference {RFREF}.",
         "Timestamp {EPOCH} is {DATETIME} UTC.", "Site coordinates: {GEO}.",
         "Call us about order {ORDER} - our lines are open {TIME} to {TIME}.",
         "[image: logo] ({CID})", "Tax ID {EIN}, ref {REF}, invoice {INVOICE}.",
         "Ship {ORDER} to {ADDRESS} by {DATE}.",
         "Our phone lines are closed on {DATE}; reference {CUST}.",
         "The card reader (serial {SERIAL}) firmware is {VERSION}.",
         "Booking reference {REF}, 2 nights, total {AMOUNT}.",
         "Account number {ACCOUNT}, sort code {SORTCODE}, IBAN to follow.",
         "Thanks @{FIRST} - invoice {INVOICE} is approved, 3 @ {AMOUNT} each.",
         "The signature image ({ASSET}) is missing; the refund went to {MASKEDIBAN}."],
    greet=["Hi {FIRST},", "Dear {NAME},", "Hello {FIRST},", "Dear Sir or Madam,", "Morning {FIRST},"],
    close=["Kind regards,", "Best,", "Thanks,", "Many thanks,", "Cheers,", "Best regards,"],
    qhdr=["On {WDATE} at {TIME}, {NAME} <{EMAIL}> wrote:", "On {DATE}, at {TIME}, {NAME} wrote:",
          "{NAME} <{EMAIL}> wrote on {DATE}:"],
    fwd=("---------- Forwarded message ---------", ["From: {NAME} <{EMAIL}>", "Date: {WDATE} at {TIME}",
         "Subject: {SUBJ}", "To: <{EMAIL}>"]),
    fwd2=("-----Original Message-----", ["From: {NAME} [mailto:{EMAIL}]", "Sent: {WDATE} {TIME}",
          "To: {NAME} <{EMAIL}>", "Cc: {EMAIL}", "Subject: RE: {SUBJ}"]),
    subj=["Invoice {INVOICE}", "Order {ORDER}", "Ticket {TICKET}", "Payment details", "Case {CASE}",
          "Your booking {REF}", "New starter paperwork", "Refund"],
    sig=dict(tel=["Tel", "T", "Phone", "Direct"], mob=["Mobile", "M", "Mob"], fax=["Fax", "F"],
             mail=["Email", "E", "e-mail"], web="www.example.com"),
    th=dict(name="Name", iban="IBAN", amount="Amount", ref="Reference", item="Item", qty="Qty",
            price="Price", phone="Phone", email="Email", card="Card", date="Date", ssn="SSN",
            nino="NI number", empno="Employee no."),
)

LANG["de"] = dict(
    countries=["DE", "DE", "AT", "CH"],
    leads=["Bestellung {ORDER}:", "Rechnung {INVOICE} vom {DATE}:", "Ticket {TICKET} geschlossen.",
           "Zu Vorgang {CASE}:", "Sendungsnummer {TRACK} - zugestellt am {DATE}.",
           "Kundennummer {CUST}, Vertrag {CONTRACT}:", "Unser Zeichen {REF}.",
           "Seriennummer {SERIAL}, Garantie abgelaufen.", "Betreff: Rechnung Nr. {INVOICE}",
           "Ihre Bestellung {ORDER} wurde storniert.", "Aktenzeichen {CASE}:",
           "Mahnung zu Rechnung {INVOICE} über {AMOUNT}."],
    CARD=["Bitte belasten Sie meine Kreditkarte {CARD}.", "Kartennummer: {CARD}, gültig bis {EXP}.",
          "Die alte Karte {MASKED} ist gesperrt, bitte ab sofort {CARD} verwenden.",
          "Für die Testumgebung nehmen Sie die Testkarte {TESTCARD}.",
          "Meine Amex-Nummer lautet {AMEX}.",
          "Die Zahlung mit der Karte {CARD} wurde am {DATE} abgelehnt.",
          "Firmenkreditkarte {CARD}, Karteninhaber {NAME}.",
          "Bitte die {AMOUNT} für Bestellung {ORDER} auf die Karte {CARD} zurückbuchen.",
          "Kreditkarte (Visa): {VISA}", "Karte {CARD19} bitte nur für die Hotelbuchung nutzen.",
          "Ungültig? Die Kartennummer {CARD} stimmt laut Bank.",
          "Zahlungsmittel: Mastercard {MC}; Rechnungsnummer {INVOICE}."],
    IBAN=["Bitte überweisen Sie {AMOUNT} auf das Konto {IBAN}.",
          "Neue Bankverbindung: IBAN {IBAN}, BIC {BIC}.",
          "Die Erstattung zu Rechnung {INVOICE} geht an {IBAN}.", "IBAN:{IBAN}",
          "Meine IBAN lautet {IBANLC}, Kontoinhaber {NAME}.",
          "Empfänger {COMPANY}, IBAN {IBANX}, Verwendungszweck {INVOICE}.",
          "Ticket geschlossen. Meine IBAN ist {IBAN}, danke.",
          "Bitte die Lastschrift (Mandatsreferenz {REF}) künftig von {IBAN} einziehen.",
          "Kontoverbindung: {IBAN} bei der Sparkasse, BLZ alt {BLZ}.",
          "Die alte IBAN ist ungültig, neu: {IBAN}."],
    PHONE=["Sie erreichen mich unter {PHONE}.", "Rufen Sie mich bitte ab {TIME} Uhr unter {MOBILE} an.",
           "Tel.: {NATPHONE}, Fax: {NATPHONE}", "Meine Handynummer hat sich geändert, neu: {MOBILE}.",
           "Rückfragen gern telefonisch unter {INTL} - bitte Kundennummer {CUST} bereithalten.",
           "Die Hotline {NATPHONE} ist werktags von 8 bis 18 Uhr besetzt.", "Durchwahl: {NATPHONE}",
           "Zu Auftrag {ORDER} bitte Rückruf an {PHONE}.", "Mobil {MOBILE}",
           "Telefonisch bin ich unter {INTL} erreichbar.",
           "Für Rückfragen zur Rechnung {INVOICE}: Telefon {NATPHONE}."],
    EMAIL=["Bitte senden Sie die Unterlagen an {EMAIL}.",
           "Rechnungen bitte nur noch an {EMAILPLUS}.", "Ansprechpartner: {NAME} <{EMAIL}>",
           "Die Adresse {EMAILIDN} ist nicht mehr gültig, bitte {EMAIL} verwenden.",
           "Antwort an: {EMAIL}.", "E-Mail: {EMAILIDN}", "E-Mail:{EMAIL}",
           "Bitte {EMAIL} in Kopie setzen (Ticket {TICKET}).",
           "Die Bestellbestätigung zu {ORDER} ging an {EMAIL}."],
    SSN=["Die SSN unseres US-Mitarbeiters lautet {SSN}.", "Sozialversicherungsnummer (USA): {SSN}",
         "Für das US-Formular W-4 brauchen wir die SSN {SSN}."],
    NINO=["Seine britische National Insurance Number ist {NINO}.", "NINO (UK): {NINO}",
          "Die NI-Nummer der Kollegin in London lautet {NINO}."],
    NEG=["Ihre Bestellung {ORDER} vom {DATE} über {AMOUNT} wurde versandt, Sendungsnummer {TRACK}.",
         "Rechnung {INVOICE}, Kundennummer {CUST}, fällig am {DATE}.",
         "Unsere USt-IdNr. lautet {VAT}, Amtsgericht München {COMPANYID}.",
         "BLZ {BLZ}, Kontonummer {ACCOUNT} - das alte Konto ist seit {DATE} aufgelöst.",
         "Der Termin ist am {DATETIME}, Dauer {DURATION}.",
         "Artikel {SKU} (EAN {EAN}) kostet {AMOUNT} zzgl. {PERCENT} MwSt.",
         "Lieferung nach {POSTCODE} in {DURATION}.", "Ticket {TICKET} wurde an Vorgang {CASE} angehängt.",
         "Das Gerät mit Seriennummer {SERIAL} (IMEI {IMEI}) ist defekt.",
         "Gläubiger-ID {CREDITORID}, Mandatsreferenz {REF}.",
         "Der Umsatz stieg um {PERCENT} auf {BIGAMOUNT}.", "Server {IP} läuft mit Version {VERSION}.",
         "Versicherungsschein-Nr. {POLICY}, Vertragsnummer {CONTRACT}.",
         "Ihre Steuer-ID {NATID} wurde übermittelt.",
         "Zahlung mit Karte {MASKED} über {AMOUNT} am {DATETIME} erfolgreich.",
         "Meeting-ID: {MEETING}, Kenncode: {PASSCODE}", "Verwendungszweck: {RFREF}",
         "Rufen Sie uns an und nennen Sie Ihre Kundennummer {CUST} und die Rechnung {INVOICE}.",
         "Lieferadresse: {ADDRESS}", "ISBN {ISBN}, 3 Exemplare à {AMOUNT}.",
         "Die Buchung {REF} umfasst 2 Nächte zu je {AMOUNT}.",
         "Paket {TRACK} liegt in der Filiale, Abholung bis {DATE}.",
         "Zeitstempel {EPOCH}, Build {VERSION}.", "Kartenzahlung (Beleg-Nr. {AUTH}) am {DATE}.",
         "Die Lastschrift von Ihrem Konto {MASKEDIBAN} über {AMOUNT} wurde am {DATE} eingezogen.",
         "Bild {ASSET} fehlt in der Signatur."],
    greet=["Hallo {FIRST},", "Sehr geehrte Frau {LAST},", "Sehr geehrter Herr {LAST},", "Guten Tag,",
           "Liebe Grüße vorab, {FIRST},", "Moin {FIRST},"],
    close=["Mit freundlichen Grüßen", "Viele Grüße", "Beste Grüße", "MfG", "Freundliche Grüße"],
    qhdr=["Am {DATE} um {TIME} schrieb {NAME} <{EMAIL}>:", "{NAME} <{EMAIL}> schrieb am {DATE}:",
          "Am {WDATE} schrieb {NAME}:"],
    fwd=("-----Ursprüngliche Nachricht-----", ["Von: {NAME} <{EMAIL}>", "Gesendet: {WDATE} {TIME}",
         "An: {EMAIL}", "Betreff: AW: {SUBJ}"]),
    fwd2=("---------- Weitergeleitete Nachricht ---------", ["Von: {NAME} <{EMAIL}>",
          "Date: {WDATE} um {TIME}", "Subject: {SUBJ}", "To: {NAME} <{EMAIL}>"]),
    subj=["Rechnung {INVOICE}", "Bestellung {ORDER}", "Ticket {TICKET}", "Bankverbindung",
          "Vorgang {CASE}", "Rückerstattung", "Lieferung {TRACK}"],
    sig=dict(tel=["Tel.", "Telefon", "T", "Fon"], mob=["Mobil", "Handy", "M"], fax=["Fax", "F"],
             mail=["E-Mail", "Mail", "E"], web="www.firma.de"),
    th=dict(name="Name", iban="IBAN", amount="Betrag", ref="Verwendungszweck", item="Artikel",
            qty="Menge", price="Preis", phone="Telefon", email="E-Mail", card="Karte", date="Datum",
            ssn="SSN", nino="NINO", empno="Personalnr."),
)

LANG["fr"] = dict(
    countries=["FR", "FR", "BE", "CH"],
    leads=["Commande {ORDER} :", "Facture {INVOICE} du {DATE} :", "Ticket {TICKET} clôturé.",
           "Dossier {CASE} :", "Colis {TRACK} livré le {DATE}.", "Réf. client {CUST}, contrat {CONTRACT} :",
           "Vos réf. : {REF}", "N° de série {SERIAL} hors garantie.", "Objet : facture n° {INVOICE}",
           "Relance facture {INVOICE} ({AMOUNT})."],
    CARD=["Merci de débiter ma carte {CARD}.", "Numéro de carte : {CARD}, expiration {EXP}.",
          "L'ancienne carte {MASKED} est bloquée ; utilisez désormais {CARD}.",
          "Pour les tests, prenez la carte {TESTCARD}.", "Ma carte American Express : {AMEX}.",
          "Le paiement par la carte {CARD} a été refusé le {DATE}.",
          "Carte bancaire {CARD} au nom de {NAME}.",
          "Remboursez les {AMOUNT} de la commande {ORDER} sur la carte {CARD}, s'il vous plaît.",
          "CB : {CARD}", "Carte {CARD19} (carte affaires)."],
    IBAN=["Merci de virer {AMOUNT} sur le compte {IBAN}.", "Nouvelles coordonnées bancaires : IBAN {IBAN}, BIC {BIC}.",
          "Le remboursement de la facture {INVOICE} ira sur {IBAN}.", "IBAN : {IBAN}",
          "mon iban c'est {IBANLC}", "Bénéficiaire {COMPANY}, IBAN {IBANX}, référence {INVOICE}.",
          "Ticket clôturé. Mon IBAN est {IBAN}, merci.", "RIB joint ; pour rappel l'IBAN est {IBAN}.",
          "L'IBAN {IBAN} remplace l'ancien compte."],
    PHONE=["Vous pouvez me joindre au {PHONE}.", "Appelez-moi au {MOBILE} après {TIME}.",
           "Tél. : {NATPHONE} - Fax : {NATPHONE}", "Mon nouveau portable : {MOBILE}.",
           "Pour toute question, contactez le service client au {INTL} en indiquant votre n° client {CUST}.",
           "Standard : {NATPHONE}", "Portable {MOBILE}", "Je suis joignable au {INTL} jusqu'au {DATE}.",
           "Concernant la commande {ORDER}, rappelez le {NATPHONE}."],
    EMAIL=["Merci d'envoyer les documents à {EMAIL}.", "Les factures sont à adresser à {EMAILPLUS}.",
           "Contact : {NAME} <{EMAIL}>", "L'adresse {EMAILIDN} ne fonctionne plus, écrivez à {EMAIL}.",
           "Courriel : {EMAIL}", "Mettez {EMAIL} en copie (ticket {TICKET}).",
           "La confirmation de la commande {ORDER} a été envoyée à {EMAIL}."],
    SSN=["Le SSN de notre collaborateur américain est {SSN}.", "Numéro de sécurité sociale américain (SSN) : {SSN}"],
    NINO=["Son National Insurance number britannique est {NINO}.", "NINO (Royaume-Uni) : {NINO}"],
    NEG=["Votre commande {ORDER} du {DATE} d'un montant de {AMOUNT} a été expédiée, n° de suivi {TRACK}.",
         "Facture {INVOICE}, n° client {CUST}, échéance le {DATE}.",
         "Notre n° de TVA intracommunautaire est {VAT}, {COMPANYID}.",
         "Le rendez-vous est fixé au {DATETIME} (durée {DURATION}).",
         "L'article {SKU} (EAN {EAN}) coûte {AMOUNT} HT, TVA {PERCENT}.",
         "Livraison à {POSTCODE} sous {DURATION}.", "Le ticket {TICKET} est rattaché au dossier {CASE}.",
         "L'appareil n° de série {SERIAL} (IMEI {IMEI}) est en panne.",
         "ICS {CREDITORID}, référence unique de mandat {REF}.",
         "Le chiffre d'affaires a progressé de {PERCENT} à {BIGAMOUNT}.",
         "Le serveur {IP} tourne en version {VERSION}.", "Contrat n° {CONTRACT}, police {POLICY}.",
         "Votre n° de sécurité sociale {NATID} a bien été enregistré.",
         "Paiement par carte {MASKED} de {AMOUNT} accepté le {DATETIME}.",
         "ID de réunion : {MEETING}, code secret : {PASSCODE}", "Référence de paiement : {RFREF}",
         "Appelez-nous en indiquant votre numéro client {CUST}.", "Adresse de livraison : {ADDRESS}",
         "Prélèvement sur le compte {MASKEDIBAN} le {DATE}.",
         "Montant total : {BIGAMOUNT}, acompte {AMOUNT}."],
    greet=["Bonjour {FIRST},", "Madame, Monsieur,", "Bonjour Madame {LAST},", "Cher {FIRST},"],
    close=["Cordialement,", "Bien cordialement,", "Bonne journée,", "Sincères salutations,"],
    qhdr=["Le {WDATE} à {TIME}, {NAME} <{EMAIL}> a écrit :", "Le {DATE}, {NAME} a écrit :"],
    fwd=("-------- Message original --------", ["De : {NAME} <{EMAIL}>", "Envoyé : {WDATE} {TIME}",
         "À : {EMAIL}", "Objet : RE: {SUBJ}"]),
    fwd2=("---------- Forwarded message ---------", ["De : {NAME} <{EMAIL}>", "Date : {WDATE} à {TIME}",
          "Subject: {SUBJ}", "To: {EMAIL}"]),
    subj=["Facture {INVOICE}", "Commande {ORDER}", "Ticket {TICKET}", "Coordonnées bancaires",
          "Dossier {CASE}", "Remboursement"],
    sig=dict(tel=["Tél.", "Tél", "T"], mob=["Portable", "Mobile", "P"], fax=["Fax"],
             mail=["Courriel", "E-mail", "Mail"], web="www.exemple.fr"),
    th=dict(name="Nom", iban="IBAN", amount="Montant", ref="Référence", item="Article", qty="Qté",
            price="Prix", phone="Téléphone", email="Courriel", card="Carte", date="Date", ssn="SSN",
            nino="NINO", empno="Matricule"),
)

LANG["es"] = dict(
    countries=["ES"],
    leads=["Pedido {ORDER}:", "Factura {INVOICE} del {DATE}:", "Incidencia {TICKET} cerrada.",
           "Expediente {CASE}:", "Envío {TRACK} entregado el {DATE}.", "N.º de cliente {CUST}, contrato {CONTRACT}:",
           "Su referencia {REF}.", "N.º de serie {SERIAL} fuera de garantía.", "Asunto: factura n.º {INVOICE}"],
    CARD=["Cárguelo a mi tarjeta {CARD}, por favor.", "Número de tarjeta: {CARD}, caducidad {EXP}.",
          "La tarjeta antigua {MASKED} está bloqueada; use la {CARD}.",
          "Para pruebas use la tarjeta {TESTCARD}.", "Mi American Express es la {AMEX}.",
          "El pago con la tarjeta {CARD} fue rechazado el {DATE}.",
          "Tarjeta de empresa {CARD}, titular {NAME}.",
          "Devuelvan los {AMOUNT} del pedido {ORDER} a la tarjeta {CARD}.", "Tarjeta: {CARD19}"],
    IBAN=["Transfiera {AMOUNT} a la cuenta {IBAN}.", "Nuevos datos bancarios: IBAN {IBAN}, BIC {BIC}.",
          "El reembolso de la factura {INVOICE} irá a {IBAN}.", "IBAN: {IBAN}",
          "mi iban es {IBANLC}", "Beneficiario {COMPANY}, IBAN {IBANX}, concepto {INVOICE}.",
          "Incidencia cerrada. Mi IBAN es {IBAN}, gracias.", "Domiciliación en {IBAN} (mandato {REF})."],
    PHONE=["Puede llamarme al {PHONE}.", "Llámeme al {MOBILE} a partir de las {TIME}.",
           "Tel.: {NATPHONE} / Fax: {NATPHONE}", "Mi nuevo móvil: {MOBILE}.",
           "Para dudas llame al {INTL} e indique su n.º de cliente {CUST}.", "Móvil {MOBILE}",
           "Atención al cliente: {NATPHONE} (lunes a viernes).", "Sobre el pedido {ORDER}, llame al {NATPHONE}.",
           "Teléfono de contacto: {INTL}"],
    EMAIL=["Envíe la documentación a {EMAIL}.", "Las facturas, por favor, a {EMAILPLUS}.",
           "Contacto: {NAME} <{EMAIL}>", "La dirección {EMAILIDN} ya no funciona, use {EMAIL}.",
           "Correo: {EMAIL}", "Ponga en copia a {EMAIL} (incidencia {TICKET})."],
    SSN=["El SSN de nuestro empleado en EE. UU. es {SSN}.", "Número de Seguro Social (EE. UU.): {SSN}"],
    NINO=["Su National Insurance number británico es {NINO}.", "NINO (Reino Unido): {NINO}"],
    NEG=["Su pedido {ORDER} del {DATE} por {AMOUNT} ha sido enviado, n.º de seguimiento {TRACK}.",
         "Factura {INVOICE}, n.º de cliente {CUST}, vencimiento {DATE}.",
         "Nuestro NIF-IVA es {VAT}, {COMPANYID}.", "La cita es el {DATETIME}, duración {DURATION}.",
         "El artículo {SKU} (EAN {EAN}) cuesta {AMOUNT} más {PERCENT} de IVA.",
         "Entrega en {POSTCODE} en {DURATION}.", "La incidencia {TICKET} se ha vinculado al expediente {CASE}.",
         "El equipo con n.º de serie {SERIAL} (IMEI {IMEI}) está averiado.",
         "Identificador de acreedor {CREDITORID}, referencia de mandato {REF}.",
         "La facturación creció un {PERCENT} hasta {BIGAMOUNT}.", "El servidor {IP} usa la versión {VERSION}.",
         "Póliza n.º {POLICY}, contrato {CONTRACT}.", "Su DNI {NATID} consta en el expediente.",
         "Pago con tarjeta {MASKED} de {AMOUNT} aceptado el {DATETIME}.",
         "ID de reunión: {MEETING}, código de acceso: {PASSCODE}", "Referencia de pago: {RFREF}",
         "Llámenos e indique su número de cliente {CUST}.", "Dirección de entrega: {ADDRESS}"],
    greet=["Hola, {FIRST}:", "Estimado/a {NAME}:", "Buenos días,", "Estimada Sra. {LAST}:"],
    close=["Un saludo,", "Saludos cordiales,", "Atentamente,", "Gracias,"],
    qhdr=["El {WDATE}, a las {TIME}, {NAME} (<{EMAIL}>) escribió:", "El {DATE}, {NAME} <{EMAIL}> escribió:"],
    fwd=("-----Mensaje original-----", ["De: {NAME} <{EMAIL}>", "Enviado el: {WDATE} {TIME}",
         "Para: {EMAIL}", "Asunto: RE: {SUBJ}"]),
    fwd2=("---------- Forwarded message ---------", ["De: {NAME} <{EMAIL}>", "Date: {WDATE}, {TIME}",
          "Subject: {SUBJ}", "To: {EMAIL}"]),
    subj=["Factura {INVOICE}", "Pedido {ORDER}", "Incidencia {TICKET}", "Datos bancarios", "Expediente {CASE}"],
    sig=dict(tel=["Tel.", "Tlf.", "Teléfono"], mob=["Móvil", "Mov."], fax=["Fax"], mail=["Correo", "Email"],
             web="www.ejemplo.es"),
    th=dict(name="Nombre", iban="IBAN", amount="Importe", ref="Concepto", item="Artículo", qty="Cant.",
            price="Precio", phone="Teléfono", email="Correo", card="Tarjeta", date="Fecha", ssn="SSN",
            nino="NINO", empno="N.º empleado"),
)

LANG["it"] = dict(
    countries=["IT", "IT", "CH"],
    leads=["Ordine {ORDER}:", "Fattura {INVOICE} del {DATE}:", "Ticket {TICKET} chiuso.", "Pratica {CASE}:",
           "Spedizione {TRACK} consegnata il {DATE}.", "Codice cliente {CUST}, contratto {CONTRACT}:",
           "Vs. rif. {REF}", "Matricola {SERIAL} fuori garanzia.", "Oggetto: fattura n. {INVOICE}"],
    CARD=["Addebitate pure sulla mia carta {CARD}.", "Numero carta: {CARD}, scadenza {EXP}.",
          "La vecchia carta {MASKED} è bloccata, usate la {CARD}.", "Per i test usate la carta {TESTCARD}.",
          "La mia American Express è {AMEX}.", "Il pagamento con la carta {CARD} è stato rifiutato il {DATE}.",
          "Carta aziendale {CARD}, intestata a {NAME}.",
          "Rimborsate i {AMOUNT} dell'ordine {ORDER} sulla carta {CARD}.", "Carta di credito: {CARD19}"],
    IBAN=["Vi prego di bonificare {AMOUNT} sul conto {IBAN}.", "Nuove coordinate bancarie: IBAN {IBAN}, BIC {BIC}.",
          "Il rimborso della fattura {INVOICE} va su {IBAN}.", "IBAN: {IBAN}", "il mio iban è {IBANLC}",
          "Beneficiario {COMPANY}, IBAN {IBANX}, causale {INVOICE}.",
          "Ticket chiuso. Il mio IBAN è {IBAN}, grazie.", "Addebito SDD su {IBAN} (mandato {REF})."],
    PHONE=["Potete chiamarmi al {PHONE}.", "Chiamatemi al {MOBILE} dopo le {TIME}.",
           "Tel. {NATPHONE} - Fax {NATPHONE}", "Il mio nuovo cellulare: {MOBILE}.",
           "Per informazioni chiamate il {INTL} indicando il codice cliente {CUST}.", "Cell. {MOBILE}",
           "Centralino: {NATPHONE}", "Per l'ordine {ORDER} richiamate il {NATPHONE}.",
           "Sono raggiungibile al {INTL} fino al {DATE}."],
    EMAIL=["Inviate i documenti a {EMAIL}.", "Le fatture vanno inviate a {EMAILPLUS}.",
           "Referente: {NAME} <{EMAIL}>", "L'indirizzo {EMAILIDN} non è più attivo, scrivete a {EMAIL}.",
           "E-mail: {EMAIL}", "Mettete in copia {EMAIL} (ticket {TICKET})."],
    SSN=["Il SSN del nostro dipendente americano è {SSN}.", "Social Security Number (USA): {SSN}"],
    NINO=["Il suo National Insurance number britannico è {NINO}.", "NINO (Regno Unito): {NINO}"],
    NEG=["Il vostro ordine {ORDER} del {DATE} di {AMOUNT} è stato spedito, tracking {TRACK}.",
         "Fattura {INVOICE}, codice cliente {CUST}, scadenza {DATE}.", "P.IVA {VAT}, {COMPANYID}.",
         "L'appuntamento è il {DATETIME}, durata {DURATION}.",
         "L'articolo {SKU} (EAN {EAN}) costa {AMOUNT} + IVA {PERCENT}.", "Consegna a {POSTCODE} in {DURATION}.",
         "Il ticket {TICKET} è collegato alla pratica {CASE}.",
         "Il dispositivo matricola {SERIAL} (IMEI {IMEI}) è guasto.",
         "Codice creditore {CREDITORID}, riferimento mandato {REF}.",
         "Il fatturato è cresciuto del {PERCENT} a {BIGAMOUNT}.", "Il server {IP} usa la versione {VERSION}.",
         "Polizza n. {POLICY}, contratto {CONTRACT}.", "Il codice fiscale {NATID} è stato registrato.",
         "Pagamento con carta {MASKED} di {AMOUNT} autorizzato il {DATETIME}.",
         "ID riunione: {MEETING}, passcode: {PASSCODE}", "Riferimento di pagamento: {RFREF}",
         "Chiamateci indicando il codice cliente {CUST}.", "Indirizzo di consegna: {ADDRESS}"],
    greet=["Ciao {FIRST},", "Gentile {NAME},", "Buongiorno,", "Egregio Dott. {LAST},"],
    close=["Cordiali saluti,", "Un saluto,", "Grazie e buona giornata,", "Distinti saluti,"],
    qhdr=["Il giorno {WDATE} alle ore {TIME} {NAME} <{EMAIL}> ha scritto:", "Il {DATE} {NAME} ha scritto:"],
    fwd=("-----Messaggio originale-----", ["Da: {NAME} <{EMAIL}>", "Inviato: {WDATE} {TIME}",
         "A: {EMAIL}", "Oggetto: R: {SUBJ}"]),
    fwd2=("---------- Forwarded message ---------", ["Da: {NAME} <{EMAIL}>", "Date: {WDATE} alle ore {TIME}",
          "Subject: {SUBJ}", "To: {EMAIL}"]),
    subj=["Fattura {INVOICE}", "Ordine {ORDER}", "Ticket {TICKET}", "Coordinate bancarie", "Pratica {CASE}"],
    sig=dict(tel=["Tel.", "Telefono", "T."], mob=["Cell.", "Mobile"], fax=["Fax"], mail=["E-mail", "Email"],
             web="www.esempio.it"),
    th=dict(name="Nome", iban="IBAN", amount="Importo", ref="Causale", item="Articolo", qty="Q.tà",
            price="Prezzo", phone="Telefono", email="E-mail", card="Carta", date="Data", ssn="SSN",
            nino="NINO", empno="Matricola"),
)

LANG["nl"] = dict(
    countries=["NL", "NL", "BE"],
    leads=["Bestelling {ORDER}:", "Factuur {INVOICE} van {DATE}:", "Ticket {TICKET} gesloten.",
           "Dossier {CASE}:", "Zending {TRACK} is op {DATE} bezorgd.", "Klantnummer {CUST}, contract {CONTRACT}:",
           "Uw kenmerk {REF}.", "Serienummer {SERIAL} valt buiten de garantie.", "Onderwerp: factuur {INVOICE}"],
    CARD=["Belast u mijn creditcard {CARD} maar.", "Kaartnummer: {CARD}, geldig tot {EXP}.",
          "De oude kaart {MASKED} is geblokkeerd, gebruik voortaan {CARD}.",
          "Gebruik voor de testomgeving de testkaart {TESTCARD}.", "Mijn Amex-nummer is {AMEX}.",
          "De betaling met kaart {CARD} is op {DATE} geweigerd.", "Zakelijke creditcard {CARD}, kaarthouder {NAME}.",
          "Wilt u de {AMOUNT} van bestelling {ORDER} terugstorten op kaart {CARD}?", "Creditcard: {CARD19}"],
    IBAN=["Graag {AMOUNT} overmaken naar rekening {IBAN}.", "Nieuwe bankgegevens: IBAN {IBAN}, BIC {BIC}.",
          "De terugbetaling van factuur {INVOICE} gaat naar {IBAN}.", "IBAN: {IBAN}", "mijn iban is {IBANLC}",
          "Begunstigde {COMPANY}, IBAN {IBANX}, omschrijving {INVOICE}.",
          "Ticket gesloten. Mijn IBAN is {IBAN}, bedankt.", "Incasso van {IBAN} (machtigingskenmerk {REF})."],
    PHONE=["U kunt mij bereiken op {PHONE}.", "Bel me na {TIME} op {MOBILE}.", "Tel. {NATPHONE} | Fax {NATPHONE}",
           "Mijn nieuwe mobiele nummer: {MOBILE}.",
           "Bel bij vragen {INTL} en houd uw klantnummer {CUST} bij de hand.", "Mob. {MOBILE}",
           "Klantenservice: {NATPHONE} (werkdagen).", "Over bestelling {ORDER}: bel me even op {NATPHONE}.",
           "Telefonisch bereikbaar via {INTL}."],
    EMAIL=["Stuur de documenten naar {EMAIL}.", "Facturen graag naar {EMAILPLUS}.", "Contactpersoon: {NAME} <{EMAIL}>",
           "Het adres {EMAILIDN} werkt niet meer, gebruik {EMAIL}.", "E-mail: {EMAIL}",
           "Zet {EMAIL} in de cc (ticket {TICKET})."],
    SSN=["Het SSN van onze Amerikaanse medewerker is {SSN}.", "Social Security Number (VS): {SSN}"],
    NINO=["Zijn Britse National Insurance number is {NINO}.", "NINO (VK): {NINO}"],
    NEG=["Uw bestelling {ORDER} van {DATE} ter waarde van {AMOUNT} is verzonden, track & trace {TRACK}.",
         "Factuur {INVOICE}, klantnummer {CUST}, vervaldatum {DATE}.", "Ons btw-nummer is {VAT}, {COMPANYID}.",
         "De afspraak is op {DATETIME}, duur {DURATION}.",
         "Artikel {SKU} (EAN {EAN}) kost {AMOUNT} excl. {PERCENT} btw.", "Levering in {POSTCODE} binnen {DURATION}.",
         "Ticket {TICKET} is gekoppeld aan dossier {CASE}.", "Het apparaat met serienummer {SERIAL} (IMEI {IMEI}) is defect.",
         "Incassant-ID {CREDITORID}, machtigingskenmerk {REF}.", "De omzet steeg met {PERCENT} naar {BIGAMOUNT}.",
         "Server {IP} draait versie {VERSION}.", "Polisnummer {POLICY}, contract {CONTRACT}.",
         "Uw BSN {NATID} is geregistreerd.", "Pinbetaling met kaart {MASKED} van {AMOUNT} op {DATETIME}.",
         "Vergader-ID: {MEETING}, toegangscode: {PASSCODE}", "Betalingskenmerk: {RFREF}",
         "Bel ons en noem uw klantnummer {CUST}.", "Afleveradres: {ADDRESS}"],
    greet=["Hoi {FIRST},", "Beste {FIRST},", "Geachte heer {LAST},", "Goedemiddag,"],
    close=["Met vriendelijke groet,", "Groet,", "Groetjes,", "Vriendelijke groeten,"],
    qhdr=["Op {WDATE} om {TIME} schreef {NAME} <{EMAIL}>:", "{NAME} <{EMAIL}> schreef op {DATE}:"],
    fwd=("-----Oorspronkelijk bericht-----", ["Van: {NAME} <{EMAIL}>", "Verzonden: {WDATE} {TIME}",
         "Aan: {EMAIL}", "Onderwerp: RE: {SUBJ}"]),
    fwd2=("---------- Doorgestuurd bericht ---------", ["Van: {NAME} <{EMAIL}>", "Date: {WDATE} om {TIME}",
          "Subject: {SUBJ}", "To: {EMAIL}"]),
    subj=["Factuur {INVOICE}", "Bestelling {ORDER}", "Ticket {TICKET}", "Bankgegevens", "Dossier {CASE}"],
    sig=dict(tel=["Tel.", "T", "Telefoon"], mob=["Mob.", "M", "Mobiel"], fax=["Fax"], mail=["E-mail", "E"],
             web="www.voorbeeld.nl"),
    th=dict(name="Naam", iban="IBAN", amount="Bedrag", ref="Omschrijving", item="Artikel", qty="Aantal",
            price="Prijs", phone="Telefoon", email="E-mail", card="Kaart", date="Datum", ssn="SSN",
            nino="NINO", empno="Personeelsnr."),
)

LANG["pt"] = dict(
    countries=["PT"],
    leads=["Encomenda {ORDER}:", "Fatura {INVOICE} de {DATE}:", "Pedido {TICKET} encerrado.", "Processo {CASE}:",
           "Envio {TRACK} entregue em {DATE}.", "N.º de cliente {CUST}, contrato {CONTRACT}:",
           "A sua referência {REF}.", "N.º de série {SERIAL} fora da garantia.", "Assunto: fatura n.º {INVOICE}"],
    CARD=["Pode debitar no meu cartão {CARD}.", "Número do cartão: {CARD}, validade {EXP}.",
          "O cartão antigo {MASKED} foi bloqueado; use o {CARD}.", "Para testes usem o cartão {TESTCARD}.",
          "O meu American Express é {AMEX}.", "O pagamento com o cartão {CARD} foi recusado em {DATE}.",
          "Cartão da empresa {CARD}, titular {NAME}.", "Devolvam os {AMOUNT} da encomenda {ORDER} para o cartão {CARD}.",
          "Cartão de crédito: {CARD19}"],
    IBAN=["Transfira {AMOUNT} para o IBAN {IBAN}.", "Novos dados bancários: IBAN {IBAN}, BIC/SWIFT {BIC}.",
          "O reembolso da fatura {INVOICE} vai para {IBAN}.", "IBAN: {IBAN}", "o meu iban é {IBANLC}",
          "Beneficiário {COMPANY}, IBAN {IBANX}, descritivo {INVOICE}.",
          "Pedido encerrado. O meu IBAN é {IBAN}, obrigado.", "Débito direto em {IBAN} (autorização {REF})."],
    PHONE=["Pode ligar-me para o {PHONE}.", "Ligue-me para o {MOBILE} depois das {TIME}.",
           "Tel.: {NATPHONE} | Fax: {NATPHONE}", "O meu novo telemóvel: {MOBILE}.",
           "Em caso de dúvida ligue {INTL} e indique o n.º de cliente {CUST}.", "Telemóvel {MOBILE}",
           "Linha de apoio: {NATPHONE}", "Sobre a encomenda {ORDER}, ligue para {NATPHONE}.", "Contacto: {INTL}"],
    EMAIL=["Envie os documentos para {EMAIL}.", "As faturas devem ser enviadas para {EMAILPLUS}.",
           "Contacto: {NAME} <{EMAIL}>", "O endereço {EMAILIDN} deixou de funcionar, use {EMAIL}.",
           "E-mail: {EMAIL}", "Coloque {EMAIL} em cópia (pedido {TICKET})."],
    SSN=["O SSN do nosso colaborador nos EUA é {SSN}.", "Social Security Number (EUA): {SSN}"],
    NINO=["O National Insurance number britânico dele é {NINO}.", "NINO (Reino Unido): {NINO}"],
    NEG=["A sua encomenda {ORDER} de {DATE} no valor de {AMOUNT} foi expedida, n.º de seguimento {TRACK}.",
         "Fatura {INVOICE}, n.º de cliente {CUST}, vencimento {DATE}.", "NIF {VAT}, {COMPANYID}.",
         "A reunião é em {DATETIME}, duração {DURATION}.", "O artigo {SKU} (EAN {EAN}) custa {AMOUNT} + IVA {PERCENT}.",
         "Entrega em {POSTCODE} em {DURATION}.", "O pedido {TICKET} foi associado ao processo {CASE}.",
         "O equipamento n.º de série {SERIAL} (IMEI {IMEI}) está avariado.",
         "ID do credor {CREDITORID}, referência da autorização {REF}.",
         "A faturação cresceu {PERCENT} para {BIGAMOUNT}.", "O servidor {IP} corre a versão {VERSION}.",
         "Apólice n.º {POLICY}, contrato {CONTRACT}.", "O seu NIF {NATID} foi registado.",
         "Pagamento com cartão {MASKED} de {AMOUNT} aceite em {DATETIME}.",
         "ID da reunião: {MEETING}, código: {PASSCODE}", "Referência de pagamento: {RFREF}",
         "Ligue-nos e indique o seu número de cliente {CUST}.", "Morada de entrega: {ADDRESS}"],
    greet=["Olá {FIRST},", "Caro {NAME},", "Bom dia,", "Exma. Sra. {LAST},"],
    close=["Cumprimentos,", "Com os melhores cumprimentos,", "Obrigado,", "Atenciosamente,"],
    qhdr=["Em {WDATE}, às {TIME}, {NAME} <{EMAIL}> escreveu:", "{NAME} <{EMAIL}> escreveu em {DATE}:"],
    fwd=("-----Mensagem original-----", ["De: {NAME} <{EMAIL}>", "Enviada: {WDATE} {TIME}",
         "Para: {EMAIL}", "Assunto: RE: {SUBJ}"]),
    fwd2=("---------- Forwarded message ---------", ["De: {NAME} <{EMAIL}>", "Date: {WDATE} às {TIME}",
          "Subject: {SUBJ}", "To: {EMAIL}"]),
    subj=["Fatura {INVOICE}", "Encomenda {ORDER}", "Pedido {TICKET}", "Dados bancários", "Processo {CASE}"],
    sig=dict(tel=["Tel.", "Telefone"], mob=["Telm.", "Telemóvel"], fax=["Fax"], mail=["E-mail"],
             web="www.exemplo.pt"),
    th=dict(name="Nome", iban="IBAN", amount="Valor", ref="Referência", item="Artigo", qty="Qtd.",
            price="Preço", phone="Telefone", email="E-mail", card="Cartão", date="Data", ssn="SSN",
            nino="NINO", empno="N.º func."),
)

LANG["pl"] = dict(
    countries=["PL"],
    leads=["Zamówienie {ORDER}:", "Faktura {INVOICE} z dnia {DATE}:", "Zgłoszenie {TICKET} zamknięte.",
           "Sprawa {CASE}:", "Przesyłka {TRACK} doręczona {DATE}.", "Nr klienta {CUST}, umowa {CONTRACT}:",
           "Wasz znak: {REF}.", "Numer seryjny {SERIAL} poza gwarancją.", "Temat: faktura nr {INVOICE}"],
    CARD=["Proszę obciążyć moją kartę {CARD}.", "Numer karty: {CARD}, ważna do {EXP}.",
          "Stara karta {MASKED} jest zablokowana, proszę używać {CARD}.",
          "Do testów proszę użyć karty testowej {TESTCARD}.", "Mój numer Amex to {AMEX}.",
          "Płatność kartą {CARD} została odrzucona {DATE}.", "Karta firmowa {CARD}, posiadacz {NAME}.",
          "Proszę zwrócić {AMOUNT} za zamówienie {ORDER} na kartę {CARD}.", "Karta kredytowa: {CARD19}"],
    IBAN=["Proszę przelać {AMOUNT} na konto {IBAN}.", "Nowe dane bankowe: IBAN {IBAN}, BIC {BIC}.",
          "Zwrot za fakturę {INVOICE} proszę przelać na {IBAN}.", "IBAN: {IBAN}", "mój iban to {IBANLC}",
          "Odbiorca {COMPANY}, IBAN {IBANX}, tytuł przelewu {INVOICE}.",
          "Zgłoszenie zamknięte. Mój IBAN to {IBAN}, dziękuję.", "Numer rachunku w formacie IBAN: {IBAN}"],
    PHONE=["Proszę dzwonić pod numer {PHONE}.", "Proszę zadzwonić na {MOBILE} po {TIME}.",
           "Tel. {NATPHONE}, faks {NATPHONE}", "Mój nowy numer komórki: {MOBILE}.",
           "W razie pytań prosimy o kontakt pod numerem {INTL}, podając nr klienta {CUST}.", "Tel. kom. {MOBILE}",
           "Infolinia: {NATPHONE}", "W sprawie zamówienia {ORDER} proszę dzwonić: {NATPHONE}.", "Kontakt: {INTL}"],
    EMAIL=["Proszę wysłać dokumenty na adres {EMAIL}.", "Faktury prosimy wysyłać na {EMAILPLUS}.",
           "Osoba kontaktowa: {NAME} <{EMAIL}>", "Adres {EMAILIDN} jest nieaktywny, proszę pisać na {EMAIL}.",
           "E-mail: {EMAIL}", "Proszę dodać {EMAIL} do wiadomości (zgłoszenie {TICKET})."],
    SSN=["SSN naszego pracownika w USA to {SSN}.", "Social Security Number (USA): {SSN}"],
    NINO=["Jego brytyjski National Insurance number to {NINO}.", "NINO (Wielka Brytania): {NINO}"],
    NEG=["Zamówienie {ORDER} z {DATE} na kwotę {AMOUNT} zostało wysłane, numer przesyłki {TRACK}.",
         "Faktura {INVOICE}, nr klienta {CUST}, termin płatności {DATE}.", "Nasz numer VAT UE: {VAT}, {COMPANYID}.",
         "Spotkanie {DATETIME}, czas trwania {DURATION}.", "Artykuł {SKU} (EAN {EAN}) kosztuje {AMOUNT} + {PERCENT} VAT.",
         "Dostawa do {POSTCODE} w ciągu {DURATION}.", "Zgłoszenie {TICKET} przypisano do sprawy {CASE}.",
         "Urządzenie o numerze seryjnym {SERIAL} (IMEI {IMEI}) jest uszkodzone.",
         "Identyfikator wierzyciela {CREDITORID}, numer mandatu {REF}.",
         "Przychody wzrosły o {PERCENT} do {BIGAMOUNT}.", "Serwer {IP} działa w wersji {VERSION}.",
         "Polisa nr {POLICY}, umowa {CONTRACT}.", "Numer PESEL {NATID} został zapisany.",
         "Płatność kartą {MASKED} na kwotę {AMOUNT} zaakceptowana {DATETIME}.",
         "Identyfikator spotkania: {MEETING}, kod dostępu: {PASSCODE}", "Tytuł płatności: {RFREF}",
         "Prosimy o telefon i podanie numeru klienta {CUST}.", "Adres dostawy: {ADDRESS}"],
    greet=["Dzień dobry,", "Szanowna Pani,", "Szanowny Panie {LAST},", "Cześć {FIRST},"],
    close=["Pozdrawiam,", "Z poważaniem,", "Z wyrazami szacunku,", "Dziękuję i pozdrawiam,"],
    qhdr=["W dniu {DATE} o {TIME}, {NAME} <{EMAIL}> pisze:", "{NAME} <{EMAIL}> napisał(a) {DATE}:"],
    fwd=("-----Oryginalna wiadomość-----", ["Od: {NAME} <{EMAIL}>", "Wysłano: {WDATE} {TIME}",
         "Do: {EMAIL}", "Temat: RE: {SUBJ}"]),
    fwd2=("---------- Forwarded message ---------", ["Od: {NAME} <{EMAIL}>", "Date: {WDATE} o {TIME}",
          "Subject: {SUBJ}", "To: {EMAIL}"]),
    subj=["Faktura {INVOICE}", "Zamówienie {ORDER}", "Zgłoszenie {TICKET}", "Dane do przelewu", "Sprawa {CASE}"],
    sig=dict(tel=["Tel.", "tel."], mob=["Tel. kom.", "Kom."], fax=["Faks", "Fax"], mail=["E-mail"],
             web="www.przyklad.pl"),
    th=dict(name="Imię i nazwisko", iban="IBAN", amount="Kwota", ref="Tytuł", item="Artykuł", qty="Ilość",
            price="Cena", phone="Telefon", email="E-mail", card="Karta", date="Data", ssn="SSN",
            nino="NINO", empno="Nr pracownika"),
)

LANG["sv"] = dict(
    countries=["SE", "SE", "FI"],
    leads=["Beställning {ORDER}:", "Faktura {INVOICE} från {DATE}:", "Ärende {TICKET} stängt.", "Ärendenr {CASE}:",
           "Försändelse {TRACK} levererad {DATE}.", "Kundnummer {CUST}, avtal {CONTRACT}:", "Er referens {REF}.",
           "Serienummer {SERIAL} saknar garanti.", "Ämne: faktura nr {INVOICE}"],
    CARD=["Dra beloppet från mitt kort {CARD}.", "Kortnummer: {CARD}, giltigt till {EXP}.",
          "Det gamla kortet {MASKED} är spärrat, använd {CARD} i stället.", "Använd testkortet {TESTCARD} i testmiljön.",
          "Mitt Amex-kort är {AMEX}.", "Betalningen med kort {CARD} nekades {DATE}.",
          "Företagskort {CARD}, kortinnehavare {NAME}.", "Återbetala {AMOUNT} för beställning {ORDER} till kort {CARD}.",
          "Kreditkort: {CARD19}"],
    IBAN=["Överför {AMOUNT} till konto {IBAN}.", "Nya bankuppgifter: IBAN {IBAN}, BIC {BIC}.",
          "Återbetalningen för faktura {INVOICE} går till {IBAN}.", "IBAN: {IBAN}", "mitt iban är {IBANLC}",
          "Mottagare {COMPANY}, IBAN {IBANX}, meddelande {INVOICE}.", "Ärendet stängt. Mitt IBAN är {IBAN}, tack."],
    PHONE=["Du når mig på {PHONE}.", "Ring mig på {MOBILE} efter {TIME}.", "Tfn {NATPHONE}, fax {NATPHONE}",
           "Mitt nya mobilnummer: {MOBILE}.", "Vid frågor, ring {INTL} och uppge kundnummer {CUST}.", "Mobil {MOBILE}",
           "Kundtjänst: {NATPHONE}", "Angående beställning {ORDER}, ring {NATPHONE}.", "Telefon: {INTL}"],
    EMAIL=["Skicka handlingarna till {EMAIL}.", "Fakturor skickas till {EMAILPLUS}.", "Kontaktperson: {NAME} <{EMAIL}>",
           "Adressen {EMAILIDN} fungerar inte längre, använd {EMAIL}.", "E-post: {EMAIL}",
           "Sätt {EMAIL} som kopia (ärende {TICKET})."],
    SSN=["SSN för vår amerikanska medarbetare är {SSN}.", "Social Security Number (USA): {SSN}"],
    NINO=["Hans brittiska National Insurance number är {NINO}.", "NINO (Storbritannien): {NINO}"],
    NEG=["Din beställning {ORDER} från {DATE} på {AMOUNT} har skickats, kolli-id {TRACK}.",
         "Faktura {INVOICE}, kundnummer {CUST}, förfallodag {DATE}.", "Vårt momsregistreringsnummer är {VAT}, {COMPANYID}.",
         "Mötet är {DATETIME}, längd {DURATION}.", "Artikel {SKU} (EAN {EAN}) kostar {AMOUNT} exkl. moms {PERCENT}.",
         "Leverans till {POSTCODE} inom {DURATION}.", "Ärende {TICKET} är kopplat till {CASE}.",
         "Enheten med serienummer {SERIAL} (IMEI {IMEI}) är trasig.", "Omsättningen ökade med {PERCENT} till {BIGAMOUNT}.",
         "Servern {IP} kör version {VERSION}.", "Försäkringsnummer {POLICY}, avtal {CONTRACT}.",
         "Ditt personnummer {NATID} är registrerat.", "Kortbetalning {MASKED} på {AMOUNT} godkänd {DATETIME}.",
         "Mötes-ID: {MEETING}, lösenord: {PASSCODE}", "OCR-referens: {RFREF}",
         "Bankgiro {ACCOUNT}, ange fakturanummer {INVOICE}.", "Leveransadress: {ADDRESS}"],
    greet=["Hej {FIRST}!", "Hej {FIRST},", "Hej,", "God morgon,"],
    close=["Med vänliga hälsningar", "Vänliga hälsningar", "Hälsningar", "Tack på förhand,"],
    qhdr=["Den {WDATE} kl. {TIME} skrev {NAME} <{EMAIL}>:", "{NAME} <{EMAIL}> skrev {DATE}:"],
    fwd=("-----Ursprungligt meddelande-----", ["Från: {NAME} <{EMAIL}>", "Skickat: {WDATE} {TIME}",
         "Till: {EMAIL}", "Ämne: SV: {SUBJ}"]),
    fwd2=("---------- Vidarebefordrat meddelande ---------", ["Från: {NAME} <{EMAIL}>", "Date: {WDATE} kl. {TIME}",
          "Subject: {SUBJ}", "To: {EMAIL}"]),
    subj=["Faktura {INVOICE}", "Beställning {ORDER}", "Ärende {TICKET}", "Bankuppgifter"],
    sig=dict(tel=["Tfn", "Tel.", "Telefon"], mob=["Mobil", "Mob."], fax=["Fax"], mail=["E-post"],
             web="www.exempel.se"),
    th=dict(name="Namn", iban="IBAN", amount="Belopp", ref="Meddelande", item="Artikel", qty="Antal",
            price="Pris", phone="Telefon", email="E-post", card="Kort", date="Datum", ssn="SSN",
            nino="NINO", empno="Anst.nr"),
)

LANG["da"] = dict(
    countries=["DK"],
    leads=["Ordre {ORDER}:", "Faktura {INVOICE} af {DATE}:", "Sag {TICKET} lukket.", "Sagsnr. {CASE}:",
           "Pakke {TRACK} leveret {DATE}.", "Kundenr. {CUST}, kontrakt {CONTRACT}:", "Jeres ref. {REF}.",
           "Serienummer {SERIAL} er uden for garanti.", "Emne: faktura nr. {INVOICE}"],
    CARD=["Træk beløbet på mit kort {CARD}.", "Kortnummer: {CARD}, udløber {EXP}.",
          "Det gamle kort {MASKED} er spærret, brug {CARD} fremover.", "Brug testkortet {TESTCARD} i testmiljøet.",
          "Mit Amex-kort er {AMEX}.", "Betalingen med kort {CARD} blev afvist {DATE}.",
          "Firmakort {CARD}, kortholder {NAME}.", "Refundér {AMOUNT} for ordre {ORDER} til kort {CARD}.",
          "Dankort: {DANKORT}"],
    IBAN=["Overfør {AMOUNT} til konto {IBAN}.", "Nye bankoplysninger: IBAN {IBAN}, BIC {BIC}.",
          "Tilbagebetalingen for faktura {INVOICE} går til {IBAN}.", "IBAN: {IBAN}", "min iban er {IBANLC}",
          "Modtager {COMPANY}, IBAN {IBANX}, tekst {INVOICE}.", "Sagen er lukket. Mit IBAN er {IBAN}, tak."],
    PHONE=["Du kan fange mig på {PHONE}.", "Ring til mig på {MOBILE} efter kl. {TIME}.", "Tlf. {NATPHONE}, fax {NATPHONE}",
           "Mit nye mobilnummer: {MOBILE}.", "Ved spørgsmål, ring {INTL} og oplys kundenr. {CUST}.", "Mobil {MOBILE}",
           "Kundeservice: {NATPHONE}", "Vedr. ordre {ORDER}: ring på {NATPHONE}.", "Telefon: {INTL}"],
    EMAIL=["Send dokumenterne til {EMAIL}.", "Fakturaer sendes til {EMAILPLUS}.", "Kontaktperson: {NAME} <{EMAIL}>",
           "Adressen {EMAILIDN} virker ikke længere, brug {EMAIL}.", "E-mail: {EMAIL}",
           "Sæt {EMAIL} cc (sag {TICKET})."],
    SSN=["SSN for vores amerikanske medarbejder er {SSN}.", "Social Security Number (USA): {SSN}"],
    NINO=["Hans britiske National Insurance number er {NINO}.", "NINO (UK): {NINO}"],
    NEG=["Din ordre {ORDER} af {DATE} på {AMOUNT} er afsendt, track & trace {TRACK}.",
         "Faktura {INVOICE}, kundenr. {CUST}, forfald {DATE}.", "Vores momsnummer er {VAT}, {COMPANYID}.",
         "Mødet er {DATETIME}, varighed {DURATION}.", "Vare {SKU} (EAN {EAN}) koster {AMOUNT} ekskl. {PERCENT} moms.",
         "Levering til {POSTCODE} inden for {DURATION}.", "Sag {TICKET} er knyttet til {CASE}.",
         "Enheden med serienummer {SERIAL} (IMEI {IMEI}) er defekt.", "Omsætningen steg {PERCENT} til {BIGAMOUNT}.",
         "Serveren {IP} kører version {VERSION}.", "Policenr. {POLICY}, kontrakt {CONTRACT}.",
         "Dit CPR-nummer {NATID} er registreret.", "Kortbetaling {MASKED} på {AMOUNT} godkendt {DATETIME}.",
         "Møde-id: {MEETING}, adgangskode: {PASSCODE}", "Betalingsreference: {RFREF}",
         "Bankkonto {ACCOUNT}, husk fakturanr. {INVOICE}.", "Leveringsadresse: {ADDRESS}"],
    greet=["Hej {FIRST}", "Hej {FIRST},", "Kære {FIRST},", "Goddag,"],
    close=["Med venlig hilsen", "Venlig hilsen", "Mvh.", "De bedste hilsner"],
    qhdr=["Den {WDATE} kl. {TIME} skrev {NAME} <{EMAIL}>:", "{NAME} <{EMAIL}> skrev {DATE}:"],
    fwd=("-----Oprindelig meddelelse-----", ["Fra: {NAME} <{EMAIL}>", "Sendt: {WDATE} {TIME}",
         "Til: {EMAIL}", "Emne: SV: {SUBJ}"]),
    fwd2=("---------- Videresendt besked ---------", ["Fra: {NAME} <{EMAIL}>", "Date: {WDATE} kl. {TIME}",
          "Subject: {SUBJ}", "To: {EMAIL}"]),
    subj=["Faktura {INVOICE}", "Ordre {ORDER}", "Sag {TICKET}", "Bankoplysninger"],
    sig=dict(tel=["Tlf.", "Telefon", "T"], mob=["Mobil", "Mob."], fax=["Fax"], mail=["E-mail", "Mail"],
             web="www.eksempel.dk"),
    th=dict(name="Navn", iban="IBAN", amount="Beløb", ref="Tekst", item="Vare", qty="Antal", price="Pris",
            phone="Telefon", email="E-mail", card="Kort", date="Dato", ssn="SSN", nino="NINO", empno="Medarb.nr."),
)

LANG["nb"] = dict(
    countries=["NO"],
    leads=["Ordre {ORDER}:", "Faktura {INVOICE} datert {DATE}:", "Sak {TICKET} lukket.", "Saksnr. {CASE}:",
           "Sending {TRACK} levert {DATE}.", "Kundenr. {CUST}, avtale {CONTRACT}:", "Deres ref. {REF}."],
    CARD=["Trekk beløpet fra kortet mitt {CARD}.", "Kortnummer: {CARD}, utløper {EXP}.",
          "Det gamle kortet {MASKED} er sperret, bruk {CARD}.", "Bruk testkortet {TESTCARD} i testmiljøet.",
          "Betalingen med kort {CARD} ble avvist {DATE}.", "Refunder {AMOUNT} for ordre {ORDER} til kort {CARD}."],
    IBAN=["Overfør {AMOUNT} til konto {IBAN}.", "Nye bankopplysninger: IBAN {IBAN}, BIC {BIC}.",
          "Refusjonen for faktura {INVOICE} går til {IBAN}.", "IBAN: {IBAN}", "min iban er {IBANLC}",
          "Mottaker {COMPANY}, IBAN {IBANX}."],
    PHONE=["Du når meg på {PHONE}.", "Ring meg på {MOBILE} etter kl. {TIME}.", "Tlf. {NATPHONE}",
           "Nytt mobilnummer: {MOBILE}.", "Ved spørsmål, ring {INTL} og oppgi kundenr. {CUST}.", "Mobil {MOBILE}",
           "Angående ordre {ORDER}: ring {NATPHONE}."],
    EMAIL=["Send dokumentene til {EMAIL}.", "Fakturaer sendes til {EMAILPLUS}.", "Kontaktperson: {NAME} <{EMAIL}>",
           "Adressen {EMAILIDN} virker ikke lenger, bruk {EMAIL}.", "E-post: {EMAIL}"],
    SSN=["SSN for vår amerikanske ansatt er {SSN}."],
    NINO=["Hans britiske National Insurance number er {NINO}."],
    NEG=["Ordren din {ORDER} fra {DATE} på {AMOUNT} er sendt, sporingsnummer {TRACK}.",
         "Faktura {INVOICE}, kundenr. {CUST}, forfall {DATE}.", "{COMPANYID}, {VAT}.",
         "Møtet er {DATETIME}, varighet {DURATION}.", "Vare {SKU} (EAN {EAN}) koster {AMOUNT} eks. mva.",
         "Levering til {POSTCODE} innen {DURATION}.", "Enheten med serienummer {SERIAL} (IMEI {IMEI}) er defekt.",
         "Kontonummer {ACCOUNT}, KID {CUST}.", "Fødselsnummeret {NATID} er registrert.",
         "Kortbetaling {MASKED} på {AMOUNT} godkjent {DATETIME}.", "Møte-ID: {MEETING}, passord: {PASSCODE}",
         "Omsetningen økte med {PERCENT} til {BIGAMOUNT}.", "Leveringsadresse: {ADDRESS}"],
    greet=["Hei {FIRST},", "Hei,", "God dag,"],
    close=["Med vennlig hilsen", "Vennlig hilsen", "Mvh"],
    qhdr=["{WDATE} kl. {TIME} skrev {NAME} <{EMAIL}>:", "{NAME} <{EMAIL}> skrev {DATE}:"],
    fwd=("-----Opprinnelig melding-----", ["Fra: {NAME} <{EMAIL}>", "Sendt: {WDATE} {TIME}",
         "Til: {EMAIL}", "Emne: SV: {SUBJ}"]),
    fwd2=("-----Opprinnelig melding-----", ["Fra: {NAME} <{EMAIL}>", "Dato: {WDATE} {TIME}",
          "Til: {EMAIL}", "Emne: VS: {SUBJ}"]),
    subj=["Faktura {INVOICE}", "Ordre {ORDER}", "Sak {TICKET}", "Bankopplysninger"],
    sig=dict(tel=["Tlf.", "Telefon"], mob=["Mobil"], fax=["Faks"], mail=["E-post"], web="www.eksempel.no"),
    th=dict(name="Navn", iban="IBAN", amount="Beløp", ref="Melding", item="Vare", qty="Antall", price="Pris",
            phone="Telefon", email="E-post", card="Kort", date="Dato", ssn="SSN", nino="NINO", empno="Ansattnr."),
)

LANG["fi"] = dict(
    countries=["FI"],
    leads=["Tilaus {ORDER}:", "Lasku {INVOICE} ({DATE}):", "Tiketti {TICKET} suljettu.", "Asia {CASE}:",
           "Lähetys {TRACK} toimitettu {DATE}.", "Asiakasnumero {CUST}, sopimus {CONTRACT}:", "Viitteenne {REF}."],
    CARD=["Veloittakaa korttiani {CARD}.", "Kortin numero: {CARD}, voimassa {EXP}.",
          "Vanha kortti {MASKED} on suljettu, käyttäkää korttia {CARD}.", "Testiympäristössä käytä testikorttia {TESTCARD}.",
          "Maksu kortilla {CARD} hylättiin {DATE}.", "Palauttakaa {AMOUNT} tilauksesta {ORDER} kortille {CARD}."],
    IBAN=["Siirtäkää {AMOUNT} tilille {IBAN}.", "Uudet pankkitiedot: IBAN {IBAN}, BIC {BIC}.",
          "Laskun {INVOICE} hyvitys maksetaan tilille {IBAN}.", "IBAN: {IBAN}", "mun iban on {IBANLC}",
          "Saaja {COMPANY}, tilinumero {IBANX}, viite {RFREF}."],
    PHONE=["Tavoitat minut numerosta {PHONE}.", "Soita minulle numeroon {MOBILE} klo {TIME} jälkeen.",
           "Puh. {NATPHONE}", "Uusi matkapuhelinnumeroni: {MOBILE}.",
           "Kysymyksissä soita {INTL} ja kerro asiakasnumero {CUST}.", "Matkapuhelin {MOBILE}",
           "Tilauksesta {ORDER}: soita {NATPHONE}."],
    EMAIL=["Lähetä asiakirjat osoitteeseen {EMAIL}.", "Laskut osoitteeseen {EMAILPLUS}.",
           "Yhteyshenkilö: {NAME} <{EMAIL}>", "Osoite {EMAILIDN} ei enää toimi, käytä osoitetta {EMAIL}.",
           "Sähköposti: {EMAIL}"],
    SSN=["Yhdysvaltalaisen työntekijämme SSN on {SSN}."],
    NINO=["Hänen brittiläinen National Insurance number on {NINO}."],
    NEG=["Tilauksesi {ORDER} ({DATE}, {AMOUNT}) on lähetetty, seurantakoodi {TRACK}.",
         "Lasku {INVOICE}, asiakasnumero {CUST}, eräpäivä {DATE}.", "{COMPANYID}, ALV-numero {VAT}.",
         "Kokous on {DATETIME}, kesto {DURATION}.", "Tuote {SKU} (EAN {EAN}) maksaa {AMOUNT} + alv {PERCENT}.",
         "Toimitus osoitteeseen {POSTCODE} {DURATION}.", "Laite sarjanumerolla {SERIAL} (IMEI {IMEI}) on rikki.",
         "Viitenumero {RFREF}, eräpäivä {DATE}.", "Henkilötunnus {NATID} on kirjattu.",
         "Korttimaksu {MASKED} {AMOUNT} hyväksytty {DATETIME}.", "Kokouksen tunnus: {MEETING}, salasana: {PASSCODE}",
         "Liikevaihto kasvoi {PERCENT} ja oli {BIGAMOUNT}.", "Toimitusosoite: {ADDRESS}"],
    greet=["Hei {FIRST},", "Hei,", "Hyvä {NAME},"],
    close=["Ystävällisin terveisin", "Terveisin", "Kiitos,"],
    qhdr=["{WDATE} klo {TIME} {NAME} <{EMAIL}> kirjoitti:", "{NAME} <{EMAIL}> kirjoitti {DATE}:"],
    fwd=("-----Alkuperäinen viesti-----", ["Lähettäjä: {NAME} <{EMAIL}>", "Lähetetty: {WDATE} {TIME}",
         "Vastaanottaja: {EMAIL}", "Aihe: VS: {SUBJ}"]),
    fwd2=("-----Alkuperäinen viesti-----", ["Lähettäjä: {NAME} <{EMAIL}>", "Lähetetty: {WDATE} {TIME}",
          "Vastaanottaja: {EMAIL}", "Aihe: VL: {SUBJ}"]),
    subj=["Lasku {INVOICE}", "Tilaus {ORDER}", "Tiketti {TICKET}", "Pankkitiedot"],
    sig=dict(tel=["Puh.", "Puhelin"], mob=["GSM", "Matkapuhelin"], fax=["Faksi"], mail=["Sähköposti"],
             web="www.esimerkki.fi"),
    th=dict(name="Nimi", iban="IBAN", amount="Summa", ref="Viite", item="Tuote", qty="Määrä", price="Hinta",
            phone="Puhelin", email="Sähköposti", card="Kortti", date="Päivämäärä", ssn="SSN", nino="NINO",
            empno="Henkilönro"),
)


# ---------------------------------------------------------------- rendering

def e_last(ctx):
    return person(ctx)[1], None


def e_wdate(ctx):
    y, m, d = ymd(ctx)
    wd = WEEKDAYS[ctx.lang].split()[datetime.date(y, m, d).weekday()]
    mon = MONTHS[ctx.lang].split()[m - 1]
    L = ctx.lang
    out = {"en": (f"{wd}, {mon} {d}, {y}" if ctx.country == "US" else f"{wd[:3]}, {d} {mon[:3]} {y}"),
           "de": f"{wd}, {d}. {mon} {y}", "fr": f"{wd} {d} {mon} {y}", "es": f"{wd}, {d} de {mon} de {y}",
           "it": f"{wd} {d} {mon} {y}", "nl": f"{wd} {d} {mon} {y}", "pt": f"{wd}, {d} de {mon} de {y}",
           "pl": f"{wd}, {d} {mon} {y}", "sv": f"{wd} {d} {mon} {y}", "da": f"{wd} den {d}. {mon} {y}",
           "nb": f"{wd} {d}. {mon} {y}", "fi": f"{wd} {d}. {mon} {y}"}[L]
    return out, None


PH = {
    "CARD": p_card, "TESTCARD": p_testcard, "AMEX": p_amex, "CARD19": p_card19, "VISA": p_visa, "MC": p_mc,
    "DANKORT": p_dankort, "IBAN": p_iban,
    "IBANX": p_ibanx, "IBANLC": p_ibanlc, "PHONE": p_phone, "MOBILE": p_mobile, "INTL": p_intl,
    "NATPHONE": p_natphone, "EMAIL": p_email, "EMAILPLUS": p_emailplus, "EMAILIDN": p_emailidn,
    "SSN": p_ssn, "SSNBARE": p_ssnbare, "NINO": p_nino,
    "NAME": e_name, "FIRST": e_first, "LAST": e_last, "COMPANY": e_company, "WDATE": e_wdate,
    "ORDER": n_order, "INVOICE": n_invoice, "TICKET": n_ticket, "CASE": n_case, "REF": n_ref,
    "CUST": n_cust, "CONTRACT": n_contract, "POLICY": n_policy, "DATE": n_date, "TIME": n_time,
    "DATETIME": n_datetime, "AMOUNT": n_amount, "BIGAMOUNT": n_bigamount, "PERCENT": n_percent,
    "DURATION": n_duration, "POSTCODE": n_postcode, "ADDRESS": n_address, "TRACK": n_track,
    "EAN": n_ean, "ISBN": n_isbn, "SKU": n_sku, "VAT": n_vat, "VATX": n_vatx,
    "COMPANYID": n_companyid, "SORTCODE": n_sortcode, "ACCOUNT": n_account, "BLZ": n_blz,
    "ABA": n_aba, "BIC": n_bic, "IP": n_ip, "VERSION": n_version, "SERIAL": n_serial,
    "IMEI": n_imei, "MASKED": n_masked, "LAST4": n_last4, "EXP": n_exp, "AUTH": n_auth,
    "MEETING": n_meeting, "PASSCODE": n_passcode, "RFREF": n_rfref, "CREDITORID": n_creditorid,
    "NATID": n_natid, "NHS": n_nhs, "EIN": n_ein, "ZIP4": n_zip4, "EPOCH": n_epoch, "GEO": n_geo,
    "NPM": n_npm, "CID": n_cid, "ASSET": n_asset, "MASKEDIBAN": n_maskediban,
}
WRAPS = [("(", ")"), ("[", "]"), ("\"", "\""), ("'", "'"), ("«", "»"), ("„", "“"), ("<", ">"),
         ("*", "*"), ("“", "”"), ("«\u00a0", "\u00a0»")]


class Text:
    """A string with labelled character spans [(start, end, type)]."""

    def __init__(self, text="", spans=None):
        self.text = text
        self.spans = list(spans or [])

    def __add__(self, other):
        if isinstance(other, str):
            other = Text(other)
        n = len(self.text)
        return Text(self.text + other.text, self.spans + [(s + n, e + n, t) for s, e, t in other.spans])

    def insert(self, inserts):
        """Insert strings at positions of the current text; spans stretch over inner inserts."""
        inserts = sorted(inserts, key=lambda x: x[0])
        out, last = [], 0
        for pos, s in inserts:
            out.append(self.text[last:pos])
            out.append(s)
            last = pos
        out.append(self.text[last:])

        def shift(p, inclusive):
            return p + sum(len(s) for q, s in inserts if (q <= p if inclusive else q < p))
        spans = [(shift(s, True), shift(e, False), t) for s, e, t in self.spans]
        return Text("".join(out), spans)

    def replace_at(self, pos, ch):
        assert len(ch) == 1
        return Text(self.text[:pos] + ch + self.text[pos + 1:], self.spans)

    def wrap(self, width, flowed):
        """Greedy word wrap at spaces (not at no-break spaces), as mail clients do."""
        t = self
        line_start = 0
        i = 0
        while True:
            text = t.text
            nl = text.find("\n", line_start)
            end = nl if nl >= 0 else len(text)
            if end - line_start <= width:
                if nl < 0:
                    return t
                line_start = nl + 1
                continue
            brk = text.rfind(" ", line_start + 1, line_start + width + 1)
            if brk <= line_start:
                brk = text.find(" ", line_start + width)
                if brk < 0 or brk >= end:
                    if nl < 0:
                        return t
                    line_start = nl + 1
                    continue
            if flowed:
                t = t.insert([(brk + 1, "\n")])
                line_start = brk + 2
            else:
                t = t.replace_at(brk, "\n")
                line_start = brk + 1
            i += 1
            assert i < 10000

    def quote(self, prefix="> "):
        ins = [(0, prefix)] + [(m.end(), prefix) for m in re.finditer("\n", self.text)]
        return self.insert(ins)

    def crlf(self):
        return self.insert([(m.start(), "\r") for m in re.finditer("\n", self.text)])

    def split_entity(self, ctx, quote_prefix=""):
        """Break one labelled span at an inner space, as a wrapping client would."""
        cands = [(s, e) for s, e, _ in self.spans if " " in self.text[s + 1:e - 1]]
        if not cands:
            return self, False
        s, e = ctx.pick(cands)
        spaces = [i for i in range(s + 1, e - 1) if self.text[i] == " "]
        pos = ctx.pick(spaces)
        if ctx.chance(0.5):
            t = self.replace_at(pos, "\n")
            return (t.insert([(pos + 1, quote_prefix)]) if quote_prefix else t), True
        return self.insert([(pos + 1, "\n" + quote_prefix)]), True

    def byte_spans(self):
        out = []
        for s, e, t in sorted(self.spans):
            bs = len(self.text[:s].encode("utf-8"))
            be = bs + len(self.text[s:e].encode("utf-8"))
            out.append([bs, be, t])
        return out


def render(ctx, template, wrap_p=0.07):
    """Fill a template; returns Text. Labelled placeholders may get wrapping punctuation."""
    out = Text()
    pos = 0
    for m in re.finditer(r"\{([A-Z0-9]+)\}", template):
        out = out + template[pos:m.start()]
        key = m.group(1)
        if key == "SUBJ":
            out = out + render(ctx, ctx.pick(LANG[ctx.lang]["subj"]), 0)
            pos = m.end()
            continue
        ctx.tags.add(f"ph-{key}")
        text, label = PH[key](ctx)
        if label:
            before = template[m.start() - 1] if m.start() else " "
            after = template[m.end()] if m.end() < len(template) else " "
            if before == " " and after in " .,;" and ctx.chance(wrap_p):
                left, right = ctx.pick(WRAPS)
                ctx.tags.add("punct-wrap")
                out = out + left + Text(text, [(0, len(text), label)]) + right
            else:
                out = out + Text(text, [(0, len(text), label)])
        else:
            out = out + text
        pos = m.end()
    return out + template[pos:]


def check_case(text, spans):
    """Every unlabelled stretch must hold no real identifier (a generator bug otherwise)."""
    masked = list(text)
    for s, e, _ in spans:
        for i in range(s, e):
            masked[i] = "\x00"
    plain = "".join(masked)
    for piece in plain.split("\x00"):
        for run in re.findall(r"\d+", piece):
            if 12 <= len(run) <= 19 and luhn_ok(run) and not re.search(
                    r"(35|86|01|99)\d{13}", run):
                raise AssertionError(f"unlabelled Luhn run {run!r} in {text!r}")
    for s, e, t in spans:
        if t == "IBAN":
            assert iban_valid(re.sub(r"[\s>]", "", text[s:e])), text[s:e]
        if t == "CREDIT_CARD":
            assert luhn_ok(re.sub(r"\D", "", text[s:e])), text[s:e]


# ---------------------------------------------------------------- sentences

POS_W_EN = {"CARD": 20, "IBAN": 15, "PHONE": 22, "EMAIL": 18, "SSN": 13, "NINO": 12}
POS_W = {"CARD": 24, "IBAN": 23, "PHONE": 27, "EMAIL": 18, "SSN": 4, "NINO": 4}


def pos_sentence(ctx):
    L = LANG[ctx.lang]
    w = POS_W_EN if ctx.lang == "en" else POS_W
    typ = ctx.r.choices(list(w), weights=list(w.values()))[0]
    return render(ctx, ctx.pick(L[typ]))


def neg_sentence(ctx):
    return render(ctx, ctx.pick(LANG[ctx.lang]["NEG"]))


def sentence(ctx):
    L = LANG[ctx.lang]
    if ctx.chance(0.6):
        t = pos_sentence(ctx)
        if ctx.chance(0.35):
            ctx.tags.add("lead")
            t = render(ctx, ctx.pick(L["leads"])) + ctx.pick([" ", " ", " ", "\n", "\n\n"]) + t
        if ctx.chance(0.2):
            t = t + " " + neg_sentence(ctx)
    else:
        t = neg_sentence(ctx)
        if ctx.chance(0.4):
            t = t + " " + neg_sentence(ctx)
        if ctx.chance(0.2):
            t = render(ctx, ctx.pick(L["leads"])) + " " + t
    if ctx.chance(0.08):
        t, done = t.split_entity(ctx)
        if done:
            ctx.tags.add("split-line")
    if ctx.chance(0.08):
        ctx.tags.add("quoted")
        t = t.quote(ctx.pick(["> ", "> ", ">", "> > "]))
    if ctx.chance(0.05):
        ctx.tags.add("crlf")
        t = t.crlf()
    return t


# ---------------------------------------------------------------- documents

def paragraph(ctx, pos_share=0.55):
    parts = []
    for _ in range(ctx.r.randint(1, 3)):
        parts.append(pos_sentence(ctx) if ctx.chance(pos_share) else neg_sentence(ctx))
    t = parts[0]
    for p in parts[1:]:
        t = t + " " + p
    return t


def lines(*items):
    t = Text()
    for i, x in enumerate(items):
        if i:
            t = t + "\n"
        t = t + x
    return t


def signature(ctx):
    L = LANG[ctx.lang]
    sg = L["sig"]
    ctx.tags.add("signature")
    out = []
    if ctx.chance(0.5):
        out.append(Text("-- "))
    out.append(render(ctx, "{NAME}"))
    if ctx.chance(0.6):
        out.append(render(ctx, "{COMPANY}"))
    if ctx.chance(0.6):
        out.append(render(ctx, "{ADDRESS}"))
    style = ctx.r.randint(0, 3)
    tel, mob, fax, mail = (ctx.pick(sg["tel"]), ctx.pick(sg["mob"]), ctx.pick(sg["fax"]),
                           ctx.pick(sg["mail"]))
    colon = ctx.pick([": ", " ", ": "])
    if style == 0:
        out.append(render(ctx, f"{tel}{colon}{{PHONE}}"))
        if ctx.chance(0.5):
            out.append(render(ctx, f"{fax}{colon}{{NATPHONE}}"))
        if ctx.chance(0.6):
            out.append(render(ctx, f"{mob}{colon}{{MOBILE}}"))
    elif style == 1:
        out.append(render(ctx, f"{tel} {{PHONE}} | {mob} {{MOBILE}}"))
    elif style == 2:
        out.append(render(ctx, f"{tel}{colon}{{INTL}} · {fax}{colon}{{INTL}}"))
    else:
        out.append(render(ctx, f"{tel[0]} {{PHONE}}  {mob[0]} {{MOBILE}}"))
    if ctx.chance(0.8):
        out.append(render(ctx, f"{mail}{colon}{{EMAIL}}"))
    if ctx.chance(0.4):
        out.append(Text(sg["web"]))
    if ctx.chance(0.45):
        out.append(render(ctx, ctx.pick(["{COMPANYID} · {VAT}", "{COMPANYID}, {VAT}", "{VAT}",
                                         "{COMPANYID}"])))
    if ctx.chance(0.25):
        out.append(render(ctx, ctx.pick(["IBAN {IBAN} · BIC {BIC}", "IBAN: {IBAN}, BIC: {BIC}",
                                         "Bank: IBAN {IBAN} / {BIC}"])))
    return lines(*out)


def cell(ctx, key):
    """A table cell rendered without decorating punctuation."""
    return render(ctx, key, 0)


def table(ctx):
    L = LANG[ctx.lang]
    th = L["th"]
    kind = ctx.r.choices(["pay", "order", "contact", "staff", "cards"], weights=[30, 25, 25, 12, 8])[0]
    ctx.tags.add(f"table-{kind}")
    if kind == "pay":
        head = [th["name"], th["iban"], th["amount"], th["ref"]]
        rows = [["{NAME}", ctx.pick(["{IBAN}", "{IBAN}", "{IBANX}"]), "{AMOUNT}",
                 ctx.pick(["{INVOICE}", "{RFREF}", "{REF}"])] for _ in range(ctx.r.randint(2, 5))]
    elif kind == "order":
        head = [th["item"], "EAN", th["qty"], th["price"]]
        rows = [[ctx.pick(["{SKU}", "{ISBN}"]), "{EAN}", str(ctx.r.randint(1, 500)), "{AMOUNT}"]
                for _ in range(ctx.r.randint(2, 6))]
    elif kind == "contact":
        head = [th["name"], th["phone"], th["email"]]
        rows = [["{NAME}", ctx.pick(["{PHONE}", "{MOBILE}", "{INTL}"]), "{EMAIL}"]
                for _ in range(ctx.r.randint(2, 5))]
    elif kind == "staff":
        idk = ctx.pick(["ssn", "nino"])
        head = [th["empno"], th["name"], th[idk], th["date"]]
        rows = [["{CUST}", "{NAME}", "{SSN}" if idk == "ssn" else "{NINO}", "{DATE}"]
                for _ in range(ctx.r.randint(2, 5))]
    else:
        head = [th["date"], th["card"], th["amount"], th["ref"]]
        rows = [["{DATE}", ctx.pick(["{CARD}", "{MASKED}", "{TESTCARD}"]), "{AMOUNT}", "{ORDER}"]
                for _ in range(ctx.r.randint(2, 5))]
    fmt = ctx.pick(["pipe", "pipe", "tab", "csv-semi", "csv-comma", "aligned"])
    ctx.tags.add(f"table-{fmt}")
    cells = [[cell(ctx, c) for c in row] for row in rows]
    if fmt == "csv-comma":
        def q(t):
            return (Text('"') + t + '"') if ("," in t.text or " " in t.text and ctx.chance(0.5)) else t
        sep, head_t = ",", Text(",".join(h.lower() for h in head))
        body = [[q(c) for c in row] for row in cells]
    elif fmt == "csv-semi":
        sep, head_t = ";", Text(";".join(head))
        body = cells
    elif fmt == "tab":
        sep, head_t = "\t", Text("\t".join(head))
        body = cells
    elif fmt == "aligned":
        widths = [max(len(head[i]), *(len(r[i].text) for r in cells)) + 2 for i in range(len(head))]
        head_t = Text("".join(h.ljust(widths[i]) for i, h in enumerate(head)).rstrip())
        out = [head_t, Text("".join("-" * (w - 2) + "  " for w in widths).rstrip())]
        for row in cells:
            t = Text()
            for i, c in enumerate(row):
                t = t + c + (" " * (widths[i] - len(c.text)) if i < len(row) - 1 else "")
            out.append(t)
        return lines(*out)
    else:
        sep = " | "
        head_t = Text("| " + " | ".join(head) + " |")
        out = [head_t, Text("|" + "|".join("---" for _ in head) + "|")]
        for row in cells:
            t = Text("| ")
            for i, c in enumerate(row):
                t = t + c + (" | " if i < len(row) - 1 else " |")
            out.append(t)
        return lines(*out)
    out = [head_t]
    for row in body:
        t = Text()
        for i, c in enumerate(row):
            t = t + (sep if i else "") + c
        out.append(t)
    return lines(*out)


def join_blocks(blocks, sep="\n\n"):
    t = Text()
    for i, b in enumerate(blocks):
        if i:
            t = t + sep
        t = t + b
    return t


def body_blocks(ctx, n_par, width, flowed):
    L = LANG[ctx.lang]
    blocks = [render(ctx, ctx.pick(L["greet"]))]
    for _ in range(n_par):
        p = paragraph(ctx)
        if width:
            p = p.wrap(width, flowed)
        blocks.append(p)
    return blocks


def message(ctx, depth=0):
    """One message body (greeting, paragraphs, maybe table, closing, signature)."""
    L = LANG[ctx.lang]
    width = ctx.r.randint(60, 78) if ctx.chance(0.65) else 0
    flowed = ctx.chance(0.4)
    if width:
        ctx.tags.add("wrapped")
    blocks = body_blocks(ctx, ctx.r.randint(1, 3) if depth else ctx.r.randint(2, 4), width, flowed)
    if ctx.chance(0.35 if depth == 0 else 0.15):
        blocks.insert(ctx.r.randint(2, len(blocks)), table(ctx))
    close = Text(ctx.pick(L["close"]))
    if ctx.chance(0.75):
        blocks.append(close + "\n" + signature(ctx))
    else:
        blocks.append(close + "\n" + render(ctx, "{FIRST}"))
    return join_blocks(blocks)


def quoted_part(ctx, depth):
    L = LANG[ctx.lang]
    hdr = render(ctx, ctx.pick(L["qhdr"]), 0)
    inner = message(ctx, depth + 1)
    if depth == 0 and ctx.chance(0.3):
        ctx.tags.add("nested-quote")
        inner = inner + "\n\n" + quoted_part(ctx, depth + 1)
    prefix = ctx.pick(["> ", "> ", ">"])
    ctx.tags.add("quoted")
    return hdr + "\n" + inner.quote(prefix)


def forward_part(ctx):
    L = LANG[ctx.lang]
    first, hdrs = ctx.pick([L["fwd"], L["fwd2"]])
    ctx.tags.add("forwarded")
    h = [Text(first)] + [render(ctx, x, 0) for x in hdrs]
    return lines(*h) + "\n\n" + message(ctx, 1)


def document(ctx):
    blocks = [message(ctx)]
    r = ctx.r.random()
    if r < 0.45:
        blocks.append(quoted_part(ctx, 0))
    elif r < 0.65:
        blocks.append(forward_part(ctx))
    t = join_blocks(blocks)
    if ctx.chance(0.25):
        ctx.tags.add("crlf")
        t = t.crlf()
    return t


# ---------------------------------------------------------------- main

def make_case(rng, lang, kind, n, build):
    L = LANG[lang]
    for _ in range(50):
        ctx = Ctx(rng, lang, rng.choice(L["countries"]))
        mark = len(VERIFY)
        t = build(ctx)
        try:
            check_case(t.text, t.spans)
            break
        except AssertionError:
            del VERIFY[mark:]
    else:
        raise AssertionError(f"no clean {kind} case for {lang}")
    return {"id": f"redteam-{kind}-{lang}-{n:04d}", "lang": lang, "text": t.text,
            "expected": t.byte_spans(), "tags": sorted(ctx.tags)}


def verify():
    import phonenumbers
    from stdnum import iban as stdiban
    bad = 0
    for typ, cc, text in VERIFY:
        if typ == "PHONE":
            n = phonenumbers.parse(text.replace(NBSP, " "), cc)
            ok = phonenumbers.is_valid_number(n) and phonenumbers.region_code_for_number(n) == cc
        else:
            ok = stdiban.is_valid(text)
        if not ok:
            bad += 1
            print(f"verify: {typ} {cc} {text!r} is not valid", file=sys.stderr)
    print(f"verify: {len(VERIFY)} phone numbers and IBANs checked, {bad} invalid", file=sys.stderr)
    return bad == 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "data", "accuracy-redteam"))
    ap.add_argument("--verify", action="store_true")
    args = ap.parse_args()
    rng = random.Random(SEED)
    sents, docs = [], []
    for lang in LANGS:
        for n in range(SENTENCES_PER_LANG[lang]):
            sents.append(make_case(rng, lang, "sentence", n, sentence))
        for n in range(DOCS_PER_LANG[lang]):
            docs.append(make_case(rng, lang, "document", n, document))
    os.makedirs(args.out, exist_ok=True)
    for name, cases in (("sentences.jsonl", sents), ("documents.jsonl", docs)):
        with open(os.path.join(args.out, name), "w", encoding="utf-8") as f:
            for c in cases:
                f.write(json.dumps(c, ensure_ascii=False) + "\n")
    counts = {}
    for c in sents + docs:
        for _, _, t in c["expected"]:
            counts[t] = counts.get(t, 0) + 1
    print(f"{len(sents)} sentences, {len(docs)} documents; labels {counts}", file=sys.stderr)
    if args.verify and not verify():
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
