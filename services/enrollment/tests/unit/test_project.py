from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from enrollment.domain.errors import InvalidData
from enrollment.domain.project import (
    HIGH_PRIORITY,
    STRATEGIC,
    Definition,
    Project,
    group_id_for,
    priority_score,
)

from .conftest import NOW, ratings, recorded

rating = st.integers(0, 3)
all_ratings = st.fixed_dictionaries({n: rating for n in HIGH_PRIORITY + STRATEGIC})


def test_the_score_runs_from_0_to_100() -> None:
    assert priority_score(ratings()) == 0
    assert priority_score(ratings(**dict.fromkeys(HIGH_PRIORITY + STRATEGIC, 3))) == 100


def test_high_priority_criteria_weigh_twice_the_strategic_ones() -> None:
    # 2 * 3 = 6 of 27 points -> 22.2 -> 22; 1 * 3 = 3 of 27 -> 11.1 -> 11
    assert priority_score(ratings(marginalized_community=3)) == 22
    assert priority_score(ratings(local_raw_materials=3)) == 11
    # 14 of 27 points = 51.85 -> 52 (rounded half up)
    assert (
        priority_score(ratings(marginalized_community=3, replicable_pilot=3, import_substitution=2))
        == 52
    )


@given(all_ratings, st.sampled_from(HIGH_PRIORITY + STRATEGIC))
def test_raising_any_rating_never_lowers_the_score(values: dict[str, int], name: str) -> None:
    before = priority_score(ratings(**values))
    raised = values | {name: min(3, values[name] + 1)}
    assert priority_score(ratings(**raised)) >= before
    assert 0 <= before <= 100


@given(all_ratings, st.sampled_from(HIGH_PRIORITY), st.sampled_from(STRATEGIC))
def test_a_high_priority_point_beats_a_strategic_point(
    values: dict[str, int], high: str, strategic: str
) -> None:
    base = values | {high: 0, strategic: 0}
    assert priority_score(ratings(**(base | {high: 1}))) > priority_score(
        ratings(**(base | {strategic: 1}))
    )


@pytest.mark.parametrize("bad", [-1, 4])
def test_ratings_run_from_0_to_3(bad: int) -> None:
    with pytest.raises(InvalidData, match=r"0\.\.3"):
        ratings(short_term_results=bad)


def test_a_proposal_is_keyed_by_the_id_its_group_will_have(
    make_project: Callable[..., Project],
) -> None:
    project = make_project(marginalized_community=3)
    assert project.group_id == group_id_for(project.id)
    assert project.partition_key() == project.group_id
    (event,) = recorded(project)
    assert event.priority_score == 22 and event.criteria.marginalized_community == 3


def test_a_definition_names_its_region_or_branch() -> None:
    with pytest.raises(InvalidData, match="region"):
        Project.propose(
            "x",
            name="n",
            definition=Definition.REGION,
            region=None,
            branch_of_activity="pottery",
            state="20",
            municipality="m",
            description="d",
            ratings=ratings(),
            proposed_by="t",
            now=NOW,
        )
    with pytest.raises(InvalidData, match="branch"):
        Project.propose(
            "x",
            name="n",
            definition=Definition.BRANCH,
            region="Valles",
            branch_of_activity=None,
            state="20",
            municipality="m",
            description="d",
            ratings=ratings(),
            proposed_by="t",
            now=NOW,
        )
