"""The listing guard end to end, through the real broker: a product naming an invention is
held by trade (not shown to buyers, not orderable: a 409 that says why) until ip-counsel's
events clear the invention (the inventors decide to keep it secret, or a filing is submitted at
IMPI); then trade publishes it by itself, its `ProductListed` once, and it sells. No content of
the disclosure reaches any trade answer or event."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import httpx
import pytest

from megp_common.auth import Role
from megp_common.launcher import Platform
from megp_common.testing.enrollment_driver import Driver
from megp_common.testing.events import EventTap, Published, distinct
from megp_common.testing.keys import keyed

from .ip_counsel_world import Circle, disclose, disclosure_body, distinctive, seed_circle

pytestmark = pytest.mark.e2e

STATE = "20"
PROBLEM = "application/problem+json"
WHY = "neither filed nor decided to be kept secret or published"


@pytest.fixture(scope="module")
def circle(platform: Platform, tokens: Any) -> Iterator[Circle]:
    drive = Driver(platform.processes["enrollment"].url, tokens.header, state=STATE)
    c = seed_circle(drive, platform.processes["ip-counsel"].url, tokens.header, random.Random())
    c.extra["trade"] = platform.processes["trade"].url
    disclose(c)
    yield c
    drive.client.close()


class Seen:
    """Every trade answer of the test, to look for the disclosure's words in."""

    def __init__(self, c: Circle) -> None:
        self.c = c
        self.answers: list[Any] = []

    def trade(self, method: str, path: str, headers: dict[str, str], expect: int, **kw: Any) -> Any:
        r = httpx.request(
            method,
            f"{self.c.extra['trade']}/v1{path}",
            headers=keyed(method, headers),
            timeout=30,
            **kw,
        )
        assert r.status_code == expect, f"{method} {path}: {r.status_code} {r.text}"
        if expect >= 400:
            assert r.headers["content-type"].startswith(PROBLEM)
        self.answers.append(r.json())
        return r.json()

    def until(self, fetch: Callable[[], httpx.Response], wanted: int, what: str) -> Any:
        deadline = time.monotonic() + 30
        while True:
            r = fetch()
            if r.status_code == wanted:
                self.answers.append(r.json())
                return r.json()
            assert time.monotonic() < deadline, f"{what}: {r.status_code} {r.text}"
            time.sleep(0.25)

    def leaks(self, also: Sequence[Published] = ()) -> list[str]:
        text = json.dumps([*self.answers, *(e.envelope for e in also)], ensure_ascii=False)
        return [w for w in distinctive(self.c.words) if w in text]


def staff(c: Circle) -> dict[str, str]:
    return c.as_(Role.ODF_STAFF, subject=f"staff-{c.group_id}")


def buyer(c: Circle) -> dict[str, str]:
    return c.as_(Role.PARTICIPANT, subject=f"buyer-{random.getrandbits(32):x}")


def list_naming(seen: Seen, invention_id: str, name: str) -> Any:
    """The ODF lists a member's kiln naming the invention, once trade learnt the group (a 404
    until enrollment's events are consumed). The member who makes it is no inventor."""
    c = seen.c
    body = {
        "group_id": c.group_id,
        "producer_id": c.member,
        "name": name,
        "category": "kilns",
        "niche": "potters of the valley",
        "unit": "piece",
        "price_mxn": "4500.00",
        "stock": 5,
        "invention_id": invention_id,
    }
    headers = keyed("POST", staff(c))
    return seen.until(
        lambda: httpx.post(
            f"{c.extra['trade']}/v1/products", json=body, headers=headers, timeout=30
        ),
        201,
        "trade never learnt the inventors' group",
    )


def ip_post(c: Circle, path: str, body: dict[str, Any], expect: int = 200) -> dict[str, Any]:
    key = {"Idempotency-Key": f"lg-{random.getrandbits(64):x}"}
    r = httpx.post(f"{c.ip}/v1{path}", json=body, headers=c.inventor() | key, timeout=30)
    assert r.status_code == expect, r.text
    return dict(r.json())


def order(seen: Seen, product_id: str, expect: int) -> Any:
    body = {"lines": [{"product_id": product_id, "quantity": 1}]}
    return seen.trade("POST", "/orders", buyer(seen.c), expect, json=body)


