"""The marketplace's reports against the running platform: three producers enrolled through
enrollment (a woman, an indigenous man, another man) sell through their group's ODF; trade
learns their gender and indigenous flag from enrollment's events and writes each sold line to
its ledger from its own `SaleCompleted`. The reports give the figures to the centavo; a
retried fulfilment, a redelivered `SaleCompleted` and a second event for the same sale count
nothing twice; a producer's later change does not rewrite a past sale; supervisors read only
their states and ODF staff only their ODF; bad parameters are 422 problems. A purchasing round
of the same group shows in the savings report with what the round itself reports."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import httpx
import orjson
import pytest

from megp_common.auth import Role
from megp_common.bus import KafkaBus, OutgoingRecord
from megp_common.contracts import trade as trade_events
from megp_common.events import EventEnvelope, make_event
from megp_common.launcher import Platform
from megp_common.testing.enrollment_driver import Driver, ok
from megp_common.testing.events import EventTap, Published, distinct
from megp_common.testing.keys import keyed
from megp_common.testing.waits import EVENT_WAIT_S

pytestmark = pytest.mark.e2e

#: a state of this test's own, so a state's figures are this test's sales
STATE, ELSEWHERE = "27", "09"
REPORTS = "/reports"


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4()}"


class Trade:
    def __init__(self, platform: Platform, tokens: Any) -> None:
        self.url = platform.processes["trade"].url
        self.tokens = tokens

    def header(self, *roles: Role, states: tuple[str, ...] = (STATE,), **claims: Any) -> Any:
        return self.tokens.header(*roles, states=states, **claims)

    def call(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        *,
        expect: int = 200,
        **kw: Any,
    ) -> Any:
        response = httpx.request(
            method, f"{self.url}/v1{path}", headers=keyed(method, headers), timeout=30, **kw
        )
        assert response.status_code == expect, f"{method} {path}: {response.text}"
        if expect >= 400:
            assert response.headers["content-type"].startswith("application/problem+json")
        return response.json()

    def report(
        self,
        name: str,
        headers: dict[str, str],
        *,
        expect: int = 200,
        period: dict[str, str] | None = None,
        **params: str,
    ) -> Any:
        """A report; `period` holds `from` and `to` (not Python names)."""
        query = params | (period or {})
        return self.call("GET", f"{REPORTS}/{name}", headers, expect=expect, params=query)


@pytest.fixture
def trade(platform: Platform, tokens: Any) -> Trade:
    return Trade(platform, tokens)


def eventually(check: Any, what: str, within_s: float = EVENT_WAIT_S) -> Any:
    deadline = time.monotonic() + within_s
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, what
        time.sleep(0.3)


def share(part: str, whole: str) -> str:
    exact = Decimal(part) / Decimal(whole)
    return str(exact.quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN))


def by_key(report: dict[str, Any]) -> dict[str, tuple[int, int, str, str]]:
    return {
        g["key"]: (g["lines"], g["units"], g["amount"], g["producer_part"])
        for g in report["groups"]
    }


async def republish(kafka: str, events: list[EventEnvelope]) -> None:
    bus = KafkaBus(kafka, service="e2e-test")
    await bus.start()
    try:
        await bus.publish_many(
            [OutgoingRecord("trade.events", e.partitionkey, e.to_json(), e.type) for e in events]
        )
    finally:
        await bus.stop()


def envelope_of(published: Published) -> EventEnvelope:
    return EventEnvelope.from_json(orjson.dumps(published.envelope))


async def test_sales_reports_to_the_centavo_counted_once_and_read_in_scope(
    trade: Trade, platform: Platform, tokens: Any, infra: Any
) -> None:
    drive = Driver(platform.processes["enrollment"].url, tokens.header, state=STATE)
    ana = drive.enroll(female=True)["id"]
    tomas = drive.enroll(female=False, indigenous=True)["id"]
    luis = drive.enroll(female=False)["id"]
    # two more members who sell nothing: a group registers its ODF with five [¶49]
    quiet = [drive.enroll()["id"] for _ in range(2)]
    group = drive.form_group()
    gid = group["id"]
    for pid in (ana, tomas, luis, *quiet):
        ok(drive.join(gid, pid), 201)
    ok(drive.register_odf(gid), 201)
    odf = ok(drive.client.get(f"/groups/{gid}", headers=drive.staff))["development_organization"][
        "odf_id"
    ]
    staff = trade.header(Role.ODF_STAFF, subject=uid("staff"), organization=odf)
    supervisor = trade.header(Role.PROGRAMME_SUPERVISOR, subject="state-supervisor")
    national = trade.header(Role.PROGRAMME_SUPERVISOR, states=("*",), subject="national")
    before = trade.report("inclusion", supervisor, state=STATE)["states"]

    def list_product(
        producer: str, name: str, price: str, niche: str, programmes: list[str]
    ) -> Any:
        body = {
            "group_id": gid,
            "producer_id": producer,
            "name": name,
            "category": "crafts",
            "niche": niche,
            "unit": "piece",
            "price_mxn": price,
            "stock": 20,
            "programmes": programmes,
        }

        def listed() -> Any:
            r = httpx.post(
                f"{trade.url}/v1/products", json=body, headers=keyed("POST", staff), timeout=30
            )
            if r.status_code == 404:  # trade has not learnt the group and its members yet
                return None
            assert r.status_code == 201, r.text
            return r.json()

        return eventually(listed, "trade never learnt the group")["id"]

    rebozo = list_product(ana, "rebozo", "850.00", "fair-trade shops", ["popular art", "women"])
    olla = list_product(tomas, "olla", "33.33", "tourism", ["indigenous communities"])
    mezcal = list_product(luis, "mezcal", "120.50", "local markets", [])
    buyer = trade.header(Role.PARTICIPANT, subject=uid("buyer"))

    def sell(*lines: tuple[str, int]) -> dict[str, Any]:
        body = {"lines": [{"product_id": p, "quantity": q} for p, q in lines]}
        order: dict[str, Any] = trade.call("POST", "/orders", buyer, expect=201, json=body)
        trade.call("POST", f"/orders/{order['id']}/payment", buyer, json={"amount": order["total"]})
        return order

    async with EventTap(infra.kafka, "trade.events") as tap:
        first = sell((rebozo, 2), (olla, 3), (mezcal, 1))
        assert first["total"] == "1920.49"
        oid = first["id"]
        keys = {n: {"Idempotency-Key": uid("ship")} for n in (1, 2, 3)}
        for n in (1, 2, 3):
            trade.call("POST", f"/orders/{oid}/lines/{n}/fulfilment", staff | keys[n])
        # the same fulfilment retried: with its key (the answer replayed) and with a new one
        trade.call("POST", f"/orders/{oid}/lines/1/fulfilment", staff | keys[1])
        trade.call("POST", f"/orders/{oid}/lines/1/fulfilment", staff)
        sales = await tap.collect(
            lambda e: e.type == "trade.SaleCompleted" and e.data["order_id"] == oid, expect=3
        )
    sales = distinct(sales)
    assert sorted(e.data["producer_id"] for e in sales) == sorted([ana, tomas, luis])
    sold_on = sales[0].data["completed_on"]

    def ledger_shows(lines: int) -> Any:
        report = trade.report("sales", staff, by="producer")
        return report if report["total"]["lines"] == lines else None

    eventually(lambda: ledger_shows(3), "the ledger never showed the three lines")
    # redelivered: the very event again, and another event for the same sale (a new id)
    ana_sale = envelope_of(next(e for e in sales if e.data["producer_id"] == ana))
    payload = ana_sale.payload()
    assert isinstance(payload, trade_events.SaleCompleted)
    again = make_event(
        payload,
        source="/megp/trade",
        key=ana_sale.partitionkey,
        time=datetime.now(ana_sale.time.tzinfo),
        state=STATE,
    )
    await republish(infra.kafka, [ana_sale, again, ana_sale])
    # luis declares himself indigenous after his sale: his past line stays as it was sold
    etag = drive.client.get(f"/participants/{luis}", headers=drive.staff).headers["ETag"]
    ok(
        drive.client.patch(
            f"/participants/{luis}",
            json={"indigenous": True},
            headers=drive.staff | {"If-Match": etag},
        )
    )
    # a later sale of the same group: keyed by the group like the copies above, so on the
    # same partition behind them; once it shows, the copies were handled
    second = sell((rebozo, 1))
    trade.call("POST", f"/orders/{second['id']}/lines/1/fulfilment", staff)
    eventually(lambda: ledger_shows(4), "the ledger never showed the later sale")
    await asyncio.sleep(1.0)  # anything counted twice would show by now

    # -- sales by producer, to the centavo: 2 x 850.00 and 850.00; 3 x 33.33; 120.50
    mine = trade.report("sales", staff, by="producer")
    assert by_key(mine) == {
        ana: (2, 3, "2550.00", "2167.50"),  # 1445.00 + 722.50 (15 % off 1700.00 and 850.00)
        tomas: (1, 3, "99.99", "84.99"),  # fee 10.00 (9.999), logistics 5.00 (4.9995)
        luis: (1, 1, "120.50", "102.43"),  # fee 12.05, logistics 6.02 (6.025, half-even)
    }
    assert mine["total"] == {
        "lines": 4,
        "returns": 0,
        "units": 7,
        "amount": "2770.49",
        "producer_part": "2354.92",
        "channel_fee": "277.05",
        "logistics": "138.52",
    }
    assert mine["currency"] == "MXN" and mine["by"] == "producer"
    for by, expected in (
        ("odf", {odf: (4, 7, "2770.49", "2354.92")}),
        ("state", {STATE: (4, 7, "2770.49", "2354.92")}),
        ("channel", {"marketplace": (4, 7, "2770.49", "2354.92")}),
        (
            "niche",
            {
                "fair-trade shops": (2, 3, "2550.00", "2167.50"),
                "tourism": (1, 3, "99.99", "84.99"),
                "local markets": (1, 1, "120.50", "102.43"),
            },
        ),
        (
            "programme",
            {
                "popular art": (2, 3, "2550.00", "2167.50"),
                "women": (2, 3, "2550.00", "2167.50"),
                "indigenous communities": (1, 3, "99.99", "84.99"),
                "(none)": (1, 1, "120.50", "102.43"),
            },
        ),
    ):
        assert by_key(trade.report("sales", staff, by=by)) == expected, by
    # the period: the day of the sales, and none the day after
    day = trade.report("sales", staff, by="odf", period={"from": sold_on, "to": sold_on})
    assert day["total"]["amount"] == "2770.49" and day["since"] == sold_on
    after = (datetime.fromisoformat(sold_on) + timedelta(days=1)).date().isoformat()
    assert trade.report("sales", staff, period={"from": after})["total"]["lines"] == 0

    # -- the state's supervisor sees the same producers' rows
    state_rows = by_key(trade.report("sales", supervisor, by="producer", state=STATE))
    assert {k: state_rows[k] for k in (ana, tomas, luis)} == by_key(mine)

    # -- the producer's share, per channel
    (channel,) = trade.report("producer-shares", staff)["channels"]
    assert channel["channel"] == "marketplace" and channel["lines"] == 4
    # 1445/1700 = 722.50/850 = 0.85, 84.99/99.99 = 0.84998.., 102.43/120.50 = 0.85004..
    assert (channel["minimum"], channel["median"], channel["maximum"]) == (
        "0.8500",
        "0.8500",
        "0.8500",
    )
    assert channel["weighted"] == share("2354.92", "2770.49")
    assert {(b["share_from"], b["lines"]) for b in channel["buckets"] if b["lines"]} == {
        ("0.8000", 4)
    }
    assert trade.report("producer-shares", staff, channel="elsewhere")["channels"] == []

    # -- women's and indigenous producers' share: ana's sales, tomas's (luis sold before he
    # declared himself indigenous)
    inclusion = trade.report("inclusion", staff)
    overall = inclusion["overall"]
    assert (overall["producers"], overall["lines"], overall["amount"]) == (3, 4, "2770.49")
    assert overall["women"] == {
        "producers": 1,
        "lines": 2,
        "amount": "2550.00",
        "producer_part": "2167.50",
        "sales_share": share("2550.00", "2770.49"),
        "income_share": share("2167.50", "2354.92"),
    }
    assert overall["indigenous"] == {
        "producers": 1,
        "lines": 1,
        "amount": "99.99",
        "producer_part": "84.99",
        "sales_share": share("99.99", "2770.49"),
        "income_share": share("84.99", "2354.92"),
    }
    assert overall["unknown_lines"] == 0
    assert [s["state"] for s in inclusion["states"]] == [STATE]
    assert {k: v for k, v in inclusion["states"][0].items() if k != "state"} == overall
    # the state's supervisor: the state's figures grew by exactly these sales
    (now_state,) = trade.report("inclusion", supervisor, state=STATE)["states"]
    was = before[0] if before else None

    def grew(field: str, sub: str | None = None) -> Decimal:
        def value(row: dict[str, Any] | None) -> Decimal:
            if row is None:
                return Decimal(0)
            return Decimal(str(row[sub][field] if sub else row[field]))

        return value(now_state) - value(was)

    assert (grew("amount"), grew("producer_part")) == (Decimal("2770.49"), Decimal("2354.92"))
    assert (grew("amount", "women"), grew("producer_part", "indigenous")) == (
        Decimal("2550.00"),
        Decimal("84.99"),
    )

    # -- scope: another state's supervisor, another ODF's staff, anyone else
    outsider = trade.header(Role.PROGRAMME_SUPERVISOR, states=(ELSEWHERE,), subject="sup-09")
    for name in ("sales", "producer-shares", "inclusion", "purchasing-savings"):
        refused = trade.report(name, outsider, expect=403, state=STATE)
        assert STATE in refused["detail"], refused
        trade.report(name, staff, expect=403, state=ELSEWHERE)
        trade.report(name, trade.header(Role.PARTICIPANT, subject=ana), expect=403)
        trade.report(name, trade.header(Role.ODF_STAFF, subject="no-org"), expect=403)
        trade.report(name, trade.header(Role.BOARD_REPRESENTATIVE, participant_id=ana), expect=403)
    theirs = trade.report("sales", outsider, by="producer")
    assert not {ana, tomas, luis} & set(by_key(theirs))
    other_odf = trade.header(Role.ODF_STAFF, subject="other-staff", organization=uid("odf"))
    assert trade.report("sales", other_odf, by="producer")["total"]["lines"] == 0
    trade.report("sales", other_odf, expect=403, odf_id=odf)
    assert trade.report("sales", national, odf_id=odf)["total"]["amount"] == "2770.49"

    # -- bad parameters: 422 problems, never a 500
    for params in (
        {"by": "municipality"},
        {"from": "2027-13-01"},
        {"from": "1999-12-31"},
        {"to": "2101-01-01"},
        {"from": "2027-03-02", "to": "2027-03-01"},
        {"state": "33"},
        {"state": "9"},
        {"channel": "a b"},
        {"channel": "x" * 101},
        {"odf_id": ""},
    ):
        problem = trade.report("sales", national, expect=422, period=params)
        assert problem["status"] == 422, params


def test_the_savings_report_shows_each_round_as_the_round_does(
    trade: Trade, platform: Platform, tokens: Any
) -> None:
    drive = Driver(platform.processes["enrollment"].url, tokens.header, state=STATE)
    group, members = drive.active_group(members=5)
    gid, odf = group["id"], group["development_organization"]["odf_id"]
    staff = trade.header(Role.ODF_STAFF, subject=uid("staff"), organization=odf)
    national = trade.header(Role.PROGRAMME_SUPERVISOR, states=("*",), subject="national")
    now = datetime.fromisoformat(trade.call("GET", "/admin/clock", national)["now"])
    closes_at = now + timedelta(minutes=5)
    body = {
        "group_ids": [gid],
        "item": "lana cardada",
        "kind": "raw_material",
        "unit": "kg",
        "closes_at": closes_at.isoformat(),
    }

    def opened() -> Any:
        r = httpx.post(f"{trade.url}/v1/purchasing-rounds", json=body, headers=keyed("POST", staff))
        if r.status_code == 404:
            return None
        assert r.status_code == 201, r.text
        return r.json()

    rid = eventually(opened, "trade never learnt the group")["id"]
    rounds = f"/purchasing-rounds/{rid}"
    for who, quantity in zip(members[:3], (7, 5, 1), strict=True):
        trade.call(
            "POST",
            f"{rounds}/demands",
            staff,
            json={"participant_id": who, "group_id": gid, "quantity": quantity},
        )
    quote = {
        "supplier_id": "hilanderia-norte",
        "supplier_name": "Hilandería del Norte SA",
        "tiers": [
            {"min_quantity": 1, "unit_price": "12.3333"},
            {"min_quantity": 10, "unit_price": "10.0001"},
        ],
        "delivery_charge": "45.67",
    }
    quoted = trade.call("POST", f"{rounds}/quotes", staff, expect=201, json=quote)
    # no choice yet: the round is not in the report
    assert rid not in {
        r["round_id"] for r in trade.report("purchasing-savings", national)["rounds"]
    }
    trade.call(
        "PUT",
        "/admin/clock",
        national,
        json={"instant": (closes_at + timedelta(minutes=1)).isoformat()},
    )
    eventually(
        lambda: (
            datetime.fromisoformat(trade.call("GET", "/admin/clock", national)["now"]) >= closes_at
        ),
        "trade never saw the clock move",
    )
    trade.call("POST", f"{rounds}/closing", staff)
    trade.call(
        "POST",
        f"{rounds}/choice",
        staff,
        json={"quote_id": quoted["quotes"][0]["quote_id"], "group_id": gid},
    )
    own = trade.call("GET", f"{rounds}/savings", staff)

    mine = trade.report("purchasing-savings", staff)
    assert [r["round_id"] for r in mine["rounds"]] == [rid]
    (row,) = mine["rounds"]
    # 13 kg at 10.0001 = 130.00 + 45.67 delivery; alone 132.00 + 107.34 + 58.00
    assert (row["chosen_cost"], row["pooled_cost"], row["alone_cost"], row["saving"]) == (
        "175.67",
        "175.67",
        "297.34",
        "121.67",
    )
    assert (row["pooled_cost"], row["alone_cost"], row["saving"]) == (
        own["pooled_cost"],
        own["alone_cost"],
        own["saving"],
    )
    assert (row["state"], row["pooled_quantity"], row["members"]) == (STATE, 13, 3)
    assert mine["total"] == {
        "rounds": 1,
        "chosen_cost": "175.67",
        "pooled_cost": "175.67",
        "alone_cost": "297.34",
        "saving": "121.67",
    }
    # nationally: every chosen round, each as it reports itself, and the total their sum
    everything = trade.report("purchasing-savings", national)
    assert rid in {r["round_id"] for r in everything["rounds"]}
    assert Decimal(everything["total"]["saving"]) == sum(
        Decimal(r["saving"]) for r in everything["rounds"]
    )
    assert everything["total"]["rounds"] == len(everything["rounds"])
    elsewhere = trade.header(Role.PROGRAMME_SUPERVISOR, states=(ELSEWHERE,), subject="sup-09")
    assert rid not in {
        r["round_id"] for r in trade.report("purchasing-savings", elsewhere)["rounds"]
    }
    trade.report("purchasing-savings", elsewhere, expect=403, state=STATE)
