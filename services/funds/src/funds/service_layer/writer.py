"""Funds' writer: one line per fund in this process (megp_common.writer), so that concurrent
requests to one fund never race. Every change a request or the scheduler makes to a fund is a
job on its line, applied with the others waiting there and committed in one conditional write;
consumers that change funds hold the same line (`exclusive`) for their own read-change-write.

A batch may start from the fund a caller just read, unless that copy is a view (read without
the lists a commit needs) or this process committed the fund since (the copy's version check
is certain to fail)."""

from __future__ import annotations

from collections.abc import Callable

from funds.adapters.repositories import FundRepository
from funds.domain.fund import Fund
from megp_common.errors import Conflict
from megp_common.retry import Backoff
from megp_common.writer import MAX_BATCH, RETRY_AFTER_S, AggregateWriter, Outcome
from megp_common.writer import busy as _busy

__all__ = ["MAX_BATCH", "RETRY_AFTER_S", "FundWriter", "Job", "Outcome", "busy"]

Job = Callable[[Fund], Outcome]


def _named(fund_id: str) -> str:
    return f"fund {fund_id}"


def busy(fund_id: str) -> Conflict:
    return _busy(_named(fund_id))


class FundWriter(AggregateWriter[Fund]):
    def __init__(
        self,
        funds: FundRepository,
        committed: Callable[[Fund], None],
        *,
        backoff: Backoff | None = None,
        max_batch: int = MAX_BATCH,
    ) -> None:
        super().__init__(
            funds,
            name=_named,
            usable=lambda fund: not fund.is_view and funds.is_current(fund),
            committed=committed,
            backoff=backoff,
            max_batch=max_batch,
        )
        self.funds = funds