def expect_held(seen: Seen, product: dict[str, Any]) -> None:
    c, pid = seen.c, product["id"]
    assert product["listing_status"] == "held" and WHY in product["held_reason"]
    mine = seen.trade("GET", f"/products/{pid}", staff(c), 200)
    assert mine["listing_status"] == "held" and WHY in mine["held_reason"]
    theirs = seen.trade("GET", f"/products?group_id={c.group_id}", staff(c), 200)
    assert pid in {p["id"] for p in theirs}
    # buyers, and staff of another ODF, do not see it at all
    seen.trade("GET", f"/products/{pid}", buyer(c), 404)
    other_odf = c.as_(Role.ODF_STAFF, organization="another-odf")
    seen.trade("GET", f"/products/{pid}", other_odf, 404)
    for who in (buyer(c), other_odf):
        shown = seen.trade("GET", f"/products?group_id={c.group_id}", who, 200)
        assert pid not in {p["id"] for p in shown}
    refused = order(seen, pid, 409)
    assert WHY in refused["detail"] and refused["listing_status"] == "held"


def listed(seen: Seen, product_id: str) -> Any:
    c = seen.c
    return seen.until(
        lambda: httpx.get(
            f"{c.extra['trade']}/v1/products/{product_id}", headers=buyer(c), timeout=30
        ),
        200,
        "trade never published the held listing",
    )


def announced(events: list[Published], product_id: str) -> list[Published]:
    return [
        e
        for e in distinct(events)
        if e.type == "trade.ProductListed" and e.data["product_id"] == product_id
    ]


async def test_held_until_the_inventors_keep_it_secret_then_listed_once(
    circle: Circle, infra: Any
) -> None:
    c, seen = circle, Seen(circle)
    async with EventTap(infra.kafka, "trade.events") as tap:
        kiln = list_naming(seen, c.disclosure_id, "horno de doble cámara")
        assert kiln["producer_id"] == c.member and kiln["invention_id"] == c.disclosure_id
        expect_held(seen, kiln)
        retry = seen.trade("GET", f"/products/{kiln['id']}", staff(c), 200)
        assert retry["listing_status"] == "held"

        ip_post(c, f"/disclosures/{c.disclosure_id}/decision", {"choice": "keep_secret"})
        shown = listed(seen, kiln["id"])
        assert shown["listing_status"] == "listed" and shown["held_reason"] is None
        sold = order(seen, kiln["id"], 201)
        assert sold["status"] == "reserved"

        events = await tap.collect(lambda e: e.key in (c.group_id, sold["id"]), expect=2)
    (listing,) = announced(events, kiln["id"])
    assert listing.data["stock"] == 5 and listing.data["producer_id"] == c.member
    assert not seen.leaks(events)


async def test_held_until_a_filing_is_submitted(circle: Circle, infra: Any) -> None:
    c, seen = circle, Seen(circle)
    made = ip_post(c, "/disclosures", disclosure_body(c), 201)
    d = str(made["id"])
    async with EventTap(infra.kafka, "trade.events") as tap:
        kiln = list_naming(seen, d, "horno de patente")
        expect_held(seen, kiln)
        ip_post(c, f"/disclosures/{d}/decision", {"choice": "file", "route": "patent"})
        filing = ip_post(c, "/filings", {"disclosure_id": d, "filing_type": "patent"}, 201)
        # deciding to file and drafting the filing clear nothing: still held once trade had
        # the time to hear of both (well under a second here)
        await asyncio.sleep(3)
        assert seen.trade("GET", f"/products/{kiln['id']}", staff(c), 200)["listing_status"] == (
            "held"
        )
        order(seen, kiln["id"], 409)

        filed_on = made["created_at"][:10]
        ip_post(
            c,
            f"/filings/{filing['id']}/submission",
            {"application_number": f"MX/a/{filed_on[:4]}/000123", "filed_on": filed_on},
        )
        assert listed(seen, kiln["id"])["listing_status"] == "listed"
        sold = order(seen, kiln["id"], 201)
        events = await tap.collect(lambda e: e.key in (c.group_id, sold["id"]), expect=2)
    assert len(announced(events, kiln["id"])) == 1
    assert not seen.leaks(events)


def test_an_invention_trade_never_heard_of_is_held(circle: Circle) -> None:
    seen = Seen(circle)
    kiln = list_naming(seen, f"no-such-disclosure-{random.getrandbits(32):x}", "horno")
    expect_held(seen, kiln)
