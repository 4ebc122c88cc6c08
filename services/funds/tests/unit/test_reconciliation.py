"""A bank's camt.053 against the journal: the statement the journal makes always reconciles; a
dropped, duplicated or altered entry is always an exception, on the side it belongs to."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from funds.adapters import camt053
from funds.domain.bank_statement import TrustStatement, build_statement
from funds.domain.ledger import Entry
from funds.domain.reconciliation import reconcile

from .test_bank_statement import CREATED, FIRST_DAY, FUND, journals

NS = {"c": camt053.NAMESPACE}
WHOLE = (FIRST_DAY, FIRST_DAY + timedelta(days=365))


def _statement(entries: list[Entry]) -> TrustStatement:
    return build_statement(
        entries, fund_id=FUND, trust_bank="Banorte", start=WHOLE[0], end=WHOLE[1]
    )


def _bank_copy(s: TrustStatement) -> etree._Element:
    return etree.fromstring(camt053.to_camt053(s, CREATED))


def _parsed(tree: etree._Element) -> camt053.BankStatement:
    return camt053.parse_camt053(etree.tostring(tree, xml_declaration=True, encoding="UTF-8"))


@settings(max_examples=60, deadline=None)
@given(journals())
def test_the_journals_own_statement_reconciles(entries: list[Entry]) -> None:
    s = _statement(entries)
    bank = camt053.parse_camt053(camt053.to_camt053(s, CREATED))
    found = reconcile(bank, s)
    assert found.clean, found
    assert list(found.matched) == [m.reference for m in s.movements]
    assert reconcile(bank, s) == found  # the same statement again, the same result


@settings(max_examples=60, deadline=None)
@given(journals().filter(bool), st.data())
def test_a_dropped_entry_is_an_exception(entries: list[Entry], data: st.DataObject) -> None:
    s = _statement(entries)
    if not s.movements:
        return
    tree = _bank_copy(s)
    ntries = tree.findall(".//c:Ntry", NS)
    i = data.draw(st.integers(min_value=0, max_value=len(ntries) - 1))
    ntries[i].getparent().remove(ntries[i])
    found = reconcile(_parsed(tree), s)
    assert not found.clean
    [missing] = [u for u in found.unmatched if u.side == "journal"]
    assert missing.reference == s.movements[i].reference
    assert missing.reason == "not on the bank's statement"


@settings(max_examples=60, deadline=None)
@given(journals().filter(bool), st.data())
def test_a_duplicated_entry_is_an_exception(entries: list[Entry], data: st.DataObject) -> None:
    s = _statement(entries)
    if not s.movements:
        return
    tree = _bank_copy(s)
    ntries = tree.findall(".//c:Ntry", NS)
    i = data.draw(st.integers(min_value=0, max_value=len(ntries) - 1))
    ntries[-1].addnext(etree.fromstring(etree.tostring(ntries[i])))
    found = reconcile(_parsed(tree), s)
    [extra] = found.unmatched
    assert (extra.side, extra.reference, extra.position) == (
        "bank",
        s.movements[i].reference,
        len(ntries) + 1,
    )
    assert "duplicate" in extra.reason


@settings(max_examples=60, deadline=None)
@given(journals().filter(bool), st.data())
def test_an_altered_entry_is_an_exception(entries: list[Entry], data: st.DataObject) -> None:
    s = _statement(entries)
    if not s.movements:
        return
    i = data.draw(st.integers(min_value=0, max_value=len(s.movements) - 1))
    change = data.draw(st.sampled_from(["amount", "date", "reference"]))
    m = s.movements[i]
    if change == "amount":
        altered = replace(m, cents=m.cents + data.draw(st.integers(min_value=1, max_value=10**6)))
    elif change == "date":
        altered = replace(m, value_date=m.value_date + timedelta(days=1))
    else:
        altered = replace(m, reference="0" * 32)
    moved = list(s.movements)
    moved[i] = altered
    bank = camt053.parse_camt053(camt053.to_camt053(replace(s, movements=tuple(moved)), CREATED))
    found = reconcile(bank, s)
    sides = sorted(u.side for u in found.unmatched)
    assert sides == ["bank", "journal"], found
    assert all(u.reference in (m.reference, altered.reference) for u in found.unmatched)


def test_different_balances_are_reported() -> None:
    s = _statement([])
    bank = camt053.parse_camt053(camt053.to_camt053(replace(s, closing_cents=100), CREATED))
    found = reconcile(bank, s)
    assert found.balance_differences == ("closing balance: bank 100, journal 0 (centavos)",)


@pytest.mark.parametrize(
    "broken",
    [b"<Document", b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.053.001.02'/>"],
)
def test_a_document_the_schema_refuses_is_not_read(broken: bytes) -> None:
    with pytest.raises(camt053.InvalidStatement):
        camt053.parse_camt053(broken)


def test_a_fraction_of_a_centavo_is_refused() -> None:
    tree = _bank_copy(replace(_statement([]), closing_cents=1))
    for amt in tree.findall(".//c:Bal/c:Amt", NS):
        amt.text = "0.005"
    with pytest.raises(camt053.InvalidStatement):
        _parsed(tree)


def test_parsing_reads_what_was_written() -> None:
    s = _statement([])
    bank = camt053.parse_camt053(camt053.to_camt053(s, CREATED))
    assert (bank.start, bank.end, bank.currency) == (WHOLE[0], WHOLE[1], "MXN")
    assert bank.account == camt053.account_id(FUND)
    assert isinstance(bank.start, date)
