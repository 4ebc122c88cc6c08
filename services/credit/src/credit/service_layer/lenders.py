"""Use cases of the lenders [¶83, ¶90]: a partner bank takes a line over, with the consent of
the current lender of record (domain/lenders.py), and the takeover takes effect on its day.

Who agrees: the bank that takes the line (a `partner_bank` token of that organization, in the
line's state) offers; the current lender of record consents or declines (its own `partner_bank`
token, or, for the programme's default lender NAFIN, a programme supervisor of national scope:
NAFIN lends nationally, so a state's supervisor cannot give its risk away). The group's board is
not asked and cannot be: a lender's acts give it no decision of the group's [¶55], and the
group's decisions are not needed to change who carries the line's risk.
"""

from __future__ import annotations

import contextlib
from datetime import date

from credit.domain import creditworthiness as cw
from credit.domain.commands import OfferTakeover
from credit.domain.errors import CreditRuleViolation
from credit.domain.line import CreditLine
from credit.domain.loan import Loan, LoanStatus
from credit.service_layer.container import Services
from megp_common import decisions
from megp_common.auth import Principal, Role, check_state
from megp_common.mongo import ConcurrencyConflict, Shard
from megp_common.refusals import DecisionRefused, Forbidden, NotFound


async def line_in_scope(services: Services, who: Principal, group_id: str) -> CreditLine:
    line = await services.lines.get(group_id, Shard.in_scope(who.states))
    check_state(who, line.state)
    return line


def known_lender(services: Services, lender: str) -> None:
    """A lender credit can lend for: one with a preferential rate configured [¶89]."""
    if lender not in services.settings.lender_rates:
        raise CreditRuleViolation(
            f"{lender} is not a lender of the programme (no preferential rate is configured "
            "for it in LENDER_RATES)",
            rule="¶89",
        )


async def offer(services: Services, who: Principal, command: OfferTakeover) -> CreditLine:
    line = await line_in_scope(services, who, command.group_id)
    decisions.lender_of(who.role_names(), who.organization, command.lender)
    known_lender(services, command.lender)
    line.offer_takeover(command.lender, command.effective_on, services.today(), who.subject)
    await services.lines.save(line)
    return line


def check_current_lender(services: Services, who: Principal, line: CreditLine) -> None:
    """The current lender of record, or NAFIN's national programme supervisor for NAFIN."""
    if line.lender == services.settings.default_lender and who.has_role(Role.PROGRAMME_SUPERVISOR):
        if not who.is_national:
            raise DecisionRefused(
                f"{line.lender} lends nationally: only a programme supervisor of national "
                "scope consents for it, not one scoped to a state"
            )
        return
    decisions.lender_of(who.role_names(), who.organization, line.lender)


async def consent(services: Services, who: Principal, group_id: str) -> CreditLine:
    line = await line_in_scope(services, who, group_id)
    check_current_lender(services, who, line)
    line.consent_to_takeover(services.today())
    await services.lines.save(line)
    # agreed: if today is its day it takes effect now; a concurrent write to a loan or the line
    # leaves that to the scheduler's next tick, the consent stands either way
    with contextlib.suppress(ConcurrencyConflict):
        await take_effect_if_due(services, group_id, services.today())
    return await services.lines.get(group_id)


async def decline(services: Services, who: Principal, group_id: str) -> CreditLine:
    line = await line_in_scope(services, who, group_id)
    check_current_lender(services, who, line)
    line.decline_takeover()
    await services.lines.save(line)
    return line


async def _move_loan(
    services: Services, loan_id: str, lender: str, since: date, shard: Shard
) -> Loan:
    """One loan passes to the new lender; a concurrent write (a payment) is read again."""
    for attempt in range(5):
        loan = await services.loans.get(loan_id, shard)
        if not loan.pass_to(lender, since):
            return loan
        try:
            await services.loans.save(loan)
            return loan
        except ConcurrencyConflict:
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


async def take_effect_if_due(services: Services, group_id: str, today: date) -> bool:
    """The agreed takeover whose day has come: every loan of the line not yet repaid moves to the
    new lender, then the line records `CreditLineTakenOver`. The loans move first, each in its
    own write: after a crash between, the next tick moves what is left and announces once."""
    line = await services.lines.get(group_id)
    agreed = line.takeover_due(today)
    if agreed is None:
        return False
    moved: list[str] = []
    for loan in await services.loans.by_group.fetch_equal_to(group_id):
        shard = Shard(line.state, group_id)
        loan = await _move_loan(services, loan.id, agreed.lender, agreed.since, shard)
        held = any(x.lender == agreed.lender and x.since == agreed.since for x in loan.lenders)
        if held and loan.status is not LoanStatus.REJECTED:
            moved.append(loan.id)
    line.take_over(sorted(moved))
    await services.lines.save(line)
    return True


async def creditworthiness(services: Services, who: Principal, lender: str) -> cw.Creditworthiness:
    """A lender's view [¶88, ¶90]: a partner bank reads its own only; a programme supervisor any
    lender's; each within their states (a national scope sees the whole programme)."""
    bank = who.has_role(Role.PARTNER_BANK) and not who.has_role(Role.PROGRAMME_SUPERVISOR)
    if bank and who.organization != lender:
        raise Forbidden(f"a partner bank reads its own creditworthiness view, not {lender}'s")
    loans = await services.loans.by_lender.fetch_equal_to(lender)
    if not loans and lender not in services.settings.lender_rates:
        raise NotFound(f"{lender} is not a lender of the programme")
    loans = [x for x in loans if who.can_act_in_state(x.state)]
    lines = [x for x in await services.lines.held_by(lender) if who.can_act_in_state(x.state)]
    group_loans = {}
    for gid in sorted({x.group_id for x in loans} | {x.id for x in lines}):
        group_loans[gid] = await services.loans.by_group.fetch_equal_to(gid)
    return cw.creditworthiness(
        lender, loans, lines, group_loans, services.today(), services.settings.repeat_multiple
    )
