"""Purchase orders over HTTP and Kafka [¶54-¶55, ¶96]: enrollment forms a group with its ODF
and seats a member on the project's Support Committee (trade learns both from its events); a
shop chain and the committee buyer send the group's ODF purchase orders; the ODF's staff accept
one (an order then holds the stock for days; the buyer pays, the ODF ships, SaleCompleted per
producer), decline another, and the buyer withdraws a third. Nobody but the ODF decides (the
buyer, a committee member, a donor, a lender: 403 with rule ¶55), another state's staff are
refused, a decision is taken once, bad requests write nothing, and an acceptance short of stock
is a 409 saying what is left of every product that leaves the purchase order received."""

from __future__ import annotations

import asyncio
import time
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest

from megp_common.auth import Role
from megp_common.launcher import Platform
from megp_common.testing.enrollment_driver import Driver, ok
from megp_common.testing.events import EventTap, distinct
from megp_common.testing.keys import UNKEYED, keyed

from .test_trade_orders import STATE, Trade, formed_group, list_product, uid

pytestmark = pytest.mark.e2e

POS = "/purchase-orders"
STAFF = (Role.ODF_STAFF,)


@pytest.fixture
def trade(platform: Platform, tokens: Any) -> Trade:
    return Trade(platform, tokens)


@pytest.fixture
def drive(platform: Platform, tokens: Any) -> Driver:
    return Driver(platform.processes["enrollment"].url, tokens.header, state=STATE)


def enrolled_group(drive: Driver) -> dict[str, str]:
    """A group with five members and its ODF, the third of them seated on the project's
    Support Committee: all through enrollment's API, learnt by trade from its events."""
    group, members = drive.active_group(members=5)
    committee = ok(
        drive.client.post(
            "/committees",
            json={"kind": "support", "name": "Comité de apoyo", "project_id": group["project_id"]},
            headers=drive.staff,
        ),
        201,
    )
    ok(
        drive.client.post(
            f"/committees/{committee['id']}/members",
            json={
                "name": "Tiendas del Istmo",
                "role": "local",
                "participant_id": members[2],
                "supports": ["purchase_orders"],
            },
            headers=drive.staff,
        ),
        201,
    )
    odf = group["development_organization"]["odf_id"]
    return {
        "group": group["id"],
        "odf": odf,
        "weaver": members[0],
        "potter": members[1],
        "committee": members[2],
    }


def today_of(trade: Trade) -> date:
    clock = trade.call("GET", "/admin/clock", Role.PROGRAMME_SUPERVISOR, claims={"states": ("*",)})
    return datetime.fromisoformat(clock["now"]).date()


def chain(name: str | None = None) -> dict[str, Any]:
    """A shop chain's token: the marketplace's buyer role and the chain's organization."""
    org = name or uid("Abarrotes del Sur")
    return {"subject": uid("chain-clerk"), "organization": org}


def po_body(g: dict[str, str], kind: str, *lines: dict[str, Any]) -> dict[str, Any]:
    return {"group_id": g["group"], "buyer_kind": kind, "lines": list(lines)}


def line(product_id: str, quantity: Any, deliver_on: date, **over: Any) -> dict[str, Any]:
    return {"product_id": product_id, "quantity": quantity, "deliver_on": str(deliver_on)} | over


def submit(
    trade: Trade, body: dict[str, Any], *roles: Role, expect: int = 201, **claims: Any
) -> Any:
    return trade.call("POST", POS, *roles, expect=expect, json=body, claims=claims)


def submit_when_known(trade: Trade, body: dict[str, Any], *roles: Role, **claims: Any) -> Any:
    """Submit once trade has learnt the committee seat from enrollment (403 until then)."""
    deadline = time.monotonic() + 30
    while True:
        headers = keyed("POST", trade.headers(*roles, **claims))
        r = httpx.post(f"{trade.url}/v1{POS}", json=body, headers=headers, timeout=30)
        if r.status_code != 403:
            assert r.status_code == 201, r.text
            return r.json()
        assert time.monotonic() < deadline, r.text
        time.sleep(0.3)


