#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Second red-team accuracy set: number-dense professional mail.

Writes tests/data/accuracy-redteam2/sentences.jsonl and documents.jsonl in
the case format of shared/corpus/presidio-pii ({"id", "lang", "text",
"expected": [[start, end, TYPE], ...]}, UTF-8 byte offsets), for
scripts/accuracy.py --sets.

Written blind (without reading the detectors or the other generated sets)
from what finance, payroll, logistics, IT, legal, insurance and healthcare
mail really prints: payment runs, remittance advice, pasted bank statements,
SEPA/SWIFT details, card-on-file updates, chargebacks, PCI incident notes,
US and UK payroll, tracking and customs codes, tickets with IPs, MACs,
hashes and serials, case and claim numbers, NHS numbers and MRNs; in
English, German, French and Spanish, and some Greek, Russian, Japanese and
Chinese mail with Latin-digit identifiers. Documents add quoted replies,
forwarded headers, HTML-converted text (table cells on separate lines,
bullets, no-break spaces), wrapping at 70-78 columns and CRLF.

Labels are what a careful DLP analyst would mark, for six types only:
CREDIT_CARD, IBAN, US_SSN, UK_NINO, EMAIL, PHONE. Every labelled value is
valid (Luhn and issuer prefix, IBAN mod-97 and country length, SSN issued
ranges, NINO prefix rules) and every look-alike is generated with its own
real check digits where the scheme has one (ISIN, LEI, RF, SEPA creditor
id, SIRET, IMEI, ICCID, NHS, NPI, ABA, SSCC, GTIN, ISO 6346 ...). Before a
case is written, an independent checker rejects it when an unlabelled
stretch of text would itself be a valid card, IBAN, dashed SSN, NINO or
e-mail address (so no label is missing by accident), unless that look-alike
is deliberate and unambiguous from its label (a SIRET, an IMEI, an ICCID).
Values that are ambiguous to a human (mistyped IBANs, SSNs in unissued
ranges, user@host strings, Message-IDs, lower-case NINOs) are left out.

