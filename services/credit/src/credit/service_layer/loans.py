"""Use cases on loans: load what the command names, check the caller's state scope and rights,
call the domain, store. The routes only parse and answer."""

from __future__ import annotations

from decimal import Decimal

from credit.domain.commands import ApplyForLoan, PayInstalment, RejectLoan
from credit.domain.eligibility import PastLoan, check_application
from credit.domain.errors import CreditRuleViolation, NotAuthorized
from credit.domain.line import GroupRecord
from credit.domain.loan import Loan, LoanStatus
from credit.domain.schedule import add_months
from credit.service_layer.container import Services
from megp_common import decisions
from megp_common.auth import Principal, Role, check_bank, check_state
from megp_common.errors import BusinessRuleViolation, DecisionRefused, NotFound
from megp_common.mongo import Shard


async def available_on_line(
    services: Services, group_id: str, state: str | None = None
) -> tuple[Decimal, Decimal]:
    """The line's limit and what is still available on it (never below zero). `state`: the
    group's, when the caller has it (the line's load names it)."""
    line = await services.lines.find(group_id, Shard(state))
    if line is None:
        raise CreditRuleViolation(
            "the group has no credit line yet: it opens when the fund's third month closes",
            rule="¶79",
        )
    loans = await services.loans.by_group.fetch_equal_to(group_id)
    active = [x for x in loans if x.status is LoanStatus.ACTIVE]
    drawn = sum((loan.outstanding_principal for loan in active), Decimal(0))
    return line.limit, max(line.limit - drawn, Decimal(0))


async def last_repaid(services: Services, borrower_id: str) -> PastLoan | None:
    repaid = await services.loans.repaid_by.fetch_equal_to(borrower_id)
    if not repaid:
        return None
    last = max(repaid, key=lambda loan: (loan.repaid_on, loan.id))
    return PastLoan(amount=last.amount, on_time=bool(last.on_time))


async def group_in_scope(services: Services, who: Principal, group_id: str) -> GroupRecord:
    group = await services.groups.find(group_id, Shard.in_scope(who.states))
    if group is None or group.state is None:
        raise NotFound(f"no formed project group has the id {group_id}")
    check_state(who, group.state)
    return group


async def loan_in_scope(services: Services, who: Principal, loan_id: str) -> Loan:
    loan = await services.loans.get(loan_id, Shard.in_scope(who.states))
    check_state(who, loan.state)
    check_bank(who, loan.lender, what="loan")
    return loan


def check_borrower(group: GroupRecord, kind: str, borrower_id: str) -> None:
    """A loan on a group's line is for its ODF or for one of its active members."""
    if kind == "odf":
        if not group.odf_id or borrower_id != group.odf_id:
            raise BusinessRuleViolation(
                f"{borrower_id} is not the Development Organization of group {group.id}",
                rule="¶79",
            )
    elif not group.is_member(borrower_id):
        raise BusinessRuleViolation(
            f"participant {borrower_id} is not an active member of group {group.id}; a group's "
            "line lends to its ODF and its own members only",
            rule="¶79",
        )


async def apply(services: Services, who: Principal, command: ApplyForLoan, loan_id: str) -> Loan:
    group = await services.groups.find(command.group_id, Shard.in_scope(who.states))
    if group is None or group.state is None:
        raise CreditRuleViolation("no formed project group has that id")
    check_state(who, group.state)
    if (
        command.borrower_kind == "participant"
        and who.has_role(Role.PARTICIPANT)
        and command.borrower_id != who.participant_id
    ):
        raise NotAuthorized("a member applies only for themself")
    check_borrower(group, command.borrower_kind, command.borrower_id)
    _, available = await available_on_line(services, group.id, group.state)
    check_application(
        command.amount,
        available,
        await last_repaid(services, command.borrower_id),
        services.settings.repeat_multiple,
    )
    line = await services.lines.get(group.id, Shard(group.state))
    loan = Loan.apply(
        id=loan_id,
        line_id=line.id,
        state=group.state,
        lender=line.lender_on(services.today()),  # an agreed takeover counts from its day
        applied_on=services.today(),
        group_id=command.group_id,
        borrower_kind=command.borrower_kind,
        borrower_id=command.borrower_id,
        amount=command.amount,
        purpose=command.purpose,
        term_months=command.term_months,
        business_plan_id=command.business_plan_id,
        method=command.method,
    )
    await services.loans.add(loan)
    return loan


async def _board_decider(services: Services, who: Principal, loan: Loan) -> tuple[str, GroupRecord]:
    """The deciding representative [¶55], and the group it decides for."""
    group = await services.groups.get(loan.group_id, Shard(loan.state))
    decider = decisions.board_decider(who.role_names(), who.participant_id, group.governance)
    return decider, group


async def board_approval(services: Services, who: Principal, loan_id: str) -> Loan:
    loan = await loan_in_scope(services, who, loan_id)
    decider, group = await _board_decider(services, who, loan)
    loan.approve_by_board(decider, frozenset(group.board), services.today())
    await services.loans.save(loan)
    return loan


async def lender_approval(services: Services, who: Principal, loan_id: str) -> Loan:
    loan = await loan_in_scope(services, who, loan_id)
    decisions.lender_of(who.role_names(), who.organization, loan.lender)
    loan.approve_by_lender(who.organization or "", services.today())
    await services.loans.save(loan)
    return loan


async def reject(services: Services, who: Principal, command: RejectLoan) -> Loan:
    """The group's board (through a representative entitled to decide) or the lender (the
    partner bank that lends it) rejects a loan still applied for."""
    loan = await loan_in_scope(services, who, command.loan_id)
    try:
        await _board_decider(services, who, loan)
    except DecisionRefused as as_board:
        try:
            decisions.lender_of(who.role_names(), who.organization, loan.lender)
        except DecisionRefused:
            raise NotAuthorized(
                f"only the group's board or the lender, {loan.lender}, rejects its loan; "
                f"{as_board.detail}",
                rule=decisions.RULE,
            ) from None
    loan.reject(command.reason, who.subject, services.today())
    await services.loans.save(loan)
    return loan


async def disburse(services: Services, who: Principal, loan_id: str) -> Loan:
    loan = await loan_in_scope(services, who, loan_id)
    decisions.lender_of(who.role_names(), who.organization, loan.lender)
    loan.expect_status(LoanStatus.APPROVED)  # a loan disbursed already is a 409, not a line check
    rate = services.settings.lender_rates.get(loan.lender)
    if rate is None:
        raise CreditRuleViolation(f"no preferential rate is configured for {loan.lender}")
    _limit, available = await available_on_line(services, loan.group_id, loan.state)
    if loan.amount > available:
        raise CreditRuleViolation(f"the line has only {available} available now", rule="¶79")
    today = services.today()
    loan.disburse(today, rate, first_due=add_months(today, 1))
    await services.loans.save(loan)
    return loan


async def pay_directly(services: Services, who: Principal, command: PayInstalment) -> Loan:
    loan = await loan_in_scope(services, who, command.loan_id)
    if loan.borrower_kind == "participant" and who.participant_id != loan.borrower_id:
        raise NotAuthorized("only the borrower pays their instalment")
    inst = next((i for i in loan.instalments if i.number == command.number), None)
    if inst is None or command.amount != inst.total:
        raise BusinessRuleViolation("the payment must be the instalment's exact total", rule="¶89")
    loan.mark_paid(command.number, "borrower", services.today())
    await services.loans.save(loan)
    return loan