def decide(
    trade: Trade, po_id: str, action: str, *roles: Role, expect: int = 200, **kw: Any
) -> Any:
    body = {"reason": kw.pop("reason")} if "reason" in kw else None
    claims = kw.pop("claims", {"subject": "staff"})
    return trade.call(
        "POST", f"{POS}/{po_id}/{action}", *roles, expect=expect, json=body, claims=claims, **kw
    )


async def test_a_chains_purchase_order_accepted_paid_shipped_and_sold(
    trade: Trade, drive: Driver, infra: Any
) -> None:
    g = enrolled_group(drive)
    today = today_of(trade)
    buyer = chain()
    async with EventTap(infra.kafka, "trade.events") as tap:
        rug = list_product(trade, g, stock=12)
        pot = list_product(
            trade, g, producer_id=g["potter"], name="olla de barro", price_mxn="33.33", stock=5
        )
        body = po_body(
            g,
            "chain",
            line(rug["id"], 4, today + timedelta(days=20), unit_price="800.00"),
            line(pot["id"], 3, today + timedelta(days=30)),
        )
        po = submit(trade, body, Role.PARTICIPANT, **buyer)
        assert (po["status"], po["buyer_kind"], po["buyer"]) == (
            "received",
            "chain",
            buyer["organization"],
        )
        assert po["total"] == "3299.99" and po["odf_id"] == g["odf"] and po["state"] == STATE
        assert [(x["unit_price"], x["list_price"], x["total"]) for x in po["lines"]] == [
            ("800.00", "850.00", "3200.00"),
            ("33.33", "33.33", "99.99"),
        ]
        pid = po["id"]
        # nothing is reserved before the ODF decides
        assert trade.product(rug["id"])["stock"]["reserved"] == 0

        # readers: the buyer (its clerk, or another token of the chain), the state's staff
        assert trade.call("GET", f"{POS}/{pid}", Role.PARTICIPANT, claims=buyer)["id"] == pid
        colleague = {"subject": uid("clerk"), "organization": buyer["organization"]}
        trade.call("GET", f"{POS}/{pid}", Role.PARTICIPANT, claims=colleague)
        trade.call("GET", f"{POS}/{pid}", Role.PARTICIPANT, expect=404, claims=chain())
        trade.call("GET", f"{POS}/{pid}", *STAFF)
        trade.call("GET", f"{POS}/{pid}", *STAFF, expect=403, claims={"states": ("09",)})
        listed = trade.call("GET", f"{POS}?group_id={g['group']}", *STAFF)
        assert [x["id"] for x in listed["items"]] == [pid]
        none = trade.call("GET", f"{POS}?group_id={g['group']}&status=accepted", *STAFF)
        assert none["items"] == []
        theirs = trade.call("GET", f"{POS}?group_id={g['group']}", Role.PARTICIPANT, claims=buyer)
        others = trade.call("GET", f"{POS}?group_id={g['group']}", Role.PARTICIPANT, claims=chain())
        assert [x["id"] for x in theirs["items"]] == [pid] and others["items"] == []

        # [¶55]: the buyer never accepts, nor a committee member, a donor or a lender, even
        # with the staff's role on the same token; nor the staff of another state
        for roles, claims in (
            ((Role.PARTICIPANT,), buyer),
            ((Role.ODF_STAFF, Role.PARTICIPANT), colleague),
            ((Role.COMMITTEE_MEMBER,), {"subject": "cm"}),
            ((Role.ODF_STAFF, Role.COMMITTEE_MEMBER), {"subject": "staff"}),
            ((Role.ODF_STAFF, Role.DONOR_PORTAL), {"subject": "staff"}),
            ((Role.ODF_STAFF, Role.PARTNER_BANK), {"subject": "staff"}),
            ((Role.ODF_STAFF,), {"subject": "staff", "participant_id": g["committee"]}),
        ):
            refused = decide(trade, pid, "acceptance", *roles, expect=403, claims=claims)
            # a bank's token is refused before ¶55 is asked: no trade route is open to banks
            why = "not-this-bank" if Role.PARTNER_BANK in roles else "¶55"
            assert why in (refused.get("rule"), refused["type"].rsplit("/", 1)[-1]), refused
        decide(trade, pid, "acceptance", *STAFF, expect=403, claims={"states": ("09",)})
        decide(trade, pid, "acceptance", *STAFF, expect=403, claims={"organization": uid("odf")})
        assert trade.call("GET", f"{POS}/{pid}", *STAFF)["status"] == "received"
        assert trade.product(rug["id"])["stock"]["reserved"] == 0

        key = {"Idempotency-Key": uid("accept")}
        accepted = decide(trade, pid, "acceptance", *STAFF, headers=key)
        again = decide(trade, pid, "acceptance", *STAFF, headers=key)
        assert again == accepted and accepted["status"] == "accepted"
        twice = decide(trade, pid, "acceptance", *STAFF, expect=409)
        assert "accepted" in twice["detail"]
        decide(trade, pid, "decline", *STAFF, expect=409, reason="changed our mind")
        decide(
            trade,
            pid,
            "withdrawal",
            Role.PARTICIPANT,
            expect=409,
            reason="not for us",
            claims=buyer,
        )

        # the order holds the stock for days, at the agreed prices, for the chain's clerk
        assert trade.product(rug["id"])["stock"] == {
            "available": 8,
            "reserved": 4,
            "sold": 0,
            "on_hand": 12,
        }
        oid = accepted["order_id"]
        order = trade.call("GET", f"/orders/{oid}", Role.PARTICIPANT, claims=buyer)
        assert order["purchase_order_id"] == pid and order["total"] == "3299.99"
        placed = datetime.fromisoformat(order["placed_at"].replace("Z", "+00:00"))
        until = datetime.fromisoformat(order["reserved_until"].replace("Z", "+00:00"))
        assert until - placed == timedelta(days=14)
        # (as stored: the store keeps milliseconds)
        stored = trade.call("GET", f"{POS}/{pid}", Role.PARTICIPANT, claims=buyer)
        assert stored["reserved_until"] == order["reserved_until"]
        trade.call(
            "POST",
            f"/orders/{oid}/payment",
            Role.PARTICIPANT,
            json={"amount": "3299.99"},
            claims=buyer,
        )
        for number in (1, 2):
            trade.call("POST", f"/orders/{oid}/lines/{number}/fulfilment", *STAFF)
        done = trade.call("GET", f"/orders/{oid}", Role.PARTICIPANT, claims=buyer)
        assert done["status"] == "completed"
        assert trade.product(rug["id"])["stock"]["sold"] == 4

        copies = await tap.collect(
            lambda e: e.data.get("purchase_order_id") == pid or e.data.get("order_id") == oid,
            expect=8,
        )
    events = distinct(copies)
    kinds = sorted(e.type.removeprefix("trade.") for e in events)
    assert kinds == sorted(
        ["PurchaseOrderReceived", "PurchaseOrderAccepted", "OrderPlaced", "OrderPaid"]
        + ["OrderLineFulfilled"] * 2
        + ["SaleCompleted"] * 2
    ), kinds
    by_type = {e.type: e for e in events}
    assert by_type["trade.PurchaseOrderAccepted"].data["order_id"] == oid
    assert by_type["trade.PurchaseOrderReceived"].key == g["group"]
    sales = {e.data["producer_id"]: e.data for e in events if e.type == "trade.SaleCompleted"}
    assert (sales[g["weaver"]]["amount"], sales[g["weaver"]]["producer_part"]) == (
        "3200.00",
        "2720.00",
    )
    assert sales[g["potter"]]["amount"] == "99.99"


