"""The secret part of a disclosure's revision [¶3]: never in an event, a log line, a metric or
an answer to anyone outside its circle; sealed at rest (see domain/sealed.py)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class DisclosureContent(BaseModel):
    model_config = ConfigDict(frozen=True)

    title: str
    field: str
    description: str
    claims: list[str]
    prior_art: list[str] = []
