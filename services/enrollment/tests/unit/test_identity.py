from __future__ import annotations

import random
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from enrollment.domain.errors import InvalidData
from enrollment.domain.identity import Gender, check_curp_matches, parse_company_rfc, parse_curp
from megp_common.testing.identifiers import random_company_rfc, random_curp

VALID = "GALM850312MOCRPR07"  # born 1985-03-12, female, Oaxaca


def test_a_valid_curp_gives_its_birth_date_and_gender() -> None:
    curp = parse_curp(VALID)
    assert curp.value == VALID
    assert curp.birth_date == date(1985, 3, 12)
    assert curp.gender is Gender.FEMALE


def test_spaces_dashes_and_case_are_ignored() -> None:
    assert parse_curp(" galm-850312-mocrpr07 ").value == VALID


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("GALM850312MOCRPR08", "check digit"),
        ("GALM850312MOCRPR0", "length"),
        ("GALM851312MOCRPR07", "month 13"),
        ("GALM850312XOCRPR07", "sex letter"),
        ("GALM850312MZZRPR07", "state code"),
        ("1ALM850312MOCRPR07", "format"),
        ("", "empty"),
    ],
)
def test_invalid_curps_are_refused_with_the_reason(raw: str, why: str) -> None:
    with pytest.raises(InvalidData) as err:
        parse_curp(raw)
    assert err.value.extensions["field"] == "curp", why
    assert "not valid" in err.value.detail


def test_declared_birth_date_and_gender_must_match_the_curp() -> None:
    curp = parse_curp(VALID)
    check_curp_matches(curp, date(1985, 3, 12), Gender.FEMALE)
    with pytest.raises(InvalidData, match="birth date"):
        check_curp_matches(curp, date(1985, 3, 13), Gender.FEMALE)
    with pytest.raises(InvalidData, match="gender"):
        check_curp_matches(curp, date(1985, 3, 12), Gender.MALE)


@given(st.integers(0, 2**32), st.dates(date(1930, 1, 1), date(2012, 12, 31)), st.booleans())
def test_generated_curps_validate_and_carry_what_they_were_made_for(
    seed: int, born: date, female: bool
) -> None:
    curp = parse_curp(random_curp(random.Random(seed), born, female))
    assert curp.birth_date == born
    assert curp.gender is (Gender.FEMALE if female else Gender.MALE)


def test_a_company_rfc_is_accepted_with_its_check_digit() -> None:
    assert parse_company_rfc("cam-150302-1a3") == "CAM1503021A3"
    rfc = random_company_rfc(random.Random(7))
    assert parse_company_rfc(rfc) == rfc


def test_a_wrong_rfc_check_digit_is_refused_unless_the_setting_says_otherwise() -> None:
    with pytest.raises(InvalidData, match="not valid"):
        parse_company_rfc("CAM1503021A4")
    assert parse_company_rfc("CAM1503021A4", check_digit=False) == "CAM1503021A4"


@pytest.mark.parametrize("raw", ["GODE561231GR8", "CAM15030", "CAM1513021A3", "C4M1503021A3"])
def test_persons_rfcs_and_malformed_ones_are_refused(raw: str) -> None:
    with pytest.raises(InvalidData) as err:
        parse_company_rfc(raw)
    assert err.value.extensions["field"] == "rfc"