async def test_a_committee_buyers_orders_declined_and_withdrawn(
    trade: Trade, drive: Driver, infra: Any
) -> None:
    g = enrolled_group(drive)
    today = today_of(trade)
    member = {"subject": uid("cm"), "participant_id": g["committee"]}
    async with EventTap(infra.kafka, "trade.events") as tap:
        rug = list_product(trade, g, stock=4)
        body = po_body(g, "committee", line(rug["id"], 2, today))
        first = submit_when_known(trade, body, Role.COMMITTEE_MEMBER, **member)
        assert (first["buyer_kind"], first["buyer"]) == ("committee", g["committee"])
        # only a participant on the project's Support Committee buys as one [¶54]
        stranger = submit(
            trade, body, Role.COMMITTEE_MEMBER, expect=403, participant_id=g["weaver"]
        )
        assert stranger["rule"] == "¶54"
        # a chain needs its organization on the token
        submit(trade, po_body(g, "chain", line(rug["id"], 1, today)), Role.PARTICIPANT, expect=403)

        # the committee buyer never declines (nor accepts) its own request [¶55]
        own = decide(
            trade,
            first["id"],
            "decline",
            Role.COMMITTEE_MEMBER,
            expect=403,
            reason="not for us",
            claims=member,
        )
        assert own["rule"] == "¶55"
        declined = decide(trade, first["id"], "decline", *STAFF, reason="no looms free in May")
        assert (declined["status"], declined["reason"]) == ("declined", "no looms free in May")
        decide(trade, first["id"], "acceptance", *STAFF, expect=409)
        decide(trade, first["id"], "decline", *STAFF, expect=409, reason="again")

        second = submit(trade, body, Role.COMMITTEE_MEMBER, **member)
        decide(
            trade,
            second["id"],
            "withdrawal",
            Role.PARTICIPANT,
            expect=403,
            reason="not yours",
            claims={"subject": "someone"},
        )
        withdrawn = decide(
            trade, second["id"], "withdrawal", Role.COMMITTEE_MEMBER, reason="bought", claims=member
        )
        assert withdrawn["status"] == "withdrawn"
        decide(trade, second["id"], "acceptance", *STAFF, expect=409)
        assert trade.product(rug["id"])["stock"]["reserved"] == 0
        listed = trade.call("GET", f"{POS}?group_id={g['group']}&status=withdrawn", *STAFF)
        assert [x["id"] for x in listed["items"]] == [second["id"]]

        copies = await tap.collect(
            lambda e: e.data.get("purchase_order_id") in (first["id"], second["id"]), expect=4
        )
    kinds = sorted(e.type.removeprefix("trade.") for e in distinct(copies))
    assert kinds == sorted(
        ["PurchaseOrderReceived"] * 2 + ["PurchaseOrderDeclined", "PurchaseOrderWithdrawn"]
    ), kinds


