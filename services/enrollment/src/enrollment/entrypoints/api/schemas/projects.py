from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from enrollment.domain.project import Definition, Project, ProjectStatus, Ratings
from enrollment.entrypoints.api.schemas.common import Name, Request, StateCode, Text

Rating = Field(ge=0, le=3, description="0 not at all .. 3 fully")


class RatingsIn(Request):
    marginalized_community: int = Rating
    replicable_pilot: int = Rating
    short_term_results: int = Rating
    import_substitution: int = Rating
    short_term_viability: int = Rating
    local_raw_materials: int = Rating


class ProjectCreate(Request):
    name: Name = Field(examples=["Alfarería de barro negro"])
    definition: Definition
    region: Name | None = Field(default=None, examples=["Valles Centrales"])
    branch_of_activity: Name | None = Field(default=None, examples=["pottery"])
    state_code: StateCode
    municipality: Name = Field(examples=["San Bartolo Coyotepec"])
    description: Text
    criteria: RatingsIn

    def details(self) -> dict[str, object]:
        return {
            "name": self.name,
            "definition": self.definition,
            "region": self.region,
            "branch_of_activity": self.branch_of_activity,
            "state": self.state_code,
            "municipality": self.municipality,
            "description": self.description,
            "ratings": Ratings(**self.criteria.model_dump()),
        }


class ProjectPublic(BaseModel):
    id: str
    name: str
    definition: Definition
    region: str | None
    branch_of_activity: str | None
    state_code: str
    municipality: str
    description: str
    criteria: dict[str, int]
    priority_score: int = Field(description="0..100; see the service README for the formula")
    status: ProjectStatus
    group_id: str = Field(description="The id its group has, once formed")
    proposed_by: str
    proposed_at: datetime
    version: int

    @classmethod
    def of(cls, p: Project) -> ProjectPublic:
        return cls(
            id=p.id,
            name=p.name,
            definition=p.definition,
            region=p.region,
            branch_of_activity=p.branch_of_activity,
            state_code=p.state,
            municipality=p.municipality,
            description=p.description,
            criteria=p.ratings.model_dump(),
            priority_score=p.priority_score,
            status=p.status,
            group_id=p.group_id,
            proposed_by=p.proposed_by,
            proposed_at=p.proposed_at,
            version=p.version,
        )


class GroupCreate(Request):
    name: Name | None = Field(default=None, description="Defaults to the project's name")
