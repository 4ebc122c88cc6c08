"""A trust statement written as ISO 20022 camt.053.001.08 (BankToCustomerStatementV08) with
lxml, and checked against the published schema (`iso20022/camt.053.001.08.xsd`, see SOURCE.md)
before it leaves the service.

Mapping: the account is the fund (`Acct/Id/Othr/Id` by `account_id`, scheme `MEGP-FUND`; the
fund id itself as `Acct/Ownr/Nm`), its servicer the trust bank; `OPBD` and `CLBD` balances on
the first and last day; one `Ntry` per movement: `NtryRef` the journal sequence number,
`AcctSvcrRef` and `TxDtls/Refs/EndToEndId` the entry's reference
(`bank_statement.entry_reference`), `BookgDt` the posting day, `ValDt` the value date,
`BkTxCd/Prtry` the entry's kind, the counterpart as `RltdPties/Dbtr` (money in) or `Cdtr`
(money out), the description as `AddtlNtryInf`.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib import resources

from lxml import etree

from funds.domain.bank_statement import Direction, Movement, TrustStatement
from funds.domain.reconciliation import BankEntry, BankStatement
from megp_common.money import Money

__all__ = ["BankStatement", "InvalidStatement", "parse_camt053", "to_camt053", "validate"]

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
SCHEMA_FILE = "camt.053.001.08.xsd"
MEDIA_TYPE = "application/xml"
_NS = f"{{{NAMESPACE}}}"


class InvalidStatement(ValueError):
    """A document the camt.053.001.08 schema does not accept."""


@cache
def schema() -> etree.XMLSchema:
    source = resources.files("funds.adapters") / "iso20022" / SCHEMA_FILE
    with resources.as_file(source) as path:
        return etree.XMLSchema(etree.parse(str(path)))


def validate(document: bytes) -> None:
    """InvalidStatement unless `document` is a camt.053.001.08 the schema accepts."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        tree = etree.fromstring(document, parser)
    except etree.XMLSyntaxError as exc:
        raise InvalidStatement(f"not well-formed XML: {exc}") from exc
    checker = schema()
    if not checker.validate(tree):
        raise InvalidStatement(str(checker.error_log.last_error))


def statement_id(statement: TrustStatement) -> str:
    """The same fund and period always give the same id (35 characters at most)."""
    name = f"{statement.fund_id}|{statement.start}|{statement.end}|{statement.currency}"
    return "STMT" + hashlib.sha256(name.encode()).hexdigest()[:28]


def account_id(fund_id: str) -> str:
    """The fund as an account id (Max34Text): a UUID's hex digits, a short id as it is, a
    longer one by its hash (the full id is the account's `Nm`)."""
    try:
        return uuid.UUID(fund_id).hex
    except ValueError:
        if len(fund_id) <= 34:
            return fund_id
        return "F" + hashlib.sha256(fund_id.encode()).hexdigest()[:33]


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    node = etree.SubElement(parent, _NS + tag, attrs)
    if text is not None:
        node.text = text
    return node


def _amount(cents: int, currency: str) -> str:
    return Money.from_cents(abs(cents), currency).as_str()


def _balance(parent: etree._Element, code: str, cents: int, currency: str, on: date) -> None:
    bal = _el(parent, "Bal")
    _el(_el(_el(bal, "Tp"), "CdOrPrtry"), "Cd", code)
    _el(bal, "Amt", _amount(cents, currency), Ccy=currency)
    _el(bal, "CdtDbtInd", "CRDT" if cents >= 0 else "DBIT")
    _el(_el(bal, "Dt"), "Dt", on.isoformat())


def _entry(parent: etree._Element, m: Movement, currency: str) -> None:
    ntry = _el(parent, "Ntry")
    _el(ntry, "NtryRef", str(m.seq))
    _el(ntry, "Amt", _amount(m.cents, currency), Ccy=currency)
    _el(ntry, "CdtDbtInd", "CRDT" if m.direction is Direction.CREDIT else "DBIT")
    _el(_el(ntry, "Sts"), "Cd", "BOOK")
    _el(_el(ntry, "BookgDt"), "Dt", m.booking_date.isoformat())
    _el(_el(ntry, "ValDt"), "Dt", m.value_date.isoformat())
    _el(ntry, "AcctSvcrRef", m.reference)
    code = _el(_el(ntry, "BkTxCd"), "Prtry")
    _el(code, "Cd", m.kind[:35])
    _el(code, "Issr", "MEGP")
    tx = _el(_el(ntry, "NtryDtls"), "TxDtls")
    _el(_el(tx, "Refs"), "EndToEndId", m.reference)
    if m.counterpart:
        role = "Dbtr" if m.direction is Direction.CREDIT else "Cdtr"
        _el(_el(_el(_el(tx, "RltdPties"), role), "Pty"), "Nm", m.counterpart[:140])
    if m.description:
        _el(ntry, "AddtlNtryInf", m.description[:500])


