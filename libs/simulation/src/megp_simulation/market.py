"""The marketplace and the other sales channels: the ODF lists products for a share of its
members (at setup, with a price in pesos and one in dollars) and registers a trade center in
its state with its own terms; a programme supervisor registers an association of Mexicans
abroad per simulated state, buying its state's products in dollars. Every month some products
sell on the 15th: buyers place orders of one or two lines (each reserving its units) through
the marketplace, the group's trade center or, in dollars, its state's association; they pay
most of them (a dollar order at the day's rate, recorded by a national supervisor each 15th),
cancel a few and leave a few to expire on the clock; the ODF's staff ship the paid lines, trade
announces a SaleCompleted per producer (in pesos too) and enrollment counts it in the member's
period. Once a year each ODF runs a purchasing round for
an input: opened on a 15th, its members' demands and two suppliers' quotes the same day; closed
on the next 1st (after the clock moved past its closing date) and the cheaper quote chosen."""

from __future__ import annotations

import sys
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from megp_simulation.api import ApiError
from megp_simulation.model import (
    ChannelTrack,
    Group,
    Member,
    OrderTrack,
    ProductTrack,
    PurchaseOrderTrack,
    ReturnTrack,
    RoundTrack,
    money,
    noon,
)
from megp_simulation.progress import LOCK

if TYPE_CHECKING:
    from megp_simulation.scenario import Simulation

BUYERS = 8  # national buyers (a portal, trade centers abroad), shared by every group
RESTOCK_BELOW = 7  # the staff add a batch when fewer units than this are free
BATCH = 20
FOUR = Decimal("0.0001")  # unit prices of quotes take four decimals
ROUND_MONTH = 2  # a round opens in the third month of each year of the run (months 2, 14, ...)
PROGRAMMES = {
    "women": "women producers",
    "indigenous_excluded": "indigenous communities",
    "popular_art": "popular art",
    "artistic_cultural": "artistic and cultural",
}
GOODS = [
    ("textiles", "rebozo", "piece"),
    ("pottery", "olla de barro", "piece"),
    ("food", "miel de abeja", "jar"),
    ("food", "café de altura", "kg"),
    ("crafts", "alebrije", "piece"),
]
#: the share of a month's orders placed through the group's trade center, and (in dollars)
#: through its state's association abroad; the rest go through the marketplace
AT_CENTER, ABROAD = 0.2, 0.2
CENTER_FEES = ("0.06", "0.07", "0.08", "0.09")  # each ODF's own fee; logistics 4 %
CENTER_LOGISTICS = "0.04"
ASSOCIATION_TERMS = ("0.05", "0.12")  # fee and logistics of the associations abroad
USD_LIST_RATE = Decimal("18.50")  # pesos per dollar the ODFs' dollar price lists assume
RATE_MIN, RATE_MAX = Decimal("17.0000"), Decimal("20.0000")
#: the share of paid peso orders of which the buyer returns a unit (and always the group's
#: first one, so every run has returns)
RETURNING = 0.08
PURCHASE_ORDER_MONTH = 4  # a chain's purchase order a year, in months 4, 16, ...
INPUTS = [("lana cardada", "kg"), ("barro", "kg"), ("frascos de vidrio", "piece"), ("cera", "kg")]


def buyer(sim: Simulation, n: int) -> dict[str, Any]:
    """A national buyer's claims: the channel is state-bound, and a national scope covers every
    state, as a portal's or a trade center abroad's token would."""
    return {"states": ("*",), "subject": f"{sim.run_tag}-buyer-{n}"}


def shared_claims(sim: Simulation, who: dict[str, Any]) -> dict[str, Any]:
    """One dict of claims per buyer for all its orders (a national run places a hundred
    thousand orders, from a dozen buyers); nothing changes a token's claims once given."""
    key = tuple(sorted(who.items()))
    return sim.buyers.setdefault(key, dict(who))


def buyer_claims(order: OrderTrack) -> dict[str, Any]:
    return order.claims or {"states": ("*",), "subject": order.buyer}


def usd_price(price: Decimal) -> Decimal:
    """A product's price abroad: its peso price at the list rate, a dollar at least."""
    return max(money(price / USD_LIST_RATE), Decimal("1.00"))


