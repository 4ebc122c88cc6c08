"""What the ip-counsel service's handlers and routes work with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ip_counsel.adapters.repositories import (
    CommitteeRepository,
    CounsellorRepository,
    DisclosureRepository,
    FilingRepository,
    GroupRepository,
    LicenceRepository,
    ParticipantRepository,
    ReadLog,
)
from ip_counsel.adapters.sealing import Sealer
from ip_counsel.config import Settings
from megp_common.clock import SettableClock
from megp_common.web import IdempotencyStore


@dataclass
class Services:
    settings: Settings
    clock: SettableClock
    participants: ParticipantRepository
    groups: GroupRepository
    committees: CommitteeRepository
    counsellors: CounsellorRepository
    disclosures: DisclosureRepository
    licences: LicenceRepository
    filings: FilingRepository
    reads: ReadLog
    sealer: Sealer
    idempotency: IdempotencyStore

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        """The shared clock's date: the day every filing verb and the tick count from."""
        return self.clock.now().date()
