"""Sales channels over HTTP and Kafka, with the other services running [¶53, ¶96, ¶97]: the
marketplace and a trade center of the group's ODF split the same product by their own terms,
an alliance sells to its chain only, a state-bound channel refuses a buyer of another state
with nothing reserved, a closed channel takes no orders; a product withdrawn from sale takes no
new orders while its reservations are honoured; and a sale in dollars through an association
of Mexicans abroad, converted at the day's recorded rate, is counted in pesos in the member's
period results through the real broker."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import httpx
import pytest

from megp_common.auth import Role
from megp_common.launcher import Platform
from megp_common.testing.enrollment_driver import Driver
from megp_common.testing.events import EventTap, distinct
from megp_common.testing.keys import keyed

from .test_funds_support import eventually
from .test_trade_orders import STATE, Trade, formed_group, list_product, uid

pytestmark = pytest.mark.e2e

CENT = Decimal("0.01")
NATIONAL = {"states": ("*",)}


@pytest.fixture
def trade(platform: Platform, tokens: Any) -> Trade:
    return Trade(platform, tokens)


def order_body(product_id: str, quantity: int = 1, **over: Any) -> dict[str, Any]:
    return {"lines": [{"product_id": product_id, "quantity": quantity}]} | over


def center_body(g: dict[str, str], **over: Any) -> dict[str, Any]:
    return {
        "kind": "trade_center",
        "name": "Casa de las Artesanías de Oaxaca",
        "fee_rate": "0.08",
        "logistics_rate": "0.04",
        "states": [STATE],
        "odf_ids": [g["odf"]],
    } | over


def alliance_body(chain: str, **over: Any) -> dict[str, Any]:
    return {
        "kind": "alliance",
        "name": "Cadena de Tiendas del Sur",
        "fee_rate": "0.15",
        "logistics_rate": "0.03",
        "states": [STATE],
        "buyer_organization": chain,
    } | over


def parts(line: dict[str, Any]) -> tuple[str, str, str, str]:
    s = line["split"]
    return s["total"], s["channel_fee"], s["logistics"], s["producer_part"]


async def test_each_channel_splits_by_its_own_terms_and_sells_to_its_own_buyers(
    trade: Trade, infra: Any
) -> None:
    g = await formed_group(infra, trade)
    odf = {"organization": g["odf"]}
    chain = uid("chain")
    async with EventTap(infra.kafka, "trade.events") as tap:
        rug = list_product(trade, g)
        market = trade.call("GET", "/channels/marketplace", Role.PARTICIPANT)
        assert (market["kind"], market["producer_share"], market["state_bound"]) == (
            "marketplace",
            "0.85",
            True,
        )
        key = {"Idempotency-Key": uid("center")}
        center = trade.call(
            "POST",
            "/channels",
            Role.ODF_STAFF,
            expect=201,
            json=center_body(g),
            headers=key,
            claims=odf,
        )
        replay = trade.call(
            "POST",
            "/channels",
            Role.ODF_STAFF,
            expect=201,
            json=center_body(g),
            headers=key,
            claims=odf,
        )
        assert replay == center
        assert (center["producer_share"], center["state_bound"], center["odf_ids"]) == (
            "0.88",
            True,
            [g["odf"]],
        )
        # its owners are shown to readers of its state only; its terms to everyone
        seen = trade.call(
            "GET", f"/channels/{center['id']}", Role.PARTICIPANT, claims={"states": ("09",)}
        )
        assert seen["odf_ids"] is None and seen["fee_rate"] == "0.08"
        centers = trade.call("GET", "/channels?kind=trade_center&limit=500", Role.PARTICIPANT)
        assert center["id"] in {c["id"] for c in centers}

        # the same rug, two channels, two splits; the product's published share stays 85 %
        on_market = trade.call(
            "POST",
            "/orders",
            Role.PARTICIPANT,
            expect=201,
            json=order_body(rug["id"], 2),
            claims={"subject": "buyer-m"},
        )
        at_center = trade.call(
            "POST",
            "/orders",
            Role.PARTICIPANT,
            expect=201,
            json=order_body(rug["id"], 2, channel_id=center["id"]),
            claims={"subject": "buyer-c"},
        )
        assert on_market["channel"] == "marketplace"
        assert parts(on_market["lines"][0]) == ("1700.00", "170.00", "85.00", "1445.00")
        assert at_center["channel"] == at_center["lines"][0]["channel_id"] == center["id"]
        assert parts(at_center["lines"][0]) == ("1700.00", "136.00", "68.00", "1496.00")
        assert (at_center["lines"][0]["fee_rate"], at_center["lines"][0]["logistics_rate"]) == (
            "0.08",
            "0.04",
        )
        assert trade.product(rug["id"])["producer_share"] == "0.85"

        # the alliance: registered by a supervisor of its state, sells to its chain only
        alliance = trade.call(
            "POST", "/channels", Role.PROGRAMME_SUPERVISOR, expect=201, json=alliance_body(chain)
        )
        stock = trade.product(rug["id"])["stock"]
        refused = trade.call(
            "POST",
            "/orders",
            Role.PARTICIPANT,
            expect=403,
            json=order_body(rug["id"], channel_id=alliance["id"]),
        )
        assert refused["rule"] == "¶96"
        bought = trade.call(
            "POST",
            "/orders",
            Role.PARTICIPANT,
            expect=201,
            json=order_body(rug["id"], channel_id=alliance["id"]),
            claims={"organization": chain, "subject": "chain-buyer"},
        )
        assert parts(bought["lines"][0]) == ("850.00", "127.50", "25.50", "697.00")

        # state-bound: the chain's buyer in another state is refused, with nothing reserved
        stock = trade.product(rug["id"])["stock"]
        trade.call(
            "POST",
            "/orders",
            Role.PARTICIPANT,
            expect=403,
            json=order_body(rug["id"], channel_id=center["id"]),
            claims={"states": ("09",)},
        )
        trade.call(
            "POST",
            "/orders",
            Role.PARTICIPANT,
            expect=403,
            json=order_body(rug["id"], channel_id=alliance["id"]),
            claims={"organization": chain, "states": ("09",)},
        )
        # pesos only: a USD order there is a 422
        usd = trade.call(
            "POST",
            "/orders",
            Role.PARTICIPANT,
            expect=422,
            json=order_body(rug["id"], channel_id=center["id"], currency="USD"),
        )
        assert "USD" in usd["detail"]
        trade.call(
            "POST",
            "/orders",
            Role.PARTICIPANT,
            expect=404,
            json=order_body(rug["id"], channel_id=uid("no-such-channel")),
        )
        assert trade.product(rug["id"])["stock"] == stock

        # closing: by the owners' staff; no new orders through it, the placed ones go on
        closed = trade.call(
            "POST",
            f"/channels/{center['id']}/closing",
            Role.ODF_STAFF,
            json={"reason": "the lease ended"},
            claims=odf,
        )
        assert closed["status"] == "closed"
        trade.call(
            "POST",
            "/orders",
            Role.PARTICIPANT,
            expect=409,
            json=order_body(rug["id"], channel_id=center["id"]),
        )
        assert trade.product(rug["id"])["stock"] == stock
        paid = trade.call(
            "POST",
            f"/orders/{at_center['id']}/payment",
            Role.PARTICIPANT,
            json={"amount": "1700.00"},
            claims={"subject": "buyer-c"},
        )
        assert paid["status"] == "paid" and paid["total_mxn"] == "1700.00"

        copies = await tap.collect(
            lambda e: e.data.get("channel_id") in (center["id"], alliance["id"]), expect=3
        )
    kinds = sorted(e.type.removeprefix("trade.") for e in distinct(copies))
    assert kinds == ["ChannelClosed", "ChannelRegistered", "ChannelRegistered"], kinds


def test_bad_channels_and_rates_are_refused_and_write_nothing(trade: Trade) -> None:
    g = {"odf": uid("odf")}

    def channels() -> list[Any]:
        found = trade.call("GET", "/channels?limit=500", Role.PROGRAMME_SUPERVISOR)
        return sorted((c["id"], c["version"]) for c in found)

    before = channels()
    for bad in (
        {"fee_rate": "1.00"},
        {"fee_rate": "-0.01"},
        {"fee_rate": "0.10001"},
        {"fee_rate": 0.1},
        {"logistics_rate": "1e-1"},
    ):
        trade.call(
            "POST",
            "/channels",
            Role.PROGRAMME_SUPERVISOR,
            expect=422,
            json=alliance_body("c", **bad),
        )
    summed = trade.call(
        "POST",
        "/channels",
        Role.PROGRAMME_SUPERVISOR,
        expect=422,
        json=alliance_body("c", fee_rate="0.60", logistics_rate="0.40"),
    )
    assert summed["rule"] == "¶97"
    for shape in ({"kind": "marketplace"}, {"currencies": ["EUR"]}, {"states": ["33"]}):
        trade.call(
            "POST",
            "/channels",
            Role.PROGRAMME_SUPERVISOR,
            expect=422,
            json=alliance_body("c", **shape),
        )
    trade.call(
        "POST",
        "/channels",
        Role.PROGRAMME_SUPERVISOR,
        expect=422,
        json=alliance_body("c", buyer_organization=None),
    )
    # who registers: a supervisor of the channel's states, the staff of an owning ODF
    trade.call("POST", "/channels", Role.ODF_STAFF, expect=403, json=alliance_body("c"))
    trade.call(
        "POST",
        "/channels",
        Role.PROGRAMME_SUPERVISOR,
        expect=403,
        json=alliance_body("c"),
        claims={"states": ("09",)},
    )
    trade.call(
        "POST",
        "/channels",
        Role.PROGRAMME_SUPERVISOR,
        expect=403,
        json=alliance_body("c", states=[]),
        claims={"states": (STATE,)},
    )  # national
    trade.call(
        "POST",
        "/channels",
        Role.ODF_STAFF,
        expect=403,
        json=center_body(g),
        claims={"organization": uid("another-odf")},
    )
    hat = trade.call(
        "POST", "/channels", Role.ODF_STAFF, Role.DONOR_PORTAL, expect=403, json=center_body(g)
    )
    assert hat["rule"] == "¶55"
    unknown = trade.call("POST", "/channels", Role.ODF_STAFF, expect=422, json=center_body(g))
    assert g["odf"] in unknown["detail"]  # no group of that ODF is known
    trade.call("GET", f"/channels/{uid('nothing')}", Role.PARTICIPANT, expect=404)
    assert channels() == before

    # rates: a national supervisor only; the peso has none; a bad rate is a 422
    day = (date(2030, 1, 1) + timedelta(days=random.randint(0, 3000))).isoformat()
    rate = {"currency": "USD", "on": day, "exchange_rate": "17.250000"}
    trade.call(
        "POST",
        "/exchange-rates",
        Role.PROGRAMME_SUPERVISOR,
        expect=403,
        json=rate,
        claims={"states": (STATE,)},
    )
    trade.call("POST", "/exchange-rates", Role.ODF_STAFF, expect=403, json=rate)
    for bad in (
        {"exchange_rate": "0"},
        {"exchange_rate": "17.2500001"},
        {"exchange_rate": 17.25},
        {"currency": "usd"},
    ):
        trade.call(
            "POST",
            "/exchange-rates",
            Role.PROGRAMME_SUPERVISOR,
            expect=422,
            json=rate | bad,
            claims=NATIONAL,
        )
    trade.call(
        "POST",
        "/exchange-rates",
        Role.PROGRAMME_SUPERVISOR,
        expect=422,
        json=rate | {"currency": "MXN"},
        claims=NATIONAL,
    )
    trade.call("GET", f"/exchange-rates/USD/{day}", Role.PARTICIPANT, expect=404)
    recorded = trade.call(
        "POST", "/exchange-rates", Role.PROGRAMME_SUPERVISOR, expect=201, json=rate, claims=NATIONAL
    )
    assert recorded["exchange_rate"] == "17.25"
    trade.call(
        "POST", "/exchange-rates", Role.PROGRAMME_SUPERVISOR, expect=201, json=rate, claims=NATIONAL
    )
    other = trade.call(
        "POST",
        "/exchange-rates",
        Role.PROGRAMME_SUPERVISOR,
        expect=409,
        json=rate | {"exchange_rate": "18.000000"},
        claims=NATIONAL,
    )
    assert other["rate"] == "17.25"
    assert trade.call("GET", f"/exchange-rates/USD/{day}", Role.PARTICIPANT)["exchange_rate"] == (
        "17.25"
    )


async def test_a_withdrawn_product_takes_no_new_orders_and_honours_its_reservations(
    trade: Trade, infra: Any
) -> None:
    g = await formed_group(infra, trade)
    rug = list_product(trade, g, stock=5)
    held = trade.call(
        "POST",
        "/orders",
        Role.PARTICIPANT,
        expect=201,
        json=order_body(rug["id"], 2),
        claims={"subject": "early"},
    )
    async with EventTap(infra.kafka, "trade.events") as tap:
        trade.call(
            "POST",
            f"/products/{rug['id']}/withdrawal",
            Role.ODF_STAFF,
            expect=403,
            json={"reason": "the loom broke"},
            claims={"states": ("09",)},
        )
        trade.call(
            "POST",
            f"/products/{rug['id']}/withdrawal",
            Role.ODF_STAFF,
            expect=403,
            json={"reason": "the loom broke"},
            claims={"organization": uid("other")},
        )
        withdrawn = trade.call(
            "POST",
            f"/products/{rug['id']}/withdrawal",
            Role.ODF_STAFF,
            json={"reason": "the loom broke"},
        )
        assert withdrawn["withdrawn"] is True and withdrawn["withdrawn_at"]
        stock = trade.product(rug["id"])["stock"]
        late = trade.call(
            "POST",
            "/orders",
            Role.PARTICIPANT,
            expect=409,
            json=order_body(rug["id"]),
            claims={"subject": "late"},
        )
        assert late["product_id"] == rug["id"]
        assert trade.product(rug["id"])["stock"] == stock
        shown = trade.call("GET", f"/products?group_id={g['group']}", Role.PARTICIPANT)
        assert rug["id"] not in {p["id"] for p in shown}
        everything = trade.call(
            "GET", f"/products?group_id={g['group']}&include_withdrawn=true", Role.PARTICIPANT
        )
        assert rug["id"] in {p["id"] for p in everything}
        # the reservation taken before is still paid and shipped
        paid = trade.call(
            "POST",
            f"/orders/{held['id']}/payment",
            Role.PARTICIPANT,
            json={"amount": "1700.00"},
            claims={"subject": "early"},
        )
        assert paid["status"] == "paid"
        shipped = trade.call("POST", f"/orders/{held['id']}/lines/1/fulfilment", Role.ODF_STAFF)
        assert shipped["status"] == "completed"
        copies = await tap.collect(
            lambda e: e.type == "trade.ProductWithdrawn" and e.data["product_id"] == rug["id"],
            expect=1,
        )
    (event,) = distinct(copies)
    assert event.data["reason"] == "the loom broke" and event.key == g["group"]
    assert trade.product(rug["id"])["stock"]["sold"] == 2


# -- dollars, through the broker to the member's period results --------------------------------


@pytest.fixture
def drive(platform: Platform, tokens: Any) -> Driver:
    return Driver(
        platform.processes["enrollment"].url, tokens.header, state=f"{random.randint(1, 32):02d}"
    )


def trade_today(trade: Trade) -> date:
    header = trade.tokens.header(Role.PROGRAMME_SUPERVISOR, states=("*",))
    now = httpx.get(f"{trade.url}/v1/admin/clock", headers=header).json()["now"]
    return datetime.fromisoformat(now).date()


def test_a_dollar_sale_abroad_is_counted_in_pesos_at_the_days_rate(
    trade: Trade, drive: Driver
) -> None:
    group, members = drive.active_group()
    seller = members[1]
    state = group["state_code"]
    odf = group["development_organization"]["odf_id"]
    elsewhere = "01" if state != "01" else "02"
    start = drive.first_of_next_month(drive.today())
    drive.agree_plan(group["id"], seller, start, baseline="1000.00")
    drive.move_clock_to(start + timedelta(days=5))
    day = eventually(lambda: (d := trade_today(trade)) >= start + timedelta(days=5) and d)

    staff: dict[str, Any] = {"states": (state,), "organization": odf, "subject": "odf-staff"}
    body = {
        "group_id": group["id"],
        "producer_id": seller,
        "name": "tapete de lana",
        "category": "textiles",
        "niche": "Mexicans abroad",
        "unit": "piece",
        "price_mxn": "850.00",
        "price_usd": "49.00",
        "stock": 4,
    }

    def listed() -> Any:
        r = httpx.post(
            f"{trade.url}/v1/products",
            json=body,
            timeout=30,
            headers=keyed("POST", trade.headers(Role.ODF_STAFF, **staff)),
        )
        assert r.status_code in (201, 404), r.text
        return r.status_code == 201 and r.json()

    rug = eventually(listed)
    club = uid("club")
    association = trade.call(
        "POST",
        "/channels",
        Role.PROGRAMME_SUPERVISOR,
        expect=201,
        json={
            "kind": "association_abroad",
            "name": "Club de Migrantes de Chicago",
            "fee_rate": "0.05",
            "logistics_rate": "0.12",
            "states": [state],
            "country": "US",
            "buyer_organization": club,
            "currencies": ["USD"],
        },
        claims={"states": (state,)},
    )
    assert association["state_bound"] is False
    portal: dict[str, Any] = {"organization": club, "states": (elsewhere,), "subject": club}
    trade.call(
        "POST",
        "/orders",
        Role.DONOR_PORTAL,
        expect=422,  # it takes dollars only
        json=order_body(rug["id"], channel_id=association["id"]),
        claims=portal,
    )
    order = trade.call(
        "POST",
        "/orders",
        Role.DONOR_PORTAL,
        expect=201,
        json=order_body(rug["id"], 2, channel_id=association["id"], currency="USD"),
        claims=portal,  # abroad: not state-bound, the portal's scope is not asked
    )
    assert (order["currency"], order["total"], order["total_mxn"]) == ("USD", "98.00", None)
    assert parts(order["lines"][0]) == ("98.00", "4.90", "11.76", "81.34")

    national = {"states": ("*",), "subject": "rates-desk"}
    rates = f"/exchange-rates/USD/{day.isoformat()}"
    trade.call("GET", rates, Role.PARTICIPANT, expect=404)
    missing = trade.call(
        "POST",
        f"/orders/{order['id']}/payment",
        Role.DONOR_PORTAL,
        expect=409,
        json={"amount": "98.00"},
        claims=portal,
    )
    assert missing["rate_date"] == day.isoformat()
    trade.call(
        "POST",
        "/exchange-rates",
        Role.PROGRAMME_SUPERVISOR,
        expect=201,
        json={"currency": "USD", "on": day.isoformat(), "exchange_rate": "17.253100"},
        claims=national,
    )
    trade.call(
        "POST",
        f"/orders/{order['id']}/payment",
        Role.DONOR_PORTAL,
        expect=422,
        json={"amount": "1690.80"},
        claims=portal,
    )  # pesos: not the dollar total
    paid = trade.call(
        "POST",
        f"/orders/{order['id']}/payment",
        Role.DONOR_PORTAL,
        json={"amount": "98.00"},
        claims=portal,
    )
    rate = Decimal("17.2531")
    total = (Decimal("98.00") * rate).quantize(CENT, ROUND_HALF_EVEN)  # 1690.80
    fee = (total * Decimal("0.05")).quantize(CENT, ROUND_HALF_EVEN)
    logistics = (total * Decimal("0.12")).quantize(CENT, ROUND_HALF_EVEN)
    producer = total - fee - logistics
    assert (paid["total_mxn"], paid["exchange_rate"], paid["rate_date"]) == (
        f"{total}",
        "17.2531",
        day.isoformat(),
    )
    mxn = paid["lines"][0]["split_mxn"]
    assert (mxn["total"], mxn["channel_fee"], mxn["logistics"], mxn["producer_part"]) == (
        f"{total}",
        f"{fee}",
        f"{logistics}",
        f"{producer}",
    )
    trade.call("POST", f"/orders/{order['id']}/lines/1/fulfilment", Role.ODF_STAFF, claims=staff)

    period_url = f"/groups/{group['id']}/periods/{start.isoformat()}"

    def counted() -> Any:
        r = drive.client.get(period_url, headers=drive.staff)
        if r.status_code != 200:
            return None
        row = next(m for m in r.json()["members"] if m["participant_id"] == seller)
        return row if row["sales_counted"] else None

    row = eventually(counted)
    assert [s["order_id"] for s in row["sales_counted"]] == [order["id"]]
    assert row["sales_counted"][0]["producer_part"] == f"{producer}"  # pesos, not dollars
    assert row["sales"] == f"{producer}"
