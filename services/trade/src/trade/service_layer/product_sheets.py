"""A product sheet: the group's ODF lists many of its members' products at once [¶94] (the
catalogue it brings when the group joins the marketplace), all of them or none.

Every line is judged before anything is stored, and a sheet with any line the rules refuse
is refused as a whole, each such line named with its problem (`SheetRejected`, a 422). The
sheet is then a few bulk writes, whatever its length: the stock documents in one unordered
insert, the products (each with its `ProductListed` event) in another, where a line listed on
its own costs a read of the group, two inserts and a read of the stock. Each line's product id
is fixed by the sheet's key and the line's place, so a retry of the same sheet (after a crash
between the two inserts) finds what the first attempt stored instead of listing twins.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from megp_common.auth import Principal
from megp_common.ids import deterministic_id
from megp_common.mongo import Shard
from megp_common.refusals import SheetRejected
from trade.domain.commands import ListProduct
from trade.domain.product import Product
from trade.domain.stock import StockLevel
from trade.service_layer import listing_guard
from trade.service_layer.container import Services
from trade.service_layer.products import listing_group, member_refusal, new_product

#: the most lines one sheet takes (a group's members are at most a few hundred)
SHEET_LINES = 500


def line_product_id(sheet_id: str, number: int) -> str:
    """The id of the product a sheet's line lists (line numbers from 1), the same on a retry."""
    return deterministic_id(sheet_id, str(number))


async def list_sheet(
    services: Services,
    who: Principal,
    group_id: str,
    lines: Sequence[ListProduct],
    sheet_id: str,
) -> list[tuple[Product, StockLevel]]:
    group = await listing_group(services, who, group_id)
    problems: list[dict[str, Any]] = []
    for number, line in enumerate(lines, start=1):
        if line.group_id != group.id:
            problems.append({"line": number, "problem": f"names group {line.group_id}"})
            continue
        refusal = member_refusal(group, line.producer_id)
        if refusal is not None:
            problems.append({"line": number, "producer_id": line.producer_id, "problem": refusal})
    if problems:
        raise SheetRejected(
            "the product sheet was refused as a whole; nothing was listed [¶94]", problems
        )
    named = sorted({line.invention_id for line in lines if line.invention_id is not None})
    inventions = await services.inventions.find_by_ids(named) if named else {}
    products = [
        new_product(
            services,
            group,
            line,
            line_product_id(sheet_id, number),
            None if line.invention_id is None else inventions.get(line.invention_id),
        )
        for number, line in enumerate(lines, start=1)
    ]
    # the stock first: a product is never stockless (a retry finds the counters there)
    await services.stock.open_many(
        [(p.id, line.stock) for p, line in zip(products, lines, strict=True)]
    )
    stored = {p.id for p in await services.products.add_many(products)}
    here = {p.id: Shard(group.state, group.id) for p in products}  # where they are stored
    if stored:  # a retry after a crash: the first attempt's products stand
        again = await services.products.find_by_ids(sorted(stored), here)
        products = [again.get(p.id, p) for p in products]
    # cleared while this was being stored: the guard's handler may have looked already
    released = False
    for invention_id in sorted({p.invention_id for p in products if p.held and p.invention_id}):
        released = bool(await listing_guard.release_if_cleared(services, invention_id)) or released
    if released:
        again = await services.products.find_by_ids([p.id for p in products], here)
        products = [again.get(p.id, p) for p in products]
    levels = await services.stock.levels([p.id for p in products])
    return [(p, levels.get(p.id, StockLevel(0))) for p in products]
