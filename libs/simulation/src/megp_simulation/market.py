"""The marketplace: the ODF lists products for a share of its members (at setup), and every
month some of them sell through it on the 15th: national buyers place orders of one or two
lines (each reserving its units), pay most of them, cancel a few and leave a few to expire on
the clock; the ODF's staff ship the paid lines, trade announces a SaleCompleted per producer and
enrollment counts it in the member's period. Once a year each ODF runs a purchasing round for
an input: opened on a 15th, its members' demands and two suppliers' quotes the same day; closed
on the next 1st (after the clock moved past its closing date) and the cheaper quote chosen."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from megp_simulation.api import ApiError
from megp_simulation.model import (
    Group,
    Member,
    OrderTrack,
    ProductTrack,
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
INPUTS = [("lana cardada", "kg"), ("barro", "kg"), ("frascos de vidrio", "piece"), ("cera", "kg")]


def buyer(sim: Simulation, n: int) -> dict[str, Any]:
    """A national buyer's claims: the channel is state-bound, and a national scope covers every
    state, as a portal's or a trade center abroad's token would."""
    return {"states": ("*",), "subject": f"{sim.run_tag}-buyer-{n}"}


def buyer_claims(order: OrderTrack) -> dict[str, Any]:
    return {"states": ("*",), "subject": order.buyer}


def sellers(sim: Simulation, g: Group) -> list[Member]:
    r = g.market_rng
    k = round(sim.scale.sellers * len(g.members))
    return sorted(r.sample(g.members, k), key=g.members.index) if k else []


def list_products(sim: Simulation, g: Group) -> None:
    """One product per seller, listed by the group's ODF once trade has heard of the group and
    its members (404, or 422 ¶94 for a producer not known as a member yet, until then)."""
    r = g.market_rng
    for m in sellers(sim, g):
        category, name, unit = r.choice(GOODS)
        price = money(Decimal(r.randrange(4000, 90000)) / 100)
        stock = r.randint(15, 40)
        body = {
            "group_id": g.group_id,
            "producer_id": m.pid,
            "name": f"{name} {g.index}-{len(g.products) + 1}",
            "category": category,
            "niche": r.choice(["fair-trade shops abroad", "regional markets", "online"]),
            "unit": unit,
            "price_mxn": str(price),
            "stock": stock,
            "programmes": sorted({PROGRAMMES[p] for p in m.programmes if p in PROGRAMMES}),
        }
        key = sim.key("product", g.group_id, m.pid)

        def listed(body: dict[str, Any] = body, key: str = key) -> dict[str, Any] | None:
            status, got = sim.api.try_call(
                "trade", "POST", "/products", "odf_staff", claims=g.staff(), key=key, json=body
            )
            if status == 200:
                return dict(got)
            if status == 404 or (status == 422 and "¶94" in str(got)):
                return None  # trade has not consumed the group's formation or the join yet
            raise ApiError("POST", "trade/products", status, str(got))

        product = sim.eventually(f"product of {m.pid}", listed)
        g.products.append(ProductTrack(product["id"], m.pid, price, stock))


def _free(p: ProductTrack, today_holds: dict[str, int]) -> int:
    return p.listed + p.restocked - p.sold - today_holds.get(p.product_id, 0)


def sell(sim: Simulation, g: Group, month: int) -> None:
    """The 15th's sales of the group's products: orders placed, paid (or cancelled, or left
    to expire) and the paid lines shipped. The sales wait for the 1st's closing
    (`wait_for_sales`)."""
    r, api, staff = g.market_rng, sim.api, g.staff()
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
                api.call(
                    "trade",
                    "POST",
                    f"/products/{p.product_id}/stock-adjustments",
                    "odf_staff",
                    claims=staff,
                    key=sim.key("restock", p.product_id, month),
                    json={"delta": BATCH, "reason": "a new batch from the workshop"},
                )
                p.restocked += BATCH
            lines.append((p, r.randint(1, 3)))
        n += 1
        who = buyer(sim, r.randrange(BUYERS))
        status, order = api.try_call(
            "trade",
            "POST",
            "/orders",
            "participant",
            claims=who,
            key=sim.key("order", g.group_id, month, n),
            json={"lines": [{"product_id": p.product_id, "quantity": q} for p, q in lines]},
        )
        if status != 200:
            g.orders_refused[status] = g.orders_refused.get(status, 0) + 1
            continue
        draw = r.random()
        outcome = "cancelled" if draw < 0.05 else "left" if draw < 0.1 else "paid"
        track = OrderTrack(
            order["id"],
            who["subject"],
            [(p.product_id, q) for p, q in lines],
            Decimal(order["total"]),
            sim.today,
            outcome,
        )
        g.orders.append(track)
        if outcome == "cancelled":
            api.call(
                "trade",
                "POST",
                f"/orders/{track.order_id}/cancellation",
                "participant",
                claims=who,
                key=sim.key("cancel", track.order_id),
                json={"reason": "bought elsewhere"},
            )
            continue
        if outcome == "left":  # never paid: the scheduler expires it once the clock moves on
            for p, q in lines:
                holds[p.product_id] += q
            continue
        api.call(
            "trade",
            "POST",
            f"/orders/{track.order_id}/payment",
            "participant",
            claims=who,
            key=sim.key("pay-order", track.order_id),
            json={"amount": order["total"]},
        )
        for p, q in lines:
            p.sold += q
        for line in order["lines"]:
            api.call(
                "trade",
                "POST",
                f"/orders/{track.order_id}/lines/{line['number']}/fulfilment",
                "odf_staff",
                claims=staff,
                key=sim.key("ship", track.order_id, line["number"]),
            )
            part = Decimal(line["split"]["producer_part"])
            track.producer_parts[line["producer_id"]] = (
                track.producer_parts.get(line["producer_id"], Decimal(0)) + part
            )


def expected_sales(g: Group, period: date) -> dict[str, Decimal]:
    """Each producer's part of the group's paid orders of the period, by the driver's books."""
    out: dict[str, Decimal] = defaultdict(Decimal)
    for o in g.orders:
        if o.outcome == "paid" and o.placed_on.replace(day=1) == period:
            for pid, part in o.producer_parts.items():
                out[pid] += part
    return dict(out)


def wait_for_sales(sim: Simulation, g: Group, period: date) -> None:
    """Until enrollment shows each producer's sales of the period as the driver's books say,
    so the closing counts them (a sale that came after it would be a late sale). Asked on the
    1st, just before the closing: by then the 15th's events have long been consumed and the
    first read answers."""
    expected = expected_sales(g, period)
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
        return True if all(shown.get(p) == a for p, a in expected.items()) else None

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
    for i, m in enumerate(g.members):
        if i and r.random() >= 0.5:
            continue
        api.call(
            "trade",
            "POST",
            f"/purchasing-rounds/{track.round_id}/demands",
            "participant",
            claims=g.participant(m.pid),
            key=sim.key("demand", track.round_id, m.pid),
            json={"participant_id": m.pid, "group_id": g.group_id, "quantity": r.randint(2, 40)},
        )
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
