#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Differential test of the CREDIT_CARD, US_SSN, IBAN, PHONE and EMAIL detectors (STYLE 23).

Method. A slow, deliberately plain reference detector is written here in
Python from the documented model (docs/POLICY.md "How a candidate becomes a
finding" and "Confidence and levels", and the comments of scan/scan_digits.c,
scan/scan_phone.c, scan/scan_chars.h, scan/scan_engine.c, scan/scan_table.h,
scan/scan_case.h and scan/scan_email.h), without reusing the engine's
structure. It works in three steps, each written the way the documentation
states it:

1. Readings. At every place a number can start, every way the following text
   can be read as a card, an SSN, an IBAN or a phone number in one of the
   documented written forms is listed, each with its strength (strong:
   checksum and standard layout; medium: a layout without a checksum; weak:
   bare digit runs). Checks are textbook code (Luhn over a string, a table of
   issuer prefixes, EAN-13, SSN area/group/serial rules, IBAN country length
   and mod-97 on a Python int).
2. Context. For each reading, its scope (its sentence or line, at most
   `context_window` bytes either side, never across a blank line) is cut out
   and searched for the type's keywords and the negative words; strong
   readings are kept whatever the words; medium ones unless inside a URL or
   named by a negative word right before them (only separators and at most
   two filler words between, and no keyword before them as near); weak ones
   only with a keyword at least as near as any negative word before them (a
   tie is a keyword phrase holding a negative word). A signature's
   one-letter label before a phone number counts as a keyword. Failing a
   keyword, the header of the table column a medium or weak reading stands
   in decides: a keyword of its type there is one, a negative word there
   names it. The expected confidence range follows from strength and
   keyword.
3. Overlaps. Readings of the same digits (the same first digit): the one
   context keeps, and of two kept the one a keyword names, then the
   stronger, then the longer. Then, of the kept readings that overlap, the
   strongest wins, then the earliest, then the longest. E-mail addresses
   (found from each '@', whatever their context) and those findings are
   merged last: by start, the longer first, none overlapping one before it.

The detectors read full-width forms and Arabic-Indic and Devanagari digits
as ASCII (scan/scan_fold.h): the reference reads each text folded the same
way, here by a regular expression over code points, and the engine's offsets
are mapped into the folded text. One text in ten is also sent a second time
written with full-width letters, digits and punctuation, ideographic spaces
or Arabic-Indic digits: its folded form is the text itself, so the engine
must find there exactly what it finds in the text.

Before each run the reference is checked against the examples POLICY.md
gives (DOC_EXAMPLES), so it cannot drift from the documentation.

Keywords, negative words and the window are read from `redline-scan
--print-default-policy`; a keyword with letters outside ASCII is matched in
its lower, title and upper case forms (scan_case.h), ASCII letters in any
case.

Where the documentation leaves a choice, the reference takes this one:
- A label on one line does not name a number on the next (a line break is
  not one of the separators between a label and its number); the filler
  words are those scan_engine.c lists (names_it), and the separators space,
  tab, ':', '#', '.', '/', '-' and the no-break and thin spaces, any number.
- A weak form named by a label is dropped like a medium one.
- Signature labels: T, M, F, P, D, H, W, O (not C); at a line start after
  the line's quote marks and indentation, after two spaces, or after a '|'
  and spaces; the letter followed by 1-3 spaces, colons or a '('.
- No reading starts in a token glued by a dash ("INV-2023-76509"): cards and
  phone numbers (POLICY.md, strong cards included) and non-strong SSNs; a
  strong SSN ("SSN-078-05-1120") is a finding whatever words surround it.
- The 2-digit group of a card only as 4-4-4-4-2; a card's grouped number
  ends at a group no card continues after (scan_digits.c), so "4111 1111
  1111 1111 12 34" is a 4-4-4-4-2 reading and then a number.
- Phone numbers: a slash only right after the area code, so the chain of
  "030 12345678 / 0170 8765432" ends before the " / " (a list of two);
  dots join pairs (after a slash also threes): every group a dot touches;
  two groups need a prefix of 2-4 digits.
- Of two readings of the same digits kept with the same keyword standing,
  same strength and length: IBAN, card, SSN, phone in that order.