def marketplace(sim: Simulation) -> None:
    """The marketplace's terms as trade shows them (the channel is seeded on first use)."""
    body = sim.api.call("trade", "GET", "/channels/marketplace", "participant")
    sim.channels["marketplace"] = ChannelTrack(
        "marketplace", "marketplace", Decimal(body["fee_rate"]), Decimal(body["logistics_rate"])
    )


def register_center(sim: Simulation, g: Group) -> None:
    """The group's ODF registers a trade center in its state, with its own fee (logistics 4 %),
    once trade knows the group (its products are listed by then)."""
    fee = g.market_rng.choice(CENTER_FEES)
    body = {
        "kind": "trade_center",
        "name": f"Centro de comercio {g.index} ({g.state})",
        "fee_rate": fee,
        "logistics_rate": CENTER_LOGISTICS,
        "states": [g.state],
        "odf_ids": [g.odf_id],
        "currencies": ["MXN"],
    }
    got = sim.api.call(
        "trade",
        "POST",
        "/channels",
        "odf_staff",
        claims=g.staff() | {"organization": g.odf_id},
        key=sim.key("center", g.group_id),
        json=body,
    )
    g.center = ChannelTrack(got["id"], "trade_center", Decimal(fee), Decimal(CENTER_LOGISTICS))
    with LOCK:
        sim.channels[g.center.channel_id] = g.center


def register_associations(sim: Simulation) -> None:
    """One association of Mexicans abroad per simulated state, registered by a supervisor of
    the state; it buys that state's products in dollars through its portal."""
    fee, logistics = ASSOCIATION_TERMS
    for state in sorted({g.state for g in sim.groups}):
        portal = f"{sim.run_tag}-club-{state}"
        got = sim.api.call(
            "trade",
            "POST",
            "/channels",
            "programme_supervisor",
            claims={"states": (state,), "subject": f"supervisor-{state}"},
            key=sim.key("association", state),
            json={
                "kind": "association_abroad",
                "name": f"Club de migrantes del estado {state}",
                "fee_rate": fee,
                "logistics_rate": logistics,
                "states": [state],
                "country": "US",
                "buyer_organization": portal,
                "currencies": ["USD"],
            },
        )
        track = ChannelTrack(
            got["id"], "association_abroad", Decimal(fee), Decimal(logistics), portal
        )
        sim.associations[state] = track
        sim.channels[track.channel_id] = track


def record_rate(sim: Simulation) -> None:
    """The national supervisor records the day's USD rate (the 15th's, the day dollar orders
    are paid): a random walk from 18.50 by at most 0.40 a month, kept between 17 and 20 MXN.
    Its stream is the same for every run (not the seed's), so two runs whose dates meet (runs
    of the same start year on one store) propose the same rate for a day, which trade takes as
    a repeat; a day another rate was recorded for before (a longer run, a test) keeps it: the
    run pays at that one and counts it under `rates_found`."""
    last = sim.rates[max(sim.rates)] if sim.rates else Decimal("18.5000")
    step = Decimal(sim.rate_rng.randint(-4000, 4000)) / 10000
    rate = min(max(last + step, RATE_MIN), RATE_MAX)
    got = sim.api.call(
        "trade",
        "POST",
        "/exchange-rates",
        "programme_supervisor",
        expect=(200, 201, 409),  # a 409 names the rate recorded (not retried as a conflict)
        claims={"states": ("*",), "subject": "rates-desk"},
        key=sim.key("rate", sim.today),
        json={"currency": "USD", "on": sim.today.isoformat(), "exchange_rate": str(rate)},
    )
    if got.get("status") == 409:
        if not got.get("rate"):
            raise ApiError("POST", "trade/exchange-rates", 409, str(got))
        rate = Decimal(got["rate"])
        sim.rates_found += 1
    else:
        rate = Decimal(got["exchange_rate"])  # a repeat answers the rate recorded before
    sim.rates[sim.today] = rate


def sellers(sim: Simulation, g: Group) -> list[Member]:
    r = g.market_rng
    k = round(sim.scale.sellers * len(g.members))
    return sorted(r.sample(g.members, k), key=g.members.index) if k else []


