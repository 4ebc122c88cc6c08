"""Mexican identifiers, checked with python-stdnum: the CURP of a participant (with its check
digit, birth date and sex) and the RFC of a Development Organization (a company's RFC)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from stdnum.exceptions import ValidationError
from stdnum.mx import curp as stdnum_curp
from stdnum.mx import rfc as stdnum_rfc

from enrollment.domain.errors import InvalidData


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"


@dataclass(frozen=True)
class Curp:
    value: str
    birth_date: date
    gender: Gender


def parse_curp(raw: str) -> Curp:
    """The CURP `raw` (spaces and dashes ignored, any case), or InvalidData saying what is wrong."""
    try:
        value = stdnum_curp.validate(raw)
    except ValidationError as exc:
        raise InvalidData(f"CURP {raw!r} is not valid: {exc}", field="curp") from None
    gender = Gender.FEMALE if stdnum_curp.get_gender(value) == "F" else Gender.MALE
    return Curp(value, stdnum_curp.get_birth_date(value), gender)


def check_curp_matches(curp: Curp, birth_date: date, gender: Gender) -> None:
    """The declared birth date and gender must be the ones the CURP encodes."""
    if curp.birth_date != birth_date:
        raise InvalidData(
            f"birth date {birth_date.isoformat()} differs from the CURP's "
            f"{curp.birth_date.isoformat()}",
            field="birth_date",
        )
    if curp.gender != gender:
        raise InvalidData(
            f"gender {gender.value} differs from the CURP's {curp.gender.value}", field="gender"
        )


def parse_company_rfc(raw: str, *, check_digit: bool = True) -> str:
    """A company's RFC (12 characters); persons' 13-character RFCs are refused: a Development
    Organization is a legal company [¶60]."""
    try:
        value = stdnum_rfc.validate(raw, validate_check_digits=check_digit)
    except ValidationError as exc:
        raise InvalidData(f"RFC {raw!r} is not valid: {exc}", field="rfc") from None
    if len(value) != 12:
        raise InvalidData(
            f"RFC {value} belongs to a person; a Development Organization has a company RFC "
            "(12 characters)",
            field="rfc",
        )
    return value