def to_camt053(statement: TrustStatement, created_at: datetime) -> bytes:
    """The statement as a camt.053.001.08 document, checked against the schema."""
    stmt_id = statement_id(statement)
    created = created_at.isoformat(timespec="seconds")
    root = etree.Element(_NS + "Document", nsmap={None: NAMESPACE})
    body = _el(root, "BkToCstmrStmt")
    header = _el(body, "GrpHdr")
    _el(header, "MsgId", stmt_id)
    _el(header, "CreDtTm", created)
    stmt = _el(body, "Stmt")
    _el(stmt, "Id", stmt_id)
    _el(stmt, "CreDtTm", created)
    period = _el(stmt, "FrToDt")
    _el(period, "FrDtTm", f"{statement.start.isoformat()}T00:00:00Z")
    _el(period, "ToDtTm", f"{statement.end.isoformat()}T23:59:59Z")
    account = _el(stmt, "Acct")
    other = _el(_el(account, "Id"), "Othr")
    _el(other, "Id", account_id(statement.fund_id))
    _el(_el(other, "SchmeNm"), "Prtry", "MEGP-FUND")
    _el(account, "Ccy", statement.currency)
    _el(_el(account, "Ownr"), "Nm", statement.fund_id)
    if statement.trust_bank:
        servicer = _el(_el(account, "Svcr"), "FinInstnId")
        _el(servicer, "Nm", statement.trust_bank[:140])
    _balance(stmt, "OPBD", statement.opening_cents, statement.currency, statement.start)
    _balance(stmt, "CLBD", statement.closing_cents, statement.currency, statement.end)
    summary = _el(stmt, "TxsSummry")
    totals = _el(summary, "TtlNtries")
    _el(totals, "NbOfNtries", str(len(statement.movements)))
    for m in statement.movements:
        _entry(stmt, m, statement.currency)
    document: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    validate(document)
    return document


# -- reading a bank's camt.053 ------------------------------------------------------------------

MAX_DOCUMENT_BYTES = 5_000_000
_Q = {"c": NAMESPACE}


def _cents(text: str | None, where: str) -> int:
    try:
        cents = Decimal(text or "") * 100
    except ArithmeticError as exc:
        raise InvalidStatement(f"{where}: not an amount: {text!r}") from exc
    if cents != cents.to_integral_value():
        raise InvalidStatement(f"{where}: {text} is not a whole number of centavos")
    return int(cents)


def _day(node: etree._Element, path: str) -> date | None:
    text = node.findtext(f"{path}/c:Dt", namespaces=_Q) or node.findtext(
        f"{path}/c:DtTm", namespaces=_Q
    )
    return date.fromisoformat(text[:10]) if text else None


def _sign(node: etree._Element) -> int:
    return -1 if node.findtext("c:CdtDbtInd", namespaces=_Q) == "DBIT" else 1


def parse_camt053(document: bytes) -> BankStatement:
    """A bank's camt.053.001.08, first checked against the schema (InvalidStatement otherwise),
    then read with XPath: its first statement's account, period, OPBD/CLBD balances and
    entries. Only that version and one currency (the account's) are read."""
    if len(document) > MAX_DOCUMENT_BYTES:
        raise InvalidStatement(f"a statement is at most {MAX_DOCUMENT_BYTES} bytes")
    validate(document)
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(document, parser)
    stmts = root.findall("c:BkToCstmrStmt/c:Stmt", _Q)
    if len(stmts) != 1:
        raise InvalidStatement(f"one statement a document, not {len(stmts)}")
    stmt = stmts[0]
    balances: dict[str, int] = {}
    currency = stmt.findtext("c:Acct/c:Ccy", namespaces=_Q)
    for bal in stmt.findall("c:Bal", _Q):
        code = bal.findtext("c:Tp/c:CdOrPrtry/c:Cd", namespaces=_Q)
        amt = bal.find("c:Amt", _Q)
        if code in ("OPBD", "CLBD") and amt is not None:
            currency = currency or amt.get("Ccy")
            balances[code] = _sign(bal) * _cents(amt.text, f"balance {code}")
    entries: list[BankEntry] = []
    for n, ntry in enumerate(stmt.findall("c:Ntry", _Q), start=1):
        amt = ntry.find("c:Amt", _Q)
        assert amt is not None  # the schema requires it
        if currency and amt.get("Ccy") != currency:
            raise InvalidStatement(f"entry {n} is in {amt.get('Ccy')}, the account in {currency}")
        value = _day(ntry, "c:ValDt") or _day(ntry, "c:BookgDt")
        if value is None:
            raise InvalidStatement(f"entry {n} has neither a value date nor a booking date")
        reference = ntry.findtext("c:AcctSvcrRef", namespaces=_Q) or ntry.findtext(
            "c:NtryDtls/c:TxDtls/c:Refs/c:EndToEndId", namespaces=_Q
        )
        entries.append(
            BankEntry(
                position=n,
                reference=reference,
                cents=_cents(amt.text, f"entry {n}"),
                direction=Direction.DEBIT if _sign(ntry) < 0 else Direction.CREDIT,
                value_date=value,
            )
        )
    start = stmt.findtext("c:FrToDt/c:FrDtTm", namespaces=_Q)
    end = stmt.findtext("c:FrToDt/c:ToDtTm", namespaces=_Q)
    return BankStatement(
        account=stmt.findtext("c:Acct/c:Id/c:Othr/c:Id", namespaces=_Q)
        or stmt.findtext("c:Acct/c:Id/c:IBAN", namespaces=_Q),
        start=date.fromisoformat(start[:10]) if start else None,
        end=date.fromisoformat(end[:10]) if end else None,
        currency=currency or "MXN",
        opening_cents=balances.get("OPBD"),
        closing_cents=balances.get("CLBD"),
        entries=tuple(entries),
    )
