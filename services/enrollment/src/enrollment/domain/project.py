"""Candidate projects and their activation priority [¶41-¶48]."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Final

from pydantic import BaseModel, ConfigDict

from enrollment.domain.errors import InvalidData
from enrollment.domain.federal_entities import federal_entity
from megp_common.aggregate import Aggregate
from megp_common.contracts.enrollment import ActivationCriteria, ProjectProposed
from megp_common.ids import deterministic_id


class Definition(StrEnum):
    """A project supports a region or locality, or strengthens a branch of activity [¶41]."""

    REGION = "region"
    BRANCH = "branch"


class ProjectStatus(StrEnum):
    PROPOSED = "proposed"
    GROUP_FORMED = "group_formed"


MAX_RATING: Final = 3
HIGH_PRIORITY_WEIGHT: Final = 2
STRATEGIC_WEIGHT: Final = 1
HIGH_PRIORITY: Final = ("marginalized_community", "replicable_pilot", "short_term_results")
STRATEGIC: Final = ("import_substitution", "short_term_viability", "local_raw_materials")
MAX_POINTS: Final = MAX_RATING * 3 * (HIGH_PRIORITY_WEIGHT + STRATEGIC_WEIGHT)


class Ratings(BaseModel):
    """How well a proposal meets each criterion, 0 (not at all) to 3 (fully)."""

    model_config = ConfigDict(frozen=True)

    marginalized_community: int  # ¶43
    replicable_pilot: int  # ¶44
    short_term_results: int  # ¶45
    import_substitution: int  # ¶46
    short_term_viability: int  # ¶47
    local_raw_materials: int  # ¶48

    def model_post_init(self, __context: object) -> None:
        for name, value in self.model_dump().items():
            if not 0 <= value <= MAX_RATING:
                raise InvalidData(f"rating {name} must be 0..{MAX_RATING}, got {value}", field=name)


def priority_score(ratings: Ratings) -> int:
    """0..100: the high-priority criteria weigh twice the strategic ones [¶42]; the weighted
    points are scaled to 100 and rounded half up."""
    values: dict[str, int] = ratings.model_dump()
    high = sum(values[n] for n in HIGH_PRIORITY)
    strategic = sum(values[n] for n in STRATEGIC)
    points = HIGH_PRIORITY_WEIGHT * high + STRATEGIC_WEIGHT * strategic
    return (200 * points + MAX_POINTS) // (2 * MAX_POINTS)


def group_id_for(project_id: str) -> str:
    """A project forms at most one group; its id is known from the start."""
    return deterministic_id("project-group", project_id)


class Project(Aggregate):
    name: str
    definition: Definition
    region: str | None = None
    branch_of_activity: str | None = None
    state: str
    municipality: str
    description: str
    ratings: Ratings
    priority_score: int
    status: ProjectStatus = ProjectStatus.PROPOSED
    group_id: str
    proposed_by: str
    proposed_at: datetime

    def partition_key(self) -> str:
        return self.group_id

    def state_code(self) -> str:
        return self.state

    @classmethod
    def propose(
        cls,
        project_id: str,
        *,
        name: str,
        definition: Definition,
        region: str | None,
        branch_of_activity: str | None,
        state: str,
        municipality: str,
        description: str,
        ratings: Ratings,
        proposed_by: str,
        now: datetime,
    ) -> Project:
        federal_entity(state)
        if definition is Definition.REGION and not region:
            raise InvalidData("a project defined by region names its region", field="region")
        if definition is Definition.BRANCH and not branch_of_activity:
            raise InvalidData(
                "a project defined by branch names its branch of activity",
                field="branch_of_activity",
            )
        project = cls(
            id=project_id,
            name=name,
            definition=definition,
            region=region,
            branch_of_activity=branch_of_activity,
            state=state,
            municipality=municipality,
            description=description,
            ratings=ratings,
            priority_score=priority_score(ratings),
            group_id=group_id_for(project_id),
            proposed_by=proposed_by,
            proposed_at=now,
        )
        project.record(
            ProjectProposed(
                project_id=project.id,
                group_id=project.group_id,
                name=name,
                definition=definition.value,
                region=region,
                branch_of_activity=branch_of_activity,
                state_code=state,
                municipality=municipality,
                description=description,
                criteria=ActivationCriteria(**ratings.model_dump()),
                priority_score=project.priority_score,
                proposed_at=now,
            )
        )
        return project

    def group_formed(self) -> None:
        self.status = ProjectStatus.GROUP_FORMED
