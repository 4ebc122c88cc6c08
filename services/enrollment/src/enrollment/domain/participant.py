"""Participants [¶34-¶40] and the specific programmes they belong to [¶20]."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from enrollment.domain.errors import InvalidData
from enrollment.domain.federal_entities import federal_entity
from enrollment.domain.identity import Curp, Gender
from enrollment.domain.terms import ProgrammeTerms
from megp_common.aggregate import Aggregate
from megp_common.contracts.enrollment import ParticipantEnrolled, ParticipantUpdated


class Function(StrEnum):
    """The four basic functions of production-entrepreneurial activity [¶37]."""

    ACQUISITION = "acquisition"
    PRODUCTION = "production"
    SALES_PROMOTION = "sales_promotion"
    ADMINISTRATION = "administration"


ENTREPRENEURIAL = frozenset(
    {Function.ACQUISITION, Function.SALES_PROMOTION, Function.ADMINISTRATION}
)


class MemberType(StrEnum):
    MICRO_ENTREPRENEUR = "micro_entrepreneur"
    MICRO_PRODUCER = "micro_producer"


class Programme(StrEnum):
    """The eight specific programmes [¶20]."""

    INVENTORS = "inventors"
    WOMEN = "women"
    YOUNG = "young"
    ELDERLY = "elderly"
    DISABLED = "disabled"
    ARTISTIC_CULTURAL = "artistic_cultural"
    POPULAR_ART = "popular_art"
    INDIGENOUS_EXCLUDED = "indigenous_excluded"


DERIVED_PROGRAMMES = frozenset({Programme.YOUNG, Programme.ELDERLY})


def member_type_for(functions: Iterable[Function]) -> MemberType:
    """Micro-producer when production is among the functions a person concentrates on and at
    most one of the three entrepreneurial ones is (production outweighs one, not two) [¶38-¶39];
    otherwise micro-entrepreneur. Both are of equal importance [¶40]."""
    chosen = set(functions)
    if not chosen:
        raise InvalidData(
            "name at least one function the participant concentrates on", field="functions"
        )
    if Function.PRODUCTION in chosen and len(chosen & ENTREPRENEURIAL) <= 1:
        return MemberType.MICRO_PRODUCER
    return MemberType.MICRO_ENTREPRENEUR


def age_on(birth_date: date, day: date) -> int:
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - (1 if before_birthday else 0)


def derived_programmes(
    birth_date: date, enrolled_on: date, terms: ProgrammeTerms
) -> set[Programme]:
    """Young (under the configured age) and elderly (from the configured age), at enrollment."""
    age = age_on(birth_date, enrolled_on)
    if age < terms.young_under_age:
        return {Programme.YOUNG}
    if age >= terms.elderly_from_age:
        return {Programme.ELDERLY}
    return set()


def check_declared(
    declared: Iterable[Programme], *, gender: Gender, disabled: bool, inventor: bool
) -> set[Programme]:
    """Declared programmes are accepted when the participant's data does not contradict them."""
    chosen = set(declared)
    derived = chosen & DERIVED_PROGRAMMES
    if derived:
        names = ", ".join(sorted(p.value for p in derived))
        raise InvalidData(
            f"{names} follow from the birth date and cannot be declared",
            field="declared_programmes",
        )
    if Programme.WOMEN in chosen and gender is not Gender.FEMALE:
        raise InvalidData(
            "the women's programme needs a participant whose CURP says female",
            field="declared_programmes",
        )
    if Programme.DISABLED in chosen and not disabled:
        raise InvalidData("the disabled programme needs disabled=true", field="declared_programmes")
    if Programme.INVENTORS in chosen and not inventor:
        raise InvalidData(
            "the inventors programme needs inventor=true", field="declared_programmes"
        )
    return chosen


class Participant(Aggregate):
    curp: str
    given_names: str
    first_surname: str
    second_surname: str | None = None
    birth_date: date
    gender: Gender
    state: str  # INEGI code of the federal entity
    municipality: str
    disabled: bool = False
    indigenous: bool = False
    inventor: bool = False
    functions: list[Function]
    member_type: MemberType
    declared_programmes: list[Programme] = []
    programmes: list[Programme]
    group_id: str | None = None
    enrolled_on: date
    enrolled_at: datetime

    def partition_key(self) -> str:
        return self.group_id or self.id

    def state_code(self) -> str:
        return self.state

    @classmethod
    def enroll(
        cls,
        participant_id: str,
        curp: Curp,
        details: dict[str, Any],
        now: datetime,
        terms: ProgrammeTerms,
    ) -> Participant:
        federal_entity(details["state"])
        participant = cls(
            id=participant_id,
            curp=curp.value,
            birth_date=curp.birth_date,
            gender=curp.gender,
            member_type=member_type_for(details["functions"]),
            programmes=[],
            enrolled_on=now.date(),
            enrolled_at=now,
            **details,
        )
        if participant.birth_date > participant.enrolled_on:
            raise InvalidData("the birth date is in the future", field="birth_date")
        participant._derive(terms)
        participant.record(ParticipantEnrolled(**participant._snapshot(), enrolled_at=now))
        return participant

    def update(self, changes: dict[str, Any], now: datetime, terms: ProgrammeTerms) -> list[str]:
        """Apply the changed fields; returns their names (none: nothing recorded)."""
        changed = sorted(k for k, v in changes.items() if getattr(self, k) != v)
        if not changed:
            return []
        if "state" in changes:
            federal_entity(changes["state"])
        for name in changed:
            setattr(self, name, changes[name])
        self.member_type = member_type_for(self.functions)
        self._derive(terms)
        self.record(ParticipantUpdated(**self._snapshot(), changed=changed, updated_at=now))
        return changed

    def join_group(self, group_id: str) -> None:
        self.group_id = group_id

    def leave_group(self, group_id: str) -> None:
        if self.group_id == group_id:
            self.group_id = None

    def _derive(self, terms: ProgrammeTerms) -> None:
        declared = check_declared(
            self.declared_programmes,
            gender=self.gender,
            disabled=self.disabled,
            inventor=self.inventor,
        )
        self.declared_programmes = sorted(declared)
        every = declared | derived_programmes(self.birth_date, self.enrolled_on, terms)
        self.programmes = sorted(every)
        self.functions = sorted(set(self.functions))

    def _snapshot(self) -> dict[str, Any]:
        return {
            "participant_id": self.id,
            "curp": self.curp,
            "given_names": self.given_names,
            "first_surname": self.first_surname,
            "second_surname": self.second_surname,
            "birth_date": self.birth_date,
            "gender": self.gender.value,
            "state_code": self.state,
            "state_name": federal_entity(self.state).name,
            "municipality": self.municipality,
            "functions": [f.value for f in self.functions],
            "member_type": self.member_type.value,
            "programmes": [p.value for p in self.programmes],
            "disabled": self.disabled,
            "indigenous": self.indigenous,
            "inventor": self.inventor,
            "group_id": self.group_id,
        }
