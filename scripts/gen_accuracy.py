#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Generate Redline's adversarial accuracy sets (fixed seed, reproducible).

Writes tests/data/accuracy/{sentences,documents}.jsonl in the case format of
../shared/corpus/presidio-pii: {"id", "lang", "text", "expected": [[start,
end, TYPE], ...]} with UTF-8 byte offsets. Each case is ordinary business
mail in one of eight languages: orders, invoices, tickets, cases, references,
dates, amounts, postcodes, tracking codes, product codes and VAT numbers side
by side with valid identifiers (cards, IBANs, SSNs, NINOs, e-mail addresses,
phone numbers) and with near misses that must not be found (a card or IBAN
with a bad check digit, an SSN in a never-issued range, a NINO with an
unallocated prefix, a bare number next to a keyword but named by a closer
order or invoice word). Documents add what mail does to text: paragraphs,
quoted replies ("> ", nested), lines wrapped at 60-76 columns (so grouped
identifiers break across lines), CRLF, signatures.

The identifiers are generated, never real: cards from public issuer prefixes
with a Luhn digit, IBANs from the registry's BBAN layouts with mod-97 check
digits, SSNs and NINOs in their issued ranges. Distractors are built so that
they are not valid identifiers of any type (a tracking number that happened
to pass Luhn inside a card issuer range would be a card to any reader).

    python3 scripts/gen_accuracy.py [--out tests/data/accuracy] [--seed 11]
