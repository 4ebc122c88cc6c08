"""A trust statement written as ISO 20022 camt.053.001.08 (BankToCustomerStatementV08) with
lxml, and checked against the published schema (`iso20022/camt.053.001.08.xsd`, see SOURCE.md)
before it leaves the service; a bank's statement read back, in .001.08 or .001.02.

Mapping: the account is the fund (`Acct/Id/Othr/Id` by `account_id`, scheme `MEGP-FUND`; the
fund id itself as `Acct/Ownr/Nm`), its servicer the trust bank; `OPBD` and `CLBD` balances on
the first and last day; one `Ntry` per movement: `NtryRef` the journal sequence number,
`AcctSvcrRef` and `TxDtls/Refs/EndToEndId` the movement's reference
(`bank_statement.statement_reference`), `BookgDt` the posting day, `ValDt` the value date,
`BkTxCd/Prtry` the entry's kind, the counterpart as `RltdPties/Dbtr` (money in) or `Cdtr`
(money out), the description as `AddtlNtryInf`.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime

from lxml import etree

from funds.adapters import iso20022_xml as iso
from funds.adapters.iso20022_xml import InvalidDocument as InvalidStatement
from funds.domain.bank_statement import Direction, Movement, TrustStatement
from funds.domain.reconciliation import BankEntry, BankStatement
from megp_common.money import Money

__all__ = ["BankStatement", "InvalidStatement", "parse_camt053", "to_camt053", "validate"]

NAMESPACE = iso.CAMT053_V08
#: the versions a bank may upload: .001.08 (CBPR+, current) and .001.02 (what many still send)
READ_VERSIONS = (iso.CAMT053_V08, iso.CAMT053_V02)
MEDIA_TYPE = "application/xml"
_NS = f"{{{NAMESPACE}}}"


def validate(document: bytes) -> None:
    """InvalidStatement unless `document` is a camt.053.001.08 the schema accepts."""
    iso.validate(document, NAMESPACE)


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

MAX_DOCUMENT_BYTES = iso.MAX_DOCUMENT_BYTES
_BOOKED = "BOOK"
_NOT_A_REFERENCE = {"NOTPROVIDED", "NONREF"}  # what banks write where the payer gave none


def _status(ntry: etree._Element, ns: dict[str, str]) -> str:
    """`BOOK`, `PDNG`, `INFO`...: a code in .001.08 (`Sts/Cd`), the text itself in .001.02."""
    return (
        ntry.findtext("c:Sts/c:Cd", namespaces=ns) or ntry.findtext("c:Sts", namespaces=ns) or ""
    ).strip()


def _tx_references(tx: etree._Element, ns: dict[str, str]) -> list[str]:
    """A transaction's references, the bank's own first: `Refs/AcctSvcrRef`, `Refs/EndToEndId`,
    then the structured remittance references (`RmtInf/Strd/CdtrRefInf/Ref`)."""
    found = iso.texts(
        tx,
        "c:Refs/c:AcctSvcrRef | c:Refs/c:EndToEndId | c:RmtInf/c:Strd/c:CdtrRefInf/c:Ref",
        ns,
    )
    # the union comes in document order; put the bank's own reference first
    own = iso.texts(tx, "c:Refs/c:AcctSvcrRef", ns)
    ordered = own + [r for r in found if r not in own]
    return [r for r in ordered if r.upper() not in _NOT_A_REFERENCE]


def _batch(
    ntry: etree._Element, ns: dict[str, str], n: int, sign: int, cents: int, currency: str
) -> list[tuple[int, list[str]]] | None:
    """The transactions of a batch booking (one `Ntry`, several `TxDtls`), each with its own
    signed amount and references, when they are all in the account's currency and add up to
    the entry; None when the entry is to be read as one."""
    txs = ntry.findall("c:NtryDtls/c:TxDtls", ns)
    if len(txs) < 2:
        return None
    parts = []
    for tx in txs:
        amt = iso.tx_amount(tx, ns)
        if amt is None or amt.get("Ccy") != currency:
            return None
        parts.append(
            (iso.sign(tx, ns, sign) * iso.cents(amt.text, f"entry {n}"), _tx_references(tx, ns))
        )
    if sum(p for p, _ in parts) != sign * cents:
        return None
    return parts


def parse_camt053(document: bytes) -> BankStatement:
    """A bank's camt.053 (.001.08 or .001.02), first checked against its schema
    (InvalidStatement otherwise), then read with XPath: its one statement's account, period,
    opening (`OPBD`, else `PRCD`) and closing (`CLBD`) balances and booked entries. A batch
    booking whose transactions add up to it is read as its transactions; an entry's references
    are its `AcctSvcrRef`, then its transactions' (`_tx_references`)."""
    root, namespace = iso.load(document, READ_VERSIONS)
    ns = {"c": namespace}
    stmts = root.findall("c:BkToCstmrStmt/c:Stmt", ns)
    if len(stmts) != 1:
        raise InvalidStatement(f"one statement a document, not {len(stmts)}")
    stmt = stmts[0]
    balances: dict[str, int] = {}
    currency = stmt.findtext("c:Acct/c:Ccy", namespaces=ns)
    for bal in stmt.findall("c:Bal", ns):
        code = bal.findtext("c:Tp/c:CdOrPrtry/c:Cd", namespaces=ns)
        amt = bal.find("c:Amt", ns)
        if code in ("OPBD", "PRCD", "CLBD") and amt is not None:
            currency = currency or amt.get("Ccy")
            if amt.get("Ccy") != currency:
                raise InvalidStatement(
                    f"balance {code} is in {amt.get('Ccy')}, the account in {currency}"
                )
            balances[code] = iso.sign(bal, ns) * iso.cents(amt.text, f"balance {code}")
    currency = currency or "MXN"
    entries: list[BankEntry] = []
    for n, ntry in enumerate(stmt.findall("c:Ntry", ns), start=1):
        if _status(ntry, ns) not in ("", _BOOKED):
            continue  # pending or for information: not in the booked balance
        amt = ntry.find("c:Amt", ns)
        assert amt is not None  # the schema requires it
        if amt.get("Ccy") != currency:
            raise InvalidStatement(f"entry {n} is in {amt.get('Ccy')}, the account in {currency}")
        value = iso.day(ntry, "c:ValDt", ns) or iso.day(ntry, "c:BookgDt", ns)
        if value is None:
            raise InvalidStatement(f"entry {n} has neither a value date nor a booking date")
        sign, cents = iso.sign(ntry, ns), iso.cents(amt.text, f"entry {n}")
        parts = _batch(ntry, ns, n, sign, cents, currency)
        if parts is None:
            refs = iso.texts(ntry, "c:AcctSvcrRef", ns)
            for tx in ntry.findall("c:NtryDtls/c:TxDtls", ns):
                refs += [r for r in _tx_references(tx, ns) if r not in refs]
            parts = [(sign * cents, refs)]
        for signed, refs in parts:
            entries.append(
                BankEntry(
                    position=n,
                    reference=refs[0] if refs else None,
                    cents=abs(signed),
                    direction=Direction.DEBIT if signed < 0 else Direction.CREDIT,
                    value_date=value,
                    alternatives=tuple(refs[1:]),
                )
            )
    start = stmt.findtext("c:FrToDt/c:FrDtTm", namespaces=ns)
    end = stmt.findtext("c:FrToDt/c:ToDtTm", namespaces=ns)
    return BankStatement(
        account=stmt.findtext("c:Acct/c:Id/c:Othr/c:Id", namespaces=ns)
        or stmt.findtext("c:Acct/c:Id/c:IBAN", namespaces=ns),
        start=date.fromisoformat(start[:10]) if start else None,
        end=date.fromisoformat(end[:10]) if end else None,
        currency=currency,
        opening_cents=balances.get("OPBD", balances.get("PRCD")),
        closing_cents=balances.get("CLBD"),
        entries=tuple(entries),
        message=iso.message_name(namespace),
    )
