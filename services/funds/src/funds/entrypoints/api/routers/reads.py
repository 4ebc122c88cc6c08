"""GET routes: the fund, its statement at a date, its journal, members, obligations, debts and
notices; the programme-wide summary by state and a partner bank's trust funds."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query

from funds.domain import accounts as acc
from funds.domain.bank_deposits import deposit_reference
from funds.domain.calendar import to_amount
from funds.domain.deposits import open_obligations
from funds.domain.fund import Fund
from funds.domain.opening import withdrawals_from
from funds.domain.outflows import member_share
from funds.domain.records import Obligation
from funds.entrypoints.api.deps import FUND_READERS, ServicesDep, check_reader, open_fund_for
from funds.entrypoints.api.errors import READ
from funds.entrypoints.api.schemas.funds import (
    ID_PATTERN,
    DebtPublic,
    EntryPublic,
    FundPublic,
    JournalPage,
    LedgerCheckPublic,
    MemberPublic,
    NoticePublic,
    ObligationPublic,
    StatementPublic,
    StateSummary,
    amounts,
)
from funds.service_layer import queries
from megp_common.auth import BankAccess, Principal, Role, check_bank, open_to_banks
from megp_common.auth.fastapi import require_roles
from megp_common.errors import Forbidden, NotFound
from megp_common.web import CursorQuery, LimitQuery, decode_cursor, encode_cursor

router = APIRouter(tags=["reports"], responses=READ)
FundId = Annotated[str, Path(pattern=ID_PATTERN, description="The project group's id")]
Reader = Annotated[Principal, Depends(require_roles(*FUND_READERS))]
Supervisor = Annotated[Principal, Depends(require_roles(Role.PROGRAMME_SUPERVISOR))]
Bank = Annotated[Principal, Depends(require_roles(Role.PARTNER_BANK, Role.PROGRAMME_SUPERVISOR))]


async def _readable(
    services: ServicesDep, fund_id: str, who: Principal, *, view: bool = False
) -> Fund:
    """`view`: the read needs neither `pending_entries` nor `archive_pending`."""
    fund = await open_fund_for(services, fund_id, who, view=view)
    check_reader(who, fund)
    return fund


@router.get(
    "/funds/{fund_id}",
    response_model=FundPublic,
    summary="The fund",
    openapi_extra=open_to_banks(BankAccess.TRUST_BANK),
)
async def get_fund(fund_id: FundId, services: ServicesDep, who: Reader) -> FundPublic:
    fund = await _readable(services, fund_id, who, view=True)
    return FundPublic(
        fund_id=fund.id,
        group_id=fund.group_id,
        odf_id=fund.odf_id,
        name=fund.name,
        state_code=fund.state,
        trust_bank=fund.trust_bank,
        opened_at=fund.opened_at,
        members=fund.active_members(),
        board_representatives=fund.board,
        version=fund.version,
    )


@router.get(
    "/funds/{fund_id}/statement",
    response_model=StatementPublic,
    summary="Balances of every account, now or at the end of a date",
    openapi_extra=open_to_banks(BankAccess.TRUST_BANK),
)
async def statement(
    fund_id: FundId,
    services: ServicesDep,
    who: Reader,
    on: Annotated[date | None, Query(description="End of this day (UTC); default now")] = None,
) -> StatementPublic:
    fund = await _readable(services, fund_id, who)
    at = datetime.combine(on, time.max, tzinfo=UTC) if on else None
    balances = await queries.statement(services, fund, at)
    pesos = balances.get("MXN", {})
    return StatementPublic(
        fund_id=fund.id,
        at=at or services.clock.now(),
        balances=amounts(balances),
        development_subfund=to_amount(pesos.get(acc.DEVELOPMENT, 0)),
        competition_subfund=to_amount(pesos.get(acc.COMPETITION, 0)),
        trust_cash=to_amount(pesos.get(acc.TRUST_CASH, 0)),
    )


@router.get(
    "/funds/{fund_id}/journal",
    response_model=JournalPage,
    summary="The journal",
    openapi_extra=open_to_banks(BankAccess.TRUST_BANK),
)
async def journal(
    fund_id: FundId,
    services: ServicesDep,
    who: Reader,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> JournalPage:
    fund = await _readable(services, fund_id, who)
    after = int(decode_cursor(cursor).get("seq", 0)) if cursor else 0
    entries, more = await queries.journal_page(services, fund, after, limit)
    next_cursor = encode_cursor({"seq": entries[-1].seq}) if more and entries else None
    return JournalPage(items=[EntryPublic.of(e) for e in entries], next_cursor=next_cursor)


@router.get(
    "/funds/{fund_id}/journal/{entry_id}",
    response_model=EntryPublic,
    summary="One entry",
    openapi_extra=open_to_banks(BankAccess.TRUST_BANK),
)
async def journal_entry(
    fund_id: FundId, entry_id: str, services: ServicesDep, who: Reader
) -> EntryPublic:
    fund = await _readable(services, fund_id, who)
    entry = fund.pending_entry(entry_id) or await services.journal.get(entry_id)
    if entry is None or entry.fund_id != fund.id:
        raise NotFound(f"no entry {entry_id} in this fund")
    return EntryPublic.of(entry)


@router.get(
    "/funds/{fund_id}/ledger-check",
    response_model=LedgerCheckPublic,
    summary="Rebuild every balance from the journal and compare with the cached balances",
)
async def ledger_check(
    fund_id: FundId, services: ServicesDep, who: Supervisor
) -> LedgerCheckPublic:
    fund = await open_fund_for(services, fund_id, who)
    found = await queries.check_ledger(services, fund)
    return LedgerCheckPublic(**found.__dict__)


def _obligation(o: Obligation, today: date) -> ObligationPublic:
    return ObligationPublic(
        obligation_id=o.obligation_id,
        participant_id=o.participant_id,
        period_start=o.period_start,
        period_end=o.period_end,
        due_on=o.due_on,
        amount=to_amount(o.amount_cents),
        settled=to_amount(o.settled_cents),
        outstanding=to_amount(o.outstanding_cents),
        overdue=o.is_overdue(today),
        replaced_by=o.replaced_by,
    )


@router.get(
    "/funds/{fund_id}/members/{participant_id}",
    response_model=MemberPublic,
    summary="A member's contributions, share and withdrawals",
)
async def member(
    fund_id: FundId,
    participant_id: Annotated[str, Path(pattern=ID_PATTERN)],
    services: ServicesDep,
    who: Reader,
) -> MemberPublic:
    # a view: balances, members and open obligations are all on it (a member checks what they
    # may withdraw before each withdrawal, so the fourth year's reads are many)
    fund = await _readable(services, fund_id, who, view=True)
    staff = who.has_role(Role.PROGRAMME_SUPERVISOR, Role.ODF_STAFF, Role.BOARD_REPRESENTATIVE)
    if not staff and who.participant_id != participant_id:
        raise Forbidden("a member reads only their own position")
    state = fund.members.get(participant_id)
    if state is None:
        raise NotFound(f"{participant_id} is not a member of this group")
    mine = fund.balance(acc.member_contributions(participant_id))
    total = fund.balance(acc.CONTRIBUTIONS_CONTROL)
    today = services.clock.now().date()
    opens = withdrawals_from(fund, services.policy)
    return MemberPublic(
        participant_id=participant_id,
        active=state.active,
        contributed=to_amount(mine),
        share_of_deposits=str(Decimal(mine) / Decimal(total)) if total else "0",
        withdrawn=to_amount(fund.balance(acc.member_withdrawals(participant_id))),
        can_withdraw_now=to_amount(member_share(fund, participant_id) if today >= opens else 0),
        withdrawals_from=opens,
        obligations=[_obligation(o, today) for o in open_obligations(fund, participant_id)],
        deposit_reference=deposit_reference(fund.id, participant_id),
    )


@router.get(
    "/funds/{fund_id}/obligations",
    response_model=list[ObligationPublic],
    summary="Members' deposit obligations: open ones, or all (the settled ones from the archive)",
    openapi_extra=open_to_banks(BankAccess.TRUST_BANK),
)
async def obligations(
    fund_id: FundId,
    services: ServicesDep,
    who: Reader,
    overdue: bool = False,
    participant_id: str | None = None,
    status: Annotated[
        Literal["open", "all"],
        Query(description="`open`: outstanding only (one read); `all`: with the settled history"),
    ] = "all",
) -> list[ObligationPublic]:
    fund = await _readable(services, fund_id, who, view=status == "open")
    today = services.clock.now().date()
    by_id: dict[str, Obligation] = {}
    if status == "all":
        for o in await services.archive.of_fund(fund.id, fund.archive_months):
            by_id[o.obligation_id] = o
        for o in fund.archive_pending:  # newer than what the archive has
            by_id[o.obligation_id] = o
    for o in fund.obligations.values():
        if status == "all" or o.outstanding_cents > 0:
            by_id[o.obligation_id] = o
    found = sorted(by_id.values(), key=lambda o: (o.due_on, o.obligation_id))
    return [
        _obligation(o, today)
        for o in found
        if (not overdue or o.is_overdue(today))
        and (participant_id is None or o.participant_id == participant_id)
    ]


@router.get(
    "/funds/{fund_id}/debts",
    response_model=list[DebtPublic],
    summary="What each borrower owes the fund for instalments it paid",
    openapi_extra=open_to_banks(BankAccess.TRUST_BANK),
)
async def debts(fund_id: FundId, services: ServicesDep, who: Reader) -> list[DebtPublic]:
    fund = await _readable(services, fund_id, who, view=True)
    return [
        DebtPublic(
            borrower_id=d.borrower_id,
            borrower_kind=d.borrower_kind,
            owed=to_amount(d.owed_cents),
            unreplenished_since=d.since,
            notice_issued=d.notice_issued,
        )
        for d in sorted(fund.debts.values(), key=lambda d: d.borrower_id)
    ]


@router.get(
    "/funds/{fund_id}/notices",
    response_model=list[NoticePublic],
    summary="Notices of non-fulfillment issued to the group [¶77]",
    openapi_extra=open_to_banks(BankAccess.TRUST_BANK),
)
async def notices(fund_id: FundId, services: ServicesDep, who: Reader) -> list[NoticePublic]:
    fund = await _readable(services, fund_id, who, view=True)
    return [
        NoticePublic(**n.model_dump(exclude={"owed_cents"}), owed=to_amount(n.owed_cents))
        for n in fund.notices
    ]


def _summary(rows: list[queries.StateTotals]) -> list[StateSummary]:
    return [
        StateSummary(
            state_code=r.state_code,
            funds=r.funds,
            trust_cash=to_amount(r.trust_cash_cents),
            development_subfund=to_amount(r.development_cents),
            competition_subfund=to_amount(r.competition_cents),
            temporary_contributions_to_return=to_amount(r.temporary_to_return_cents),
            owed_by_borrowers=to_amount(r.owed_by_borrowers_cents),
        )
        for r in rows
    ]


@router.get(
    "/fund-summaries/by-state",
    response_model=list[StateSummary],
    summary="Programme-wide totals of the funds, by state (within the caller's scope)",
)
async def by_state(services: ServicesDep, who: Supervisor) -> list[StateSummary]:
    scope = None if who.is_national else frozenset(who.states)
    funds = await services.funds.all_balances()
    return _summary(queries.totals_by_state(funds, scope, services.clock.now()))


@router.get(
    "/partner-banks/{bank}/funds",
    response_model=list[StateSummary],
    summary="The funds a partner bank holds in trust, totalled by state",
    openapi_extra=open_to_banks(BankAccess.OWN),
)
async def at_bank(bank: str, services: ServicesDep, who: Bank) -> list[StateSummary]:
    # a bank its own list; a supervisor (without the bank role) any bank's
    check_bank(who, bank, what="list of trust funds")
    scope = None if who.is_national else frozenset(who.states)
    funds = await services.funds.funds_at_bank(bank)
    return _summary(queries.totals_by_state(funds, scope, services.clock.now()))
