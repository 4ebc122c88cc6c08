"""Test clients key every write, as a bank's or a portal's client library would: a POST without
an Idempotency-Key gets a fresh one. A test that means to send none (to see the 428) adds the
header `UNKEYED`, which is removed before the request leaves."""

from __future__ import annotations

from typing import Final

import httpx

from megp_common.ids import new_id

UNKEYED_HEADER: Final = "X-Test-Unkeyed"
UNKEYED: Final = {UNKEYED_HEADER: "1"}


def key_writes(request: httpx.Request) -> None:
    """An httpx request hook: give an unkeyed POST a fresh Idempotency-Key."""
    if UNKEYED_HEADER in request.headers:
        del request.headers[UNKEYED_HEADER]
        return
    if request.method == "POST" and "Idempotency-Key" not in request.headers:
        request.headers["Idempotency-Key"] = new_id()


def keyed(method: str, headers: dict[str, str]) -> dict[str, str]:
    """The headers of a request made with `httpx.request`: a POST gets a fresh key unless it
    has one or is marked UNKEYED."""
    out = dict(headers)
    if out.pop(UNKEYED_HEADER, None) is not None:
        return out
    if method.upper() == "POST" and "Idempotency-Key" not in out:
        out["Idempotency-Key"] = new_id()
    return out