Fixed seed: the output is the same on every run.
"""

import argparse
import json
import os
import random
import re
import string
import sys
import uuid
from checkdigits import alnum_to_digits, luhn_complete, luhn_ok, mod97

SEED = 1123581321
R = random.Random(SEED)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TYPES = {"CARD": "CREDIT_CARD", "IBAN": "IBAN", "SSN": "US_SSN", "NINO": "UK_NINO",
         "EMAIL": "EMAIL", "PHONE": "PHONE"}
NBSP = "\u00a0"


def dg(n, first=None):
    """n random digits; `first` restricts the first digit."""
    s = R.choice(first) if first else R.choice(string.digits)
    return (s + "".join(R.choice(string.digits) for _ in range(n - 1)))[:n]


def alnum(n, chars=string.ascii_uppercase + string.digits):
    return "".join(R.choice(chars) for _ in range(n))


def pick(*xs):
    return R.choice(xs)


def wpick(pairs):
    """pairs: [(weight, value)]"""
    tot = sum(w for w, _ in pairs)
    x = R.uniform(0, tot)
    for w, v in pairs:
        x -= w
        if x <= 0:
            return v
    return pairs[-1][1]


# ---------------------------------------------------------------- checksums

def gs1_check(body):
    tot = 0
    for i, ch in enumerate(reversed(body)):
        tot += int(ch) * (3 if i % 2 == 0 else 1)
    return str((10 - tot % 10) % 10)


# ---------------------------------------------------------------- cards

CARD_PREFIX = {
    "visa": (lambda: "4", [16]),
    "mc": (lambda: pick(str(R.randint(51, 55)), str(R.randint(2221, 2720))), [16]),
    "amex": (lambda: pick("34", "37"), [15]),
    "disc": (lambda: pick("6011", str(R.randint(644, 649)), "65"), [16]),
    "jcb": (lambda: str(R.randint(3528, 3589)), [16]),
    "diners": (lambda: pick("36", "300", "301", "305", "38"), [14]),
    "unionpay": (lambda: pick("62", "6222", "6228", "6212", "6259"), [16, 19]),
}
TEST_CARDS = ["4111111111111111", "5555555555554444", "378282246310005", "4242424242424242",
              "6011111111111117", "3530111333300000", "4012888888881881", "5105105105105100",
              "371449635398431", "4000056655665556"]


def card_digits(brand):
    pre, lens = CARD_PREFIX[brand]
    p = pre()
    n = R.choice(lens)
    return luhn_complete(p + dg(n - len(p) - 1))


def card_groups(d):
    n = len(d)
    if n == 15:
        return [d[:4], d[4:10], d[10:]]
    if n == 14:
        return [d[:4], d[4:10], d[10:]]
    if n == 19:
        return [d[:4], d[4:8], d[8:12], d[12:16], d[16:]]
    return [d[i:i + 4] for i in range(0, n, 4)]


def card(args, lang):
    brand = None
    fmt = None
    for a in args:
        if a in CARD_PREFIX:
            brand = a
        elif a == "test":
            brand = "test"
        elif a in ("c", "g", "d"):
            fmt = a
    if brand is None:
        brand = wpick([(40, "visa"), (30, "mc"), (10, "amex"), (5, "disc"), (4, "jcb"),
                       (2, "diners"), (4 if lang != "zh" else 60, "unionpay"), (5, "test")])
    d = R.choice(TEST_CARDS) if brand == "test" else card_digits(brand)
    if fmt is None:
        fmt = wpick([(35, "c"), (45, "g"), (20, "d")])
    if fmt == "c":
        return d
    return (" " if fmt == "g" else "-").join(card_groups(d))


def masked_card():
    d = card_digits(pick("visa", "mc", "mc", "amex"))
    last4 = d[-4:]
    return pick(f"**** **** **** {last4}", f"XXXX XXXX XXXX {last4}",
                f"xxxx-xxxx-xxxx-{last4}", "*" * (len(d) - 4) + last4,
                d[:6] + "*" * (len(d) - 10) + last4, f"{d[:4]} {d[4:6]}** **** {last4}",
                d[:6] + "X" * (len(d) - 10) + last4, f"•••• {last4}")


# ---------------------------------------------------------------- IBAN

def _ccc(s):
    w = [1, 2, 4, 8, 5, 10, 9, 7, 3, 6]
    r = 11 - sum(int(c) * x for c, x in zip(s, w)) % 11
    return str({11: 0, 10: 1}.get(r, r))


def _cin(abi, cab, conto):
    odd = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25,
           24, 23]
    s = abi + cab + conto
    tot = 0
    for i, c in enumerate(s):
        v = int(c) if c.isdigit() else ord(c) - 65
        tot += odd[v] if i % 2 == 0 else v
    return chr(65 + tot % 26)


def _nl_acct():
    while True:
        a = dg(10, "0123456789")
        if sum(int(c) * (10 - i) for i, c in enumerate(a)) % 11 == 0 and a != "0" * 10:
            return a


def bban(cc):
    if cc == "DE":
        return pick("37040044", "50010517", "10020030", "70150000", "20041155", "12030000",
                    "76050101", "60050101", "43060967", "50070010") + dg(10)
    if cc == "AT":
        return pick("19043", "20111", "12000", "32000", "14000") + dg(11)
    if cc == "CH":
        return pick("00762", "00700", "00235", "08390", "80808") + dg(12)
    if cc == "FR":
        bank, guichet, compte = dg(5, "123"), dg(5), dg(11)
        key = 97 - (89 * int(bank) + 15 * int(guichet) + 3 * int(compte)) % 97
        return f"{bank}{guichet}{compte}{key:02d}"
    if cc == "ES":
        bank, branch, acct = pick("2100", "0049", "0182", "2038", "0081", "0075"), dg(4), dg(10)
        return bank + branch + _ccc("00" + bank + branch) + _ccc(acct) + acct
    if cc == "IT":
        abi, cab, conto = pick("03069", "02008", "05034", "01030"), dg(5), dg(12)
        return _cin(abi, cab, conto) + abi + cab + conto
    if cc == "NL":
        return pick("ABNA", "INGB", "RABO", "SNSB", "TRIO") + _nl_acct()
    if cc == "BE":
        first = dg(10, "0123456789")
        chk = int(first) % 97 or 97
        return f"{first}{chk:02d}"
    if cc == "GB":
        return pick("NWBK", "BARC", "LOYD", "HBUK", "MIDL", "WEST") + dg(6) + dg(8)
    if cc == "IE":
        return pick("AIBK", "BOFI", "IPBS") + dg(6) + dg(8)
    if cc == "PL":
        return dg(24)
    if cc == "GR":
        return pick("011", "014", "017", "026") + dg(4) + dg(16)
    if cc == "LU":
        return pick("001", "002", "019", "141") + dg(13)
    if cc == "SE":
        return dg(20)
    if cc == "DK":
        return dg(14)
    if cc == "FI":
        return dg(14)
    if cc == "CZ":
        return pick("0800", "0100", "2010") + dg(16)
    if cc == "CY":
        return dg(8) + dg(16)
    if cc == "AE":
        return dg(19)
    if cc == "SA":
        return dg(2) + dg(18)
    raise KeyError(cc)


IBAN_LEN = {"DE": 22, "AT": 20, "CH": 21, "FR": 27, "ES": 24, "IT": 27, "NL": 18, "BE": 16,
            "GB": 22, "IE": 22, "PL": 28, "GR": 27, "LU": 20, "SE": 24, "DK": 18, "FI": 18,
            "CZ": 24, "CY": 28, "AE": 23, "SA": 24, "PT": 25, "NO": 15, "HU": 28, "RO": 24,
            "MT": 31, "HR": 21, "SI": 19, "SK": 24, "LT": 20, "LV": 21, "EE": 20, "TR": 26,
            "BG": 22, "IS": 26, "LI": 21, "MC": 27, "SM": 27, "GI": 23, "RS": 22, "UA": 29,
            "QA": 29, "KW": 30, "BH": 22, "IL": 23, "JO": 30, "MU": 30, "BR": 29, "RU": 33}
IBAN_BY_LANG = {
    "en": [(40, "GB"), (15, "DE"), (10, "IE"), (8, "NL"), (7, "FR"), (5, "ES"), (5, "CH"),
           (4, "BE"), (3, "AE"), (3, "SA")],
    "de": [(55, "DE"), (15, "AT"), (12, "CH"), (5, "NL"), (5, "LU"), (4, "FR"), (4, "PL")],
    "fr": [(55, "FR"), (12, "BE"), (10, "LU"), (8, "CH"), (8, "DE"), (7, "ES")],
    "es": [(60, "ES"), (10, "FR"), (10, "DE"), (8, "IT"), (6, "GB"), (6, "NL")],
    "el": [(55, "GR"), (15, "CY"), (15, "DE"), (15, "GB")],
    "ru": [(30, "DE"), (20, "CY"), (15, "CH"), (15, "GB"), (10, "AE"), (10, "CZ")],
    "ja": [(30, "GB"), (30, "DE"), (15, "FR"), (15, "NL"), (10, "CH")],
    "zh": [(30, "GB"), (30, "DE"), (15, "FR"), (15, "IT"), (10, "NL")],
}
WELL_KNOWN_IBANS = ["DE89370400440532013000", "GB29NWBK60161331926819", "GB82WEST12345698765432",
                    "FR1420041010050500013M02606", "ES9121000418450200051332",
                    "NL91ABNA0417164300", "CH9300762011623852957", "BE68539007547034",
                    "AT611904300234573201", "IT60X0542811101000000123456"]


def iban_compact(cc):
    b = bban(cc)
    chk = 98 - mod97(b + cc + "00")
    out = f"{cc}{chk:02d}{b}"
    assert len(out) == IBAN_LEN[cc], (cc, out)
    return out


def paper(s):
    return " ".join(s[i:i + 4] for i in range(0, len(s), 4))


def iban(args, lang):
    cc = next((a for a in args if len(a) == 2 and a.isupper()), None)
    fmt = next((a for a in args if a in ("g", "c", "l", "lg")), None)
    if cc is None and R.random() < 0.04:
        s = R.choice(WELL_KNOWN_IBANS)
    else:
        s = iban_compact(cc or wpick(IBAN_BY_LANG[lang]))
    if fmt is None:
        fmt = wpick([(50, "g"), (36, "c"), (10, "l"), (4, "lg")])
    if fmt == "g":
        return paper(s)
    if fmt == "c":
        return s
    if fmt == "l":
        return s.lower()
    return paper(s).lower()


def iban_valid(s):
    u = re.sub(r"[\s\u00a0]", "", s).upper()
    if not u.isalnum():
        return False
    cc = u[:2]
    return IBAN_LEN.get(cc) == len(u) and u[2:4].isdigit() and mod97(u[4:] + u[:4]) == 1


# ---------------------------------------------------------------- SSN / NINO

def ssn_parts():
    while True:
        area = R.randint(1, 899)
        if area == 666:
            continue
        a, g, s = f"{area:03d}", f"{R.randint(1, 99):02d}", f"{R.randint(1, 9999):04d}"
        if f"{a}-{g}-{s}" in ("078-05-1120", "219-09-9999", "457-55-5462", "123-45-6789"):
            continue
        return a, g, s


def ssn(args, lang):
    a, g, s = ssn_parts()
    fmt = args[0] if args else "d"
    if fmt == "any":
        fmt = wpick([(50, "d"), (25, "sp"), (25, "c")])
    return {"d": f"{a}-{g}-{s}", "sp": f"{a} {g} {s}", "c": f"{a}{g}{s}"}[fmt]


def ssn_valid(s):
    d = re.sub(r"\D", "", s)
    return (len(d) == 9 and d[:3] not in ("000", "666") and int(d[:3]) < 900
            and d[3:5] != "00" and d[5:] != "0000")


NINO_A = "ABCEGHJKLMNOPRSTWXYZ"
NINO_B = "ABCEGHJKLMNPRSTWXYZ"
NINO_BAD = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


def nino_parts():
    while True:
        p = R.choice(NINO_A) + R.choice(NINO_B)
        if p not in NINO_BAD:
            return p, dg(6), R.choice("ABCD")


def nino(args, lang):
    p, n, s = nino_parts()
    fmt = args[0] if args else wpick([(50, "c"), (35, "p"), (15, "b")])
    return {"c": f"{p}{n}{s}", "p": f"{p} {n[:2]} {n[2:4]} {n[4:]} {s}",
            "b": f"{p} {n} {s}"}[fmt]


def nino_valid(s):
    s = s.replace(" ", "")
    return (len(s) == 9 and s[0] in NINO_A and s[1] in NINO_B and s[:2] not in NINO_BAD
            and s[2:8].isdigit() and s[8] in "ABCD")


# ---------------------------------------------------------------- people, e-mail

NAMES = {
    "en": [("Sarah Mitchell", "sarah", "mitchell"), ("James O'Connor", "james", "oconnor"),
           ("Priya Patel", "priya", "patel"), ("Michael Chen", "michael", "chen"),
           ("Emma Thompson", "emma", "thompson"), ("David Okafor", "david", "okafor"),
           ("Laura Bennett", "laura", "bennett"), ("Tom Hughes", "tom", "hughes"),
           ("Rachel Green", "rachel", "green"), ("Daniel Walsh", "daniel", "walsh"),
           ("Aisha Khan", "aisha", "khan"), ("Robert Diaz", "robert", "diaz"),
           ("Karen Fletcher", "karen", "fletcher"), ("Mark Sullivan", "mark", "sullivan")],
    "de": [("Anna Schmidt", "anna", "schmidt"), ("Jürgen Müller", "juergen", "mueller"),
           ("Katrin Weber", "katrin", "weber"), ("Stefan Hoffmann", "stefan", "hoffmann"),
           ("Sabine Krüger", "sabine", "krueger"), ("Thomas Becker", "thomas", "becker"),
           ("Monika Schäfer", "monika", "schaefer"), ("Lukas Wagner", "lukas", "wagner"),
           ("Petra Neumann", "petra", "neumann"), ("Florian Groß", "florian", "gross")],
    "fr": [("Camille Dubois", "camille", "dubois"), ("Julien Moreau", "julien", "moreau"),
           ("Élodie Lefèvre", "elodie", "lefevre"), ("Nicolas Girard", "nicolas", "girard"),
           ("Sophie Bernard", "sophie", "bernard"), ("François Petit", "francois", "petit"),
           ("Isabelle Roux", "isabelle", "roux"), ("Antoine Lambert", "antoine", "lambert")],
    "es": [("Lucía Fernández", "lucia", "fernandez"), ("Javier García", "javier", "garcia"),
           ("María López", "maria", "lopez"), ("Carlos Martínez", "carlos", "martinez"),
           ("Ana Sánchez", "ana", "sanchez"), ("Pablo Ruiz", "pablo", "ruiz"),
           ("Elena Torres", "elena", "torres"), ("Diego Ramírez", "diego", "ramirez")],
    "el": [("Γιώργος Παπαδόπουλος", "georgios", "papadopoulos"),
           ("Μαρία Κωνσταντίνου", "maria", "konstantinou"),
           ("Νίκος Γεωργίου", "nikos", "georgiou"), ("Ελένη Δημητρίου", "eleni", "dimitriou"),
           ("Κώστας Αλεξίου", "kostas", "alexiou")],
    "ru": [("Иван Петров", "ivan", "petrov"), ("Анна Смирнова", "anna", "smirnova"),
           ("Дмитрий Кузнецов", "dmitry", "kuznetsov"), ("Елена Попова", "elena", "popova"),
           ("Сергей Волков", "sergey", "volkov")],
    "ja": [("田中 太郎", "taro", "tanaka"), ("鈴木 花子", "hanako", "suzuki"),
           ("佐藤 健", "ken", "sato"), ("高橋 美咲", "misaki", "takahashi"),
           ("伊藤 直樹", "naoki", "ito")],
    "zh": [("王伟", "wei", "wang"), ("李娜", "na", "li"), ("张磊", "lei", "zhang"),
           ("刘洋", "yang", "liu"), ("陈静", "jing", "chen")],
}
DOMAINS = {
    "en": ["contoso.com", "fabrikam.co.uk", "northwind-traders.com", "acme-logistics.com",
           "globex.io", "initech.net", "example.org", "wingtiptoys.com", "mail.tailspin.co.uk",
           "harbourfreight.com.au", "lawfirm-llp.co.uk", "stmarys-hospital.nhs.uk", "gmail.com",
           "outlook.com"],
    "de": ["firma.de", "beispiel-gmbh.de", "mueller-bau.de", "logistik-nord.de",
           "kanzlei-schmidt.de", "praxis-weber.de", "beispiel.at", "beispiel.ch", "web.de",
           "gmx.de", "t-online.de"],
    "fr": ["societe.fr", "exemple.fr", "cabinet-martin.fr", "transports-durand.fr",
           "groupe-leroy.com", "exemple.be", "orange.fr", "laposte.net"],
    "es": ["empresa.es", "ejemplo.com", "asesoria-garcia.es", "transportes-lopez.es",
           "ejemplo.com.mx", "telefonica.net", "hotmail.es"],
    "el": ["example.gr", "etaireia.gr", "nautilia.com.gr", "otenet.gr"],
    "ru": ["firma.ru", "primer.ru", "logistika.com.ru", "yandex.ru", "mail.ru"],
    "ja": ["example.co.jp", "kaisha.jp", "shoji.co.jp", "docomo.ne.jp"],
    "zh": ["example.com.cn", "gongsi.cn", "maoyi.com.cn", "163.com", "qq.com"],
}
ROLES = ["accounts.payable", "ap", "payroll", "billing", "invoices", "noreply", "it-support",
         "claims", "service", "treasury", "hr", "logistics", "dispatch", "helpdesk", "finance",
         "remittance", "credit-control", "support+billing"]
ROLES_LANG = {"de": ["buchhaltung", "rechnungen", "lohnbuero", "disposition", "kundenservice"],
              "fr": ["comptabilite", "facturation", "paie", "sav", "recouvrement"],
              "es": ["facturacion", "contabilidad", "nominas", "atencion.cliente", "cobros"]}


def person(lang):
    return R.choice(NAMES[lang])


def email_for(p, lang, role=False):
    dom = R.choice(DOMAINS[lang] if R.random() < 0.85 else DOMAINS["en"])
    if role:
        local = R.choice(ROLES + ROLES_LANG.get(lang, []))
    else:
        f, l = p[1], p[2]
        local = wpick([(40, f"{f}.{l}"), (15, f"{f[0]}.{l}"), (10, f"{f}{l[0]}"),
                       (8, f"{f}_{l}"), (8, l), (6, f"{f}.{l}{R.randint(1, 99)}"),
                       (5, f"{l}.{f}"), (4, f"{f}.{l}+invoices"), (4, f"{f[0]}{l}")])
    if R.random() < 0.08:
        local = ".".join(w.capitalize() for w in local.split("."))
    return f"{local}@{dom}"


EMAIL_RE = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")


# ---------------------------------------------------------------- phones

def _sub(n):
    return dg(n, "23456789")


def phone(args, lang):
    cc = next((a for a in args if a in PHONE_CC), None)
    mode = next((a for a in args if a in ("intl", "nat", "any", "mob", "tel")), "intl")
    land = "land" in args
    if cc is None:
        cc = LANG_CC[lang] if R.random() < 0.8 else R.choice(["us", "uk", "de", "fr", "es",
                                                              "eu"])
        if cc == "uk" and lang == "en" and R.random() < 0.5:
            cc = "us"
    mob = mode == "mob" or (not land and R.random() < 0.3)
    if mode in ("mob", "any"):
        mode = pick("intl", "nat")
    if cc != LANG_CC[lang] and not (lang == "en" and cc == "us") and mode == "nat":
        mode = "intl"  # a foreign number in national form would be ambiguous
    return PHONE_CC[cc](mode, mob)


US_AREAS = ["212", "312", "415", "617", "646", "702", "213", "305", "404", "512", "206", "303",
            "720", "917", "248", "610", "919", "347", "469", "971"]


def ph_us(mode, mob):
    a, e, l = R.choice(US_AREAS), _sub(3), dg(4)
    while e.endswith("11") or e == "555":
        e = _sub(3)
    if mode == "tel":
        return f"+1{a}{e}{l}"
    if mode == "intl":
        return pick(f"+1 {a} {e} {l}", f"+1 ({a}) {e}-{l}", f"+1-{a}-{e}-{l}",
                    f"+1 {a}-{e}-{l}", f"+1.{a}.{e}.{l}")
    return pick(f"({a}) {e}-{l}", f"{a}-{e}-{l}", f"{a}.{e}.{l}", f"1-{a}-{e}-{l}",
                f"({a}) {e}-{l}", f"1 ({a}) {e}-{l}", f"1-{pick('800', '888', '877')}-{e}-{l}")


def ph_uk(mode, mob):
    if mob:
        n = "7" + pick("4", "5", "7", "8", "9") + dg(8)
        intl, nat = f"{n[:4]} {n[4:]}", f"0{n[:4]} {n[4:]}"
        if mode == "tel":
            return f"+44{n}"
        return pick(f"+44 {intl}", f"+44 (0){intl}", f"0044 {intl}") if mode == "intl" else nat
    area, rest = pick(("20", pick("7", "3", "8") + dg(7)), ("161", _sub(7)), ("121", _sub(7)),
                      ("113", _sub(7)), ("131", _sub(7)), ("117", _sub(7)), ("1632", dg(6, "9")),
                      ("1223", _sub(6)), ("800", _sub(7)))
    if len(rest) == 8:
        r = f"{rest[:4]} {rest[4:]}"
    elif len(rest) == 7:
        r = f"{rest[:3]} {rest[3:]}"
    else:
        r = rest
    if mode == "tel":
        return f"+44{area}{rest}"
    if mode == "intl":
        return pick(f"+44 {area} {r}", f"+44 (0){area} {r}", f"+44 (0) {area} {r}",
                    f"0044 {area} {r}")
    return pick(f"0{area} {r}", f"(0{area}) {r}", f"0{area} {r}")


def ph_de(mode, mob):
    if mob:
        p = pick("151", "152", "157", "160", "162", "170", "171", "172", "176")
        s = dg(8 if p in ("151", "152", "157", "176") else R.choice([7, 8]), "123456789")
    else:
        p = pick("30", "40", "89", "69", "221", "211", "711", "911", "351", "341", "421")
        s = _sub(8 if len(p) == 2 else 7)
        if R.random() < 0.15:
            s = s[:-2] + "-" + pick("0", "0", "12", "245")
    if mode == "tel":
        return f"+49{p}{s}".replace("-", "")
    if mode == "intl":
        return pick(f"+49 {p} {s}", f"+49 (0){p} {s}", f"+49 (0) {p} {s}", f"0049 {p} {s}",
                    f"+49 {p} {s}", f"+49-{p}-{s}")
    if "-" not in s and len(s) == 7 and R.random() < 0.3:
        s = f"{s[:3]} {s[3:5]} {s[5:]}"
    return pick(f"0{p} {s}", f"0{p}/{s}", f"(0{p}) {s}", f"0{p} {s}", f"0{p} / {s}")


def ph_fr(mode, mob):
    first = pick("6", "7") if mob else pick("1", "2", "3", "4", "5", "9")
    d = first + dg(8, "123456789")
    pairs = " ".join(d[i:i + 2] for i in range(1, 9, 2))
    if mode == "tel":
        return f"+33{d}"
    if mode == "intl":
        return pick(f"+33 {first} {pairs}", f"+33 (0){first} {pairs}", f"0033 {first} {pairs}",
                    f"+33 {first} {pairs}")
    return pick(f"0{first} {pairs}", f"0{first}.{pairs.replace(' ', '.')}", f"0{first} {pairs}",
                f"0{first}-{pairs.replace(' ', '-')}")


def ph_es(mode, mob):
    d = (pick("6", "7") + dg(8)) if mob else (pick("91", "93", "96", "95", "94", "98") + dg(7))
    fmts = [f"{d[:3]} {d[3:6]} {d[6:]}", f"{d[:3]} {d[3:5]} {d[5:7]} {d[7:]}"]
    if not mob:
        fmts.append(f"{d[:2]} {d[2:5]} {d[5:7]} {d[7:]}")
    f = R.choice(fmts)
    if mode == "tel":
        return f"+34{d}"
    if mode == "intl":
        return pick(f"+34 {f}", f"(+34) {f}", f"0034 {f}", f"+34 {f}")
    return f


def ph_gr(mode, mob):
    if mob:
        d = "69" + pick("3", "4", "5", "7", "8", "9") + dg(7)
        f = pick(f"{d[:3]} {d[3:6]} {d[6:]}", f"{d[:3]} {d[3:]}", d)
    else:
        a = pick("210", "210", "2310", "2610", "2810")
        d = a + _sub(10 - len(a))
        f = pick(f"{a} {d[len(a):]}", d) if len(a) == 4 else pick(
            f"{d[:3]} {d[3:6]} {d[6:]}", f"{d[:3]} {d[3:]}", d)
    if mode == "tel":
        return f"+30{d}"
    if mode == "intl":
        return pick(f"+30 {f}", f"0030 {f}", f"+30 {f}")
    return f


def ph_ru(mode, mob):
    a = pick("916", "903", "925", "985", "926") if mob else pick("495", "499", "812", "343",
                                                                 "383")
    n = _sub(7)
    f = pick(f"{n[:3]}-{n[3:5]}-{n[5:]}", f"{n[:3]} {n[3:5]} {n[5:]}", f"{n[:3]}-{n[3:5]}-{n[5:]}")
    if mode == "tel":
        return f"+7{a}{n}"
    if mode == "intl":
        return pick(f"+7 ({a}) {f}", f"+7 {a} {f}", f"+7-{a}-{f.replace(' ', '-')}",
                    f"+7 ({a}) {f}")
    return pick(f"8 ({a}) {f}", f"8 {a} {f}", f"8-{a}-{n[:3]}-{n[3:5]}-{n[5:]}")


def ph_jp(mode, mob):
    if mob:
        a, b, c = pick("90", "80", "70"), dg(4, "123456789"), dg(4)
    else:
        a = pick("3", "6", "45", "52", "92", "11")
        b = dg(4 if len(a) == 1 else 3, "23456789")
        c = dg(4)
    if mode == "tel":
        return f"+81{a}{b}{c}"
    if mode == "intl":
        return pick(f"+81 {a}-{b}-{c}", f"+81-{a}-{b}-{c}", f"+81 {a} {b} {c}")
    return pick(f"0{a}-{b}-{c}", f"(0{a}) {b}-{c}", f"0{a}-{b}-{c}",
                f"0120-{dg(3, '123456789')}-{dg(3)}" if not mob else f"0{a}-{b}-{c}")


def ph_cn(mode, mob):
    if mob:
        d = pick("138", "139", "186", "135", "159", "177") + dg(8)
        f = pick(f"{d[:3]} {d[3:7]} {d[7:]}", d, f"{d[:3]}-{d[3:7]}-{d[7:]}")
        if mode == "tel":
            return f"+86{d}"
        return pick(f"+86 {f}", f"+86-{d}", f"(+86) {f}") if mode == "intl" else f
    a = pick("10", "21", "20", "755", "571")
    n = _sub(8)
    f = pick(f"{n[:4]} {n[4:]}", n, f"{n[:4]}-{n[4:]}") if len(n) == 8 else pick(
        f"{n[:3]} {n[3:]}", n)
    if mode == "tel":
        return f"+86{a}{n}"
    if mode == "intl":
        return pick(f"+86 {a} {f}", f"+86-{a}-{n}", f"+86 ({a}) {f}")
    return pick(f"0{a}-{f}", f"(0{a}) {f}", f"0{a}-{n}")


def ph_eu(mode, mob):
    return pick(f"+31 20 {_sub(3)} {dg(4)}", f"+32 2 {_sub(3)} {dg(2)} {dg(2)}",
                f"+41 44 {_sub(3)} {dg(2)} {dg(2)}", f"+43 1 {_sub(3)} {dg(4)}",
                f"+39 02 {_sub(4)} {dg(4)}", f"+353 1 {_sub(3)} {dg(4)}",
                f"+48 22 {_sub(3)} {dg(2)} {dg(2)}", f"+46 8 {_sub(3)} {dg(3)} {dg(2)}",
                f"+45 {_sub(2)} {dg(2)} {dg(2)} {dg(2)}", f"+351 21 {_sub(3)} {dg(4)}")


CC_CODE = {"us": "1", "uk": "44", "de": "49", "fr": "33", "es": "34", "gr": "30", "ru": "7",
           "jp": "81", "cn": "86"}


def e164(v, cc):
    """The tel: URI form of a displayed number (what HTML signatures link)."""
    d = re.sub(r"\D", "", v)
    if v.startswith("+"):
        return "+" + d
    if d.startswith("00"):
        return "+" + d[2:]
    if cc == "us":
        return "+" + (d if d.startswith("1") else "1" + d)
    if cc == "ru":
        return "+7" + d[1:]
    if cc in ("es", "gr"):
        return f"+{CC_CODE[cc]}{d}"
    return f"+{CC_CODE[cc]}{d[1:]}"


PHONE_CC = {"us": ph_us, "uk": ph_uk, "de": ph_de, "fr": ph_fr, "es": ph_es, "gr": ph_gr,
            "ru": ph_ru, "jp": ph_jp, "cn": ph_cn, "eu": ph_eu}
LANG_CC = {"en": "uk", "de": "de", "fr": "fr", "es": "es", "el": "gr", "ru": "ru", "ja": "jp",
           "zh": "cn"}


# ---------------------------------------------------------------- look-alikes
# Each returns text that a careful analyst would NOT mark as any of the six
# types. Where a scheme has a check digit it is computed, so the values are
# what real systems print.

MONTHS = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
    "de": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
           "Oktober", "November", "Dezember"],
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre"],
    "es": ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre"],
}


def date(lang, lo=2023, hi=2025):
    y, m, d = R.randint(lo, hi), R.randint(1, 12), R.randint(1, 28)
    if lang == "en":
        return pick(f"{MONTHS['en'][m - 1]} {d}, {y}", f"{d} {MONTHS['en'][m - 1]} {y}",
                    f"{m:02d}/{d:02d}/{y}", f"{y}-{m:02d}-{d:02d}", f"{d:02d}/{m:02d}/{y}",
                    f"{d} {MONTHS['en'][m - 1][:3]} {y}")
    if lang == "de":
        return pick(f"{d:02d}.{m:02d}.{y}", f"{d}. {MONTHS['de'][m - 1]} {y}",
                    f"{d:02d}.{m:02d}.{y % 100:02d}", f"{y}-{m:02d}-{d:02d}")
    if lang == "fr":
        return pick(f"{d:02d}/{m:02d}/{y}", f"{d} {MONTHS['fr'][m - 1]} {y}",
                    f"{d:02d}.{m:02d}.{y}")
    if lang == "es":
        return pick(f"{d:02d}/{m:02d}/{y}", f"{d} de {MONTHS['es'][m - 1]} de {y}",
                    f"{d:02d}-{m:02d}-{y}")
    if lang in ("el", "ru"):
        return pick(f"{d:02d}/{m:02d}/{y}", f"{d:02d}.{m:02d}.{y}", f"{d:02d}.{m:02d}.{y}")
    if lang == "ja":
        return pick(f"{y}年{m}月{d}日", f"{y}/{m:02d}/{d:02d}", f"{y}年{m:02d}月{d:02d}日")
    return pick(f"{y}年{m}月{d}日", f"{y}-{m:02d}-{d:02d}", f"{y}/{m:02d}/{d:02d}")


def dob(lang):
    return date(lang, 1955, 2001)


def time_(lang):
    h, m = R.randint(7, 19), pick(0, 15, 30, 45, R.randint(0, 59))
    return f"{h:02d}:{m:02d}" if lang != "en" or R.random() < 0.6 else \
        f"{(h - 1) % 12 + 1}:{m:02d} {'am' if h < 12 else 'pm'}"


def _num(lang, v, cents=True):
    s = f"{v:,.2f}" if cents else f"{int(v):,}"
    if lang in ("de", "es", "el", "it"):
        return s.replace(",", "X").replace(".", ",").replace("X", ".")
    if lang in ("fr", "ru"):
        return s.replace(",", "\u202f" if R.random() < 0.3 else " ").replace(".", ",")
    return s


def amt(lang):
    v = R.choice([R.uniform(10, 999), R.uniform(1000, 99999), R.uniform(100000, 2500000)])
    v = round(v, 2)
    n = _num(lang, v)
    if lang == "en":
        return pick(f"${n}", f"USD {n}", f"£{n}", f"EUR {n}", f"GBP {n}", f"€{n}")
    if lang in ("de", "es", "el"):
        return pick(f"{n} EUR", f"{n} €", f"EUR {n}", f"{n} €")
    if lang == "fr":
        return pick(f"{n} €", f"{n} EUR", f"{n} €")
    if lang == "ru":
        return pick(f"{n} руб.", f"{n} ₽", f"{n} EUR", f"USD {_num('en', v)}")
    if lang == "ja":
        return pick(f"{_num('en', v, False)}円", f"¥{_num('en', v, False)}",
                    f"USD {_num('en', v)}")
    return pick(f"¥{_num('en', v)}", f"人民币{_num('en', v)}元", f"USD {_num('en', v)}")


def amtplain(lang):
    return f"{R.uniform(10, 99999):.2f}"


def order(lang):
    return pick(f"ORD-{R.randint(2023, 2025)}-{dg(6)}", f"#{dg(9, '123456789')}",
                f"SO-{dg(6)}", f"{dg(8, '123456789')}", f"A{dg(7)}", f"WEB-{dg(5)}-{dg(2)}")


def order16(lang):
    """A 16-digit order number in four groups, never Luhn-valid."""
    while True:
        d = dg(16, "123456789")
        if not luhn_ok(d):
            return " ".join(d[i:i + 4] for i in range(0, 16, 4))


def inv(lang):
    y = R.randint(2023, 2025)
    return {"de": pick(f"RE-{y}-{dg(5)}", f"R{y % 100}{dg(6)}", f"{dg(8, '123456789')}"),
            "fr": pick(f"F{y}-{dg(5)}", f"FA-{y}-{dg(4)}", f"FAC{dg(7)}"),
            "es": pick(f"FAC-{y}/{dg(4)}", f"F{y}-{dg(5)}", f"A-{dg(6)}")}.get(
        lang, pick(f"INV-{y}-{dg(5)}", f"INV{dg(7)}", f"{dg(8, '123456789')}", f"SI-{dg(6)}"))


def po(lang):
    return pick(f"4500{dg(6)}", f"PO-{dg(5)}", f"PO{dg(8)}", f"4700{dg(6)}")


def vendor(lang):
    return pick(f"{dg(6, '123456789')}", f"V-{dg(6)}", f"K{dg(5)}")


def cust(lang):
    return pick(f"{dg(8, '123456789')}", f"C-{dg(6)}", f"KD{dg(6)}")


def sapdoc(lang):
    return pick("51", "19", "15", "20") + dg(8)


def ups(lang):
    return "1Z" + alnum(6) + pick("01", "02", "03", "12") + dg(8)


def fedex(lang):
    d = dg(12, "4567")
    return pick(d, f"{d[:4]} {d[4:8]} {d[8:]}")


def usps(lang):
    body = pick("9400", "9205", "9361", "9270") + dg(17)
    d = body + gs1_check(body)
    return " ".join(d[i:i + 4] for i in range(0, 22, 4))


def dhl(lang):
    return pick(dg(10, "123456789"), f"JJD{dg(18)}", f"00340434{dg(12)}")


def sf(lang):
    return "SF" + dg(13, "1234")


ISO6346 = {c: v for c, v in zip(string.ascii_uppercase,
                               [10, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 23, 24, 25, 26, 27,
                                28, 29, 30, 31, 32, 34, 35, 36, 37, 38])}


def container(lang):
    owner = pick("MSCU", "MSKU", "MAEU", "CMAU", "HLXU", "TGHU", "OOLU", "CSQU", "TCNU")
    num = dg(6)
    vals = [ISO6346[c] for c in owner] + [int(c) for c in num]
    chk = sum(v * 2 ** i for i, v in enumerate(vals)) % 11 % 10
    return pick(f"{owner} {num} {chk}", f"{owner}{num}{chk}", f"{owner} {num}{chk}",
                f"{owner}{num}-{chk}")


def seal(lang):
    return pick(f"ML-{dg(7)}", f"SL{dg(7)}", f"{alnum(2, string.ascii_uppercase)}{dg(6)}")


def bl(lang):
    return pick(f"MAEU{dg(9, '2')}", f"HLCU{pick('HAM', 'RTM', 'SHA')}{dg(9)}",
                f"MEDU{dg(7)}", f"COSU{dg(10, '6')}")


def sscc(lang):
    body = pick("0", "1", "3") + pick("4012345", "4056789", "5012345", "0614141", "7612345") + \
        dg(9)
    d = body + gs1_check(body)
    return pick(f"(00){d}", f"(00) {d}", d, f"00{d}", f"(00) {d[0]} {d[1:8]} {d[8:17]} {d[17]}")


def gtin13(lang):
    body = pick("400", "401", "402", "500", "301", "843", "450", "690", "460", "520", "761") + \
        dg(9)
    return body + gs1_check(body)


def gtin14(lang):
    body = pick("0", "1") + gtin13(lang)[:12]
    return pick(f"(01){body + gs1_check(body)}", body + gs1_check(body),
                f"(01) {body + gs1_check(body)}")


def hs(lang):
    return pick(f"8471.30.00", f"8517.62.00.00", f"6109 10 00", f"{dg(4, '12345678')}.{dg(2)}."
                f"{dg(2)}", f"9403.60.10", f"3004.90.00")


def eori(lang):
    return pick(f"DE{dg(7)}", f"GB{dg(12)}", f"FR{dg(14)}", f"NL{dg(9)}", f"ES{alnum(1)}{dg(8)}")


def cmrn(lang):
    return f"{pick('23', '24', '25')}{pick('DE', 'NL', 'BE', 'FR', 'GB')}{alnum(13)}{dg(1)}"


def awb(lang):
    ser = dg(7)
    return f"{pick('020', '176', '125', '057', '074', '160', '618')}-{ser}{int(ser) % 7}"


def flight(lang):
    return pick(f"LH {R.randint(100, 999)}", f"BA{R.randint(10, 999)}", f"EK {R.randint(1, 99)}",
                f"AF{R.randint(1000, 1999)}", f"CX {R.randint(200, 299)}")


def dn(lang):
    return pick(f"LS-{dg(8)}", f"80{dg(6)}", f"DN{dg(7)}")


def lot(lang):
    return pick(f"L{R.randint(23, 25)}{alnum(1, 'ABCDEFG')}{dg(4)}", f"{dg(6)}-{dg(2)}",
                f"CH{dg(6)}")


def sku(lang):
    return pick(f"ART-{dg(6)}", f"{alnum(3, string.ascii_uppercase)}-{dg(4)}-{alnum(2)}",
                f"{dg(7)}")


def weight(lang):
    v = R.uniform(12, 24000)
    return pick(f"{_num(lang, v)} kg", f"{int(v)} kg", f"{_num('en', v * 2.2)} lb") \
        if lang == "en" else f"{_num(lang, v)} kg"


def ip(lang):
    return pick(f"10.{R.randint(0, 255)}.{R.randint(0, 255)}.{R.randint(1, 254)}",
                f"192.168.{R.randint(0, 255)}.{R.randint(1, 254)}",
                f"172.{R.randint(16, 31)}.{R.randint(0, 255)}.{R.randint(1, 254)}",
                f"{R.randint(11, 223)}.{R.randint(0, 255)}.{R.randint(0, 255)}.{R.randint(1, 254)}")


def ip6(lang):
    return pick(f"2001:db8:{alnum(4, '0123456789abcdef')}::{alnum(3, '0123456789abcdef')}",
                f"fe80::{alnum(4, '0123456789abcdef')}:{alnum(2, '0123456789abcdef')}ff:fe"
                f"{alnum(2, '0123456789abcdef')}:{alnum(4, '0123456789abcdef')}")


def mac(lang):
    b = [alnum(2, "0123456789ABCDEF") for _ in range(6)]
    return pick(":".join(b), "-".join(b), ":".join(b).lower(),
                f"{''.join(b[:2])}.{''.join(b[2:4])}.{''.join(b[4:])}".lower())


def ver(lang):
    return pick(f"{R.randint(1, 20)}.{R.randint(0, 30)}.{R.randint(0, 40)}",
                f"v{R.randint(1, 9)}.{R.randint(0, 30)}.{R.randint(0, 9)}",
                f"{R.randint(1, 9)}.{R.randint(0, 9)}.{R.randint(0, 9)}.{dg(4, '123456789')}",
                f"{R.randint(2019, 2024)}.{R.randint(1, 12)}.{R.randint(0, 9)}")


def winbuild(lang):
    return pick(f"22631.{dg(4, '123')}", f"19045.{dg(4, '34')}", f"20348.{dg(4, '12')}",
                f"17763.{dg(4, '45')}")


def hexerr(lang):
    return pick("0x80070005", "0xC0000005", "0x8024402C", "0x800F081F", "0x80004005",
                f"0x{alnum(8, '0123456789ABCDEF')}")


def errcode(lang):
    return pick(f"AADSTS{dg(5, '5')}", f"ORA-{dg(5, '0')}", f"E{dg(4)}", f"ERR_{dg(3)}",
                f"SQLSTATE 40001", f"errno {R.randint(1, 130)}")


def kb(lang):
    return f"KB50{dg(5)}"


def cve(lang):
    return f"CVE-{R.randint(2021, 2024)}-{dg(pick(4, 5), '123456789')}"


def serial(lang):
    return pick(f"C02{alnum(9)}", f"5CD{dg(4)}{alnum(3)}", f"PF{alnum(6)}", f"SN{dg(10)}",
                f"{alnum(3, string.ascii_uppercase)}{dg(8)}")


def svctag(lang):
    return alnum(7)


def asset(lang):
    return pick(f"AST-{dg(6)}", f"IT{dg(6)}", f"INV-HW-{dg(5)}")


def host(lang):
    return pick(f"srv-db-{dg(2)}.corp.local", f"app{dg(2)}-prod", f"ws-{dg(5)}",
                f"fra-edge-{dg(2)}.example.net", f"sap-prd-{dg(2)}")


def port(lang):
    return str(pick(22, 25, 443, 465, 587, 1433, 3306, 3389, 5432, 6379, 8080, 8443, 9092,
                    27017, R.randint(1024, 65535)))


def pid(lang):
    return str(R.randint(300, 4194303))


def epoch(lang):
    return str(R.randint(1672531200, 1735689599)) + pick("", "", dg(3))


def ts(lang):
    y, mo, d, h, mi, s = (R.randint(2023, 2025), R.randint(1, 12), R.randint(1, 28),
                          R.randint(0, 23), R.randint(0, 59), R.randint(0, 59))
    return pick(f"{y}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}Z",
                f"{y}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d},{dg(3)}",
                f"{d:02d}/{MONTHS['en'][mo - 1][:3]}/{y}:{h:02d}:{mi:02d}:{s:02d} +0000",
                f"{y}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}.{dg(6)}+01:00")


def hexs(n):
    return alnum(n, "0123456789abcdef")


def sha256(lang):
    return hexs(64)


def gitsha(lang):
    return hexs(pick(7, 8, 12, 40))


def uuid_(lang):
    return str(uuid.UUID(int=R.getrandbits(128), version=4))


def ticket(lang):
    return pick(f"INC{dg(7, '0')}", f"REQ{dg(7, '0')}", f"CHG{dg(7, '0')}",
                f"{pick('OPS', 'IT', 'FIN', 'PAY', 'SEC')}-{R.randint(100, 9999)}",
                f"#{R.randint(10000, 999999)}", f"SR {dg(1, '3')}-{dg(11)}")


def imei(lang):
    d = luhn_complete(pick("35", "86", "01", "35") + dg(12))
    return pick(d, f"{d[:2]}-{d[2:8]}-{d[8:14]}-{d[14]}")


def iccid(lang):
    return luhn_complete("89" + pick("44", "49", "33", "34", "01") + dg(14))


def claim(lang):
    return pick(f"CLM-{R.randint(2023, 2025)}-{dg(7)}", f"{dg(2)}-{dg(6)}-{dg(2)}",
                f"CL{dg(8)}", f"SIN-{dg(6)}")


def policy(lang):
    return pick(f"POL-{dg(8)}", f"{dg(8)}-{dg(2)}", f"PL{dg(2)}/{dg(6)}",
                f"{alnum(3, string.ascii_uppercase)}{dg(9)}")


def case_(lang):
    return pick(f"{R.randint(1, 4)}:{R.randint(19, 24)}-cv-{dg(5)}",
                f"Index No. {dg(6)}/{R.randint(2019, 2024)}",
                f"Claim No. {pick('KB', 'HQ', 'QB')}-{R.randint(2019, 2024)}-{dg(6)}",
                f"{R.randint(19, 24)}-{dg(4)}")


def docket(lang):
    return f"{R.randint(19, 24)}-{pick('cv', 'cr', 'bk')}-{dg(5)}"


def azde(lang):
    return pick(f"{R.randint(1, 40)} O {R.randint(1, 499)}/{R.randint(19, 24)}",
                f"{R.randint(1, 30)} U {R.randint(1, 299)}/{R.randint(19, 24)}",
                f"{R.randint(1, 9)} Ca {R.randint(100, 9999)}/{R.randint(19, 24)}")


def nhs(lang):
    while True:
        b = dg(9, "3456789")
        r = 11 - sum(int(c) * (10 - i) for i, c in enumerate(b)) % 11
        if r == 10:
            continue
        d = b + str(0 if r == 11 else r)
        return pick(f"{d[:3]} {d[3:6]} {d[6:]}", d)


def mrn(lang):
    return pick(f"{dg(8, '0')}", f"K{dg(6)}", f"RX{dg(7)}", f"MRN-{dg(7)}", f"{dg(7)}")


def npi(lang):
    body = dg(9, "12")
    d = luhn_complete("80840" + body)[5:]
    return d


def dea(lang):
    d = dg(6)
    c = (int(d[0]) + int(d[2]) + int(d[4]) + 2 * (int(d[1]) + int(d[3]) + int(d[5]))) % 10
    return f"{pick('A', 'B', 'F', 'M')}{alnum(1, string.ascii_uppercase)}{d}{c}"


def icd(lang):
    return pick("E11.9", "J45.909", "I10", "M54.5", "Z00.00", "K21.9", "F32.1", "S82.201A")


def cpt(lang):
    return pick("99213", "99214", "80053", "85025", "93000", "71046")


def ein(lang):
    return f"{pick('12', '20', '27', '36', '45', '54', '61', '74', '82', '94', '98')}-{dg(7)}"


def aba(lang):
    while True:
        d = pick("0", "1", "2", "3") + dg(7)
        w = [3, 7, 1, 3, 7, 1, 3, 7]
        c = (10 - sum(int(x) * y for x, y in zip(d, w)) % 10) % 10
        return d + str(c)


def usacct(lang):
    return dg(R.randint(9, 12), "123456789")


def sortcode(lang):
    return f"{dg(2, '12345678')}-{dg(2)}-{dg(2)}"


def ukacct(lang):
    return dg(8)


def ukvat(lang):
    d = dg(9, "1234567")
    return pick(f"GB {d[:3]} {d[3:7]} {d[7:]}", f"GB{d}", f"GB {d}")


def crn(lang):
    return pick(f"0{dg(7)}", f"SC{dg(6)}", f"{dg(8, '01')}")


def utr(lang):
    d = dg(10, "123456789")
    return pick(f"{d[:5]} {d[5:]}", d)


def payeref(lang):
    return f"{dg(3, '1234569')}/{alnum(2, string.ascii_uppercase)}{dg(5)}"


def aoref(lang):
    return f"{dg(3, '1234569')}P{alnum(1, 'ABCDEFGHJKLMNPRSTWXYZ')}{dg(8)}"


def taxcode(lang):
    return pick("1257L", "1257L M1", "1257L W1", "BR", "D0", "0T", f"K{R.randint(100, 999)}",
                "S1257L", "C1257L", "1100L", "1185L", "NT", "1257L X")


def postcode_uk(lang):
    return pick("SW1A 2AA", "EC2V 7HH", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "LS1 4AP",
                "EH1 1YZ", "BS1 5TR", "CB2 1TN", "E14 5AB", "N1 9GU", "W1D 3QF")


def zip_(lang):
    return pick(f"{dg(5, '0123456789')}", f"{dg(5)}-{dg(4)}")


def empid(lang):
    return pick(f"E{dg(6)}", f"EMP-{dg(5)}", f"{dg(6, '1')}", f"{alnum(2, string.ascii_uppercase)}"
                f"{dg(5)}")


def payrollid(lang):
    return pick(f"PR-{dg(6)}", f"{dg(7, '0')}", f"P{dg(5)}")


def batch(lang):
    return f"PB-{R.randint(2023, 2025)}{dg(4)}-{dg(2)}"


def chk(lang):
    return dg(6, "123456789")


def bic(lang):
    return pick("COBADEFFXXX", "DEUTDEFF", "BYLADEM1001", "INGDDEFFXXX", "NWBKGB2L", "BARCGB22",
                "BNPAFRPP", "CRLYFRPP", "CAIXESBB", "BBVAESMM", "INGBNL2A", "UBSWCHZH80A",
                "RZBAATWW", "ETHNGRAA", "PIRBGRAA", "SABRRUMM", "BOFAUS3N", "CHASUS33",
                "BKCHCNBJ", "MHCBJPJT", "GIBAATWWXXX", "SOGEFRPP")


def ci(lang):
    nat = pick("0", "0", "1") + dg(10)
    c = 98 - mod97(nat + "DE00")
    return f"DE{c:02d}ZZZ{nat}"


def mref(lang):
    return pick(f"M-{R.randint(2019, 2024)}-{dg(6)}", f"MNDT{dg(8)}", f"KD{dg(6)}-01",
                f"{dg(10)}")


def eref(lang):
    return pick(f"E2E-{R.randint(2023, 2025)}{dg(4)}-{dg(4)}", "NOTPROVIDED",
                f"{alnum(16)}", f"RE{dg(8)}")


def uetr(lang):
    return uuid_(lang)


def rf(lang):
    ref = dg(R.randint(8, 15))
    c = 98 - mod97(ref + "RF00")
    s = f"RF{c:02d}{ref}"
    return pick(paper(s), s)


def isin(lang):
    cc = pick("US", "DE", "FR", "GB", "NL", "ES")
    body = cc + dg(9)
    for c in string.digits:
        if luhn_ok(alnum_to_digits(body + c)):
            return body + c
    raise AssertionError


def lei(lang):
    base = pick("5299", "8156", "2138", "9695", "5493") + "00" + alnum(12)
    c = 98 - mod97(base + "00")
    return f"{base}{c:02d}"


def qrref(lang):
    body = dg(26, "0123")
    tab = [0, 9, 4, 6, 8, 2, 7, 1, 3, 5]
    carry = 0
    for ch in body:
        carry = tab[(carry + int(ch)) % 10]
    d = body + str((10 - carry) % 10)
    return f"{d[:2]} {d[2:7]} {d[7:12]} {d[12:17]} {d[17:22]} {d[22:]}"


def arn(lang):
    return luhn_complete(pick("7", "2", "7") + dg(6, "4") + dg(4) + dg(11))


def mid(lang):
    while True:
        d = dg(15, "1234589")
        if not luhn_ok(d):
            return d


def tid(lang):
    return dg(8)


def auth(lang):
    return pick(dg(6), alnum(6))


def stan(lang):
    return dg(6)


def cb(lang):
    return pick(f"CB-{R.randint(2023, 2025)}-{dg(5)}", f"DSP{dg(9)}", f"CHB{dg(7)}")


def reason(lang):
    return pick("10.4", "13.1", "4837", "4853", "4863", "13.3", "12.6.1", "F29")


def last4(lang):
    return dg(4)


def bin6(lang):
    return pick("4", "5", "5", "3") + dg(5)


def exp(lang):
    return pick(f"{R.randint(1, 12):02d}/{R.randint(25, 30)}",
                f"{R.randint(1, 12):02d}/20{R.randint(25, 30)}")


def expc(lang):
    return f"{R.randint(1, 12):02d}{R.randint(25, 30)}"


def token(lang):
    return pick(f"tok_{alnum(24, string.ascii_letters + string.digits)}",
                f"pm_{alnum(24, string.ascii_letters + string.digits)}", f"TKN-{alnum(12)}")


def txid(lang):
    return pick(f"TXN-{R.randint(2023, 2025)}{dg(4)}-{dg(6)}", dg(12, "123456789"),
                f"ch_{alnum(24, string.ascii_letters + string.digits)}")


def steuerid(lang):
    d = dg(11, "123456789")
    return pick(f"{d[:2]} {d[2:5]} {d[5:8]} {d[8:]}", d)


def svnr(lang):
    return pick(f"{dg(2, '1234')} {dg(6)} {alnum(1, string.ascii_uppercase)} {dg(3)}",
                f"{dg(2, '1234')}{dg(6)}{alnum(1, string.ascii_uppercase)}{dg(3)}")


def ustid(lang):
    d = dg(9, "123")
    return pick(f"DE{d}", f"DE {d[:3]} {d[3:6]} {d[6:]}", f"ATU{dg(8)}")


def stnr(lang):
    return pick(f"{dg(3)}/{dg(3)}/{dg(5)}", f"{dg(2)}/{dg(3)}/{dg(5)}")


def hrb(lang):
    return f"HRB {R.randint(1000, 299999)}"


def ktonr(lang):
    return dg(10, "0123456789")


def blz(lang):
    d = pick("37040044", "50010517", "10020030", "70150000", "20041155")
    return pick(d, f"{d[:3]} {d[3:6]} {d[6:]}")


def vsnr(lang):
    d = dg(10, "123456789")
    return pick(f"VS-{d}", f"{d[0]} {d[1:4]} {d[4:7]} {d[7:]}", f"{d[:2]}.{d[2:5]}.{d[5:]}")


def kvnr(lang):
    return f"{alnum(1, string.ascii_uppercase)}{dg(9)}"


def fallnr(lang):
    return dg(8, "12")


def siren_digits():
    return luhn_complete(dg(8, "3456789"))


def siren(lang):
    d = siren_digits()
    return pick(f"{d[:3]} {d[3:6]} {d[6:]}", d)


def siret(lang):
    s = siren_digits()
    d = luhn_complete(s + dg(4, "0"))
    return pick(f"{d[:3]} {d[3:6]} {d[6:9]} {d[9:]}", d), True


def tvafr(lang):
    s = siren_digits()
    k = (12 + 3 * (int(s) % 97)) % 97
    return pick(f"FR{k:02d}{s}", f"FR {k:02d} {s[:3]} {s[3:6]} {s[6:]}")


def nir(lang):
    dept = pick("75", "69", "13", "33", "59")
    b = f"{pick('1', '2')}{dg(2)}{R.randint(1, 12):02d}{dept}{dg(3)}{dg(3)}"
    k = 97 - int(b) % 97
    return pick(f"{b[0]} {b[1:3]} {b[3:5]} {b[5:7]} {b[7:10]} {b[10:13]} {k:02d}", f"{b}{k:02d}")


def dni(lang):
    n = R.randint(10000000, 99999999)
    return f"{n}{'TRWAGMYFPDXBNJZSQVHLCKE'[n % 23]}"


def nie(lang):
    p = pick("X", "Y", "Z")
    n = R.randint(1000000, 9999999)
    v = int(str("XYZ".index(p)) + str(n))
    return f"{p}{n}{'TRWAGMYFPDXBNJZSQVHLCKE'[v % 23]}"


def cif(lang):
    return f"{pick('B', 'A')}{dg(8)}"


def naf(lang):
    return pick(f"{dg(2, '0123')}/{dg(8)}/{dg(2)}", f"{dg(2, '0123')} {dg(8)} {dg(2)}")


def afm(lang):
    b = dg(8, "01")
    c = sum(int(x) * 2 ** (8 - i) for i, x in enumerate(b)) % 11 % 10
    return b + str(c)


def amka(lang):
    return luhn_complete(f"{R.randint(1, 28):02d}{R.randint(1, 12):02d}{dg(2)}{dg(4)}")


def inn(lang):
    b = dg(9, "1234567")
    w = [2, 4, 10, 3, 5, 9, 4, 6, 8]
    return b + str(sum(int(x) * y for x, y in zip(b, w)) % 11 % 10)


def kpp(lang):
    return f"{dg(4, '1234567')}01001"


def ogrn(lang):
    b = pick("1", "5") + dg(11)
    return b + str(int(b) % 11 % 10)


def rs(lang):
    return pick("40702810", "40817810", "40702978") + dg(12)


def bik(lang):
    return "04" + dg(4) + dg(3)


def snils(lang):
    while True:
        b = dg(9, "1")
        s = sum(int(x) * (9 - i) for i, x in enumerate(b))
        c = s % 101
        c = 0 if c == 100 else c
        return f"{b[:3]}-{b[3:6]}-{b[6:]} {c:02d}"


def jppost(lang):
    return f"{dg(3, '1234569')}-{dg(4)}"


def houjin(lang):
    return dg(13, "123456789")


def jpacct(lang):
    return dg(7)


def cnid(lang):
    b = pick("110105", "310104", "440305", "330106") + str(R.randint(1960, 2000)) + \
        f"{R.randint(1, 12):02d}{R.randint(1, 28):02d}" + dg(3)
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return b + "10X98765432"[sum(int(x) * y for x, y in zip(b, w)) % 11]


def uscc(lang):
    return f"91{dg(6, '1345')}{alnum(9, '0123456789ABCDEFGHJKLMNPQRTUWXY')}{alnum(1)}"


def cnacct(lang):
    d = pick("0200", "1100", "3100", "1001") + dg(15)
    return pick(d, " ".join(d[i:i + 4] for i in range(0, len(d), 4)))


def vreg(lang):
    return pick(f"{alnum(2, 'ABCDEFGHKLMNOPRSVWY')}{R.randint(10, 74)} "
                f"{alnum(3, 'ABCDEFGHJKLMNOPRSTUVWXYZ')}", f"M-{alnum(2, string.ascii_uppercase)} "
                f"{R.randint(100, 9999)}")


def vin(lang):
    return pick("WVW", "WBA", "VF1", "1HG", "JTD", "SAL") + alnum(
        14, "ABCDEFGHJKLMNPRSTUVWXYZ0123456789")


def bates(lang):
    return f"{pick('ACME', 'DEF', 'PLTF')}-{dg(7, '0')}"


def gs(lang):
    return f"GS-{R.randint(2023, 2025)}-{dg(4)}"


def runid(lang):
    return f"F110-{R.randint(2023, 2025)}{R.randint(1, 12):02d}{R.randint(1, 28):02d}-" \
           f"{pick('AP1', 'AP2', 'ZL1')}"


def pct(lang):
    return f"{R.randint(1, 30)}{pick('', '.5', ',5')} %"


def count(lang):
    return str(R.randint(2, 480))


def company(lang):
    return R.choice({
        "en": ["Contoso Ltd", "Fabrikam Inc.", "Northwind Traders", "Globex Corporation",
               "Acme Logistics LLC", "Initech plc"],
        "de": ["Müller Bau GmbH", "Beispiel AG", "Logistik Nord GmbH & Co. KG", "Weber Metall KG"],
        "fr": ["Transports Durand SAS", "Groupe Leroy SA", "Cabinet Martin SARL"],
        "es": ["Transportes López S.L.", "Asesoría García S.A.", "Distribuciones Ruiz S.L."],
        "el": ["Ναυτιλιακή Αιγαίου Α.Ε.", "Εμπορική Αθηνών Ο.Ε."],
        "ru": ["ООО «Логистика»", "АО «Промснаб»"],
        "ja": ["山田商事株式会社", "東京物流株式会社"],
        "zh": ["上海贸易有限公司", "北京物流有限公司"]}[lang])


NEG = {f.__name__.rstrip("_"): f for f in [
    date, dob, time_, amt, amtplain, order, order16, inv, po, vendor, cust, sapdoc, ups, fedex,
    usps, dhl, sf, container, seal, bl, sscc, gtin13, gtin14, hs, eori, cmrn, awb, flight, dn, lot,
    sku, weight, ip, ip6, mac, ver, winbuild, hexerr, errcode, kb, cve, serial, svctag, asset,
    host, port, pid, epoch, ts, sha256, gitsha, uuid_, ticket, imei, iccid, claim, policy, case_,
    docket, azde, nhs, mrn, npi, dea, icd, cpt, ein, aba, usacct, sortcode, ukacct, ukvat, crn,
    utr, payeref, aoref, taxcode, postcode_uk, zip_, empid, payrollid, batch, chk, bic, ci, mref,
    eref, uetr, rf, isin, lei, qrref, arn, mid, tid, auth, stan, cb, reason, last4, bin6, exp,
    expc, token, txid, steuerid, svnr, ustid, stnr, hrb, ktonr, blz, vsnr, kvnr, fallnr, siren,
    siret, tvafr, nir, dni, nie, cif, naf, afm, amka, inn, kpp, ogrn, rs, bik, snils, jppost,
    houjin, jpacct, cnid, uscc, cnacct, vreg, vin, bates, gs, runid, pct, count, company]}
NEG["masked"] = lambda lang: masked_card()
NEG["date2"] = date
NEG["amt2"] = amt
NEG["ip2"] = ip
NEG["time2"] = time_
NEG["taxcode2"] = taxcode
NEG["ver2"] = ver
NEG["hex32"] = lambda lang: hexs(32)
for _f in ("imei", "iccid"):
    NEG[_f] = (lambda g: lambda lang: (g(lang), True))(NEG[_f])


# ---------------------------------------------------------------- labelled text

class Rich:
    """Text as characters, each with a label id (0: none) and an exempt flag
    (a deliberate look-alike the checker must not reject)."""
    _next = [1]

    def __init__(self):
        self.c, self.lab, self.ex, self.types = [], [], [], {}

    def add(self, s, typ=None, exempt=False):
        lid = 0
        if typ:
            lid = Rich._next[0]
            Rich._next[0] += 1
            self.types[lid] = typ
        self.c += list(s)
        self.lab += [lid] * len(s)
        self.ex += [exempt] * len(s)
        return self

    def extend(self, other):
        self.c += other.c
        self.lab += other.lab
        self.ex += other.ex
        self.types.update(other.types)
        return self

    def text(self):
        return "".join(self.c)

    def lines(self):
        """[(start, end)] of each line, end exclusive, without the newline."""
        out, s = [], 0
        for i, ch in enumerate(self.c):
            if ch == "\n":
                out.append((s, i))
                s = i + 1
        out.append((s, len(self.c)))
        return out

    def wrap(self, width, split_ok=False):
        """Greedy wrap of every line longer than `width` at spaces outside
        labels (and, with split_ok, at the spaces inside a grouped IBAN or
        card, which then stays one label spanning the line break)."""
        for s, e in self.lines():
            start = s
            while e - start > width:
                cands = [i for i in range(start + 1, e) if self.c[i] == " " and not self.ex[i]
                         and (self.lab[i] == 0 or (split_ok and self.types[self.lab[i]] in
                                                   ("IBAN", "CREDIT_CARD")))]
                if not cands:
                    break
                inside = [i for i in cands if i - start <= width]
                j = max(inside) if inside else min(cands)
                self.c[j] = "\n"
                start = j + 1
        return self

    def prefix_lines(self, pfx):
        """Insert `pfx` at the start of every line (a quoted reply). Inside
        a label (a wrapped identifier) the prefix becomes part of its span."""
        out = Rich()
        out.types = dict(self.types)
        first = True
        for i, ch in enumerate(self.c):
            if first or self.c[i - 1] == "\n":
                lid = self.lab[i] if i and self.lab[i] == self.lab[i - 1] else 0
                out.c += list(pfx)
                out.lab += [lid] * len(pfx)
                out.ex += [False] * len(pfx)
                first = False
            out.c.append(ch)
            out.lab.append(self.lab[i])
            out.ex.append(self.ex[i])
        return out

    def crlf(self):
        out = Rich()
        out.types = dict(self.types)
        for ch, lid, ex in zip(self.c, self.lab, self.ex):
            if ch == "\n":
                out.c.append("\r")
                out.lab.append(lid)
                out.ex.append(ex)
            out.c.append(ch)
            out.lab.append(lid)
            out.ex.append(ex)
        return out

    def nbsp_in(self, typ):
        for i, ch in enumerate(self.c):
            if ch == " " and self.lab[i] and self.types[self.lab[i]] == typ:
                self.c[i] = NBSP
        return self

    def render(self):
        """(text, [[start, end, TYPE]] in UTF-8 bytes, [(start, end)] exempt chars)"""
        text = self.text()
        off = [0]
        for ch in self.c:
            off.append(off[-1] + len(ch.encode("utf-8")))
        spans, seen = [], {}
        for i, lid in enumerate(self.lab):
            if lid:
                a, b = seen.get(lid, (i, i))
                seen[lid] = (min(a, i), max(b, i))
        for lid, (a, b) in seen.items():
            assert all(x == lid for x in self.lab[a:b + 1]), "label not contiguous"
            spans.append([off[a], off[b + 1], self.types[lid]])
        spans.sort()
        return text, spans, off


SLOT_RE = re.compile(r"\{\{|\}\}|\{([A-Za-z0-9_]+)(?::([^}]*))?\}")
LABELLED = {"CARD": card, "IBAN": iban, "SSN": ssn, "NINO": nino, "PHONE": phone}


def split_one_space(s):
    """Replace one inner separator space by a line break (an identifier
    wrapped by a mail client)."""
    idx = [i for i, ch in enumerate(s) if ch == " "]
    if not idx:
        return s
    j = idx[len(idx) // 2] if len(idx) < 3 else R.choice(idx[1:-1])
    return s[:j] + "\n" + s[j + 1:]


def fill(tpl, lang, ctx=None):
    ctx = {} if ctx is None else ctx
    out = Rich()
    pos = 0
    for m in SLOT_RE.finditer(tpl):
        out.add(tpl[pos:m.start()])
        pos = m.end()
        if m.group(0) == "{{":
            out.add("{")
            continue
        if m.group(0) == "}}":
            out.add("}")
            continue
        name, args = m.group(1), (m.group(2) or "").split(",")
        args = [a for a in args if a]
        if name in LABELLED:
            v = LABELLED[name]([a for a in args if a != "split"], lang)
            if "split" in args:
                v = split_one_space(v)
            out.add(v, TYPES[name])
        elif name == "EMAIL":
            p = ctx.get("p") if "p" in args else None
            if "p" in args and p is None:
                p = ctx["p"] = person(lang)
            v = email_for(p or person(lang), lang, role="role" in args)
            out.add(v, "EMAIL")
        elif name == "name":
            ctx["p"] = p = person(lang if not args else args[0])
            out.add(p[0])
        elif name == "lastname":
            out.add(person(lang)[0].split()[-1])
        else:
            v = NEG[name](lang)
            if isinstance(v, tuple):
                out.add(v[0], exempt=True)
            else:
                out.add(v)
    out.add(tpl[pos:])
    return out


# ---------------------------------------------------------------- checker

def card_like(d):
    if not 13 <= len(d) <= 19 or not luhn_ok(d):
        return False
    return d[0] in "3456" or 2221 <= int(d[:4]) <= 2720


def _covered(spans, a, b, typ):
    return any(t == typ and s <= a and e >= b for s, e, t in spans)


def _touches(spans, a, b, typ=None):
    return any((typ is None or t == typ) and s < b and a < e for s, e, t in spans)


def check(text, spans, off, exempt_chars):
    """Raises ValueError when a label is invalid or an unlabelled stretch is
    itself a valid identifier of one of the six types."""
    raw = text.encode("utf-8")
    for s, e, t in spans:
        v = raw[s:e].decode("utf-8")
        ok = {"CREDIT_CARD": lambda: card_like(re.sub(r"\D", "", v)),
              "IBAN": lambda: iban_valid(re.sub(r"[\s>]", "", v)),
              "US_SSN": lambda: ssn_valid(v),
              "UK_NINO": lambda: nino_valid(v),
              "EMAIL": lambda: EMAIL_RE.fullmatch(v) is not None,
              "PHONE": lambda: len(re.sub(r"\D", "", v)) >= 7}[t]()
        if not ok:
            raise ValueError(f"invalid {t} label {v!r}")
    for (s1, e1, _), (s2, e2, _) in zip(spans, spans[1:]):
        if s2 < e1:
            raise ValueError("overlapping labels")

    def bspan(a, b):
        return off[a], off[b]

    def exempt(a, b):
        return any(exempt_chars[a:b])

    # card-like digit groups
    for m in re.finditer(r"\d+(?:[ \-\u00a0]\d+)*", text):
        groups = [(g.start(), g.end()) for g in re.finditer(r"\d+", m.group(0))]
        base = m.start()
        for i in range(len(groups)):
            for j in range(i, len(groups)):
                a, b = base + groups[i][0], base + groups[j][1]
                d = re.sub(r"\D", "", text[a:b])
                if len(d) > 19:
                    break
                if card_like(d):
                    bs, be = bspan(a, b)
                    if not (_covered(spans, bs, be, "CREDIT_CARD") or exempt(a, b)
                            or _touches(spans, bs, be, "PHONE")):
                        raise ValueError(f"unlabelled card-like {text[a:b]!r}")
    # IBAN-like
    for m in re.finditer(r"(?=([A-Za-z]{2}\d{2}))", text):
        a = m.start()
        if a and text[a - 1].isalnum():
            continue
        cc = text[a:a + 2].upper()
        n = IBAN_LEN.get(cc)
        if not n:
            continue
        got, k = [], a
        while k < len(text) and len(got) < n:
            ch = text[k]
            if ch.isalnum() and ch.isascii():
                got.append(ch)
            elif ch not in " \u00a0" or not (k + 1 < len(text) and text[k + 1].isalnum()):
                break
            k += 1
        if len(got) == n and iban_valid("".join(got)):
            bs, be = bspan(a, k)
            if not _covered(spans, bs, be, "IBAN"):
                raise ValueError(f"unlabelled IBAN-like {text[a:k]!r}")
    for m in re.finditer(r"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])", text):
        if ssn_valid(m.group(0)) and not _covered(spans, *bspan(m.start(), m.end()), "US_SSN"):
            raise ValueError(f"unlabelled SSN-like {m.group(0)!r}")
    for m in re.finditer(r"(?<![A-Za-z0-9])[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![A-Za-z0-9])",
                         text):
        if nino_valid(m.group(0)) and not _covered(spans, *bspan(m.start(), m.end()), "UK_NINO"):
            raise ValueError(f"unlabelled NINO-like {m.group(0)!r}")
    for m in EMAIL_RE.finditer(text):
        if not _covered(spans, *bspan(m.start(), m.end()), "EMAIL"):
            raise ValueError(f"unlabelled e-mail {m.group(0)!r}")


def finish(rich):
    text, spans, off = rich.render()
    check(text, spans, off, rich.ex)
    return text, spans


# ---------------------------------------------------------------- templates
# {TYPE[:args]} is a labelled value, {lower} a look-alike, {name} a person.
# Domains: fin (payments, banking), card (cards, chargebacks, PCI), pay (US
# payroll), payuk (UK payroll), log (logistics), it (tickets), legal
# (legal and insurance), health, contact.

EN = [
    # finance and banking
    ("fin", "Please release the payment run for {date}: {count} items, total {amt}, to IBAN {IBAN} (BIC {bic}), reference {inv}."),
    ("fin", "Remittance advice: we have paid invoice {inv} dated {date} for {amt} from account {IBAN:GB}; payment ID {uetr}."),
    ("fin", "Our bank details changed on {date}. New IBAN: {IBAN}, BIC: {bic}. Please update vendor {vendor} before the next run."),
    ("fin", "The vendor master for {vendor} still shows the old account; the correct IBAN is {IBAN:c}."),
    ("fin", "Statement {date} SEPA CT {amt} EREF {eref} MREF {mref} CRED {ci} IBAN {IBAN:DE,c} BIC {bic}"),
    ("fin", "Wire instructions: beneficiary {company}, IBAN {IBAN}, SWIFT {bic}, intermediary {bic}, amount {amt}, value date {date}."),
    ("fin", "In the MT103 the field :59:/{IBAN:c} is right, but :50K: still carries the old ordering account."),
    ("fin", "Sort code {sortcode}, account number {ukacct}; the IBAN for the same account is {IBAN:GB}."),
    ("fin", "ABA routing {aba}, account {usacct}; for wires from Europe use IBAN {IBAN:GB} at our London branch instead."),
    ("fin", "Creditor ID {ci}, mandate {mref}, debtor IBAN {IBAN}, first collection on {date} for {amt}."),
    ("fin", "Payment run F110 on {date} posted {count} documents, total {amt}, clearing document {sapdoc}, company code 1000."),
    ("fin", "Invoice {inv} for PO {po} is blocked: GR/IR difference {amt}, vendor {vendor}, due {date}."),
    ("fin", "The structured reference {rf} and end-to-end ID {eref} did not match invoice {inv} ({amt})."),
    ("fin", "ISIN {isin}, LEI {lei}, trade date {date}, settlement {date2}, nominal {amt}."),
    ("fin", "VAT number {ukvat}, company number {crn}, remittance for {inv} of {amt} received {date}."),
    ("fin", "The bank portal exported the account in lower case as {IBAN:l}; can you confirm it before we pay {amt}?"),
    ("fin", "Refund {amt} to IBAN {IBAN}: customer no. {cust}, credit note {inv}, ticket {ticket}."),
    ("fin", "Swiss QR bill: account {IBAN:CH}, reference {qrref}, amount CHF {amtplain}."),
    ("fin", "Please pay the deposit of {amt} to {company}, IBAN {IBAN:g,split}, by {date}."),
    ("fin", "Intercompany netting {date}: {count} invoices, net {amt}, settlement via IBAN {IBAN:DE}, order {order}."),
    ("fin", "Cheque no. {chk} for {amt} bounced on {date}; please resend by transfer to {IBAN:c} quoting {inv}."),
    ("fin", "The UETR {uetr} of your transfer of {amt} shows status ACSC at {ts}."),
    ("fin", "Bank statement line: {date} | FASTER PAYMENT | {sortcode} {ukacct} | REF {inv} | {amt}"),
    ("fin", "Account holder: {company}\nIBAN: {IBAN}\nBIC: {bic}\nReference: {inv}"),
    ("fin", "Direct debit return: reason AC04, amount {amt}, mandate {mref}, debtor account {IBAN:lg}."),
    ("fin", "Our treasury team can be reached on {PHONE} or {EMAIL:role} about payment run {runid}."),
    ("fin", "Please confirm receipt of {amt} on {date}; our reference is {rf} and yours is {po}."),
    ("fin", "MT940 extract :25:{IBAN:c} :61:{mt940date}{mt940date}C{amtplain}NTRFNONREF :86:/IBAN/{IBAN:c}/BIC/{bic}"),
    # cards, chargebacks, PCI
    ("card", "Please update the card on file to {CARD}, expiry {exp}; the old card ending {last4} was cancelled."),
    ("card", "Customer called on {date}: charge {amt} to card {CARD:g}, billing ZIP {zip}."),
    ("card", "Chargeback {cb} on ARN {arn}: card {masked}, reason code {reason}, amount {amt}, respond by {date}."),
    ("card", "PCI incident {ticket}: the log at {ts} showed the full PAN {CARD:c} next to the masked value {masked}."),
    ("card", "The receipt masks the card as {masked}, but the agent's note kept {CARD:g} in clear."),
    ("card", "Auth code {auth}, MID {mid}, TID {tid}, card {masked}, amount {amt}, STAN {stan}."),
    ("card", "Token {token} replaced card {CARD} on {date}; BIN {bin6}, last four {last4}."),
    ("card", "Amex {CARD:amex} for the corporate account, expiry {exp}, CID given by phone."),
    ("card", "Request body: {{\"pan\":\"{CARD:c}\",\"exp\":\"{expc}\",\"order\":\"{order}\"}}"),
    ("card", "The query string was ?card_number={CARD:c}&amount={amtplain}&order_id={order}"),
    ("card", "Dispute {cb}: card ending {last4}, transaction {txid} on {date}, {amt}, reason {reason}."),
    ("card", "Order {order16} shipped on {date}; tracking {usps}."),
    ("card", "Please charge my Visa {CARD:visa} for order {order}, thanks."),
    ("card", "Card number: {CARD}\nExpiry: {exp}\nName on card: {name}"),
    ("card", "The card {CARD} was declined (response 05); retry with the backup card {CARD}."),
    ("card", "Test cards such as {CARD:test} must never show up in production tickets like {ticket}."),
    ("card", "Diners Club {CARD:diners} is still on the travel profile of {name}."),
    ("card", "Refund of {amt} to Mastercard {CARD:mc} processed, ARN {arn}."),
    ("card", "Terminal {tid} batch {count} closed at {time}: {count} sales, {amt}, MID {mid}."),
    ("card", "Cardholder {name}, PAN {CARD:d}, exp {exp}, CVV ***."),
    ("card", "Fraud alert: first six {bin6}, last four {last4}, {count} attempts from {ip} in {count} minutes."),
    ("card", "The processor tokenised PAN {CARD:c} as {token} at {ts}; remove the PAN from the ticket."),
    ("card", "Customer {name} read out her card number {CARD:g,split} on the recorded line."),
    ("card", "Track 2 equivalent data was in the crash dump: ;{CARD:c}={t2}?"),
    ("card", "Row 4512 of the export: {CARD:c}|{expc}|{lastname}|{amtplain}|{auth}"),
    ("card", "app.log: 2024-03-15 08:42:17 DEBUG gateway req pan={CARD:c} exp={expc} cvv=*** mid={mid}"),
    ("card", "PAN:{CARD:c} was pasted into chat; masked it should read {masked}."),
    # US payroll
    ("pay", "New hire: {name}, SSN {SSN}, employee ID {empid}, start date {date}, salary {amt}."),
    ("pay", "Please correct the W-2 for {name}: the SSN should be {SSN}, not the one on file; our EIN is {ein}."),
    ("pay", "Social Security Number: {SSN:any}"),
    ("pay", "SSN {SSN:sp} ({name}, hired {date})"),
    ("pay", "SSN#{SSN:c} DOB {dob}"),
    ("pay", "Payroll batch {batch} for pay date {date}: {count} employees, gross {amt}, EIN {ein}, checks {chk} to {chk}."),
    ("pay", "Direct deposit for {name} (SSN {SSN}) goes to routing {aba}, account {usacct}."),
    ("pay", "Form I-9 for {name}: SSN {SSN}, DOB {dob}, phone {PHONE:us,any}."),
    ("pay", "Your W-2 shows SSN XXX-XX-{last4}, employer EIN {ein}, control number {chk}."),
    ("pay", "The 401(k) census lists {name}, SSN {SSN}, hire date {date}, deferral {pct}."),
    ("pay", "Garnishment order {case} for employee {empid}, SSN {SSN}, withhold {amt} per pay period."),
    ("pay", "Tax ID (SSN): {SSN:any}, filing status single, {count} allowances."),
    ("pay", "Employee {empid} moved to cost center {dg4}; pay group B, ZIP {zip}, EIN {ein}."),
    ("pay", "Please call {name} at {PHONE:us,any} to confirm the SSN {SSN} before the 941 is filed."),
    ("pay", "Social security no. {SSN:any} belongs to the dependent, not to the employee {empid}."),
    ("pay", "W-2 box a, Employee's social security number: {SSN}; box b, EIN: {ein}; box 1 wages {amt}."),
    ("pay", "HRIS audit log: emp_id={empid} ssn={SSN} zip={zip} updated_by=svc_payroll"),
    # UK payroll
    ("payuk", "New starter {name}: NI number {NINO}, tax code {taxcode}, payroll number {payrollid}, start date {date}."),
    ("payuk", "Please update the NINO for {name} to {NINO}; the P45 shows tax code {taxcode} and leaving date {date}."),
    ("payuk", "P60 for 2023/24: {name}, National Insurance no. {NINO}, pay {amt}, tax {amt2}, PAYE ref {payeref}."),
    ("payuk", "Employer PAYE reference {payeref}, Accounts Office reference {aoref}, UTR {utr}, tax code {taxcode}."),
    ("payuk", "Tax code {taxcode} applies from {date}; the emergency code {taxcode2} was used in month 3."),
    ("payuk", "Her National Insurance number is {NINO} and her postcode is {postcode_uk}."),
    ("payuk", "The HMRC form shows the example QQ 12 34 56 C; do not copy it, use the NINO on the P45."),
    ("payuk", "NI {NINO:c} | tax code {taxcode} | NI category A | student loan plan 2 | payroll {payrollid}"),
    ("payuk", "Call payroll on {PHONE:uk,any} about {name}'s NI number {NINO}."),
    ("payuk", "P45 part 1A for {name}: leaving date {date}, tax code {taxcode}, total pay to date {amt}, NINO {NINO:p}."),
    ("payuk", "Postcode {postcode_uk}, tax code {taxcode}, payroll ID {payrollid}, company no. {crn}."),
    ("payuk", "Pension auto-enrolment file: {name}, NINO {NINO}, DOB {dob}, salary {amt}."),
    ("payuk", "RTI submission {date}: {count} employees, PAYE ref {payeref}, AO ref {aoref}, no errors."),
    ("payuk", "FPS error log: employee={payrollid};nino={NINO:c};taxcode={taxcode};period=M{count}"),
    # logistics
    ("log", "Container {container}, seal {seal}, B/L {bl}, ETA {date}; call the consignee on {PHONE}."),
    ("log", "SSCC {sscc} is pallet 3 of {count}, GTIN {gtin14}, lot {lot}, best before {date}."),
    ("log", "UPS {ups} and FedEx {fedex} both show delivered; POD signed by {lastname}."),
    ("log", "USPS tracking {usps} for order {order}, weight {weight}."),
    ("log", "Customs MRN {cmrn}, EORI {eori}, HS code {hs}, invoice {inv}, customs value {amt}."),
    ("log", "Air waybill {awb}, flight {flight}, {count} pieces, {weight}, pickup {date} at {time}."),
    ("log", "Please book the pickup with {name} ({EMAIL:p}, tel {PHONE:any})."),
    ("log", "DHL waybill {dhl}, shipper ref {order}, recipient phone {PHONE}."),
    ("log", "EAN {gtin13} is wrong on the ASN; article {sku}, PO {po}, delivery note {dn}."),
    ("log", "PO {po} line 20: {count} units, GTIN {gtin14}, dock door 7, slot {time}."),
    ("log", "Pallet label: SSCC {sscc}, GTIN {gtin14}, batch {lot}, qty {count}, gross {weight}."),
    ("log", "The driver's mobile is {PHONE:mob}; truck plate {vreg}, container {container}."),
    ("log", "IMEI {imei} of the handheld scanner, asset {asset}, returned with order {order}."),
    # IT
    ("it", "Server {host} ({ip}, MAC {mac}) rebooted at {ts}; kernel {ver}, uptime {count} days."),
    ("it", "Error {hexerr} when installing {kb}; OS build {winbuild}, serial {serial}."),
    ("it", "Port {port} on {ip} refused connections from {ip2} between {time} and {time2}."),
    ("it", "SHA-256 {sha256} matches release {ver}; commit {gitsha}."),
    ("it", "Ticket {ticket}: user {name} ({EMAIL:p}) cannot log in from {ip}, error {errcode}."),
    ("it", "Request {uuid} failed with HTTP 503 after 30000 ms; trace id {hex32}."),
    ("it", "npm install @acme/ui@{ver} fails on node {ver2}; see {cve}."),
    ("it", "Asset {asset}, service tag {svctag}, warranty until {date}, IPv6 {ip6}."),
    ("it", "Call the NOC on {PHONE} and quote incident {ticket}."),
    ("it", "{ts} INFO payment ok card={CARD:c} amount={amtplain} - please purge this log line."),
    ("it", "Epoch {epoch} is {ts} UTC; PID {pid} exited with status 137."),
    ("it", "VLAN 204, switch port Gi1/0/24, DHCP lease {ip} for {mac}, lease time 86400 s."),
    ("it", "The CSV export has a column iban with values like {IBAN:l}; mask it before sharing."),
    ("it", "<CdtrAcct><Id><IBAN>{IBAN:c}</IBAN></Id></CdtrAcct><EndToEndId>{eref}</EndToEndId>"),
    ("it", "SIM ICCID {iccid}, IMEI {imei}, MDM device {asset}, OS {ver}."),
    ("it", "Backup job {count} wrote {count} GB to {host} at {ts}; checksum {gitsha}."),
    ("it", "Reset MFA for {EMAIL} and call back on {PHONE:any}; ticket {ticket}."),
    ("it", "Latency p99 was {count} ms at {ts}, {count} requests/s, error rate 0.{dg4}%."),
    # legal and insurance
    ("legal", "Re: Case {case}: hearing on {date} at {time}, claim value {amt}."),
    ("legal", "Claim {claim} under policy {policy}: loss date {date}, reserve {amt}, adjuster {name}, {PHONE}."),
    ("legal", "Please send the settlement of {amt} to the claimant's IBAN {IBAN}, claim {claim}."),
    ("legal", "Policy {policy} renews on {date}; the premium of {amt} will be charged to card {CARD}."),
    ("legal", "Docket {docket}, filed {date}, exhibit {count}, Bates {bates} to {bates}."),
    ("legal", "Opposing counsel {name} ({EMAIL:p}, {PHONE}) asked for an extension to {date}."),
    ("legal", "Vehicle {vreg}, VIN {vin}, accident report {claim} of {date}, repair estimate {amt}."),
    ("legal", "The claimant's SSN {SSN} appears in exhibit {count}; redact it before filing in {docket}."),
    ("legal", "Settlement agreement {date}: payment of {amt} within {count} days, case {case}."),
    ("legal", "Our client's NI number {NINO} must not appear in the bundle for {case}."),
    # healthcare
    ("health", "Patient NHS number {nhs}, MRN {mrn}, DOB {dob}, clinic letter dated {date}."),
    ("health", "NPI {npi}, DEA {dea}, ICD-10 {icd}, CPT {cpt}, claim {claim}, billed {amt}."),
    ("health", "Please call the ward on {PHONE:uk,any} about NHS no. {nhs}."),
    ("health", "Referral for {name}, hospital no. {mrn}, NHS {nhs}, email {EMAIL:p}."),
    ("health", "Medicare patient {name}, SSN {SSN}, MRN {mrn}; billing will call {PHONE:us,any}."),
    ("health", "Lab result {lot}: HbA1c 48 mmol/mol, eGFR 72, sample taken {date} {time}."),
    ("health", "Appointment {date} {time}, bay {count}, NHS number {nhs}, GP practice F{dg5}."),
    # contacts
    ("contact", "You can reach me on {PHONE} or on my mobile {PHONE:mob}."),
    ("contact", "My mobile is {PHONE:uk,nat} if the office line {PHONE:uk,nat} is busy."),
    ("contact", "Call {PHONE:us,nat} (ext. {count}) or write to {EMAIL}."),
    ("contact", "Tel: {PHONE} | Fax: {PHONE} | {EMAIL:role}"),
]

DE = [
    ("fin", "Bitte überweisen Sie {amt} bis zum {date} auf das Konto IBAN {IBAN:DE}, BIC {bic}, Verwendungszweck {inv}."),
    ("fin", "Unsere Bankverbindung hat sich geändert: neue IBAN {IBAN}; die alte Kontonummer {ktonr} (BLZ {blz}) bitte löschen."),
    ("fin", "Zahllauf vom {date}: {count} Posten, Summe {amt}, Lauf-ID {runid}, Kreditor {vendor}, Beleg {sapdoc}."),
    ("fin", "Kontoauszug {date}: SEPA-Lastschrift {amt} EREF+{eref} MREF+{mref} CRED+{ci} IBAN+{IBAN:DE,c} BIC+{bic}"),
    ("fin", "Gläubiger-ID {ci}, Mandatsreferenz {mref}: Ihre IBAN {IBAN} wird ab dem {date} belastet."),
    ("fin", "Rechnung {inv} vom {date} über {amt} ist weiterhin offen; Kundennummer {cust}, Auftrag {order}."),
    ("fin", "USt-IdNr. {ustid}, Steuernummer {stnr}, Amtsgericht München {hrb}."),
    ("fin", "Die Gutschrift {gs} über {amt} geht an die IBAN {IBAN:l}."),
    ("fin", "Für Auslandsüberweisungen: IBAN {IBAN:CH}, SWIFT {bic}, Empfänger {company}."),
    ("fin", "Im Zahlungsavis stand die IBAN {IBAN:c} ohne Leerzeichen, bitte prüfen Sie das."),
    ("fin", "Skonto {pct} bis {date}, netto 30 Tage, Betrag {amt}, Auftragsnummer {order}."),
    ("fin", "Umsatz {date} | Gutschrift | {company} | IBAN {IBAN:AT} | {inv} | +{amt}"),
    ("fin", "Bitte zahlen Sie die Kaution von {amt} auf {IBAN:DE,g,split} ein."),
    ("fin", "Empfänger: {company}\nIBAN: {IBAN}\nBIC: {bic}\nBetrag: {amt}\nVerwendungszweck: {inv}"),
    ("fin", "Die Rücklastschrift (Grund MD06) über {amt} für Mandat {mref} kam vom Konto {IBAN:lg}."),
    ("fin", ":86:166?00SEPA-UEBERWEISUNG?20EREF+{eref}?21SVWZ+{inv}?30{bic}?31{IBAN:DE,c}?32{company}"),
    ("fin", "MT940 vom {date}: :25:{IBAN:DE,c} :28C:{count}/1 :60F:C{mt940date}EUR{amtplain}"),
    ("fin", "Fragen zum Zahllauf beantwortet die Kreditorenbuchhaltung unter {PHONE:de,any} oder {EMAIL:role}."),
    ("card", "Bitte belasten Sie meine Kreditkarte {CARD}, gültig bis {exp}, für Auftrag {order}."),
    ("card", "Die Karte mit der Endung {last4} wurde gesperrt, die neue Karte ist {CARD:g}."),
    ("card", "Im Ticket {ticket} steht die vollständige Kartennummer {CARD:c}; maskiert wäre das {masked}."),
    ("card", "Rückbuchung {cb}, ARN {arn}, Karte {masked}, Grund {reason}, Betrag {amt}."),
    ("card", "Kartenzahlung am Terminal {tid}: Beleg {stan}, Genehmigung {auth}, {amt}, Karte {masked}."),
    ("card", "Kreditkartennummer: {CARD:d}\nInhaber: {name}\nGültig bis: {exp}"),
    ("pay", "Steuer-ID {steuerid}, SV-Nummer {svnr}, Personalnummer {empid}, Steuerklasse 1, Eintritt {date}."),
    ("pay", "Der Kollege aus London hat die National Insurance Number {NINO} angegeben, Steuercode {taxcode}."),
    ("pay", "Für die Entsendung in die USA brauchen wir die Social Security Number {SSN} von {name}."),
    ("pay", "Lohnabrechnung {date}: {count} Mitarbeiter, Brutto {amt}, Betriebsnummer {dg8}."),
    ("log", "Lieferschein {dn}, Bestellung {po}, SSCC {sscc}, Palette 2 von {count}, Gewicht {weight}."),
    ("log", "Container {container}, Plombe {seal}, MRN {cmrn}, EORI {eori}, Zolltarifnummer {hs}."),
    ("log", "Bei Rückfragen zur Anlieferung erreichen Sie die Disposition unter {PHONE:de}."),
    ("log", "Sendungsnummer {dhl}, Ansprechpartner {name}, Tel. {PHONE:de,nat}, E-Mail {EMAIL:p}."),
    ("log", "EAN {gtin13}, Artikel {sku}, Charge {lot}, MHD {date}, Menge {count} Stück."),
    ("log", "Der Fahrer ist mobil unter {PHONE:de,mob} erreichbar, Kennzeichen {vreg}, Rampe 4."),
    ("log", "Abholung {date} ab {time} Uhr, Frachtbrief {awb}, {count} Packstücke, {weight}."),
    ("it", "Server {host} ({ip}, MAC {mac}) ist seit {ts} nicht erreichbar, Fehler {hexerr}."),
    ("it", "Version {ver}, Build {winbuild}, Seriennummer {serial}, Port {port}, PID {pid}."),
    ("it", "Bitte rufen Sie die Hotline unter {PHONE:de} an und nennen Sie das Ticket {ticket}."),
    ("it", "Im Export stand <IBAN>{IBAN:c}</IBAN> im Klartext, siehe {ticket}."),
    ("it", "Das Diensthandy (IMEI {imei}) von {name} ist gesperrt, neue Nummer {PHONE:de,mob}."),
    ("it", "Hash {sha256} passt zu Version {ver}, Commit {gitsha}, signiert am {date}."),
    ("legal", "Az. {azde}, Termin am {date} um {time} Uhr, Streitwert {amt}."),
    ("legal", "Schaden-Nr. {claim}, Versicherungsschein-Nr. {vsnr}: Auszahlung von {amt} auf IBAN {IBAN}."),
    ("legal", "Der Beitrag für Vertrag {vsnr} wird von der Kreditkarte {CARD} abgebucht."),
    ("legal", "Kennzeichen {vreg}, FIN {vin}, Schadentag {date}, Gutachten {amt}."),
    ("health", "Versichertennummer {kvnr}, Fallnummer {fallnr}, Aufnahme {date}, ICD {icd}."),
    ("health", "Rückruf bitte an die Station unter {PHONE:de,nat}, Patient {name}, Fall {fallnr}."),
    ("contact", "Mobil: {PHONE:de,mob}, Festnetz: {PHONE:de}, Fax: {PHONE:de,nat}"),
    ("contact", "Schreiben Sie an {EMAIL} oder rufen Sie {PHONE} an."),
    ("contact", "Telefon {PHONE:de,nat}, Telefax {PHONE:de,nat}, E-Mail {EMAIL:role}"),
]

FR = [
    ("fin", "Merci de régler la facture {inv} du {date} ({amt}) par virement sur l'IBAN {IBAN:FR}, BIC {bic}."),
    ("fin", "Nos coordonnées bancaires ont changé : nouvel IBAN {IBAN}, BIC {bic}, à compter du {date}."),
    ("fin", "Avis de paiement : facture {inv}, montant {amt}, référence {rf}, date de valeur {date}."),
    ("fin", "Relevé du {date} : PRLV SEPA {company} {amt} RUM {mref} ICS {ci} IBAN {IBAN:c}"),
    ("fin", "SIREN {siren}, SIRET {siret}, TVA intracommunautaire {tvafr}, RCS Paris."),
    ("fin", "Le remboursement de {amt} sera viré sur votre IBAN {IBAN:l} sous {count} jours."),
    ("fin", "Échéancier : {count} prélèvements de {amt} à partir du {date}, mandat {mref}."),
    ("fin", "Titulaire : {company}\nIBAN : {IBAN}\nBIC : {bic}\nMontant : {amt}"),
    ("fin", "Pour la Belgique, utilisez l'IBAN {IBAN:BE} avec la communication {inv}."),
    ("fin", "Le RIB joint indique l'IBAN {IBAN:FR,g,split} ; merci de confirmer avant le {date}."),
    ("fin", "Relance n° {count} : facture {inv}, échue le {date}, solde {amt}, client {cust}."),
    ("fin", "Le service comptabilité est joignable au {PHONE:fr,any} ou à {EMAIL:role}."),
    ("card", "Merci de débiter ma carte {CARD} (expiration {exp}) pour la commande {order}."),
    ("card", "La carte se terminant par {last4} a été remplacée par la carte {CARD:g}."),
    ("card", "Impayé {cb} : ARN {arn}, carte {masked}, motif {reason}, montant {amt}."),
    ("card", "Le ticket {ticket} contient le numéro de carte complet {CARD:c}, à purger."),
    ("card", "Numéro de carte : {CARD:d}, titulaire {name}, date d'expiration {exp}."),
    ("pay", "Numéro de sécurité sociale {nir}, matricule {empid}, entrée le {date}."),
    ("pay", "Notre salarié détaché à Londres a le National Insurance number {NINO}."),
    ("pay", "Bulletin de paie {date} : {count} salariés, brut {amt}, SIRET {siret}."),
    ("log", "Commande {order}, bon de livraison {dn}, SSCC {sscc}, {count} palettes, {weight}."),
    ("log", "Conteneur {container}, plomb {seal}, connaissement {bl}, ETA {date}."),
    ("log", "Le chauffeur est joignable au {PHONE:fr,mob}, immatriculation {vreg}."),
    ("log", "DAE {cmrn}, EORI {eori}, code SH {hs}, valeur en douane {amt}."),
    ("log", "Enlèvement le {date} à {time}, LTA {awb}, contact {name} au {PHONE:fr,any}."),
    ("log", "EAN {gtin13}, lot {lot}, DLUO {date}, quantité {count}."),
    ("it", "Le serveur {host} ({ip}, MAC {mac}) ne répond plus depuis {ts}, erreur {hexerr}."),
    ("it", "Version {ver}, build {winbuild}, numéro de série {serial}, port {port}."),
    ("it", "Appelez le support au {PHONE:fr} en indiquant le ticket {ticket}."),
    ("it", "Ticket {ticket} : {name} ({EMAIL:p}) ne peut plus se connecter depuis {ip}."),
    ("it", "Le fichier de virement contenait <IBAN>{IBAN:c}</IBAN> en clair, voir {ticket}."),
    ("legal", "RG n° {dg2}/{dg5}, audience du {date} à {time}, demande {amt}."),
    ("legal", "Sinistre {claim}, contrat {policy}, indemnité de {amt} versée sur l'IBAN {IBAN}."),
    ("legal", "La prime du contrat {policy} sera prélevée sur la carte {CARD}."),
    ("health", "N° de sécurité sociale {nir}, IPP {mrn}, admission le {date}, CIM-10 {icd}."),
    ("health", "Merci de rappeler le service au {PHONE:fr,nat} au sujet du patient {name}."),
    ("contact", "Tél. : {PHONE:fr,nat} – Mobile : {PHONE:fr,mob} – Fax : {PHONE:fr,nat}"),
    ("contact", "Écrivez-moi à {EMAIL} ou appelez le {PHONE}."),
]

ES = [
    ("fin", "Les rogamos abonen la factura {inv} de {amt} antes del {date} en la cuenta IBAN {IBAN:ES}, BIC {bic}."),
    ("fin", "Hemos cambiado de banco: nuevo IBAN {IBAN}, BIC {bic}; el anterior deja de ser válido el {date}."),
    ("fin", "Aviso de pago: factura {inv}, importe {amt}, referencia {rf}, fecha valor {date}."),
    ("fin", "Extracto {date}: recibo SEPA {company} {amt} ref. mandato {mref} acreedor {ci} IBAN {IBAN:c}"),
    ("fin", "CIF {cif}, pedido {order}, albarán {dn}, vencimiento {date}, total {amt}."),
    ("fin", "La devolución de {amt} se abonará en su IBAN {IBAN:l} en {count} días hábiles."),
    ("fin", "Beneficiario: {company}\nIBAN: {IBAN}\nBIC: {bic}\nConcepto: {inv}"),
    ("fin", "Transferencia internacional a {company}: IBAN {IBAN:DE}, SWIFT {bic}, importe {amt}."),
    ("fin", "La cuenta de la fianza es {IBAN:ES,g,split}; envíen el justificante por favor."),
    ("fin", "Reclamación n.º {count}: factura {inv} vencida el {date}, pendiente {amt}, cliente {cust}."),
    ("fin", "Para dudas sobre pagos llamen al {PHONE:es,any} o escriban a {EMAIL:role}."),
    ("card", "Por favor carguen {amt} a mi tarjeta {CARD}, caducidad {exp}, pedido {order}."),
    ("card", "La tarjeta terminada en {last4} se ha sustituido por la {CARD:g}."),
    ("card", "Contracargo {cb}: ARN {arn}, tarjeta {masked}, motivo {reason}, importe {amt}."),
    ("card", "En el ticket {ticket} aparece el número de tarjeta completo {CARD:c}."),
    ("card", "Número de tarjeta: {CARD:d}\nTitular: {name}\nCaduca: {exp}"),
    ("pay", "Empleado {name}, número de Seguro Social {SSN}, fecha de ingreso {date}, salario {amt}."),
    ("pay", "Para la nómina de Texas necesitamos el SSN {SSN:any} de {name}."),
    ("pay", "DNI {dni}, NIE {nie}, n.º afiliación SS {naf}, categoría 3, alta {date}."),
    ("pay", "Nuestra empleada en Londres tiene el National Insurance number {NINO}."),
    ("pay", "El formulario W-4 de {name} indica SSN {SSN} y teléfono {PHONE:us,any}."),
    ("log", "Pedido {order}, albarán {dn}, SSCC {sscc}, {count} palés, peso {weight}."),
    ("log", "Contenedor {container}, precinto {seal}, B/L {bl}, llegada {date}."),
    ("log", "El conductor está localizable en el {PHONE:es,mob}, matrícula {dg4} {alpha3}."),
    ("log", "DUA {cmrn}, EORI {eori}, partida arancelaria {hs}, valor {amt}."),
    ("log", "Recogida el {date} a las {time}, AWB {awb}, contacto {name} ({PHONE:es,any})."),
    ("log", "EAN {gtin13}, lote {lot}, caducidad {date}, cantidad {count} uds."),
    ("it", "El servidor {host} ({ip}, MAC {mac}) no responde desde {ts}, error {hexerr}."),
    ("it", "Versión {ver}, compilación {winbuild}, número de serie {serial}, puerto {port}."),
    ("it", "Llame al soporte al {PHONE:es} e indique la incidencia {ticket}."),
    ("it", "Incidencia {ticket}: {name} ({EMAIL:p}) no puede acceder desde {ip}."),
    ("legal", "Procedimiento ordinario {dg4}/{year}, vista el {date} a las {time}, cuantía {amt}."),
    ("legal", "Siniestro {claim}, póliza {policy}: indemnización de {amt} a la cuenta {IBAN}."),
    ("legal", "La prima de la póliza {policy} se cargará en la tarjeta {CARD}."),
    ("health", "Paciente {name}, NHC {mrn}, tarjeta sanitaria {kvnr}, ingreso {date}."),
    ("health", "Llame a la planta al {PHONE:es,nat} por el paciente {name}, cama {count}."),
    ("contact", "Tel.: {PHONE:es,nat} · Móvil: {PHONE:es,mob} · Fax: {PHONE:es,nat}"),
    ("contact", "Escríbame a {EMAIL} o llámeme al {PHONE}."),
]

EL = [
    ("fin", "Παρακαλούμε να εξοφλήσετε το τιμολόγιο {inv} ποσού {amt} έως {date} στον λογαριασμό IBAN {IBAN:GR}."),
    ("fin", "Τα τραπεζικά μας στοιχεία άλλαξαν: νέο IBAN {IBAN}, BIC {bic}."),
    ("fin", "Η επιστροφή {amt} θα γίνει στο IBAN {IBAN:c} εντός {count} εργάσιμων ημερών."),
    ("fin", "ΑΦΜ {afm}, ΔΟΥ Αθηνών, αριθμός ΓΕΜΗ {dg12}, παραγγελία {order}."),
    ("fin", "Δικαιούχος: {company}\nIBAN: {IBAN:GR}\nBIC: {bic}\nΑιτιολογία: {inv}"),
    ("fin", "Στην κίνηση της {date} εμφανίζεται ο λογαριασμός {IBAN:l} με ποσό {amt}."),
    ("card", "Η κάρτα {CARD} χρεώθηκε με {amt} στις {date}."),
    ("card", "Αντιλογισμός {cb}: ARN {arn}, κάρτα {masked}, ποσό {amt}."),
    ("card", "Αριθμός κάρτας: {CARD:g}, λήξη {exp}, κάτοχος {name}."),
    ("pay", "ΑΜΚΑ {amka}, ΑΦΜ {afm}, αριθμός μητρώου {empid}, πρόσληψη {date}."),
    ("pay", "Ο συνάδελφος στο Λονδίνο έχει National Insurance number {NINO}."),
    ("log", "Η παραγγελία {order} φορτώθηκε στο κοντέινερ {container}, φορτωτική {bl}, άφιξη {date}."),
    ("log", "Ο οδηγός είναι διαθέσιμος στο {PHONE:gr,mob}, αριθμός αποστολής {dhl}."),
    ("it", "Ο διακομιστής {host} ({ip}) απέτυχε με σφάλμα {hexerr} στις {ts}."),
    ("it", "Για το αίτημα {ticket} καλέστε το {PHONE:gr} ή γράψτε στο {EMAIL:role}."),
    ("legal", "Αριθμός υπόθεσης {dg4}/{year}, ασφαλιστήριο {policy}, ζημιά {claim}, ποσό {amt}."),
    ("legal", "Στείλτε την αποζημίωση στο IBAN {IBAN} με αιτιολογία {claim}."),
    ("health", "Ασθενής {name}, ΑΜΚΑ {amka}, αριθμός φακέλου {mrn}, εισαγωγή {date}."),
    ("contact", "Τηλ.: {PHONE:gr,nat} | Κιν.: {PHONE:gr,mob} | Email: {EMAIL}"),
    ("contact", "Για οποιαδήποτε απορία καλέστε στο {PHONE:gr,any} ή στείλτε email στο {EMAIL:p}."),
]

RU = [
    ("fin", "Прошу оплатить счёт № {inv} от {date} на сумму {amt} на IBAN {IBAN}, SWIFT {bic}."),
    ("fin", "Реквизиты: ИНН {inn}, КПП {kpp}, ОГРН {ogrn}, р/с {rs}, БИК {bik}."),
    ("fin", "Для платежей в евро используйте IBAN {IBAN:c} в банке {bic}."),
    ("fin", "Возврат {amt} будет зачислен на IBAN {IBAN:l} в течение {count} дней."),
    ("fin", "Получатель: {company}\nIBAN: {IBAN}\nSWIFT: {bic}\nНазначение платежа: оплата по счёту № {inv}"),
    ("fin", "Платёжное поручение № {count} от {date} на {amt}, договор № {dg4}/{year}."),
    ("card", "Номер карты {CARD}, срок действия {exp}; прошу обновить данные для автоплатежа."),
    ("card", "Возврат {amt} на карту {CARD:g} оформлен, заявка {ticket}."),
    ("card", "Опротестование {cb}: ARN {arn}, карта {masked}, сумма {amt}."),
    ("pay", "СНИЛС {snils}, табельный номер {empid}, дата приёма {date}."),
    ("pay", "Наш сотрудник в Лондоне указал National Insurance number {NINO}."),
    ("pay", "Для американской дочерней компании нужен SSN {SSN} сотрудника {name}."),
    ("log", "Заказ № {order}, трек-номер {ups}, контейнер {container}, вес {weight}."),
    ("log", "Водитель на связи по телефону {PHONE:ru,mob}, накладная {awb}."),
    ("it", "Сервер {host} ({ip}, MAC {mac}) недоступен с {ts}, код ошибки {hexerr}."),
    ("it", "По заявке {ticket} звоните в поддержку {PHONE:ru} или пишите на {EMAIL:role}."),
    ("legal", "Дело № А40-{dg6}/{year}, полис {policy}, убыток {claim}, сумма {amt}."),
    ("health", "Пациент {name}, полис ОМС {dg16n}, медкарта {mrn}, поступил {date}."),
    ("contact", "Тел.: {PHONE:ru} доб. {count}, моб.: {PHONE:ru,mob}, e-mail: {EMAIL}"),
    ("contact", "Звоните по телефону {PHONE:ru,any} или пишите на {EMAIL:p}."),
]

JA = [
    ("fin", "請求書番号{inv}（{date}発行、{amt}）のお支払いは、IBAN：{IBAN}、SWIFT：{bic}までお願いいたします。"),
    ("fin", "振込先IBAN：{IBAN:c}、受取人：{company}、支払期日：{date}。"),
    ("fin", "口座番号 普通 {jpacct}、支店番号{dg3}、法人番号{houjin}。"),
    ("fin", "返金{amt}は{date}にIBAN {IBAN:l}へ送金済みです。"),
    ("fin", "受取人：{company}\nIBAN：{IBAN}\nSWIFT：{bic}\n金額：{amt}"),
    ("card", "カード番号{CARD:c}、有効期限{exp}で決済してください。"),
    ("card", "返金先カード：{CARD:g}（{name}様）"),
    ("card", "チャージバック{cb}、ARN {arn}、カード{masked}、金額{amt}。"),
    ("pay", "英国在住の社員のNI番号は{NINO}です。"),
    ("pay", "米国子会社の従業員{name}さんのSSNは{SSN}です。"),
    ("pay", "社員番号{empid}、入社日{date}、基本給{amt}。"),
    ("log", "注文番号{order}、追跡番号{ups}、コンテナ番号{container}で出荷済みです。"),
    ("log", "〒{jppost} 東京都千代田区丸の内1-1-1、担当：{name}、電話：{PHONE:jp,nat}"),
    ("log", "ドライバーの携帯：{PHONE:jp,mob}、AWB {awb}、{count}個口。"),
    ("it", "サーバー{host}（{ip}、MAC {mac}）が{ts}に停止しました。エラーコード{hexerr}。"),
    ("it", "チケット{ticket}については{PHONE:jp}までお電話ください。"),
    ("legal", "保険証券番号{policy}、事故受付番号{claim}、保険金{amt}。"),
    ("health", "患者ID {mrn}、受診日{date}、診療科：内科、連絡先{PHONE:jp,any}。"),
    ("contact", "電話：{PHONE:jp,nat}\u3000FAX：{PHONE:jp,nat}\u3000メール：{EMAIL}"),
    ("contact", "お問い合わせは{PHONE:jp,any}（平日9時〜18時）またはメール{EMAIL:role}までご連絡ください。"),
]

ZH = [
    ("fin", "请将货款{amt}于{date}前汇至IBAN：{IBAN}，SWIFT：{bic}，发票号{inv}。"),
    ("fin", "收款人：{company}\nIBAN：{IBAN}\nSWIFT：{bic}\n用途：{inv}"),
    ("fin", "统一社会信用代码{uscc}，开户行账号{cnacct}。"),
    ("fin", "退款{amt}已于{date}汇入IBAN {IBAN:l}。"),
    ("fin", "欧洲客户请付款至IBAN {IBAN:c}（{company}）。"),
    ("card", "银行卡号：{CARD:unionpay}，持卡人{name}。"),
    ("card", "退款已退回至信用卡{CARD:g}，交易参考号{arn}。"),
    ("card", "信用卡{CARD:c}，有效期{exp}，请更新自动扣款信息。"),
    ("card", "拒付{cb}：卡号{masked}，金额{amt}，原因代码{reason}。"),
    ("pay", "身份证号{cnid}，工号{empid}，入职日期{date}。"),
    ("pay", "英国同事的国民保险号码是{NINO}。"),
    ("pay", "美国员工{name}的社会安全号码（SSN）：{SSN}。"),
    ("log", "订单号{order}，运单号{sf}，集装箱号{container}，提单号{bl}。"),
    ("log", "司机电话：{PHONE:cn,mob}，预计{date}到达，共{count}件。"),
    ("it", "服务器{host}（{ip}，MAC {mac}）于{ts}宕机，错误码{hexerr}。"),
    ("it", "工单{ticket}请联系技术支持{PHONE:cn}或发送邮件至{EMAIL:role}。"),
    ("legal", "保单号{policy}，理赔编号{claim}，赔款{amt}。"),
    ("health", "患者{name}，病历号{mrn}，入院日期{date}，联系电话{PHONE:cn,any}。"),
    ("contact", "电话：{PHONE:cn}，手机：{PHONE:cn,mob}，邮箱：{EMAIL}"),
    ("contact", "如有疑问请致电{PHONE:cn,any}或发邮件至{EMAIL:p}。"),
]

TEMPLATES = {"en": EN, "de": DE, "fr": FR, "es": ES, "el": EL, "ru": RU, "ja": JA, "zh": ZH}
NEG.update({
    "t2": lambda lang: f"{R.randint(25, 30)}{R.randint(1, 12):02d}{pick('101', '201', '221')}"
                       f"{dg(pick(8, 11, 13))}",
    "mt940date": lambda lang: f"{R.randint(23, 25)}{R.randint(1, 12):02d}{R.randint(1, 28):02d}",
    "dg2": lambda lang: dg(2), "dg3": lambda lang: dg(3, "123456789"),
    "dg4": lambda lang: dg(4, "123456789"), "dg5": lambda lang: dg(5),
    "dg6": lambda lang: dg(6, "123456789"), "dg8": lambda lang: dg(8, "123456789"),
    "dg12": lambda lang: dg(12, "0"), "dg16n": lambda lang: dg(16, "0127"),
    "alpha3": lambda lang: alnum(3, "BCDFGHJKLMNPRSTVWXYZ"),
    "year": lambda lang: str(R.randint(2019, 2024)),
})


# ---------------------------------------------------------------- documents

L10N = {
    "en": {"hi": ["Hi {first},", "Dear {first},", "Hello team,", "Dear Sir or Madam,", "Hi all,"],
           "bye": ["Kind regards,", "Best regards,", "Thanks,", "Many thanks,", "Cheers,"],
           "from": "From", "to": "To", "cc": "Cc", "sent": "Sent", "date": "Date",
           "subj": "Subject", "orig": "-----Original Message-----",
           "fwd": ["---------- Forwarded message ---------", "Begin forwarded message:"],
           "wrote": "On {date} at {time}, {name} <{EMAIL:p}> wrote:",
           "subjects": ["Payment run {date}", "RE: Invoice {inv}", "FW: Chargeback {cb}",
                        "Payroll changes for {date}", "RE: Shipment {order}", "Ticket {ticket}",
                        "Claim {claim}", "Updated bank details", "RE: Referral"]},
    "de": {"hi": ["Hallo {first},", "Sehr geehrte Damen und Herren,", "Guten Tag {first},",
                  "Liebe Kolleginnen und Kollegen,"],
           "bye": ["Mit freundlichen Grüßen", "Viele Grüße", "Beste Grüße", "MfG"],
           "from": "Von", "to": "An", "cc": "Cc", "sent": "Gesendet", "date": "Datum",
           "subj": "Betreff", "orig": "-----Ursprüngliche Nachricht-----",
           "fwd": ["---------- Weitergeleitete Nachricht ----------",
                   "Anfang der weitergeleiteten Nachricht:"],
           "wrote": "Am {date} um {time} schrieb {name} <{EMAIL:p}>:",
           "subjects": ["Zahllauf {date}", "AW: Rechnung {inv}", "WG: Rückbuchung {cb}",
                        "Neue Bankverbindung", "AW: Lieferung {order}", "Ticket {ticket}"]},
    "fr": {"hi": ["Bonjour {first},", "Madame, Monsieur,", "Bonjour à tous,"],
           "bye": ["Cordialement,", "Bien à vous,", "Bonne journée,"],
           "from": "De", "to": "À", "cc": "Cc", "sent": "Envoyé", "date": "Date",
           "subj": "Objet", "orig": "-----Message d'origine-----",
           "fwd": ["---------- Message transféré ---------", "Début du message réexpédié :"],
           "wrote": "Le {date} à {time}, {name} <{EMAIL:p}> a écrit :",
           "subjects": ["Facture {inv}", "TR: Impayé {cb}", "RE: Commande {order}",
                        "Changement de coordonnées bancaires"]},
    "es": {"hi": ["Hola {first}:", "Estimados señores:", "Buenos días {first},"],
           "bye": ["Un saludo,", "Saludos cordiales,", "Atentamente,"],
           "from": "De", "to": "Para", "cc": "CC", "sent": "Enviado", "date": "Fecha",
           "subj": "Asunto", "orig": "-----Mensaje original-----",
           "fwd": ["---------- Mensaje reenviado ---------", "Inicio del mensaje reenviado:"],
           "wrote": "El {date}, a las {time}, {name} <{EMAIL:p}> escribió:",
           "subjects": ["Factura {inv}", "RV: Contracargo {cb}", "RE: Pedido {order}",
                        "Cambio de cuenta bancaria"]},
    "el": {"hi": ["Καλημέρα σας,", "Αγαπητέ/ή {first},"], "bye": ["Με εκτίμηση,",
                                                               "Ευχαριστώ,"],
           "from": "Από", "to": "Προς", "cc": "Κοιν.", "sent": "Στάλθηκε", "date": "Ημερομηνία",
           "subj": "Θέμα", "orig": "-----Αρχικό μήνυμα-----",
           "fwd": ["---------- Προωθημένο μήνυμα ---------"],
           "wrote": "Στις {date}, {time}, ο/η {name} <{EMAIL:p}> έγραψε:",
           "subjects": ["Τιμολόγιο {inv}", "RE: Παραγγελία {order}"]},
    "ru": {"hi": ["Добрый день!", "Здравствуйте, коллеги!", "Уважаемый {first}!"],
           "bye": ["С уважением,", "Спасибо,"],
           "from": "От", "to": "Кому", "cc": "Копия", "sent": "Отправлено", "date": "Дата",
           "subj": "Тема", "orig": "-----Исходное сообщение-----",
           "fwd": ["-------- Пересылаемое сообщение --------"],
           "wrote": "{date} в {time}, {name} <{EMAIL:p}> пишет:",
           "subjects": ["Счёт № {inv}", "RE: Заказ {order}", "FW: заявка {ticket}"]},
    "ja": {"hi": ["お世話になっております。", "{first}様\n\nいつもお世話になっております。"],
           "bye": ["よろしくお願いいたします。", "以上、よろしくお願い申し上げます。"],
           "from": "差出人", "to": "宛先", "cc": "CC", "sent": "送信日時", "date": "日付",
           "subj": "件名", "orig": "-----Original Message-----",
           "fwd": ["-------- 転送メッセージ --------"],
           "wrote": "{date} {time} {name} <{EMAIL:p}>:",
           "subjects": ["請求書{inv}の件", "RE: 注文{order}", "FW: チケット{ticket}"]},
    "zh": {"hi": ["您好：", "{first}，你好：", "各位同事好："], "bye": ["此致\n敬礼", "谢谢！", "祝好，"],
           "from": "发件人", "to": "收件人", "cc": "抄送", "sent": "发送时间", "date": "日期",
           "subj": "主题", "orig": "------------------ 原始邮件 ------------------",
           "fwd": ["---------- 转发的邮件 ----------"],
           "wrote": "在 {date} {time}，{name} <{EMAIL:p}> 写道：",
           "subjects": ["发票{inv}", "回复：订单{order}", "转发：工单{ticket}"]},
}

TITLES = {
    "en": ["Accounts Payable Manager", "Payroll Specialist", "Logistics Coordinator",
           "IT Service Desk", "Claims Handler", "Senior Associate", "Credit Controller"],
    "de": ["Kreditorenbuchhaltung", "Lohn und Gehalt", "Disposition", "IT-Service",
           "Schadenabteilung", "Rechtsanwältin"],
    "fr": ["Service comptabilité", "Responsable paie", "Logistique", "Support informatique"],
    "es": ["Departamento de contabilidad", "Nóminas", "Logística", "Soporte técnico"],
    "el": ["Λογιστήριο", "Τμήμα μισθοδοσίας"], "ru": ["Бухгалтерия", "Отдел логистики"],
    "ja": ["経理部", "物流部"], "zh": ["财务部", "物流部"],
}
ADDRESSES = {
    "en": ["1 Canada Square, London E14 5AB", "25 Old Broad Street, London EC2N 1HQ",
           "100 Federal Street, Boston, MA 02110", "350 Fifth Avenue, New York, NY 10118",
           "Deansgate 12, Manchester M3 2BW"],
    "de": ["Leopoldstraße 244, 80807 München", "Kurfürstendamm 21, 10719 Berlin",
           "Am Sandtorkai 50, 20457 Hamburg"],
    "fr": ["12 rue de la Paix, 75002 Paris", "45 quai Rambaud, 69002 Lyon"],
    "es": ["Paseo de la Castellana 95, 28046 Madrid", "Carrer de Balmes 150, 08008 Barcelona"],
    "el": ["Λεωφόρος Κηφισίας 124, 11526 Αθήνα"], "ru": ["ул. Тверская, д. 7, Москва, 125009"],
    "ja": ["〒100-0005 東京都千代田区丸の内2-7-2"], "zh": ["上海市浦东新区世纪大道100号 200120"],
}
DISCLAIMERS = {
    "en": ["{company} is registered in England and Wales under company number {crn}. "
           "Registered office: {addr}. VAT registration number {ukvat}.",
           "This e-mail and any attachments are confidential and intended solely for the "
           "addressee. If you have received it in error please notify the sender on {PHONE} "
           "and delete it.",
           "Authorised and regulated by the Financial Conduct Authority, FRN {dg6}."],
    "de": ["Sitz der Gesellschaft: München, Registergericht: Amtsgericht München {hrb}, "
           "USt-IdNr.: {ustid}, Steuernummer {stnr}, Geschäftsführer: {name}.",
           "Diese E-Mail enthält vertrauliche Informationen. Wenn Sie nicht der richtige "
           "Adressat sind, informieren Sie bitte sofort den Absender unter {PHONE:de}."],
    "fr": ["{company} – SAS au capital de 100 000 € – RCS Paris {siren} – SIRET {siret} – "
           "TVA {tvafr}.",
           "Ce message et ses pièces jointes sont confidentiels. Si vous l'avez reçu par "
           "erreur, merci de prévenir l'expéditeur au {PHONE:fr}."],
    "es": ["{company}, CIF {cif}, inscrita en el Registro Mercantil de Madrid, tomo {dg5}, "
           "folio {count}, hoja M-{dg6}.",
           "Este mensaje es confidencial. Si lo ha recibido por error, comuníquelo al "
           "{PHONE:es} y elimínelo."],
    "el": ["{company}, ΑΦΜ {afm}, ΓΕΜΗ {dg12}."],
    "ru": ["{company}, ИНН {inn}, ОГРН {ogrn}."],
    "ja": ["{company}　法人番号{houjin}"], "zh": ["{company}　统一社会信用代码{uscc}"],
}

# (headers en, de, fr, es, el, ru, ja, zh; cell template)
TABLES = {
    "fin": [[("Invoice", "Rechnung", "Facture", "Factura", "Τιμολόγιο", "Счёт", "請求書", "发票"),
             "{inv}"],
            [("Date", "Datum", "Date", "Fecha", "Ημερομηνία", "Дата", "日付", "日期"), "{date}"],
            [("Amount", "Betrag", "Montant", "Importe", "Ποσό", "Сумма", "金額", "金额"), "{amt}"],
            [("IBAN",) * 8, "{IBAN}"]],
    "stmt": [[("Date", "Buchungstag", "Date", "Fecha", "Ημερομηνία", "Дата", "日付", "日期"), "{date}"],
             [("Details", "Buchungstext", "Libellé", "Concepto", "Περιγραφή", "Описание", "摘要",
               "摘要"),
              "SEPA {inv} {company}"],
             [("Counterparty account", "Gegenkonto", "Compte", "Cuenta", "Λογαριασμός", "Счёт",
               "口座", "账户"), "{IBAN:c}"],
             [("Amount", "Betrag", "Montant", "Importe", "Ποσό", "Сумма", "金額", "金额"), "{amt}"]],
    "card": [[("Cardholder", "Karteninhaber", "Titulaire", "Titular", "Κάτοχος", "Держатель",
               "名義", "持卡人"), "{name}"],
             [("Card number", "Kartennummer", "N° de carte", "N.º de tarjeta", "Αριθμός κάρτας",
               "Номер карты", "カード番号", "卡号"), "{CARD}"],
             [("Expiry", "Gültig bis", "Expiration", "Caducidad", "Λήξη", "Срок", "有効期限", "有效期"),
              "{exp}"],
             [("Order", "Auftrag", "Commande", "Pedido", "Παραγγελία", "Заказ", "注文", "订单"),
              "{order}"]],
    "cardneg": [[("Date",) * 8, "{date}"], [("Card",) * 8, "{masked}"], [("Auth",) * 8, "{auth}"],
                [("ARN",) * 8, "{arn}"], [("Amount",) * 8, "{amt}"]],
    "pay": [[("Employee ID",) * 8, "{empid}"], [("Name",) * 8, "{name:en}"],
            [("SSN",) * 8, "{SSN}"], [("Gross pay",) * 8, "{amt}"]],
    "payuk": [[("Payroll no",) * 8, "{payrollid}"], [("Name",) * 8, "{name:en}"],
              [("NI number",) * 8, "{NINO}"], [("Tax code",) * 8, "{taxcode}"],
              [("Gross",) * 8, "{amt}"]],
    "log": [[("Pos",) * 8, "{count}"], [("GTIN",) * 8, "{gtin14}"], [("SSCC",) * 8, "{sscc}"],
            [("Qty", "Menge", "Qté", "Cant.", "Ποσότητα", "Кол-во", "数量", "数量"), "{count}"],
            [("Weight", "Gewicht", "Poids", "Peso", "Βάρος", "Вес", "重量", "重量"), "{weight}"]],
    "it": [[("Host",) * 8, "{host}"], [("IP",) * 8, "{ip}"], [("MAC",) * 8, "{mac}"],
           [("Serial",) * 8, "{serial}"], [("Port",) * 8, "{port}"]],
    "legal": [[("Claim",) * 8, "{claim}"], [("Policy",) * 8, "{policy}"],
              [("Date",) * 8, "{date}"], [("Reserve",) * 8, "{amt}"]],
    "health": [[("NHS number",) * 8, "{nhs}"], [("MRN",) * 8, "{mrn}"], [("DOB",) * 8, "{dob}"],
               [("Clinic",) * 8, "{count}"]],
    "contact": [[("Name",) * 8, "{name}"], [("Phone", "Telefon", "Téléphone", "Teléfono",
                                           "Τηλέφωνο", "Телефон", "電話", "电话"), "{PHONE:any}"],
                [("E-mail",) * 8, "{EMAIL:p}"]],
}
LANGS = ["en", "de", "fr", "es", "el", "ru", "ja", "zh"]
TABLE_FOR = {"fin": ["fin", "stmt"], "card": ["card", "cardneg"], "pay": ["pay"],
             "payuk": ["payuk"], "log": ["log", "contact"], "it": ["it", "contact"],
             "legal": ["legal", "contact"], "health": ["health"], "contact": ["contact"]}


def table(kind, lang):
    cols = TABLES[kind]
    heads = [c[0][LANGS.index(lang)] if len(c[0]) > 1 else c[0][0] for c in cols]
    rows = [[fill(c[1], lang) for c in cols] for _ in range(R.randint(2, 4))]
    style = wpick([(45, "cells"), (25, "pipe"), (20, "tab"), (10, "kv")])
    out = Rich()
    if style == "cells":
        for h in heads:
            out.add(h + "\n")
        for row in rows:
            for cell in row:
                out.extend(cell).add("\n")
    elif style == "pipe":
        out.add("| " + " | ".join(heads) + " |\n|" + "---|" * len(heads) + "\n")
        for row in rows:
            out.add("| ")
            for k, cell in enumerate(row):
                out.extend(cell).add(" | " if k < len(row) - 1 else " |\n")
    elif style == "tab":
        out.add("\t".join(heads) + "\n")
        for row in rows:
            for k, cell in enumerate(row):
                out.extend(cell).add("\t" if k < len(row) - 1 else "\n")
    else:
        for row in rows:
            for h, cell in zip(heads, row):
                out.add(f"{h}: ").extend(cell).add("\n")
            out.add("\n")
    return out


FREEMAIL = {"gmail.com", "outlook.com", "web.de", "gmx.de", "t-online.de", "orange.fr",
            "laposte.net", "telefonica.net", "hotmail.es", "otenet.gr", "yandex.ru", "mail.ru",
            "docomo.ne.jp", "163.com", "qq.com"}


def signature(lang, p, html):
    out = Rich()
    out.add("--\n" if R.random() < 0.4 else "")
    out.add(p[0] + "\n" + R.choice(TITLES[lang]) + "\n" + company(lang) + "\n")
    if R.random() < 0.7:
        out.add(R.choice(ADDRESSES[lang]) + "\n")
    cc = LANG_CC[lang] if lang != "en" else pick("uk", "us")
    labels = {"en": ("T", "M", "F", "Tel", "Mobile", "Direct"),
              "de": ("T", "M", "F", "Tel.", "Mobil", "Fax"),
              "fr": ("T", "M", "F", "Tél.", "Port.", "Fax"),
              "es": ("T", "M", "F", "Tel.", "Móvil", "Fax"),
              "el": ("Τ", "Κ", "F", "Τηλ.", "Κιν.", "Fax"),
              "ru": ("Т", "М", "Ф", "Тел.", "Моб.", "Факс"),
              "ja": ("TEL", "携帯", "FAX", "TEL", "携帯", "FAX"),
              "zh": ("电话", "手机", "传真", "电话", "手机", "传真")}[lang]
    style = R.randint(0, 2)
    nums = [(labels[3 * (style == 1) + 0], phone([cc, "any", "land"], lang)),
            (labels[3 * (style == 1) + 1], phone([cc, "mob"], lang))]
    if R.random() < 0.4:
        nums.append((labels[3 * (style == 1) + 2], phone([cc, "any", "land"], lang)))
    if style == 2:
        for k, (lab, v) in enumerate(nums):
            out.add(f"{lab} ").add(v, "PHONE").add(" | " if k < len(nums) - 1 else "\n")
    else:
        for lab, v in nums:
            out.add(f"{lab}: ").add(v, "PHONE")
            if html and R.random() < 0.5:
                tel = e164(v, cc)
                out.add(" <tel:").add(tel, "PHONE").add(">")
            out.add("\n")
    e = email_for(p, lang)
    out.add("E-mail: " if lang not in ("ja", "zh") else ("メール：" if lang == "ja" else "邮箱："))
    out.add(e, "EMAIL")
    if html:
        out.add(" <mailto:").add(e, "EMAIL").add(">")
    out.add("\n")
    if R.random() < 0.5 and e.split("@")[1] not in FREEMAIL:
        out.add("www." + e.split("@")[1] + "\n")
    return out


def is_line(t):
    """A template that mail prints as a line of its own (a record, a signature
    line, a log line), not as prose."""
    return ("\n" in t or " | " in t or " · " in t or "\u3000" in t or " – " in t
            or t.startswith(("{ts}", "<", "Tel", "Mobil", "Telefon", "Request body", "SSN",
                             "Social", "NI ", "Statement", "Kontoauszug", "Relevé", "Extracto",
                             "Umsatz", "Bank statement", "Tax ID", "電話", "电话")))


def paragraph(lang, domain, n):
    """n sentences of `domain` (some from other domains), one paragraph; a
    multi-line template becomes its own block."""
    pool = TEMPLATES[lang]
    dom = [t for d, t in pool if d == domain] or [t for _, t in pool]
    blocks, cur = [], Rich()
    for _ in range(n):
        for _ in range(8):  # prefer a template not used yet in this document
            t = R.choice(dom) if R.random() < 0.7 else R.choice(pool)[1]
            if t not in USED:
                break
        USED.add(t)
        r = fill(t, lang)
        if is_line(t):
            blocks.append(r)
            continue
        if cur.c:
            cur.add(" " if lang not in ("ja", "zh") else "")
        cur.extend(r)
    if cur.c:
        blocks.append(cur)
    return blocks


def header_block(lang, outlook=False):
    lz = L10N[lang]
    p1, p2 = person(lang), person(lang)
    out = Rich()
    e1 = email_for(p1, lang)
    if outlook:
        out.add(f"{lz['from']}: {p1[0]} [mailto:").add(e1, "EMAIL").add("]\n")
        out.add(f"{lz['sent']}: " + date(lang) + " " + time_(lang) + "\n")
    else:
        out.add(f"{lz['from']}: {p1[0]} <").add(e1, "EMAIL").add(">\n")
        out.add(f"{lz['date']}: " + date(lang) + " " + time_(lang) + "\n")
    out.add(f"{lz['to']}: ")
    if R.random() < 0.5:
        out.add(p2[0] + " <").add(email_for(p2, lang), "EMAIL").add(">")
    else:
        out.add(email_for(p2, lang, role=True), "EMAIL")
    out.add("\n")
    if R.random() < 0.3:
        out.add(f"{lz['cc']}: ").add(email_for(person(lang), lang), "EMAIL").add("\n")
    out.extend(fill(f"{lz['subj']}: " + R.choice(lz["subjects"]) + "\n", lang))
    return out


def message_body(lang, domain, width, html, split_ok):
    lz = L10N[lang]
    p_to = person(lang)
    out = Rich()
    out.add(R.choice(lz["hi"]).replace("{first}", p_to[0].split()[0 if lang not in
                                                                      ("ja", "zh") else 0]))
    out.add("\n\n")
    for _ in range(R.randint(1, 3)):
        for b in paragraph(lang, domain, R.randint(1, 4)):
            out.extend(b.wrap(width, split_ok) if "\n" not in b.text() else b).add(
                "\n\n" if "\n" in b.text() or R.random() < 0.7 else "\n")
    if R.random() < 0.45:
        out.extend(table(R.choice(TABLE_FOR[domain]), lang)).add("\n")
    if R.random() < 0.3:
        mark = pick("• ", "* ", "- ", "o ", "· ")
        pool = [t for d, t in TEMPLATES[lang] if d == domain and not is_line(t)] or \
            [t for _, t in TEMPLATES[lang] if not is_line(t)]
        for k in range(R.randint(2, 4)):
            item = fill(R.choice(pool), lang)
            m = f"{k + 1}. " if mark == "· " else mark
            out.add(m).extend(item.wrap(width - 2)).add("\n")
        out.add("\n")
    out.add(R.choice(lz["bye"]) + "\n")
    p = person(lang)
    out.extend(signature(lang, p, html))
    if R.random() < 0.35:
        out.add("\n").extend(fill(R.choice(DISCLAIMERS[lang]).replace(
            "{addr}", R.choice(ADDRESSES[lang])), lang).wrap(width)).add("\n")
    return out


USED = set()


def document(lang, domain):
    USED.clear()
    width = R.randint(70, 78)
    html = R.random() < 0.3
    split_ok = R.random() < 0.25
    out = message_body(lang, domain, width, html, split_ok)
    lz = L10N[lang]
    kind = wpick([(40, "reply"), (20, "fwd"), (20, "outlook"), (20, "none")])
    if kind == "reply":
        earlier = message_body(lang, domain, width - 2, html, split_ok and R.random() < 0.5)
        if R.random() < 0.3:
            earlier.add("\n").extend(fill(lz["wrote"], lang)).add("\n").extend(
                message_body(lang, domain, width - 4, html, False).prefix_lines("> "))
        out.add("\n").extend(fill(lz["wrote"], lang)).add("\n").extend(earlier.prefix_lines(
            pick("> ", "> ", ">")))
    elif kind == "fwd":
        out.add("\n" + R.choice(lz["fwd"]) + "\n").extend(header_block(lang)).add("\n")
        out.extend(message_body(lang, domain, width, html, split_ok))
    elif kind == "outlook":
        out.add("\n" + lz["orig"] + "\n").extend(header_block(lang, outlook=True)).add("\n")
        out.extend(message_body(lang, domain, width, html, split_ok))
    if html:
        out.nbsp_in("PHONE")
    if R.random() < 0.3:
        out = out.crlf()
    return out


SENTENCES = {"en": 600, "de": 300, "fr": 230, "es": 230, "el": 100, "ru": 100, "ja": 100,
             "zh": 100}
DOCUMENTS = {"en": 75, "de": 45, "fr": 30, "es": 30, "el": 10, "ru": 10, "ja": 10, "zh": 10}


def attempt(make, what):
    last = None
    for _ in range(200):
        try:
            return finish(make())
        except ValueError as e:
            last = e
    raise SystemExit(f"gen_redteam2: cannot make {what}: {last}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "data", "accuracy-redteam2"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    sents, docs = [], []
    for lang, n in SENTENCES.items():
        pool = list(TEMPLATES[lang])
        order_ = []
        while len(order_) < n:
            R.shuffle(pool)
            order_ += pool
        for k, (domain, tpl) in enumerate(order_[:n]):
            text, spans = attempt(lambda: fill(tpl, lang), tpl)
            sents.append({"id": f"rt2-s-{lang}-{k:04d}", "lang": lang, "domain": domain,
                          "text": text, "expected": spans})
    for lang, n in DOCUMENTS.items():
        domains = sorted({d for d, _ in TEMPLATES[lang]})
        for k in range(n):
            domain = domains[k % len(domains)]
            text, spans = attempt(lambda: document(lang, domain), f"{lang} document")
            docs.append({"id": f"rt2-d-{lang}-{k:03d}", "lang": lang, "domain": domain,
                         "text": text, "expected": spans})
    for name, cases in (("sentences.jsonl", sents), ("documents.jsonl", docs)):
        with open(os.path.join(args.out, name), "w", encoding="utf-8") as f:
            for c in cases:
                f.write(json.dumps(c, ensure_ascii=False) + "\n")
    counts = {}
    for c in sents + docs:
        for _, _, t in c["expected"]:
            counts[t] = counts.get(t, 0) + 1
    print(f"{len(sents)} sentences, {len(docs)} documents; labels: "
          + ", ".join(f"{t} {counts.get(t, 0)}" for t in TYPES.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
