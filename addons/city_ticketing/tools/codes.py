# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Short manual codes with a Damm check digit, and claim codes.

A manual code is ``MANUAL_DIGITS`` random digits followed by one Damm check
digit. Damm detects every single-digit error and every adjacent
transposition, so a mistyped code is refused before any lookup.
"""

import secrets

MANUAL_DIGITS = 11
CLAIM_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I look-alikes
CLAIM_LENGTH = 10

_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)


def damm_digit(digits):
    """The Damm check digit of a string of digits."""
    interim = 0
    for char in digits:
        interim = _DAMM[interim][int(char)]
    return str(interim)


def damm_valid(code):
    """True if ``code`` (digits, check digit last) passes the Damm check."""
    return isinstance(code, str) and code.isascii() and code.isdigit() and damm_digit(code) == "0"


def new_manual_code():
    """A random manual code: ``MANUAL_DIGITS`` digits (no leading zero) and a check digit."""
    body = str(secrets.randbelow(9 * 10 ** (MANUAL_DIGITS - 1)) + 10 ** (MANUAL_DIGITS - 1))
    return body + damm_digit(body)


def new_claim_code():
    """A random claim code for gifting a ticket (about 50 bits)."""
    return "".join(secrets.choice(CLAIM_ALPHABET) for _ in range(CLAIM_LENGTH))


def normalize_claim_code(code):
    return "".join(c for c in (code or "").upper() if c.isalnum())
