"""The Fund aggregate: one project group's Competition and Development Fund [¶71-¶78].

The fund is the unit of consistency. Its balances, its members' memo accounts, obligations,
debts and the entries not yet copied to the journal are committed in one conditional write, with
the events they cause. `post` is the only way money moves: it checks the entry balances and that
no fund account goes below zero, then appends it and updates the balances.

`balances` holds the balance-sheet accounts, the control accounts and the foreign-currency memo
pairs; each member's and borrower's own memo accounts are in `memos`, one record per person
(their storage is sized to one person: see FundRepository). `balance` reads either;
`all_balances` is every account, as the journal makes them.
"""

from __future__ import annotations

import copy
from datetime import date, datetime

from pydantic import PrivateAttr

from funds.domain import accounts as acc
from funds.domain.errors import FundNotOpen, RuleBroken
from funds.domain.ledger import Balances, Entry, EntryKind, Line, apply_lines, check_balanced
from funds.domain.records import (
    BorrowerDebt,
    Member,
    MemoAccounts,
    Notice,
    Obligation,
    ScheduledInstalment,
    TemporaryContribution,
)
from megp_common.aggregate import Aggregate
from megp_common.ids import deterministic_id

CURRENCY = "MXN"

# Accounts that can never be negative: money the fund does not have cannot be spent. All of
# them are in `balances` (what one commit must check together), none is a person's memo account.
NEVER_NEGATIVE = (acc.TRUST_CASH, acc.DEVELOPMENT, acc.COMPETITION, acc.TEMPORARY_TO_RETURN)


