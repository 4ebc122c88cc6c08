"""The listing guard's state machine: when an invention is cleared (filed, or decided to be kept
secret or published), what un-clears it, and a product held until then announced once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from megp_common.contracts import trade as ev
from trade.domain.errors import InvalidTransition
from trade.domain.invention import HELD_REASON, FilingStage, Invention
from trade.domain.pricing import FeeTerms
from trade.domain.product import Product

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)

Step = Callable[[Invention], None]


def decide(choice: str) -> Step:
    return lambda i: i.decided(choice)


def drafted(f: str = "f1") -> Step:
    return lambda i: i.filing_drafted(f)


def submitted(f: str = "f1") -> Step:
    return lambda i: i.filing_submitted(f)


def published(f: str = "f1") -> Step:
    return lambda i: i.filing_published(f)


def ended(f: str = "f1") -> Step:
    return lambda i: i.filing_ended(f)


@pytest.mark.parametrize(
    ("steps", "cleared"),
    [
        ([], False),  # heard of, nothing decided
        ([decide("keep_secret")], True),
        ([decide("publish")], True),
        ([decide("file")], False),  # deciding to file is not filing
        ([decide("file"), drafted()], False),
        ([decide("file"), drafted(), submitted()], True),
        ([decide("file"), drafted(), submitted(), ended()], False),  # abandoned unpublished
        ([decide("file"), drafted(), submitted(), published(), ended()], True),  # in the gazette
        ([decide("keep_secret"), decide("file")], False),  # the last decision counts
        ([decide("file"), drafted(), submitted(), decide("keep_secret"), ended()], True),
        # two filings: one abandoned, the other still protects
        ([drafted("a"), drafted("b"), submitted("a"), submitted("b"), ended("a")], True),
        ([drafted("a"), submitted("a"), ended("a"), submitted("a")], False),  # no coming back
    ],
)
def test_when_an_invention_is_cleared(steps: list[Step], cleared: bool) -> None:
    invention = Invention(id="d1")
    for step in steps:
        step(invention)
    assert invention.cleared is cleared


def test_a_public_filing_stays_public_and_the_store_can_find_it() -> None:
    invention = Invention(id="d1")
    drafted("b")(invention)
    drafted("a")(invention)
    published("a")(invention)
    ended("a")(invention)
    assert invention.filings == {"a": FilingStage.PUBLIC, "b": FilingStage.DRAFTED}
    assert invention.filing_ids == ["a", "b"]


def product(invention_id: str | None, cleared: bool = False) -> Product:
    return Product.list_(
        id="p1",
        group_id="g1",
        odf_id="odf-1",
        producer_id="m1",
        state="20",
        municipality="Oaxaca de Juárez",
        name="horno",
        category="kilns",
        niche="potters",
        unit="piece",
        price_mxn=Decimal("1200.00"),
        price_usd=None,
        programmes=[],
        terms=FeeTerms(Decimal("0.10"), Decimal("0.05")),
        stock=4,
        now=NOW,
        invention_id=invention_id,
        invention_cleared=cleared,
    )


def listed_events(p: Product) -> list[ev.ProductListed]:
    return [e.payload for e in p.pending_events() if isinstance(e.payload, ev.ProductListed)]


def test_a_product_naming_no_invention_or_a_cleared_one_is_listed_at_once() -> None:
    for p in (product(None), product("d1", cleared=True)):
        assert p.listing_status == "listed" and p.held_reason is None
        assert len(listed_events(p)) == 1
        p.expect_on_sale()


def test_a_product_naming_an_invention_not_cleared_is_held_unannounced_and_not_orderable() -> None:
    p = product("d1")
    assert p.held and p.listing_status == "held" and p.held_reason == HELD_REASON
    assert listed_events(p) == []
    with pytest.raises(InvalidTransition) as refused:
        p.expect_on_sale()
    assert "neither filed nor decided to be kept secret or published" in str(refused.value)


def test_a_held_product_is_released_and_announced_once() -> None:
    p = product("d1")
    later = NOW + timedelta(days=3)
    assert p.release(stock=4, now=later) is True
    assert p.release(stock=4, now=later + timedelta(hours=1)) is False
    assert not p.held and p.listed_at == later
    (announced,) = listed_events(p)
    assert announced.product_id == "p1" and announced.stock == 4 and announced.listed_at == later
    p.expect_on_sale()


def test_a_listed_product_is_not_announced_again() -> None:
    p = product(None)
    p.clear_pending()
    assert p.release(stock=4, now=NOW) is False and listed_events(p) == []
