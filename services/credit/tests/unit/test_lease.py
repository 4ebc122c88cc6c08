from datetime import date
from decimal import Decimal

import pytest

from credit.domain.errors import CreditRuleViolation, InvalidTransition, NotAuthorized
from credit.domain.lease import Lease, LeaseStatus


def signed() -> Lease:
    lease = Lease.sign(
        id="lease-1",
        group_id="g-1",
        state="20",
        odf_id="odf-1",
        asset="tortilla machine",
        loan_id="loan-9",
        rent=Decimal("800.00"),
        term_months=4,
        purchase_price=Decimal("1.00"),
        lessee_id="ana",
        first_due=date(2027, 2, 1),
        signed_on=date(2027, 1, 5),
    )
    lease.clear_pending()
    return lease


def test_default_then_transfer_keeps_paid_rents_with_the_asset() -> None:
    lease = signed()
    assert lease.pay_rent(1, "ana", date(2027, 2, 1))
    lease.announce_due(date(2027, 3, 1))
    assert not lease.check_default(date(2027, 3, 31), default_after_days=30)
    assert lease.check_default(date(2027, 4, 1), default_after_days=30)
    assert lease.status is LeaseStatus.DEFAULTED
    with pytest.raises(InvalidTransition):
        lease.pay_rent(2, "ana", date(2027, 4, 2))
    lease.transfer("beto", date(2027, 4, 3))
    assert lease.lessee_id == "beto"
    transferred = lease.pending_events()[-1].payload
    assert transferred.remaining_rents == [2, 3, 4]  # type: ignore[attr-defined]
    assert transferred.rents_already_paid == 1  # type: ignore[attr-defined]
    assert [(t.participant_id, t.ended_because) for t in lease.lessees] == [
        ("ana", "default"),
        ("beto", None),
    ]
    with pytest.raises(NotAuthorized):
        lease.pay_rent(2, "ana", date(2027, 4, 4))
    for n in (2, 3, 4):
        lease.pay_rent(n, "beto", date(2027, 5, 1))
    assert lease.rents[0].paid_by == "ana"
    lease.exercise_purchase_option("beto", date(2027, 6, 1))
    assert lease.status is LeaseStatus.COMPLETED
    assert lease.pending_events()[-1].payload.event_type == "credit.LeaseCompleted"


def test_purchase_option_needs_every_rent_paid_and_the_current_lessee() -> None:
    lease = signed()
    with pytest.raises(CreditRuleViolation, match="every rent"):
        lease.exercise_purchase_option("ana", date(2027, 6, 1))
    for n in (1, 2, 3, 4):
        lease.pay_rent(n, "ana", date(2027, 5, 1))
    with pytest.raises(NotAuthorized):
        lease.exercise_purchase_option("beto", date(2027, 6, 1))


def test_only_a_defaulted_lease_is_transferred_and_to_someone_else() -> None:
    lease = signed()
    with pytest.raises(InvalidTransition):
        lease.transfer("beto", date(2027, 2, 2))
    lease.check_default(date(2027, 6, 1), default_after_days=30)
    with pytest.raises(CreditRuleViolation):
        lease.transfer("ana", date(2027, 6, 2))


def test_the_new_lessee_is_not_in_default_for_rents_that_fell_due_before_they_took_over() -> None:
    lease = signed()
    assert lease.check_default(date(2027, 3, 5), default_after_days=30)
    lease.transfer("beto", date(2027, 3, 6))
    assert not lease.check_default(date(2027, 4, 1), default_after_days=30)
    assert lease.check_default(date(2027, 4, 6), default_after_days=30)