async def test_bad_purchase_orders_write_nothing_and_short_stock_leaves_one_received(
    trade: Trade, drive: Driver, infra: Any
) -> None:
    g = enrolled_group(drive)
    other = await formed_group(infra, trade)
    today = today_of(trade)
    buyer = chain()
    rug = list_product(trade, g, stock=3)
    pot = list_product(trade, g, producer_id=g["potter"], name="olla", stock=10)
    foreign = list_product(trade, other, stock=3)

    def state() -> Any:
        pos = trade.call("GET", f"{POS}?group_id={g['group']}", *STAFF)["items"]
        stock = [trade.product(p)["stock"] for p in (rug["id"], pot["id"], foreign["id"])]
        return pos, stock

    before = state()
    good = line(rug["id"], 1, today)
    for lines, expect in (
        ([line(uid("no-such"), 1, today)], 404),
        ([line(foreign["id"], 1, today)], 422),
        ([line(rug["id"], 0, today)], 422),
        ([line(rug["id"], -2, today)], 422),
        ([line(rug["id"], "2", today)], 422),
        ([line(rug["id"], 1.5, today)], 422),
        ([line(rug["id"], 1, today - timedelta(days=1))], 422),
        ([line(rug["id"], 1, today + timedelta(days=366))], 422),
        ([line(rug["id"], 1, today, unit_price="1.001")], 422),
        ([line(rug["id"], 1, today, unit_price="-5.00")], 422),
        ([good, good], 422),
        ([], 422),
        ([good | {"colour": "red"}], 422),
    ):
        refused = submit(
            trade, po_body(g, "chain", *lines), Role.PARTICIPANT, expect=expect, **buyer
        )
        if lines and lines[0]["product_id"] == foreign["id"]:
            assert refused["rule"] == "¶94", refused
        if expect == 422 and lines and lines[0]["deliver_on"] != str(today):
            assert "delivery date" in refused["detail"], refused
    submit(
        trade,
        po_body(g, "chain", good) | {"group_id": uid("g")},
        Role.PARTICIPANT,
        expect=404,
        **buyer,
    )
    submit(
        trade,
        po_body(g, "chain", good),
        Role.PARTICIPANT,
        expect=403,
        **buyer,
        states=("09",),
    )
    trade.call(
        "POST",
        POS,
        Role.PARTICIPANT,
        expect=428,
        json=po_body(g, "chain", good),
        claims=buyer,
        headers=UNKEYED,
    )
    assert state() == before

    # accepting more than is left is a 409 saying what is left of every product; the
    # purchase order stays received, nothing is reserved, and it is accepted once stock came
    wanted = submit(
        trade,
        po_body(g, "chain", line(pot["id"], 2, today), line(rug["id"], 5, today)),
        Role.PARTICIPANT,
        **buyer,
    )
    stock_before = state()[1]
    short = decide(trade, wanted["id"], "acceptance", *STAFF, expect=409)
    assert (short["product_id"], short["requested"], short["available"]) == (rug["id"], 5, 3)
    assert short["lines"] == [
        {"product_id": pot["id"], "requested": 2, "available": 10},
        {"product_id": rug["id"], "requested": 5, "available": 3},
    ]
    assert "3 units left" in short["detail"]
    assert trade.call("GET", f"{POS}/{wanted['id']}", *STAFF)["status"] == "received"
    assert state()[1] == stock_before
    trade.call(
        "POST",
        f"/products/{rug['id']}/stock-adjustments",
        *STAFF,
        json={"delta": 2, "reason": "two more woven"},
    )
    accepted = decide(trade, wanted["id"], "acceptance", *STAFF)
    assert accepted["status"] == "accepted"
    assert trade.product(rug["id"])["stock"]["reserved"] == 5
    assert trade.product(pot["id"])["stock"]["reserved"] == 2
    decide(trade, wanted["id"], "acceptance", *STAFF, expect=409)


