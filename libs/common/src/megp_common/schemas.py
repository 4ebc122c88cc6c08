"""Base of every request body: unknown fields are refused (422), never ignored, so a typo or a
field the caller may not set (``"status": "active"``) cannot pass unnoticed."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
