"""What the donors service's handlers, scheduler and routes work with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from donors.adapters.repositories import (
    AssociationRepository,
    DonationRepository,
    HistoryRepository,
    PledgeRepository,
    ProgrammeRepository,
    ProjectRepository,
    RateRepository,
    ReceiptCounters,
)
from donors.config import Settings
from megp_common.clock import SettableClock
from megp_common.locks import StoreLocks
from megp_common.web import IdempotencyStore


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

    def now(self) -> datetime:
        return self.clock.now()
