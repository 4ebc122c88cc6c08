"""Collective purchasing [¶30, ¶69]: rounds, tiered quotes, the choice [¶55] and the split."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from megp_common.decisions import Governance
from megp_common.refusals import (
    DecisionRefused,
    InvalidData,
    Missing,
    RuleViolation,
    StateConflict,
)
from trade.domain.purchasing import (
    Decider,
    DemandLine,
    InputKind,
    PriceTier,
    PurchaseAllocated,
    PurchasingRound,
    PurchasingRoundClosed,
    PurchasingRoundOpened,
    QuoteChosen,
    QuoteDecider,
    RoundStatus,
    SupplierQuote,
    split_cost,
    to_cents,
)

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
CLOSES = T0 + timedelta(days=14)
BOARD = Governance.of({"rep-1"}, support_committee={"sc-1"})
REP = Decider(frozenset({"board_representative"}), odf_id="odf-a", participant_id="rep-1")
STAFF = Decider(frozenset({"odf_staff"}), odf_id="odf-b", participant_id="staff-9")


def tiers(*pairs: tuple[int, str]) -> tuple[PriceTier, ...]:
    return tuple(PriceTier(min_quantity=q, unit_price=Decimal(p)) for q, p in pairs)


def quote(quote_id: str = "q1", **kw: object) -> SupplierQuote:
    fields: dict[str, object] = {
        "quote_id": quote_id,
        "supplier_id": f"sup-{quote_id}",
        "tiers": tiers((1, "10.00"), (100, "8.50"), (500, "7.25")),
    }
    fields.update(kw)
    return SupplierQuote.offer(**fields)


def a_round(odfs: tuple[str, ...] = ("odf-a", "odf-b")) -> PurchasingRound:
    return PurchasingRound.open(
        round_id="r1",
        odf_ids=odfs,
        item="palm fibre",
        kind="raw_material",
        unit="kg",
        opened_at=T0,
        closes_at=CLOSES,
        state="20",
    )


def closed_round(demands: dict[str, tuple[str, int]]) -> PurchasingRound:
    rnd = a_round()
    for i, (pid, (odf, qty)) in enumerate(demands.items()):
        rnd.state_demand(pid, odf, qty, T0 + timedelta(hours=i + 1))
    rnd.close(CLOSES)
    return rnd


# -- the round -------------------------------------------------------------------------------


def test_opening_records_the_round_and_validates_its_terms() -> None:
    rnd = a_round()
    assert rnd.status is RoundStatus.OPEN and rnd.kind is InputKind.RAW_MATERIAL
    [opened] = [e.payload for e in rnd.pending_events()]
    assert isinstance(opened, PurchasingRoundOpened)
    assert opened.odf_ids == ["odf-a", "odf-b"] and opened.kind == "raw_material"
    assert opened.event_type == "trade.PurchasingRoundOpened"
    with pytest.raises(InvalidData):
        PurchasingRound.open(
            round_id="r", odf_ids=[], item="x", kind="input", unit="kg", opened_at=T0,
            closes_at=CLOSES,
        )  # fmt: skip
    with pytest.raises(InvalidData):
        PurchasingRound.open(
            round_id="r", odf_ids=["a"], item="x", kind="service", unit="kg", opened_at=T0,
            closes_at=CLOSES,
        )  # fmt: skip
    with pytest.raises(InvalidData):
        PurchasingRound.open(
            round_id="r", odf_ids=["a"], item="x", kind="capital_good", unit="unit",
            opened_at=T0, closes_at=T0,
        )  # fmt: skip


def test_demand_is_revisable_until_close_and_refused_after() -> None:
    rnd = a_round()
    rnd.state_demand("p1", "odf-a", 40, T0 + timedelta(hours=1))
    rnd.state_demand("p2", "odf-b", 25, T0 + timedelta(hours=2))
    rnd.state_demand("p1", "odf-a", 60, CLOSES - timedelta(seconds=1))  # revised
    assert rnd.demands["p1"].quantity == 60
    assert rnd.demands["p1"].stated_at == T0 + timedelta(hours=1)  # keeps its place
    with pytest.raises(StateConflict):
        rnd.state_demand("p3", "odf-a", 5, CLOSES)  # the closing instant is too late
    with pytest.raises(StateConflict):
        rnd.close(CLOSES - timedelta(minutes=1))  # members were promised until the date
    rnd.close(CLOSES)
    assert rnd.pooled_quantity == 85 and rnd.status is RoundStatus.CLOSED
    closed = rnd.pending_events()[-1].payload
    assert isinstance(closed, PurchasingRoundClosed)
    assert (closed.pooled_quantity, closed.members) == (85, 2)
    with pytest.raises(StateConflict):
        rnd.state_demand("p1", "odf-a", 70, CLOSES + timedelta(days=1))
    with pytest.raises(StateConflict):
        rnd.close(CLOSES + timedelta(days=1))


@pytest.mark.parametrize("quantity", [0, -3, True, 2.5, "4"])
def test_a_demand_is_a_positive_whole_quantity(quantity: object) -> None:
    rnd = a_round()
    with pytest.raises(InvalidData):
        rnd.state_demand("p1", "odf-a", quantity, T0)  # type: ignore[arg-type]
    assert rnd.demands == {}


def test_only_members_of_participating_odfs_state_demand() -> None:
    rnd = a_round()
    with pytest.raises(RuleViolation) as refused:
        rnd.state_demand("p1", "odf-z", 10, T0)
    assert refused.value.rule == "¶69"
    rnd.state_demand("p1", "odf-a", 10, T0)
    with pytest.raises(StateConflict):
        rnd.state_demand("p1", "odf-b", 10, T0 + timedelta(hours=1))


def test_withdrawing_a_demand_takes_it_out_of_the_pool() -> None:
    rnd = a_round()
    rnd.state_demand("p1", "odf-a", 10, T0)
    rnd.state_demand("p2", "odf-a", 7, T0)
    rnd.withdraw_demand("p1", T0 + timedelta(days=1))
    with pytest.raises(StateConflict):
        rnd.withdraw_demand("p1", T0 + timedelta(days=1))
    rnd.close(CLOSES)
    assert rnd.pooled_quantity == 7


# -- quotes ----------------------------------------------------------------------------------


def test_the_tier_that_applies_is_the_largest_minimum_reached() -> None:
    q = quote()
    assert [q.unit_price_for(n) for n in (1, 99, 100, 499, 500, 10_000)] == [
        Decimal(p) for p in ("10.00", "10.00", "8.50", "8.50", "7.25", "7.25")
    ]
    assert q.total_for(100) == Decimal("850.00")
    minimum_order = quote(tiers=tiers((50, "9.00")), delivery_charge=Decimal("120.00"))
    assert minimum_order.tier_for(49) is None and minimum_order.total_for(49) is None
    assert minimum_order.total_for(50) == Decimal("570.00")  # 450 + delivery


def test_totals_round_half_even_to_the_centavo() -> None:
    q = quote(tiers=tiers((1, "0.005")))
    # 0.005 -> 0.00, 0.015 -> 0.02, 0.025 -> 0.02: halves go to the even centavo
    assert [q.total_for(n) for n in (1, 3, 5)] == [Decimal(v) for v in ("0.00", "0.02", "0.02")]
    fine = quote(tiers=tiers((1, "0.0125")))
    assert fine.total_for(7) == Decimal("0.09")  # 0.0875


@pytest.mark.parametrize(
    "bad",
    [
        {"tiers": ()},
        {"tiers": tiers((1, "5.00"), (1, "4.00"))},
        {"tiers": tiers((1, "5.00"), (10, "5.50"))},  # a tier never raises the price
        {"tiers": tiers((1, "5.00001"))},  # more than four decimals
        {"delivery_charge": Decimal("-1")},
        {"delivery_charge": Decimal("1.005")},
    ],
)
def test_malformed_quotes_are_refused(bad: dict[str, object]) -> None:
    fields: dict[str, object] = {"quote_id": "q", "supplier_id": "s", "tiers": tiers((1, "5"))}
    with pytest.raises(InvalidData):
        SupplierQuote.offer(**(fields | bad))


def test_a_support_committee_supplier_may_flag_major_client_terms() -> None:
    rnd = closed_round({"p1": ("odf-a", 120), "p2": ("odf-b", 30)})
    rnd.receive_quote(quote("q1"))
    rnd.receive_quote(quote("sc", tiers=tiers((1, "7.00")), major_client_terms=True))
    rnd.choose_quote("sc", REP, QuoteDecider.BOARD, BOARD, CLOSES + timedelta(days=1))
    chosen = next(e.payload for e in rnd.pending_events() if isinstance(e.payload, QuoteChosen))
    assert chosen.major_client_terms is True and chosen.total == Decimal("1050.00")


# -- choosing: the ODF decides, never a buyer or a supplier [¶55] -----------------------------


def test_the_board_chooses_and_every_member_gets_their_demand_and_share() -> None:
    rnd = closed_round({"p1": ("odf-a", 60), "p2": ("odf-b", 30), "p3": ("odf-a", 10)})
    rnd.receive_quote(quote("q1", delivery_charge=Decimal("100.01")))
    rnd.clear_pending()
    allocations = rnd.choose_quote("q1", REP, QuoteDecider.BOARD, BOARD, CLOSES)
    # 100 kg reach the 8.50 tier: 850.00 + 100.01 delivery
    assert rnd.total == Decimal("950.01") and rnd.status is RoundStatus.ALLOCATED
    assert [(a.participant_id, a.quantity) for a in allocations] == [
        ("p1", 60),
        ("p2", 30),
        ("p3", 10),
    ]
    # exact: 570.006, 285.003, 95.001 -> floors 570.00, 285.00, 95.00 and one centavo left,
    # for p1 (largest remainder)
    assert [a.cost_share for a in allocations] == [
        Decimal("570.01"),
        Decimal("285.00"),
        Decimal("95.00"),
    ]
    events = [e.payload for e in rnd.pending_events()]
    assert isinstance(events[0], QuoteChosen) and events[0].chosen_by == "rep-1"
    assert events[0].decided_as == "board" and events[0].unit_price == Decimal("8.50")
    allocated = [e for e in events if isinstance(e, PurchaseAllocated)]
    assert sum(e.cost_share for e in allocated) == Decimal("950.01")
    assert {e.participant_id: e.member_odf_id for e in allocated} == {
        "p1": "odf-a",
        "p2": "odf-b",
        "p3": "odf-a",
    }
    with pytest.raises(StateConflict):
        rnd.choose_quote("q1", REP, QuoteDecider.BOARD, BOARD, CLOSES)
    with pytest.raises(StateConflict):
        rnd.receive_quote(quote("late"))


@pytest.mark.parametrize(
    "who",
    [
        Decider(frozenset({"participant"}), odf_id="odf-a", participant_id="p1"),
        Decider(frozenset({"odf_staff"}), odf_id="odf-a", participant_id="staff-1"),
        Decider(frozenset({"board_representative"}), odf_id="odf-a", participant_id="rep-2"),
        Decider(
            frozenset({"board_representative", "committee_member"}),
            odf_id="odf-a",
            participant_id="rep-1",
        ),  # a Support Committee buyer or supplier, whatever else the token says
        Decider(frozenset({"board_representative"}), odf_id="odf-z", participant_id="rep-1"),
        Decider(
            frozenset({"board_representative"}),
            odf_id="odf-a",
            participant_id="rep-1",
            organization="sup-q1",
        ),  # the quoting supplier
    ],
)
def test_under_the_board_setting_only_a_seated_representative_chooses(who: Decider) -> None:
    rnd = closed_round({"p1": ("odf-a", 5)})
    rnd.receive_quote(quote("q1"))
    with pytest.raises(DecisionRefused):
        rnd.choose_quote("q1", who, QuoteDecider.BOARD, BOARD, CLOSES)
    assert rnd.status is RoundStatus.CLOSED and rnd.allocations == []


def test_under_the_staff_setting_the_odfs_staff_choose_but_no_outsider() -> None:
    rnd = closed_round({"p1": ("odf-a", 5)})
    rnd.receive_quote(quote("q1"))
    with pytest.raises(DecisionRefused):
        rnd.choose_quote("q1", REP, QuoteDecider.STAFF, BOARD, CLOSES)
    lender_staff = Decider(frozenset({"odf_staff", "partner_bank"}), odf_id="odf-b")
    with pytest.raises(DecisionRefused):
        rnd.choose_quote("q1", lender_staff, QuoteDecider.STAFF, BOARD, CLOSES)
    rnd.choose_quote("q1", STAFF, QuoteDecider.STAFF, BOARD, CLOSES)
    assert rnd.chosen_by == "staff-9"


def test_a_quote_must_exist_apply_to_the_pool_and_be_valid() -> None:
    rnd = closed_round({"p1": ("odf-a", 40)})
    rnd.receive_quote(quote("big", tiers=tiers((100, "5.00"))))
    rnd.receive_quote(quote("old", valid_until=date(2027, 3, 10)))
    with pytest.raises(StateConflict):
        rnd.receive_quote(quote("old"))
    with pytest.raises(Missing):
        rnd.choose_quote("nope", REP, QuoteDecider.BOARD, BOARD, CLOSES)
    with pytest.raises(RuleViolation):
        rnd.choose_quote("big", REP, QuoteDecider.BOARD, BOARD, CLOSES)  # below its minimum
    with pytest.raises(RuleViolation):
        rnd.choose_quote("old", REP, QuoteDecider.BOARD, BOARD, CLOSES)  # expired


def test_no_quote_is_chosen_before_closing_or_for_an_empty_round() -> None:
    rnd = a_round()
    rnd.receive_quote(quote("q1"))
    rnd.state_demand("p1", "odf-a", 3, T0)
    with pytest.raises(StateConflict):
        rnd.choose_quote("q1", REP, QuoteDecider.BOARD, BOARD, T0)
    empty = a_round()
    empty.close(CLOSES)
    empty.receive_quote(quote("q1"))
    assert empty.pooled_quantity == 0
    with pytest.raises(RuleViolation):
        empty.choose_quote("q1", REP, QuoteDecider.BOARD, BOARD, CLOSES)


# -- savings against buying alone --------------------------------------------------------------


def test_savings_against_each_members_best_single_quote() -> None:
    rnd = closed_round({"p1": ("odf-a", 300), "p2": ("odf-b", 200), "p3": ("odf-a", 4)})
    rnd.receive_quote(quote("q1"))  # 10.00 / 8.50 from 100 / 7.25 from 500
    rnd.receive_quote(quote("q2", tiers=tiers((5, "9.00"), (250, "8.00"))))
    rnd.choose_quote("q1", REP, QuoteDecider.BOARD, BOARD, CLOSES)
    report = rnd.savings()
    alone = {m.participant_id: m.alone_cost for m in report.members}
    # p1 alone: min(300 x 8.50, 300 x 8.00) = 2400; p2: min(1700, 1800) = 1700;
    # p3 (4 kg): q2 needs 5, so q1's 10.00 -> 40.00
    assert alone == {"p1": Decimal("2400.00"), "p2": Decimal("1700.00"), "p3": Decimal("40.00")}
    assert rnd.total == Decimal("3654.00")  # 504 x 7.25
    assert sum(m.cost_share for m in report.members) == rnd.total
    assert report.alone_cost == Decimal("4140.00")
    assert report.saving == Decimal("486.00") and report.members_no_quote_alone == 0
    shares = {m.participant_id: m.saving for m in report.members}
    assert shares == {"p1": Decimal("225.00"), "p2": Decimal("250.00"), "p3": Decimal("11.00")}


def test_a_member_no_quote_serves_alone_is_counted_apart() -> None:
    rnd = closed_round({"p1": ("odf-a", 80), "p2": ("odf-b", 70)})
    rnd.receive_quote(quote("q1", tiers=tiers((100, "5.00"))))
    rnd.choose_quote("q1", REP, QuoteDecider.BOARD, BOARD, CLOSES)
    report = rnd.savings()
    assert report.members_no_quote_alone == 2
    assert (report.pooled_cost, report.alone_cost, report.saving) == (Decimal(0),) * 3
    with pytest.raises(StateConflict):
        a_round().savings()


# -- the split, by hypothesis --------------------------------------------------------------------

quantities = st.integers(min_value=0, max_value=100_000)
demand_lists = st.lists(
    st.tuples(quantities, st.integers(min_value=0, max_value=5)), min_size=1, max_size=40
).map(
    lambda rows: [
        DemandLine(f"p{i:02d}", q, T0 + timedelta(minutes=minute))
        for i, (q, minute) in enumerate(rows)
    ]
)
totals_cents = st.integers(min_value=0, max_value=10**11)


def _positive(lines: list[DemandLine]) -> list[DemandLine]:
    return [d for d in lines if d.quantity > 0]


@given(demand_lists, totals_cents)
def test_shares_always_sum_to_the_total(lines: list[DemandLine], cents: int) -> None:
    total = Decimal(cents).scaleb(-2)
    if not _positive(lines):
        assert split_cost(Decimal(0), lines) == {}
        return
    shares = split_cost(total, lines)
    assert sum(shares.values()) == total
    assert all(s == s.quantize(Decimal("0.01")) for s in shares.values())


@given(demand_lists, totals_cents)
def test_each_share_is_within_one_centavo_of_exact_pro_rata(
    lines: list[DemandLine], cents: int
) -> None:
    positive = _positive(lines)
    if not positive:
        return
    shares = split_cost(Decimal(cents).scaleb(-2), lines)
    pooled = sum(d.quantity for d in positive)
    for d in positive:
        share = to_cents(shares[d.participant_id])
        # |share - cents*q/pooled| < 1, in integers; and it is the floor or the ceiling
        assert abs(share * pooled - cents * d.quantity) < pooled
        assert share in (cents * d.quantity // pooled, -(-cents * d.quantity // pooled))


@given(demand_lists, totals_cents, st.randoms(use_true_random=False))
def test_the_result_per_member_does_not_depend_on_order(
    lines: list[DemandLine], cents: int, rng: random.Random
) -> None:
    if not _positive(lines):
        return
    total = Decimal(cents).scaleb(-2)
    shuffled = list(lines)
    rng.shuffle(shuffled)
    assert split_cost(total, shuffled) == split_cost(total, lines)


@given(demand_lists, totals_cents)
def test_zero_demand_members_are_excluded_and_change_nothing(
    lines: list[DemandLine], cents: int
) -> None:
    positive = _positive(lines)
    if not positive:
        return
    total = Decimal(cents).scaleb(-2)
    shares = split_cost(total, lines)
    assert set(shares) == {d.participant_id for d in positive}
    assert shares == split_cost(total, positive)


@given(demand_lists, totals_cents)
def test_a_larger_demand_never_pays_less(lines: list[DemandLine], cents: int) -> None:
    positive = _positive(lines)
    if not positive:
        return
    shares = split_cost(Decimal(cents).scaleb(-2), lines)
    for a in positive:
        for b in positive:
            if a.quantity > b.quantity:
                assert shares[a.participant_id] >= shares[b.participant_id]


def test_ties_go_to_the_earlier_demand_then_the_participant_id() -> None:
    same = T0
    later = T0 + timedelta(minutes=1)
    # 0.02 over three equal demands: two centavos left over, equal remainders
    lines = [DemandLine("c", 1, same), DemandLine("a", 1, later), DemandLine("b", 1, same)]
    assert split_cost(Decimal("0.02"), lines) == {
        "b": Decimal("0.01"),
        "c": Decimal("0.01"),
        "a": Decimal("0.00"),
    }


def test_the_split_refuses_what_cannot_be_split() -> None:
    with pytest.raises(ValueError):
        split_cost(Decimal("1.001"), [DemandLine("a", 1, T0)])
    with pytest.raises(ValueError):
        split_cost(Decimal("1.00"), [DemandLine("a", 1, T0), DemandLine("a", 2, T0)])
    with pytest.raises(ValueError):
        split_cost(Decimal("1.00"), [DemandLine("a", -1, T0)])
    with pytest.raises(ValueError):
        split_cost(Decimal("1.00"), [])
