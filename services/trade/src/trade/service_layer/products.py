"""Use cases on products: the group's ODF lists a member's product and recounts its stock
[¶94]. Every use case checks the caller's state scope on the product's group, and that the
caller acts for the ODF alone (no donor's, lender's or committee member's hat on the same
token [¶55])."""

from __future__ import annotations

from megp_common import decisions
from megp_common.auth import Principal, check_state
from megp_common.errors import Conflict, NotFound
from megp_common.mongo import Shard
from trade.domain.commands import AdjustStock, ListProduct, WithdrawProduct
from trade.domain.errors import NotAuthorized, TradeRuleViolation
from trade.domain.group import GroupRecord
from trade.domain.invention import Invention
from trade.domain.product import Product
from trade.domain.stock import StockLevel
from trade.service_layer import listing_guard
from trade.service_layer.container import Services


def act_for_odf(who: Principal, group: GroupRecord) -> None:
    """Only the group's own ODF sells its members' products: no intermediary [¶94]."""
    act_for_group_odf(who, group.id, group.state, group.odf_id)


def act_for_group_odf(who: Principal, group_id: str, state: str | None, odf_id: str | None) -> None:
    """`act_for_odf` for a group known by its id, state and ODF (an order line names them)."""
    check_state(who, state)
    decisions.staff_acting_for_group(who.role_names())
    if who.organization is not None and who.organization != odf_id:
        raise NotAuthorized(
            f"only group {group_id}'s Development Organization sells its members' products; "
            "no intermediary lists or sells them [¶94]",
            rule="¶94",
        )


async def group_in_scope(services: Services, who: Principal, group_id: str) -> GroupRecord:
    group = await services.groups.find(group_id, Shard.in_scope(who.states))
    if group is None or group.state is None:
        raise NotFound(f"no formed project group has the id {group_id}")
    check_state(who, group.state)
    return group


async def list_product(
    services: Services, who: Principal, command: ListProduct, product_id: str
) -> tuple[Product, StockLevel]:
    group = await listing_group(services, who, command.group_id)
    refusal = member_refusal(group, command.producer_id)
    if refusal is not None:
        raise TradeRuleViolation(refusal, rule="¶94")
    invention = None
    if command.invention_id is not None:
        invention = await services.inventions.find(command.invention_id)
    product = new_product(services, group, command, product_id, invention)
    await services.stock.open(product_id, command.stock)  # first: a product is never stockless
    try:
        await services.products.add(product)
    except Conflict:  # a retry of the same listing after a crash
        product = await services.products.get(product_id, Shard(group.state, group.id))
    # cleared while this was being stored: the guard's handler may have looked already
    if (
        product.held
        and product.invention_id is not None
        and await listing_guard.release_if_cleared(services, product.invention_id)
    ):
        product = await services.products.get(product_id, Shard(group.state, group.id))
    return product, await services.stock.level(product_id)


async def listing_group(services: Services, who: Principal, group_id: str) -> GroupRecord:
    """The group whose ODF lists products: in the caller's scope, the caller acting for its
    ODF alone, the ODF registered."""
    group = await group_in_scope(services, who, group_id)
    act_for_odf(who, group)
    if not group.odf_id or group.state is None:
        raise TradeRuleViolation("the group has no Development Organization yet", rule="¶94")
    return group


def member_refusal(group: GroupRecord, producer_id: str) -> str | None:
    """Why the ODF may not list this producer's product, if it may not [¶94]."""
    if group.is_member(producer_id):
        return None
    return (
        f"participant {producer_id} is not an active member of group {group.id}; the ODF "
        "sells its own members' products only"
    )


def new_product(
    services: Services,
    group: GroupRecord,
    command: ListProduct,
    product_id: str,
    invention: Invention | None,
) -> Product:
    """The product a listing makes (held while the invention it names is not cleared)."""
    assert group.odf_id is not None and group.state is not None  # listing_group checked
    return Product.list_(
        id=product_id,
        group_id=group.id,
        odf_id=group.odf_id,
        producer_id=command.producer_id,
        state=group.state,
        municipality=command.municipality or group.municipality or "",
        name=command.name,
        category=command.category,
        niche=command.niche,
        unit=command.unit,
        price_mxn=command.price_mxn,
        price_usd=command.price_usd,
        programmes=list(command.programmes),
        terms=services.terms,
        stock=command.stock,
        now=services.now(),
        invention_id=command.invention_id,
        invention_cleared=invention is not None and invention.cleared,
    )


async def product_in_scope(services: Services, who: Principal, product_id: str) -> Product:
    product = await services.products.get(product_id, Shard.in_scope(who.states))
    check_state(who, product.state)
    return product


async def adjust_stock(
    services: Services, who: Principal, command: AdjustStock, adjustment_id: str
) -> tuple[Product, StockLevel]:
    """The counters change once per recount (its id is the same on a retry of the same key),
    then the product announces it once: a retry after a crash between the two completes it."""
    product = await product_in_scope(services, who, command.product_id)
    group = await services.groups.get(product.group_id, Shard(product.state))
    act_for_odf(who, group)
    level = await services.stock.adjust(product.id, adjustment_id, command.delta)
    if level is None:
        current = await services.stock.level(product.id)
        raise TradeRuleViolation(
            f"product {product.id} has {current.available} units available and "
            f"{current.reserved} reserved; a recount cannot take away reserved units",
            rule="RULES.md",
        )
    if product.stock_adjusted(adjustment_id, command.delta, level, command.reason, services.now()):
        await services.products.save(product)
    return product, level


async def withdraw(services: Services, who: Principal, command: WithdrawProduct) -> Product:
    """The group's ODF takes a product off sale: new orders are refused (409); what is
    reserved may still be paid, and paid orders are still shipped."""
    product = await product_in_scope(services, who, command.product_id)
    act_for_odf(who, await services.groups.get(product.group_id, Shard(product.state)))
    if product.withdraw(command.reason, services.now()):
        await services.products.save(product)
    return product
