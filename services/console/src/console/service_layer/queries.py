"""Reads a screen makes of several services at once; no writes. A section a service refuses
(a fund not yet open, a line not yet granted) is shown as that refusal, not as a broken page."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

from console.domain.errors import ServiceRefused, ServiceUnreachable
from console.domain.problems import PlainProblem, plain


@dataclass
class Section:
    """A part of a page: the service's answer, or its refusal in plain words."""

    data: Any = None
    problem: PlainProblem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


async def section(call: Awaitable[Any]) -> Section:
    try:
        return Section(data=await call)
    except ServiceRefused as refused:
        return Section(problem=plain(refused.problem, refused.status_code))
    except ServiceUnreachable as down:
        return Section(
            problem=plain({"type": "unavailable", "detail": down.detail}, 503),
        )


async def sections(**calls: Awaitable[Any]) -> dict[str, Section]:
    """Every call at once (a group screen asks three services), each its own Section."""
    names = list(calls)
    found = await asyncio.gather(*(section(calls[n]) for n in names))
    return dict(zip(names, found, strict=True))