"""

import argparse
import json
import os
import random
import string
import sys
from checkdigits import luhn_digit, luhn_ok

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# ---------------------------------------------------------------- identifiers


# (prefix chooser, length, layout name) of cards people actually hold.
CARD_BRANDS = [
    (lambda r: "4", 16, "4444"),
    (lambda r: str(r.randint(51, 55)), 16, "4444"),
    (lambda r: str(r.randint(2221, 2720)), 16, "4444"),
    (lambda r: r.choice(["34", "37"]), 15, "465"),
    (lambda r: r.choice(["6011", "65", str(r.randint(644, 649))]), 16, "4444"),
    (lambda r: str(r.randint(3528, 3589)), 16, "4444"),
    (lambda r: "36", 14, "464"),
    (lambda r: "62", 16, "4444"),
    (lambda r: r.choice(["5018", "5020", "6304", "6759"]), 16, "4444"),
    (lambda r: "4", 19, "44443"),
    (lambda r: r.choice(["6304", "6759", "5018"]), 19, "44443"),
]

PUBLIC_TEST_CARDS = ["4111111111111111", "5555555555554444", "378282246310005",
                     "4012888888881881", "6011111111111117", "3530111333300000",
                     "5105105105105100", "4000056655665556", "2223003122003222"]


def card_number(r):
    if r.random() < 0.1:
        return r.choice(PUBLIC_TEST_CARDS)
    prefix, length, _ = r.choice(CARD_BRANDS)
    p = prefix(r)
    body = p + "".join(r.choice(string.digits) for _ in range(length - len(p) - 1))
    return body + luhn_digit(body)


def group(s, sizes, sep):
    out, i = [], 0
    for n in sizes:
        out.append(s[i:i + n])
        i += n
    if i < len(s):
        out.append(s[i:])
    return sep.join(x for x in out if x)


def card_layout(r, pan):
    n = len(pan)
    sizes = {15: [4, 6, 5], 14: [4, 6, 4], 19: [4, 4, 4, 4, 3]}.get(n, [4, 4, 4, 4])
    k = r.random()
    if k < 0.45:
        return group(pan, sizes, " ")
    if k < 0.7:
        return group(pan, sizes, "-")
    if k < 0.8 and n == 16:
        return group(pan, [4, 4, 4, 4], "\u00a0")  # pasted from a word processor
    return pan


# SWIFT IBAN registry BBAN layouts: (kind, count), a = A-Z, n = 0-9, c = A-Z0-9.
IBAN_BBAN = {
    "GB": "4a6n8n", "DE": "18n", "FR": "10n11c2n", "ES": "20n", "IT": "1a10n12c",
    "NL": "4a10n", "BE": "12n", "CH": "5n12c", "AT": "16n", "PL": "24n", "SE": "20n",
    "NO": "11n", "DK": "14n", "IE": "4a14n", "PT": "21n", "LU": "3n13c", "FI": "14n",
    "CZ": "20n", "GR": "7n16c", "HU": "24n", "RO": "4a16c", "HR": "17n", "SK": "20n",
    "SI": "15n", "LT": "16n", "LV": "4a13c", "EE": "16n", "BG": "4a6n8c", "CY": "8n16c",
    "MT": "4a5n18c", "TR": "5n1n16c", "AE": "19n", "SA": "2n18c", "IS": "22n",
}


def iban_number(r, cc=None):
    cc = cc or r.choice(list(IBAN_BBAN))
    spec, bban, i = IBAN_BBAN[cc], "", 0
    while i < len(spec):
        j = i
        while spec[j].isdigit():
            j += 1
        count, kind = int(spec[i:j]), spec[j]
        pool = {"a": string.ascii_uppercase, "n": string.digits,
                "c": string.ascii_uppercase + string.digits}[kind]
        if kind == "c":  # mostly digits, as banks issue them
            pool = string.digits * 4 + string.ascii_uppercase
        bban += "".join(r.choice(pool) for _ in range(count))
        i = j + 1
    num = int("".join(str(int(ch, 36)) for ch in bban + cc + "00"))
    return cc + "%02d" % (98 - num % 97) + bban


def iban_ok(s):
    s = s.replace(" ", "")
    num = int("".join(str(int(ch, 36)) for ch in s[4:] + s[:4]))
    return num % 97 == 1


def iban_layout(r, iban):
    k = r.random()
    if k < 0.55:
        return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))
    if k < 0.6:
        return "\u00a0".join(iban[i:i + 4] for i in range(0, len(iban), 4))
    if k < 0.64:  # the paper form with dots or doubled spaces
        return (".", "  ")[int(k * 100) % 2].join(iban[i:i + 4] for i in range(0, len(iban), 4))
    return iban


def ssn_number(r):
    while True:
        area = r.randint(1, 899)
        if area != 666:
            break
    g, s = r.randint(1, 99), r.randint(1, 9999)
    return "%03d%02d%04d" % (area, g, s)


def ssn_layout(r, ssn, bare_ok):
    k = r.random()
    if bare_ok and k < 0.25:
        return ssn
    sep = "-" if k < 0.8 else " "
    return ssn[:3] + sep + ssn[3:5] + sep + ssn[5:]


NINO_FIRST = [c for c in string.ascii_uppercase if c not in "DFIQUV"]
NINO_SECOND = [c for c in string.ascii_uppercase if c not in "DFIOQUV"]


def nino_number(r):
    while True:
        p = r.choice(NINO_FIRST) + r.choice(NINO_SECOND)
        if p not in ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ"):
            break
    d = "".join(r.choice(string.digits) for _ in range(6))
    return p, d, r.choice("ABCD")


def nino_layout(r, parts):
    p, d, s = parts
    k = r.random()
    if k < 0.35:
        return f"{p} {d[:2]} {d[2:4]} {d[4:]} {s}"
    if k < 0.4:  # pasted from a word processor
        return f"{p}\u00a0{d[:2]}\u00a0{d[2:4]}\u00a0{d[4:]}\u00a0{s}"
    if k < 0.45:
        return f"{p}-{d[:2]}-{d[2:4]}-{d[4:]}-{s}"
    if k < 0.5:
        return f"{p} {d[:3]} {d[3:]} {s}"
    return p + d + s


def ogm(r):
    """A Belgian structured payment reference, +++ddd/dddd/ddddd+++ (mod 97)."""
    n = r.randint(1, 10 ** 10 - 1)
    c = n % 97 or 97
    d = "%010d%02d" % (n, c)
    return f"+++{d[:3]}/{d[3:7]}/{d[7:]}+++"


FIRST = ["anna", "ben", "carla", "david", "elena", "farid", "greta", "hugo", "ines", "jonas",
         "kim", "lea", "marco", "nina", "oskar", "paula", "rafael", "sofia", "tomas", "yuki"]
LAST = ["schmidt", "martin", "garcia", "rossi", "jansen", "silva", "kowalski", "smith",
        "dubois", "fischer", "lopez", "bianchi", "devries", "costa", "nowak", "brown"]
DOMAINS = ["example.com", "acme-corp.de", "mail.example.org", "lieferant.de", "societe.fr",
           "empresa.es", "azienda.it", "bedrijf.nl", "empresa.com.br", "firma.pl",
           "consulting.co.uk", "xn--mller-kva.de", "post.example.net"]


def email_address(r):
    f, l = r.choice(FIRST), r.choice(LAST)
    local = r.choice([f"{f}.{l}", f"{f[0]}.{l}", f"{f}{r.randint(1, 99)}", f"{f}_{l}",
                      f"{f}.{l}+orders", l, "billing", "support", "info"])
    if r.random() < 0.1:
        local = local.capitalize()
    return local + "@" + r.choice(DOMAINS)


def digits(r, n, first=None):
    s = first if first is not None else r.choice("123456789")
    return s + "".join(r.choice(string.digits) for _ in range(n - len(s)))


def phone_number(r, lang):
    """A phone number written the way people in `lang` write them."""
    c = {
        "en": [lambda: f"({digits(r, 3, r.choice('2345678'))}) {digits(r, 3, r.choice('2345678'))}-{digits(r, 4, '')}",
               lambda: f"{digits(r, 3, r.choice('2345678'))}-{digits(r, 3, r.choice('2345678'))}-{digits(r, 4, '')}",
               lambda: f"{digits(r, 3, r.choice('2345678'))}.{digits(r, 3, r.choice('2345678'))}.{digits(r, 4, '')}",
               lambda: f"+1 {digits(r, 3, r.choice('2345678'))} {digits(r, 3, r.choice('2345678'))} {digits(r, 4, '')}",
               lambda: f"+1-{digits(r, 3, r.choice('2345678'))}-{digits(r, 3, r.choice('2345678'))}-{digits(r, 4, '')}",
               lambda: f"+44 20 {digits(r, 4, r.choice('378'))} {digits(r, 4, '')}",
               lambda: f"020 {digits(r, 4, r.choice('378'))} {digits(r, 4, '')}",
               lambda: f"07{digits(r, 3, '')} {digits(r, 6, '')}",
               lambda: f"+44 7{digits(r, 3, '')} {digits(r, 6, '')}",
               lambda: f"1-800-{digits(r, 3, r.choice('2345678'))}-{digits(r, 4, '')}"],
        "de": [lambda: f"+49 30 {digits(r, 8)}", lambda: f"030 {digits(r, 8)}",
               lambda: f"0{r.choice(['151', '160', '171', '176'])} {digits(r, 7)}",
               lambda: f"+49 (0){r.choice(['30', '89', '40'])} {digits(r, 7)}",
               lambda: f"0{r.choice(['89', '40', '221'])}/{digits(r, 7)}",
               lambda: f"+49 {r.choice(['151', '171'])} {digits(r, 8)}",
               lambda: f"0049 {r.choice(['30', '89'])} {digits(r, 7)}"],
        "fr": [lambda: "0" + r.choice("123456789") + " " + " ".join(digits(r, 2, "") for _ in range(4)),
               lambda: "+33 " + r.choice("1234567") + " " + " ".join(digits(r, 2, "") for _ in range(4)),
               lambda: "0" + r.choice("67") + "." + ".".join(digits(r, 2, "") for _ in range(4)),
               lambda: "+33 (0)" + r.choice("1234567") + " " + " ".join(digits(r, 2, "") for _ in range(4))],
        "es": [lambda: f"+34 {digits(r, 3, r.choice('69'))} {digits(r, 3, '')} {digits(r, 3, '')}",
               lambda: f"+34 {digits(r, 3, r.choice('69'))} {digits(r, 2, '')} {digits(r, 2, '')} {digits(r, 2, '')}",
               lambda: f"(+34) {digits(r, 9, r.choice('69'))}"],
        "it": [lambda: f"+39 06 {digits(r, 4)} {digits(r, 4, '')}",
               lambda: f"06 {digits(r, 4)} {digits(r, 4, '')}",
               lambda: f"+39 3{digits(r, 2, '')} {digits(r, 7, '')}",
               lambda: f"02-{digits(r, 8)}"],
        "nl": [lambda: f"020-{digits(r, 7)}", lambda: f"+31 20 {digits(r, 3)} {digits(r, 4, '')}",
               lambda: f"06-{digits(r, 8)}", lambda: f"+31 6 {digits(r, 8)}"],
        "pt": [lambda: f"+351 {digits(r, 3, r.choice('29'))} {digits(r, 3, '')} {digits(r, 3, '')}",
               lambda: f"+55 11 {digits(r, 5, '9')}-{digits(r, 4, '')}",
               lambda: f"(11) {digits(r, 5, '9')}-{digits(r, 4, '')}"],
        "pl": [lambda: f"+48 {digits(r, 3, r.choice('5678'))} {digits(r, 3, '')} {digits(r, 3, '')}",
               lambda: f"+48 22 {digits(r, 3)} {digits(r, 2, '')} {digits(r, 2, '')}",
               lambda: f"(22) {digits(r, 3)} {digits(r, 2, '')} {digits(r, 2, '')}"],
    }[lang]
    return r.choice(c)()


# ---------------------------------------------------------------- distractors
# Each returns text that must not be found as any identifier.


def not_card(s):
    """True unless `s` (any separators) reads as a Luhn-valid 12-19 digit run."""
    d = "".join(ch for ch in s if ch.isdigit())
    return not (12 <= len(d) <= 19 and luhn_ok(d))


def order_no(r):
    while True:
        s = r.choice([lambda: digits(r, r.randint(5, 8)), lambda: "45" + digits(r, 8, ""),
                      lambda: f"#{digits(r, 6)}", lambda: f"PO-{r.randint(2019, 2026)}-{digits(r, 5, '0')}",
                      lambda: f"{digits(r, 3)}-{digits(r, 7, '')}-{digits(r, 7, '')}",
                      lambda: f"SO{digits(r, 7)}", lambda: f"{r.randint(2019, 2026)}/{digits(r, 4, '0')}"])()
        if not_card(s):
            return s


def invoice_no(r):
    return r.choice([lambda: f"INV-{r.randint(2019, 2026)}-{digits(r, 4, '0')}",
                     lambda: f"{r.randint(2019, 2026)}{digits(r, 5, '0')}",
                     lambda: f"RE-{digits(r, 6)}", lambda: f"FA{r.randint(19, 26)}-{digits(r, 5)}",
                     lambda: f"{digits(r, 7)}", lambda: f"No. {digits(r, 5)}"])()


def ticket_no(r):
    return r.choice([lambda: f"#{digits(r, 5)}", lambda: f"{digits(r, 8, '0')}",
                     lambda: f"INC{digits(r, 7, '0')}", lambda: f"SR 1-{digits(r, 9)}",
                     lambda: f"OPS-{digits(r, 4)}", lambda: f"{digits(r, 9)}",
                     lambda: f"{digits(r, 10)}"])()


def ref_no(r):
    return r.choice([lambda: f"{r.randint(2019, 2026)}-{r.randint(1, 12):02d}-{digits(r, 4, '0')}",
                     lambda: f"{digits(r, 3)}/{digits(r, 3)}/{digits(r, 3)}",
                     lambda: f"RMA {digits(r, 7)}", lambda: f"{digits(r, 3)} {digits(r, 3)} {digits(r, 3)}",
                     lambda: f"AZ {digits(r, 2)}/{digits(r, 4)}", lambda: f"{digits(r, 11)}",
                     lambda: f"{digits(r, 4)}.{digits(r, 4)}.{digits(r, 4)}"])()


def date(r, lang):
    y, m, d = r.randint(2019, 2027), r.randint(1, 12), r.randint(1, 28)
    months = {"en": ["January", "March", "May", "July", "October", "December"],
              "de": ["Januar", "März", "Mai", "Juli", "Oktober", "Dezember"],
              "fr": ["janvier", "mars", "mai", "juillet", "octobre", "décembre"],
              "es": ["enero", "marzo", "mayo", "julio", "octubre", "diciembre"],
              "it": ["gennaio", "marzo", "maggio", "luglio", "ottobre", "dicembre"],
              "nl": ["januari", "maart", "mei", "juli", "oktober", "december"],
              "pt": ["janeiro", "março", "maio", "julho", "outubro", "dezembro"],
              "pl": ["stycznia", "marca", "maja", "lipca", "października", "grudnia"]}[lang]
    return r.choice([f"{y}-{m:02d}-{d:02d}", f"{d:02d}/{m:02d}/{y}", f"{d:02d}.{m:02d}.{y}",
                     f"{d} {r.choice(months)} {y}", f"{m}/{d}/{y}", f"{d:02d}-{m:02d}-{y}",
                     f"{y}{m:02d}{d:02d}"])


def amount(r, lang):
    v = r.randint(1, 9_999_999)
    c = r.randint(0, 99)
    en = f"{v:,}.{c:02d}"
    eu = en.replace(",", "X").replace(".", ",").replace("X", ".")
    fr = f"{v:,}".replace(",", "\u202f") + f",{c:02d}"
    sp = f"{v:,}".replace(",", " ") + f",{c:02d}"
    return r.choice({"en": [f"${en}", f"USD {en}", f"£{en}", f"GBP {en}", f"{en} EUR"],
                     "de": [f"{eu} €", f"EUR {eu}", f"{eu} EUR", f"CHF {v:,}.{c:02d}".replace(",", "'")],
                     "fr": [f"{fr} €", f"{sp} €", f"{sp} EUR"],
                     "es": [f"{eu} €", f"{eu} EUR"], "it": [f"€ {eu}", f"{eu} euro"],
                     "nl": [f"€ {eu}", f"EUR {eu}"], "pt": [f"R$ {eu}", f"{eu} €"],
                     "pl": [f"{sp} zł", f"{sp} PLN"]}[lang])


def time_of_day(r):
    return r.choice([f"{r.randint(7, 18)}:{r.choice(['00', '15', '30', '45'])}",
                     f"{r.randint(8, 11)}:00-{r.randint(12, 17)}:30"])


def postcode(r):
    return r.choice([f"D-{digits(r, 5)} Berlin", f"75{digits(r, 3, '0')} Paris",
                     f"SW1A {r.randint(1, 9)}AA", f"NY {digits(r, 5)}-{digits(r, 4)}",
                     f"{digits(r, 4)} AB Amsterdam", f"28{digits(r, 3, '0')} Madrid",
                     f"00-{digits(r, 3)} Warszawa", f"CA {digits(r, 5, '9')}"])


def tracking(r):
    while True:
        s = r.choice([lambda: "1Z" + "".join(r.choice(string.ascii_uppercase + string.digits) for _ in range(16)),
                      lambda: f"{digits(r, 4, '7')} {digits(r, 4, '')} {digits(r, 4, '')}",
                      lambda: "JJD" + digits(r, 18, "0"), lambda: digits(r, 10, "1"),
                      lambda: "94" + " ".join(digits(r, 4, "") for _ in range(5))[2:] + " " + digits(r, 2, ""),
                      lambda: f"RR{digits(r, 9)}DE", lambda: digits(r, 22, "92"),
                      # UPS as printed: "1Z 9F1 22E 03 4472 1198"
                      lambda: "1Z " + " ".join("".join(r.choice(string.ascii_uppercase + string.digits)
                                                       for _ in range(3)) for _ in range(2)) +
                      f" {digits(r, 2, '0')} {digits(r, 4, '')} {digits(r, 4, '')}",
                      # named by the carrier: "FedEx 0161 0797 2174", "DHL 8606557444"
                      lambda: f"FedEx {digits(r, 4, '0')} {digits(r, 4, '')} {digits(r, 4, '')}",
                      lambda: f"DHL {digits(r, 10, '123456789')}"])()
        d = "".join(ch for ch in s if ch.isdigit())
        # No prefix may read as a Luhn-valid card number.
        if not any(luhn_ok(d[:n]) for n in range(12, min(len(d), 19) + 1)):
            return s


def product_code(r):
    while True:
        ean = digits(r, 12, r.choice("4578")) if r.random() < 0.5 else "978" + digits(r, 9, "")
        s = ean + str((10 - sum((3 if i % 2 else 1) * int(x) for i, x in enumerate(ean)) % 10) % 10)
        out = r.choice([f"EAN {s}", f"SKU {digits(r, 6)}-{digits(r, 2)}", f"Art.-Nr. {digits(r, 6)}",
                        f"ISBN {s[:3]}-{s[3]}-{s[4:7]}-{s[7:12]}-{s[12]}", f"{s}",
                        f"P/N {digits(r, 4)}-{digits(r, 4)}-{digits(r, 2)}"])
        if not_card(out.split()[-1]):
            return out


def vat_no(r):
    return r.choice([f"DE{digits(r, 9)}", f"DE {digits(r, 3)} {digits(r, 3)} {digits(r, 3)}",
                     f"FR{digits(r, 11)}", f"GB{digits(r, 9)}", f"NL{digits(r, 9)}B01",
                     f"CHE-{digits(r, 3)}.{digits(r, 3)}.{digits(r, 3)}", f"IT{digits(r, 11, '0')}",
                     f"SIRET {digits(r, 3)} {digits(r, 3)} {digits(r, 3)} {digits(r, 5, '0')}"])


def bad_card(r):
    """A card-shaped number that fails Luhn, and holds no shorter valid card
    in its first 16 digits (a 19-digit number whose first 16 digits pass is
    a card followed by three digits, as "4111 1111 1111 1111 123")."""
    while True:
        pan = card_number(r)
        wrong = str((int(pan[-1]) + r.randint(1, 9)) % 10)
        bad = pan[:-1] + wrong
        if not (len(bad) == 19 and luhn_ok(bad[:16])):
            return card_layout(r, bad)


def bad_iban(r):
    iban = iban_number(r)
    chk = int(iban[2:4])
    wrong = "%02d" % ((chk + r.randint(1, 90)) % 97 + 2 if chk < 96 else 3)
    s = iban[:2] + wrong + iban[4:]
    if iban_ok(s):
        s = s[:-1] + str((int(s[-1]) + 1) % 10) if s[-1].isdigit() else s[:-1] + "0"
    return iban_layout(r, s) if not iban_ok(s) else bad_iban(r)


def bad_ssn(r):
    a = r.choice(["000", "666", str(r.randint(900, 999))])
    return f"{a}-{digits(r, 2, '')}-{digits(r, 4, '')}".replace("-00-", "-01-")


def bad_nino(r):
    return f"{r.choice(['DF', 'QQ', 'GB', 'NK', 'BG', 'TN'])} {digits(r, 2, '')} {digits(r, 2, '')} {digits(r, 2, '')} {r.choice('ABCD')}"


# ---------------------------------------------------------------- templates
# Placeholders: positive {card} {iban} {ssn} {ssn_bare} {nino} {email} {phone};
# distractors {order} {invoice} {ticket} {ref} {date} {amount} {time} {post}
# {track} {product} {vat} {bad_card} {bad_iban} {bad_ssn} {bad_nino} {name}
# {num9} {num10} (bare digit runs that are not identifiers) {ogm}; positive
# {card_exp} (an expiry glued on) {card_url} (groups joined by "+" or "%20")
# {card_typed} (6-13, 4-4-8, 4-4-4-2, underscores) {card_glued} (a word glued
# before or after) {iban_mixed} (mixed case, or "IBAN" glued before).

T = {
    "en": [
        "Order {order}: please charge my card {card} today.",
        "Ticket closed.\n\nMy IBAN is {iban} thanks",
        "Invoice {invoice} dated {date} for {amount} is attached; please pay to IBAN {iban}.",
        "Re: case {ticket}. The customer's SSN is {ssn} and the refund is {amount}.",
        "Our reference {ref}. Payment by card {card}, expiry 0{exp}/2{exp}.",
        "Please call {name} on {phone} about order {order} before {time}.",
        "Tracking number {track}, shipped {date}. Questions? Email {email}.",
        "Employee {name}, National Insurance number {nino}, starts on {date}.",
        "Your order {order} of {amount} will ship on {date}.",
        "Please quote invoice {invoice} and our ref {ref} on all correspondence.",
        "Call me about invoice {num10} when you can.",
        "Ticket {num9} was merged into case {ticket}.",
        "The card ending in {last4} was declined; the order {order} is on hold.",
        "Card {bad_card} was rejected by the bank (check digit).",
        "The IBAN {bad_iban} on file failed validation, please send it again.",
        "SSN {ssn_bare} belongs to the applicant in case {ticket}.",
        "Wire {amount} to account {iban} by {date}, reference {ref}.",
        "Case {ticket}: the caller gave {bad_ssn} as SSN, which is not a valid number.",
        "He wrote his NI number as {bad_nino} but that prefix is not allocated.",
        "Product {product} is back in stock; order {order} ships {date}.",
        "Our VAT number is {vat}, company registration {num9}.",
        "Contact: {name}, {email}, tel. {phone}",
        "Hi {name}, the replacement card {card} arrives by {date}. Ticket {ticket}.",
        "Order {order} / invoice {invoice} / card {card} / amount {amount}",
        "Please refund {amount} to card {card}; the order number was {order}.",
        "Delivery to {post} is scheduled for {date} between {time}.",
        "Serial number {ref}, warranty until {date}.",
        "Her social security number {ssn} was in the attached file for case {ticket}.",
        "Reference: {ref}\nIBAN: {iban}\nBIC: {bic}",
        "Checkout export for order {order}: {card_exp} (declined).",
        "Update your payment method: https://pay.example/checkout?pan={card_url}&order={order}",
        "Taxpayer ID {ssn} was submitted with the W-9 for invoice {invoice}.",
        "Balance of {amount} due on {date} (invoice {invoice}).",
        "Card on file: {card_typed}, please update the expiry.",
        "Form dump from the old checkout: {card_glued}",
        "My IBAN is {iban_mixed}, thanks.",
        "Sure, my social is {ssn_bare} if the bank asks (soc. sec. no. on the W-2)."
    ],
    "de": [
        "Bestellung {order}: bitte belasten Sie meine Kreditkarte {card}.",
        "Rechnung {invoice} vom {date} über {amount}, zahlbar auf IBAN {iban}.",
        "Meine Bankverbindung: IBAN {iban}, BIC {bic}. Kundennummer {order}.",
        "Ticket {ticket} erledigt. Rückfragen bitte an {email} oder Tel. {phone}.",
        "Die Sendungsnummer lautet {track}, Zustellung am {date} an {post}.",
        "Bitte überweisen Sie {amount} bis zum {date} unter Angabe der Rechnungsnummer {invoice}.",
        "Ihre Karte {bad_card} wurde abgelehnt (Prüfziffer falsch).",
        "Die IBAN {bad_iban} ist ungültig, bitte prüfen.",
        "Unser Zeichen {ref}, Ihre Bestellung {order} vom {date}.",
        "Artikel {product}, Menge 12, Einzelpreis {amount}.",
        "Rufen Sie mich wegen Rechnung {num10} an.",
        "Mit freundlichen Grüßen\n{name}\nTelefon: {phone}\nE-Mail: {email}",
        "Zahlung per Karte {card} für Auftrag {order} am {date} erhalten.",
        "USt-IdNr. {vat}, Handelsregister HRB {num6}.",
        "Vorgang {ticket}: Kreditkartennummer {card}, gültig bis 0{exp}/2{exp}.",
        "Meine Kartennummer lautet {card_typed}.",
        "Export der alten Kasse: {card_glued}",
        "Meine IBAN: {iban_mixed}"
    ],
    "fr": [
        "Commande {order} : merci de débiter ma carte {card} aujourd'hui.",
        "Facture {invoice} du {date} d'un montant de {amount}, à régler sur l'IBAN {iban}.",
        "Mes coordonnées bancaires : IBAN {iban}, BIC {bic}.",
        "Dossier {ticket} clos. Pour toute question : {email} ou au {phone}.",
        "Numéro de suivi {track}, livraison prévue le {date}.",
        "La carte {bad_card} a été refusée par la banque.",
        "Notre référence {ref}, votre commande {order} du {date}.",
        "Merci de rappeler au sujet de la facture {num10}.",
        "Cordialement,\n{name}\nTél. : {phone}",
        "Remboursement de {amount} sur la carte {card}, commande n° {order}.",
        "Numéro de TVA {vat}, livraison à {post}.",
        "L'IBAN {bad_iban} ne passe pas la vérification.",
        "Numéro de carte : {card_typed}.",
        "Extrait du formulaire : {card_glued}",
        "Mon IBAN est {iban_mixed}."
    ],
    "es": [
        "Pedido {order}: por favor cargue mi tarjeta {card} hoy.",
        "Factura {invoice} del {date} por {amount}, pagadera en la cuenta IBAN {iban}.",
        "Mis datos bancarios: IBAN {iban}.",
        "Incidencia {ticket} cerrada. Dudas a {email} o al teléfono {phone}.",
        "Número de seguimiento {track}, entrega el {date}.",
        "La tarjeta {bad_card} fue rechazada.",
        "Nuestra referencia {ref}; su pedido {order} del {date}.",
        "Un saludo,\n{name}\nTel. {phone}",
        "Reembolso de {amount} a la tarjeta {card} por el pedido {order}.",
        "Llámeme por la factura {num10}, por favor.",
        "El número de la tarjeta es {card_typed}.",
        "Volcado del formulario: {card_glued}",
        "Mi IBAN es {iban_mixed}."
    ],
    "it": [
        "Ordine {order}: addebitate pure la mia carta {card}.",
        "Fattura {invoice} del {date} di {amount}, da pagare sull'IBAN {iban}.",
        "Coordinate bancarie: IBAN {iban}.",
        "Pratica {ticket} chiusa. Per domande: {email}, tel. {phone}.",
        "Numero di tracking {track}, consegna il {date}.",
        "La carta {bad_card} è stata rifiutata.",
        "Cordiali saluti\n{name}\nTelefono {phone}",
        "Rimborso di {amount} sulla carta {card} per l'ordine {order}.",
        "P.IVA {vat}, riferimento {ref}.",
        "Il numero della carta è {card_typed}.",
        "Dati del modulo: {card_glued}",
        "Il mio IBAN è {iban_mixed}."
    ],
    "nl": [
        "Bestelling {order}: schrijf het bedrag af van mijn creditcard {card}.",
        "Factuur {invoice} van {date} ter waarde van {amount}, over te maken naar IBAN {iban}.",
        "Mijn rekeningnummer is {iban}.",
        "Ticket {ticket} gesloten. Vragen? Mail {email} of bel {phone}.",
        "Track & trace {track}, bezorging op {date}.",
        "De kaart {bad_card} werd geweigerd.",
        "Met vriendelijke groet,\n{name}\nT {phone}",
        "Terugbetaling van {amount} op kaart {card}, bestelnummer {order}.",
        "Gelieve {amount} over te maken met gestructureerde mededeling {ogm}.",
        "Mijn kaartnummer is {card_typed}.",
        "Formulierexport: {card_glued}",
        "Mijn IBAN is {iban_mixed}."
    ],
    "pt": [
        "Pedido {order}: por favor debite o meu cartão {card}.",
        "Fatura {invoice} de {date} no valor de {amount}, pagar no IBAN {iban}.",
        "Os meus dados bancários: IBAN {iban}.",
        "Chamado {ticket} encerrado. Dúvidas: {email} ou tel. {phone}.",
        "Código de rastreio {track}, entrega em {date}.",
        "O cartão {bad_card} foi recusado.",
        "Atenciosamente,\n{name}\nTelefone: {phone}",
        "O número do cartão é {card_typed}.",
        "Exportação do formulário: {card_glued}",
        "O meu IBAN é {iban_mixed}."
    ],
    "pl": [
        "Zamówienie {order}: proszę obciążyć moją kartę {card}.",
        "Faktura {invoice} z dnia {date} na kwotę {amount}, płatna na IBAN {iban}.",
        "Numer rachunku: {iban}.",
        "Zgłoszenie {ticket} zamknięte. Pytania: {email} lub tel. {phone}.",
        "Numer przesyłki {track}, dostawa {date}.",
        "Karta {bad_card} została odrzucona.",
        "Pozdrawiam\n{name}\ntel. {phone}",
        "Numer karty: {card_typed}.",
        "Eksport formularza: {card_glued}",
        "Mój IBAN to {iban_mixed}."
    ],
}

GREET = {"en": ["Hi {n},", "Dear {n},", "Hello,"], "de": ["Hallo {n},", "Sehr geehrte Damen und Herren,"],
         "fr": ["Bonjour {n},", "Madame, Monsieur,"], "es": ["Hola {n}:", "Estimado cliente:"],
         "it": ["Buongiorno {n},", "Gentile cliente,"], "nl": ["Beste {n},", "Geachte heer/mevrouw,"],
         "pt": ["Olá {n},", "Prezado cliente,"], "pl": ["Dzień dobry,", "Szanowni Państwo,"]}
WROTE = {"en": "On {date}, {name} <{email}> wrote:", "de": "Am {date} schrieb {name} <{email}>:",
         "fr": "Le {date}, {name} <{email}> a écrit :", "es": "El {date}, {name} <{email}> escribió:",
         "it": "Il giorno {date} {name} <{email}> ha scritto:", "nl": "Op {date} schreef {name} <{email}>:",
         "pt": "Em {date}, {name} <{email}> escreveu:", "pl": "W dniu {date} {name} <{email}> napisał:"}

POSITIVE = {"card": "CREDIT_CARD", "card_exp": "CREDIT_CARD", "card_url": "CREDIT_CARD",
            "iban": "IBAN", "ssn": "US_SSN", "ssn_bare": "US_SSN",
            "nino": "UK_NINO", "email": "EMAIL", "phone": "PHONE"}


class Builder:
    """Text with character spans of what must be found."""

    def __init__(self):
        self.parts, self.expected, self.size = [], [], 0

    def add(self, text, label=None):
        if label:
            self.expected.append([self.size, self.size + len(text), label])
        self.parts.append(text)
        self.size += len(text)

    def text(self):
        return "".join(self.parts)


def name(r):
    return f"{r.choice(FIRST).capitalize()} {r.choice(LAST).capitalize()}"


def fill(r, lang, template, b):
    """Appends `template` to builder `b` with every placeholder generated."""
    i = 0
    while i < len(template):
        j = template.find("{", i)
        if j < 0:
            b.add(template[i:])
            break
        b.add(template[i:j])
        k = template.index("}", j)
        key = template[j + 1:k]
        i = k + 1
        if key == "card":
            b.add(card_layout(r, card_number(r)), "CREDIT_CARD")
        elif key == "card_exp":  # a checkout export: "4111111111111111/12/27"
            b.add(card_number(r), "CREDIT_CARD")
            b.add("/%02d/%02d" % (r.randint(1, 12), r.randint(26, 34)))
        elif key == "card_url":  # a query string: "pan=4111+1111+1111+1111"
            pan = card_number(r)
            sizes = {15: [4, 6, 5], 14: [4, 6, 4], 19: [4, 4, 4, 4, 3]}.get(len(pan), [4, 4, 4, 4])
            b.add(group(pan, sizes, r.choice(["+", "%20"])), "CREDIT_CARD")
        elif key == "card_typed":  # typed outside the printed layouts
            pan = card_number(r)
            while len(pan) not in (14, 16, 19):
                pan = card_number(r)
            sizes = {14: [[4, 4, 4, 2], [4, 10]], 19: [[6, 13], [4, 4, 11]]}.get(
                len(pan), [[4, 4, 8], [6, 10], [4, 12], [4, 4, 4, 4]])
            sz = r.choice(sizes)
            sep = "_" if sz == [4, 4, 4, 4] else r.choice([" ", "-"])
            b.add(group(pan, sz, sep), "CREDIT_CARD")
        elif key == "card_glued":  # a word glued before or after, a form dump
            pan = card_number(r)
            while len(pan) < 14:
                pan = card_number(r)
            if r.random() < 0.5:
                b.add(r.choice(["Karte", "CCN", "cardno", "tarjeta", "carte", "kaart", "karta",
                                "cartao", "Nummer"]))
                b.add(pan, "CREDIT_CARD")
            else:
                b.add(pan, "CREDIT_CARD")
                b.add(r.choice(["exp1227", "CVV123", "EUR", "exp 12/27", "Exp"]))
        elif key == "iban_mixed":  # typed in mixed case, or the word glued on
            iban = iban_layout(r, iban_number(r))
            k = r.random()
            if k < 0.3:
                iban = iban[0] + iban[1:].lower()
            elif k < 0.6:
                iban = " ".join(g[0] + g[1:].lower() for g in iban.split(" "))
            elif k < 0.8:
                iban = iban[:4] + iban[4:].lower()
            else:
                b.add(r.choice(["IBAN", "iban"]))
            b.add(iban, "IBAN")
        elif key == "iban":
            b.add(iban_layout(r, iban_number(r)), "IBAN")
        elif key == "ssn":
            b.add(ssn_layout(r, ssn_number(r), False), "US_SSN")
        elif key == "ssn_bare":
            b.add(ssn_number(r), "US_SSN")
        elif key == "nino":
            b.add(nino_layout(r, nino_number(r)), "UK_NINO")
        elif key == "email":
            b.add(email_address(r), "EMAIL")
        elif key == "phone":
            b.add(phone_number(r, lang), "PHONE")
        else:
            b.add({
                "order": lambda: order_no(r), "invoice": lambda: invoice_no(r),
                "ticket": lambda: ticket_no(r), "ref": lambda: ref_no(r),
                "date": lambda: date(r, lang), "amount": lambda: amount(r, lang),
                "time": lambda: time_of_day(r), "post": lambda: postcode(r),
                "track": lambda: tracking(r), "product": lambda: product_code(r),
                "vat": lambda: vat_no(r), "bad_card": lambda: bad_card(r),
                "bad_iban": lambda: bad_iban(r), "bad_ssn": lambda: bad_ssn(r),
                "bad_nino": lambda: bad_nino(r), "name": lambda: name(r), "ogm": lambda: ogm(r),
                "num9": lambda: digits(r, 9), "num10": lambda: digits(r, 10),
                "num6": lambda: digits(r, 6), "exp": lambda: str(r.randint(1, 9)),
                "last4": lambda: digits(r, 4, ""),
                "bic": lambda: "".join(r.choice(string.ascii_uppercase) for _ in range(6)) + "2L",
            }[key]())


def sentence(r, lang):
    b = Builder()
    fill(r, lang, r.choice(T[lang]), b)
    return b


def reflow(text, width, prefix="", crlf=False):
    """Word-wraps each line of `text` at single spaces (never inside a word,
    as mail clients do), puts `prefix` before every line and ends lines with
    CRLF when asked. Returns the new text and, for each character of `text`
    and its end, the index it moved to."""
    out, where = [], [0] * (len(text) + 1)
    eol = "\r\n" if crlf else "\n"
    pos = 0
    for n_line, line in enumerate(text.split("\n")):
        if n_line:
            where[pos - 1] = len("".join(out))
            out.append(eol)
        quote = prefix if line else prefix.rstrip()
        out.append(quote)
        col = len(quote)
        start_of_line = True
        i = 0
        while i <= len(line):
            j = line.find(" ", i)
            j = len(line) if j < 0 else j
            word = line[i:j]
            cur = len("".join(out))
            if not start_of_line and col + 1 + len(word) > width:
                where[pos + i - 1] = cur  # the space becomes the line break
                out.append(eol + quote)
                col = len(quote)
                cur = len("".join(out))
            elif not start_of_line:
                where[pos + i - 1] = cur
                out.append(" ")
                col += 1
                cur += 1
            for k in range(len(word)):
                where[pos + i + k] = cur + k
            out.append(word)
            col += len(word)
            start_of_line = False
            i = j + 1
        pos += len(line) + 1
    new = "".join(out)
    where[len(text)] = len(new)
    return new, where


def moved(spans, where):
    return [[where[s], where[e - 1] + 1, label] for s, e, label in spans]


def document(r, lang, n_sent):
    """A mail body: greeting, paragraphs, maybe a quoted reply; wrapped,
    sometimes with CRLF line ends. Returns text and character spans."""
    b = Builder()
    b.add(r.choice(GREET[lang]).format(n=r.choice(FIRST).capitalize()) + "\n\n")
    for _ in range(r.randint(1, 3)):
        for _ in range(r.randint(1, n_sent)):
            fill(r, lang, r.choice(T[lang]), b)
            b.add(r.choice([" ", " ", "\n"]))
        b.add("\n\n")
    width = r.choice([60, 66, 72, 76, 1000])
    crlf = r.random() < 0.3
    text, where = reflow(b.text(), width, "", crlf)
    expected = moved(b.expected, where)
    if r.random() < 0.5:
        q = Builder()
        fill(r, lang, WROTE[lang] + "\n", q)
        for _ in range(r.randint(1, 3)):
            fill(r, lang, r.choice(T[lang]), q)
            q.add(r.choice([" ", "\n"]))
        qtext, qwhere = reflow(q.text(), width, r.choice(["> ", "> > ", ">"]), crlf)
        base = len(text)
        expected += [[s + base, e + base, l] for s, e, l in moved(q.expected, qwhere)]
        text += qtext
    if r.random() < 0.3:
        t = table(r, lang)
        text += "\n"
        expected += [[s + len(text), e + len(text), l] for s, e, l in t.expected]
        text += t.text()
    return text, sorted(expected)


HEAD = {  # name, phone, a number that is no phone, e-mail
    "en": ["Name", "Phone", "Order no.", "E-mail"],
    "de": ["Name", "Telefon", "Kundennr.", "E-Mail"],
    "fr": ["Nom", "Téléphone", "N° de commande", "Courriel"],
    "es": ["Nombre", "Teléfono", "Pedido", "Correo"],
    "it": ["Nome", "Telefono", "Ordine", "E-mail"],
    "nl": ["Naam", "Telefoon", "Klantnummer", "E-mail"],
    "pt": ["Nome", "Telefone", "Encomenda", "E-mail"],
    "pl": ["Imię i nazwisko", "Telefon", "Zamówienie", "E-mail"],
}


def table(r, lang):
    """A contact list pasted into mail: the phone column named only in the
    header, some numbers with no separators, next to a column of numbers
    that are not phones; cells split by tabs, pipes, semicolons, aligned
    by spaces under a rule, or one cell per line. Maybe quoted."""
    head = HEAD[lang]
    rows = []
    for _ in range(r.randint(2, 4)):
        ph = phone_number(r, lang)
        if r.random() < 0.4:
            ph = "".join(c for c in ph if c.isdigit() or c == "+")
        rows.append([(name(r), None), (ph, "PHONE"),
                     (digits(r, r.choice([8, 9, 10])), None), (email_address(r), "EMAIL")])
    style = r.choice(["tab", "pipe", "semi", "aligned", "stacked"])
    prefix = r.choice(["", "", "> "])
    b = Builder()
    if style == "stacked":
        for cell in head:
            b.add(prefix + cell + "\n")
        for row in rows:
            for text, label in row:
                b.add(prefix)
                b.add(text, label)
                b.add("\n")
        return b
    width = [max(len(c) for c in [head[k]] + [row[k][0] for row in rows]) for k in range(4)]
    sep = {"tab": "\t", "pipe": " | ", "semi": ";", "aligned": "  "}[style]
    lead, tail = (("| ", " |") if style == "pipe" else ("", ""))
    pad = style in ("pipe", "aligned")

    def line(cells):
        b.add(prefix + lead)
        for k, (text, label) in enumerate(cells):
            if k:
                b.add(sep)
            b.add(text, label)
            if pad and k < 3:
                b.add(" " * (width[k] - len(text)))
        b.add(tail + "\n")

    line([(h, None) for h in head])
    if style == "pipe":
        b.add(prefix + "|" + "|".join("-" * (w + 2) for w in width) + "|\n")
    elif style == "aligned":
        b.add(prefix + "  ".join("-" * w for w in width) + "\n")
    for row in rows:
        line(row)
    return b


PASTE_HEAD = {"en": ("Name", "Card", "Account"), "de": ("Name", "Karte", "Konto"),
              "fr": ("Nom", "Carte", "Compte"), "es": ("Nombre", "Tarjeta", "Cuenta"),
              "it": ("Nome", "Carta", "Conto"), "nl": ("Naam", "Kaart", "Rekening"),
              "pt": ("Nome", "Cartão", "Conta"), "pl": ("Nazwisko", "Karta", "Konto")}


def pasted_row(r, lang):
    """A spreadsheet row pasted into mail: the groups of a card or an IBAN in
    cells of their own (split by tabs), sometimes under a header row, or on
    purpose rows of four-digit figures that are no card."""
    b = Builder()
    head = PASTE_HEAD[lang]
    k = r.random()
    if r.random() < 0.4:
        b.add("\t".join(head) + "\n")
    b.add(name(r) + "\t")
    if k < 0.4:
        pan = card_number(r)
        sizes = {15: [4, 6, 5], 14: [4, 6, 4], 19: [4, 4, 4, 4, 3]}.get(len(pan), [4, 4, 4, 4])
        b.add(group(pan, sizes, "\t"), "CREDIT_CARD")
        b.add("\t" + f"{r.randint(1, 12):02d}/{r.randint(26, 31)}")
    elif k < 0.7:
        iban = iban_number(r)
        b.add("\t".join(iban[i:i + 4] for i in range(0, len(iban), 4)), "IBAN")
        b.add("\t" + amount(r, lang))
    else:
        while True:
            cells = [str(r.randint(1000, 9999)) for _ in range(4)]
            if not_card("".join(cells)):
                break
        b.add("\t".join(cells) + "\t" + date(r, lang))
    return b


def to_bytes(text, spans):
    """Character spans to UTF-8 byte spans."""
    off = [0]
    for ch in text:
        off.append(off[-1] + len(ch.encode("utf-8")))
    return [[off[s], off[e], label] for s, e, label in spans]


def check_case(text, expected):
    for s, e, label in expected:
        span = text[s:e]
        if span != span.strip() or not span:
            raise ValueError(f"bad span {span!r} for {label}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "data", "accuracy"))
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--sentences", type=int, default=1600)
    ap.add_argument("--documents", type=int, default=240)
    ap.add_argument("--pasted", type=int, default=80, help="spreadsheet rows (tabs)")
    ap.add_argument("--check", metavar="DIR",
                    help="generate into a temporary folder and fail unless DIR holds the same")
    args = ap.parse_args()
    if args.check:
        import filecmp
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            args.out = tmp
            generate(args)
            bad = [n for n in ("sentences.jsonl", "documents.jsonl")
                   if not filecmp.cmp(os.path.join(tmp, n), os.path.join(args.check, n),
                                      shallow=False)]
        for n in bad:
            print(f"gen_accuracy: {args.check}/{n} differs from what the generator writes; "
                  "run scripts/gen_accuracy.py and commit", file=sys.stderr)
        return 1 if bad else 0
    generate(args)
    return 0


def generate(args):
    r = random.Random(args.seed)
    langs = list(T)
    weights = [6, 3, 2, 2, 2, 2, 1, 1]
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "sentences.jsonl"), "w", encoding="utf-8") as f:
        for i in range(args.sentences):
            lang = r.choices(langs, weights)[0]
            b = sentence(r, lang)
            check_case(b.text(), b.expected)
            f.write(json.dumps({"id": f"sent-{i:04d}", "lang": lang, "text": b.text(),
                                "expected": to_bytes(b.text(), b.expected)},
                               ensure_ascii=False) + "\n")
        # Rows pasted from spreadsheets (tab-separated groups), from a seed
        # of their own so that the cases above stay as they were.
        rp = random.Random(args.seed * 1000 + 7)
        for i in range(args.sentences, args.sentences + args.pasted):
            lang = rp.choices(langs, weights)[0]
            b = pasted_row(rp, lang)
            check_case(b.text(), b.expected)
            f.write(json.dumps({"id": f"sent-{i:04d}", "lang": lang, "text": b.text(),
                                "expected": to_bytes(b.text(), b.expected)},
                               ensure_ascii=False) + "\n")
    with open(os.path.join(args.out, "documents.jsonl"), "w", encoding="utf-8") as f:
        for i in range(args.documents):
            lang = r.choices(langs, weights)[0]
            text, expected = document(r, lang, 4)
            check_case(text, expected)
            f.write(json.dumps({"id": f"doc-{i:04d}", "lang": lang, "text": text,
                                "expected": to_bytes(text, expected)},
                               ensure_ascii=False) + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
