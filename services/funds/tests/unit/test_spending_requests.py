"""IMPI fees asked of the Competition Sub-Fund (domain/spending_requests.py): ip-counsel's
purpose names, the reasons a request is refused, and one approval."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from funds.domain.policy import CompetitionPurpose
from funds.domain.spending_requests import (
    IP_COUNSEL_PURPOSES,
    SpendingRequest,
    SpendingStatus,
    purpose_for,
    refusal_for,
    request_id_for,
)
from megp_common.refusals import StateConflict


def test_ip_counsels_purposes_are_competition_purposes() -> None:
    assert purpose_for("scientific_technological_research") is CompetitionPurpose.RESEARCH
    assert purpose_for("samples_designs_innovations") is CompetitionPurpose.SAMPLES_DESIGNS
    assert set(IP_COUNSEL_PURPOSES.values()) <= set(CompetitionPurpose)
    assert purpose_for("market_studies") is None  # a fund purpose, but no IMPI fee's
    assert purpose_for(None) is None


@pytest.mark.parametrize(
    ("purpose", "currency", "fund_open", "group", "reason"),
    [
        ("scientific_technological_research", "MXN", True, "g1", None),
        ("space_travel", "MXN", True, "g1", "'space_travel' is not a Competition"),
        (None, "MXN", True, "g1", "None is not a Competition"),
        ("samples_designs_innovations", "MXN", False, "g1", "no open fund for group g1"),
        ("samples_designs_innovations", "MXN", True, None, "not a project group"),
        ("samples_designs_innovations", "USD", True, "g1", "pays in MXN"),
    ],
)
def test_why_a_request_is_refused(
    purpose: str | None, currency: str, fund_open: bool, group: str | None, reason: str | None
) -> None:
    found = refusal_for(purpose, currency, fund_open, group)
    if reason is None:
        assert found is None
    else:
        assert found is not None and reason in found


def request(status: SpendingStatus = SpendingStatus.PENDING) -> SpendingRequest:
    refused = status is SpendingStatus.REFUSED
    return SpendingRequest(
        id=request_id_for("fl1", "d1"),
        fund_id="g1",
        filing_id="fl1",
        disclosure_id="ds1",
        deadline_id="d1",
        kind="grant_fee",
        asked_purpose="space_travel" if refused else "scientific_technological_research",
        purpose=None if refused else CompetitionPurpose.RESEARCH,
        amount=Decimal("3000.00"),
        due_on=date(2027, 5, 1),
        requested_by="p1",
        requested_on=date(2027, 3, 16),
        status=status,
        refusal="unknown purpose" if refused else None,
    )


def test_one_request_per_deadline() -> None:
    assert request_id_for("fl1", "d1") == request_id_for("fl1", "d1")
    assert request_id_for("fl1", "d1") != request_id_for("fl2", "d1")


def test_a_pending_request_is_the_spend_the_board_judges_once() -> None:
    r = request()
    spend = r.spend("rep-1", frozenset({"board_representative"}))
    assert (spend.purpose, spend.amount, spend.payee) == (
        "scientific_technological_research",
        Decimal("3000.00"),
        "IMPI",
    )
    assert spend.description == "IMPI fee grant_fee of filing fl1 (due 2027-05-01)"
    r.approved("e1", "rep-1", date(2027, 3, 20))
    r.approved("e1", "rep-1", date(2027, 3, 21))  # a retry: the same entry, nothing changes
    assert (r.status, r.entry_id, r.approved_on) == (
        SpendingStatus.APPROVED,
        "e1",
        date(2027, 3, 20),
    )
    with pytest.raises(StateConflict):
        r.spend("rep-2", frozenset({"board_representative"}))
    with pytest.raises(StateConflict):
        r.approved("e2", "rep-2", date(2027, 3, 22))


def test_a_refused_request_is_never_spent() -> None:
    with pytest.raises(StateConflict, match="unknown purpose"):
        request(SpendingStatus.REFUSED).spend("rep-1", frozenset({"board_representative"}))
