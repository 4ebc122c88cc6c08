"""A trust bank's ISO 20022 camt.054.001.08 (BankToCustomerDebitCreditNotificationV08): the
deposits it booked on a fund's trust account, checked against the published schema
(`iso20022/camt.054.001.08.xsd`, see SOURCE.md) and read with XPath.

Each `Ntfctn` names its account (`Acct/Id/Othr/Id` or `IBAN`); each `Ntry` is one booking. A
booking of one transaction is one deposit: its id is `TxDtls/Refs/AcctSvcrRef`, else the entry's
`AcctSvcrRef`. A batch booking (several `TxDtls`, as a correspondent's daily remittance comes)
is one deposit per transaction, each with its own `Refs/AcctSvcrRef` and amount (`Amt`, else
`AmtDtls/TxAmt/Amt`). The member's deposit reference is the first well-formed one among the
structured creditor references (`RmtInf/Strd/CdtrRefInf/Ref`), then the words of the
unstructured remittance lines (`RmtInf/Ustrd`), where a counter clerk types it.

What makes the whole document unusable is an InvalidDocument (nothing is posted); what makes one
transaction unusable (a debit, a reversal, nothing booked, a zero amount, no id or no reference)
is that transaction's `problem`, and the others go on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lxml import etree

from funds.adapters import iso20022_xml as iso
from funds.adapters.iso20022_xml import InvalidDocument
from funds.domain.bank_deposits import BankDeposit, is_well_formed

__all__ = ["InvalidDocument", "Notification", "ReportedTransaction", "parse_camt054"]

NAMESPACE = iso.CAMT054_V08
_Q = {"c": NAMESPACE}


@dataclass(frozen=True)
class ReportedTransaction:
    position: str  # "notification.entry" or "notification.entry.transaction", 1-based
    bank_transaction_id: str | None
    deposit_reference: str | None
    cents: int
    value_date: date | None
    problem: str | None = None  # why this one cannot be a deposit

    def deposit(self) -> BankDeposit:
        assert self.problem is None and self.bank_transaction_id and self.deposit_reference
        assert self.value_date is not None
        return BankDeposit(
            self.bank_transaction_id, self.deposit_reference, self.cents, self.value_date
        )


@dataclass(frozen=True)
class Notification:
    message_id: str
    accounts: tuple[str | None, ...]  # every Ntfctn's account, in order
    currencies: tuple[str, ...]  # every currency an entry or a transaction is in
    transactions: tuple[ReportedTransaction, ...]


def _reference(tx: etree._Element | None) -> str | None:
    if tx is None:
        return None
    for ref in iso.texts(tx, "c:RmtInf/c:Strd/c:CdtrRefInf/c:Ref", _Q):
        if is_well_formed(ref):
            return ref
    for line in iso.texts(tx, "c:RmtInf/c:Ustrd", _Q):
        for word in line.replace(":", " ").replace("/", " ").split():
            if is_well_formed(word):
                return word
    return None


def _problem(ntry: etree._Element, tx: etree._Element | None, sign: int, cents: int) -> str | None:
    status = ntry.findtext("c:Sts/c:Cd", namespaces=_Q)
    if status != "BOOK":
        return f"not booked (status {status or 'none'})"
    if ntry.findtext("c:RvslInd", namespaces=_Q) == "true":
        return "a reversal, not a deposit"
    if sign < 0:
        return "not a credit (a debit of the account)"
    if cents == 0:
        return "a zero amount"
    if _reference(tx) is None:
        return "no deposit reference in the remittance information"
    return None


def _transaction(
    position: str,
    ntry: etree._Element,
    tx: etree._Element | None,
    ids: list[str],
    sign: int,
    cents: int,
    value: date | None,
) -> ReportedTransaction:
    problem = _problem(ntry, tx, sign, cents)
    if problem is None and not ids:
        problem = "no bank transaction id (AcctSvcrRef)"
    if problem is None and value is None:
        problem = "neither a value date nor a booking date"
    return ReportedTransaction(
        position=position,
        bank_transaction_id=ids[0] if ids else None,
        deposit_reference=_reference(tx),
        cents=cents,
        value_date=value,
        problem=problem,
    )


def parse_camt054(document: bytes) -> Notification:
    """The notification's accounts, currencies and transactions (see the module's docstring)."""
    root, _ = iso.load(document, (NAMESPACE,))
    body = root.find("c:BkToCstmrDbtCdtNtfctn", _Q)
    assert body is not None  # the schema requires it
    accounts: list[str | None] = []
    currencies: list[str] = []
    transactions: list[ReportedTransaction] = []
    for i, note in enumerate(body.findall("c:Ntfctn", _Q), start=1):
        accounts.append(
            note.findtext("c:Acct/c:Id/c:Othr/c:Id", namespaces=_Q)
            or note.findtext("c:Acct/c:Id/c:IBAN", namespaces=_Q)
        )
        if (ccy := note.findtext("c:Acct/c:Ccy", namespaces=_Q)) is not None:
            currencies.append(ccy)
        for j, ntry in enumerate(note.findall("c:Ntry", _Q), start=1):
            amt = ntry.find("c:Amt", _Q)
            assert amt is not None  # the schema requires it
            currencies.append(amt.get("Ccy") or "")
            sign = iso.sign(ntry, _Q)
            cents = iso.cents(amt.text, f"notification {i} entry {j}")
            value = iso.day(ntry, "c:ValDt", _Q) or iso.day(ntry, "c:BookgDt", _Q)
            own = iso.texts(ntry, "c:AcctSvcrRef", _Q)
            txs = ntry.findall("c:NtryDtls/c:TxDtls", _Q)
            if len(txs) < 2:
                tx = txs[0] if txs else None
                ids = (iso.texts(tx, "c:Refs/c:AcctSvcrRef", _Q) if tx is not None else []) + own
                transactions.append(_transaction(f"{i}.{j}", ntry, tx, ids, sign, cents, value))
                continue
            parts = []
            for k, tx in enumerate(txs, start=1):
                tx_amt = iso.tx_amount(tx, _Q)
                where = f"notification {i} entry {j} transaction {k}"
                if tx_amt is None:
                    raise InvalidDocument(f"{where}: a batch's transaction has no amount")
                currencies.append(tx_amt.get("Ccy") or "")
                tx_sign = iso.sign(tx, _Q, sign)
                tx_cents = iso.cents(tx_amt.text, where)
                parts.append(tx_sign * tx_cents)
                ids = iso.texts(tx, "c:Refs/c:AcctSvcrRef", _Q)
                transactions.append(
                    _transaction(f"{i}.{j}.{k}", ntry, tx, ids, tx_sign, tx_cents, value)
                )
            if sum(parts) != sign * cents:
                raise InvalidDocument(
                    f"notification {i} entry {j}: its transactions add up to "
                    f"{sum(parts) / 100:.2f}, the entry is {sign * cents / 100:.2f}"
                )
    return Notification(
        message_id=body.findtext("c:GrpHdr/c:MsgId", namespaces=_Q) or "",
        accounts=tuple(accounts),
        currencies=tuple(sorted(set(currencies))),
        transactions=tuple(transactions),
    )