def list_products(sim: Simulation, g: Group) -> None:
    """One product per seller, listed by the group's ODF on one product sheet once trade has
    heard of the group and its members (404, or 422 ¶94 for a producer not known as a member
    yet, until then: the sheet is refused whole and sent again)."""
    r = g.market_rng
    lines: list[dict[str, Any]] = []
    tracks: list[tuple[str, Decimal, int, Decimal]] = []
    for m in sellers(sim, g):
        category, name, unit = r.choice(GOODS)
        price = money(Decimal(r.randrange(4000, 90000)) / 100)
        stock = r.randint(15, 40)
        price_usd = usd_price(price)
        lines.append(
            {
                "producer_id": m.pid,
                "name": f"{name} {g.index}-{len(lines) + 1}",
                "category": category,
                "niche": r.choice(["fair-trade shops abroad", "regional markets", "online"]),
                "unit": unit,
                "price_mxn": str(price),
                "price_usd": str(price_usd),
                "stock": stock,
                "programmes": sorted({PROGRAMMES[p] for p in m.programmes if p in PROGRAMMES}),
            }
        )
        tracks.append((m.pid, price, stock, price_usd))
    if not lines:
        return
    body = {"group_id": g.group_id, "products": lines}
    key = sim.key("products", g.group_id)

    def listed() -> list[dict[str, Any]] | None:
        status, got = sim.api.try_call(
            "trade", "POST", "/product-sheets", "odf_staff", claims=g.staff(), key=key, json=body
        )
        if status in (200, 201):
            return list(got)
        if status == 404 or (status == 422 and "¶94" in str(got)):
            return None  # trade has not consumed the group's formation or the joins yet
        raise ApiError("POST", "trade/product-sheets", status, str(got))

    products = sim.eventually(f"products of {g.group_id}", listed)
    for product, (pid, price, stock, price_usd) in zip(products, tracks, strict=True):
        g.products.append(ProductTrack(product["id"], pid, price, stock, price_usd))
    register_center(sim, g)


def _free(p: ProductTrack, today_holds: dict[str, int]) -> int:
    return p.listed + p.restocked - p.sold - today_holds.get(p.product_id, 0)


def sell(sim: Simulation, g: Group, month: int) -> None:
    """The 15th's sales of the group's products: orders placed, paid (or cancelled, or left
    to expire) and the paid lines shipped. The sales wait for the 1st's closing
    (`wait_for_sales`)."""
    r, api = g.market_rng, sim.api
    selling = [p for p in g.products if r.random() < sim.scale.selling]
    r.shuffle(selling)
    holds: dict[str, int] = defaultdict(int)
    n = 0
    while selling:
        take = 2 if len(selling) > 1 and r.random() < 0.4 else 1
        batch, selling = selling[:take], selling[take:]
        lines: list[tuple[ProductTrack, int]] = []
        for p in batch:
            if _free(p, holds) < RESTOCK_BELOW:
                restock(sim, g, p, month)
            lines.append((p, r.randint(1, 3)))
        n += 1
        role, who, channel, currency = "participant", buyer(sim, r.randrange(BUYERS)), None, "MXN"
        where = r.random()
        if where < AT_CENTER and g.center is not None:
            channel = g.center
        elif where < AT_CENTER + ABROAD and g.state in sim.associations:
            channel, currency = sim.associations[g.state], "USD"
            role = "donor_portal"
            who = {
                "organization": channel.organization,
                "states": (g.state,),
                "subject": channel.organization,
            }
        body: dict[str, Any] = {
            "lines": [{"product_id": p.product_id, "quantity": q} for p, q in lines]
        }
        if channel is not None:
            body |= {"channel_id": channel.channel_id, "currency": currency}
        status, order = api.try_call(
            "trade",
            "POST",
            "/orders",
            role,
            claims=who,
            key=sim.key("order", g.group_id, month, n),
            json=body,
        )
        if status not in (200, 201):
            g.orders_refused[status] = g.orders_refused.get(status, 0) + 1
            continue
        draw = r.random()
        outcome = "cancelled" if draw < 0.05 else "left" if draw < 0.1 else "paid"
        who = shared_claims(sim, who)
        track = OrderTrack(
            order["id"],
            who["subject"],
            [(p.product_id, q) for p, q in lines],
            Decimal(order["total"]),
            sim.today,
            outcome,
            channel=order["channel"],
            currency=order["currency"],
            role=role,
            claims=who,
        )
        g.orders.append(track)
        if outcome == "cancelled":
            api.call(
                "trade",
                "POST",
                f"/orders/{track.order_id}/cancellation",
                role,
                claims=who,
                key=sim.key("cancel", track.order_id),
                json={"reason": "bought elsewhere"},
            )
            continue
        if outcome == "left":  # never paid: the scheduler expires it once the clock moves on
            for p, q in lines:
                holds[p.product_id] += q
            continue
        for p, q in lines:
            p.sold += q
        paid = pay_and_ship(sim, g, track)
        if track.currency == "MXN" and (r.random() < RETURNING or not g.returns):
            give_back(sim, g, track, paid["lines"][0])
    purchase_order(sim, g, month, holds)