async def test_racing_decisions_reserve_once_and_a_lost_acceptance_gives_its_units_back(
    trade: Trade, drive: Driver
) -> None:
    """Eight staff accept one purchase order at once: one 200, seven 409, the units held once.
    Then, five times, the ODF accepts while the buyer withdraws: whichever wins, the stock
    says so (held by the accepted order, or all given back when the withdrawal won)."""
    g = enrolled_group(drive)
    today = today_of(trade)
    buyer = chain()
    rug = list_product(trade, g, stock=40)
    body = po_body(g, "chain", line(rug["id"], 3, today))

    async with httpx.AsyncClient(base_url=f"{trade.url}/v1", timeout=60) as client:

        async def post(path: str, headers: dict[str, str], json: Any = None) -> httpx.Response:
            return await client.post(path, json=json, headers=keyed("POST", headers))

        po = submit(trade, body, Role.PARTICIPANT, **buyer)
        staff = [trade.headers(*STAFF, subject=f"staff-{n}") for n in range(8)]
        answers = await asyncio.gather(*(post(f"{POS}/{po['id']}/acceptance", h) for h in staff))
        codes = sorted(r.status_code for r in answers)
        assert codes == [200] + [409] * 7, [r.text for r in answers]
        assert trade.product(rug["id"])["stock"]["reserved"] == 3

        reserved, outcomes = 3, []
        clerk = trade.headers(Role.PARTICIPANT, **buyer)
        for _ in range(5):
            po = submit(trade, body, Role.PARTICIPANT, **buyer)
            accept, withdraw = await asyncio.gather(
                post(f"{POS}/{po['id']}/acceptance", staff[0]),
                post(f"{POS}/{po['id']}/withdrawal", clerk, {"reason": "found it elsewhere"}),
            )
            final = trade.call("GET", f"{POS}/{po['id']}", *STAFF)
            outcomes.append((accept.status_code, withdraw.status_code, final["status"]))
            if final["status"] == "accepted":
                assert (accept.status_code, withdraw.status_code) == (200, 409)
                reserved += 3
                order = trade.call(
                    "GET", f"/orders/{final['order_id']}", Role.PARTICIPANT, claims=buyer
                )
                assert order["status"] == "reserved"
            else:
                assert final["status"] == "withdrawn" and withdraw.status_code == 200
                assert accept.status_code == 409, accept.text
            assert trade.product(rug["id"])["stock"]["reserved"] == reserved, outcomes
    print(f"\naccept against withdraw: {outcomes}")
