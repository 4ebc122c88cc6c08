"""The pure rules of the webhooks service: the backoff schedule, which bank an event
concerns, what a payload withholds, and signatures the standardwebhooks library verifies."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from webhooks.adapters.sender import signed_headers
from webhooks.domain.backoff import Backoff
from webhooks.domain.catalogue import EVENT_TYPES, Holding, bank_of, learnt
from webhooks.domain.errors import SubscriptionRefused
from webhooks.domain.redaction import redact
from webhooks.domain.subscription import checked_types, checked_url, new_secret


def test_backoff_doubles_up_to_its_cap_and_gives_up() -> None:
    b = Backoff(first_s=5, factor=2, max_s=60, max_attempts=6)
    assert b.schedule() == [5, 10, 20, 40, 60]
    assert b.delay_after(0) == 0
    assert not b.gives_up_after(5) and b.gives_up_after(6)


def test_a_fund_event_goes_to_the_bank_holding_the_fund_in_trust() -> None:
    opened = {"fund_id": "g1", "group_id": "g1", "trust_bank": "Banorte"}
    assert learnt("funds.FundOpened", opened) == [Holding("fund", "g1", "Banorte")]
    inflow = {"fund_id": "g1", "group_id": "g1", "amount": "10.00"}
    known = {("fund", "g1"): "Banorte"}
    assert bank_of("funds.InflowRecorded", inflow, known) == "Banorte"
    assert bank_of("funds.InflowRecorded", {**inflow, "fund_id": "g2"}, known) is None


def test_a_loan_event_goes_to_its_lender_learnt_or_stated() -> None:
    approved = {"loan_id": "L1", "line_id": "C1", "group_id": "g", "lender": "BBVA"}
    assert Holding("loan", "L1", "BBVA") in learnt("credit.LoanApproved", approved)
    paid = {"loan_id": "L1", "line_id": "C1", "group_id": "g"}
    assert bank_of("credit.InstallmentPaid", paid, {("loan", "L1"): "BBVA"}) == "BBVA"
    assert bank_of("credit.InstallmentPaid", paid, {("loan", "L1"): "NAFIN"}) == "NAFIN"
    assert bank_of("credit.InstallmentDue", {**paid, "lender": "Banorte"}, {}) == "Banorte"
    assert bank_of("enrollment.ParticipantEnrolled", {"participant_id": "p"}, {}) is None


def test_a_takeover_moves_the_line_and_its_loans_to_the_new_lender() -> None:
    taken = {"line_id": "C1", "group_id": "g", "previous_lender": "NAFIN", "lender": "Banorte"}
    held = learnt("credit.CreditLineTakenOver", {**taken, "loan_ids": ["L1", "L2"]})
    assert held == [
        Holding("line", "C1", "Banorte"),
        Holding("loan", "L1", "Banorte"),
        Holding("loan", "L2", "Banorte"),
    ]
    known = {(h.kind, h.key): h.bank for h in held}
    paid = {"loan_id": "L2", "line_id": "C1", "group_id": "g"}
    assert bank_of("credit.InstallmentPaid", paid, known) == "Banorte"


def test_redaction_withholds_personal_data_at_any_depth() -> None:
    data = {
        "fund_id": "g1",
        "amount": "100.00",
        "curp": "XEXX010101HNEXXXA4",
        "members": [{"participant_id": "p1", "amount": "50.00"}],
        "member_participant_ids": ["p1"],
        "nested": {"monthly_income": "9000.00", "kept": 1, "list": [{"borrower_curp": "x"}]},
    }
    assert redact(data) == {
        "fund_id": "g1",
        "amount": "100.00",
        "nested": {"kept": 1, "list": [{}]},
    }


def test_subscription_terms_are_checked() -> None:
    assert checked_types(["funds.InflowRecorded", "funds.InflowRecorded"]) == [
        "funds.InflowRecorded"
    ]
    with pytest.raises(SubscriptionRefused):
        checked_types(["enrollment.ParticipantEnrolled"])
    with pytest.raises(SubscriptionRefused):
        checked_url("http://bank.example/x", allow_http=False)
    assert checked_url("https://bank.example/x", allow_http=False)


def test_signed_headers_verify_with_the_library_and_only_with_the_secret() -> None:
    secret, body = new_secret(), '{"type":"funds.InflowRecorded"}'
    headers = signed_headers(secret, "msg_1", body, datetime.now(UTC))
    assert Webhook(secret).verify(body, headers) == {"type": "funds.InflowRecorded"}
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)


def test_every_offered_type_is_a_published_contract() -> None:
    from megp_common.events import payload_model
    from webhooks.service_layer.event_handlers import CONTRACTS

    assert CONTRACTS
    for event_type in EVENT_TYPES:
        assert payload_model(event_type).event_type == event_type


def test_queue_order_increases_and_fits_an_8_byte_integer() -> None:
    from webhooks.service_layer.event_handlers import next_seq

    seqs = [next_seq() for _ in range(1000)]
    assert seqs == sorted(set(seqs)) and seqs[-1] < 2**63


def test_a_subscriber_failing_for_the_set_time_is_disabled() -> None:
    from webhooks.domain.backoff import failing_too_long

    assert not failing_too_long(None, 1_000_000.0, 86_400)
    assert not failing_too_long(1_000_000.0, 1_000_000.0 + 86_399, 86_400)
    assert failing_too_long(1_000_000.0, 1_000_000.0 + 86_400, 86_400)