def pay_and_ship(sim: Simulation, g: Group, track: OrderTrack) -> dict[str, Any]:
    """The buyer pays the exact total (a dollar order in dollars, converted at the day's
    rate) and the staff ship the whole order; the driver keeps each producer's part in pesos."""
    paid: dict[str, Any] = sim.api.call(
        "trade",
        "POST",
        f"/orders/{track.order_id}/payment",
        track.role,
        claims=track.claims,
        key=sim.key("pay-order", track.order_id),
        json={"amount": str(track.total)},
    )
    track.total_mxn = Decimal(paid.get("total_mxn") or paid["total"])
    sim.api.call(  # every line is the group's: the whole order ships in one request
        "trade",
        "POST",
        f"/orders/{track.order_id}/fulfilment",
        "odf_staff",
        claims=g.staff(),
        key=sim.key("ship", track.order_id),
    )
    for line in paid["lines"]:
        part = Decimal((line.get("split_mxn") or line["split"])["producer_part"])
        producer = sys.intern(line["producer_id"])  # one string per member, not per order
        track.producer_parts[producer] = track.producer_parts.get(producer, Decimal(0)) + part
    return paid


def give_back(sim: Simulation, g: Group, track: OrderTrack, line: dict[str, Any]) -> None:
    """The buyer returns one shipped unit of the line the same day; the ODF's staff accept it
    and put it back in stock. The sale completed at the shipment, so trade announces a
    SaleReturned and enrollment takes the unit's producer part off the member's period."""
    asked = sim.api.call(
        "trade",
        "POST",
        f"/orders/{track.order_id}/lines/{line['number']}/returns",
        track.role,
        claims=track.claims,
        key=sim.key("return", track.order_id, line["number"]),
        json={"quantity": 1, "reason": "it arrived chipped"},
    )
    decided = sim.api.call(
        "trade",
        "POST",
        f"/orders/{track.order_id}/returns/{asked['id']}/decision",
        "odf_staff",
        claims=g.staff(),
        key=sim.key("return-decision", asked["id"]),
        json={"decision": "accept", "restock": True},
    )
    product = next(p for p in g.products if p.product_id == line["product_id"])
    product.sold -= 1
    product.returned += 1
    g.returns.append(
        ReturnTrack(
            asked["id"],
            track.order_id,
            product.product_id,
            line["producer_id"],
            1,
            Decimal(decided["refund"]["producer_part"]),
            sim.today,
        )
    )


