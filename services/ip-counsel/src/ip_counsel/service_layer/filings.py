"""Use cases on filings at IMPI: drafted once the inventors decided to file as that type [¶55],
then each step the office takes or the inventors answer, the fees paid (by the inventors or
their ODF, recorded with who paid) and the requests to finance them.

Who acts: an inventor of the disclosure acting as themself, or the counsellor assigned to it,
records the filing's steps; a fee is paid by an inventor or by the staff of the group's ODF;
financing is asked by an inventor. Every use case loads the filing and checks the caller's state
scope (`check_state`) first, then the caller's right; nothing is written before both. A filing
holds no content of the disclosure: its readers are everyone whose scope covers its state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ip_counsel.domain.decision import Choice
from ip_counsel.domain.disclosure import Disclosure
from ip_counsel.domain.errors import InvalidTransition, OutsideTheCircle
from ip_counsel.domain.filing_rules import DeadlineKind, NotFiled
from ip_counsel.domain.filings import FeePayment, Filing, FinancingSource, Payer
from ip_counsel.service_layer.container import Services
from ip_counsel.service_layer.disclosures import as_inventor, loaded
from megp_common import decisions
from megp_common.auth import Principal, Role, check_state
from megp_common.errors import NotFound
from megp_common.mongo import Shard

#: How many applied request ids a filing remembers (a retry comes long before the 200th next).
REQUEST_MEMORY = 200

#: What each act meets.
RESPONSES = frozenset({DeadlineKind.OFFICE_ACTION})
FEES = frozenset(
    {
        DeadlineKind.GRANT_FEE,
        DeadlineKind.ANNUITY,
        DeadlineKind.RENEWAL,
        DeadlineKind.NATIONAL_PHASE,
        DeadlineKind.OFFICE_ACTION,  # an answer in the extension: its fee
    }
)
USE_DECLARATION = frozenset({DeadlineKind.USE_DECLARATION})


@dataclass(frozen=True)
class DraftFiling:
    disclosure_id: str
    filing_type: str
    route: str
    priority_claimed_on: date | None


async def loaded_filing(services: Services, who: Principal, filing_id: str) -> Filing:
    found = await services.filings.find(filing_id, Shard.in_scope(who.states))
    if found is None:
        raise NotFound(f"no filing has the id {filing_id}")
    check_state(who, found.state or "")
    return found


async def _disclosure_of(services: Services, f: Filing) -> Disclosure:
    found = await services.disclosures.find(f.disclosure_id, Shard(f.state, f.group_id))
    if found is None:  # never deleted; a filing is drafted for a stored one
        raise NotFound(f"filing {f.id}'s disclosure {f.disclosure_id} is not stored")
    return found


async def check_filer(services: Services, who: Principal, d: Disclosure) -> str:
    """An inventor of `d` as themself, or the counsellor assigned to it: who they act as."""
    decisions.refuse_outsiders(who.role_names(), None)
    if who.has_role(Role.PARTICIPANT) and d.is_inventor(who.participant_id):
        assert who.participant_id is not None
        return who.participant_id
    if who.has_role(Role.IP_COUNSELLOR) and d.counsellor_id is not None:
        counsellor = await services.counsellors.find(d.counsellor_id)
        if counsellor is not None and counsellor.subject == who.subject:
            return counsellor.id
    raise OutsideTheCircle("the disclosure's inventors or its assigned counsellor do this")


async def draft(services: Services, who: Principal, command: DraftFiling, filing_id: str) -> Filing:
    existing = await services.filings.find(filing_id, Shard.in_scope(who.states))
    if existing is not None:
        return existing  # a retry after the filing was stored
    d = await loaded(services, who, command.disclosure_id)
    await check_filer(services, who, d)
    rules = services.settings.filing_rules
    rule = rules.rule_for(command.filing_type)  # 422 for an unknown type
    if not rule.filed:
        raise NotFiled(command.filing_type)  # a trade secret: its access rules protect it
    last = d.decisions[-1] if d.decisions else None
    if last is None or last.choice is not Choice.FILE or last.route != command.filing_type:
        raise InvalidTransition(
            f"the inventors of disclosure {d.id} have not decided to file it as a "
            f"{command.filing_type} [¶55]",
            rule="¶55",
            decided=(last.route or last.choice.value) if last else None,
        )
    for other in await services.filings.find_many({"disclosure_id": d.id}, limit=100):
        alive = other.ended_on is None
        if alive and other.filing_type == command.filing_type and other.route == command.route:
            raise InvalidTransition(
                f"disclosure {d.id} has a {command.filing_type} filing already",
                filing_id=other.id,
            )
    filing = Filing.draft(
        id=filing_id,
        disclosure_id=d.id,
        filing_type=command.filing_type,
        rule=rule,
        reminder_days=rules.reminder_days,
        inventors=[i.participant_id for i in d.inventors],
        disclosure_recorded_on=d.created_at.date(),
        today=services.today(),
        route=command.route,
        group_id=d.group_id,
        state=d.state,
        public_disclosure_on=d.public_disclosure_on,
        priority_claimed_on=command.priority_claimed_on,
        currency=rules.currency,
    )
    await services.filings.add(filing)
    return filing


async def _commit(services: Services, f: Filing, request_id: str) -> Filing:
    f.requests = [*f.requests, request_id][-REQUEST_MEMORY:]
    await services.filings.save(f)
    return f


async def act(
    services: Services,
    who: Principal,
    filing_id: str,
    request_id: str,
    verb: Callable[[Filing, date], object],
) -> Filing:
    """One step of the filing's life, by an inventor or the assigned counsellor: `verb(filing,
    today)` (the domain refuses a step out of order, 409, or a bad date, 422)."""
    f = await loaded_filing(services, who, filing_id)
    if request_id in f.requests:
        return f
    await check_filer(services, who, await _disclosure_of(services, f))
    verb(f, services.today())
    return await _commit(services, f, request_id)


async def _payer(services: Services, who: Principal, f: Filing) -> tuple[Payer, str, str | None]:
    """Who pays: an inventor of the filing as themself, or the staff of its group's ODF."""
    decisions.refuse_outsiders(who.role_names(), None)
    if who.has_role(Role.PARTICIPANT) and who.participant_id in f.inventors:
        assert who.participant_id is not None
        return Payer.INVENTORS, who.participant_id, None
    if who.has_role(Role.ODF_STAFF) and f.group_id is not None:
        group = await services.groups.find(f.group_id, Shard(f.state))
        if group is not None and group.odf_id and who.organization == group.odf_id:
            return Payer.ODF, who.subject, group.odf_id
    raise OutsideTheCircle("a fee is paid by the filing's inventors or by their group's ODF")


async def pay(
    services: Services,
    who: Principal,
    filing_id: str,
    request_id: str,
    *,
    deadline_id: str,
    paid_on: date,
    amount: Decimal,
    kinds: frozenset[DeadlineKind],
) -> Filing:
    """A fee paid (the amount due at the deadline, surcharge included), recorded with who paid:
    the inventors or their ODF. Meets the deadline."""
    f = await loaded_filing(services, who, filing_id)
    if request_id in f.requests:
        return f
    paid_by, payer, odf_id = await _payer(services, who, f)
    payment = FeePayment(
        deadline_id=deadline_id,
        amount=amount,
        currency=f.currency,
        paid_on=paid_on,
        paid_by=paid_by,
        payer=payer,
        odf_id=odf_id,
    )
    f.settle(deadline_id, paid_on, services.today(), kinds, payment)
    return await _commit(services, f, request_id)


async def respond(
    services: Services,
    who: Principal,
    filing_id: str,
    request_id: str,
    *,
    deadline_id: str,
    responded_on: date,
) -> Filing:
    """The answer to an office action, in time (no fee; in the extension, see `pay`)."""
    return await act(
        services,
        who,
        filing_id,
        request_id,
        lambda f, today: f.settle(deadline_id, responded_on, today, RESPONSES),
    )


async def ask_financing(
    services: Services,
    who: Principal,
    filing_id: str,
    request_id: str,
    *,
    deadline_id: str,
    source: FinancingSource,
    purpose: str | None,
) -> Filing:
    """An inventor asks that a fee be financed; announced for funds or credit to decide."""
    f = await loaded_filing(services, who, filing_id)
    if request_id in f.requests:
        return f
    inventor = as_inventor(who)
    decisions.refuse_outsiders(who.role_names(), None)
    if inventor not in f.inventors:
        raise OutsideTheCircle("the filing's inventors ask for its fees to be financed")
    f.request_financing(deadline_id, source, purpose, inventor, services.today())
    return await _commit(services, f, request_id)