class Fund(Aggregate):
    group_id: str
    odf_id: str | None = None
    name: str | None = None
    state: str | None = None
    municipality: str | None = None
    trust_bank: str | None = None
    opened_at: datetime | None = None
    opened_on: date | None = None
    members: dict[str, Member] = {}
    board: list[str] = []
    support_committee: list[str] = []  # participants on the project's Support Committee [¶55]
    balances: Balances = {}
    #: person id -> that member's or borrower's memo accounts (accounts.person_of)
    memos: dict[str, MemoAccounts] = {}
    next_seq: int = 1
    pending_entries: list[Entry] = []
    recent_entry_ids: list[str] = []
    reversed_entries: list[str] = []
    #: open obligations, and closed ones until the archive has them (see `close_obligation`)
    obligations: dict[str, Obligation] = {}
    archive_pending: list[Obligation] = []
    closed_obligations: list[str] = []  # the most recent closed ids, against late duplicates
    archive_months: list[str] = []  # "YYYY-MM" of every period with archived obligations
    temporary: dict[str, TemporaryContribution] = {}
    debts: dict[str, BorrowerDebt] = {}
    scheduled: dict[str, ScheduledInstalment] = {}
    failed_instalments: list[str] = []
    notices: list[Notice] = []
    initial_deposits_cents: int = 0
    initial_other_cents: int = 0
    initial_period_closed: bool = False
    wake_on: date | None = None
    remember_entries: int = 2000
    remember_obligations: int = 1000
    #: read without its pending lists (FundRepository.find_view): for reading, never committed
    _view: bool = PrivateAttr(default=False)
    #: the id memories (`applied`, `recent_entry_ids`, `closed_obligations`) as the store held
    #: them when this copy was read, or None when only part of them was read: storage
    #: bookkeeping of FundRepository, which writes only the ids added since
    _stored_memory: dict[str, frozenset[str]] | None = PrivateAttr(default_factory=dict)
    #: likewise the keyed records (members, obligations, debts ...) as the store held them
    _stored_parts: dict[str, dict[str, dict[str, object]]] | None = PrivateAttr(
        default_factory=dict
    )

    @property
    def is_view(self) -> bool:
        return self._view

    @is_view.setter
    def is_view(self, value: bool) -> None:
        self._view = value

    @property
    def stored_memory(self) -> dict[str, frozenset[str]] | None:
        return self._stored_memory

    @stored_memory.setter
    def stored_memory(self, value: dict[str, frozenset[str]] | None) -> None:
        self._stored_memory = value

    @property
    def stored_parts(self) -> dict[str, dict[str, dict[str, object]]] | None:
        return self._stored_parts

    @stored_parts.setter
    def stored_parts(self, value: dict[str, dict[str, dict[str, object]]] | None) -> None:
        self._stored_parts = value

    def partition_key(self) -> str:
        return self.group_id

    def state_code(self) -> str | None:
        return self.state

    # -- reading ---------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.opened_at is not None

    def require_open(self) -> None:
        if not self.is_open:
            raise FundNotOpen(f"the fund of group {self.group_id} is not open yet")

    def balance(self, account: str, currency: str = CURRENCY) -> int:
        person = acc.person_of(account)
        if person is None:
            return self.balances.get(currency, {}).get(account, 0)
        memo = self.memos.get(person)
        return memo.balances.get(currency, {}).get(account, 0) if memo else 0

    def all_balances(self) -> Balances:
        """Every account's balance (a copy): `balances` with each person's memo accounts."""
        out: Balances = {currency: dict(accounts) for currency, accounts in self.balances.items()}
        for pid in sorted(self.memos):
            for currency, accounts in self.memos[pid].balances.items():
                out.setdefault(currency, {}).update(accounts)
        return out

    def entry_id(self, scope: str, key: str) -> str:
        """The id of the entry a request or event posts: the same key always gives the same id."""
        return deterministic_id("funds", self.id, scope, key)

    def has_posted(self, entry_id: str) -> bool:
        return entry_id in self.recent_entry_ids

    def pending_entry(self, entry_id: str) -> Entry | None:
        return next((e for e in self.pending_entries if e.id == entry_id), None)

    def knows_obligation(self, obligation_id: str) -> bool:
        return obligation_id in self.obligations or obligation_id in self.closed_obligations

    def close_obligation(self, obligation: Obligation) -> None:
        """A settled or replaced obligation leaves the document for the archive (a document
        per fund and period month), so the fund does not grow by one obligation per member and
        month for as long as the programme runs; the journal copier moves it."""
        self.obligations.pop(obligation.obligation_id, None)
        self.archive_pending.append(obligation)
        self.closed_obligations.append(obligation.obligation_id)
        excess = len(self.closed_obligations) - self.remember_obligations
        if excess > 0:
            del self.closed_obligations[:excess]
        month = archive_month(obligation)
        if month not in self.archive_months:
            self.archive_months.append(month)

    def forget_archived(self, obligation_ids: set[str]) -> None:
        self.archive_pending = [
            o for o in self.archive_pending if o.obligation_id not in obligation_ids
        ]

    def active_members(self) -> list[str]:
        return sorted(pid for pid, m in self.members.items() if m.active)

    # -- posting ---------------------------------------------------------------------------

    def post(
        self,
        *,
        entry_id: str,
        kind: EntryKind,
        key: str,
        lines: list[Line],
        now: datetime,
        description: str,
        metadata: dict[str, str] | None = None,
        reverses: str | None = None,
        effective_on: date | None = None,
    ) -> Entry:
        """`effective_on`: the value date, when the money moved before it was posted (a deposit
        the trust bank reports); default the day it is posted."""
        check_balanced(lines)
        shared: list[Line] = []
        personal: dict[str, list[Line]] = {}
        for line in lines:
            person = acc.person_of(line.account)
            if person is None:
                shared.append(line)
            else:
                personal.setdefault(person, []).append(line)
        after: Balances = copy.deepcopy(self.balances)
        apply_lines(after, shared)
        for account in NEVER_NEGATIVE:
            if after.get(CURRENCY, {}).get(account, 0) < 0:
                raise RuleBroken(
                    f"{account} would go below zero (it has {self.balance(account) / 100:.2f} "
                    f"{CURRENCY})",
                    rule="¶72",
                )
        entry = Entry(
            id=entry_id,
            fund_id=self.id,
            seq=self.next_seq,
            kind=kind,
            idempotency_key=key,
            posted_at=now,
            effective_on=effective_on or now.date(),
            description=description,
            lines=lines,
            metadata=metadata or {},
            reverses=reverses,
        )
        self.balances = after
        for person, moved in personal.items():
            held = self.memos.get(person)
            theirs: Balances = copy.deepcopy(held.balances) if held else {}
            apply_lines(theirs, moved)
            self.memos[person] = MemoAccounts(person_id=person, balances=theirs)
        self.next_seq += 1
        self.pending_entries.append(entry)
        self.recent_entry_ids.append(entry_id)
        excess = len(self.recent_entry_ids) - self.remember_entries
        if excess > 0:
            del self.recent_entry_ids[:excess]
        return entry

    def forget_copied(self, entry_ids: set[str]) -> None:
        self.pending_entries = [e for e in self.pending_entries if e.id not in entry_ids]


def archive_month(obligation: Obligation) -> str:
    return obligation.period_start.strftime("%Y-%m")


def new_fund(group_id: str) -> Fund:
    """A fund not opened yet: events about the group may arrive before it was formed."""
    return Fund(id=group_id, group_id=group_id)
