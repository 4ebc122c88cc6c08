"""Caps and receipt numbers on the real store, with four containers on four connections (as
four processes would be): 32 donations racing for a programme cap's last pesos never pass it,
and 32 donations receipted at once take the numbers 1 to 32 of the year, each once.

A cap is checked against several documents and a receipt number is a read and two writes, which
no single conditional update guards; the programme's and the year's store locks
(megp_common.locks) are what hold here."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest

from donors.bootstrap import build_services
from donors.config import Settings
from donors.domain.association import Association
from donors.domain.donation import DonationKind, Terms
from donors.domain.matching import HOLDING, Caps, CoFunder, Programme, Tier
from donors.domain.project import Project
from donors.service_layer import donations, receipts
from donors.service_layer.container import Services
from megp_common.auth import Principal, Role
from megp_common.clock import SettableClock
from megp_common.ids import new_id
from megp_common.mongo import OutboxWriter, make_client
from megp_common.testing.infra import Infra

pytestmark = pytest.mark.integration

CAP = 10_000_00  # the programme's cap: 10,000.00 pesos
THREE_BY_ONE = [
    CoFunder(id="federal", name="Federal", tier=Tier.FEDERAL, ratio=Decimal(1)),
    CoFunder(id="state", name="Zacatecas", tier=Tier.STATE, ratio=Decimal(1)),
    CoFunder(id="municipal", name="Jerez", tier=Tier.MUNICIPAL, ratio=Decimal(1)),
]


def containers(infra: Infra, db_name: str, n: int) -> list[Services]:
    clock = SettableClock()
    out = []
    for _ in range(n):
        db = make_client(infra.mongo)[db_name]
        outbox = OutboxWriter(service="donors", topic="donors.events", clock=clock)
        out.append(build_services(Settings(), clock, db, outbox))
    return out


async def world(s: Services) -> tuple[Principal, Programme]:
    now = s.now()
    association = Association.register(
        association_id="club",
        name="Club Zacatecano",
        country="US",
        city="Chicago",
        origin_state="32",
        origin_municipality="Jerez",
        by="sup",
        now=now,
    )
    await s.associations.add(association)
    for g in ("g1", "g2"):
        await s.projects.add(
            Project(id=g, name=g, state="32", municipality="Jerez", formed=True, fund_open=True)
        )
    programme = Programme(
        id="p3x1",
        name="3x1 Jerez",
        cofunders=THREE_BY_ONE,
        caps=Caps(programme=CAP, per_association=None, per_project=None),
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=30),
        created_by="sup",
        created_at=now,
    )
    await s.programmes.add(programme)
    portal = Principal(
        "club-portal", frozenset({Role.DONOR_PORTAL}), frozenset({"32"}), organization="club"
    )
    return portal, programme


async def test_32_donations_racing_for_the_last_pesos_never_pass_the_cap(infra: Infra) -> None:
    name = f"donors_race_{new_id()[-12:]}"
    many = containers(infra, name, 4)
    portal, programme = await world(many[0])
    try:
        # 9,900.00 of the 10,000.00 are pledged already: 3 x 3,300.00 for one donation
        first = Terms(
            group_id="g1",
            kind=DonationKind.GRANT,
            amount=Decimal("3300.00"),
            currency="MXN",
            programme_id=programme.id,
        )
        made = await donations.give(many[0], portal, "before", first)
        assert sum(p.amount_cents for p in made.pledges) == 9_900_00

        async def give(n: int) -> int:
            s = many[n % len(many)]
            terms = first.model_copy(
                update={"amount": Decimal("100.00"), "group_id": f"g{n % 2 + 1}"}
            )
            given = await donations.give(s, portal, f"race-{n}", terms)
            return sum(p.amount_cents for p in given.pledges)

        won = await asyncio.gather(*(give(n) for n in range(32)))
        holding = await many[0].pledges.holding(programme.id)
        total = sum(int(d["amount_cents"]) for d in holding)
        print(f"\nraced: {sum(1 for w in won if w)} of 32 donations matched, pledged {total}")
        assert total == CAP, total  # the last 100.00 went, and not a centavo more
        assert sum(won) == 100_00
        # the same portal id again: the same donation, no new pledge
        again = await donations.give(many[1], portal, "before", first)
        assert not again.created and len(again.pledges) == 3
        statuses = {p.status for p in await many[0].pledges.of_programme(programme.id)}
        assert statuses <= set(HOLDING)
        assert await many[0].donations.col.count_documents({}) == 33
    finally:
        await many[0].donations.db.client.drop_database(name)


async def test_receipts_racing_take_every_number_of_the_year_once(infra: Infra) -> None:
    name = f"donors_receipts_{new_id()[-12:]}"
    many = containers(infra, name, 4)
    portal, _ = await world(many[0])
    try:
        ids = []
        for n in range(32):
            terms = Terms(
                group_id="g1", kind=DonationKind.GRANT, amount=Decimal("10.00"), currency="MXN"
            )
            given = await donations.give(many[0], portal, f"r-{n}", terms)
            d = given.donation
            d.booked(f"e{n}", Decimal("5.00"), Decimal("5.00"), many[0].now())
            await many[0].donations.save(d)
            ids.append(d.id)
        now = many[0].now()

        async def issue(n: int, donation_id: str) -> str:
            s = many[n % len(many)]
            d = await s.donations.get(donation_id)
            done = await receipts.issue(s, d, now)
            assert done.receipt is not None
            return done.receipt.number

        numbers = await asyncio.gather(*(issue(n, i) for n, i in enumerate(ids)))
        again = await asyncio.gather(*(issue(n + 1, i) for n, i in enumerate(ids)))
        assert sorted(numbers) == [receipts.number_of(now.year, n) for n in range(1, 33)]
        assert again == numbers  # never renumbered
    finally:
        await many[0].donations.db.client.drop_database(name)
