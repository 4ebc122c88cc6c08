"""Deposits the fund's trust bank reports (`domain/bank_deposits.py`), one by one or as a
camt.054 batch. Either way each transaction is posted through `post_entry_once` under the
bank's transaction id, so the same transaction reported again, by either route and under any
Idempotency-Key, finds the entry the first report posted and posts nothing; reported with other
content it is refused (ReportConflict, 409)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from funds.adapters import camt053
from funds.adapters.camt054 import InvalidDocument, Notification, parse_camt054
from funds.domain.bank_deposits import (
    OPERATION,
    BankDeposit,
    check_report,
    differs,
    record_bank_deposit,
)
from funds.domain.bank_statement import CURRENCY
from funds.domain.errors import InvalidInput
from funds.domain.fund import Fund
from funds.service_layer.container import Services, post_entry_once
from megp_common.refusals import Conflict, InvalidData, RuleViolation

Kind = Literal["settled", "already_reported", "refused"]


class ReportConflict(Conflict):
    """The bank's transaction id was reported before with other content."""


@dataclass(frozen=True)
class Outcome:
    outcome: Kind
    bank_transaction_id: str | None
    deposit_reference: str | None
    cents: int
    value_date: date | None
    position: str | None = None  # in the camt.054 (notification.entry[.transaction])
    reason: str | None = None
    entry_id: str | None = None
    participant_id: str | None = None


async def report_deposit(
    services: Services, fund: Fund, report: BankDeposit, reported_by: str
) -> Outcome:
    """Post the reported deposit once; the refusals of the rules propagate (4xx)."""
    now, policy = services.clock.now(), services.policy
    entry, posted = await post_entry_once(
        services,
        fund.id,
        OPERATION,
        report.bank_transaction_id,
        lambda f, eid, k: record_bank_deposit(f, eid, k, report, reported_by, now, policy),
    )
    why = differs(entry, report)
    if why is not None:
        raise ReportConflict(
            f"bank transaction {report.bank_transaction_id} was reported before with other "
            f"content: {why}",
            bank_transaction_id=report.bank_transaction_id,
            entry_id=entry.id,
        )
    return Outcome(
        outcome="settled" if posted else "already_reported",
        bank_transaction_id=report.bank_transaction_id,
        deposit_reference=report.deposit_reference,
        cents=report.cents,
        value_date=report.value_date,
        entry_id=entry.id,
        participant_id=entry.metadata.get("participant_id"),
    )


def read_notification(fund: Fund, document: bytes) -> Notification:
    """The camt.054, if the whole document is one this fund can take: valid against its schema,
    of this fund's trust account only, in MXN only; InvalidInput (422) otherwise."""
    try:
        found = parse_camt054(document)
    except InvalidDocument as exc:
        raise InvalidInput(f"not a camt.054.001.08 notification: {exc}") from exc
    ours = camt053.account_id(fund.id)
    others = sorted({a or "(none)" for a in found.accounts if a != ours})
    if others:
        raise InvalidInput(
            f"the notification is of account(s) {', '.join(others)}, not of this fund's trust "
            "account",
            expected=ours,
        )
    currencies = [c for c in found.currencies if c != CURRENCY]
    if currencies:
        raise InvalidInput(
            f"the trust account is in {CURRENCY}; the notification has {', '.join(currencies)}",
            currencies=currencies,
        )
    return found


async def report_notification(
    services: Services, fund: Fund, found: Notification, reported_by: str
) -> list[Outcome]:
    """Every transaction's outcome, in the document's order. The usable ones are posted
    together (the fund's writer commits them in a few writes); one the rules refuse writes
    nothing and is `refused` with the reason, as is one the document itself makes unusable."""

    today = services.clock.now().date()

    async def one(position: str, report: BankDeposit) -> Outcome:
        try:
            # what the fund as read refuses is refused before it joins the fund's line (a
            # refusal there makes the writer read the fund again); the line checks it again
            check_report(fund, report, today)
            done = await report_deposit(services, fund, report, reported_by)
        except (InvalidData, RuleViolation, ReportConflict) as exc:
            return Outcome(
                "refused",
                report.bank_transaction_id,
                report.deposit_reference,
                report.cents,
                report.value_date,
                position=position,
                reason=exc.detail,
            )
        return replace(done, position=position)

    async def given(outcome: Outcome) -> Outcome:
        return outcome

    jobs = []
    for tx in found.transactions:
        if tx.problem is not None:
            jobs.append(
                given(
                    Outcome(
                        "refused",
                        tx.bank_transaction_id,
                        tx.deposit_reference,
                        tx.cents,
                        tx.value_date,
                        position=tx.position,
                        reason=tx.problem,
                    )
                )
            )
        else:
            jobs.append(one(tx.position, tx.deposit()))
    return list(await asyncio.gather(*jobs))
