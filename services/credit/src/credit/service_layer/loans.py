"""Use cases on loans: parse, authorize, call the domain, store."""

from __future__ import annotations

from decimal import Decimal

from credit.domain.eligibility import PastLoan, check_application
from credit.domain.errors import CreditRuleViolation, NotAuthorized
from credit.domain.loan import Loan, LoanStatus
from credit.domain.schedule import add_months
from credit.service_layer.container import Credit
from megp_common.auth import Principal, Role
from megp_common.ids import deterministic_id, new_id


async def available_on_line(credit: Credit, group_id: str) -> tuple[Decimal, Decimal]:
    line = await credit.lines.find(group_id)
    if line is None:
        raise CreditRuleViolation(
            "the group has no credit line yet: it opens when the fund's third month closes",
            rule="¶79",
        )
    loans = await credit.loans.by_group.fetch_equal_to(group_id)
    active = [x for x in loans if x.status is LoanStatus.ACTIVE]
    drawn = sum((loan.outstanding_principal for loan in active), Decimal(0))
    return line.limit, line.limit - drawn


async def last_repaid(credit: Credit, borrower_id: str) -> PastLoan | None:
    repaid = await credit.loans.repaid_by.fetch_equal_to(borrower_id)
    if not repaid:
        return None
    last = max(repaid, key=lambda loan: (loan.repaid_on, loan.id))
    return PastLoan(amount=last.amount, on_time=bool(last.on_time))


async def apply(credit: Credit, who: Principal, body: dict, key: str | None) -> Loan:  # type: ignore[type-arg]
    group = await credit.groups.find(body["group_id"])
    if group is None:
        raise CreditRuleViolation("no formed project group has that id")
    if (
        body["borrower_kind"] == "participant"
        and who.has_role(Role.PARTICIPANT)
        and body["borrower_id"] != who.participant_id
    ):
        raise NotAuthorized("a member applies only for themself")
    _, available = await available_on_line(credit, group.id)
    check_application(
        body["amount"],
        available,
        await last_repaid(credit, body["borrower_id"]),
        credit.settings.repeat_multiple,
    )
    line = await credit.lines.get(group.id)
    loan = Loan.apply(
        id=deterministic_id("loan", key) if key else new_id(),
        line_id=line.id,
        state=group.state,
        lender=line.lender,
        applied_on=credit.today(),
        **body,
    )
    await credit.loans.add(loan)
    return loan


async def board_approval(credit: Credit, loan_id: str, who: Principal) -> Loan:
    loan = await credit.loans.get(loan_id)
    group = await credit.groups.get(loan.group_id)
    if not who.participant_id:
        raise NotAuthorized("only the group's board representatives approve its loans [¶55]")
    loan.approve_by_board(who.participant_id, frozenset(group.board), credit.today())
    await credit.loans.save(loan)
    return loan


async def lender_approval(credit: Credit, loan_id: str, who: Principal) -> Loan:
    loan = await credit.loans.get(loan_id)
    loan.approve_by_lender(who.organization or "", credit.today())
    await credit.loans.save(loan)
    return loan


async def disburse(credit: Credit, loan_id: str, who: Principal) -> Loan:
    loan = await credit.loans.get(loan_id)
    if (who.organization or "") != loan.lender:
        raise NotAuthorized(f"only the lender, {loan.lender}, disburses this loan")
    loan.expect_status(LoanStatus.APPROVED)  # a loan disbursed already is a 409, not a line check
    rate = credit.settings.lender_rates.get(loan.lender)
    if rate is None:
        raise CreditRuleViolation(f"no preferential rate is configured for {loan.lender}")
    _limit, available = await available_on_line(credit, loan.group_id)
    if loan.amount > available:
        raise CreditRuleViolation(f"the line has only {available} available now", rule="¶79")
    today = credit.today()
    loan.disburse(today, rate, first_due=add_months(today, 1))
    await credit.loans.save(loan)
    return loan
