"""Data factories for tests and simulations: valid, unique-enough CURPs and company RFCs.

The check digits are computed by python-stdnum, so every value passes the service's checks.
"""

from __future__ import annotations

import random
import string
from datetime import date, timedelta

from stdnum.mx import curp as stdnum_curp
from stdnum.mx import rfc as stdnum_rfc

CONSONANTS = "BCDFGHJKLMNPQRSTVWXZ"
VOWELS = "AEIOU"
CURP_STATES = ("OC", "DF", "JC", "PL", "VZ", "YN", "CS", "GR", "MC", "NL")


def random_birth_date(
    rng: random.Random, *, age_from: int = 18, age_to: int = 80, today: date | None = None
) -> date:
    today = today or date.today()
    earliest = today - timedelta(days=365 * age_to)
    latest = today - timedelta(days=365 * age_from + 1)
    return earliest + timedelta(days=rng.randrange((latest - earliest).days))


def random_curp(rng: random.Random, birth_date: date, female: bool) -> str:
    """A CURP that validates (check digit included) for this birth date and sex."""
    while True:
        head = (
            rng.choice(string.ascii_uppercase)
            + rng.choice(VOWELS)
            + rng.choice(string.ascii_uppercase)
            + rng.choice(string.ascii_uppercase)
        )
        differentiator = (
            rng.choice(string.digits)
            if birth_date.year < 2000
            else rng.choice(string.ascii_uppercase)
        )
        body = (
            head
            + birth_date.strftime("%y%m%d")
            + ("M" if female else "H")
            + rng.choice(CURP_STATES)
            + "".join(rng.choice(CONSONANTS) for _ in range(3))
            + differentiator
        )
        candidate = body + stdnum_curp.calc_check_digit(body)
        if stdnum_curp.is_valid(candidate):
            return candidate


def random_company_rfc(rng: random.Random) -> str:
    """A company RFC (12 characters) whose check digit validates."""
    while True:
        incorporated = date(2000, 1, 1) + timedelta(days=rng.randrange(9000))
        body = (
            "".join(rng.choice(string.ascii_uppercase) for _ in range(3))
            + incorporated.strftime("%y%m%d")
            + rng.choice("123456789ABCDEFGHIJKLMNPQRSTUV")
            + rng.choice("123456789ABCDEFGHIJKLMNPQRSTUVWXYZ")
        )
        candidate = body + stdnum_rfc.calc_check_digit(body)
        if stdnum_rfc.is_valid(candidate, validate_check_digits=True):
            return candidate
