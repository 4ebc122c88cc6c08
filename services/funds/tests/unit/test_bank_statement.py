"""A trust fund's statement for a period: it adds up with the journal, and its camt.053 is
accepted by the published ISO 20022 schema (and a broken one is not)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from funds.adapters import camt053
from funds.domain import accounts as acc
from funds.domain.bank_statement import (
    MAX_PERIOD_DAYS,
    Direction,
    build_statement,
    check_period,
    entry_reference,
)
from funds.domain.errors import InvalidInput
from funds.domain.ledger import Entry, EntryKind, credit, debit, rebuild

FIRST_DAY = date(2030, 1, 1)
FUND = "g-01a23233-41ab-73d7-90c6-9a11b0f78b9f"  # longer than an account id
CREATED = datetime(2031, 2, 1, 9, 30, tzinfo=UTC)


def _entry(seq: int, cents: int, money_in: bool, day: int, kind: EntryKind) -> Entry:
    on = FIRST_DAY + timedelta(days=day)
    if money_in:
        lines = [debit(acc.TRUST_CASH, cents), credit(acc.DEVELOPMENT, cents)]
    else:
        lines = [debit(acc.COMPETITION, cents), credit(acc.TRUST_CASH, cents)]
    return Entry(
        id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"entry-{seq}")),
        fund_id="f3c1a0e2-6a59-4c43-9d57-0d1a3b2c4e5f",
        seq=seq,
        kind=kind,
        idempotency_key=f"k{seq}",
        posted_at=datetime.combine(on, time(12), tzinfo=UTC),
        effective_on=on,
        description=f"{kind.value} número {seq} & <más>",
        lines=lines,
        metadata={"payee": "Estudios SC"} if not money_in else {"donor": "Fundación X"},
    )


movements = st.tuples(
    st.integers(min_value=1, max_value=10**11),
    st.booleans(),
    st.integers(min_value=0, max_value=400),
    st.sampled_from([EntryKind.GRANT, EntryKind.MEMBER_DEPOSIT, EntryKind.COMPETITION_SPEND]),
)


@st.composite
def journals(draw: st.DrawFn) -> list[Entry]:
    rows = draw(st.lists(movements, max_size=30))
    return [_entry(i + 1, c, m, d, k) for i, (c, m, d, k) in enumerate(rows)]


@st.composite
def periods(draw: st.DrawFn) -> tuple[date, date]:
    start = FIRST_DAY + timedelta(days=draw(st.integers(min_value=0, max_value=400)))
    length = draw(st.integers(min_value=0, max_value=MAX_PERIOD_DAYS - 1))
    return start, start + timedelta(days=length)


def _trust_cash(entries: list[Entry]) -> int:
    return rebuild(entries).get("MXN", {}).get(acc.TRUST_CASH, 0)


@settings(max_examples=200, deadline=None)
@given(journals(), periods())
def test_the_statement_adds_up_with_the_journal(
    entries: list[Entry], period: tuple[date, date]
) -> None:
    start, end = period
    s = build_statement(entries, fund_id=FUND, trust_bank="Banorte", start=start, end=end)
    assert s.opening_cents == _trust_cash([e for e in entries if e.effective_on < start])
    assert s.closing_cents == _trust_cash([e for e in entries if e.effective_on <= end])
    assert s.closing_cents - s.opening_cents == s.credits_cents - s.debits_cents
    inside = {e.id for e in entries if start <= e.effective_on <= end}
    assert [m.entry_id for m in s.movements if m.entry_id in inside] == [
        m.entry_id for m in s.movements
    ]
    assert {m.entry_id for m in s.movements} == inside
    assert all(start <= m.value_date <= end for m in s.movements)
    # the same entry read twice (journal and pending) is one movement
    again = build_statement(
        entries + entries, fund_id=FUND, trust_bank="Banorte", start=start, end=end
    )
    assert again == s


def test_a_movement_says_which_way_and_who() -> None:
    entries = [
        _entry(1, 100_000, True, 3, EntryKind.GRANT),
        _entry(2, 2_550, False, 4, EntryKind.COMPETITION_SPEND),
    ]
    s = build_statement(
        entries,
        fund_id=FUND,
        trust_bank="Banorte",
        start=FIRST_DAY,
        end=FIRST_DAY + timedelta(days=9),
    )
    first, second = s.movements
    assert (first.direction, first.cents, first.counterpart) == (
        Direction.CREDIT,
        100_000,
        "Fundación X",
    )
    assert (second.direction, second.cents, second.counterpart) == (
        Direction.DEBIT,
        2_550,
        "Estudios SC",
    )
    assert (s.opening_cents, s.closing_cents) == (0, 97_450)
    assert first.reference == uuid.UUID(first.entry_id).hex and len(first.reference) == 32


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2030, 2, 1), date(2030, 1, 31)),
        (date(2030, 1, 1), date(2030, 1, 1) + timedelta(days=MAX_PERIOD_DAYS)),
    ],
)
def test_a_bad_period_is_refused(start: date, end: date) -> None:
    with pytest.raises(InvalidInput):
        check_period(start, end)


def test_the_longest_period_is_accepted() -> None:
    check_period(date(2030, 1, 1), date(2030, 1, 1) + timedelta(days=MAX_PERIOD_DAYS - 1))


def test_a_long_id_does_not_become_a_reference() -> None:
    assert entry_reference("short-id") == "short-id"
    with pytest.raises(ValueError):
        entry_reference("x" * 36)


# -- camt.053 against the published schema ----------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(journals(), periods())
def test_every_statement_is_a_valid_camt053(
    entries: list[Entry], period: tuple[date, date]
) -> None:
    start, end = period
    s = build_statement(entries, fund_id=FUND, trust_bank="Banorte", start=start, end=end)
    document = camt053.to_camt053(s, CREATED)
    camt053.validate(document)  # to_camt053 checks it too; this states it
    tree = etree.fromstring(document)
    ns = {"c": camt053.NAMESPACE}
    assert len(tree.findall(".//c:Ntry", ns)) == len(s.movements)
    opening, closing = tree.findall(".//c:Bal", ns)
    sign = {"CRDT": 1, "DBIT": -1}
    for bal, cents in ((opening, s.opening_cents), (closing, s.closing_cents)):
        amount = bal.findtext("c:Amt", namespaces=ns)
        indicator = bal.findtext("c:CdtDbtInd", namespaces=ns)
        assert amount is not None and indicator is not None
        assert sign[indicator] * Decimal(amount) * 100 == cents


def test_the_same_statement_is_the_same_document() -> None:
    entries = [_entry(1, 100_000, True, 3, EntryKind.GRANT)]
    s = build_statement(entries, fund_id=FUND, trust_bank="Banorte", start=FIRST_DAY, end=FIRST_DAY)
    assert camt053.to_camt053(s, CREATED) == camt053.to_camt053(s, CREATED)


def test_the_schema_refuses_a_broken_statement() -> None:
    entries = [_entry(1, 100_000, True, 3, EntryKind.GRANT)]
    s = build_statement(
        entries,
        fund_id=FUND,
        trust_bank="Banorte",
        start=FIRST_DAY,
        end=FIRST_DAY + timedelta(days=5),
    )
    tree = etree.fromstring(camt053.to_camt053(s, CREATED))
    ns = {"c": camt053.NAMESPACE}
    for bal in tree.findall(".//c:Bal", ns):  # a statement without balances
        bal.getparent().remove(bal)
    with pytest.raises(camt053.InvalidStatement):
        camt053.validate(etree.tostring(tree))
    with pytest.raises(camt053.InvalidStatement):
        camt053.validate(b"<Document")
