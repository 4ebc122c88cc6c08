"""Matching tiers and caps: a donation and its matches never pass a cap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from donors.domain.errors import DonorRuleViolation
from donors.domain.matching import (
    Caps,
    CoFunder,
    Pledge,
    PledgeStatus,
    Programme,
    Tier,
    allocate,
    check_programme,
    full_match,
    room_left,
    scale_down,
)
from megp_common.contracts import donors as ev

THREE_BY_ONE = [
    CoFunder(id="federal", name="Federal", tier=Tier.FEDERAL, ratio=Decimal(1)),
    CoFunder(id="state", name="Estado", tier=Tier.STATE, ratio=Decimal(1)),
    CoFunder(id="municipal", name="Municipio", tier=Tier.MUNICIPAL, ratio=Decimal(1)),
]


def test_three_for_one_matches_each_peso_three_times() -> None:
    full = full_match(100_00, THREE_BY_ONE)
    assert full == {"federal": 100_00, "state": 100_00, "municipal": 100_00}
    assert allocate(full, None) == full
    assert allocate(full, 150_00) == {"federal": 50_00, "state": 50_00, "municipal": 50_00}
    assert allocate(full, 0) == {"federal": 0, "state": 0, "municipal": 0}


def test_the_tightest_cap_decides_the_room() -> None:
    caps = Caps(per_project=1000, per_association=500, programme=None)
    assert room_left(caps, 10**9, 400, 100) == 100
    assert room_left(caps, 0, 600, 0) == 0
    assert room_left(Caps(), 5, 5, 5) is None


ratios = st.lists(
    st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("10"), places=4),
    min_size=1,
    max_size=5,
)


@given(
    st.integers(min_value=0, max_value=10**10), ratios, st.integers(min_value=0, max_value=10**11)
)
def test_an_allocation_never_passes_its_room_nor_a_full_share(
    donation: int, rs: list[Decimal], room: int
) -> None:
    cofunders = [CoFunder(id=f"c{i}", name="x", tier=Tier.OTHER, ratio=r) for i, r in enumerate(rs)]
    full = full_match(donation, cofunders)
    got = allocate(full, room)
    assert sum(got.values()) == min(room, sum(full.values()))
    assert all(0 <= got[k] <= full[k] for k in full)
    if sum(full.values()) <= room:
        assert got == full


@given(
    st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=10**7), st.sampled_from("ab"), st.sampled_from("xyz")
        ),
        max_size=60,
    ),
    st.integers(min_value=0, max_value=10**8),
    st.integers(min_value=0, max_value=10**8),
    st.integers(min_value=0, max_value=10**8),
)
def test_a_run_of_donations_never_passes_any_cap(
    donations: list[tuple[int, str, str]], per_project: int, per_association: int, total: int
) -> None:
    caps = Caps(per_project=per_project, per_association=per_association, programme=total)
    by_project: dict[str, int] = {}
    by_association: dict[str, int] = {}
    used = 0
    for amount, association, project in donations:
        room = room_left(caps, used, by_association.get(association, 0), by_project.get(project, 0))
        got = sum(allocate(full_match(amount, THREE_BY_ONE), room).values())
        used += got
        by_association[association] = by_association.get(association, 0) + got
        by_project[project] = by_project.get(project, 0) + got
    assert used <= total
    assert all(v <= per_association for v in by_association.values())
    assert all(v <= per_project for v in by_project.values())


def test_a_partial_refund_scales_each_pledge_down_to_the_centavo() -> None:
    # 1,000.01 pesos matched 1:1 three times, 333.34 of the 1,000.01 refunded: 666.67 kept
    pledges = {"federal": 1000_01, "state": 1000_01, "municipal": 1000_01}
    scaled = scale_down(pledges, 666_67, 1000_01)
    assert scaled == {"federal": 666_67, "state": 666_67, "municipal": 666_67}
    # a third kept of 100.00, 50.01 and 0.01: 33.333.., 16.67 and 0.0033.., 50.0066.. in all,
    # so 50.01: the odd centavo to the largest remainder (a tie of a and c: a, named first)
    odd = scale_down({"a": 100_00, "b": 50_01, "c": 1}, 1, 3)
    assert odd == {"a": 33_34, "b": 16_67, "c": 0}
    assert scale_down({"a": 5}, 0, 7) == {"a": 0}  # nothing kept, nothing below zero


@given(
    st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=5),
    st.integers(min_value=1, max_value=10**9),
    st.data(),
)
def test_scaling_never_goes_below_zero_nor_above_the_pledge_and_sums_to_the_share(
    amounts: list[int], given_cents: int, data: st.DataObject
) -> None:
    kept = data.draw(st.integers(min_value=0, max_value=given_cents))
    pledges = {f"c{i}": a for i, a in enumerate(amounts)}
    scaled = scale_down(pledges, kept, given_cents)
    exact = Decimal(sum(amounts) * kept) / Decimal(given_cents)
    assert all(0 <= scaled[k] <= pledges[k] for k in pledges)
    assert abs(Decimal(sum(scaled.values())) - exact) <= Decimal("0.5")
    for k, v in pledges.items():  # each within a centavo of its exact share
        assert abs(Decimal(scaled[k]) - Decimal(v * kept) / Decimal(given_cents)) < 1


def _pledge(amount_cents: int, status: PledgeStatus = PledgeStatus.CONFIRMED) -> Pledge:
    at = datetime(2027, 5, 3, tzinfo=UTC)
    return Pledge(
        id="pl-1",
        programme_id="prog",
        cofunder_id="state",
        cofunder_name="Estado",
        tier=Tier.STATE,
        donation_id="don",
        association_id="club",
        group_id="g",
        state="32",
        amount_cents=amount_cents,
        due_by=at + timedelta(days=30),
        pledged_at=at,
        status=status,
    )


def test_a_pledge_brought_down_is_announced_once_with_its_old_and_new_amount() -> None:
    at = datetime(2027, 5, 9, tzinfo=UTC)
    pledge = _pledge(1725_00)
    assert pledge.scale_down("ref-1", 1035_00, at)
    assert not pledge.scale_down("ref-1", 1035_00, at)  # once per refund
    told = [r.payload for r in pledge.pending_events()]
    assert len(told) == 1 and isinstance(told[0], ev.MatchingPledgeScaledDown)
    assert (told[0].previous_amount, told[0].amount, told[0].cancelled) == (
        Decimal("1725.00"),
        Decimal("1035.00"),
        False,
    )
    assert (told[0].refund_id, told[0].association_id, told[0].group_id) == ("ref-1", "club", "g")

    gone = _pledge(1, PledgeStatus.PLEDGED)
    assert gone.scale_down("ref-2", 0, at)
    last = gone.pending_events()[-1].payload
    assert isinstance(last, ev.MatchingPledgeScaledDown)
    assert last.cancelled and last.amount == Decimal("0.00")
    assert gone.status is PledgeStatus.CANCELLED

    paid = _pledge(500_00, PledgeStatus.PAID)
    assert not paid.scale_down("ref-3", 1_00, at) and paid.pending_events() == []


def test_a_pledge_stands_as_it_was_at_a_periods_end() -> None:
    end_of_may = datetime(2027, 6, 1, tzinfo=UTC)
    pledge = _pledge(1725_00)
    assert pledge.scale_down("ref-1", 1035_00, end_of_may + timedelta(days=2))
    assert pledge.cents_at(end_of_may) == 1725_00  # brought down in June
    assert pledge.cents_at(end_of_may + timedelta(days=3)) == 1035_00
    paid = _pledge(500_00, PledgeStatus.CONFIRMED)
    paid.pay("cf", datetime(2027, 5, 20, tzinfo=UTC), "g")
    assert paid.paid_before(end_of_may) and not paid.paid_before(datetime(2027, 5, 4, tzinfo=UTC))


def test_a_programme_matches_inside_its_window_states_and_specific_programmes() -> None:
    opens = datetime(2027, 5, 1, tzinfo=UTC)
    programme = Programme(
        id="prog",
        name="3x1 Zacatecas",
        cofunders=THREE_BY_ONE,
        caps=Caps(),
        eligible_states=["32"],
        eligible_programmes=["women"],
        opens_at=opens,
        closes_at=opens + timedelta(days=30),
        created_by="sup",
        created_at=opens,
    )
    inside = opens + timedelta(days=3)
    programme.check_eligible("32", {"women": 2}, inside)  # matched
    refusals = [
        ("32", {"women": 2}, opens - timedelta(seconds=1), "programme-closed"),
        ("32", {"women": 2}, opens + timedelta(days=30), "programme-closed"),
        ("09", {"women": 2}, inside, "not-eligible"),
        ("32", {"indigenous": 3, "women": 0}, inside, "not-eligible"),
    ]
    for state, participation, now, slug in refusals:
        with pytest.raises(DonorRuleViolation) as refused:
            programme.check_eligible(state, participation, now)
        assert refused.value.type_uri.endswith(slug)
    with pytest.raises(DonorRuleViolation):
        check_programme(programme.model_copy(update={"closes_at": opens}))
    with pytest.raises(DonorRuleViolation):
        check_programme(programme.model_copy(update={"cofunders": THREE_BY_ONE[:1] * 2}))
