"""What the donors service's handlers, scheduler and routes work with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from donors.adapters.repositories import (
    AssociationRepository,
    DonationRepository,
    HistoryRepository,
    PledgeRepository,
    ProgrammeRepository,
    ProjectRepository,
    RateRepository,
    ReceiptCounters,
    ReportCopyRepository,
)
from donors.config import Settings
from megp_common.clock import SettableClock
from megp_common.locks import StoreLocks
from megp_common.web import IdempotencyStore

if TYPE_CHECKING:
    from donors.service_layer.queries import AssociationReport


@dataclass
class Services:
    settings: Settings
    clock: SettableClock
    associations: AssociationRepository
    projects: ProjectRepository
    histories: HistoryRepository
    rates: RateRepository
    donations: DonationRepository
    programmes: ProgrammeRepository
    pledges: PledgeRepository
    counters: ReceiptCounters
    locks: StoreLocks
    idempotency: IdempotencyStore
    #: the copies of reports announced ready (service_layer/reports.py)
    reports: ReportCopyRepository
    #: a report as the JSON text the API answers (its schema is the API's: bootstrap gives it)
    render_report: Callable[[AssociationReport], str]

    def now(self) -> datetime:
        return self.clock.now()
