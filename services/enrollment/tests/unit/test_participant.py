from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from enrollment.domain.errors import InvalidData
from enrollment.domain.identity import Gender
from enrollment.domain.participant import (
    Function,
    MemberType,
    Participant,
    Programme,
    age_on,
    check_declared,
    derived_programmes,
    member_type_for,
)
from enrollment.domain.terms import ProgrammeTerms

from .conftest import NOW, recorded

F = Function


@pytest.mark.parametrize(
    ("functions", "expected"),
    [
        ({F.PRODUCTION}, MemberType.MICRO_PRODUCER),
        ({F.PRODUCTION, F.SALES_PROMOTION}, MemberType.MICRO_PRODUCER),
        ({F.PRODUCTION, F.ACQUISITION, F.ADMINISTRATION}, MemberType.MICRO_ENTREPRENEUR),
        (
            {F.PRODUCTION, F.ACQUISITION, F.SALES_PROMOTION, F.ADMINISTRATION},
            MemberType.MICRO_ENTREPRENEUR,
        ),
        ({F.ACQUISITION}, MemberType.MICRO_ENTREPRENEUR),
        ({F.SALES_PROMOTION, F.ADMINISTRATION}, MemberType.MICRO_ENTREPRENEUR),
    ],
)
def test_member_type_follows_the_functions_concentrated_on(
    functions: set[Function], expected: MemberType
) -> None:
    assert member_type_for(functions) is expected


@given(st.sets(st.sampled_from(list(Function)), min_size=1))
def test_without_production_nobody_is_a_micro_producer(functions: set[Function]) -> None:
    kind = member_type_for(functions)
    if Function.PRODUCTION not in functions:
        assert kind is MemberType.MICRO_ENTREPRENEUR
    if functions == {Function.PRODUCTION}:
        assert kind is MemberType.MICRO_PRODUCER


def test_someone_must_concentrate_on_something() -> None:
    with pytest.raises(InvalidData):
        member_type_for([])


@pytest.mark.parametrize(
    ("born", "expected"),
    [
        (date(2001, 5, 11), {Programme.YOUNG}),  # 29 the day before the 30th birthday
        (date(2001, 5, 10), set()),  # 30 today
        (date(1971, 5, 11), set()),  # 59
        (date(1971, 5, 10), {Programme.ELDERLY}),  # 60 today
        (date(1940, 1, 1), {Programme.ELDERLY}),
    ],
)
def test_young_and_elderly_follow_from_age_at_enrollment(
    born: date, expected: set[Programme], terms: ProgrammeTerms
) -> None:
    assert derived_programmes(born, NOW.date(), terms) == expected


def test_age_limits_come_from_the_terms() -> None:
    strict = ProgrammeTerms(young_under_age=25, elderly_from_age=65)
    assert derived_programmes(date(2003, 1, 1), NOW.date(), strict) == set()
    assert derived_programmes(date(1970, 1, 1), NOW.date(), strict) == set()


@given(
    st.dates(date(1920, 1, 1), date(2000, 12, 31)).filter(lambda d: (d.month, d.day) != (2, 29)),
    st.integers(1, 90),
)
def test_age_grows_by_one_on_each_birthday(born: date, years: int) -> None:
    birthday = born.replace(year=born.year + years)
    assert age_on(born, birthday) == years
    assert age_on(born, birthday - timedelta(days=1)) == years - 1


def test_declared_programmes_must_agree_with_the_data() -> None:
    ok = check_declared(
        [Programme.WOMEN, Programme.POPULAR_ART],
        gender=Gender.FEMALE,
        disabled=False,
        inventor=False,
    )
    assert ok == {Programme.WOMEN, Programme.POPULAR_ART}
    for declared, kwargs in [
        (Programme.WOMEN, {"gender": Gender.MALE, "disabled": False, "inventor": False}),
        (Programme.DISABLED, {"gender": Gender.MALE, "disabled": False, "inventor": False}),
        (Programme.INVENTORS, {"gender": Gender.MALE, "disabled": False, "inventor": False}),
        (Programme.YOUNG, {"gender": Gender.MALE, "disabled": False, "inventor": False}),
    ]:
        with pytest.raises(InvalidData):
            check_declared([declared], **kwargs)  # type: ignore[arg-type]


def test_enrolling_announces_the_participant(make_participant: Callable[..., Participant]) -> None:
    p = make_participant(
        born=date(2005, 1, 1), female=True, declared_programmes=[Programme.WOMEN], indigenous=True
    )
    assert p.programmes == [Programme.WOMEN, Programme.YOUNG]
    assert p.member_type is MemberType.MICRO_PRODUCER
    assert p.partition_key() == p.id and p.state_code() == "20"
    (event,) = recorded(p)
    assert type(event).__name__ == "ParticipantEnrolled"
    assert event.curp == p.curp and event.state_name == "Oaxaca"
    assert event.programmes == ["women", "young"] and event.member_type == "micro_producer"


def test_an_unknown_state_is_refused(make_participant: Callable[..., Participant]) -> None:
    with pytest.raises(InvalidData, match="INEGI"):
        make_participant(state="33")


def test_an_update_announces_only_what_changed(
    make_participant: Callable[..., Participant], terms: ProgrammeTerms
) -> None:
    p = make_participant()
    p.clear_pending()
    assert p.update({"municipality": p.municipality}, NOW, terms) == []
    assert recorded(p) == []
    changed = p.update(
        {"functions": [Function.ADMINISTRATION], "municipality": "Tlacolula"}, NOW, terms
    )
    assert changed == ["functions", "municipality"]
    assert p.member_type is MemberType.MICRO_ENTREPRENEUR
    (event,) = recorded(p)
    assert event.changed == changed and event.member_type == "micro_entrepreneur"


def test_a_member_s_events_are_keyed_by_the_group(
    make_participant: Callable[..., Participant],
) -> None:
    p = make_participant()
    p.join_group("g-1")
    assert p.partition_key() == "g-1"
    p.leave_group("g-2")
    assert p.group_id == "g-1"
    p.leave_group("g-1")
    assert p.partition_key() == p.id
