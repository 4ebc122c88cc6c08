"""IMPI fees' loan requests share the purchasing rounds' financing request (domain/financing.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from credit.domain.errors import StateConflict
from credit.domain.financing import (
    FeeAsked,
    FinancingOrigin,
    FinancingRequest,
    FinancingStatus,
)
from credit.service_layer.event_handlers import fee_request_id


def test_a_document_stored_before_fees_reads_as_a_round() -> None:
    stored = {
        "id": "f1",
        "version": 3,
        "round_id": "r1",
        "group_id": "g1",
        "odf_id": "odf-1",
        "item": "lana",
        "amount": "10.00",
        "requested_by": "staff",
        "requested_on": "2027-03-16",
        "status": "pending",
    }
    request = FinancingRequest.model_validate(stored)
    assert (request.origin, request.fee, request.refusal) == (
        FinancingOrigin.PURCHASING_ROUND,
        None,
        None,
    )
    assert request.purpose == "collective purchase of lana (purchasing round r1)"


def fee_request(status: FinancingStatus = FinancingStatus.PENDING) -> FinancingRequest:
    return FinancingRequest(
        id=fee_request_id("fl1", "d1"),
        origin=FinancingOrigin.IMPI_FEE,
        fee=FeeAsked(
            filing_id="fl1",
            disclosure_id="ds1",
            deadline_id="d1",
            kind="grant_fee",
            due_on=date(2027, 5, 1),
        ),
        group_id="g1",
        odf_id="odf-1",
        item="IMPI fee grant_fee",
        amount=Decimal("3000.00"),
        requested_by="p1",
        requested_on=date(2027, 3, 16),
        status=status,
        refusal=None if status is FinancingStatus.PENDING else "no group",
    )


def test_a_fee_request_names_its_filing_and_is_applied_for_once() -> None:
    request = fee_request()
    assert request.id == "impi-fee-fl1-d1" and request.round_id is None
    assert request.purpose == "IMPI fee grant_fee of filing fl1 (due 2027-05-01)"
    request.apply_with("loan-1", date(2027, 3, 17))
    with pytest.raises(StateConflict):
        request.apply_with("loan-2", date(2027, 3, 18))
    assert request.loan_id == "loan-1"


def test_a_refused_request_is_never_applied_for() -> None:
    request = fee_request(FinancingStatus.REFUSED)
    with pytest.raises(StateConflict, match="no group"):
        request.apply_with("loan-1", date(2027, 3, 17))
    assert (request.status, request.loan_id) == (FinancingStatus.REFUSED, None)
