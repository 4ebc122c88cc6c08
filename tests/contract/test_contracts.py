"""The published event contracts: documents in step with the code, versions only grow."""

from __future__ import annotations

from pydantic import BaseModel

from megp_common.contracts.export import check, compatibility_problems, published_types
from megp_common.events import EventEnvelope


class V1(BaseModel):
    group_id: str
    amount: str
    note: str | None = None


class AddsOptional(V1):
    region: str | None = None


class AddsRequired(V1):
    region: str


class ChangesType(BaseModel):
    group_id: str
    amount: int
    note: str | None = None


class DropsField(BaseModel):
    group_id: str
    note: str | None = None


def problems(new: type[BaseModel]) -> list[str]:
    return compatibility_problems(V1.model_json_schema(), new.model_json_schema())


def test_adding_an_optional_field_is_compatible() -> None:
    assert problems(AddsOptional) == []


def test_breaking_changes_are_named() -> None:
    assert problems(AddsRequired) == ["field 'region' became required"]
    assert problems(ChangesType) == ["field 'amount' changed its type"]
    assert problems(DropsField) == ["field 'amount' was removed"]


def test_published_documents_match_the_code_and_no_version_broke() -> None:
    assert check() == []


def test_every_published_type_round_trips_in_the_envelope() -> None:
    for name, model in published_types().items():
        assert model.event_type == name  # type: ignore[attr-defined]
    envelope_fields = set(EventEnvelope.model_json_schema()["properties"])
    assert {
        "specversion",
        "id",
        "source",
        "type",
        "subject",
        "time",
        "datacontenttype",
        "data",
        "correlationid",
        "causationid",
        "state",
        "schemaversion",
        "partitionkey",
    } <= envelope_fields