def purchase_order(sim: Simulation, g: Group, month: int, holds: dict[str, int]) -> None:
    """Once a year a national shop chain sends the group's ODF a purchase order for one or two
    of its products; one ODF in four declines it, the others accept it (an order holding the
    units, restocked first if short), which the chain pays and the staff ship at once."""
    if month % 12 != PURCHASE_ORDER_MONTH or not g.products:
        return
    r, api = g.market_rng, sim.api
    chain = f"{sim.run_tag}-chain"
    who: dict[str, Any] = {"organization": chain, "states": ("*",), "subject": f"{chain}-buyer"}
    picks = r.sample(g.products, min(len(g.products), r.randint(1, 2)))
    lines = [(p, r.randint(2, 5)) for p in picks]
    deliver_on = (sim.today + timedelta(days=10)).isoformat()
    sent = api.call(
        "trade",
        "POST",
        "/purchase-orders",
        "participant",
        claims=who,
        key=sim.key("purchase-order", g.group_id, month),
        json={
            "group_id": g.group_id,
            "buyer_kind": "chain",
            "lines": [
                {"product_id": p.product_id, "quantity": q, "deliver_on": deliver_on}
                for p, q in lines
            ],
        },
    )
    po = PurchaseOrderTrack(sent["id"], who["subject"], Decimal(sent["total"]), "declined")
    g.purchase_orders.append(po)
    odf = g.staff() | {"organization": g.odf_id}
    path = f"/purchase-orders/{po.purchase_order_id}"
    if g.index % 4 == 1:  # one ODF in four has no time for it
        api.call(
            "trade", "POST", f"{path}/decline", "odf_staff", claims=odf,
            key=sim.key("po-decline", po.purchase_order_id),
            json={"reason": "the workshop cannot make them in time"},
        )  # fmt: skip
        return
    for p, q in lines:
        if _free(p, holds) < q + RESTOCK_BELOW:
            restock(sim, g, p, f"po-{month}")
    accepted = api.call(
        "trade", "POST", f"{path}/acceptance", "odf_staff", claims=odf,
        key=sim.key("po-accept", po.purchase_order_id),
    )  # fmt: skip
    po.status, po.order_id = "accepted", str(accepted["order_id"])
    order = api.call("trade", "GET", f"/orders/{po.order_id}", "participant", claims=who)
    who = shared_claims(sim, who)
    track = OrderTrack(
        po.order_id,
        who["subject"],
        [(p.product_id, q) for p, q in lines],
        Decimal(order["total"]),
        sim.today,
        "paid",
        channel=order["channel"],
        currency=order["currency"],
        claims=who,
        purchase_order_id=po.purchase_order_id,
    )
    g.orders.append(track)
    for p, q in lines:
        p.sold += q
    pay_and_ship(sim, g, track)


def restock(sim: Simulation, g: Group, p: ProductTrack, when: object) -> None:
    sim.api.call(
        "trade",
        "POST",
        f"/products/{p.product_id}/stock-adjustments",
        "odf_staff",
        claims=g.staff(),
        key=sim.key("restock", p.product_id, when),
        json={"delta": BATCH, "reason": "a new batch from the workshop"},
    )
    p.restocked += BATCH


def expected_sales(g: Group, period: date) -> dict[str, Decimal]:
    """Each producer's part of the group's paid orders of the period, and each inventor's part
    of the royalties received in it, by the driver's books."""
    out: dict[str, Decimal] = defaultdict(Decimal)
    for o in g.orders:
        if o.outcome == "paid" and o.placed_on.replace(day=1) == period:
            for pid, part in o.producer_parts.items():
                out[pid] += part
    for _, received_on, parts in g.invention.royalties if g.invention else ():
        if received_on.replace(day=1) == period:  # a royalty is its inventor's income too
            for pid, part in parts.items():
                out[pid] += part
    return dict(out)


def expected_returns(g: Group, period: date) -> dict[str, Decimal]:
    """Each producer's part of the returns the group's ODF accepted in the period."""
    out: dict[str, Decimal] = defaultdict(Decimal)
    for x in g.returns:
        if x.on.replace(day=1) == period:
            out[x.producer] += x.producer_part
    return dict(out)


def wait_for_sales(sim: Simulation, g: Group, period: date) -> None:
    """Until enrollment shows each producer's sales and returns of the period as the driver's
    books say, so the closing counts them (a sale or return that came after it would be late).
    Asked on the 1st, just before the closing: by then the 15th's events have long been
    consumed and the first read answers."""
    expected = expected_sales(g, period)
    returns = expected_returns(g, period)
    if not expected:
        return

    def counted() -> bool | None:
        status, body = sim.api.try_call(
            "enrollment",
            "GET",
            f"/groups/{g.group_id}/periods/{period.isoformat()}",
            "odf_staff",
            claims=g.staff(),
        )
        if status != 200:
            return None
        shown = {row["participant_id"]: Decimal(row["sales"]) for row in body["members"]}
        taken = {row["participant_id"]: Decimal(row["returns"]) for row in body["members"]}
        sold = all(shown.get(p) == a for p, a in expected.items())
        return True if sold and all(taken.get(p) == a for p, a in returns.items()) else None

    try:
        sim.eventually(f"sales of {g.group_id} counted for {period}", counted)
        how = "counted"
    except TimeoutError:  # the final check says which sale is missing
        how = "timed out"
    with LOCK:
        sim.sales_waits[how] += 1


