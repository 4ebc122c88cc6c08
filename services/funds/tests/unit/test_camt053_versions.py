"""A bank's camt.053 in the shapes banks send, in .001.02 and .001.08: the journal's own
statement, written as each bank would write it, always reconciles with no exception; what the
shapes differ in (batch bookings, where our reference is, booking against value date, pending
entries, opening balance codes) is read as the bank meant it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from funds.adapters import camt053
from funds.adapters import iso20022_xml as iso
from funds.domain.bank_statement import Direction, TrustStatement, build_statement
from funds.domain.ledger import Entry, EntryKind
from funds.domain.reconciliation import reconcile

from . import bank_files as bf
from .test_bank_statement import FIRST_DAY, FUND, journals

WHOLE = (FIRST_DAY, FIRST_DAY + timedelta(days=365))
ACCOUNT = camt053.account_id(FUND)


@st.composite
def ledgers(draw: st.DrawFn) -> list[Entry]:
    """Journals in which some deposits were reported by the bank: their reference on the
    statement is the bank's transaction id, not the entry's."""
    entries = draw(journals())
    out = []
    for n, e in enumerate(entries):
        if e.kind is EntryKind.MEMBER_DEPOSIT and draw(st.booleans()):
            bank_id = f"BNMX{n:04d}{draw(st.text('ABCXYZ0123456789-/', max_size=20))}"
            e = e.model_copy(update={"metadata": {**e.metadata, "bank_transaction_id": bank_id}})
        out.append(e)
    return out


def _statement(entries: list[Entry]) -> TrustStatement:
    return build_statement(
        entries, fund_id=FUND, trust_bank="Banorte", start=WHOLE[0], end=WHOLE[1]
    )


@settings(max_examples=60, deadline=None)
@given(ledgers())
def test_a_journal_and_its_statement_from_a_batch_booking_bank_reconcile(
    entries: list[Entry],
) -> None:
    s = _statement(entries)
    bank = camt053.parse_camt053(bf.as_batch_bank(s, ACCOUNT))
    assert bank.message == "camt.053.001.02"
    found = reconcile(bank, s)
    assert found.clean, found
    assert sorted(found.matched) == sorted(m.reference for m in s.movements)
    assert reconcile(bank, s) == found


@settings(max_examples=60, deadline=None)
@given(ledgers())
def test_a_journal_and_its_statement_from_a_cbpr_bank_reconcile(entries: list[Entry]) -> None:
    s = _statement(entries)
    by_id = {e.id: e for e in entries}
    for m in s.movements:  # a reported deposit is on the statement by the bank's id
        assert m.reference == by_id[m.entry_id].metadata.get("bank_transaction_id", m.reference)
    bank = camt053.parse_camt053(bf.as_cbpr_bank(s, ACCOUNT))
    assert bank.message == "camt.053.001.08"
    found = reconcile(bank, s)
    assert found.clean, found
    assert list(found.matched) == [m.reference for m in s.movements]


@settings(max_examples=40, deadline=None)
@given(journals().filter(bool))
def test_an_altered_amount_in_a_batch_is_an_exception_on_both_sides(
    entries: list[Entry],
) -> None:
    s = _statement(entries)
    if not s.movements:
        return
    first = s.movements[0]
    altered = replace(s, movements=(replace(first, cents=first.cents + 1), *s.movements[1:]))
    bank = camt053.parse_camt053(bf.as_batch_bank(altered, ACCOUNT))
    found = reconcile(bank, s)
    sides = sorted(u.side for u in found.unmatched if u.reference == first.reference)
    assert sides == ["bank", "journal"]


def test_a_batch_booking_is_read_as_its_transactions() -> None:
    day = date(2030, 3, 1)
    doc = bf.camt053(
        iso.CAMT053_V02,
        account=ACCOUNT,
        start=day,
        end=day,
        opening=0,
        closing=30_000,
        bookings=[
            bf.Booking(
                [bf.Tx(10_000, bank_ref="TX-1"), bf.Tx(20_000, bank_ref="TX-2")],
                day,
                booked=day + timedelta(days=2),
            )
        ],
    )
    bank = camt053.parse_camt053(doc)
    assert [(e.reference, e.cents, e.value_date, e.position) for e in bank.entries] == [
        ("TX-1", 10_000, day, 1),
        ("TX-2", 20_000, day, 1),
    ]


def test_a_batch_whose_transactions_do_not_add_up_is_one_entry() -> None:
    day = date(2030, 3, 1)
    booking = bf.Booking(
        [bf.Tx(10_000, bank_ref="TX-1"), bf.Tx(20_000, bank_ref="TX-2")],
        day,
        own_ref="BATCH-9",
        cents=31_000,
    )
    doc = bf.camt053(
        iso.CAMT053_V08,
        account=ACCOUNT,
        start=day,
        end=day,
        opening=0,
        closing=31_000,
        bookings=[booking],
    )
    [entry] = camt053.parse_camt053(doc).entries
    assert (entry.reference, entry.cents, entry.alternatives) == (
        "BATCH-9",
        31_000,
        ("TX-1", "TX-2"),
    )


def test_value_date_before_booking_date_and_references_in_order() -> None:
    day = date(2030, 3, 1)
    booking = bf.Booking(
        [bf.Tx(5_000, credit=False, end_to_end="NOTPROVIDED", strd=["RF18539007547034"])],
        day,
        booked=day + timedelta(days=1),
        own_ref="BNK-77",
    )
    doc = bf.camt053(
        iso.CAMT053_V02,
        account=ACCOUNT,
        start=day,
        end=day + timedelta(days=1),
        opening=10_000,
        closing=5_000,
        bookings=[booking],
    )
    bank = camt053.parse_camt053(doc)
    [entry] = bank.entries
    assert entry.value_date == day  # ValDt, not BookgDt
    assert entry.direction is Direction.DEBIT
    assert (entry.reference, entry.alternatives) == ("BNK-77", ("RF18539007547034",))
    assert (bank.opening_cents, bank.closing_cents) == (10_000, 5_000)


def test_pending_entries_are_left_out_and_prcd_opens() -> None:
    day = date(2030, 3, 1)
    doc = bf.camt053(
        iso.CAMT053_V08,
        account=ACCOUNT,
        start=day,
        end=day,
        opening=-2_500,
        closing=-2_500,
        bookings=[bf.Booking([bf.Tx(9_900)], day, status="PDNG", own_ref="P-1")],
        opening_code="PRCD",
    )
    bank = camt053.parse_camt053(doc)
    assert bank.entries == ()
    assert bank.opening_cents == -2_500


@pytest.mark.parametrize(
    ("document", "why"),
    [
        (b"<Document/>", "without a namespace"),
        (b"<oops", "well-formed"),
        (
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.04"/>',
            "camt.053.001.04",
        ),
        (
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt/>'
            b"</Document>",
            "camt.053.001.02:",
        ),
    ],
)
def test_other_documents_and_versions_are_refused(document: bytes, why: str) -> None:
    with pytest.raises(camt053.InvalidStatement, match=why):
        camt053.parse_camt053(document)


def test_an_entity_is_never_expanded() -> None:
    doc = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">&x;</Document>'
    )
    with pytest.raises(camt053.InvalidStatement):
        camt053.parse_camt053(doc)
