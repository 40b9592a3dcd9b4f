# SPDX-License-Identifier: Apache-2.0
"""Check digits the test-set generators and the differential test share.

Only the schemes more than one script needs: Luhn (cards) and ISO 7064
MOD 97-10 (IBAN). Each script keeps its own look-alike schemes.
"""


def luhn_digit(body):
    """The digit that makes body + digit Luhn valid."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_ok(digits):
    """Textbook Luhn over a string of two or more digits."""
    return len(digits) >= 2 and luhn_digit(digits[:-1]) == digits[-1]


def luhn_complete(body):
    """body + the check digit that makes it Luhn valid."""
    return body + luhn_digit(body)


def alnum_to_digits(s):
    """Letters as ISO 7064 numbers (A=10 ... Z=35), digits as they are."""
    return "".join(str(int(c, 36)) for c in s.upper())


def mod97(s):
    """ISO 7064 MOD 97-10 remainder of an alphanumeric string."""
    return int(alnum_to_digits(s)) % 97
