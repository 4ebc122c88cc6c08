"""On the real store: a report, once announced ready, is the copy kept at the announcement.
A fund movement dated in the month's last second and heard of afterwards, and a booking heard
of afterwards, leave the month's report as it was (JSON text and PDF bytes); the copy is made
once per association and period (a replayed announcement, a second process, a read first all
find the same one); a month not announced yet is computed live and says it is provisional."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pypdf import PdfReader

from donors.bootstrap import build_services
from donors.config import Settings
from donors.domain.association import Association
from donors.domain.donation import Donation, DonationKind, Terms
from donors.domain.history import INFLOW, FundHistory, Movement
from donors.domain.impact import report_month
from donors.domain.report_copy import ReportCopy, copy_id
from donors.entrypoints.api.routers.associations import _report_pdf
from donors.entrypoints.api.schemas.donations import ReportPublic
from donors.service_layer import queries, reports
from donors.service_layer.container import Services
from donors.service_layer.scheduler import announce_reports
from megp_common.auth import Principal, Role
from megp_common.clock import SettableClock
from megp_common.ids import new_id
from megp_common.mongo import OutboxWriter, make_client
from megp_common.testing.infra import Infra

pytestmark = pytest.mark.integration

PORTAL = Principal(
    "club-portal", frozenset({Role.DONOR_PORTAL}), frozenset({"32"}), organization="club"
)
REGISTERED = datetime(2030, 1, 5, 12, tzinfo=UTC)
LAST_SECOND = datetime(2030, 1, 31, 23, 59, 59, tzinfo=UTC)
FEBRUARY = datetime(2030, 2, 1, 0, 0, 30, tzinfo=UTC)


def services_on(infra: Infra, db_name: str) -> Services:
    db = make_client(infra.mongo)[db_name]
    clock = SettableClock()
    clock.set(REGISTERED)
    outbox = OutboxWriter(service="donors", topic="donors.events", clock=clock)
    return build_services(Settings(), clock, db, outbox)


def donation(portal_id: str, amount: str, made: datetime) -> Donation:
    return Donation.make(
        association_id="club",
        association_name="Club Jerezano",
        portal_donation_id=portal_id,
        terms=Terms(group_id="g1", kind=DonationKind.GRANT, amount=Decimal(amount), currency="MXN"),
        state="32",
        municipality="Jerez",
        group_name="Tejedoras",
        trust_bank="Banorte",
        rate=None,
        rate_date=None,
        now=made,
    )


async def move(s: Services, entry_id: str, cents: int, on: datetime) -> None:
    """A grant funds booked on `on`, as donors learns it from `funds.InflowRecorded`."""
    half = cents // 2
    movement = Movement(
        entry_id=entry_id,
        on=on.date(),
        kind=INFLOW,
        development=half,
        competition=cents - half,
        inflow_kind="grant",
    )
    history = await s.histories.find("g1")
    if history is None:
        history = FundHistory(id="g1")
        history.add(movement)
        await s.histories.add(history)
    else:
        history.add(movement)
        await s.histories.save(history)


def pdf_text(pdf: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


async def test_an_announced_report_is_the_copy_kept_when_it_was_announced(infra: Infra) -> None:
    name = f"donors_copies_{new_id()[-12:]}"
    s = services_on(infra, name)
    try:
        await s.associations.add(
            Association.register(
                association_id="club",
                name="Club Jerezano",
                country="US",
                city="Chicago",
                origin_state="32",
                origin_municipality="Jerez",
                by="sup",
                now=REGISTERED,
            )
        )
        on_time = donation("p1", "1000.00", REGISTERED)
        on_time.booked("e1", Decimal("500.00"), Decimal("500.00"), REGISTERED, "2030-01")
        await s.donations.add(on_time)
        await move(s, "e1", 1000_00, REGISTERED)

        # January, not over: computed live, provisional, no copy kept
        live = await reports.report(s, PORTAL, "club", "2030-01")
        assert not isinstance(live, ReportCopy) and live.final is False
        assert await s.reports.find(copy_id("club", "2030-01")) is None

        s.clock.set(FEBRUARY)
        assert await announce_reports(s, FEBRUARY) == 1
        kept = await s.reports.get(copy_id("club", "2030-01"))
        announced = ReportPublic.model_validate_json(kept.content)
        assert announced.final is True and announced.given_mxn == Decimal("1000.00")
        assert announced.groups[0].fund.inflows == Decimal("1000.00")
        pdf_before = _report_pdf(announced, kept.stored_at)

        # heard of after the announcement: a movement funds dated in January's last second, a
        # late booking of a donation made on its last evening, a refund of the on-time one
        await move(s, "e-late", 250_00, LAST_SECOND)
        late = donation("p2", "300.00", LAST_SECOND)
        club = await s.associations.get("club")
        late.booked(
            "e2",
            Decimal("150.00"),
            Decimal("150.00"),
            FEBRUARY,
            report_month(FEBRUARY, club.reported_through),
        )
        await s.donations.add(late)
        await move(s, "e2", 300_00, FEBRUARY)

        # what is known now differs for January...
        recomputed = ReportPublic.of(await queries.report_of(s, club, "2030-01"))
        assert recomputed.groups[0].fund.inflows == Decimal("1250.00")
        # ...but January's report is what was announced, byte for byte
        s.clock.set(datetime(2030, 2, 20, tzinfo=UTC))
        again = await reports.report(s, PORTAL, "club", "2030-01")
        assert isinstance(again, ReportCopy)
        assert again.content == kept.content and again.stored_at == kept.stored_at
        assert (
            _report_pdf(ReportPublic.model_validate_json(again.content), again.stored_at)
            == pdf_before
        )
        assert "Final" in pdf_text(pdf_before) and "yes" in pdf_text(pdf_before)

        # a replayed announcement finds the copy made the first time
        assert await reports.keep(s, club, "2030-01") == kept
        assert len(await s.reports.find_many({"association_id": "club"})) == 1

        # February, not announced yet: live, provisional, with the late booking listed
        february = await reports.report(s, PORTAL, "club", "2030-02")
        assert not isinstance(february, ReportCopy) and february.final is False
        assert [d.portal_donation_id for d in february.late] == ["p2"]
    finally:
        await make_client(infra.mongo).drop_database(name)


async def test_two_processes_making_the_same_copy_keep_one(infra: Infra) -> None:
    """The process stopped between the announcement and the copy: the first reads (here two
    processes at once) make it, once; each answers the one kept."""
    name = f"donors_copies_{new_id()[-12:]}"
    s, other = services_on(infra, name), services_on(infra, name)
    try:
        club = Association.register(
            association_id="club",
            name="Club Jerezano",
            country="US",
            city="Chicago",
            origin_state="32",
            origin_municipality=None,
            by="sup",
            now=REGISTERED,
        )
        club.reports_ready(FEBRUARY)  # announced, no copy made
        await s.associations.add(club)
        for c in (s, other):
            c.clock.set(FEBRUARY)
        first, second = await asyncio.gather(
            reports.report(s, PORTAL, "club", "2030-01"),
            reports.report(other, PORTAL, "club", "2030-01"),
        )
        assert isinstance(first, ReportCopy) and isinstance(second, ReportCopy)
        assert (first.content, first.stored_at) == (second.content, second.stored_at)
        assert len(await s.reports.find_many({"association_id": "club"})) == 1
        assert ReportPublic.model_validate_json(first.content).final is True
    finally:
        await make_client(infra.mongo).drop_database(name)
