"""Trade over HTTP and Kafka, with the other services running: the group's ODF lists a member's
product (trade learnt the group from enrollment's events), buyers order, pay and cancel, every
bad request is a 4xx that writes nothing, and 64 concurrent buyers race for the last 10 units
of a product: exactly 10 are sold, the stock never goes below zero, and every refused buyer
hears a 409 saying what is left.

The race runs through the trade process the platform starts, and again through two trade
processes on the same store (whose single-document writes are atomic:
services/trade/README.md)."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from megp_common.auth import Role
from megp_common.bus import KafkaBus, OutgoingRecord
from megp_common.contracts import enrollment as enr
from megp_common.events import EventPayload, make_event
from megp_common.launcher import Platform, ServiceProcess
from megp_common.testing.events import EventTap, distinct
from megp_common.testing.keys import UNKEYED, keyed

pytestmark = pytest.mark.e2e

STATE = "20"


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4()}"


async def publish(kafka: str, key: str, *payloads: EventPayload) -> None:
    bus = KafkaBus(kafka, service="e2e-test")
    await bus.start()
    try:
        await bus.publish_many(
            [
                OutgoingRecord(
                    "enrollment.events",
                    key,
                    make_event(
                        p, source="/megp/e2e", key=key, time=datetime.now(UTC), state=STATE
                    ).to_json(),
                    p.event_type,
                )
                for p in payloads
            ]
        )
    finally:
        await bus.stop()


class Trade:
    def __init__(self, platform: Platform, tokens: Any) -> None:
        self.url = platform.processes["trade"].url
        self.tokens = tokens

    def headers(self, *roles: Role, **claims: Any) -> dict[str, str]:
        states = claims.pop("states", (STATE,))
        return self.tokens.header(*roles, states=states, **claims)  # type: ignore[no-any-return]

    def call(self, method: str, path: str, *roles: Role, expect: int = 200, **kw: Any) -> Any:
        claims = kw.pop("claims", {})
        headers = keyed(method, self.headers(*roles, **claims) | kw.pop("headers", {}))
        response = httpx.request(method, f"{self.url}/v1{path}", headers=headers, timeout=30, **kw)
        assert response.status_code == expect, response.text
        if expect >= 400:
            assert response.headers["content-type"].startswith("application/problem+json")
        return response.json()

    def product(self, product_id: str) -> Any:
        return self.call(
            "GET", f"/products/{product_id}", Role.PARTICIPANT, claims={"subject": "r"}
        )


@pytest.fixture
def trade(platform: Platform, tokens: Any) -> Trade:
    return Trade(platform, tokens)


async def formed_group(infra: Any, trade: Trade) -> dict[str, str]:
    group, odf, rep = uid("group"), uid("odf"), uid("rep")
    members = [rep, uid("weaver"), uid("potter")]
    await publish(
        infra.kafka,
        group,
        enr.ProjectGroupFormed(
            group_id=group,
            project_id=uid("project"),
            name="Tejedoras del Valle",
            state_code=STATE,
            municipality="Teotitlán del Valle",
            odf_id=odf,
            odf_legal_name="Tejedoras SC",
            rfc="TEJ010101AB1",
            trust_bank="Banco Ejemplo",
            member_participant_ids=members,
            formed_at=datetime.now(UTC),
        ),
    )
    return {"group": group, "odf": odf, "rep": rep, "weaver": members[1], "potter": members[2]}


def product_body(g: dict[str, str], **over: Any) -> dict[str, Any]:
    return {
        "group_id": g["group"],
        "producer_id": g["weaver"],
        "name": "tapete de lana",
        "category": "textiles",
        "niche": "fair-trade shops abroad",
        "unit": "piece",
        "price_mxn": "850.00",
        "price_usd": "49.00",
        "stock": 12,
        "programmes": ["popular art", "indigenous communities"],
    } | over


def list_product(trade: Trade, g: dict[str, str], **over: Any) -> Any:
    """List once trade has learnt the group (a 404 until the event is consumed)."""
    deadline = time.monotonic() + 30
    while True:
        response = httpx.post(
            f"{trade.url}/v1/products",
            json=product_body(g, **over),
            headers=keyed("POST", trade.headers(Role.ODF_STAFF, subject=f"staff-{g['odf']}")),
            timeout=30,
        )
        if response.status_code != 404:
            assert response.status_code == 201, response.text
            return response.json()
        assert time.monotonic() < deadline, response.text
        time.sleep(0.3)


def buy(trade: Trade, buyer: str, *lines: tuple[str, int], expect: int = 201) -> Any:
    body = {"lines": [{"product_id": p, "quantity": q} for p, q in lines]}
    return trade.call(
        "POST", "/orders", Role.PARTICIPANT, expect=expect, json=body, claims={"subject": buyer}
    )


async def test_list_order_pay_cancel_with_the_fair_trade_split_and_its_events(
    trade: Trade, infra: Any
) -> None:
    g = await formed_group(infra, trade)
    async with EventTap(infra.kafka, "trade.events") as tap:
        rug = list_product(trade, g)
        assert rug["producer_share"] == "0.85" and rug["stock"]["available"] == 12
        assert rug["state"] == STATE and rug["municipality"] == "Teotitlán del Valle"
        pot = list_product(
            trade, g, producer_id=g["potter"], name="olla de barro", price_mxn="33.33", stock=5
        )
        # anyone signed in, in any state, reads the product and its producer share
        seen = trade.call(
            "GET", f"/products/{rug['id']}", Role.COMMITTEE_MEMBER, claims={"states": ("09",)}
        )
        assert seen["producer_share"] == "0.85" and seen["price_usd"] == "49.00"
        # ... but who makes it, and for which group, only readers of its state
        assert seen["producer_id"] is seen["group_id"] is seen["odf_id"] is None
        assert trade.product(rug["id"])["producer_id"] == g["weaver"]
        # the marketplace channel is state-bound: a buyer of another state is refused
        trade.call(
            "POST",
            "/orders",
            Role.PARTICIPANT,
            expect=403,
            json={"lines": [{"product_id": rug["id"], "quantity": 1}]},
            claims={"states": ("09",)},
        )
        listed = trade.call("GET", f"/products?group_id={g['group']}", Role.PARTICIPANT)
        assert {p["id"] for p in listed} == {rug["id"], pot["id"]}

        order = buy(trade, "buyer-1", (rug["id"], 2), (pot["id"], 3))
        assert order["status"] == "reserved" and order["total"] == "1799.99"
        line = order["lines"][1]["split"]
        assert (line["total"], line["producer_part"], line["channel_fee"], line["logistics"]) == (
            "99.99",
            "84.99",
            "10.00",
            "5.00",
        )
        assert trade.product(rug["id"])["stock"] == {
            "available": 10,
            "reserved": 2,
            "sold": 0,
            "on_hand": 12,
        }
        # another buyer neither reads nor pays it
        trade.call(
            "GET", f"/orders/{order['id']}", Role.PARTICIPANT, expect=404, claims={"subject": "x"}
        )
        trade.call(
            "POST",
            f"/orders/{order['id']}/payment",
            Role.PARTICIPANT,
            expect=404,
            json={"amount": "1799.99"},
            claims={"subject": "x"},
        )
        wrong = trade.call(
            "POST",
            f"/orders/{order['id']}/payment",
            Role.PARTICIPANT,
            expect=422,
            json={"amount": "1799.98"},
            claims={"subject": "buyer-1"},
        )
        assert "1799.99" in wrong["detail"]
        key = {"Idempotency-Key": uid("pay")}
        paid = trade.call(
            "POST",
            f"/orders/{order['id']}/payment",
            Role.PARTICIPANT,
            json={"amount": "1799.99"},
            headers=key,
            claims={"subject": "buyer-1"},
        )
        again = trade.call(
            "POST",
            f"/orders/{order['id']}/payment",
            Role.PARTICIPANT,
            json={"amount": "1799.99"},
            headers=key,
            claims={"subject": "buyer-1"},
        )
        assert paid["status"] == again["status"] == "paid"
        assert trade.product(rug["id"])["stock"] == {
            "available": 10,
            "reserved": 0,
            "sold": 2,
            "on_hand": 10,
        }
        trade.call(
            "POST",
            f"/orders/{order['id']}/cancellation",
            Role.PARTICIPANT,
            expect=409,
            json={"reason": "too late"},
            claims={"subject": "buyer-1"},
        )

        other = buy(trade, "buyer-2", (pot["id"], 2))
        assert trade.product(pot["id"])["stock"]["available"] == 0
        cancelled = trade.call(
            "POST",
            f"/orders/{other['id']}/cancellation",
            Role.PARTICIPANT,
            json={"reason": "ordered twice"},
            claims={"subject": "buyer-2"},
        )
        assert cancelled["status"] == "cancelled"
        assert trade.product(pot["id"])["stock"]["available"] == 2

        # the producers' ODF ships the paid order: one SaleCompleted per producer
        for number in (1, 2):
            trade.call(
                "POST",
                f"/orders/{order['id']}/lines/{number}/fulfilment",
                Role.ODF_STAFF,
                claims={"subject": "staff"},
            )
        done = trade.call(
            "GET", f"/orders/{order['id']}", Role.PARTICIPANT, claims={"subject": "buyer-1"}
        )
        assert done["status"] == "completed"

        copies = await tap.collect(
            lambda e: (
                e.data.get("group_id") == g["group"]
                or e.data.get("order_id") in (order["id"], other["id"])
            ),
            expect=10,
        )
    events = distinct(copies)
    kinds = sorted(e.type.removeprefix("trade.") for e in events)
    assert kinds == sorted(
        ["ProductListed"] * 2
        + ["OrderPlaced"] * 2
        + ["OrderPaid", "OrderCancelled"]
        + ["OrderLineFulfilled"] * 2
        + ["SaleCompleted"] * 2
    ), kinds
    sales = {e.data["producer_id"]: e for e in events if e.type == "trade.SaleCompleted"}
    assert sales[g["weaver"]].data["amount"] == "1700.00"
    assert sales[g["weaver"]].data["producer_part"] == "1445.00"
    assert sales[g["potter"]].data["amount"] == "99.99"
    assert {e.key for e in sales.values()} == {g["group"]}


async def test_bad_requests_are_refused_and_write_nothing(trade: Trade, infra: Any) -> None:
    g = await formed_group(infra, trade)
    rug = list_product(trade, g, stock=3)
    staff = (Role.ODF_STAFF,)
    pid = rug["id"]

    def state() -> Any:
        products = trade.call("GET", f"/products?group_id={g['group']}", Role.PARTICIPANT)
        return [(p["id"], p["version"], p["stock"]) for p in products]

    before = state()
    for over in (
        {"price_mxn": "1.001"},
        {"price_mxn": "-5.00"},
        {"price_mxn": 12.5},
        {"stock": 0},
        {"stock": "4"},
        {"stock": 2.5},
        {"stock": True},
        {"colour": "red"},
    ):
        trade.call("POST", "/products", *staff, expect=422, json=product_body(g, **over))
    outsider = trade.call(
        "POST", "/products", *staff, expect=422, json=product_body(g, producer_id=uid("stranger"))
    )
    assert outsider["rule"] == "¶94"
    hat = trade.call(
        "POST", "/products", Role.ODF_STAFF, Role.DONOR_PORTAL, expect=403, json=product_body(g)
    )
    assert hat["rule"] == "¶55"
    trade.call(
        "POST",
        "/products",
        *staff,
        expect=403,
        json=product_body(g),
        claims={"organization": uid("another-odf")},
    )
    trade.call(
        "POST", "/products", *staff, expect=403, json=product_body(g), claims={"states": ("09",)}
    )
    trade.call("POST", "/products", Role.PARTICIPANT, expect=403, json=product_body(g))
    trade.call("POST", "/products", *staff, expect=428, json=product_body(g), headers=UNKEYED)

    for lines in (
        [{"product_id": pid, "quantity": 0}],
        [{"product_id": pid, "quantity": -1}],
        [{"product_id": pid, "quantity": "1"}],
        [{"product_id": pid, "quantity": 1.5}],
        [],
        [{"product_id": pid}],
    ):
        trade.call("POST", "/orders", Role.PARTICIPANT, expect=422, json={"lines": lines})
    trade.call(
        "POST",
        "/orders",
        Role.PARTICIPANT,
        expect=422,
        json={"lines": [{"product_id": pid, "quantity": 1}, {"product_id": pid, "quantity": 1}]},
    )
    trade.call(
        "POST",
        "/orders",
        Role.PARTICIPANT,
        expect=404,
        json={
            "lines": [{"product_id": pid, "quantity": 1}, {"product_id": uid("no"), "quantity": 1}]
        },
    )
    short = trade.call(
        "POST",
        "/orders",
        Role.PARTICIPANT,
        expect=409,
        json={"lines": [{"product_id": pid, "quantity": 4}]},
    )
    assert (short["available"], short["requested"], short["product_id"]) == (3, 4, pid)
    assert "3 units left" in short["detail"]
    trade.call(
        "POST",
        f"/products/{pid}/stock-adjustments",
        *staff,
        expect=422,
        json={"delta": 0, "reason": "nothing"},
    )
    assert state() == before

    # a later line short releases what the earlier lines reserved: all or nothing
    pot = list_product(trade, g, producer_id=g["potter"], name="olla", stock=1)
    before = state()
    refused = buy(trade, "buyer", (pid, 2), (pot["id"], 2), expect=409)
    assert (refused["product_id"], refused["available"]) == (pot["id"], 1)
    assert state() == before

    # a reused key with another body is a 422 and places nothing
    key = {"Idempotency-Key": uid("k")}
    first = trade.call(
        "POST",
        "/orders",
        Role.PARTICIPANT,
        expect=201,
        headers=key,
        json={"lines": [{"product_id": pid, "quantity": 1}]},
    )
    trade.call(
        "POST",
        "/orders",
        Role.PARTICIPANT,
        expect=422,
        headers=key,
        json={"lines": [{"product_id": pid, "quantity": 2}]},
    )
    replay = trade.call(
        "POST",
        "/orders",
        Role.PARTICIPANT,
        expect=201,
        headers=key,
        json={"lines": [{"product_id": pid, "quantity": 1}]},
    )
    assert replay["id"] == first["id"]
    assert trade.product(pid)["stock"]["reserved"] == 1

    # a recount cannot take reserved units away
    below = trade.call(
        "POST",
        f"/products/{pid}/stock-adjustments",
        *staff,
        expect=422,
        json={"delta": -3, "reason": "a broken loom"},
    )
    assert "1 reserved" in below["detail"]
    after = trade.call(
        "POST",
        f"/products/{pid}/stock-adjustments",
        *staff,
        json={"delta": -2, "reason": "two given to the museum"},
    )
    assert after["stock"] == {"available": 0, "reserved": 1, "sold": 0, "on_hand": 1}


async def test_64_buyers_race_for_the_last_10_units(trade: Trade, infra: Any) -> None:
    g = await formed_group(infra, trade)
    rug = list_product(trade, g, stock=12)
    pid = rug["id"]
    buy(trade, "early-bird", (pid, 2))
    assert trade.product(pid)["stock"]["available"] == 10

    lowest: list[int] = []
    stop = asyncio.Event()

    async with httpx.AsyncClient(base_url=f"{trade.url}/v1", timeout=60) as client:

        async def watch() -> None:
            reader = trade.headers(Role.PARTICIPANT)
            while not stop.is_set():
                r = await client.get(f"/products/{pid}", headers=reader)
                stock = r.json()["stock"]
                lowest.append(min(stock["available"], stock["reserved"]))
                await asyncio.sleep(0.01)

        async def buyer(n: int) -> httpx.Response:
            headers = keyed("POST", trade.headers(Role.PARTICIPANT, subject=f"racer-{n}"))
            return await client.post(
                "/orders", json={"lines": [{"product_id": pid, "quantity": 1}]}, headers=headers
            )

        watcher = asyncio.create_task(watch())
        started = time.monotonic()
        answers = await asyncio.gather(*(buyer(n) for n in range(64)))
        print(f"\none process: 64 buyers answered in {time.monotonic() - started:.2f}s")
        stop.set()
        await watcher

    codes = sorted(r.status_code for r in answers)
    assert codes.count(201) == 10 and codes.count(409) == 54, codes
    for refused in (r for r in answers if r.status_code == 409):
        problem = refused.json()
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert (problem["available"], problem["requested"]) == (0, 1), problem
        assert "0 units left" in problem["detail"]
    assert lowest and min(lowest) >= 0
    assert trade.product(pid)["stock"] == {"available": 0, "reserved": 12, "sold": 0, "on_hand": 12}

    # the ten winners pay: ten units sold, none left, none negative
    for r in (r for r in answers if r.status_code == 201):
        order = r.json()
        assert order["total"] == "850.00"
        buyer_id = next(f"racer-{n}" for n, a in enumerate(answers) if a is r)
        trade.call(
            "POST",
            f"/orders/{order['id']}/payment",
            Role.PARTICIPANT,
            json={"amount": "850.00"},
            claims={"subject": buyer_id},
        )
    final = trade.product(pid)["stock"]
    assert final == {"available": 0, "reserved": 2, "sold": 10, "on_hand": 2}
    assert Decimal(rug["price_mxn"]) * final["sold"] == Decimal("8500.00")


async def race(trade: Trade, urls: list[str], pid: str, buyers: int) -> list[httpx.Response]:
    async with httpx.AsyncClient(timeout=60) as client:

        async def buyer(n: int) -> httpx.Response:
            headers = keyed("POST", trade.headers(Role.PARTICIPANT, subject=f"racer-{n}"))
            return await client.post(
                f"{urls[n % len(urls)]}/v1/orders",
                json={"lines": [{"product_id": pid, "quantity": 1}]},
                headers=headers,
            )

        return list(await asyncio.gather(*(buyer(n) for n in range(buyers))))


async def test_two_processes_race_for_the_last_10_units(
    trade: Trade, infra: Any, platform: Platform
) -> None:
    """The same race through two trade processes on the one store, five times: FerretDB v1 as
    released, whose conditional updates were not atomic, let 11 of 64 buyers have the 10 units
    (deploy/local/ferretdb-atomic-document-writes.patch)."""

    first = platform.processes["trade"]
    second = ServiceProcess("trade", first.port + 100, first.env)
    second.start()
    try:
        second.wait_ready()
        for attempt in range(5):
            g = await formed_group(infra, trade)
            pid = list_product(trade, g, stock=10)["id"]
            started = time.monotonic()
            answers = await race(trade, [first.url, second.url], pid, 64)
            took = time.monotonic() - started
            codes = sorted(r.status_code for r in answers)
            stock = trade.product(pid)["stock"]
            print(
                f"\nattempt {attempt}: {codes.count(201)} x 201, {codes.count(409)} in {took:.2f}s"
            )
            assert codes.count(201) == 10 and codes.count(409) == 54, codes
            assert stock == {"available": 0, "reserved": 10, "sold": 0, "on_hand": 10}
            for r in (r for r in answers if r.status_code == 409):
                assert r.json()["available"] == 0, r.text
        # every winner's order holds its unit: paying them all sells exactly ten
        for n, r in enumerate(answers):
            if r.status_code == 201:
                trade.call(
                    "POST",
                    f"/orders/{r.json()['id']}/payment",
                    Role.PARTICIPANT,
                    json={"amount": "850.00"},
                    claims={"subject": f"racer-{n}"},
                )
        assert trade.product(pid)["stock"] == {
            "available": 0,
            "reserved": 0,
            "sold": 10,
            "on_hand": 0,
        }
    finally:
        second.stop()


async def test_an_unpaid_order_expires_on_the_shared_clock_and_gives_its_units_back(
    trade: Trade, infra: Any
) -> None:
    g = await formed_group(infra, trade)
    pid = list_product(trade, g, stock=3)["id"]
    supervisor = (Role.PROGRAMME_SUPERVISOR,)
    national = {"states": ("*",)}
    async with EventTap(infra.kafka, "trade.events") as tap:
        late = buy(trade, "late-a", (pid, 2))
        later = buy(trade, "late-b", (pid, 1))
        assert trade.product(pid)["stock"]["available"] == 0
        now = datetime.fromisoformat(
            trade.call("GET", "/admin/clock", *supervisor, claims=national)["now"]
        )
        until = datetime.fromisoformat(late["reserved_until"].replace("Z", "+00:00"))
        assert until - now <= timedelta(minutes=30)
        trade.call(
            "PUT",
            "/admin/clock",
            *supervisor,
            json={"instant": (until + timedelta(minutes=1)).isoformat()},
            claims=national,
        )
        deadline = time.monotonic() + 30
        while trade.product(pid)["stock"]["available"] != 3:
            assert time.monotonic() < deadline, trade.product(pid)
            await asyncio.sleep(0.3)
        assert trade.product(pid)["stock"] == {
            "available": 3,
            "reserved": 0,
            "sold": 0,
            "on_hand": 3,
        }
        expired = trade.call(
            "GET", f"/orders/{late['id']}", Role.PARTICIPANT, claims={"subject": "late-a"}
        )
        assert expired["status"] == "expired"
        refused = trade.call(
            "POST",
            f"/orders/{later['id']}/payment",
            Role.PARTICIPANT,
            expect=409,
            json={"amount": "850.00"},
            claims={"subject": "late-b"},
        )
        assert "expired" in refused["detail"] or "ran out" in refused["detail"], refused
        copies = await tap.collect(
            lambda e: (
                e.type == "trade.ReservationExpired"
                and e.data["order_id"] in (late["id"], later["id"])
            ),
            expect=2,
        )
    assert len(distinct(copies)) == 2
