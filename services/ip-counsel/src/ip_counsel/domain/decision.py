"""The inventors' decision [¶55]: the committee recommends, the inventors decide whether and
how to protect their invention."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel

from ip_counsel.domain.review import Route


class Choice(StrEnum):
    """What the inventors decide [¶55]."""

    FILE = "file"
    KEEP_SECRET = "keep_secret"
    PUBLISH = "publish"


class InventorsDecision(BaseModel):
    request_id: str | None = None
    choice: Choice
    route: Route | None = None
    follows_recommendation: bool | None = None
    decided_by: str
    decided_at: datetime