# -- the purchasing round --------------------------------------------------------------------


def open_round(sim: Simulation, g: Group, month: int) -> None:
    """Once a year: the ODF opens a round for an input, half the members state a demand (the
    first always does) and the staff record two suppliers' quotes."""
    if month % 12 != ROUND_MONTH:
        return
    r, api, staff = g.market_rng, sim.api, g.staff()
    item, unit = r.choice(INPUTS)
    closes_at = noon(sim.today + timedelta(days=10))
    rnd = api.call(
        "trade",
        "POST",
        "/purchasing-rounds",
        "odf_staff",
        claims=staff,
        key=sim.key("round", g.group_id, month),
        json={
            "group_ids": [g.group_id],
            "item": item,
            "kind": "raw_material",
            "unit": unit,
            "closes_at": closes_at.isoformat(),
        },
    )
    track = RoundTrack(rnd["id"], sim.today, closes_at)
    wanted: dict[str, int] = {}
    for i, m in enumerate(g.members):
        if i and r.random() >= 0.5:
            continue
        wanted[m.pid] = r.randint(2, 40)

    def state(m: Member) -> None:
        api.call(
            "trade",
            "POST",
            f"/purchasing-rounds/{track.round_id}/demands",
            "participant",
            claims=g.participant(m.pid),
            key=sim.key("demand", track.round_id, m.pid),
            json={"participant_id": m.pid, "group_id": g.group_id, "quantity": wanted[m.pid]},
        )

    # the members state their demands on the same day, at the same time (trade commits those
    # that arrive together in one write of the round: megp_common.writer)
    sim.members_at_once(state, [m for m in g.members if m.pid in wanted])
    track.demanded = sum(wanted.values())
    for supplier in ("norte", "sur"):
        base = (Decimal(r.randrange(200000, 900000)) / 10000).quantize(FOUR)
        body = {
            "supplier_id": f"proveedora-{supplier}",
            "supplier_name": f"Proveedora del {supplier.title()} SA",
            "tiers": [
                {"min_quantity": 1, "unit_price": str(base)},
                {"min_quantity": 50, "unit_price": str((base * Decimal("0.9")).quantize(FOUR))},
                {"min_quantity": 200, "unit_price": str((base * Decimal("0.8")).quantize(FOUR))},
            ],
            "delivery_charge": str(money(Decimal(r.randrange(5000, 40000)) / 100)),
        }
        quoted = api.call(
            "trade",
            "POST",
            f"/purchasing-rounds/{track.round_id}/quotes",
            "odf_staff",
            claims=staff,
            key=sim.key("quote", track.round_id, supplier),
            json=body,
        )
        track.quotes.append(quoted["quotes"][-1]["quote_id"])
    g.rounds.append(track)


def close_rounds(sim: Simulation, g: Group) -> None:
    """On a 1st past a round's closing date: the staff close it, choose the quote that costs
    least for the pooled quantity, and read the members' savings."""
    api, staff = sim.api, g.staff()
    for track in g.rounds:
        if track.status != "open" or noon(sim.today) < track.closes_at:
            continue
        path = f"/purchasing-rounds/{track.round_id}"
        closed = api.call(
            "trade", "POST", f"{path}/closing", "odf_staff", claims=staff,
            key=sim.key("close-round", track.round_id),
        )  # fmt: skip
        track.pooled = int(closed["pooled_quantity"])
        cheapest = min(closed["quotes"], key=lambda q: cost(q, track.pooled))
        chosen = api.call(
            "trade",
            "POST",
            f"{path}/choice",
            "odf_staff",
            claims=staff,
            key=sim.key("choose", track.round_id),
            json={"quote_id": cheapest["quote_id"], "group_id": g.group_id},
        )
        track.status, track.total = chosen["status"], Decimal(chosen["total"])
        track.shares = [Decimal(a["cost_share"]) for a in chosen["allocations"]]
        savings = api.call("trade", "GET", f"{path}/savings", claims=staff)
        track.saving = Decimal(savings["saving"])


def cost(quote: dict[str, Any], quantity: int) -> Decimal:
    tiers = [t for t in quote["tiers"] if int(t["min_quantity"]) <= quantity]
    price = min(Decimal(t["unit_price"]) for t in tiers)
    return money(price * quantity) + Decimal(quote["delivery_charge"])
