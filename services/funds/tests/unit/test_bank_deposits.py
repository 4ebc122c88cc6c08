"""Deposits the trust bank reports: the member's deposit reference, the deposit it posts (the
one every deposit posts, valued on the bank's day), and a camt.054 read transaction by
transaction."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from funds.adapters import camt053, camt054
from funds.adapters import iso20022_xml as iso
from funds.domain import accounts as acc
from funds.domain.bank_deposits import (
    REFERENCE_LENGTH,
    BankDeposit,
    deposit_reference,
    differs,
    is_well_formed,
    member_of,
    record_bank_deposit,
)
from funds.domain.bank_statement import build_statement
from funds.domain.deposits import Deposit, PeriodResult, create_obligation, record_deposits
from funds.domain.errors import InvalidInput
from funds.domain.fund import Fund
from funds.domain.ledger import EntryKind

from . import bank_files as bf
from .helpers import OPENED, POLICY, events, opened_fund

NOW = OPENED + timedelta(days=40)
PAID = NOW.date() - timedelta(days=2)


def _report(pid: str = "p1", cents: int = 12_000, tx: str = "BNMX-0001") -> BankDeposit:
    return BankDeposit(tx, deposit_reference("g1", pid), cents, PAID)


# -- the reference ------------------------------------------------------------------------------


@settings(max_examples=300)
@given(st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=40))
def test_a_reference_is_eleven_digits_that_check(fund_id: str, pid: str) -> None:
    ref = deposit_reference(fund_id, pid)
    assert len(ref) == REFERENCE_LENGTH and ref.isdigit()
    assert is_well_formed(ref)
    assert deposit_reference(fund_id, pid) == ref  # nothing stored, always the same


@settings(max_examples=300)
@given(st.text(min_size=1, max_size=20), st.data())
def test_a_mistyped_or_swapped_digit_never_checks(pid: str, data: st.DataObject) -> None:
    ref = deposit_reference("g1", pid)
    i = data.draw(st.integers(min_value=0, max_value=len(ref) - 1))
    other = data.draw(st.sampled_from([d for d in "0123456789" if d != ref[i]]))
    assert not is_well_formed(ref[:i] + other + ref[i + 1 :])
    j = data.draw(st.integers(min_value=0, max_value=len(ref) - 2))
    if ref[j] != ref[j + 1]:
        assert not is_well_formed(ref[:j] + ref[j + 1] + ref[j] + ref[j + 2 :])


def test_a_reference_names_one_member_of_one_fund() -> None:
    fund = opened_fund()
    assert member_of(fund, deposit_reference("g1", "p2")) == "p2"
    with pytest.raises(InvalidInput, match="no member"):
        member_of(fund, deposit_reference("another-fund", "p2"))
    with pytest.raises(InvalidInput, match="check digits"):
        member_of(fund, "12345678900")


# -- the deposit it posts ------------------------------------------------------------------------


def _with_obligation() -> Fund:
    fund = opened_fund()
    create_obligation(
        fund,
        PeriodResult("r1", "p1", date(2030, 1, 1), date(2030, 1, 31), Decimal("100")),
        POLICY,
    )
    fund.clear_pending()
    return fund


def test_a_reported_deposit_posts_what_a_deposit_posts_valued_on_the_banks_day() -> None:
    reported = _with_obligation()
    recorded = _with_obligation()
    entry = record_bank_deposit(reported, "e1", "BNMX-0001", _report(), "Banorte", NOW, POLICY)
    same = record_deposits(recorded, "e1", "k", [Deposit("p1", Decimal("120"))], NOW, POLICY)
    assert entry is not None and same is not None
    assert entry.lines == same.lines and entry.kind is EntryKind.MEMBER_DEPOSIT
    assert reported.all_balances() == recorded.all_balances()
    assert "r1" not in reported.obligations  # settled
    assert events(reported) == ["InflowRecorded", "DepositObligationsSettled"]
    assert reported.pending_events()[0].payload.bank_transaction_id == "BNMX-0001"
    assert entry.effective_on == PAID and entry.posted_at == NOW
    assert entry.metadata["bank_transaction_id"] == "BNMX-0001"
    # on the statement it is the bank's transaction id
    s = build_statement([entry], fund_id="g1", trust_bank="Banorte", start=PAID, end=NOW.date())
    assert [m.reference for m in s.movements] == ["BNMX-0001"]
    assert s.movements[0].value_date == PAID
    # the same report is the same; another amount, reference or day is not
    assert differs(entry, _report()) is None
    assert differs(entry, _report(cents=12_001)) == ("reported before as 120.00, now 120.01 (MXN)")
    assert differs(entry, _report(pid="p2")) is not None
    moved = BankDeposit("BNMX-0001", _report().deposit_reference, 12_000, PAID - timedelta(1))
    assert differs(entry, moved) is not None


@pytest.mark.parametrize(
    ("report", "why"),
    [
        (BankDeposit("BNMX 1", deposit_reference("g1", "p1"), 100, PAID), "transaction id"),
        (BankDeposit("BNMX-1", deposit_reference("g1", "p1"), 0, PAID), "positive"),
        (
            BankDeposit("BNMX-1", deposit_reference("g1", "p1"), 100, NOW.date() + timedelta(1)),
            "after today",
        ),
        (
            BankDeposit("BNMX-1", deposit_reference("g1", "p1"), 100, date(2029, 12, 1)),
            "before the fund opened",
        ),
        (BankDeposit("BNMX-1", deposit_reference("g1", "stranger"), 100, PAID), "no member"),
    ],
)
def test_a_report_the_fund_cannot_post_is_refused_and_changes_nothing(
    report: BankDeposit, why: str
) -> None:
    fund = opened_fund()
    before = fund.model_dump()
    with pytest.raises(InvalidInput, match=why):
        record_bank_deposit(fund, "e1", report.bank_transaction_id, report, "Banorte", NOW, POLICY)
    assert fund.model_dump() == before
    assert fund.balance(acc.TRUST_CASH) == 0


# -- camt.054 -----------------------------------------------------------------------------------

ACCOUNT = camt053.account_id("g1")
R1, R2 = deposit_reference("g1", "p1"), deposit_reference("g1", "p2")


def test_a_notification_is_read_transaction_by_transaction() -> None:
    day = date(2030, 2, 20)
    doc = bf.notification(
        ACCOUNT,
        [
            # one deposit at a branch: the reference in the structured remittance
            bf.Booking([bf.Tx(15_000, bank_ref="TX-1", strd=[R1])], day, own_ref="E-1"),
            # a correspondent's day, batched: references typed in the free text
            bf.Booking(
                [
                    bf.Tx(5_000, bank_ref="TX-2", ustrd=[f"DEP REF:{R2} OXXO 123"]),
                    bf.Tx(7_500, bank_ref="TX-3", ustrd=["sin referencia"]),
                ],
                day,
                booked=day + timedelta(days=1),
                own_ref="E-2",
            ),
            bf.Booking([bf.Tx(1_000, credit=False, bank_ref="TX-4", strd=[R1])], day),
            bf.Booking([bf.Tx(0, bank_ref="TX-5", strd=[R1])], day),
            bf.Booking([bf.Tx(2_000, bank_ref="TX-6", strd=[R1])], day, status="PDNG"),
            bf.Booking([bf.Tx(2_000, bank_ref="TX-7", strd=[R1])], day, reversal=True),
            bf.Booking([bf.Tx(2_000, strd=[R1])], day),  # no id at all
            bf.Booking([bf.Tx(2_500, strd=[R1])], day, own_ref="E-8"),  # the entry's id
        ],
    )
    found = camt054.parse_camt054(doc)
    assert found.accounts == (ACCOUNT,) and found.currencies == ("MXN",)
    rows = [
        (t.position, t.bank_transaction_id, t.deposit_reference, t.cents, t.problem)
        for t in found.transactions
    ]
    assert rows == [
        ("1.1", "TX-1", R1, 15_000, None),
        ("1.2.1", "TX-2", R2, 5_000, None),
        ("1.2.2", "TX-3", None, 7_500, "no deposit reference in the remittance information"),
        ("1.3", "TX-4", R1, 1_000, "not a credit (a debit of the account)"),
        ("1.4", "TX-5", R1, 0, "a zero amount"),
        ("1.5", "TX-6", R1, 2_000, "not booked (status PDNG)"),
        ("1.6", "TX-7", R1, 2_000, "a reversal, not a deposit"),
        ("1.7", None, R1, 2_000, "no bank transaction id (AcctSvcrRef)"),
        ("1.8", "E-8", R1, 2_500, None),
    ]
    assert all(t.value_date == day for t in found.transactions)


def test_a_batch_that_does_not_add_up_or_another_message_is_refused_whole() -> None:
    day = date(2030, 2, 20)
    wrong = bf.Booking(
        [bf.Tx(5_000, bank_ref="A", strd=[R1]), bf.Tx(5_000, bank_ref="B", strd=[R2])],
        day,
        cents=9_000,
    )
    with pytest.raises(camt054.InvalidDocument, match="add up"):
        camt054.parse_camt054(bf.notification(ACCOUNT, [wrong]))
    statement = bf.camt053(
        iso.CAMT053_V08, account=ACCOUNT, start=day, end=day, opening=0, closing=0, bookings=[]
    )
    with pytest.raises(camt054.InvalidDocument, match=r"expected camt\.054\.001\.08"):
        camt054.parse_camt054(statement)
    with pytest.raises(camt054.InvalidDocument, match="at most"):
        camt054.parse_camt054(b" " * (iso.MAX_DOCUMENT_BYTES + 1))
    with pytest.raises(camt054.InvalidDocument, match="centavos"):
        camt054.parse_camt054(
            bf.notification(ACCOUNT, [bf.Booking([bf.Tx(1)], day)]).replace(b">0.01<", b">0.015<")
        )
