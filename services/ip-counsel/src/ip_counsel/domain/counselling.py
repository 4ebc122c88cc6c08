"""A counselling session with the IP counsellor assigned to a disclosure [¶36]: the advice is
secret (sealed), the route recommended is metadata."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from ip_counsel.domain.review import Route
from ip_counsel.domain.sealed import Sealed


class CounsellingSession(BaseModel):
    number: int
    request_id: str | None = None
    counsellor_id: str
    held_on: date
    route_recommended: Route | None = None
    advice: Sealed
    recorded_at: datetime
