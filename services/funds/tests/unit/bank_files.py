"""Documents shaped like the ones trust banks send, written for the tests (with lxml).

Two camt.053 shapes, after what camt libraries' own test files show real banks send:

- **.001.02, batch-booking bank**: `Sts` as plain text, booking date a day after the value
  date, no entry-level `AcctSvcrRef`, the transaction's own `Refs/AcctSvcrRef` and an
  `EndToEndId` of `NOTPROVIDED`, `AmtDtls/TxAmt`, the debtor's name, unstructured and structured
  remittance lines, extra balance types (`OPAV`, `CLAV`), and deposits of one value date booked
  as one entry with a transaction per deposit (`Btch` + several `TxDtls`).
- **.001.08, CBPR+-style bank**: `Sts/Cd`, the bank's own `AcctSvcrRef` on each entry (not
  ours: ours is in `EndToEndId`), `PRCD` as the opening balance, value dates as `DtTm`, and a
  pending entry (`PDNG`) that is not in the booked balance.

And a camt.054.001.08 of deposits (`notification`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from lxml import etree

from funds.adapters import iso20022_xml as iso
from funds.domain.bank_statement import Direction, TrustStatement
from megp_common.money import Money


@dataclass
class Tx:
    cents: int
    credit: bool = True
    bank_ref: str | None = None  # TxDtls/Refs/AcctSvcrRef
    end_to_end: str | None = None
    strd: list[str] = field(default_factory=list)  # RmtInf/Strd/CdtrRefInf/Ref
    ustrd: list[str] = field(default_factory=list)
    debtor: str | None = None


@dataclass
class Booking:
    txs: list[Tx]
    valued: date
    booked: date | None = None
    own_ref: str | None = None  # Ntry/AcctSvcrRef
    status: str = "BOOK"
    reversal: bool = False
    cents: int | None = None  # default: the transactions' sum
    currency: str = "MXN"

    @property
    def total(self) -> int:
        if self.cents is not None:
            return self.cents
        return abs(sum(t.cents if t.credit else -t.cents for t in self.txs))

    @property
    def credit(self) -> bool:
        return sum(t.cents if t.credit else -t.cents for t in self.txs) >= 0


class _Writer:
    def __init__(self, namespace: str) -> None:
        self.ns = f"{{{namespace}}}"
        self.v02 = namespace == iso.CAMT053_V02
        self.root = etree.Element(self.ns + "Document", nsmap={None: namespace})

    def el(
        self, parent: etree._Element, tag: str, text: str | None = None, **a: str
    ) -> etree._Element:
        node = etree.SubElement(parent, self.ns + tag, a)
        if text is not None:
            node.text = text
        return node

    def amount(self, parent: etree._Element, cents: int, ccy: str = "MXN") -> None:
        self.el(parent, "Amt", Money.from_cents(abs(cents), ccy).as_str(), Ccy=ccy)

    def balance(self, stmt: etree._Element, code: str, cents: int, on: date) -> None:
        bal = self.el(stmt, "Bal")
        self.el(self.el(self.el(bal, "Tp"), "CdOrPrtry"), "Cd", code)
        self.amount(bal, cents)
        self.el(bal, "CdtDbtInd", "CRDT" if cents >= 0 else "DBIT")
        self.el(self.el(bal, "Dt"), "Dt", on.isoformat())

    def code(self, parent: etree._Element, credit: bool) -> None:
        domain = self.el(self.el(parent, "BkTxCd"), "Domn")
        self.el(domain, "Cd", "PMNT")
        family = self.el(domain, "Fmly")
        self.el(family, "Cd", "CNTR" if credit else "ICDT")
        self.el(family, "SubFmlyCd", "CDPT" if credit else "DMCT")

    def tx(self, parent: etree._Element, t: Tx, batched: bool, ccy: str) -> None:
        node = self.el(parent, "TxDtls")
        if t.bank_ref or t.end_to_end:
            refs = self.el(node, "Refs")
            if t.bank_ref:
                self.el(refs, "AcctSvcrRef", t.bank_ref)
            if t.end_to_end:
                self.el(refs, "EndToEndId", t.end_to_end)
        if batched and not self.v02:
            self.amount(node, t.cents, ccy)
            self.el(node, "CdtDbtInd", "CRDT" if t.credit else "DBIT")
        if batched or self.v02:
            self.amount(self.el(self.el(node, "AmtDtls"), "TxAmt"), t.cents, ccy)
        if t.debtor:
            dbtr = self.el(self.el(node, "RltdPties"), "Dbtr")
            self.el(dbtr if self.v02 else self.el(dbtr, "Pty"), "Nm", t.debtor)
        if t.ustrd or t.strd:
            rmt = self.el(node, "RmtInf")
            for line in t.ustrd:
                self.el(rmt, "Ustrd", line)
            for ref in t.strd:
                cri = self.el(self.el(rmt, "Strd"), "CdtrRefInf")
                self.el(self.el(self.el(cri, "Tp"), "CdOrPrtry"), "Cd", "SCOR")
                self.el(cri, "Ref", ref)

    def entry(self, parent: etree._Element, b: Booking, value_as_time: bool = False) -> None:
        ntry = self.el(parent, "Ntry")
        self.amount(ntry, b.total, b.currency)
        self.el(ntry, "CdtDbtInd", "CRDT" if b.credit else "DBIT")
        if b.reversal:
            self.el(ntry, "RvslInd", "true")
        if self.v02:
            self.el(ntry, "Sts", b.status)
        else:
            self.el(self.el(ntry, "Sts"), "Cd", b.status)
        self.el(self.el(ntry, "BookgDt"), "Dt", (b.booked or b.valued).isoformat())
        if value_as_time:
            self.el(self.el(ntry, "ValDt"), "DtTm", f"{b.valued.isoformat()}T10:15:00-06:00")
        else:
            self.el(self.el(ntry, "ValDt"), "Dt", b.valued.isoformat())
        if b.own_ref:
            self.el(ntry, "AcctSvcrRef", b.own_ref)
        self.code(ntry, b.credit)
        if b.txs:
            details = self.el(ntry, "NtryDtls")
            batched = len(b.txs) > 1
            if batched:
                batch = self.el(details, "Btch")
                self.el(batch, "NbOfTxs", str(len(b.txs)))
            for t in b.txs:
                self.tx(details, t, batched, b.currency)

    def bytes(self) -> bytes:
        document: bytes = etree.tostring(self.root, xml_declaration=True, encoding="UTF-8")
        return document


def camt053(
    namespace: str,
    *,
    account: str,
    start: date,
    end: date,
    opening: int,
    closing: int,
    bookings: list[Booking],
    opening_code: str = "OPBD",
) -> bytes:
    w = _Writer(namespace)
    body = w.el(w.root, "BkToCstmrStmt")
    header = w.el(body, "GrpHdr")
    w.el(header, "MsgId", f"STMT-{account[:20]}-{end:%Y%m%d}")
    w.el(header, "CreDtTm", f"{(end + timedelta(days=1)).isoformat()}T06:00:00-06:00")
    stmt = w.el(body, "Stmt")
    w.el(stmt, "Id", f"{end:%Y%m%d}-001")
    w.el(stmt, "ElctrncSeqNb", "1")
    w.el(stmt, "CreDtTm", f"{(end + timedelta(days=1)).isoformat()}T06:00:00-06:00")
    period = w.el(stmt, "FrToDt")
    w.el(period, "FrDtTm", f"{start.isoformat()}T00:00:00-06:00")
    w.el(period, "ToDtTm", f"{end.isoformat()}T23:59:59-06:00")
    acct = w.el(stmt, "Acct")
    w.el(w.el(w.el(acct, "Id"), "Othr"), "Id", account)
    w.el(acct, "Ccy", "MXN")
    w.balance(stmt, opening_code, opening, start)
    w.balance(stmt, "CLBD", closing, end)
    if w.v02:  # what these banks add: the available balances
        w.balance(stmt, "OPAV", opening, start)
        w.balance(stmt, "CLAV", closing, end)
    for b in bookings:
        w.entry(stmt, b, value_as_time=not w.v02)
    return w.bytes()


def notification(
    account: str, bookings: list[Booking], *, message_id: str = "NTF-0001", currency: str = "MXN"
) -> bytes:
    w = _Writer(iso.CAMT054_V08)
    body = w.el(w.root, "BkToCstmrDbtCdtNtfctn")
    header = w.el(body, "GrpHdr")
    w.el(header, "MsgId", message_id)
    w.el(header, "CreDtTm", "2030-03-02T07:00:00-06:00")
    note = w.el(body, "Ntfctn")
    w.el(note, "Id", message_id + "-1")
    acct = w.el(note, "Acct")
    w.el(w.el(w.el(acct, "Id"), "Othr"), "Id", account)
    w.el(acct, "Ccy", currency)
    for b in bookings:
        w.entry(note, b)
    return w.bytes()


# -- a journal's statement as each bank would send it -------------------------------------------


def as_batch_bank(s: TrustStatement, account: str) -> bytes:
    """camt.053.001.02: credits of one value date booked together, a day after it."""
    bookings: list[Booking] = []
    for m in s.movements:
        credit = m.direction is Direction.CREDIT
        tx = Tx(
            m.cents,
            credit=credit,
            bank_ref=m.reference,
            end_to_end="NOTPROVIDED",
            ustrd=[(m.description or "movimiento")[:140]],
            debtor=(m.counterpart or "")[:70] or None if credit else None,
        )
        last = bookings[-1] if bookings else None
        if credit and last is not None and last.credit and last.valued == m.value_date:
            last.txs.append(tx)
            continue
        bookings.append(Booking([tx], m.value_date, booked=m.value_date + timedelta(days=1)))
    return camt053(
        iso.CAMT053_V02,
        account=account,
        start=s.start,
        end=s.end,
        opening=s.opening_cents,
        closing=s.closing_cents,
        bookings=bookings,
    )


def as_cbpr_bank(s: TrustStatement, account: str) -> bytes:
    """camt.053.001.08: the bank's own entry references, ours as EndToEndId, PRCD, a pending
    entry at the end."""
    bookings = [
        Booking(
            [Tx(m.cents, credit=m.direction is Direction.CREDIT, end_to_end=m.reference)],
            m.value_date,
            own_ref=f"BNK{n:012d}",
        )
        for n, m in enumerate(s.movements, start=1)
    ]
    bookings.append(Booking([Tx(12_345, end_to_end="PENDING-1")], s.end, status="PDNG"))
    return camt053(
        iso.CAMT053_V08,
        account=account,
        start=s.start,
        end=s.end,
        opening=s.opening_cents,
        closing=s.closing_cents,
        bookings=bookings,
        opening_code="PRCD",
    )
