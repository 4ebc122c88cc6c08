"""Builders for the domain's unit tests (no server involved)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest

from enrollment.domain.group import ProjectGroup
from enrollment.domain.identity import parse_curp
from enrollment.domain.membership import Undertaking
from enrollment.domain.participant import Function, Participant
from enrollment.domain.project import Definition, Project, Ratings
from enrollment.domain.terms import ProgrammeTerms
from megp_common.testing.identifiers import random_curp

NOW = datetime(2031, 5, 10, 15, 0, tzinfo=UTC)
_ids = itertools.count(1)


def next_id(prefix: str = "id") -> str:
    return f"{prefix}-{next(_ids):05d}"


def full_letter(on: date = NOW.date()) -> dict[Undertaking, date]:
    return {u: on for u in Undertaking}


def ratings(**values: int) -> Ratings:
    base = dict.fromkeys(
        (
            "marginalized_community",
            "replicable_pilot",
            "short_term_results",
            "import_substitution",
            "short_term_viability",
            "local_raw_materials",
        ),
        0,
    )
    return Ratings(**(base | values))


@pytest.fixture
def terms() -> ProgrammeTerms:
    return ProgrammeTerms()


@pytest.fixture
def make_participant(terms: ProgrammeTerms) -> Callable[..., Participant]:
    def build(born: date = date(1985, 3, 12), female: bool = True, **details: Any) -> Participant:
        curp = parse_curp(random_curp(random.Random(next(_ids)), born, female))
        data: dict[str, Any] = {
            "given_names": "Ana",
            "first_surname": "Ruiz",
            "state": "20",
            "municipality": "Oaxaca de Juárez",
            "functions": [Function.PRODUCTION],
        } | details
        return Participant.enroll(next_id("p"), curp, data, details.pop("now", NOW), terms)

    return build


@pytest.fixture
def make_project() -> Callable[..., Project]:
    def build(**values: int) -> Project:
        return Project.propose(
            next_id("project"),
            name="Barro negro",
            definition=Definition.BRANCH,
            region=None,
            branch_of_activity="pottery",
            state="20",
            municipality="San Bartolo Coyotepec",
            description="black clay pottery",
            ratings=ratings(**values),
            proposed_by="tester",
            now=NOW,
        )

    return build


@pytest.fixture
def make_group(
    make_project: Callable[..., Project], terms: ProgrammeTerms
) -> Callable[..., ProjectGroup]:
    """A group with `members` signed members (active from the minimum on), events cleared."""

    def build(members: int = 0, with_odf: bool = False) -> ProjectGroup:
        group = ProjectGroup.open(make_project(), "", terms, NOW)
        for _ in range(members):
            group.admit(next_id("p"), "Member", "sell together", full_letter(), NOW)
        if with_odf:
            group.register_odf("Barro Negro S.A. de C.V.", "CAM1503021A3", "Banorte", terms, NOW)
        group.clear_pending()
        return group

    return build


def recorded(aggregate: Any) -> list[Any]:
    return [r.payload for r in aggregate.pending_events()]


def types(aggregate: Any) -> list[str]:
    return [type(p).__name__ for p in recorded(aggregate)]