- The line-break rule of phone numbers ("crosses a line break only when its
  line alone holds none or the groups keep their rhythm") holds for the '+'
  and '00' forms; plain and "(area)" numbers end before the first line
  break wherever they can (scan_phone.c, "breaks preferred before
  crossing"); a country code or trunk prefix before "(area)" is read only
  where a plain number could start (not after another number and a space,
  not glued by a dash).
- A label's word ends where its match ends: a plural 's' or the rest of a
  'word*' match is part of the label ("Auftragsnummer 0696 645 045").
- A line break after a digit group may be a wrap or the end of a line (a
  list, an address): a number is read both ways, the chain of groups as read
  and cut at each line break, and the longest valid reading is taken; a form
  that may end at any group ('+CC', '(area)') takes its longest reading.
- No-break, thin and figure spaces and wraps separate groups wherever a
  space does, SSNs included ("Digit groups may be separated by ..."); an SSN
  is not hyphenated across a line break.
- A longer grouped code (scan_chars.h): on the same line, a group ending in
  three digits, or a four-character group of capitals and digits with a
  digit (or four capitals after one), before a space, no-break space or dash;
  a number after it is read only when that group ends a reading of its own
  (a list of numbers), whatever that reading's context.
- SSN with one separator written as a space ("078 051121", "12345 6789"):
  weak (POLICY.md names the first, scan_digits.c both).
- A weak form inside a URL is no finding, like a medium one.
- Distance is counted in bytes from the keyword as the policy writes it
  (without its plural 's' or the rest of a 'word*' match) to the number. The
  keyword that a nearer negative word outvotes does not raise a medium
  form's confidence either.
- An abbreviation is a capitalised word of 1-3 ASCII letters; a capital after
  a sentence end may be any non-ASCII letter; quote marks after the white
  space are skipped; a line ending in the mask character '*' is a unit of
  its own too (scan_engine.c). A CJK full stop, '!' or '?' ends a sentence
  whatever follows.
- The second red-team round's rules, from the comments of scan_phone.c,
  scan_digits.c and scan_engine.c (POLICY.md does not state them yet):
  a 14-digit card whose first nine digits pass Luhn (a SIRET's shape) is
  medium right after the label "SIRET"; '=' joins a label to its number; no
  plain phone number starts after two capitals and a space with two digits
  or no trunk 0 ("FR 06 ...", "AB 1234 ..."), after '*' that follows '*'
  or a letter or digit, or as three digits after a digit and ','; a DIN 5008 switchboard
  "-0" may end a '+', '00', "(area)" or trunk-0 number; the Russian trunk 8
  (medium); Chinese mobiles 1[3-9]x in 3-4-4 (medium); after a two-digit trunk
  area code the groups between are 2-4 digits; a trunk number with a slash
  is not read across a line break; two spaced groups may be 2-4 then 6-8
  digits; " / " may be written with no-break spaces; an IBAN may follow an
  MT940 subfield code ("?31"); keywords in scripts without spaces (lead
  bytes U+3000..U+DFFF) are bounded wherever such a character meets them,
  do not count as keywords after the number, and a negative word ending in
  one ends there; Greek and Cyrillic signature letters Τ Κ Φ Т М Ф; a
  keyword phrase may be broken at one of its spaces by a line wrap (LF or
  CR LF, no quote marks); a bare number of 12-15 digits after "00" (not
  "000") is weak; tables aligned by spaces under a rule of dashes, and up to
  four lines of prose before a table with a cell per line.

A seeded generator then writes N short texts: English (and some other) words,
punctuation, valid identifiers of every type, issuer, length and grouping,
near misses (check digit off, unknown issuer or country, wrong length, bad
grouping, forbidden SSN ranges, mixed-case IBANs), phone numbers in every
documented form and amounts, dates and codes that must not be read as any,
next to keywords and negative words at many distances, across sentence ends,
abbreviations, line ends, blank and quoted blank lines, inside URLs, with
no-break and thin spaces, wrapped across lines with quote prefixes and CRLF,
in lists and inside longer grouped codes; national phone layouts (Nordic,
Iberian, Polish, Belgian, Swiss, German, Italian, North American, with '+'
or '00' too) and their 8- and 9-digit look-alikes (dates, years,
references); labels naming numbers in several languages with filler words,
with keywords before and after; signature lines with one-letter labels;
digits that read as two types next to keywords of one, the other or both;
dotted and 18-digit cards; numbers glued by a dash to a word; SIRET-shaped
cards; the national forms of the second red-team round and their near
misses, after what refuses a plain number and what does not; MT940 fields;
tables split by tabs, pipes, semicolons or commas, with a cell per line or aligned
by spaces under a rule or without one, under headers that name their columns by a keyword,
a negative word or nothing; CSV rows; Chinese, Japanese and Korean text
around numbers; Greek and Cyrillic keywords in their case forms and
signature letters; e-mail addresses in several scripts and next to prose
of scripts without spaces, numbers and punctuation. The texts go through
`redline-scan --text` in batches (texts separated by a blank line padded to
more than the context window, so no text sees another's keywords; each batch
under one engine segment; offsets are mapped back), and the findings of the
five types are compared with the reference's by type and exact byte span, and
for agreeing spans, the engine's confidence against the documented range.

Every disagreement is printed (text, reference, engine), and so is every text
for which redline-scan reports a defect. The run fails on any disagreement
not in ALLOWED below, where each class that was examined and judged to be an
ambiguity of the documentation or a simplification of the reference (not an
engine bug) is documented with why. Failures are labelled with the
KNOWN_BUGS class they match, if any.

Usage: differential.py --scan REDLINE_SCAN [--seed N] [--cases N] [-v]
"""
import argparse
import atexit
import bisect
import collections
import itertools
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import unicodedata

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from checkdigits import luhn_complete, luhn_ok  # noqa: E402

TYPES = ("CREDIT_CARD", "US_SSN", "IBAN", "PHONE", "EMAIL")
# Tie-break order when two kept readings of the same strength start together.
TYPE_ORDER = {"IBAN": 0, "CREDIT_CARD": 1, "US_SSN": 2, "PHONE": 3, "EMAIL": 4}
WEAK, MEDIUM, STRONG = 1, 2, 3
STRENGTH_NAME = {WEAK: "weak", MEDIUM: "medium", STRONG: "strong"}

# ---------------------------------------------------------------------------
# Tables.
# ---------------------------------------------------------------------------

# Issuer prefixes and the PAN lengths each allows (the policy's issuer table,
# scan_validate.c card_ranges): (first prefix, last prefix, lengths).
# Prefixes are compared as strings of equal width.
ISSUERS = [
    ("4", "4", {13, 16, 19}),                 # Visa
    ("51", "55", {16}),                       # Mastercard
    ("2221", "2720", {16}),                   # Mastercard 2-series
    ("34", "34", {15}),                       # American Express
    ("37", "37", {15}),                       # American Express
    ("300", "305", set(range(14, 20))),       # Diners Club International
    ("3095", "3095", set(range(14, 20))),     # Diners Club
    ("36", "36", set(range(14, 20))),         # Diners Club
    ("38", "39", set(range(14, 20))),         # Diners Club
    ("6011", "6011", set(range(16, 20))),     # Discover
    ("644", "649", set(range(16, 20))),       # Discover
    ("65", "65", set(range(16, 20))),         # Discover, RuPay
    ("622126", "622925", set(range(16, 20))),  # Discover / UnionPay
    ("3528", "3589", set(range(16, 20))),     # JCB
    ("62", "62", set(range(16, 20))),         # UnionPay
    ("50", "50", set(range(12, 20))),         # Maestro, Verve
    ("56", "69", set(range(12, 20))),         # Maestro
    ("1", "1", {15}),                         # UATP
    ("2200", "2204", set(range(16, 20))),     # Mir
    ("60", "60", {16}),                       # RuPay
    ("81", "82", set(range(16, 20))),         # RuPay
    ("508", "508", {16}),                     # RuPay
    ("9792", "9792", {16}),                   # Troy
    ("5019", "5019", {16}),                   # Dankort
]

# IBAN lengths by country: the SWIFT ISO 13616 registry plus the countries
# that issue IBANs outside it (written out independently of the C table).
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16,
    "BG": 22, "BH": 22, "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22,
    "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20,
    "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22,
    "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21,
    "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30,
    "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20,
    "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23,
    "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22,
    "RU": 33, "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24,
    "SM": 27, "SO": 23, "ST": 25, "SV": 28, "TL": 23, "TN": 24, "TR": 26,
    "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
    # Outside the registry.
    "AO": 25, "BF": 28, "BJ": 28, "CF": 27, "CG": 27, "CI": 28, "CM": 27,
    "CV": 25, "DZ": 26, "GA": 27, "GQ": 27, "GW": 25, "IR": 26, "KM": 27,
    "MA": 28, "MG": 27, "ML": 28, "MZ": 25, "NE": 28, "SN": 28, "TD": 27,
    "TG": 28,
}

# Published sample SSNs (advertising, SSA test data): not a leak.
SSN_PUBLIC = {"078051120", "219099999", "457555462"}

# Confidence before context by strength (POLICY.md "Confidence and levels":
# strong 85-95, medium 55-75, weak 30-40); a keyword in scope adds 25.
CONF_RANGE = {STRONG: (85, 95), MEDIUM: (55, 75), WEAK: (30, 40)}
KEYWORD_BONUS = 25

# ---------------------------------------------------------------------------
# Checks.
# ---------------------------------------------------------------------------


def issuer_ok(digits):
    for lo, hi, lengths in ISSUERS:
        p = digits[:len(lo)]
        if len(digits) in lengths and lo <= p <= hi:
            return True
    return False


def pan_ok(digits):
    return 12 <= len(digits) <= 19 and issuer_ok(digits) and luhn_ok(digits)


def ean13_ok(digits):
    """GTIN-13: weights 1, 3, 1, 3, ... from the left; the last digit checks."""
    if len(digits) != 13:
        return False
    s = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(digits[:12]))
    return (10 - s % 10) % 10 == int(digits[12])


def ssn_ok(digits):
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return (area not in ("000", "666") and not area.startswith("9") and group != "00"
            and serial != "0000" and digits not in SSN_PUBLIC)


# Countries whose BBAN the SWIFT registry writes with digits only.
NUMERIC_BBAN = set("AE AT BA BE CZ DE DK EE ES FI FO GL HR HU IL IS LT ME NO PL PT RS SE SI SK "
                   "TL TN XK".split())


def iban_ok(chars):
    """chars: the IBAN's letters and digits, without separators."""
    c = chars.upper()
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]+", c):
        return False
    if IBAN_LENGTHS.get(c[:2]) != len(c):
        return False
    if c[:2] in NUMERIC_BBAN and not c[4:].isdigit():
        return False  # the registry's BBAN is digits only (scan_validate.c)
    if not 2 <= int(c[2:4]) <= 98:  # ISO 7064 MOD 97-10 never yields 00, 01, 99
        return False
    moved = c[4:] + c[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1


# ---------------------------------------------------------------------------
# Bytes, separators, edges.
# ---------------------------------------------------------------------------


def is_digit(b):
    return 48 <= b <= 57


def is_alnum(b):
    return is_digit(b) or 65 <= b <= 90 or 97 <= b <= 122


def is_word(b):
    """Word bytes for keywords: ASCII letters, digits, '_', any UTF-8 byte."""
    return is_alnum(b) or b == 95 or b >= 0x80


DIGITS = re.compile(rb"[0-9]*")


def digit_run(t, i):
    return len(DIGITS.match(t, i).group(0))


# Separators between digit groups (POLICY.md: "spaces, dashes (as each form
# allows), no-break or thin spaces, or a line break where mail wrapped a
# line, with the next line's quote marks"). A wrap is an optional space
# (format=flowed), CR LF or LF, then the next line's '>' and spaces, and the
# next line is not blank (a group follows). A dash may be followed by a wrap
# (scan_chars.h). The no-break and typographic spaces: U+00A0, U+2002-200A
# (en, em, ..., figure, punctuation, thin, hair), U+202F (narrow no-break).
WRAP = rb" ?\r?\n[> ]*"
NBSPS = rb"\xc2\xa0|\xe2\x80[\x82-\x8a\xaf]"
# Dashes: ASCII, and U+2010-2014 (hyphens, figure, en and em dash) and U+2212 minus.
DASH = rb"(?:-|\xe2\x80[\x90-\x94]|\xe2\x88\x92)"
UDASH = re.compile(rb"\xe2\x80[\x90-\x94]|\xe2\x88\x92")
# What the engine reads as ASCII (scan_fold.h), as code points.
FOLDS = re.compile("[\uff01-\uff5e\u3000\u0660-\u0669\u06f0-\u06f9\u0966-\u096f"
                   "\u00ad\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
# Invisible: soft hyphen, zero-width characters, word joiner, U+FEFF, and the
# directional marks, embeddings and isolates of right-to-left mail.
INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e" \
    "\u2066\u2067\u2068\u2069"


def fold_char(c):
    """The ASCII character code point c stands for."""
    cp = ord(c)
    if c in INVISIBLE:
        return ""
    if cp == 0x3000:
        return " "
    if cp >= 0xFF01:
        return chr(cp - 0xFF01 + 0x21)
    return str(unicodedata.decimal(c))


def fold(t):
    """t folded as the engine reads it, and for each offset of t (a
    character boundary) its offset in the folded text."""
    u = t.decode("utf-8", errors="surrogateescape")
    out = bytearray()
    at = []
    for c in u:
        b = c.encode("utf-8", errors="surrogateescape")
        f = fold_char(c).encode() if FOLDS.fullmatch(c) else b
        at += [len(out)] * len(b)
        out += f
    at.append(len(out))
    return bytes(out), at


def widen(rng, t):
    """t written as an input method may: each of its ASCII letters, digits and
    punctuation full-width or each digit Arabic-Indic, some spaces
    ideographic, and sometimes invisible characters pasted in (soft hyphens,
    zero-width spaces). fold(widen(t)) is t when t has nothing that folds."""
    arabic = rng.random() < 0.3
    invisible = rng.random() < 0.3
    out = []
    for c in t.decode("utf-8", errors="surrogateescape"):
        if arabic and c.isascii() and c.isdigit():
            c = chr(0x0660 + int(c))
        elif not arabic and "!" <= c <= "~" and rng.random() < 0.8:
            c = chr(ord(c) - 0x21 + 0xFF01)
        elif c == " " and rng.random() < 0.3:
            c = "\u3000"
        out.append(c)
        if invisible and rng.random() < 0.2:
            out.append(rng.choice(INVISIBLE))
    return "".join(out).encode("utf-8", errors="surrogateescape")


SEP = {
    "space": WRAP + rb"|[ ]|" + NBSPS,
    "dash": DASH + rb"(?:" + WRAP + rb")?",
    "dot": rb"\.",
    # "0157 / 18073166", the spaces plain or no-break (scan_chars.h)
    "slash": rb"(?:[ ]|" + NBSPS + rb")/(?:[ ]|" + NBSPS + rb")|/",
    # padded (cards and SSNs only): a dash with one space either side, or two
    # or three spaces ("4111 - 1111", "536  22  8471")
    "pad": rb"[ ]" + DASH + rb"[ ]|[ ]{2,3}",
}
ANY_SEP = rb"(?:" + rb"|".join(SEP.values()) + rb")"
SEP_THEN_DIGIT = {k: re.compile(rb"(?:" + v + rb")(?=[0-9])") for k, v in SEP.items()}
SEP_THEN_ALNUM = {k: re.compile(rb"(?:" + v + rb")(?=[A-Za-z0-9])") for k, v in SEP.items()}
# A tab between card and IBAN groups: a spreadsheet's cells pasted into mail
# (POLICY.md; cards only in a printed layout, as dots). No other form has it.
SEP_THEN_DIGIT["tab"] = re.compile(rb"\t(?=[0-9])")
SEP_THEN_ALNUM["tab"] = re.compile(rb"\t(?=[A-Za-z0-9])")
# A space encoded in a URL ("4111+1111+...", "4111%201111%20..."): cards only,
# in a printed layout only, as dots.
SEP_THEN_DIGIT["url"] = re.compile(rb"(?:%20|\+)(?=[0-9])")
# ... and between IBAN groups ("IBAN=DE89%203704%20...", "DE89+3704+...").
SEP_THEN_ALNUM["url"] = re.compile(rb"(?:%20|\+)(?=[A-Za-z0-9])")
# An underscore ("receipt_4111_1111_1111_1111.pdf", a file or field name):
# cards only, in a printed layout only, as dots.
SEP_THEN_DIGIT["under"] = re.compile(rb"_(?=[0-9])")
# A separator on the same line right before a number: "<group> <number>".
SAME_LINE_SEP_BEFORE = re.compile(rb"(?:[ ]|" + DASH + rb"|" + NBSPS + rb")\Z")


def is_wrap(sep):
    return b"\n" in sep


def clean_start(t, s):
    """Not inside an alphanumeric token, nor the tail of "12-", "3.", "1/", "1:"
    (or a Unicode dash)."""
    if s > 0 and is_alnum(t[s - 1]):
        return False
    if s >= 2 and t[s - 1:s] in b"-./:" and is_digit(t[s - 2]):
        return False
    return not (s >= 4 and UDASH.fullmatch(t, s - 3, s) and is_digit(t[s - 4]))


def glued(t, s):
    """Glued by a dash to a word: "INV-2023-76509" is one token."""
    return s >= 2 and t[s - 1] == 45 and (65 <= t[s - 2] <= 90 or 97 <= t[s - 2] <= 122)


def clean_end(t, e):
    """Not inside an alphanumeric token, nor followed by "-12", ".5", "/3", ":00"
    (or a Unicode dash)."""
    if e < len(t) and is_alnum(t[e]):
        return False
    if e + 1 < len(t) and t[e:e + 1] in b"-./:" and is_digit(t[e + 1]):
        return False
    return not (e + 3 < len(t) and UDASH.match(t, e) and is_digit(t[e + 3]))


def expiry_end(t, e):
    """An expiry date glued to the card ending at e (scan_digits.c
    expiry_after): "/MM/YY", "/MM/YYYY" or "/MMYY" ("4111111111111111/12/27"),
    then the end of the token."""
    if e + 3 > len(t) or t[e] != 47:  # '/'
        return False
    r = digit_run(t, e + 1)
    if r not in (2, 4, 6) or not 1 <= int(t[e + 1:e + 3]) <= 12:
        return False
    j = e + 1 + r
    if r == 2 and j < len(t) and t[j] == 47:
        y = digit_run(t, j + 1)
        if y not in (2, 4):
            return False
        j += 1 + y
    return clean_end(t, j)


AMOUNT_TAIL = re.compile(rb"[,.][0-9]{2}(?![0-9])")  # ",50", not ",2020" (a CSV field)


def phone_end(t, e):
    """A phone number ends clean and not before ",50" / ".50" (an amount)."""
    return clean_end(t, e) and not AMOUNT_TAIL.match(t, e)


AFTER_NUMBER = re.compile(rb"[0-9](?:[ ]|" + DASH + rb"|" + NBSPS + rb")\Z")


def after_number(t, d):
    """A digit, then a space, no-break space or dash on the same line, right
    before d: d continues a longer number."""
    return AFTER_NUMBER.search(t[:d]) is not None


BARE_WRAP_DIGIT = re.compile(rb"\r?\n(?:>[> ]*)?(?=[0-9])")


def groups_at(t, i, kinds, fixed=True, wrap_pad=False):
    """The digit groups from the digit run at i joined by separators of the
    given kinds (one kind throughout when `fixed`), as a list of
    (start, end, separator bytes before it). With `wrap_pad` (cards), a line
    wrapped at a space joins padded groups too: a wrap stays in a padded
    number, and padding after wraps only sets the kind."""
    out = [(i, i + digit_run(t, i), b"")]
    kind = None
    wraps_only = True
    while True:
        pos = out[-1][1]
        for k in kinds:
            m = SEP_THEN_DIGIT[k].match(t, pos)
            if m is None:
                continue
            wrap = k == "space" and b"\n" in m.group(0)
            if fixed and kind is not None and k != kind and not (
                    wrap_pad and ((wrap and kind == "pad") or
                                  (kind == "space" and wraps_only and k == "pad"))):
                continue
            if not fixed or kind is None or (wrap_pad and kind == "space" and wraps_only and
                                             not wrap):
                kind = k
            wraps_only = wraps_only and wrap
            a, b = m.end(), m.end() + digit_run(t, m.end())
            if wrap_pad:
                # A group of four cut by a hard line break ("4111 1111
                # 11\n11 1111", also quoted, not indented), after a first
                # group (scan_digits.c find_card).
                w = BARE_WRAP_DIGIT.match(t, b)
                if w is not None:
                    r, r2 = b - a, digit_run(t, w.end())
                    total = sum(glen(t, g) for g in out) + r
                    if r < 4 and r + r2 == 4 and total + r2 <= 19:
                        b = w.end() + r2
            out.append((a, b, m.group(0)))
            break
        else:
            return out, kind


def line_cuts(groups):
    """A line break between two groups may be a wrap or the end of a line (a
    list, an address, a signature): the chain as read, then the chain cut at
    each line break, longest first."""
    yield groups
    for k in range(len(groups) - 1, 0, -1):
        if is_wrap(groups[k][2]):
            yield groups[:k]


def digits_of(t, groups):
    """The digits of the groups (a group cut by a line break holds it)."""
    return "".join(ch for a, b, _ in groups for ch in t[a:b].decode() if ch.isdigit())


def glen(t, g):
    """The digits in group g."""
    return sum(1 for c in t[g[0]:g[1]] if 48 <= c <= 57)


Reading = collections.namedtuple("Reading", "type start end strength form")

# ---------------------------------------------------------------------------
# E-mail addresses (scan_email.h, scan_validate.c): from each '@', the local
# part back over atext, dots and UTF-8 word characters (RFC 6531), at most 64
# bytes (longer: no address), all in one kind of script, ASCII punctuation
# joining either ("请发邮件至na.li@example.cn": the Han characters stay
# out; "王.伟@..." is one); quotes and other ASCII punctuation at its start
# are prose. The domain forward over letters, digits, '-', '.' and UTF-8
# word characters, at most 255 bytes, without trailing dots and hyphens; an
# ASCII top-level domain ends at the first non-ASCII byte ("...com获取").
# Then RFC 5321/5322 syntax: dot-atom local part, LDH labels of 1-63, two
# labels or more, the last all letters (2 or more) or "xn--..."; non-ASCII
# letters count as letters; at most 254 bytes; the last label is no image
# suffix ("logo@2x.png"). An address is a finding whatever its context,
# confidence 90.
# ---------------------------------------------------------------------------

# Code points that end a word in running text (not part of an address):
# C1 controls, Latin-1 punctuation and symbols (the no-break space too),
# '×', '÷', Greek and Armenian, Arabic, Devanagari punctuation, the Ogham
# space, general punctuation, symbols and arrows, supplemental punctuation,
# CJK punctuation, private use, variation and half-width forms, the BOM,
# full-width ASCII punctuation, specials, emoji, tags, supplementary
# private use.
NON_WORD = [(0x80, 0xBF), (0xD7, 0xD7), (0xF7, 0xF7), (0x37E, 0x37E), (0x387, 0x387),
            (0x55C, 0x55F), (0x589, 0x58A), (0x60C, 0x60D), (0x61B, 0x61F), (0x6D4, 0x6D4),
            (0x964, 0x965), (0x1680, 0x1680), (0x2000, 0x2BFF), (0x2E00, 0x2E7F),
            (0x3000, 0x303F), (0xE000, 0xF8FF), (0xFE10, 0xFE6F), (0xFEFF, 0xFEFF),
            (0xFF00, 0xFF0F), (0xFF1A, 0xFF20), (0xFF3B, 0xFF40), (0xFF5B, 0xFF65),
            (0xFFF0, 0xFFFF), (0x1F000, 0x1FAFF), (0xE0000, 0xE007F), (0xF0000, 0x10FFFF)]
ATEXT = set(b"!#$%&'*+-/=?^_`{|}~")
IMAGE_SUFFIXES = {"png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "ico", "tif", "tiff", "heic",
                  "avif"}


def word_char(cp):
    return not any(lo <= cp <= hi for lo, hi in NON_WORD)


def unspaced_script(cp):
    """Han, kana, Hangul syllables: written without spaces between words."""
    return 0x3040 <= cp <= 0x30FF or 0x3400 <= cp <= 0x4DBF or 0x4E00 <= cp <= 0x9FFF or \
        0xAC00 <= cp <= 0xD7AF or 0xF900 <= cp <= 0xFAFF or 0x20000 <= cp <= 0x3FFFF


def utf8_char_at(t, i, limit):
    """The whole UTF-8 character of 2-4 bytes at t[i] ending by `limit`, as
    (code point, length), or None."""
    for n in (2, 3, 4):
        try:
            ch = t[i:i + n].decode()
        except UnicodeDecodeError:
            continue
        return (ord(ch), n) if i + n <= limit and len(ch) == 1 else None
    return None


def utf8_char_before(t, e):
    """The UTF-8 character of 2-4 bytes ending right before t[e], or None."""
    for n in (2, 3, 4):
        if n <= e and not 0x80 <= t[e - n] < 0xC0:
            c = utf8_char_at(t, e - n, e)
            return c if c is not None and c[1] == n else None
    return None


def email_span(t, at):
    """The address around the '@' at t[at], as (start, end), or None."""
    s, scripts = at, set()
    while True:  # the local part, backwards
        c = t[s - 1] if s > 0 else None
        if c is None:
            break
        if c < 0x80:
            if not (is_alnum(c) or c == 46 or c in ATEXT):
                break
            n, kind = 1, "spaced" if is_alnum(c) else None
        else:
            u = utf8_char_before(t, s)
            if u is None or not word_char(u[0]):
                break
            n, kind = u[1], "unspaced" if unspaced_script(u[0]) else "spaced"
        if kind is not None and scripts and kind not in scripts:
            break  # the other script: prose before the address
        if at - (s - n) > 64:
            return None  # longer than a local part may be
        if kind is not None:
            scripts.add(kind)
        s -= n
    while s < at and t[s] < 0x80 and not is_alnum(t[s]) and t[s] != 95:
        s += 1
    e, limit = at + 1, at + 256
    while True:  # the domain
        if e < len(t) and t[e] < 0x80:
            n = 1 if is_alnum(t[e]) or t[e] in b"-." else 0
        else:
            u = utf8_char_at(t, e, len(t)) if e < len(t) else None
            n = u[1] if u is not None and word_char(u[0]) else 0
        if n == 0:
            break
        if e + n > limit:
            return None  # longer than a domain may be
        e += n
    e = at + 1 + len(t[at + 1:e].rstrip(b".-"))
    dot = t.rfind(b".", at + 1, e)
    tld = dot + 1 if dot >= 0 else at + 1
    if tld < e and t[tld] < 0x80:
        m = re.match(rb"[\x00-\x7f]*", t[tld:e])
        e = at + 1 + len(t[at + 1:tld + m.end()].rstrip(b".-"))
    if s >= at or e - s > 254 or t[tld:e].decode(errors="replace").lower() in IMAGE_SUFFIXES:
        return None
    # Syntax, with every non-ASCII character standing for a letter.
    local = re.sub(rb"[\x80-\xff]", b"u", t[s:at])
    domain = re.sub(rb"[\x80-\xff]", b"u", t[at + 1:e])
    if not 1 <= len(local) <= 64 or local[:1] == b"." or local[-1:] == b"." or b".." in local:
        return None
    if not all(is_alnum(c) or c == 46 or c in ATEXT for c in local):
        return None
    labels = domain.split(b".")
    if len(labels) < 2 or any(not re.fullmatch(rb"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?",
                                                 x) for x in labels):
        return None
    last = labels[-1]
    if not (re.fullmatch(rb"[A-Za-z]{2,}", last) or (
            len(last) >= 5 and last[:4].lower() == b"xn--")):
        return None
    return s, e


def email_readings(t):
    out = []
    for m in re.finditer(rb"@", t):
        span = email_span(t, m.start())
        if span is not None:
            out.append(Reading("EMAIL", span[0], span[1], STRONG, "email"))
    return out

# ---------------------------------------------------------------------------
# Cards. POLICY.md: strong = known issuer prefix and length, Luhn, printed
# compact (14-16 or 19 digits) or 4-4-4-4, 4-6-5, 4-6-4, 4-4-4-3, 4-4-4-4-3
# "with spaces, dashes or, for these layouts only, dots"; medium = another
# grouping (4-4-4-4-2 included), or 13, 17 or 18 digits; weak = 12 digits,
# or 13 that are also a valid EAN-13. Groups (scan_digits.c): 4-6 digits in
# the first group, 3-6 in the others (and the 2 of 4-4-4-4-2), one kind of
# separator. "A grouped number that fails its check is not searched for a
# shorter card inside it unless that shorter reading is itself a strong
# card."
# ---------------------------------------------------------------------------

PRINTED = {(4, 4, 4, 4), (4, 6, 5), (4, 6, 4), (4, 4, 4, 3), (4, 4, 4, 4, 3)}


SIRET_LABEL = re.compile(rb"(?<![A-Za-z0-9])[Ss][Ii][Rr][Ee][Tt][ :#\xa0\xc2]{0,8}\Z")


def siret_shaped(t, d, digits):
    """A French SIRET: a SIREN (nine digits, Luhn) and a five-digit NIC, Luhn
    over all fourteen, right after its own label ("SIRET 67867308809823",
    "Siret : ..."). scan_digits.c: such a 14-digit card is not a strong card;
    after any other word it is one."""
    return len(digits) == 14 and luhn_ok(digits[:9]) and \
        SIRET_LABEL.search(t[max(0, d - 13):d]) is not None


def card_strength(sizes, digits, siret=False):
    n = len(digits)
    if n == 12 or (n == 13 and ean13_ok(digits)):
        return WEAK
    if len(sizes) == 1:
        printed = n not in (13, 17, 18)
    else:
        printed = tuple(sizes) in PRINTED
    return STRONG if printed and not siret else MEDIUM


def typed_groups(sizes):
    """How people type a card outside the printed layouts (POLICY.md, medium):
    fours then the rest (4-4-4-1, 4-4-4-2, 4-4-4-4-2; not 4-4-4-4-1), or
    groups of 4-6 then the rest in one long group (6-13, 4-4-8, 6-10)."""
    s = tuple(sizes)
    if len(s) < 2:
        return False
    fours = (len(s) == 4 and s[:3] == (4, 4, 4) and s[3] <= 2) or \
        (len(s) == 5 and s[:4] == (4, 4, 4, 4) and s[4] == 2)
    tail = s[-1] >= 7 and 4 <= s[0] <= 6 and all(3 <= x <= 6 for x in s[1:-1])
    return fours or tail


def card_groups_ok(sizes):
    return len(sizes) == 1 or typed_groups(sizes) or (
        4 <= sizes[0] <= 6 and all(3 <= s <= 6 for s in sizes[1:]))


HEX_LETTERS = set(b"abcdefABCDEF")
LETTERS_AFTER = re.compile(rb"[A-Za-z]{1,16}")


def word_after(t, e):
    """Letters glued after a compact card that are a word, not the rest of a
    hexadecimal hash: one outside a-f among them ("...1111exp1227",
    "...1111EUR"; scan_digits.c)."""
    m = LETTERS_AFTER.match(t, e)
    return m is not None and any(c not in HEX_LETTERS for c in m.group(0))


def card_in_chain(t, d, groups, kind, strong_only=False, word=False):
    """The card read from a chain of groups: the whole chain, or else its
    longest prefix that is a strong card by itself (only strong readings
    when `strong_only`). With `word` (a word glued before), only a compact
    strong card, read as medium; a word glued after makes one medium too."""

    def reading(k):
        sizes = [glen(t, g) for g in groups[:k]]
        if not card_groups_ok(sizes):
            return None
        digits = digits_of(t, groups[:k])
        e = groups[k - 1][1]
        printed = (len(sizes) == 1 and len(digits) >= 14 and len(digits) not in (17, 18)) or \
            tuple(sizes) in PRINTED
        end_word = k == 1 and not clean_end(t, e) and word_after(t, e)
        if not pan_ok(digits) or \
                not (clean_end(t, e) or end_word or (printed and expiry_end(t, e))):
            return None
        strength = card_strength(sizes, digits, siret_shaped(t, d, digits))
        if kind in ("dot", "slash", "tab", "pad", "url", "under") and k > 1 and \
                strength != STRONG:
            return None  # these separators only in the printed layouts
        if (strong_only or word or end_word) and strength != STRONG:
            return None
        if word and k > 1:
            return None
        if word or end_word:
            strength = MEDIUM
        return Reading("CREDIT_CARD", d, e, strength,
                       "-".join(map(str, sizes)) + ("" if k == 1 else " " + kind))

    whole = reading(len(groups))
    if whole is not None:
        return whole
    for k in range(len(groups) - 1, 0, -1):
        r = reading(k)
        if r is not None and r.strength == STRONG:
            return r
    return None


CARD_WORDS = {b"visa", b"mc", b"amex", b"cc", b"pan", b"card", b"mastercard"}
LETTERS_END = re.compile(rb"[A-Za-z]+\Z")


def card_word_glued(t, d):
    """A card word glued to the digits at d ("VISA4111...", "MC5105..."), the
    whole word at the start of its token (scan_digits.c): only a strong card
    is read after one."""
    m = LETTERS_END.search(t[max(0, d - 12):d])
    if m is None:
        return False
    start = d - len(m.group(0))
    return m.group(0).lower() in CARD_WORDS and (start == 0 or not is_alnum(t[start - 1]))


WORD_END = re.compile(rb"(?<![A-Za-z0-9])[A-Za-z]{3,16}\Z")


def other_word_glued(t, d):
    """Any word of three letters or more glued before the digits at d
    ("Karte4111...", "CCN4111..."), the whole token before them letters, one
    outside a-f (no hexadecimal hash; scan_digits.c)."""
    m = WORD_END.search(t[max(0, d - 17):d])
    return m is not None and (d - 17 <= 0 or m.start() > 0 or not is_alnum(t[d - 17])) and \
        any(c not in HEX_LETTERS for c in m.group(0))


def card_reading(t, d):
    """The card written at the digit run d, or None (mid-code is checked by
    the caller)."""
    glued_word = card_word_glued(t, d)
    clean = clean_start(t, d) or t[max(0, d - 3):d] == b"%20"
    other_word = not clean and not glued_word and other_word_glued(t, d)
    if not clean and not glued_word and not other_word:
        return None
    groups, kind = groups_at(t, d, ("space", "dash", "dot", "slash", "tab", "pad", "url",
                                    "under"), wrap_pad=True)
    # The grouped number ends at a group no card continues after: a first
    # group other than 4-6 digits, a later one other than 3-6 (scan_digits.c:
    # "4111 1111 1111 1111 12 34" is a 4-4-4-4-2 card, then a number).
    for k, g in enumerate(groups):
        if not (4 <= glen(t, g) <= 6 if k == 0 else 3 <= glen(t, g) <= 6):
            groups = groups[:k + 1]
            break
    if len(groups) == 1:
        kind = None
    for chain in line_cuts(groups):
        r = card_in_chain(t, d, chain, kind, glued_word, other_word)
        if r is not None:
            return r
    return None


CODE4 = rb"(?<![A-Za-z0-9])(?=[A-Z]*[0-9])[A-Z0-9]{4}"
CODE_BEFORE = [re.compile(CODE4 + rb"\Z"),
               re.compile(CODE4 + rb"(?:[ ]|" + DASH + rb"|" + NBSPS + rb")[A-Z]{4}\Z")]


UPS_HEAD = re.compile(rb"(?<![A-Za-z0-9])1[Zz] [A-Z0-9]{3} [A-Z0-9]{3} \Z")


def code_before(t, d):
    """Whether the number at d continues a longer grouped code (POLICY.md: "a
    card or phone number is never read out of the middle of a longer grouped
    code"): after a space, no-break space or dash on the same line comes a
    group of exactly four capitals and digits with a digit in it ("9475 2663
    2526 ...", a tracking number; "AE03 5095 ...", an IBAN; "room 204 4111
    ..." and "12345 4111 ..." are not codes), or four capitals after such a
    group ("NL61 NWJE 0068 ..."). Returns the end of that group, or None."""
    m = SAME_LINE_SEP_BEFORE.search(t[:d])
    if m is None:
        return None
    end = m.start()
    if UPS_HEAD.search(t[:d]):
        return end  # "1Z 9F1 22E 03 4472 1198", a UPS tracking number
    if any(rx.search(t[:end]) for rx in CODE_BEFORE):
        return end
    return None


# ---------------------------------------------------------------------------
# SSNs. POLICY.md: strong AAA-GG-SSSS in the issued ranges; medium AAA GG SSSS
# or one separator; weak 9 bare digits and AAAGG-SSSS after a state code (a
# ZIP+4). scan_digits.c: one separator written as a space (078 051121,
# 12345 6789) is weak too. A spaced SSN followed on its line by a further
# spaced group is one longer number ("078 05 1123 4567").
# ---------------------------------------------------------------------------

SSN_SHAPES = {  # (digit groups): (strength with dashes, strength with spaces)
    (3, 2, 4): (STRONG, MEDIUM),
    (3, 6): (MEDIUM, WEAK),
    (5, 4): (MEDIUM, WEAK),
}
STATE_CODE = re.compile(rb"(?:^|(?<=[^A-Za-z0-9]))[A-Z]{2}\Z")
STATE_GAP = re.compile(rb"[ \r\n>]{1,8}\Z")


def state_code_before(t, d):
    """Two capitals and one space, or a line break (one, with quote marks),
    before d: "IL 62704-1234", "NY\n> 47295-5899" (scan_digits.c)."""
    m = STATE_GAP.search(t[max(0, d - 8):d])
    if m is None:
        return False
    gap = m.group(0)
    if not (gap == b" " or gap.count(b"\n") == 1):
        return False
    return STATE_CODE.search(t[:d - len(gap)]) is not None


SSN_WORDS = {b"ssn", b"tin", b"ss"}
LETTERS_BEFORE = re.compile(rb"[A-Za-z]+\Z")


def ssn_word_glued(t, d):
    """An SSN word glued before the digits at d ("SSN536-22-8471"), the
    whole word at the start of its token (scan_digits.c)."""
    m = LETTERS_BEFORE.search(t[max(0, d - 8):d])
    if m is None:
        return False
    start = d - len(m.group(0))
    return m.group(0).lower() in SSN_WORDS and (start == 0 or not is_alnum(t[start - 1]))


def ssn_reading(t, d):
    if not clean_start(t, d):
        # only the strong AAA-GG-SSSS after a glued SSN word
        if not ssn_word_glued(t, d):
            return None
        r = ssn_reading_at(t, d)
        return r if r is not None and r.strength == STRONG else None
    return ssn_reading_at(t, d)


def ssn_reading_at(t, d):
    if digit_run(t, d) == 9:
        e = d + 9
        if clean_end(t, e) and ssn_ok(t[d:e].decode()):
            return Reading("US_SSN", d, e, WEAK, "9")
        return None
    for kind in ("dash", "space", "dot", "pad"):
        groups, _ = groups_at(t, d, (kind,))
        if kind == "dash":  # SSNs are not hyphenated across a line break
            groups = groups[:1] + list(itertools.takewhile(lambda g: g[2] == b"-", groups[1:]))
        for chain in line_cuts(groups):
            for shape, (dashed, spaced) in SSN_SHAPES.items():
                g = chain[:len(shape)]
                if tuple(b - a for a, b, _ in g) != shape:
                    continue
                e = g[-1][1]
                if not clean_end(t, e) or not ssn_ok(digits_of(t, g)):
                    continue
                if kind in ("dot", "pad") and shape != (3, 2, 4):
                    continue  # dots and padding only as AAA GG SSSS
                if kind in ("space", "pad") and len(chain) > len(shape):
                    continue  # one longer spaced number
                strength = dashed if kind == "dash" else spaced
                if shape == (5, 4) and kind == "dash" and state_code_before(t, d):
                    strength = WEAK  # "IL 62704-1234": a ZIP+4
                return Reading("US_SSN", d, e, strength, "-".join(map(str, shape)) + " " + kind)
    return None


# ---------------------------------------------------------------------------
# IBANs. POLICY.md: country length and ISO 7064 mod-97, compact or in groups,
# letters in any case ("Gb82 West ..."), but a country code written apart
# from its check digits in one case ("GB 82", "gb 82"; "Be 03 ..." is a word);
# the word "IBAN" may be glued before it ("IBANDE89...").
# scan_digits.c: the country code, an
# optional space, the check digits, then letters and digits in groups of any
# size but one (only the last may be a single character), split by spaces or
# dashes (kinds may mix); or, in the paper form only ("DE89.3704.0044 ...":
# country and check digits together, then groups of four, the last of one to
# four), by dots or padded separators, one kind throughout; at most 34
# characters; not followed by a letter or digit.
# ---------------------------------------------------------------------------

IBAN_HEAD = re.compile(rb"([A-Za-z]{2}) ?(?=[0-9]{2})")
ALNUMS = re.compile(rb"[A-Za-z0-9]+")
# A SWIFT MT940 subfield code right before a token ("?31DE89...": the
# payer's IBAN in a pasted statement's :86: field) does not glue it.
MT940_SUBFIELD = re.compile(rb"\?[0-9]{2}\Z")


def token_start(t, p):
    return p == 0 or not is_alnum(t[p - 1]) or MT940_SUBFIELD.search(t[:p]) is not None


def iban_word_before(t, p):
    return p >= 4 and t[p - 4:p].lower() == b"iban" and token_start(t, p - 4)


def iban_reading(t, p):
    m = IBAN_HEAD.match(t, p)
    if m is None or not (token_start(t, p) or (m.end() == p + 2 and iban_word_before(t, p))):
        return None
    cc = m.group(1)
    if m.end() == p + 3 and not (cc.isupper() or cc.islower()):
        return None
    country = cc.decode().upper()
    groups = []  # the first starts at the check digits
    i = m.end()
    paper = None  # dots or padding: only in the paper form "CC12.3456.7890..."
    while True:
        g = ALNUMS.match(t, i)
        groups.append(g.span())
        i = g.end()
        if len(groups) > 1 and g.end() - g.start() == 1:
            break  # a single character only last
        if paper is not None:  # a line wrapped at a gap goes on
            s = None
            if g.end() - g.start() == 4:
                s = SEP_THEN_ALNUM[paper].match(t, i)
                w = SEP_THEN_ALNUM["space"].match(t, i)
                s = s or (w if w is not None and b"\n" in w.group(0) else None)
        else:
            s = SEP_THEN_ALNUM["space"].match(t, i) or SEP_THEN_ALNUM["dash"].match(t, i) or \
                SEP_THEN_ALNUM["tab"].match(t, i) or SEP_THEN_ALNUM["url"].match(t, i)
            if s is None and len(groups) == 1 and m.end() == p + 2 and \
                    g.end() - g.start() == 2:
                for kind in ("pad", "dot"):
                    s = SEP_THEN_ALNUM[kind].match(t, i)
                    if s is not None:
                        paper = kind
                        break
        if s is None:
            break
        i = s.end()
    best = None
    for k in range(1, len(groups) + 1):
        chars = country + "".join(t[a:b].decode() for a, b in groups[:k])
        e = groups[k - 1][1]
        if paper is not None and k > 1 and groups[k - 1][1] - groups[k - 1][0] > 4:
            continue
        if len(chars) <= 34 and iban_ok(chars.upper()) \
                and (e == len(t) or not is_alnum(t[e])):
            best = Reading("IBAN", p, e, STRONG, "iban")
    return best


# ---------------------------------------------------------------------------
# Phone numbers. POLICY.md, medium: with '+' or '00' and a country code
# (also "+44 (0)20 ...", "(+34) 612...", "1 (617) 645-5984"), an area code in
# parentheses, the NANP shape NXX-NXX-XXXX, or a national number with its
# trunk 0 (10-12 digits, or 9 in three groups or after a dash, slash or a
# short area code); weak: 8 (not a date), 9, 10 or 11 bare digits, and groups
# without a trunk 0. The finer rules, as the comments of scan_phone.c state
# them:
# - '+' forms: a country code of 1-3 digits, then a separator or "(0)" /
#   "(area)", then groups split by spaces, dashes and dots mixed, or by
#   slashes; 8-15 digits ("(0)" not counted), at most 8 groups, the last of
#   two digits or more, the longest such; or the whole number compact after
#   the '+' (8-15 digits). "(+34) 612...": the code in brackets. Without a
#   '+' (00CC), a grouped number running past 15 digits on its line is none.
# - "(area)": 2-5 digits in brackets, an optional space, groups of 2-8 digits
#   split by one kind of space, dash or dot, 9-13 digits with the area; a
#   country code of 1-3 digits may stand before it. A bracket that holds no
#   area ("(206 640 9988)") leaves the digits to the plain forms.
# - plain forms are the whole chain of groups (cut at a line break where the
#   whole does not read): the separator after the first group (the area
#   code) of any kind, the later ones of one kind, slashes only after the
#   area code. NANP [1-]NXX-NXX-XXXX (or after a 2-3 digit country code),
#   one kind of separator. Trunk 0: first group 2-5 digits, the others 2 or
#   more, not 3-2-4; dots join pairs ("07.15.47.17.23"), after a slash also
#   threes ("02/573.96.57"). Other groupings (weak): never dotted nor across
#   a line break, 8-13 digits; two groups as a prefix of 2-4 digits (not a
#   year) then 5-8 after a dash or slash, 2-3 then 6-8 after a space, or 4-4
#   (Nordic); three or more groups of 2-5 digits, not 3-2-4; eight digits
#   only as 2-2-2-2, 3-2-3 or 4 4. Bare: 9, 11, 10 not starting with 1
#   (Unix timestamps), 8 that are not a date (YYYYMMDD, DDMMYYYY).
# ---------------------------------------------------------------------------

ALL_KINDS = ("space", "dash", "dot", "slash")
INTL_CLASS = {"space": "sdd", "dash": "sdd", "dot": "sdd", "slash": "slash"}


def chain_at(t, i, kinds, rule):
    """The digit groups from the digit run at i, as (start, end, separator
    before, its kind). rule "one": one kind of separator throughout; "intl":
    spaces, dashes and dots mixed, or slashes only; "area": the separator
    after the first group (the area code) of any kind, the later ones of one
    kind and no slash."""
    out = [(i, i + digit_run(t, i), b"", None)]
    while True:
        pos = out[-1][1]
        m = None
        for k in kinds:
            m = SEP_THEN_DIGIT[k].match(t, pos)
            if m:
                break
        if m is None:
            return out
        if len(out) > 1 and (
                (rule == "one" and k != out[1][3])
                or (rule == "intl" and INTL_CLASS[k] != INTL_CLASS[out[1][3]])
                or (rule == "area" and (k == "slash" or (len(out) > 2 and k != out[2][3])))):
            return out
        out.append((m.end(), m.end() + digit_run(t, m.end()), m.group(0), k))


def sep_digit_same_line(t, e, kind):
    m = SEP_THEN_DIGIT[kind].match(t, e)
    return m is not None and not is_wrap(m.group(0))


def switchboard(t, groups, k):
    """DIN 5008: a lone "-0" after a group of three digits or more is the
    switchboard ("0211 24580-0", "+49 40 359540-0"), a number's last group."""
    a, b = groups[k][:2]
    return k > 0 and t[a:b] == b"0" and t[a - 1:a] == b"-" and \
        groups[k - 1][1] - groups[k - 1][0] >= 3


AREA = re.compile(ANY_SEP + rb"?\(([0-9]{1,5})\)")
# Any separator followed by a digit on the same line.
SAME_LINE_SEP_DIGIT = re.compile(rb"(?:(?:[ ]|" + NBSPS + rb")/(?:[ ]|" + NBSPS + rb")|[ ./]|"
                                 + DASH + rb"|" + NBSPS + rb")(?=[0-9])")
OPT_SEP_DIGIT = re.compile(ANY_SEP + rb"?(?=[0-9])")
SEP_DIGIT = re.compile(ANY_SEP + rb"(?=[0-9])")


def intl_reading(t, start, cc, plus):
    """'+CC', '(+CC)' or '00CC' at `start`, the country code's digits at cc."""
    r = digit_run(t, cc)
    i = cc + r
    if t[start:start + 1] == b"(":
        i += 1  # the ')' after "(+34"
    if 4 <= r <= 7 or r > 15:
        return None
    if r >= 8:
        return Reading("PHONE", start, i, MEDIUM, "+compact") if phone_end(t, i) else None
    total = r
    m = AREA.match(t, i)
    if m:
        total += 0 if m.group(1) == b"0" else len(m.group(1))
        s = OPT_SEP_DIGIT.match(t, m.end())
    else:
        s = SEP_DIGIT.match(t, i)
    if s is None:
        return None
    groups = chain_at(t, s.end(), ALL_KINDS, "intl")
    if not plus:
        # The groups read up to 15 digits and 8 groups: when a separator and
        # digits follow them on their line (any kind) that do not fit, the
        # number is longer ("0034 0434 2287 0626 9409": a parcel number).
        n, k = total, 0
        while k < len(groups) and k < 8 and n + groups[k][1] - groups[k][0] <= 15:
            n, k = n + groups[k][1] - groups[k][0], k + 1
        more = SAME_LINE_SEP_DIGIT.match(t, groups[k - 1][1]) if k > 0 else None
        if more and (k == 8 or n + digit_run(t, more.end()) > 15):
            return None
    # A reading crosses a line break only when the line alone holds none, or
    # when the group after the first break is as long as the one before it
    # ("+34 622 42 99\n86"); "+44 20 7946 0958\n12 Main Street" ends before
    # the 12.
    best = [None, None]  # [before the first break that breaks the rhythm, after]
    n, slot = total, 0
    for k, (a, b, sep, _) in enumerate(groups[:8]):
        if k > 0 and is_wrap(sep) and not any(is_wrap(g[2]) for g in groups[1:k]):
            slot = 0 if b - a == groups[k - 1][1] - groups[k - 1][0] else 1
        n += b - a
        if n > 15:
            break
        if n >= 8 and (b - a >= 2 or switchboard(t, groups, k)) and phone_end(t, b):
            best[slot] = Reading("PHONE", start, b, MEDIUM, "intl")
    return best[0] or best[1]


PAREN = re.compile(rb"\(([0-9]{2,5})\)(?:" + SEP["space"] + rb")?(?=[0-9])")
CC_BEFORE = re.compile(rb"\+?([0-9]{1,3})(?:[ ]|" + DASH + rb"|" + NBSPS + rb")\Z")


def paren_reading(t, p):
    """"(415) 555-0132", "(030) 1234567", "1 (617) 645-5984"."""
    m = PAREN.match(t, p)
    if m is None or (p > 0 and is_alnum(t[p - 1])):
        return None
    n = len(m.group(1))
    ends = [None, None]  # before the first line break, after
    slot = 0
    groups = chain_at(t, m.end(), ("space", "dash", "dot"), "one")[:8]
    for k, (a, b, sep, _) in enumerate(groups):
        if b - a > 8 or (b - a < 2 and not switchboard(t, groups, k)):
            break
        if k > 0 and is_wrap(sep):
            slot = 1
        n += b - a
        if n > 15:
            break
        if 9 <= n <= 13 and phone_end(t, b):
            ends[slot] = b
    end = ends[0] or ends[1]
    if end is None:
        return None
    start = p
    # A country code before the area only at a word's start: after nothing,
    # white space, '(', ':' or a quote mark ('#31 (77)', "'31 (763)", 'card-1
    # (22)' and '5588 49 (428)' are other numbers).
    c = CC_BEFORE.search(t[:p])
    if c and (c.start() == 0 or t[c.start() - 1:c.start()] in b" \t\n(:>") and \
            not after_number(t, c.start()):
        start = c.start()
    return Reading("PHONE", start, end, MEDIUM, "paren")


def nxx(t, i):
    return 50 <= t[i] <= 57


def date8(d):
    """YYYYMMDD or DDMMYYYY, years 19xx and 20xx."""
    def ok(y, m, dd):
        return y in ("19", "20") and 1 <= int(m) <= 12 and 1 <= int(dd) <= 31
    return ok(d[0:2], d[4:6], d[6:8]) or ok(d[4:6], d[2:4], d[0:2])


def nhs_ok(digits):
    """An NHS number's modulus 11 check: weights 10 down to 2 over the first
    nine digits; 11 minus the sum mod 11 (11 read as 0, 10 never issued) is
    the tenth."""
    c = 11 - sum(int(x) * w for x, w in zip(digits, range(10, 1, -1))) % 11
    c = 0 if c == 11 else c
    return c != 10 and c == int(digits[9])


def plain_in_chain(t, d, groups):
    """The plain reading (no '+' or '(') of exactly these groups."""
    sizes = [b - a for a, b, _, _ in groups]
    n, total, e = len(groups), sum(sizes), groups[-1][1]
    wrapped = any(is_wrap(g[2]) for g in groups[1:])
    if total > 15 or n > 8 or not phone_end(t, e):
        return None
    first = t[d:d + 1]
    if n == 1:
        # ... and a whole international number after "00", as exports write
        # them ("0049307942555").
        if total in (9, 11) or (total == 10 and first != b"1") or (
                total == 8 and not date8(t[d:e].decode())) or (
                total >= 12 and re.match(rb"00[1-9]", t[d:e])):
            return Reading("PHONE", d, e, WEAK, "bare")
        return None
    s0 = groups[1][3]  # after the area code
    sr = groups[2][3] if n > 2 else s0  # between the later groups
    k0 = 1 if n == 4 and (sizes[0] in (2, 3) or first == b"1") and not is_wrap(groups[1][2]) \
        else 0
    if s0 == sr and sizes[k0:] == [3, 3, 4] and nxx(t, groups[k0][0]) and \
            nxx(t, groups[k0 + 1][0]):
        return Reading("PHONE", d, e, MEDIUM, "nanp")
    # Chinese mobile numbers: 1[3-9]x xxxx xxxx, one kind of space or dash,
    # on one line.
    if sizes == [3, 4, 4] and first == b"1" and t[d + 1] >= 51 and s0 == sr and \
            s0 in ("space", "dash") and not wrapped:
        return Reading("PHONE", d, e, MEDIUM, "cn-mobile")
    if first == b"0" and t[d + 1:d + 2] != b"0":
        nine = total == 9 and sizes != [3, 2, 4] and (
            n >= 3 or (s0 in ("dash", "slash") and sizes[0] <= 4)
            or (s0 == "space" and sizes[0] <= 3 and sizes[1] >= 6))
        if not (10 <= total <= 12 or nine) or not 2 <= sizes[0] <= 5:
            return None
        # Groups of two or more, but a switchboard "-0" may end the number.
        if any(x < 2 for x in sizes[1:-1]) or (
                sizes[-1] < 2 and not switchboard(t, groups, n - 1)):
            return None
        # After a one-digit area code ("02", "06"), the groups between are of
        # two to four digits: "06-655180-82" is a file number.
        if sizes[0] == 2 and any(x >= 5 for x in sizes[1:-1]):
            return None
        # "06/29\n73548522": an expiry date, then a number on the next line.
        if wrapped and s0 == "slash":
            return None
        joined = set()  # the groups a dot joins: pairs, after a slash also threes
        if s0 == "dot":
            joined |= {0, 1}
        if sr == "dot":
            joined |= set(range(1, n))
        if any(sizes[k] > (3 if s0 == "slash" else 2) for k in joined):
            return None
        return Reading("PHONE", d, e, MEDIUM, "trunk")
    if "dot" in (s0, sr) or wrapped or not 8 <= total <= 13:
        return None
    if n == 2:
        a, b = sizes
        if not ((s0 in ("dash", "slash") and 2 <= a <= 4 and 5 <= b <= 8
                 and not (a == 4 and t[d:d + 2] in (b"19", b"20")))
                or (s0 == "space" and ((2 <= a <= 4 and 6 <= b <= 8) or sizes == [4, 4]))):
            return None
    elif any(not 2 <= x <= 5 for x in sizes) or sizes == [3, 2, 4]:
        return None
    if total == 8 and sizes not in ([2, 2, 2, 2], [3, 2, 3], [4, 4]):
        return None
    return Reading("PHONE", d, e, WEAK, "groups")


def plain_reading(t, d):
    """The whole chain of groups at d, or where a line break may end the
    number, the chain cut there (longest first)."""
    groups = chain_at(t, d, ALL_KINDS, "area")
    # A phone number crosses a line break only when its line alone holds
    # none (scan_phone.c: "breaks preferred before crossing"; POLICY.md's
    # rhythm rule holds for '+' forms only).
    brk = next((k for k in range(1, len(groups)) if is_wrap(groups[k][2])), None)
    if brk is not None:
        r = plain_in_chain(t, d, groups[:brk])
        if r is not None:
            return r
    used = {g[3] for g in groups[1:]} or set(ALL_KINDS)
    # A slash after the second group is read as the later groups' separator
    # (scan_phone.c), so what follows it counts: a number after it too long
    # to fit in 15 digits makes the two groups part of a longer one, and
    # they are no number of their own ("04-29842571 / 5598807236739").
    if len(groups) == 2:
        m = SEP_THEN_DIGIT["slash"].match(t, groups[1][1])
        if m and not is_wrap(m.group(0)) and \
                sum(b - a for a, b, _, _ in groups) + digit_run(t, m.end()) > 15:
            used.add("slash")
    if not any(sep_digit_same_line(t, groups[-1][1], k) for k in used):
        r = plain_in_chain(t, d, groups)
        if r is not None:
            return r
    for k in range(len(groups) - 1, 0, -1):
        if is_wrap(groups[k][2]):
            r = plain_in_chain(t, d, groups[:k])
            if r is not None:
                return r
    return None


INTL_00 = re.compile(rb"00[1-9][0-9]{0,2}(?![0-9])")
# Where no plain form starts (scan_phone.c find_plain): the tail of a masked
# card ("437231******0227": '*' after '*' or a letter or digit), of an amount
# ("1,719,048"), or a code after a country's two capitals and a space ("FR
# 06 392 176 624", a VAT number; not after three capitals).
PLAIN_REFUSED = re.compile(rb"(?:[*A-Za-z0-9]\*)\Z")
# Only a thousands group after "digit," ("1,719,048"; "1,0301234567" is a CSV
# field) and, after two capitals, two digits ("FR 06 392 ...") or a number
# without a trunk 0 ("AB 1234 5678"; "UK 020 7946 0958" names its country).
AFTER_DIGIT_COMMA = re.compile(rb"[0-9],\Z")
AFTER_CAPITALS = re.compile(rb"(?<![A-Za-z0-9])[A-Z]{2} \Z")


def plain_refused(t, i):
    if PLAIN_REFUSED.search(t[:i]):
        return True
    run = digit_run(t, i)
    if AFTER_DIGIT_COMMA.search(t[:i]) and run == 3:
        return True
    return AFTER_CAPITALS.search(t[:i]) is not None and (run == 2 or t[i] != 48)
TRUNK8_SEP = re.compile(rb"(?:[ ]|" + DASH + rb"|" + NBSPS + rb")(?=[0-9])")


def trunk8_reading(t, d):
    """The Russian and CIS national form: the trunk prefix 8 alone, an area or
    operator code of 3-5 digits not starting with 0-2, then groups of 2-4
    digits, eleven digits in all, spaces and dashes mixed, on one line:
    "8 916 257-90-62", "8-495-821-25-27". The first group count that reaches
    eleven digits and ends well is the number."""
    limit = d + 48  # a phone number's reach from its first digit
    if t[d:d + 1] != b"8" or digit_run(t, d) != 1:
        return None
    pos, total, k = d + 1, 1, 0
    while k < 7:
        m = TRUNK8_SEP.match(t, pos)
        if m is None or m.end() >= limit:
            return None
        size = digit_run(t[:limit], m.end())
        if total + size > 15:
            return None
        pos, total, k = m.end() + size, total + size, k + 1
        if k == 1:
            if not (3 <= size <= 5 and t[m.end()] >= 51):
                return None
            continue
        if not 2 <= size <= 4:
            return None
        if total == 11 and phone_end(t, pos):
            return Reading("PHONE", d, pos, MEDIUM, "trunk8")
    return None


def phone_reading(t, i):
    """The phone number starting at i: a '+' (or the '(' of "(+34)"), a '('
    (an area code), or a digit run (00CC, or the plain forms), never after a
    digit and a separator (the tail of a longer number)."""
    if t[i] == 43:  # '+'
        if i > 0 and t[i - 1] == 43:
            return None  # "+++090/9337/55493+++", a Belgian payment reference
        cc = i + 1
        r = digit_run(t, cc)
        start = i - 1 if i > 0 and t[i - 1] == 40 and t[cc + r:cc + r + 1] == b")" else i
        if start > 0 and is_alnum(t[start - 1]):
            return None
        return intl_reading(t, start, cc, True)
    if t[i] == 40:  # '('
        return paren_reading(t, i)
    if i > 0 and ((t[i - 1] == 43 and not (i > 1 and t[i - 2] == 43)) or
                  (t[i - 1] == 40 and paren_reading(t, i - 1))):
        return None
    if not clean_start(t, i) or after_number(t, i):
        return None
    if INTL_00.match(t, i):
        r = intl_reading(t, i, i + 2, False)
        if r is not None:
            return r._replace(form="00intl")
    if plain_refused(t, i):
        return None
    return trunk8_reading(t, i) or plain_reading(t, i)


def all_readings(t):
    """Every reading of the text: at most one per type and start."""
    out = []
    for m in re.finditer(rb"(?=[A-Za-z]{2} ?[0-9]{2})", t):
        r = iban_reading(t, m.start())
        if r:
            out.append(r)
    starts = [m.start() for m in re.finditer(rb"(?<![0-9])[0-9]", t)]
    # A run that begins with a space encoded in a URL ("%204111%201111...")
    # is read from after it (scan_digits.c).
    starts = [s + 2 if s > 0 and t[s - 1:s + 2] == b"%20" and s + 2 < len(t) and is_digit(t[s + 2])
              else s for s in starts]
    anchors = [m.start() for m in re.finditer(rb"[(+](?=[0-9])", t)]
    for i in sorted(starts + anchors):
        r = phone_reading(t, i)
        if r:
            out.append(r)
    for d in starts:
        r = ssn_reading(t, d)
        if r:
            out.append(r)
    # Cards last, left to right: "unless the group before was itself a
    # finding (a list of numbers)" (scan_chars.h) needs the readings before.
    for d in starts:
        r = card_reading(t, d)
        if r is not None:
            out.append(r)
    # No number out of a token glued by a dash ("INV-2023-76509"), but for a
    # strong card or SSN, findings "whatever words surround them"
    # ("SSN-078-05-1120", "card-4111 1111 1111 1111").
    out = [r for r in out if not is_digit(t[r.start]) or not glued(t, r.start)
           or (r.type in ("US_SSN", "CREDIT_CARD") and r.strength == STRONG)]
    # No card or phone number out of the middle of a longer grouped code,
    # unless the group before ends a reading itself (a list of numbers).
    out.sort(key=lambda r: r.start)
    kept = []
    for r in out:
        end = code_before(t, r.start) if r.type in ("CREDIT_CARD", "PHONE") and is_digit(
            t[r.start]) else None
        if end is None or any(o.end == end for o in kept):
            kept.append(r)
    # A country code before "(area)" is read with it only when its own digit
    # run (or '+') made no reading first ("001 (86) 38112": the 00 form).
    kept = [r for r in kept if not (r.form == "paren" and t[r.start] != 40 and any(
        o.start == r.start and o is not r for o in kept))]
    # A phone number that reads on into a strong card or SSN gives those
    # digits up, and is read again up to it ("+1 212 555 0132 4111 1111 1111
    # 1111": the phone number, then the card). A card that a medium number
    # ran into follows a finding, as in a list: it needs no clean group
    # before it (scan_digits.c).
    # The same holds for a medium card ("6882 5059 290974 7045" holds the
    # strong "5059 290974 7045"); what stands before the strong reading is
    # read again with every detector, and kept unless weak.
    def strong_of(rs):
        return [r for r in rs if r.strength == STRONG and r.type in ("CREDIT_CARD", "US_SSN")]

    for r in list(kept):
        if not (r.type == "PHONE" and r.strength != STRONG) and not (
                r.type == "CREDIT_CARD" and r.strength == MEDIUM):
            continue
        inner = [x for x in strong_of(out if r.strength == MEDIUM else kept)
                 if r.start < x.start < r.end]
        if not inner:
            continue
        first = min(inner, key=lambda x: (x.start, TYPE_ORDER[x.type]))
        if first not in kept:
            kept.append(first)
        cut = first.start
        while cut > r.start and not is_alnum(t[cut - 1]):
            cut -= 1
        kept.remove(r)
        if r.type == "PHONE":
            at = t.index(b"(", r.start) if r.form == "paren" else \
                r.start + (t[r.start:r.start + 2] == b"(+")  # where the reading was anchored
            again = [phone_reading(t[:cut], at)]
        else:
            again = [card_reading(t[:cut], r.start), ssn_reading(t[:cut], r.start),
                     phone_reading(t[:cut], r.start)]
        again = [x for x in again if x is not None and x.strength != WEAK]
        if again:
            kept.append(max(again, key=lambda x: (x.strength, x.end - x.start)))
    return kept

# ---------------------------------------------------------------------------
# Context (POLICY.md): "A keyword or negative word counts only inside the
# candidate's scope: the sentence it stands in, at most context_window bytes
# on either side. A sentence ends at '.', '!' or '?' followed by white space
# and a capital (a '.' after a short capitalised word, as in Tel. or No.,
# does not end it); a blank line (also a quoted '>' line with nothing else)
# ends it, and so does the end of a line that finishes with a number, a ')'
# or sentence punctuation. Negative words count only before the candidate."
# ---------------------------------------------------------------------------

WHITE = b" \t\r\n"
# A line that finishes one of these is a unit of its own: digits, ')',
# sentence punctuation, and the policy's mask character '*' (scan_engine.c:
# so that a verifying scan of redacted text sees the same scopes).
UNIT_END = b"0123456789).!?*"


def is_blank(line):
    return all(c in b" \t\r>" for c in line)


def sentence_end(t, j):
    """Whether the '.', '!' or '?' at j ends a sentence: white space follows,
    then (after any quote marks) a capital, any non-ASCII letter, or the end;
    and a '.' does not follow a capitalised word of 1-3 letters."""
    if j + 1 < len(t) and t[j + 1] not in WHITE:
        return False
    k = j + 1
    while k < len(t) and (t[k] in WHITE or t[k] == 62):
        k += 1
    if k < len(t) and not (65 <= t[k] <= 90 or t[k] >= 0x80):
        return False
    if t[j] == 46:
        w = re.search(rb"(?:^|(?<=[^A-Za-z0-9_\x80-\xff]))([A-Za-z]{1,3})\Z", t[:j])
        if w and 65 <= w.group(1)[0] <= 90:
            return False  # "Tel.", "No.", "Nr."
    return True


# Ideographic full stop, full-width '!' and '?': a sentence end whatever
# follows (scan_engine.c).
CJK_STOPS = re.compile("\u3002|\uff01|\uff1f".encode())


def boundaries(t):
    """Where scopes end, as (first byte after, first byte of) the mark: a
    '\\n' that ends a blank line, starts one, or ends a line that finishes a
    unit; a '.', '!' or '?' that ends a sentence; a CJK full stop, '!' or
    '?'. A scope may reach, never cross, a boundary."""
    out = []
    for j, c in enumerate(t):
        if c == 10:
            line = t[t.rfind(b"\n", 0, j) + 1:j]
            k = t.find(b"\n", j + 1)
            after = t[j + 1:k if k >= 0 else len(t)]
            last = line.rstrip(b" \t\r")[-1:]
            if is_blank(line) or is_blank(after) or (last != b"" and last in UNIT_END):
                out.append((j + 1, j))
        elif c in b".!?" and sentence_end(t, j):
            out.append((j + 1, j))
    out += [(m.end(), m.start()) for m in CJK_STOPS.finditer(t)]
    return out


def scope(t, bounds, s, e, window):
    lo = max([s - window, 0] + [after for after, at in bounds if after <= s])
    hi = min([e + window, len(t)] + [at for after, at in bounds if at >= e])
    return lo, hi


class Context:
    """Keywords and negative words of the default policy."""

    def __init__(self, policy):
        self.window = policy["context_window"]

        def words(lst):
            return [(v, w.endswith("*")) for w in lst for f in case_forms(w)
                    for v in wrapped_forms(f.rstrip("*").encode().lower())]

        self.positive = {t: words(policy["detectors"][t].get("keywords", [])) for t in TYPES}
        self.negative = words(policy["negative_context"])

    @staticmethod
    def occurrences(t, low, word, prefix):
        """Matches of a keyword as a word (ASCII letters in any case): not
        after a word byte; then the end of the word, a plural 's', or (a
        prefix keyword 'word*') anything. Scripts without spaces between
        words (lead bytes U+3000..U+DFFF: CJK punctuation, kana, Han,
        Hangul) make a boundary wherever such a character meets the keyword
        ("请致电138...", "携帯：090-..."). Yields the span of the keyword as
        written, and the end of the word it matched ("orders",
        "Auftragsnummer"; a keyword ending in such a character ends there)."""
        for a in find_all(low, word):
            b = a + len(word)
            if a > 0 and is_word(t[a - 1]) and not unspaced_lead(t[a]) and \
                    not unspaced_before(t, a):
                continue
            if not (prefix or unspaced_before(t, b) or (b < len(t) and unspaced_lead(t[b]))):
                e = b + 1 if low[b:b + 1] == b"s" else b
                if e < len(t) and is_word(t[e]):
                    continue
            end = b
            while not unspaced_before(t, b) and end < len(t) and is_word(t[end]):
                end += 1
            yield a, b, end


def find_all(low, word):
    """Where `word` starts in `low`, overlapping matches included."""
    a = low.find(word)
    while a >= 0:
        yield a
        a = low.find(word, a + 1)


def unspaced_lead(c):
    """A UTF-8 lead byte of U+3000..U+DFFF: a script without spaces."""
    return 0xE3 <= c <= 0xED


def unspaced_before(t, i):
    """The character that ends right before t[i] is of such a script."""
    return i >= 3 and unspaced_lead(t[i - 3]) and 0x80 <= t[i - 1] < 0xC0


def simple_case(c, upper):
    """One character's simple case mapping (towupper / towlower: one
    character for one, "ß" stays "ß")."""
    m = c.upper() if upper else c.lower()
    return m if len(m) == 1 else c


def wrapped_forms(word):
    """A keyword phrase as mail may wrap it: as written, and with any one of
    its spaces a line break, LF or CR LF ("linha de\\napoio")."""
    out = [word]
    for k, c in enumerate(word):
        if c == 32:
            out += [word[:k] + b"\n" + word[k + 1:], word[:k] + b"\r\n" + word[k + 1:]]
    return out


def case_forms(word):
    """The forms a keyword is matched in (scan_case.c): ASCII letters match in
    any case; a word with other letters also in lower case, title case (the
    first character upper) and upper case ("телефон", "Телефон",
    "ТЕЛЕФОН"), each letter mapped on its own."""
    if word.isascii():
        return [word]
    forms = []
    for form in ("lower", "title", "upper"):
        f = "".join(c.lower() if c.isascii() else simple_case(
            c, form == "upper" or (form == "title" and k == 0)) for k, c in enumerate(word))
        if f not in forms:
            forms.append(f)
    return forms


# POLICY.md: a negative word names a medium form when "it stands right
# before the number with only separators and at most two words such as
# "number", "No", "n°" or "ID" between"; the words are those names_it in
# scan_engine.c lists. Separators here: space, tab, ':', '#', '.', '/', '-',
# the no-break and thin spaces, and a line break with the next line's quote
# marks (a form's label on the line above its value: "Kundennummer:\n0696...").
FILLERS = ["no", "nr", "nro", "n", "num", "number", "nummer", "numero", "numer", "id", "code",
           "de", "n°", "nº", "n.º", "n°s", "número", "numéro"]
NAME_SEP = rb"(?:[ \t:#./\r\n>=-]|" + NBSPS + rb")"
FILLER_WORD = rb"(?:" + rb"|".join(
    re.escape(w.encode()) for w in sorted(FILLERS, key=len, reverse=True)) + rb")"
NAMES_IT = re.compile(NAME_SEP + rb"*(?:" + FILLER_WORD + rb"(?=" + NAME_SEP + rb"|\Z)"
                      + NAME_SEP + rb"*){0,2}\Z")
# POLICY.md: "A phone number after a signature's one-letter label at a line
# start or after a wide gap (T 018-963740  M 0798029108) counts as named by a
# keyword." The letters: T(el), M(obile), F(ax), P(hone), D(irect), H(ome),
# W(ork), O(ffice), C(ell), and in Greek Τ(ηλέφωνο), Κ(ινητό), Φ(αξ) and
# Cyrillic Т(елефон), М(обильный), Ф(акс) (scan_engine.c); the letter is
# followed by one to three spaces, colons or opening brackets, and stands at
# a line start (after the line's quote marks and indentation), after a '|'
# between columns (and spaces), or after a wide gap: two or more spaces,
# tabs or quote marks.
SIGNATURE_LETTER = re.compile("(?:[TMFPDHWOC]|Τ|Κ|Φ|Т|М|Ф)[ :(]{1,3}\\Z".encode())
BEFORE_LETTER = re.compile(rb"[ >\t]*\Z")


def signature_label(t, s):
    m = SIGNATURE_LETTER.search(t[:s])
    if m is None:
        return False
    gap = BEFORE_LETTER.search(t[:m.start()])
    return gap.start() == 0 or t[gap.start() - 1] in b"\n|" or gap.end() - gap.start() >= 2


class Verdict:
    """What the reference decided about one reading."""

    def __init__(self, t, reading, lo, hi, pos, pos_before, neg, url, column):
        self.reading = reading
        self.lo, self.hi = lo, hi  # the scope
        # nearest keyword (either side, and before) / negative word before: (gap, word) or None
        self.pos, self.neg = pos, neg
        self.url = url
        # A tie between a keyword and a negative word is a keyword phrase
        # holding a negative word ("atención al cliente"): the keyword wins.
        self.positive = pos is not None and (neg is None or pos[0] <= neg[0])
        s = reading.start
        # What stands between is counted from the end of the label's word
        # (a plural, the rest of a 'word*' match: "Auftragsnummer 0696...").
        # (At most 32 bytes between, scan_engine.c.)
        self.named = neg is not None and (pos_before is None or neg[0] < pos_before[0]) and \
            s - neg[2] <= 32 and NAMES_IT.match(t[neg[2]:s].lower()) is not None
        self.label = False
        if reading.type == "PHONE" and not self.positive and not self.named and \
                signature_label(t, s):
            self.positive = self.label = True
        st = reading.strength
        # Else the header of its table column, if it stands in one.
        self.column = column
        if st != STRONG and not self.positive and column is not None:
            self.positive = self.positive or column == "keyword"
            self.named = self.named or column == "negative"
        self.kept = st == STRONG or (not url and not self.named and
                                     (st == MEDIUM or self.positive))
        lo_c, hi_c = CONF_RANGE[st]
        bonus = KEYWORD_BONUS if self.positive else 0
        self.conf = (min(100, lo_c + bonus), min(100, hi_c + bonus))
        # The first digit: readings with the same one read the same digits.
        self.anchor = s + re.search(rb"[0-9]", t[s:reading.end]).start()


# ---------------------------------------------------------------------------
# Tables (scan_table.h): "a table's column header may name it, and says more
# than the words in the other cells of its row" (scan_engine.c). When no
# keyword of its type is in a medium or weak reading's scope, the header of
# its column decides: a keyword of the type makes it named by a keyword; a
# negative word names it (and drops it) like a label before it.
# The texts here are short: the engine's 8 KiB and 64-row look-back limits
# are never reached and are left out.
# ---------------------------------------------------------------------------


def lines_of(t):
    """Each line as (start, end) without its '\\n'."""
    out, a = [], 0
    while True:
        k = t.find(b"\n", a)
        if k < 0:
            out.append((a, len(t)))
            return out
        out.append((a, k))
        a = k + 1


def line_index(lines, s):
    return next(k for k, (a, b) in enumerate(lines) if a <= s <= b)


def blank_row(row):
    return all(c in b" \t\r>" for c in row)


def cells_of(row, sep):
    """The cells of a row split by `sep`; commas only outside double quotes
    (CSV: "Smith, Jo",...)."""
    if sep != b",":
        return row.split(sep)
    cells, cur, quoted = [], bytearray(), False
    for c in row:
        quoted ^= c == 34
        if c == 44 and not quoted:
            cells.append(bytes(cur))
            cur = bytearray()
        else:
            cur.append(c)
    return cells + [bytes(cur)]


def seps_in(row, sep):
    """Separators in a row; -1 for a comma followed by a space outside
    quotes: CSV writes none, prose does, so that line is no CSV row."""
    cells = cells_of(row, sep)
    if sep == b"," and any(c.startswith(b" ") for c in cells[1:]):
        return -1
    return len(cells) - 1


def cell_split(t, s):
    """The cell separator of the line of s: a tab, else two or more pipes,
    else two or more semicolons, else two or more commas outside quotes;
    None when it is no table row."""
    lines = lines_of(t)
    a, b = lines[line_index(lines, s)]
    row = t[a:b]
    for sep, least in ((b"\t", 1), (b"|", 2), (b";", 2), (b",", 2)):
        if seps_in(row, sep) >= least:
            return sep
    return None


def split_header(t, s, sep):
    """Rows split by `sep`: the rows above the line of s with as many
    separators, up to a blank line (quote marks count as blank) or one with
    another count; of those, the topmost that is not a Markdown rule
    ("|---|:--|", at least one '-') is the header, unless a row at or above
    it (a data row) holds a digit or an '@'. The header's cell in the
    column of s, as (from, to)."""
    lines = lines_of(t)
    k = line_index(lines, s)
    a, b = lines[k]
    col, cells = seps_in(t[a:s], sep), seps_in(t[a:b], sep)
    header = None
    for ps, pe in reversed(lines[:k]):
        row = t[ps:pe]
        if blank_row(row) or seps_in(row, sep) != cells:
            break
        rule = b"-" in row and all(c in b"-: \r>" + sep for c in row)
        if not rule:
            header = (ps, pe)
        if re.search(rb"[0-9@]", row):
            header = None
    if header is None:
        return None
    names = cells_of(t[header[0]:header[1]], sep)
    start = header[0] + sum(len(c) + 1 for c in names[:col])
    return start, start + len(names[col].rstrip(b"\r"))


def stacked_header(t, s):
    """A table converted from HTML, each cell on a line of its own: a block
    of lines of at most 65 bytes with nothing blank between, the first n of
    them column names (no digit, no '@'), then rows of n lines whose kinds
    (text, number: a digit, address: an '@', long: more than 64 bytes
    without quote marks and edge spaces) repeat with period n; the smallest
    n of 2-8 for which the block is a whole number of rows, at least three,
    and the line of s is not among the names. The name line of the column
    of s, without its quote marks and edge spaces. Up to four short lines of
    prose may stand before the names in the block: the fewest that make it
    a table."""
    lines = lines_of(t)
    k = line_index(lines, s)
    top = k
    # Upwards: short lines that hold more than white space and quote marks.
    while top > 0 and k - top < 64:
        a, b = lines[top - 1]
        if b - a > 65 or blank_row(t[a:b]):
            break
        top -= 1
    block = []
    for a, b in lines[top:top + 129]:
        if b - a > 65:
            break
        m = re.match(rb"[> ]*(.*?)[\r ]*\Z", t[a:b], re.S)
        if not m.group(1):
            break
        cell = m.group(1)
        kind = "long" if len(cell) > 64 else "address" if b"@" in cell else \
            "number" if re.search(rb"[0-9]", cell) else "text"
        block.append((a + m.start(1), a + m.end(1), kind))
    idx = k - top
    if idx >= len(block):
        return None  # the line of s is too long to be a cell
    kinds = [x[2] for x in block]
    for h in range(min(5, idx)):  # up to four lines of prose before the table
        for n in range(2, min(8, idx - h) + 1):
            rows = kinds[h:]
            if len(rows) % n or len(rows) < 3 * n:
                continue
            if all(x == "text" for x in rows[:n]) and all(
                    rows[i] == rows[i + n] for i in range(n, len(rows) - n)) and any(
                    x != "number" for x in rows[n:2 * n]):
                return block[h + (idx - h) % n][:2]
    return None


RULE_RUN = re.compile(rb"(?:(?<=[ >])|^)[-=]")


def aligned_header(t, s):
    """A table laid out in columns of spaces with a rule under its header
    ("Nombre  Teléfono\\n------  --------\\nMarta   91 632 80 42"): going up
    from the line of s over non-blank lines, the first rule (only runs of
    '-' and '=', spaces, quote marks; two runs or more, a run starting at
    the line start or after a space or '>'); the header is the line above
    it, names only (no digit, no '@'); its cell in the column of s (counted
    in characters) spans from the rule's last run starting at or before that
    column to the next run's start, without trailing spaces."""
    lines = lines_of(t)
    k = line_index(lines, s)
    col = len(t[lines[k][0]:s].decode(errors="replace"))
    for j in range(k - 1, max(k - 65, -1), -1):
        a, b = lines[j]
        row = t[a:b]
        if blank_row(row):
            return None
        if not re.fullmatch(rb"[-= >\r]*", row):
            continue
        starts = [m.start() for m in RULE_RUN.finditer(row)]
        if len(starts) < 2:
            continue
        run = max((c for c in starts if c <= col), default=None)
        if run is None or j == 0:
            return None
        nxt = min((c for c in starts if c > run), default=None)
        ha, hb = lines[j - 1]
        head = t[ha:hb].decode(errors="replace")
        if re.search("[0-9@]", head):
            return None
        cell = head[run:] if nxt is None else head[run:nxt]
        start = ha + len(head[:run].encode())
        cell = cell.encode()[:hb - start].rstrip(b" \r")
        return (start, start + len(cell)) if cell else None
    return None


def cell_columns(row):
    """The character columns where the cells of a line start: its first
    text past quote marks and spaces, then text after two or more spaces
    (a '\r' counts as a space); None for more than 16."""
    u = row.decode(errors="replace")
    lead = re.match(r"[> \r]*", u).end()
    if lead == len(u):
        return []
    out = [lead] + [m.end() for m in re.finditer(r"[ \r]{2,}(?=[^ \r])", u) if m.end() > lead]
    return out if len(out) <= 16 else None


def spaced_header(t, s):
    """A table aligned by spaces without a rule, its cells left-aligned
    ("Name        SSN\nJo Smith    536228471"): the block of lines right
    above the line of s whose cells, two or more, start at the same
    character columns, up to one that differs or is longer than 8192 bytes;
    its topmost line is the header unless it holds a digit or an '@' or is
    more than 64 lines up. Its cell from the last start at or before the
    column of s to the next start, without trailing spaces."""
    lines = lines_of(t)
    k = line_index(lines, s)
    a, b = lines[k]
    starts = cell_columns(t[a:b])
    if starts is None or len(starts) < 2 or k == 0 or b - a >= 8192:
        return None
    top = None
    for j in range(k - 1, -1, -1):
        pa, pb = lines[j]
        if pb - pa > 8192 or cell_columns(t[pa:pb]) != starts:
            break
        top = j
        if k - j > 64:
            return None
    if top is None:
        return None
    ha, hb = lines[top]
    if re.search(rb"[0-9@]", t[ha:hb]):
        return None
    col = len(t[a:s].decode(errors="replace"))
    i = max(n for n, c in enumerate(starts) if n == 0 or c <= col)
    head = t[ha:hb].decode(errors="replace")
    cell = head[starts[i]:starts[i + 1]] if i + 1 < len(starts) else head[starts[i]:]
    start = ha + len(head[:starts[i]].encode())
    cell = cell.encode().rstrip(b" \r")
    return (start, start + len(cell)) if cell else None


def column_header(t, s):
    """The header cell of the table column that holds t[s], or None."""
    sep = cell_split(t, s)
    if sep is None:
        return aligned_header(t, s) or spaced_header(t, s) or stacked_header(t, s)
    return split_header(t, s, sep)


class EmailVerdict:
    """An address: a finding whatever its context, confidence 90."""

    def __init__(self, reading):
        self.reading = reading
        self.lo, self.hi, self.pos, self.neg = reading.start, reading.end, None, None
        self.named = self.label = self.url = False
        self.kept, self.positive, self.column = True, False, None
        self.conf = (90, 90)


def in_url(t, s):
    """Inside a URL: "scheme://" in the same token before the number."""
    tok = re.split(rb"[ \t\r\n<>\"]", t[:s])[-1]
    return b"://" in tok


class Reference:
    """The reference's view of one text."""

    def __init__(self, t, ctx):
        self.t = t
        low = t.lower()
        bounds = boundaries(t)
        occ = {}

        def found(words):
            """Where the words of a list occur in t (the list is one of ctx's)."""
            if id(words) not in occ:
                occ[id(words)] = [o for w, prefix in words
                                  for o in Context.occurrences(t, low, w, prefix)]
            return occ[id(words)]

        def nearest(words, s, e, lo, hi, before_only, from_word_end=False):
            best = None
            for a, b, wend in found(words):
                if a < lo or b > hi or (a < e and b > s):
                    continue
                if b <= s:
                    # A negative word is as near as its whole word ends
                    # ("orders", "Auftragsnummer" for "auftrag*").
                    gap = s - (min(wend, s) if from_word_end else b)
                elif before_only:
                    continue
                elif unspaced_lead(t[a]):
                    # In Chinese and Japanese a label stands before its
                    # number; one after it belongs to the next
                    # ("用途：24581315 如有疑问请致电135-...").
                    continue
                else:
                    gap = a - e
                if best is None or gap < best[0]:
                    best = (gap, t[a:b].decode(errors="replace"), min(wend, s))
            return best

        def column(typ, s):
            """What the header of the table column of t[s] says."""
            cell = column_header(t, s)
            if cell is None or cell[0] == cell[1]:
                return None
            if any(cell[0] <= a and b <= cell[1] for a, b, _ in found(ctx.positive[typ])):
                return "keyword"
            if any(cell[0] <= a and b <= cell[1] for a, b, _ in found(ctx.negative)):
                return "negative"
            return None

        self.verdicts = []
        for r in all_readings(t):
            lo, hi = scope(t, bounds, r.start, r.end, ctx.window)
            pos = nearest(ctx.positive[r.type], r.start, r.end, lo, hi, False)
            pos_before = nearest(ctx.positive[r.type], r.start, r.end, lo, hi, True)
            neg = nearest(ctx.negative, r.start, r.end, lo, hi, True, True)
            self.verdicts.append(Verdict(t, r, lo, hi, pos, pos_before, neg, in_url(t, r.start),
                                         column(r.type, r.start)))
        # Two readings of the same digits (the same first digit): "the one
        # context keeps wins, and if both are kept, the one a keyword names";
        # else the stronger, the longer (POLICY.md). A strong one always wins.
        kept = [v for v in self.verdicts if v.kept]
        same = collections.defaultdict(list)
        for v in kept:
            same[v.anchor].append(v)
        kept = [min(vs, key=lambda v: (-(v.reading.strength == STRONG), -v.positive,
                                       -v.reading.strength, v.reading.start - v.reading.end,
                                       TYPE_ORDER[v.reading.type]))
                for vs in same.values()]
        # Overlaps: the strongest, then the earliest, then the longest.
        kept.sort(key=lambda v: (-v.reading.strength, v.reading.start,
                                 v.reading.start - v.reading.end, TYPE_ORDER[v.reading.type]))
        digits = {}
        for v in kept:
            r = v.reading
            if all(r.end <= o[1] or o[2] <= r.start for o in digits):
                digits[(r.type, r.start, r.end)] = v
        # E-mail addresses, and then all findings by start, the longer first,
        # each that overlaps none before it (scan_engine.c).
        emails = {(r.type, r.start, r.end): EmailVerdict(r) for r in email_readings(t)}
        self.verdicts += emails.values()
        self.findings = {}
        for f in sorted(list(digits) + list(emails), key=lambda f: (f[1], -f[2])):
            if all(f[2] <= o[1] or o[2] <= f[1] for o in self.findings):
                self.findings[f] = digits.get(f) or emails[f]

    def why(self, f):
        """How the reference judged the readings overlapping span f."""
        out = []
        for v in self.verdicts:
            r = v.reading
            if r.start < f[2] and f[1] < r.end:
                out.append(f"{r.type}[{r.start},{r.end}) {STRENGTH_NAME[r.strength]} {r.form}"
                           f" scope[{v.lo},{v.hi}) kw={v.pos} neg={v.neg}"
                           + (" named" if v.named else "") + (" label" if v.label else "")
                           + (" url" if v.url else "") + (" kept" if v.kept else " dropped"))
        return "; ".join(out) or "no reading"

# ---------------------------------------------------------------------------
# Disagreement classes. A disagreement is a (type, start, end) found by one
# side only, or found by both with the engine's confidence outside the
# reference's range. Each predicate gets a Case: the text t, the span f, the
# kind of disagreement ("missed": reference only, "extra": engine only,
# "confidence"), the Reference, and all engine findings (any type) as
# (type, start, end, confidence).
# ---------------------------------------------------------------------------

Case = collections.namedtuple("Case", "t f kind ref eng")


def overlaps(a, b):
    return a[1] < b[2] and b[1] < a[2]


def occluded_by_other_type(c):
    return c.kind == "missed" and any(
        g[0] not in TYPES and g[1] <= c.f[1] and overlaps(c.f, g) for g in c.eng)


# Justified: ambiguities of the documentation or simplifications of the
# reference, not engine bugs.
ALLOWED = {
    # The reference models cards, SSNs, IBANs, phone numbers and e-mail
    # addresses, not UK_NINO. A UK_NINO finding the engine reports that
    # starts at or before ours takes those bytes; nothing leaks.
    "occluded-by-reported-other-type": occluded_by_other_type,
    # A reading that context drops (inside a URL: "https://t.co/tel/(030)
    # 630-16-43-42/"; named by a label: "Auftrag 0147 / 76424207, llamar")
    # hides the readings that start at a later digit run of its span: the
    # engine re-reads the same run (SCAN_CAND_ALT), not later ones. The
    # reference, which knows every reading, finds the inner one, a weak
    # reading of the number's tail ("employee 3565 3406 11428 6409 ITIN": an
    # SSN). The documentation does not say; the engine's answer (the number
    # is one, and dropped) is the better one.
    "dropped-reading-hides-later-run": lambda c: c.kind == "missed" and any(
        (v.url or v.named) and not v.kept and v.reading.start < c.f[1] < v.reading.end
        for v in c.ref.verdicts),
}


# Engine bugs found by this test and not yet mended: a class name, and a
# predicate over the Case that recognises it. Failures still fail; the label
# only says which known bug they are. Each is written up with a minimal
# repro in the report of the session that found it.
KNOWN_BUGS = {}


def classify(classes, c):
    for name, pred in classes.items():
        if pred(c):
            return name
    return None


def inherit(cases, labels):
    """A disagreement that overlaps a labelled one of the other side (the
    span the engine read instead, or the one it missed) is its consequence
    and takes its label."""
    out = list(labels)
    for k, c in enumerate(cases):
        if out[k] is None:
            for c2, lab in zip(cases, labels):
                if lab is not None and c2.kind != c.kind and overlaps(c.f, c2.f):
                    out[k] = lab
                    break
    return out


# ---------------------------------------------------------------------------
# Generator. Texts are built as str and encoded as UTF-8.
# ---------------------------------------------------------------------------

WORDS = ("the please find attached our your new payment details for number below "
         "thanks regards hello team we have updated records meeting at on in and or is "
         "was will be sent by from with total due amount paid balance statement id code "
         "pin date me tomorrow office address street London Berlin report cardboard "
         "discard cardinal panel testing tinfoil banking disorder preference casework "
         "refund ssnx visas telly recall cellar ordered telephony Grüße café naïve "
         "résumé").split()
CAPITALS = "Please Thanks Next The We Our Your Best Also Kind See À Über".split()
KEYWORDS = {
    "CREDIT_CARD": "card cards credit debit visa Visa CARD mastercard amex cc pan expiry cvv "
                   "Kreditkarte carte tarjeta".split(),
    "US_SSN": "ssn SSN SSNs ss# taxpayer tin ITIN".split() + ["social security",
                                                             "Social Security"],
    "IBAN": "iban IBAN bank account transfer swift Konto Kontonummer compte".split(),
    "PHONE": "phone tel Tel call mobile cell fax whatsapp Telefon Telefonnummer Handy tél "
             "appelez llame bel tlf puh móvil komórka llamar ring Kontakt centralino "
             "switchboard Rückruf Mob".split() + ["atención al cliente", "service client"]
             # other scripts, in the case forms the engine matches and not ("тЕл")
             + "тел Тел ТЕЛ телефон Телефон ТЕЛЕФОН Телефонный моб мобильный звоните тЕл "
               "τηλ Τηλ ΤΗΛ τηλέφωνο Τηλέφωνο ΤΗΛΈΦΩΝΟ ΤΗΛΕΦΩΝΟ κινητό Κινητό φαξ "
               "电话 手机 致电 传真 联系 電話 携帯 連絡先 전화 휴대폰 연락처 TÉL Tél "
               "Teléfono TELÉFONO".split() + ["на связи"]
             # phrases, also broken by a line wrap at one space (or two: no)
             + ["når mig på", "nås på", "διαθέσιμος στο", "linha de apoio", "atención al\ncliente",
                "service\r\nclient", "linha\nde apoio", "linha\nde\napoio", "fat i\nmig",
                "servicio al\n> cliente"],
}
NEGATIVE = ("order orders invoice tracking ref reference serial isbn ticket case incident "
            "po rma vat Bestellnummer Rechnung Auftrag Referenz commande facture pedido "
            "factura ordine fattura Kundennummer ID nhs zip PLZ konto client cliente "
            "employee claim docket AWB waybill Schadennummer Vertrag накладная Накладная "
            "ИНН инн ΑΦΜ αφμ 运单 订单 工单 注文番号 病历号").split() + [
                "customer number", "account number", "meeting id"]
# Labels that name the number after them, in several languages, with the
# filler words and separators labels are written with.
LABELS = ["Kundennummer", "Kundennummer:", "Rechnung Nr.", "Rechnung Nr.:", "Rechnung Nr",
          "Bestellnummer:", "facture n°", "facture n° :", "numéro client", "pedido nº",
          "factura n.º", "zamówienie nr", "Ordernummer", "Referenz:", "Meeting ID:",
          "ID de reunión:", "The NHS number", "customer number", "order no.", "order no.:",
          "Order #", "Order #:", "Invoice No:", "invoice number:", "Vertragsnummer",
          "klantnummer", "Auftrag", "case", "ticket #", "policy number", "Seriennummer",
          "sprawa nr", "Fakturanummer", "asiakasnumero", "zip code", "PLZ", "Kontonummer",
          "Order-No.", "Ref.", "ref:", "Ticket-ID", "ordine numero", "numer zamówienia",
          "Auftragsnummer", "Rechnungsnummer:", "Vorgangsnummer", "orders", "invoices:",
          "Bestellnr.", "Artikelnummer", "Referenznummer", "ref=", "Order=", "order_id=",
          "Kundennummer =", "claim no.", "AWB", "SIRET", "SIRET :", "siret n°", "订单号：",
          "运单号", "ИНН:", "ΑΦΜ:"]
ABBREVIATIONS = ["Tel.", "No.", "Nr.", "Fax.", "Mob.", "Ref.", "Tel. No.", "St.", "Dr."]
PUNCT = [",", ".", ":", ";", "!", "?", "(", ")", "\"", "'", "#", "*", "=", "/", "-", "—"]
SPACES = [" ", "\u00a0", "\u2009", "\u202f", "\u2007", "\u2002", "\u2003", "\u2008", "\u200a"]
DASHES = ["\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2212"]
NUMBER_KINDS = ("CREDIT_CARD", "US_SSN", "IBAN", "PHONE")


def rdigits(rng, n):
    return "".join(rng.choice("0123456789") for _ in range(n))


def gen_card_digits(rng, n=None):
    lo, hi, lengths = rng.choice(ISSUERS)
    if n is None or n not in lengths:
        n = rng.choice(sorted(lengths))
    width = len(lo)
    prefix = str(rng.randint(int(lo), int(hi))).zfill(width)
    return luhn_complete(prefix + rdigits(rng, n - width - 1))


def printed_sizes(n):
    return {13: [4, 4, 5], 14: [4, 6, 4], 15: [4, 6, 5], 19: [4, 4, 4, 4, 3]}.get(
        n, [4] * (n // 4) + ([n % 4] if n % 4 else []))


def group(rng, digits, sizes, sep):
    out, i = [], 0
    for g in sizes:
        if i < len(digits):
            out.append(digits[i:i + g])
        i += g
    if i < len(digits):
        out.append(digits[i:])
    return sep.join(out)


def random_sizes(rng, n):
    sizes, left = [], n
    while left > 0:
        g = min(left, rng.choice([1, 2, 3, 4, 4, 4, 5, 6, 7]))
        sizes.append(g)
        left -= g
    return sizes


def gen_sep(rng, dash=True):
    r = rng.random()
    if r < 0.5:
        return " "
    if r < 0.75 and dash:
        return "-" if r < 0.7 else rng.choice(DASHES)
    return rng.choice(SPACES)


def gen_card(rng):
    if rng.random() < 0.1:  # dotted (printed layouts only) and 18-digit cards
        d = gen_card_digits(rng, rng.choice([14, 15, 16, 16, 18, 18, 19, 12, 13]))
        if rng.random() < 0.1:
            d = d[:-1] + str((int(d[-1]) + 1) % 10)
        sizes = printed_sizes(len(d)) if len(d) != 18 else rng.choice(
            [[4, 4, 4, 4, 2], [4, 4, 4, 4, 2], [4, 4, 4, 6], [4, 6, 6, 2], [4, 4, 3, 5, 2]])
        s = group(rng, d, sizes, rng.choice([".", "\t", " ", "-", "/", " / ", " - ", "  ",
                                             " \u2013 ", "+", "%20", "_"]))
        if "  " in s and rng.random() < 0.4:  # a line wrapped at one of its gaps
            k = rng.choice([m.start() for m in re.finditer("  ", s)])
            s = s[:k] + rng.choice([" \n", "\n", " \r\n> "]) + s[k + 2:]
        return s
    d = gen_card_digits(rng)
    r = rng.random()
    if r < 0.1:  # Luhn off by one
        d = d[:-1] + str((int(d[-1]) + rng.choice([1, 9])) % 10)
    elif r < 0.16:  # unknown issuer
        prefix = rng.choice(["7", "0", "80", "99", "2100", "3100"])
        d = luhn_complete(prefix + rdigits(rng, len(d) - len(prefix) - 1))
    elif r < 0.22:  # wrong length
        d = luhn_complete(d[:-1] + rng.choice(["", "1", "12", "123"]))
    elif r < 0.26:  # one digit short / long, not re-checked
        d = d[:-1] if rng.random() < 0.5 else d + rng.choice("0123456789")
    elif r < 0.36:  # 12 digits (weak), 13 (EAN-13 valid or not), 17-18 (medium)
        d = gen_card_digits(rng, rng.choice([12, 12, 13, 13, 17, 18]))
        if len(d) == 13 and rng.random() < 0.5:  # make it a valid EAN-13 too
            for _ in range(200):
                c = gen_card_digits(rng, 13)
                if ean13_ok(c):
                    d = c
                    break
    form = rng.random()
    if form < 0.3:
        return d
    sep = gen_sep(rng)
    sizes = printed_sizes(len(d)) if form < 0.8 else random_sizes(rng, len(d))
    if 0.8 <= form < 0.85:  # typed: 6-13, 4-4-8, 6-10, 4-12, fours then the rest
        sizes = rng.choice([[6], [4, 4], [4], [4, 4, 4, 4], [4, 4, 4], [5, 3]])
    s = group(rng, d, sizes, sep)
    if rng.random() < 0.04:  # mixed separators
        s = s.replace(sep, rng.choice([" ", "-"]), 1)
    if rng.random() < 0.05:  # a hard line break inside a group
        cuts = [k for k in range(1, len(s)) if s[k - 1].isdigit() and s[k].isdigit()] + \
            [k for k in range(1, len(s)) if s[k - 1].isdigit() and s[k:k + 1] == " "]
        if cuts:
            k = rng.choice(cuts)
            s = s[:k] + rng.choice(["\n", "\r\n", "\n> "]) + s[k:]
    if rng.random() < 0.05:  # an expiry date glued on, valid or not
        s += rng.choice(["/12/27", "/0929", "/07/2031", "/11", "/13/27", "/12/3", "/1227/5"])
    if rng.random() < 0.04:  # a word glued on, a card word or not
        s = rng.choice(["VISA", "MC", "pan", "Card", "AMEX", "xcard", "Japan", "ref", "cc",
                        "Karte", "CCN", "no", "deadbeef", "abc", "x"]) + s
    if rng.random() < 0.03:  # a word glued after, or the rest of a hash
        s += rng.choice(["exp1227", "CVV", "EUR", "x", "abcdef", "a3f9", "Exp 12/27"])
    if rng.random() < 0.03:  # after a space encoded in a URL ("card%204111...")
        s = rng.choice(["%20", "card%20", "q=%20", "%2"]) + s
    return s


def gen_ssn(rng):
    r = rng.random()
    if r < 0.15:
        area = rng.choice(["000", "666", str(rng.randint(900, 999))])
    else:
        area = str(rng.randint(1, 899)).zfill(3)
    grp = "00" if rng.random() < 0.07 else str(rng.randint(1, 99)).zfill(2)
    serial = "0000" if rng.random() < 0.07 else str(rng.randint(1, 9999)).zfill(4)
    d = area + grp + serial
    if rng.random() < 0.03:
        d = rng.choice(sorted(SSN_PUBLIC))
    a, g, s = d[:3], d[3:5], d[5:]
    sp = rng.choice(SPACES) if rng.random() < 0.3 else " "
    form = rng.choice(["a-g-s", "a-g-s", "a g s", "a g s", "a-gs", "ag-s", "a gs", "ag s",
                       "ags", "ags", "a-g s", "a--g-s", "aa-g-s", "zip", "a.g.s", "a - g - s",
                       "a  g  s", "a.gs"])
    word = ""
    if rng.random() < (0.3 if form == "a-g-s" else 0.03):  # glued before it, a form dump
        word = rng.choice(["SSN", "ssn", "TIN", "SS", "xSSN", "ABC", "SSNs"])
    return word + {"a-g-s": f"{a}-{g}-{s}", "a g s": f"{a}{sp}{g}{sp}{s}", "a-gs": f"{a}-{g}{s}",
            "ag-s": f"{a}{g}-{s}", "a gs": f"{a}{sp}{g}{s}", "ag s": f"{a}{g}{sp}{s}",
            "ags": d, "a-g s": f"{a}-{g} {s}", "a--g-s": f"{a}--{g}-{s}",
            "aa-g-s": f"{a}{rng.randint(0, 9)}-{g}-{s}", "a.g.s": f"{a}.{g}.{s}",
            "a - g - s": f"{a} - {g} - {s}", "a  g  s": f"{a}  {g}  {s}", "a.gs": f"{a}.{g}{s}",
            "zip": f"{rng.choice(['IL', 'NY', 'CA', 'TX'])} {a}{g}-{s}"}[form]


def iban_make(cc, bban):
    moved = bban + cc + "00"
    check = 98 - int("".join(str(int(ch, 36)) for ch in moved)) % 97
    return f"{cc}{check:02d}{bban}"


def gen_iban_chars(rng, valid=True):
    cc = rng.choice(sorted(IBAN_LENGTHS))
    n = IBAN_LENGTHS[cc] - 4
    alpha = rng.random() < 0.4 and (cc not in NUMERIC_BBAN or rng.random() < 0.1)
    bban = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ" if alpha and i < 4 else "0123456789")
                   for i in range(n))
    iban = iban_make(cc, bban)
    if not valid:
        iban = iban[:2] + f"{(int(iban[2:4]) + rng.randint(1, 96)) % 100:02d}" + iban[4:]
    return iban


def gen_iban(rng):
    iban = gen_iban_chars(rng)
    r = rng.random()
    if r < 0.1:  # wrong check digits
        iban = iban[:2] + f"{(int(iban[2:4]) + rng.randint(1, 96)) % 100:02d}" + iban[4:]
    elif r < 0.15:  # wrong length, right mod-97
        bban = iban[4:]
        bban = bban + rng.choice("0123456789") if rng.random() < 0.5 else bban[:-1]
        iban = iban_make(iban[:2], bban)
    elif r < 0.18:  # unknown country
        iban = iban_make(rng.choice(["ZZ", "US", "XX", "QQ"]), iban[4:])
    elif r < 0.3:  # lower case or mixed case ("Gb82west...", valid when glued)
        k = rng.random()
        if k < 0.5:
            iban = iban.lower()
        elif k < 0.75:
            iban = iban[:4] + iban[4:].lower()
        else:
            iban = iban[0] + iban[1:].lower()
    elif r < 0.33:  # check digits 97/98 -> 00/01 keep mod-97 but are never issued
        c = int(iban[2:4])
        if c in (97, 98):
            iban = iban[:2] + f"{c - 97:02d}" + iban[4:]
    elif r < 0.36:  # one character changed
        k = rng.randrange(4, len(iban))
        iban = iban[:k] + rng.choice("0123456789") + iban[k + 1:]
    form = rng.random()
    if form < 0.3:
        return iban
    if form > 0.95:  # the paper form with dots or padding ("DE89.3704.0044 ...")
        s = group(rng, iban, [4] * 9, rng.choice([".", "  ", " - ", "   ", ". "]))
        if "  " in s and rng.random() < 0.4:  # a line wrapped at one of its gaps
            k = rng.choice([m.start() for m in re.finditer("  ", s)])
            s = s[:k] + rng.choice([" \n", "\n", " \r\n> "]) + s[k + 2:]
        return s
    sep = gen_sep(rng)
    if rng.random() < 0.03:  # in a URL's query: "IBAN=DE89%203704...", "DE89+3704+..."
        sep = rng.choice(["%20", "+"])
    sizes = [4] * (len(iban) // 4 + 1)
    if rng.random() < 0.2:  # national layouts: groups of any size
        sizes = [rng.choice([1, 2, 3, 4, 5, 6, 8, 10]) for _ in range(len(iban))]
    out = group(rng, iban, sizes, sep)
    if rng.random() < 0.1:  # "GB 82 WEST ..." / "GB 82WEST..."
        out = out[:2] + " " + out[2:]
    elif rng.random() < 0.05:  # "IBANDE89...", "ibangb82 west ...": spacing lost
        out = rng.choice(["IBAN", "iban", "Iban"]) + out
    if rng.random() < 0.05:  # mixed or doubled separators
        out = out.replace(sep, rng.choice([" ", "-", "  "]), rng.randint(1, 3))
    return out


def gen_national_phone(rng):
    """National layouts: Nordic, Iberian, Polish, Belgian, Swiss, German,
    Italian, North American; in their own forms and with '+' or '00'."""
    def d(n, first="0123456789"):
        return rng.choice(first) + rdigits(rng, n - 1)

    nz = "23456789"
    forms = [
        # Norway, Denmark: 8 digits
        lambda: " ".join([d(2, nz), d(2), d(2), d(2)]),
        lambda: f"{d(3, '49')} {d(2)} {d(3)}",
        lambda: d(8, nz),
        lambda: f"{d(4, nz)} {d(4)}",
        # Sweden, Finland: trunk 0, a dash after the area code, then groups
        lambda: f"0{d(1, nz)}-{d(3)} {d(3)} {d(2)}",
        lambda: f"07{d(1)}-{d(3)} {d(2)} {d(2)}",
        lambda: f"0{d(2, nz)}-{d(2)} {d(2)} {d(2)}",
        lambda: f"0{d(2, nz)}-{d(6)}",
        lambda: f"040 {d(3)} {d(4)}",
        lambda: f"09 {d(3)} {d(4)}",
        lambda: f"050 {d(7)}",
        # Spain, Portugal: 9 digits
        lambda: f"{d(3, '6789')} {d(3)} {d(3)}",
        lambda: f"{d(2, '89')} {d(3)} {d(2)} {d(2)}",
        lambda: f"{d(3, '9')} {d(2)} {d(2)} {d(2)}",
        lambda: d(9, "6789"),
        lambda: f"{d(2, '2')} {d(3)} {d(4)}",
        # Poland
        lambda: f"{d(2, nz)} {d(3)} {d(2)} {d(2)}",
        lambda: f"{d(2, nz)} {d(7)}",
        lambda: f"({d(2, nz)}) {d(3)} {d(2)} {d(2)}",
        lambda: f"{d(3, '5678')}-{d(3)}-{d(3)}",
        # Belgium
        lambda: f"0{d(1, nz)}/{d(3)}.{d(2)}.{d(2)}",
        lambda: f"04{d(2)} {d(2)} {d(2)} {d(2)}",
        lambda: f"04{d(2)}/{d(2)}.{d(2)}.{d(2)}",
        lambda: f"04{d(2)} {d(2)}.{d(2)}.{d(2)}",
        lambda: f"0{d(1, nz)} {d(3)} {d(2)} {d(2)}",
        # Switzerland
        lambda: f"0{d(2, nz)} {d(3)} {d(2)} {d(2)}",
        lambda: f"0{d(2, nz)}/{d(3)} {d(2)} {d(2)}",
        # Germany, Austria
        lambda: f"0{d(3, '1')} / {d(8)}",
        lambda: f"0{d(2, nz)} {d(8)}",
        lambda: f"0{d(2, nz)}-{d(3)} {d(2)} {d(2)}",
        lambda: f"0{d(2, nz)}/{d(7)}",
        lambda: f"0{d(2, nz)} {d(7)} / 0{d(3, '1')} {d(7)}",
        # Italy
        lambda: f"{d(3, '3')}/{d(7)}",
        lambda: f"0{d(1, nz)} {d(7)}",
        lambda: f"0{d(1, nz)} {d(4)} {d(4)}",
        lambda: f"{d(3, '3')} {d(3)} {d(4)}",
        # North America
        lambda: f"({d(3, nz)} {d(3, nz)} {d(4)})",
        lambda: f"1 ({d(3, nz)}) {d(3, nz)}-{d(4)}",
        lambda: f"{d(3, nz)}.{d(3, nz)}.{d(4)}",
        # 9-digit trunk forms
        lambda: f"0{d(2, nz)}-{d(6)}",
        lambda: f"0{d(2, nz)}/{d(6)}",
        lambda: f"0{d(1, nz)} {d(7)}",
        lambda: f"0{d(1, nz)} {d(3)} {d(4)}",
    ] + [lambda: gen_new_phone(rng)] * 12
    n = rng.choice(forms)()
    r = rng.random()
    if r < 0.25 and n.startswith("0") and "/" not in n:  # international: CC, the trunk 0 dropped
        cc = rng.choice(["46", "47", "45", "358", "34", "351", "48", "32", "41", "49", "39"])
        n = rng.choice([f"+{cc} ", f"+{cc} (0)", f"00{cc} ", f"(+{cc}) ", f"+{cc}-"]) + \
            n[1:].replace("-", rng.choice([" ", "-", "."]), 1)
    elif r < 0.35 and not n.startswith(("0", "(", "1 (")):
        cc = rng.choice(["47", "45", "34", "351", "48", "1"])
        n = rng.choice([f"+{cc} ", f"00{cc} ", f"{cc} ("]) + n + (")" if n[-1:] == "(" else "")
        if n.endswith("("):
            n = n[:-1]
    elif r < 0.45:  # dots in an international number
        n = f"+{rng.choice(['32', '33', '41'])} {d(3, nz)} {d(2)}.{d(2)}.{d(2)}"
    elif r < 0.5:  # a country code before an (area)
        n = f"{rng.choice(['+44', '+1', '1', '49', '+49', '31'])} ({d(rng.choice([2, 3]), nz)}) " \
            f"{d(4)} {d(4)}"
    return n


def nhs_number(rng, nanp=True):
    """Ten digits with an NHS modulus 11 check digit (in the NANP shape:
    the first and fourth digit 2-9)."""
    while True:
        body = str(rng.randint(2, 9)) + rdigits(rng, 2) + str(rng.randint(2, 9)) + \
            rdigits(rng, 5) if nanp else rdigits(rng, 9)
        for c in "0123456789":
            if nhs_ok(body + c):
                return body + c


def gen_new_phone(rng):
    """The national forms of scan_phone.c's second red-team round, and their
    near misses: DIN 5008 switchboard "-0" suffixes, the Russian trunk 8,
    Chinese mobiles 1[3-9]x in 3-4-4, NHS-valid 3-3-4, Greek 4-6 groups,
    two-digit area codes before long groups, the no-break " / "."""
    def d(n, first="0123456789"):
        return rng.choice(first) + rdigits(rng, n - 1)

    nz = "23456789"
    sp = rng.choice([" ", " ", "-", "\u00a0"])
    nhs = nhs_number(rng)
    return rng.choice([
        # switchboard: after a group of 3+ ("-0"), or not ("-1", after 2, "-00")
        lambda: f"0{d(3, nz)} {d(rng.choice([4, 5, 6]))}-0",
        lambda: f"0{d(2, nz)} {d(3)}-{rng.choice(['0', '0', '1', '00', '12'])}",
        lambda: f"0{d(1, nz)} {d(rng.choice([2, 3]))}-0",
        lambda: f"+49 {d(2, nz)} {d(rng.choice([5, 6, 7]))}-0",
        lambda: f"+49 {d(3, nz)} {d(2)}-0",
        lambda: f"({d(4, '0')}) {d(5)}-{rng.choice(['0', '0', '1', '10'])}",
        lambda: f"({d(3, '0')}) {d(rng.choice([3, 4, 6]))}-0",
        lambda: f"0049 {d(3, nz)} {d(6)}-0",
        # the Russian trunk 8: 1 + 3-5 + groups of 2-4, eleven digits
        lambda: f"8 {d(3, '3456789')} {d(3)}-{d(2)}-{d(2)}",
        lambda: f"8-{d(3, '3456789')}-{d(3)}-{d(2)}-{d(2)}",
        lambda: f"8{sp}{d(3, '3456789')}{sp}{d(3)}{sp}{d(2)}{sp}{d(2)}",
        lambda: f"8 {d(4, '3456789')} {d(2)}-{d(2)}-{d(2)}",
        lambda: f"8 {d(5, '3456789')} {d(3)} {d(2)}",
        lambda: f"8 ({d(3, '3456789')}) {d(3)} {d(2)} {d(2)}",
        # a country code or trunk prefix before "(area)", also after a no-break space
        lambda: f"{rng.choice(['1', '8', '49', '7'])}{rng.choice([' ', '-', chr(160), chr(8239)])}"
                f"({d(3, nz)}) {d(3, nz)}-{d(4)}",
        lambda: f"8 {d(3, '012')} {d(3)}-{d(2)}-{d(2)}",  # area 0-2: no
        lambda: f"8 {d(3, nz)} {d(5)} {d(2)}",  # a group of 5: no
        lambda: f"8 {d(3, nz)} {d(3)} {d(2)}",  # ten digits
        lambda: f"8 {d(3, nz)} {d(3)} {d(2)} {d(2)} {d(2)}",  # thirteen
        lambda: f"8 {d(3, nz)}\n{d(3)}-{d(2)}-{d(2)}",  # across a line break
        lambda: f"+7 {d(3, nz)} {d(3)}-{d(2)}-{d(2)}",
        # Chinese mobiles and near misses
        lambda: f"1{d(1, '3456789')}{d(1)}{sp}{d(4)}{sp}{d(4)}",
        lambda: f"1{d(1, '3456789')}{d(1)} {d(4)}-{d(4)}",  # mixed
        lambda: f"1{d(1, '012')}{d(1)} {d(4)} {d(4)}",
        lambda: f"1{d(1, '3456789')}{d(1)}.{d(4)}.{d(4)}",
        lambda: f"1{d(1, '3456789')}{d(1)} {d(4)}\n{d(4)}",
        lambda: f"1{d(1, '3456789')}{d(9)}",
        lambda: f"+86 1{d(1, '3456789')}{d(1)} {d(4)} {d(4)}",
        # NHS-valid 3-3-4, spaced or not: NANP like any other; an invalid one
        lambda: f"{nhs[:3]}{rng.choice([' ', ' ', '-', '.', chr(160)])}{nhs[3:6]}"
                f"{rng.choice([' ', ' ', '-', '.'])}{nhs[6:]}",
        lambda: f"1 {nhs[:3]} {nhs[3:6]} {nhs[6:]}",
        lambda: f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}",
        lambda: f"{nhs[:3]} {nhs[3:6]} {nhs[6:9]}{(int(nhs[9]) + 1) % 10}",
        # Greek and other 4-6 / 4-7 spaced groups (weak), years included
        lambda: f"{d(4, '2')} {d(rng.choice([6, 6, 7, 8]))}",
        lambda: f"20{rng.randint(10, 30)} {d(6)}",
        lambda: f"{d(4, nz)}-{d(6)}",
        # two-digit area codes: groups of 2-4 between, not 5 or more
        lambda: f"0{d(1, nz)}-{d(rng.choice([5, 6]))}-{d(2)}",
        lambda: f"0{d(1, nz)} {d(rng.choice([4, 5]))} {d(rng.choice([2, 4]))}",
        lambda: f"0{d(1, nz)} {d(2)} {d(5)} {d(2)}",
        lambda: f"0{d(1, nz)}-{d(4)}-{d(4)}",
        # whole international numbers after 00, bare (weak), and look-alikes
        lambda: f"00{d(2, nz)}{d(rng.choice([8, 9, 10, 11, 12, 13, 14]))}",
        lambda: f"00{d(2, nz)}{d(rng.choice([10, 11, 12]))}",
        lambda: f"000{d(rng.choice([9, 10, 11]))}",
        lambda: f"00{d(1, nz)}{d(rng.choice([9, 10, 11]))}",
        # a slash list with no-break spaces, a slash across a line break
        lambda: f"0{d(3, '1')}\u00a0/\u00a0{d(8)}",
        lambda: f"0{d(2, nz)} {d(7)}\u00a0/ 0{d(3, '1')} {d(7)}",
        lambda: f"0{d(1, nz)}/{d(2)}\n{d(8)}",
        lambda: f"0{d(2, nz)}/\n{d(7)}",
    ])()


def gen_near_miss_phone(rng):
    """Eight- and nine-digit look-alikes: dates, years, references, versions."""
    return rng.choice([
        f"20{rng.randint(0, 30):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}",
        f"{rng.randint(1, 28):02d}{rng.randint(1, 12):02d}20{rng.randint(0, 30):02d}",
        f"20{rng.randint(10, 30)} {rdigits(rng, 4)}", f"19{rng.randint(50, 99)}-{rdigits(rng, 6)}",
        f"20{rng.randint(10, 30)}-{rdigits(rng, 6)}", f"1{rdigits(rng, 9)}",
        f"{rdigits(rng, 3)} {rdigits(rng, 2)} {rdigits(rng, 4)}",
        f"0{rng.randint(1, 9)}{rdigits(rng, 1)}.{rdigits(rng, 3)}.{rdigits(rng, 3)}",
        f"0{rng.randint(1, 9)}{rdigits(rng, 2)}.{rdigits(rng, 3)} {rdigits(rng, 4)}",
        f"{rdigits(rng, 2)} {rdigits(rng, 2)} {rdigits(rng, 2)}",
        f"{rdigits(rng, 4)}-{rdigits(rng, 4)}", f"{rdigits(rng, 1)}-{rdigits(rng, 8)}",
        f"{rng.randint(2, 9)}{rdigits(rng, 2)}/{rdigits(rng, 3)}/{rdigits(rng, 3)}"])


def gen_phone(rng):
    """Phone numbers in the documented forms, and near misses."""
    if rng.random() < 0.4:
        return gen_national_phone(rng) if rng.random() < 0.8 else gen_near_miss_phone(rng)
    r = rng.random()
    sp = gen_sep(rng, dash=False)
    if r < 0.14:  # +CC
        cc = rng.choice(["1", "33", "44", "49", "34", "351", "420", "7", "86"])
        body = group(rng, rdigits(rng, rng.randint(5, 12)), random_sizes(rng, 12),
                     rng.choice([" ", " ", "-", ".", sp]))
        pre = rng.choice([f"+{cc} ", f"+{cc}-", f"(+{cc}) ", f"+{cc} (0)", f"+{cc} (0) ",
                          f"+{cc}({rng.randint(1, 99)})", f"+{cc}"])
        return pre + body
    if r < 0.2:  # 00CC
        cc = rng.choice(["1", "33", "44", "49", "351"])
        pre = rng.choice([f"00{cc} ", f"00{cc} ", f"00{cc}-", f"00{cc} (0)", f"00{cc}(0)",
                          f"00{cc} ({rng.randint(1, 99)}) "])
        return pre + group(rng, rdigits(rng, rng.randint(6, 11)), random_sizes(rng, 11), " ")
    if r < 0.3:  # (area)
        area = rng.choice(["415", "212", "030", "020", "11", "22", "0221", "12345"])
        return f"({area})" + rng.choice([" ", "", sp]) + group(
            rng, rdigits(rng, rng.randint(5, 9)), rng.choice([[3, 4], [4, 4], [7], [3, 2, 2]]),
            rng.choice([" ", "-", "."]))
    if r < 0.45:  # NANP
        n = f"{rng.randint(2, 9)}{rdigits(rng, 2)}"
        x = f"{rng.randint(0 if rng.random() < 0.1 else 2, 9)}{rdigits(rng, 2)}"
        s = rng.choice(["-", ".", " ", sp])
        pre = rng.choice(["", "", "1" + s, "1-", "91" + s, "1 "])
        return f"{pre}{n}{s}{x}{s}{rdigits(rng, 4)}"
    if r < 0.65:  # national with trunk 0
        k = rng.random()
        if k < 0.25:  # German
            return "0" + rdigits(rng, rng.randint(2, 4)) + rng.choice([" ", "/", "-", sp]) + \
                rdigits(rng, rng.randint(5, 9))
        if k < 0.5:  # French pairs
            return rng.choice([" ", ".", "-", sp]).join(
                ["0" + str(rng.randint(1, 9))] + [rdigits(rng, 2) for _ in range(4)])
        if k < 0.75:  # UK
            return "0" + rdigits(rng, 2) + rng.choice([" ", sp]) + rdigits(rng, 4) + " " + \
                rdigits(rng, rng.randint(3, 5))
        return "0" + rdigits(rng, 1) + "-" + rdigits(rng, rng.randint(7, 10))  # "02-88188049"
    if r < 0.8:  # other groups without trunk 0 (weak)
        return group(rng, str(rng.randint(1, 9)) + rdigits(rng, rng.randint(8, 12)),
                     rng.choice([[3, 3, 3], [2, 3, 2, 2], [3, 3, 4], [2, 2, 2, 2, 2], [4, 3, 3],
                                 [3, 2, 4], [5, 3, 3]]), rng.choice([" ", "-", sp]))
    if r < 0.9:  # bare
        return str(rng.randint(1, 9)) + rdigits(rng, rng.choice([9, 10, 10, 11, 12]))
    # near misses: dates, versions, too short or long
    return rng.choice([
        f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/20{rng.randint(0, 30):02d}",
        f"0{rng.randint(1, 9)}.{rdigits(rng, 3)}.{rdigits(rng, 2)}.{rdigits(rng, 2)}",
        f"+{rdigits(rng, 5)}", f"+{rng.randint(1, 9)}{rdigits(rng, 16)}",
        "0" + rdigits(rng, 2) + " " + rdigits(rng, 4),
        f"{rdigits(rng, 3)} {rdigits(rng, 3)} {rdigits(rng, 3)} {rdigits(rng, 3)} "
        f"{rdigits(rng, 3)} {rdigits(rng, 3)}"])


def gen_amount(rng):
    """Amounts as several locales write them (must never be phone numbers)."""
    n = rng.randint(1000, 999999999)
    cents = f"{rng.randint(0, 99):02d}"
    sp = rng.choice(SPACES)

    def grouped(sep):
        s = f"{n:,}".replace(",", sep)
        return s

    return rng.choice([
        f"{grouped(sp)},{cents} €", f"{grouped('.')},{cents} EUR", f"${grouped(',')}.{cents}",
        f"CHF {grouped(chr(39))}.{cents}", f"{grouped(' ')} Kč", f"€ {grouped(sp)}",
        f"{grouped(' ')},{cents}", f"£{grouped(',')}", f"{grouped(sp)} ₽",
        f"USD {n}.{cents}", f"{grouped('.')} EUR", f"{grouped(' ')} EUR",
        f"₹{n // 100000},{(n // 1000) % 100:02d},{n % 1000:03d}.{cents}"])


def gen_noise_number(rng):
    r = rng.random()
    if r < 0.2:
        return str(rng.randint(0, 10 ** rng.randint(1, 20)))
    if r < 0.35:
        return f"20{rng.randint(0, 30):02d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if r < 0.45:
        return f"{rng.randint(0, 23)}:{rng.randint(0, 59):02d}"
    if r < 0.55:
        return gen_amount(rng)
    if r < 0.65:
        return ".".join(str(rng.randint(0, 20)) for _ in range(rng.randint(2, 4)))
    if r < 0.8:
        return " ".join(str(rng.randint(1, 9999)) for _ in range(rng.randint(2, 5)))
    return "-".join(str(rng.randint(1, 99999)) for _ in range(rng.randint(2, 4)))


def gen_code(rng):
    """Longer grouped codes: tracking numbers in groups of four with a valid
    card inside, invalid IBANs whose BBAN holds one, a number before a card,
    a card followed by its CVV or expiry."""
    card = group(rng, gen_card_digits(rng, 16), [4, 4, 4, 4], " ")
    r = rng.random()
    if r < 0.3:
        digits = rdigits(rng, rng.randint(20, 26))
        k = rng.choice([0, 4, 8])
        digits = digits[:k] + card.replace(" ", "") + digits[k + 16:]
        return group(rng, digits, [4] * 7, rng.choice([" ", " ", "-"]))
    if r < 0.45:
        iban = gen_iban_chars(rng, valid=False)
        iban = iban[:4] + card.replace(" ", "") + iban[20:]
        return group(rng, iban, [4] * 9, " ")
    if r < 0.6:
        before = rng.choice(["7", "12", "204", "1234", "No 2", "#3", "x 55"])
        return f"{before} {card}"
    if r < 0.7:  # a UPS tracking number as printed, its tail a phone or card shape
        head = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(6))
        tail = rng.choice([f"0{rng.randint(1, 9)} {rdigits(rng, 4)} {rdigits(rng, 4)}",
                           f"{rdigits(rng, 2)} {rdigits(rng, 4)} {rdigits(rng, 4)}", card])
        return f"1Z {head[:3]} {head[3:]} {tail}"
    return card + rng.choice([" 123", " 0526", " 12/26", "\n123 Main Street", " exp 12/26",
                              " cvv 123", " 7", "\n12 High St"])


def gen_list(rng):
    """Cards (or phones) in lists."""
    f = rng.choice([gen_card, lambda r: group(r, gen_card_digits(r, 16), [4, 4, 4, 4], " "),
                    gen_phone])
    items = [f(rng) for _ in range(rng.randint(2, 4))]
    return rng.choice([", ", " ", "; ", " / ", "\n", " and ", "\n- "]).join(items)


def gen_number(rng, kind=None):
    r = rng.random()
    if kind is None:
        kind = rng.choices(["CREDIT_CARD", "US_SSN", "IBAN", "PHONE", "noise", "code", "list"],
                           [30, 22, 16, 22, 8, 4, 3])[0]
    n = {"CREDIT_CARD": gen_card, "US_SSN": gen_ssn, "IBAN": gen_iban, "PHONE": gen_phone,
         "noise": gen_noise_number, "code": gen_code, "list": gen_list}[kind](rng)
    r = rng.random()
    if r < 0.04:  # glued to letters
        n = rng.choice(["x", "No", "ID", "abc", "é", "INV-", "SSN-", "Tel-", "card-", "ID-",
                        "é-"]) + n if rng.random() < 0.6 else n + rng.choice(["x", "th", "abc"])
    elif r < 0.08:  # joined to another number
        n = rng.choice(["12-", "3.", "7/", "1:"]) + n if rng.random() < 0.5 else \
            n + rng.choice(["-12", ".5", "/3", ":00", ",50"])
    elif r < 0.13:  # next to another number
        extra = str(rng.randint(0, 10 ** rng.randint(1, 4)))
        n = extra + " " + n if rng.random() < 0.5 else n + " " + extra
    elif r < 0.2:  # inside a URL
        n = rng.choice(["https://pay.example.com/c/", "http://x.io/?id=", "https://e.com/a?card=",
                        "ftp://h/", "https://t.co/tel/"]) + n + rng.choice(["", "/", "&x=1"])
    elif r < 0.28:
        n = rng.choice(["(", "\"", "'", "[", "#", "*", "=", ":"]) + n + \
            rng.choice([")", "\"", "'", "]", ".", ",", ";", "!"])
    return n


def filler(rng, n):
    """Words of exactly n bytes, none of them a keyword."""
    out = ""
    while len(out) < n:
        out += rng.choice(["the", "we", "a", "and", "report", "team", "x", "hello"]) + " "
    return out[:n]


def keyword(rng, typ=None):
    return rng.choice(KEYWORDS[typ or rng.choice(NUMBER_KINDS)])


def gen_weak(rng, typ=None):
    """A weak form: 9 bare digits (SSN), 10-11 bare digits or groups (phone),
    12 digits or an EAN-13 card, a ZIP+4."""
    typ = typ or rng.choice(NUMBER_KINDS[:2] + NUMBER_KINDS[3:])
    if typ == "US_SSN":
        d = str(rng.randint(1, 899)).zfill(3) + str(rng.randint(1, 99)).zfill(2) + \
            str(rng.randint(1, 9999)).zfill(4)
        return rng.choice([d, d, d[:3] + " " + d[3:], d[:5] + " " + d[5:],
                           f"CA {d[:5]}-{d[5:]}", f"NY\n{d[:5]}-{d[5:]}", f"TX\n> {d[:5]}-{d[5:]}"])
    if typ == "PHONE":
        return rng.choice([str(rng.randint(2, 9)) + rdigits(rng, rng.choice([9, 10])),
                           group(rng, str(rng.randint(1, 9)) + rdigits(rng, 8), [3, 3, 3], " "),
                           group(rng, str(rng.randint(1, 9)) + rdigits(rng, 9), [2, 2, 2, 2, 2],
                                 rng.choice([" ", "-"]))])
    d = gen_card_digits(rng, 12)
    if rng.random() < 0.3:  # 13 digits that are also a valid EAN-13
        for _ in range(300):
            c = gen_card_digits(rng, 13)
            if ean13_ok(c):
                d = c
                break
    return rng.choice([d, d, group(rng, d, [4, 4, 4, 4], gen_sep(rng))])


def gen_distance_case(rng):
    """A keyword and/or a negative word at distances around the window and
    each other, before or after a weak (sometimes strong) number."""
    typ = rng.choice(NUMBER_KINDS[:2] + NUMBER_KINDS[3:])
    num = gen_weak(rng, typ) if rng.random() < 0.75 else gen_number(rng, typ)
    kw = keyword(rng, typ) if rng.random() < 0.85 else keyword(rng)
    neg = rng.choice(NEGATIVE)
    g1 = filler(rng, rng.choice([0, 1, 5, 20, 40, 55, 60, 62, 63, 64, 65, 70]))
    g2 = filler(rng, rng.choice([0, 1, 3, 8, 20]))
    shape = rng.random()
    if shape < 0.3:
        return f"{kw} {g1}{num}"
    if shape < 0.45:
        return f"{num} {g1}{kw}"
    if shape < 0.65:
        return f"{neg} {g2}{kw} {g1}{num}"
    if shape < 0.85:
        return f"{kw} {g1}{neg} {g2}{num}"
    return f"{neg} {g2}{num} {g1}{kw}"


def gen_scope_case(rng):
    """A keyword separated from a weak number by a sentence end, an
    abbreviation, a line end, a blank or quoted blank line, or a wrap."""
    typ = rng.choice(NUMBER_KINDS[:2] + NUMBER_KINDS[3:])
    num = gen_weak(rng, typ) if rng.random() < 0.8 else gen_number(rng, typ)
    kw = keyword(rng, typ)
    gap = rng.choice([
        ". ", ". Next ", "! ", "? ", ".\n", ".\n> ", ": ", ":\n", ":\n> ", "\n", "\r\n",
        "\n\n", "\n>\n", "\n> \n> ", "\r\n\r\n", " is 12\n", " 12)\n", " (see below)\n",
        " *\n", ". \n", " e.g. ", ". the ", " No. ", ".\n\n", " - ", ", ",
        "\n" + rng.choice(NEGATIVE) + " ", "\nWe "])
    if rng.random() < 0.3:
        kw = rng.choice(ABBREVIATIONS) + " " + rng.choice(["", kw + " ", kw.capitalize() + " "])
        if rng.random() < 0.5:
            kw = kw.strip()
    text = f"{kw}{gap}{num}" if rng.random() < 0.75 else f"{num}{gap}{kw}"
    if rng.random() < 0.3:
        text = rng.choice(CAPITALS) + " " + rng.choice(WORDS) + ". " + text
    return text


def gen_strong_context_case(rng):
    """Strong identifiers after negative words, inside URLs, next to keywords
    of other types."""
    num = rng.choice([
        lambda: group(rng, gen_card_digits(rng, 16), [4, 4, 4, 4], gen_sep(rng)),
        lambda: gen_card_digits(rng, rng.choice([15, 16, 19])),
        lambda: f"{rng.randint(1, 665):03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}",
        lambda: group(rng, gen_iban_chars(rng), [4] * 9, gen_sep(rng)),
        lambda: gen_iban_chars(rng).lower(),
        lambda: f"+{rng.choice(['44', '49', '1'])} {rdigits(rng, 3)} {rdigits(rng, 7)}",
        lambda: "0" + rdigits(rng, 3) + " " + rdigits(rng, 7),
        lambda: f"({rdigits(rng, 3)}) {rng.randint(2, 9)}{rdigits(rng, 2)}-{rdigits(rng, 4)}",
    ])()
    r = rng.random()
    if r < 0.4:
        return f"{rng.choice(NEGATIVE)}{rng.choice([' ', ': ', ' #', ' No. ', ' number '])}{num}"
    if r < 0.7:
        url = rng.choice(["https://shop.example.com/order/", "http://x.io/?ref=",
                          "https://e.com/a?card=", "https://t.co/tel/"])
        return f"{keyword(rng)} {url}{num.replace(' ', '')}" if rng.random() < 0.5 else \
            f"{url}{num}"
    return f"{rng.choice(NEGATIVE)} {keyword(rng)} {num} {rng.choice(NEGATIVE)}"


def gen_line_end_case(rng):
    """A number at the end of a line, and a next line that starts with a
    number (an address, a list, a signature)."""
    typ = rng.choice(NUMBER_KINDS)
    num = gen_weak(rng, typ) if typ != "IBAN" and rng.random() < 0.3 else \
        gen_strong_context_case(rng) if rng.random() < 0.3 else gen_number(rng, typ)
    nxt = rng.choice(["12 Main Street", "123 Main Street", "2 rooms", "1234 AB Amsterdam",
                      "10115 Berlin", "Fax 030 1234568", "221B Baker St", "7 items", "15:30",
                      "4111 1111 1111 1111", "call us", "2024-05-01", "99 Luftballons"])
    brk = rng.choice(["\n", "\r\n", "\n> ", " \n", "\n\n"])
    return f"{keyword(rng, typ)}{rng.choice([' ', ': ', ' - '])}{num}{brk}{nxt}"


def gen_amount_case(rng):
    """Amounts in several locales near phone keywords."""
    kw = keyword(rng, "PHONE")
    return rng.choice([f"{kw} us about {gen_amount(rng)}", f"{gen_amount(rng)} {kw}",
                       f"{kw}: {gen_amount(rng)} due", f"Please {kw} re {gen_amount(rng)}."])


def gen_prose(rng):
    parts = []
    for _ in range(rng.randint(2, 14)):
        r = rng.random()
        if r < 0.38:
            parts.append(rng.choice(WORDS))
        elif r < 0.5:
            parts.append(keyword(rng))
        elif r < 0.56:
            parts.append(rng.choice(NEGATIVE))
        elif r < 0.62:
            parts.append(rng.choice(PUNCT))
        elif r < 0.66:
            parts.append(rng.choice([". " + rng.choice(CAPITALS), rng.choice(ABBREVIATIONS),
                                     "\n", "\n\n", "\n>\n", "\r\n"]))
        else:
            parts.append(gen_number(rng))
    out = parts[0]
    for p in parts[1:]:
        out += rng.choice([" ", " ", " ", " ", ", ", ": ", "\t", "  ", ""]) + p
    return out


def mail_wrap(rng, text):
    """What mail does to a text: lines wrapped at a space (format=flowed keeps
    it), quoted with '> ', CRLF line ends."""
    if rng.random() < 0.6:
        width = rng.randint(12, 50)
        out, col = [], 0
        for ch in text:
            if ch == "\n":
                col = 0
            elif ch == " " and col >= width:
                out.append(rng.choice(["\n", " \n"]))
                col = 0
                continue
            else:
                col += 1
            out.append(ch)
        text = "".join(out)
    if rng.random() < 0.5:
        q = rng.choice(["> ", ">", "> > ", ">> "])
        text = "\n".join(q + line for line in text.split("\n"))
    if rng.random() < 0.3:
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    return text


def gen_nonstrong(rng, typ=None):
    """A number of a medium or weak form (sometimes a strong one)."""
    typ = typ or rng.choice(["PHONE", "PHONE", "PHONE", "US_SSN", "CREDIT_CARD"])
    r = rng.random()
    if r < 0.45 and typ == "PHONE":
        return gen_national_phone(rng)
    if r < 0.7:
        return gen_weak(rng, typ)
    return gen_number(rng, typ)


def gen_label_case(rng):
    """A label naming the number after it (in several languages, with filler
    words), and keywords before or after it."""
    label = rng.choice(LABELS + NEGATIVE)
    num = gen_nonstrong(rng)
    kw = keyword(rng, "PHONE") if rng.random() < 0.7 else keyword(rng)
    sep = rng.choice([" ", " ", ": ", " #", " - ", "\u00a0", "  ", " n° ", " No. ", " ID: ",
                      " number ", " Nr. ", "\n", ":\n> ", " code ", " de ", " the ", "=", " = ",
                      " No.=", "=#"])
    shape = rng.random()
    if shape < 0.35:
        return f"{label}{sep}{num}"
    if shape < 0.6:
        return f"{label}{sep}{num}{rng.choice([' ', ', ', ' - ', ' (', '. '])}{kw}" + \
            rng.choice(["", " us", " anytime", ")"])
    if shape < 0.75:
        return f"{kw} {label}{sep}{num}"
    if shape < 0.85:
        return f"{label} {kw}{rng.choice([' ', ': ', ' No. '])}{num}"
    return f"{rng.choice(WORDS)} {label}{sep}{filler(rng, rng.choice([0, 3, 8]))}{num} " \
        f"{rng.choice(WORDS)}"


def gen_signature_case(rng):
    """Signature lines: one-letter labels at a line start or after a wide gap."""
    fields = []
    for _ in range(rng.randint(1, 3)):
        letter = rng.choice("TMFPDHWO" * 3 + "CXEAt")
        fields.append(f"{letter}{rng.choice([' ', ': ', ':', '  ', ' (', ''])}" +
                      gen_nonstrong(rng, "PHONE"))
    joins = ["  ", "   ", "\n", "\n> ", " | ", "|", ", ", " ", "\t"]
    text = fields[0]
    for f in fields[1:]:
        text += rng.choice(joins) + f
    head = rng.choice(["", "Jane Doe\n", "Best regards\nJane\n", "> Jane Doe\n> ",
                       "Sales Director\n", "Acme Ltd.  ", "Order 1234\n", "case "])
    return head + text + rng.choice(["", "\n", "\nwww.example.com", "  E jane@example.com"])


def gen_alt_case(rng):
    """The same digits read as two types; keywords of one, the other or both."""
    num = rng.choice([
        lambda: group(rng, gen_card_digits(rng, 12), [4, 4, 4], rng.choice([" ", "-"])),
        lambda: gen_card_digits(rng, 12),
        lambda: f"0{rdigits(rng, 2)}-{rdigits(rng, 6)}",
        lambda: f"0{rdigits(rng, 2)} {rdigits(rng, 6)}",
        lambda: f"{rng.randint(100, 665)}{rdigits(rng, 6)}",
        lambda: f"{rng.randint(100, 665)}-{rdigits(rng, 6)}",
        lambda: f"{rng.randint(10000, 66599)}-{rdigits(rng, 4)}",
        lambda: f"{rng.randint(100, 665)} {rdigits(rng, 6)}",
        lambda: group(rng, gen_card_digits(rng, 13), [4, 4, 5], " "),
        lambda: gen_card_digits(rng, 13),
    ])()
    kws = [keyword(rng, t) for t in rng.sample(["PHONE", "CREDIT_CARD", "US_SSN"],
                                               rng.randint(0, 2))]
    if rng.random() < 0.2:
        kws.append(rng.choice(NEGATIVE))
    rng.shuffle(kws)
    shape = rng.random()
    if shape < 0.5:
        return " ".join(kws + [num])
    if shape < 0.8:
        return " ".join(kws[:1] + [num] + kws[1:])
    return num + " " + " ".join(kws)


def siret_card(rng):
    """A 14-digit card number (Diners Club) whose first nine digits pass Luhn
    too, the shape of a French SIRET."""
    while True:
        lo, hi, lengths = rng.choice([i for i in ISSUERS if 14 in i[2]])
        prefix = str(rng.randint(int(lo), int(hi))).zfill(len(lo))
        siren = luhn_complete(prefix + rdigits(rng, 8 - len(prefix)))
        d = luhn_complete(siren + rdigits(rng, 4))
        if pan_ok(d):
            return d


def gen_siret_case(rng):
    """SIRET-shaped 14-digit cards (medium: a label drops them, a card keyword
    raises them) next to 14-digit cards that are not (strong)."""
    d = siret_card(rng) if rng.random() < 0.7 else gen_card_digits(rng, 14)
    sep = rng.choice([" ", "-", ".", "\u00a0"])
    num = rng.choice([d, d, group(rng, d, [4, 6, 4], sep), group(rng, d, [3, 3, 3, 5], " "),
                      group(rng, d, [4, 4, 4, 2], sep)])
    return rng.choice([
        f"{rng.choice(['SIRET', 'siret', 'SIRET :', 'N° SIRET', 'siren', 'RCS'])} {num}",
        f"{keyword(rng, 'CREDIT_CARD')} {num}", f"{rng.choice(WORDS)} {num} {rng.choice(WORDS)}",
        f"https://e.com/a?card={num}", f"{num}", f"{rng.choice(NEGATIVE)}: {num}",
        f"{keyword(rng, 'CREDIT_CARD')} {rng.choice(['SIRET', 'ref'])} {num}"])


# Before a plain phone number: what refuses it (two capitals and a space,
# masked card digits, an amount's comma) and what does not.
REFUSING = {
    "capitals": ["FR ", "DE ", "GB ", "IT ", "NL ", "UK ", "CH ", "HQ ", "(FR ", "\nFR ", "VAT FR ",
                 "Tel UK ", "tel: CH "],
    "mask": ["**", "***", "x*", "4*", "Z*", "437231******", "4111 11** ****", "****"],
    "amount": ["12,", "1,", "1,719,"],
}
NOT_REFUSING = ["ABC ", "Fr ", "F ", "* ", "*", " *", "a,", ", ", "FR  ", "FR-", "F R ", "FR:",
                "FR\u00a0", "é*", "DE 0", "#*"]


def gen_refused_case(rng):
    """Plain phone numbers, the Russian trunk 8 included, after what refuses
    them and what does not; with and without a keyword; CSV rows and lists
    joined by commas, where a digit and ',' come before the number."""
    if rng.random() < 0.3:
        phones = [rng.choice([gen_new_phone, gen_national_phone])(rng) for _ in range(3)]
        if rng.random() < 0.5:
            head = rng.choice(["id,phone,name", "n,Telefon", "phone,id", "id,ref,city"])
            rows = [f"{k + 1},{p},{rng.choice(['Bob', 'Berlin', '12', 'x'])}"
                    for k, p in enumerate(phones)]
            return head + rng.choice(["\n", "\r\n"]) + "\n".join(rows)
        return keyword(rng, "PHONE") + " " + rng.choice([",", ", ", ";", ",\u00a0"]).join(phones)
    num = rng.choice([gen_new_phone, gen_national_phone, gen_weak, gen_phone])(rng) \
        if rng.random() < 0.8 else f"{rdigits(rng, 6)}******{rdigits(rng, 4)}"
    pre = rng.choice(REFUSING[rng.choice(list(REFUSING))] if rng.random() < 0.7 else NOT_REFUSING)
    text = pre + num
    if rng.random() < 0.6:
        text = keyword(rng, "PHONE") + rng.choice([" ", ": ", " - "]) + text
    if rng.random() < 0.2:
        text += " " + keyword(rng, "PHONE")
    return text


def gen_mt940_case(rng):
    """IBANs after SWIFT MT940 subfield codes (?NN) in a :86: field, and
    near misses (one digit, a letter, no '?')."""
    iban = gen_iban_chars(rng, valid=rng.random() < 0.85)
    code = rng.choice(["?31", "?31", "?32", "?20", "?3", "x31", "31", "?3a", "??31"])
    head = rng.choice([":86:166?00GUTSCHRIFT?20EREF+NOTPROVIDED", ":86:", "",
                       "?30" + rng.choice(["BYLADEM1001", "COBADEFFXXX"])])
    tail = rng.choice(["?32MAX MUSTERMANN", "", "?34999", " ", "\n:62F:C230131EUR1234,56"])
    return head + code + (iban.lower() if rng.random() < 0.1 else iban) + tail


# Table headers: cells that name a column by a keyword of some type, by a
# negative word, or by nothing.
HEADER_CELLS = {
    "PHONE": ["Phone", "Teléfono", "Tel.", "Mobile", "Telefon", "Телефон", "ТЕЛЕФОН", "电话",
              "Handy", "Fax", "Τηλέφωνο", "携帯"],
    "US_SSN": ["SSN", "Social Security", "TIN"],
    "CREDIT_CARD": ["Card", "Kreditkarte", "PAN"],
    "IBAN": ["IBAN", "Bank", "Account"],
    "negative": ["Order no.", "Employee no.", "NHS number", "Ref", "Invoice", "Kundennummer", "ID",
                 "Claim", "AWB", "SIRET", "订单号", "ИНН"],
    "none": ["Name", "Nombre", "E-mail", "Comment", "Notes", "City", "Qty", "", "Amount"],
}


def table_cell(rng, kind):
    if kind == "number":
        r = rng.random()
        if r < 0.15:
            nhs = nhs_number(rng)
            return rng.choice([f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}", gen_new_phone(rng)])
        return gen_nonstrong(rng) if r < 0.7 else gen_number(rng)
    if kind == "address":
        return gen_email(rng)
    return rng.choice(["Bob", "María López", "Jane Doe", "n/a", "call me", "Berlin", "paid",
                       "Müller", "王伟", "-", keyword(rng)])


def gen_table_case(rng):
    """Pasted tables: cells split by tabs, pipes, semicolons or commas (CSV,
    quoted cells) under a header
    row (a Markdown rule below it, data rows above it, a blank line), or each
    cell on a line of its own as HTML converts them; columns of numbers of
    the medium and weak forms under headers that name them or not."""
    ncol = rng.randint(2, 4)
    kinds = [rng.choice(["text", "number", "number", "address"]) for _ in range(ncol)]
    heads = [rng.choice(HEADER_CELLS[rng.choice(list(HEADER_CELLS))]) for _ in range(ncol)]
    rows = [[table_cell(rng, k) for k in kinds] for _ in range(rng.randint(1, 4))]
    if rng.random() < 0.1:  # a row that breaks the pattern
        rows.append([table_cell(rng, "number") for _ in kinds])
    layout = rng.random()
    if layout < 0.25:  # one cell per line, maybe after a few lines of prose
        lines = heads + [c for row in rows for c in row]
        if rng.random() < 0.2:
            lines.insert(rng.randrange(len(lines) + 1), rng.choice(["", "Total", "x" * 70]))
        if rng.random() < 0.4:
            lines = rng.sample(["Hello Bob,", "Contacts", "as requested:", "Best", "Order list",
                                "Call me", "see below"], rng.randint(1, 5)) + lines
        text = "\n".join(lines)
    elif layout < 0.5:  # columns aligned by spaces under a rule of dashes, or none
        cells = [heads] + rows
        norule = rng.random() < 0.4
        pad = [2, 3, 4] if norule else [1, 2, 3]
        widths = [max(len(r[k]) for r in cells) + rng.choice(pad) for k in range(ncol)]

        def line(r):
            return "".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()

        rule = "".join(rng.choice("-=") * (w - rng.choice([1, 2])) + " " * 2 for w in widths)
        lines = [line(heads)] + ([] if norule else [rule.rstrip()]) + [line(r) for r in rows]
        r = rng.random()
        if r < 0.1:
            lines.insert(1 if norule else 2, "")  # a blank line under the header or rule
        elif r < 0.2:
            lines[0] = "Q1 " + lines[0]  # a header with a digit
        elif r < 0.3 and not norule:
            lines[1] = "-" * len(lines[1])  # one run only
        elif r < 0.35 and norule and len(lines) > 2:
            lines[2] = " " + lines[2]  # a row out of line
        text = "\n".join(lines)
    else:
        sep = rng.choice(["\t", "\t", " | ", "|", ";", "; ", ",", ","])
        edge = sep.strip() == "|" and rng.random() < 0.5
        fmt = (lambda cells: "| " + " | ".join(cells) + " |") if edge else sep.join
        if sep == ",":  # CSV: a cell holding a comma (or any, sometimes) quoted
            def fmt(cells):
                return ",".join('"%s"' % c if "," in c or rng.random() < 0.1 else c
                                for c in cells)
        lines = [fmt(heads)]
        if rng.random() < 0.3:
            lines.append(fmt(["---"] * ncol) if edge or sep.strip() == "|" else fmt(["-"] * ncol))
        lines += [fmt(r) for r in rows]
        r = rng.random()
        if r < 0.15:  # a row with a digit or an address above: no header row
            lines.insert(0, fmt([rng.choice(["Q1", "call 2", "Order 7", "ref@x", "Tel 3"])] +
                                [rng.choice(HEADER_CELLS[rng.choice(list(HEADER_CELLS))])
                                 for _ in heads[1:]]))
        elif r < 0.2:
            lines.insert(1, "")  # a blank line under the header
        elif r < 0.25:
            lines.insert(1, fmt(heads[:-1]) if ncol > 2 else "x")  # another cell count
        text = "\n".join(lines)
    if rng.random() < 0.2:
        text = rng.choice(["Contacts:\n", "Please see below.\n", "Phone list\n", ""]) + text
    if rng.random() < 0.15:
        text = "\n".join("> " + x for x in text.split("\n"))
    return text


CJK_KEYWORDS = ["请致电", "致电", "电话：", "电话", "手机：", "手机号码", "传真", "联系", "電話番号 ",
                "携帯：", "連絡先：", "전화 ", "휴대폰: ", "연락처"]
CJK_NEGATIVES = ["订单号：", "订单", "运单号", "工单编号", "注文番号：", "病历号", "受付番号"]
CJK_WORDS = ["您好", "谢谢", "如有疑问", "请联系我们", "此致", "よろしく", "お願いします", "감사합니다",
             "用途：", "金额"]


def gen_cjk_case(rng):
    """Chinese, Japanese and Korean text: keywords and negative words with no
    space before the number, a keyword after it (the next phrase's), full
    stops, ASCII keywords glued to such text ("、AWB 020-...")."""
    num = rng.choice([gen_new_phone, gen_nonstrong, gen_weak, gen_national_phone])(rng) \
        if rng.random() < 0.85 else rng.choice([
            f"{rng.choice(['090', '080', '070'])}-{rdigits(rng, 4)}-{rdigits(rng, 4)}",
            f"0{rng.randint(1, 9)}-{rdigits(rng, 4)}-{rdigits(rng, 4)}",
            f"010-{rdigits(rng, 4)}-{rdigits(rng, 4)}", f"0{rdigits(rng, 2)}-{rdigits(rng, 8)}"])
    kw = rng.choice(CJK_KEYWORDS + CJK_NEGATIVES + [keyword(rng, "PHONE"), rng.choice(NEGATIVE)])
    stop = rng.choice(["。", "！", "？", "，", "、", " ", "", ". ", "\u3000"])
    cjk_stop = rng.choice(["。", "！", "？", "。 ", "？\n"])
    word = rng.choice(CJK_WORDS)
    glue = rng.choice(["", "", "", " ", "、", "："])
    return rng.choice([
        lambda: f"{word}{glue}{kw}{num}",
        lambda: f"{kw}{glue}{num}{stop}{word}",
        lambda: f"{word}{num}{glue}{kw}",
        lambda: f"{kw}{word}{stop}{num}",
        lambda: f"{num}{stop}{kw}{rng.choice(CJK_WORDS)}",
        lambda: f"{rng.choice(CJK_WORDS)}：{rdigits(rng, 8)} {word}{kw}{num}",
        lambda: f"{word}{rng.choice(['', '、'])}{rng.choice(['AWB', 'awb', 'Tel', 'tel', 'ref'])}"
                f"{rng.choice(['', ' '])}{num}",
        lambda: f"{kw}{glue}{gen_email(rng)}",
        # a full stop between a keyword (any script) and the number
        lambda: f"{rng.choice(KEYWORDS['PHONE'] + NEGATIVE)}{cjk_stop}{num}",
        lambda: f"{rng.choice(KEYWORDS['PHONE'] + NEGATIVE)}{cjk_stop}{num}",
        lambda: f"{num}{cjk_stop}{keyword(rng, 'PHONE')} {rng.choice(WORDS)}",
    ])()


SIG_LETTERS = ["Τ", "Κ", "Φ", "Т", "М", "Ф", "T", "M", "Ψ", "Л", "τ", "т"]


def gen_script_case(rng):
    """Keywords in Greek and Cyrillic in the case forms mail writes them in,
    and signature lines with one-letter labels in those alphabets."""
    num = rng.choice([gen_new_phone, gen_nonstrong, gen_weak])(rng)
    if rng.random() < 0.4:
        fields = []
        for _ in range(rng.randint(1, 3)):
            fields.append(rng.choice(SIG_LETTERS) + rng.choice([" ", ": ", ":", "  ", " (", ""]) +
                          rng.choice([gen_new_phone, gen_nonstrong])(rng))
        text = fields[0]
        for f in fields[1:]:
            text += rng.choice(["  ", "\n", " | ", ", ", " ", "\t\t"]) + f
        return rng.choice(["", "Иван Петров\n", "Γιώργος\n", "> "]) + text
    kw = rng.choice(["тел", "Тел", "ТЕЛ", "тЕл", "телефон", "Телефон", "ТЕЛЕФОН", "ТелеФон",
                     "мобильный", "МОБИЛЬНЫЙ", "Звоните", "ЗВОНИТЕ", "факс", "ФАКС", "τηλ",
                     "Τηλ", "ΤΗΛ", "τΗλ", "τηλέφωνο", "ΤΗΛΈΦΩΝΟ", "Κινητό", "ΚΙΝΗΤΌ", "ΚΙΝΗΤΟ",
                     "φαξ", "ΦΑΞ", "на связи", "НА СВЯЗИ", "ИНН", "Инн", "накладная",
                     "НАКЛАДНАЯ", "ΑΦΜ", "Αφμ", "TÉL", "TELÉFONO", "MÓVIL", "KOMÓRKA",
                     "RÜCKRUF"])
    return rng.choice([f"{kw}{rng.choice([' ', ': ', '. ', '.: ', ''])}{num}",
                       f"{num} {kw}", f"{kw} {rng.choice(WORDS)} {num}"])


def gen_email(rng):
    """An address as it stands in text: ASCII, with a local part in Cyrillic,
    Han, kana or Hangul, mixed with ASCII (the prose of a script without
    spaces runs into the address), with specials, too long, a file name."""
    local = rng.choice(["john.doe", "a_b", "x+tag", "o'brien", "info", "j.smith-2", "USER",
                        "иван.петров", "王伟", "用户", "やまだ", "김철수", "王wei", "wei王",
                        "王.伟", "müller", "a..b", ".x", "x.", "a" * 65, "a" * 64, "support|x",
                        "=?q", "na.li", "1234567"])
    domain = rng.choice(["example.com", "example.com", "例子.中国", "bücher.de", "mail.example.co.uk",
                         "2x.png", "x.y", "example.c", "xn--80ak6aa92e.com", "exa_mple.com",
                         "-bad.com", "example.org", "gongsi.cn", "пример.рф", "x.JPG"])
    return local + "@" + domain


def gen_email_case(rng):
    before = rng.choice(["", "", " ", "请发邮件至", "mail:", "<", "\"", "(", "邮箱：", "Kontakt: ",
                         "E ", "x" * 70, "..", "'", "联系", "메일: ", "почта: ", "tel 0301234567 ",
                         "030 ", "+49 30 1234567 ", "a@"])
    after = rng.choice(["", ".", "。", "获取", ">", ")", ",", " thanks", "-", "..", "@x.com",
                        " 4111 1111 1111 1111", "1234567"])
    return before + gen_email(rng) + after


GENERATORS = {  # kind: (generator, weight)
    "prose": (gen_prose, 20), "distance": (gen_distance_case, 11),
    "scope": (gen_scope_case, 11), "strong": (gen_strong_context_case, 7),
    "amount": (gen_amount_case, 3), "wrap": (None, 11), "line": (gen_line_end_case, 5),
    "label": (gen_label_case, 9), "signature": (gen_signature_case, 4), "alt": (gen_alt_case, 4),
    "siret": (gen_siret_case, 2), "refused": (gen_refused_case, 4),
    "new-phone": (lambda rng: gen_new_phone(rng) if rng.random() < 0.3 else
                  f"{keyword(rng, 'PHONE')} {gen_new_phone(rng)}", 4),
    "mt940": (gen_mt940_case, 1), "table": (gen_table_case, 6), "cjk": (gen_cjk_case, 4),
    "script": (gen_script_case, 3), "email": (gen_email_case, 3),
}


def gen_case(rng):
    kind = rng.choices(list(GENERATORS), [w for _, w in GENERATORS.values()])[0]
    if kind == "wrap":
        text = rng.choice([gen_prose, gen_scope_case, gen_distance_case, gen_label_case,
                           gen_table_case, gen_new_phone])(rng)
        return mail_wrap(rng, text).encode()
    return GENERATORS[kind][0](rng).encode()

# ---------------------------------------------------------------------------
# Running the engine.
# ---------------------------------------------------------------------------

# Between texts: a blank line longer than the context window, no word bytes,
# so no text sees another's keywords, URL or digit groups.
SEPARATOR = b"\n" + b" " * 126 + b"\n"
# redline-scan hands the engine at most 16 KiB at a time, cut at a line end
# (scan_message.c); a batch stays below that so no cut falls inside a text.
BATCH_BYTES = 15 * 1024
_TAG_POLICY = []


def tag_policy(scan):
    """The default policy with every detector's action set to tag, as a file."""
    if not _TAG_POLICY:
        pol = json.loads(subprocess.run([scan, "--print-default-policy"], capture_output=True,
                                        check=True).stdout)
        for d in pol["detectors"].values():
            d["action"] = "tag"
        f = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
        json.dump(pol, f)
        f.close()
        atexit.register(os.unlink, f.name)
        _TAG_POLICY.append(f.name)
    return _TAG_POLICY[0]


def engine_findings(scan, texts):
    """All findings per text, as lists of (type, start, end, confidence), by
    running the texts through redline-scan as one document."""
    starts, doc = [], bytearray()
    for t in texts:
        starts.append(len(doc))
        doc += t + SEPARATOR
    with tempfile.NamedTemporaryFile(suffix=".txt") as f:
        f.write(doc)
        f.flush()
        # Detection only: findings are tagged, not redacted, so no redaction
        # round (which may re-read a masked neighbourhood) blurs the comparison.
        p = subprocess.run([scan, "--text", "--policy", tag_policy(scan), "--report", "-", "-o",
                            "/dev/null", f.name], capture_output=True, check=False)
    if p.returncode != 0:
        sys.exit(f"differential: redline-scan exited {p.returncode}: {p.stderr.decode()}")
    report = json.loads(p.stdout)
    if report.get("findings_truncated"):
        sys.exit("differential: findings truncated; use smaller batches")
    defects = report.get("defects") or []
    out = [[] for _ in texts]
    for f in report["findings"]:
        i = bisect.bisect_right(starts, f["start"]) - 1
        s, e = f["start"] - starts[i], f["end"] - starts[i]
        if e > len(texts[i]):
            sys.exit(f"differential: finding {f} runs past text {i}")
        level = {"low": 0, "medium": 50, "high": 80}[f["level"]]
        if not level <= f["confidence"] < {0: 50, 50: 80, 80: 101}[level]:
            sys.exit(f"differential: finding {f}: level does not match confidence")
        out[i].append((f["type"], s, e, f["confidence"]))
    return out, defects


def batches(texts):
    """Index ranges of texts whose document stays under BATCH_BYTES."""
    i = 0
    while i < len(texts):
        j, size = i, 0
        while j < len(texts) and (j == i or size + len(texts[j]) + len(SEPARATOR) < BATCH_BYTES):
            size += len(texts[j]) + len(SEPARATOR)
            j += 1
        yield range(i, j)
        i = j


def locate_defects(scan, texts, idx):
    """The texts of idx that make redline-scan report a defect on their own
    (e.g. a redaction that fails its verification), by bisection."""
    idx = list(idx)
    _, bad = engine_findings(scan, [texts[k] for k in idx])
    if not bad:
        return []
    if len(idx) == 1:
        return [(idx[0], "; ".join(d["reason"] for d in bad))]
    h = len(idx) // 2
    return locate_defects(scan, texts, idx[:h]) + locate_defects(scan, texts, idx[h:])


def show(t, spans):
    return ", ".join(f"{f[0]}[{f[1]},{f[2]})={t[f[1]:f[2]].decode(errors='replace')!r}"
                     + (f" {f[3]}" if len(f) > 3 else "")
                     for f in sorted(spans, key=lambda x: x[1])) or "none"


def compare(t, ref, eng_all):
    """The disagreements of one text, as Cases."""
    eng = {f[:3]: f[3] for f in eng_all if f[0] in TYPES}
    out = []
    for f in set(ref.findings) | set(eng):
        if f not in eng:
            kind = "missed"
        elif f not in ref.findings:
            kind = "extra"
        else:
            lo, hi = ref.findings[f].conf
            if lo <= eng[f] <= hi:
                continue
            kind = "confidence"
        out.append(Case(t, f, kind, ref, eng_all))
    return out


# The examples POLICY.md gives of the model, as the reference must read them:
# (text, [(type, the finding's text)]). Checked before every run, so the
# reference cannot drift from the documentation it stands for.
DOC_EXAMPLES = [
    ("Kundennummer 0696 645 045", []),
    ("Meeting ID: 312 456 7890", []),
    ("The NHS number 409 682 4054", []),
    ("Rechnung Nr. 5614 3734 02 Telefonisch erreichbar", []),
    ("Bestellnummer 0696 645 045", []),
    ("T 018-963740  M 0798029108", [("PHONE", "018-963740"), ("PHONE", "0798029108")]),
    ("Fax: 5018 0000 0009", [("PHONE", "5018 0000 0009")]),
    ("Card: 5018 0000 0009", [("CREDIT_CARD", "5018 0000 0009")]),
    ("Telefon 018-733497", [("PHONE", "018-733497")]),
    ("SSN 018-733497", [("US_SSN", "018-733497")]),
    ("atención al cliente 612 345 678", [("PHONE", "612 345 678")]),
    ("Order 1234: please charge my card 4111-1111-1111-1111 today",
     [("CREDIT_CARD", "4111-1111-1111-1111")]),
    ("Ticket closed.\n\nMy IBAN is GB82 WEST 1234 5698 7654 32 thanks",
     [("IBAN", "GB82 WEST 1234 5698 7654 32")]),
    ("4111 1111\n> 1111 1111", [("CREDIT_CARD", "4111 1111\n> 1111 1111")]),
    ("4111.1111.1111.1111", [("CREDIT_CARD", "4111.1111.1111.1111")]),
    ("INV-2023-76509", []),
    ("+34 622 42 99\n86", [("PHONE", "+34 622 42 99\n86")]),
    ("+44 20 7946 0958\n12 Main Street", [("PHONE", "+44 20 7946 0958")]),
    ("Tel 030 1234567\n12 Main Street", [("PHONE", "030 1234567")]),
    ("Tel (020) 7946 0958\n12 Main Street", [("PHONE", "(020) 7946 0958")]),
    ("IL 62704-1234", []),
    ("NY\n> 47295-5899", []),  # a ZIP+4 after its state on the line before
    ("ssn 078 051121", [("US_SSN", "078 051121")]),
    ("078 051121", [("PHONE", "078 051121")]),  # also a weak SSN: no keyword, the phone
] + [(f"see {n}", [("PHONE", n)]) for n in [
    "030 12345678", "02-88188049", "01 23 45 67 89", "040/8610934", "0157 / 18073166",
    "040-855 15 99", "02/573.96.57", "09 123 4567", "02 6738253", "+44 (0)20 7946 0958",
    "(+34) 612345678", "1 (617) 645-5984", "(415) 555-0132", "415-555-0132", "(206 640 9988)"[1:-1],
]] + [(f"{kw}{n}", [("PHONE", n)] if kw else []) for kw in ("", "tel ") for n in [
    "612 345 678", "28 22 29 12", "412 34 567", "3386 0860", "347/1003873", "22 4536052",
    "612345678", "22682661", "0439361004",
]]


def check_doc_examples(ctx):
    bad = []
    for text, want in DOC_EXAMPLES:
        t = text.encode()
        got = sorted((f[0], t[f[1]:f[2]].decode()) for f in Reference(t, ctx).findings)
        if got != sorted(want):
            bad.append(f"  {text!r}: reference {got}, POLICY.md {want}")
    if bad:
        sys.exit("differential: the reference disagrees with the documentation's examples:\n"
                 + "\n".join(bad))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scan", required=True, help="path of redline-scan")
    ap.add_argument("--seed", type=int, default=20240611)
    ap.add_argument("--cases", type=int, default=5000)
    ap.add_argument("-v", "--verbose", action="store_true", help="also list allowed disagreements")
    args = ap.parse_args()

    policy = json.loads(subprocess.run([args.scan, "--print-default-policy"], check=True,
                                       capture_output=True).stdout)
    ctx = Context(policy)
    check_doc_examples(ctx)
    rng = random.Random(args.seed)
    # The documentation's examples first, then the generated texts.
    texts = [t.encode() for t, _ in DOC_EXAMPLES] + [gen_case(rng) for _ in range(args.cases)]
    wrng = random.Random(args.seed + 1)
    texts += [widen(wrng, t) for t in texts[len(DOC_EXAMPLES)::10] if fold(t)[0] == t]
    engine = []
    defect_cases = {}
    for idx in batches(texts):
        found, bad = engine_findings(args.scan, [texts[k] for k in idx])
        engine += found
        if bad:
            defect_cases.update(locate_defects(args.scan, texts, idx))

    passed = failed = allowed = 0
    by_class = collections.Counter()
    found = collections.Counter()
    for i, t in enumerate(texts):
        t, at = fold(t)
        engine[i] = [(f[0], at[f[1]], at[f[2]]) + tuple(f[3:]) for f in engine[i]]
        ref = Reference(t, ctx)
        for v in ref.verdicts:
            found[(v.reading.type, STRENGTH_NAME[v.reading.strength],
                   "found" if v.reading[:3] in ref.findings else "dropped")] += 1
        cases = compare(t, ref, engine[i])
        excuses = inherit(cases, [classify(ALLOWED, c) for c in cases])
        ok = None not in excuses and i not in defect_cases
        if ok:
            passed += 1
            if cases:
                allowed += 1
                by_class.update(set(excuses))
            if not cases or not args.verbose:
                continue
            tag = "ALLOWED (" + ", ".join(sorted(set(excuses))) + ")"
        else:
            failed += 1
            labels = inherit(cases, [classify(KNOWN_BUGS, c) for c in cases])
            bugs = {b or f"unclassified-{c.kind}"
                    for c, b, x in zip(cases, labels, excuses) if x is None}
            if i in defect_cases:
                bugs.add("redaction-verification-defect")
            by_class.update(bugs)
            tag = "FAIL (" + ", ".join(sorted(bugs)) + ")"
        print(f"{tag} case {i}: {t.decode(errors='replace')!r}")
        print(f"  reference: {show(t, [f + (v.conf,) for f, v in ref.findings.items()])}")
        print(f"  engine:    {show(t, [f for f in engine[i] if f[0] in TYPES])}")
        others = [f for f in engine[i] if f[0] not in TYPES]
        if others:
            print(f"  engine, other types: {show(t, others)}")
        for c in cases:
            print(f"  {c.kind} {c.f[0]}[{c.f[1]},{c.f[2]}): {ref.why(c.f)}")
        if i in defect_cases:
            print(f"  engine defect: {defect_cases[i]}")
    for c, n in sorted(by_class.items()):
        kind = "allowed" if c in ALLOWED else "failing"
        print(f"{kind} disagreement class {c}: {n} cases")
    print("reference readings (type, strength: found/dropped):")
    for typ in TYPES:
        print(f"  {typ}: " + ", ".join(
            f"{st} {found[(typ, st, 'found')]}/{found[(typ, st, 'dropped')]}"
            for st in ("strong", "medium", "weak")))
    print(f"differential: {passed} passed, {failed} failed"
          + (f" ({allowed} passed only by the allow-list)" if allowed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
