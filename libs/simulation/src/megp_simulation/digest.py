"""What the checks keep of the run's events and of each fund's journal: the topics and the
journals are read once, a page at a time, and each record is folded into counters, sums and the
few fields per key a check compares, then dropped. A national run publishes hundreds of
thousands of events; kept whole (as the checks once did) they and the journals held 3.8 GiB of
the driver's memory.

`RunEvents.note` takes one envelope as it comes off a topic (every copy: a redelivered copy
carries the same id and is folded once, except where a copy matters, noted there);
`JournalDigest.note` one journal entry. `RunEvents.of` / `JournalDigest.of` fold a list, for
tests that break an invariant on purpose."""

from __future__ import annotations

import hashlib
import heapq
import sys
from array import array
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from megp_simulation.banks import CREDIT_EVENTS, FUND_MOVEMENTS, TEACH_LENDER

TRUST, DEV, COMP = "trust_cash", "development_subfund", "competition_subfund"
INFLOW_KINDS = {"grant", "temporary_contribution", "member_deposit", "deposit_sheet"}
OFFERED = set(FUND_MOVEMENTS) | set(CREDIT_EVENTS)

#: the fields of each kept event's data a check reads (everything else is dropped)
SALE_FIELDS = ("order_id", "producer_id", "producer_part", "producer_part_mxn", "completed_on",
               "group_id")  # fmt: skip
RETURN_FIELDS = ("return_id", "producer_id", "producer_part", "producer_part_mxn",
                 "returned_on", "group_id")  # fmt: skip
ROYALTY_FIELDS = ("payment_id", "participant_id", "amount", "received_on", "group_id")
REPAYMENT_FIELDS = ("loan_id", "installment_number", "entry_id", "lender")
IP_KEPT = ("ip_counsel.DeadlineReminderDue", "ip_counsel.DeadlineMissed")
IP_FIELDS = ("filing_id", "deadline_id", "reminder_on")
#: at most this many failures of one kind are kept (a check shows 20)
KEEP_FAILURES = 25


def cents(amount: str | Decimal) -> int:
    return int(Decimal(amount) * 100)


def _short(event_id: str) -> int:
    """An event id's 64-bit hash: what the digest keeps to tell a copy from a new event."""
    return int.from_bytes(hashlib.blake2b(event_id.encode(), digest_size=8).digest(), "big")


class SeenIds:
    """A set of 64-bit hashes kept in 8 bytes each (a set of Python ints takes about 66): the
    newest in a small set, the rest in sorted arrays merged as they grow, a log of them at most
    (an LSM tree's levels). A national run's checks read about a million event ids."""

    def __init__(self, buffer: int = 1 << 14) -> None:
        self._new: set[int] = set()
        self._runs: list[array[int]] = []  # sorted, disjoint, each at least twice the next
        self._buffer = buffer
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def __contains__(self, x: object) -> bool:
        if x in self._new:
            return True
        if not isinstance(x, int):
            return False
        for run in self._runs:
            i = bisect_left(run, x)
            if i < len(run) and run[i] == x:
                return True
        return False

    def add(self, x: int) -> None:
        if x in self:
            return
        self._new.add(x)
        self._count += 1
        if len(self._new) >= self._buffer:
            run = array("Q", sorted(self._new))
            self._new.clear()
            while self._runs and len(self._runs[-1]) <= 2 * len(run):
                merged = array("Q")
                merged.extend(heapq.merge(self._runs.pop(), run))
                run = merged
            self._runs.append(run)


