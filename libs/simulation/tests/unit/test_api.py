"""The driver's HTTP access: tokens are minted again before they expire, and a request refused
for an expired token is retried with a fresh one (a national run outlives a token's hour)."""

from __future__ import annotations

import json
from typing import Any

import httpx

from megp_simulation.api import Api


class Mint:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *roles: str, **claims: Any) -> dict[str, str]:
        self.count += 1
        return {"Authorization": f"Bearer t{self.count}"}


def test_a_token_is_reused_for_a_while_then_minted_again() -> None:
    mint = Mint()
    api = Api(urls={"funds": "http://funds"}, header=mint)
    first = api.token(("odf_staff",), states=("09",))
    assert api.token(("odf_staff",), states=("09",)) == first and mint.count == 1
    api.token(("odf_staff",), states=("20",))  # other claims: another token
    assert mint.count == 2
    api.token_reuse_s = 0.0
    assert api.token(("odf_staff",), states=("09",)) != first and mint.count == 3


def test_an_expired_token_is_replaced_and_the_request_retried_with_its_key() -> None:
    mint = Mint()
    api = Api(urls={"funds": "http://funds"}, header=mint)
    seen: list[tuple[str, str | None]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append((request.headers["Authorization"], request.headers.get("Idempotency-Key")))
        if request.headers["Authorization"] == "Bearer t1":
            problem = {"status": 401, "detail": "token has expired"}
            return httpx.Response(401, content=json.dumps(problem))
        return httpx.Response(200, json={"ok": True})

    client = httpx.Client(base_url="http://funds/v1", transport=httpx.MockTransport(answer))
    api._local.clients = {"funds": client}
    assert api.call("funds", "POST", "/x", "odf_staff", key="k-1", json={}) == {"ok": True}
    assert seen == [("Bearer t1", "k-1"), ("Bearer t2", "k-1")]