def _pick(data: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    return {k: data[k] for k in fields if k in data}


def _month(day: str) -> date:
    return date.fromisoformat(day).replace(day=1)


def _sale_key(order_id: str, producer_id: str) -> int:
    """A sale's (order, producer) as 8 bytes of its hash: there is one per paid order and
    producer, and the index keeps no order id's text (see `RunEvents.ids` for the odds)."""
    return _short(f"{order_id}\x00{producer_id}")


@dataclass
class MarketIndex:
    """The run's sale, return and royalty events, folded as they are read (`RunEvents.note`),
    for every group's marketplace checks: per sale (order, producer) how many SaleCompleted
    events and the producer part (pesos) the last said; per member and month the parts summed;
    per return and royalty the same. Nothing of an event is kept beyond these."""

    #: hash of (order, producer) -> SaleCompleted events, and the producer part the last said
    by_sale: Counter[int] = field(default_factory=Counter)
    sale_part: dict[int, Decimal] = field(default_factory=dict)
    #: (group, member, month) -> the sales' producer parts and the royalties (pesos)
    income: dict[tuple[str, str, date], Decimal] = field(
        default_factory=lambda: defaultdict(Decimal)
    )
    #: group -> the first days of the months it sold in, as the sales say
    sale_months: dict[str, set[date]] = field(default_factory=lambda: defaultdict(set))
    by_return: Counter[str] = field(default_factory=Counter)
    return_part: dict[str, Decimal] = field(default_factory=dict)
    #: (group, producer, month) -> the returns' producer parts (pesos)
    taken_back: dict[tuple[str, str, date], Decimal] = field(
        default_factory=lambda: defaultdict(Decimal)
    )
    #: (payment, inventor) -> its RoyaltyReceived events: (event id, data)
    royalties: dict[tuple[str, str], list[tuple[str, dict[str, Any]]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    @classmethod
    def of(
        cls,
        sales: dict[str, dict[str, Any]],
        returned: dict[str, dict[str, Any]] | None = None,
        royalties: dict[str, dict[str, Any]] | None = None,
    ) -> MarketIndex:
        """The index of events given by id (one copy each), for tests."""
        idx = cls()
        for data in sales.values():
            idx.note_sale(data)
        for event_id, data in (royalties or {}).items():
            idx.note_royalty(event_id, data)
        for data in (returned or {}).values():
            idx.note_return(data)
        return idx

    def sale(self, order_id: str, producer_id: str) -> tuple[int, Decimal | None]:
        """How many SaleCompleted of the (order, producer), and the part the last said."""
        key = _sale_key(order_id, producer_id)
        return self.by_sale[key], self.sale_part.get(key)

    def note_sale(self, data: dict[str, Any]) -> None:
        key = _sale_key(data["order_id"], data["producer_id"])
        self.by_sale[key] += 1
        mxn = Decimal(data.get("producer_part_mxn") or data["producer_part"])  # USD: pesos
        self.sale_part[key] = mxn
        group, producer = sys.intern(data["group_id"]), sys.intern(data["producer_id"])
        month = _month(data["completed_on"])
        self.income[(group, producer, month)] += mxn
        self.sale_months[group].add(month)

    def note_royalty(self, event_id: str, data: dict[str, Any]) -> None:
        """A royalty is its inventor's income, as a sale."""
        month = _month(data["received_on"])
        self.income[(data["group_id"], data["participant_id"], month)] += Decimal(data["amount"])
        key = (str(data["payment_id"]), str(data["participant_id"]))
        self.royalties[key].append((event_id, data))

    def note_royalties(self, royalties: dict[str, dict[str, Any]]) -> None:
        """Only the royalties' announcements (not their income), for tests."""
        for event_id, data in royalties.items():
            key = (str(data["payment_id"]), str(data["participant_id"]))
            self.royalties[key].append((event_id, data))

    def note_return(self, data: dict[str, Any]) -> None:
        self.by_return[data["return_id"]] += 1
        mxn = Decimal(data.get("producer_part_mxn") or data["producer_part"])
        self.return_part[data["return_id"]] = mxn
        group, producer = sys.intern(data["group_id"]), sys.intern(data["producer_id"])
        self.taken_back[(group, producer, _month(data["returned_on"]))] += mxn


@dataclass(frozen=True)
class Offered:
    """An event of a type some bank subscribed to: what decides the bank it concerns."""

    type: str
    fund_id: str | None
    group_id: str
    lender: str | None  # the lender it names, else the one learnt for its loan or line


@dataclass
class RunEvents:
    """The run's events (keyed by its groups, participants, ...), folded as they are read."""

    published: dict[str, int] = field(default_factory=dict)  # topic -> messages since start
    #: the disclosures' made-up words every event is scanned for
    watched: tuple[str, ...] = ()
    copies: int = 0  # records of the run's read, redelivered copies included
    bytes_read: int = 0  # their JSON, what the checks once kept (as dicts, several times this)
    #: each distinct event id read, as 8 bytes of its hash (a national run reads about a
    #: million; kept as strings they were a third of what the checks held, and two of a
    #: million 64-bit hashes collide with a chance of about one in ten million)
    ids: SeenIds = field(default_factory=SeenIds)
    by_type: Counter[str] = field(default_factory=Counter)  # distinct ids per type
    #: SaleCompleted, SaleReturned and RoyaltyReceived folded for the marketplace checks
    market: MarketIndex = field(default_factory=MarketIndex)
    #: (loan, number) -> the reason of its InstallmentOverdue (the last one read)
    overdue_reasons: dict[tuple[Any, Any], str] = field(default_factory=dict)
    instalments_paid: Counter[tuple[Any, Any]] = field(default_factory=Counter)
    repayments: dict[str, dict[str, Any]] = field(default_factory=dict)  # FundRepaymentMade
    taken_over: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by line
    opened: dict[str, str | None] = field(default_factory=dict)  # fund -> trust bank
    offered: dict[str, Offered] = field(default_factory=dict)  # by event id, topics' order
    deadlines: dict[str, dict[str, Any]] = field(default_factory=dict)  # reminders, misses
    secrets_found: list[str] = field(default_factory=list)  # "<type> <id>: [words]"
    secrets_scanned: int = 0
    _lenders: dict[tuple[str, str], str] = field(default_factory=dict)

    @classmethod
    def of(cls, envelopes: Iterable[dict[str, Any]], watched: Iterable[str] = ()) -> RunEvents:
        run = cls(watched=tuple(watched))
        for envelope in envelopes:
            run.note(envelope)
        return run

    def note(self, env: dict[str, Any]) -> None:
        self.copies += 1
        self._scan(env)  # every copy, as it was read
        kind, data = str(env.get("type", "")), env.get("data") or {}
        self._learn_lender(kind, data)  # every copy: a later copy teaches again, in order
        eid = str(env.get("id"))
        seen = _short(eid)
        if seen in self.ids:
            return
        self.ids.add(seen)
        self.by_type[kind] += 1
        if kind in OFFERED:
            self._offer(eid, kind, data)
        match kind:
            case "trade.SaleCompleted":
                self.market.note_sale(_pick(data, SALE_FIELDS))
            case "trade.SaleReturned":
                self.market.note_return(_pick(data, RETURN_FIELDS))
            case "ip_counsel.RoyaltyReceived":
                self.market.note_royalty(eid, _pick(data, ROYALTY_FIELDS))
            case "credit.InstallmentOverdue":
                key = (data.get("loan_id"), data.get("installment_number"))
                self.overdue_reasons[key] = data.get("reason", "")
            case "credit.InstallmentPaid":
                self.instalments_paid[(data.get("loan_id"), data.get("installment_number"))] += 1
            case "funds.FundRepaymentMade":
                self.repayments[eid] = _pick(data, REPAYMENT_FIELDS)
            case "credit.CreditLineTakenOver":
                kept = _pick(data, ("line_id", "lender", "effective_on"))
                self.taken_over.setdefault(str(data.get("line_id")), []).append(kept)
            case "funds.FundOpened":
                self.opened[str(data.get("fund_id"))] = data.get("trust_bank")
            case _ if kind in IP_KEPT:
                self.deadlines[eid] = {"type": kind, **_pick(data, IP_FIELDS)}

    def _scan(self, env: dict[str, Any]) -> None:
        self.secrets_scanned += 1
        if not self.watched:
            return
        text = str(env)
        hits = [w for w in self.watched if w in text]
        if hits and len(self.secrets_found) < KEEP_FAILURES:
            self.secrets_found.append(f"event {env.get('type')} {env.get('id')}: {hits}")

    def _learn_lender(self, kind: str, data: dict[str, Any]) -> None:
        lender = data.get("lender") if kind.startswith("credit.") else None
        if not lender or kind not in TEACH_LENDER:
            return
        loan, line = data.get("loan_id"), data.get("line_id")
        if kind != "credit.CreditLineOpened" and loan:
            self._lenders[("loan", loan)] = lender
        for moved in data.get("loan_ids") or [] if kind == "credit.CreditLineTakenOver" else []:
            self._lenders[("loan", str(moved))] = lender
        if line:
            self._lenders[("line", line)] = lender

    def _offer(self, eid: str, kind: str, data: dict[str, Any]) -> None:
        loan, line = data.get("loan_id"), data.get("line_id")
        lender = data.get("lender") if kind.startswith("credit.") else None
        if kind in CREDIT_EVENTS:
            lender = lender or self._lenders.get(("loan", loan) if loan else ("line", str(line)))
        fund = data.get("fund_id")
        group = sys.intern(str(fund or data.get("group_id")))
        # the few types, funds, groups and lenders as one string each, not one per event
        self.offered[eid] = Offered(
            sys.intern(kind),
            None if fund is None else sys.intern(str(fund)),
            group,
            None if lender is None else sys.intern(str(lender)),
        )


def line_amount(entry: dict[str, Any], account: str, side: str) -> int:
    return sum(
        cents(x["amount"])
        for x in entry["lines"]
        if x["account"] == account and x["side"] == side and x["currency"] == "MXN"
    )


@dataclass(frozen=True)
class Repayment:
    """An `instalment_payment` entry: what it names and what it took from trust cash."""

    entry_id: str
    loan_id: str
    number: int
    trust_credit: int


@dataclass(frozen=True)
class InflowEntry:
    """An inflow entry: its description and its centavos on trust cash and the sub-funds."""

    description: str
    trust_debit: int
    dev_credit: int
    comp_credit: int


@dataclass
class JournalDigest:
    """A fund's journal folded entry by entry: the sums the funds checks compare, the
    repayments and inflows each named by id (a few per month), and the entries "… from X"
    counted by description."""

    entries: int = 0
    #: entries per id (one each, if sound), by 8 bytes of the id's hash (`entries_of`)
    ids: Counter[int] = field(default_factory=Counter)
    inflow_count: int = 0
    trust_cash: int = 0  # centavos: trust-cash debits less credits
    dev: int = 0  # the development sub-fund's movements outside the inflow entries
    comp: int = 0
    inflows: dict[str, InflowEntry] = field(default_factory=dict)
    uneven: list[tuple[str, int]] = field(default_factory=list)  # inflow entries split unevenly
    uneven_count: int = 0
    repayments: list[Repayment] = field(default_factory=list)
    from_descriptions: Counter[str] = field(default_factory=Counter)

    @classmethod
    def of(cls, entries: Iterable[dict[str, Any]]) -> JournalDigest:
        journal = cls()
        for entry in entries:
            journal.note(entry)
        return journal

    def note(self, e: dict[str, Any]) -> None:
        self.entries += 1
        self.ids[_short(str(e["id"]))] += 1
        trust_debit = line_amount(e, TRUST, "debit")
        self.trust_cash += trust_debit - line_amount(e, TRUST, "credit")
        description = str(e.get("description", ""))
        if "from " in description:
            self.from_descriptions[description] += 1
        if e["kind"] in INFLOW_KINDS:
            self.inflow_count += 1
            dev, comp = line_amount(e, DEV, "credit"), line_amount(e, COMP, "credit")
            self.inflows[str(e["id"])] = InflowEntry(description, trust_debit, dev, comp)
            if dev != trust_debit - trust_debit // 2 or comp != trust_debit // 2:
                self.uneven_count += 1
                if len(self.uneven) < KEEP_FAILURES:
                    self.uneven.append((str(e["id"]), trust_debit))
        else:
            self.dev += line_amount(e, DEV, "credit") - line_amount(e, DEV, "debit")
            self.comp += line_amount(e, COMP, "credit") - line_amount(e, COMP, "debit")
        if e["kind"] == "instalment_payment":
            words = description.split()
            num, loan_id = int(words[1]), str(e["metadata"].get("loan_id", words[4]))
            credit = line_amount(e, TRUST, "credit")
            self.repayments.append(Repayment(str(e["id"]), loan_id, num, credit))

    def entries_of(self, entry_id: str) -> int:
        """How many entries the journal holds with the id."""
        return self.ids[_short(entry_id)]

    def from_club(self, name: str) -> int:
        """How many entries' descriptions end with "from <name>"."""
        suffix = f"from {name}"
        return sum(n for d, n in self.from_descriptions.items() if d.endswith(suffix))
