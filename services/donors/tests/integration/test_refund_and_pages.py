"""On the real store: a partial refund brings the donation's unpaid pledges down in proportion
(the paid one stays paid and is named on the refund, the room freed goes back under the cap),
and the projects of a community come in cursor pages."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from donors.bootstrap import build_services
from donors.config import Settings
from donors.domain.association import Association
from donors.domain.donation import DonationKind, Terms
from donors.domain.matching import Caps, CoFunder, PledgeStatus, Programme, Tier
from donors.domain.project import Project
from donors.service_layer import donations, queries
from donors.service_layer.container import Services
from megp_common.auth import Principal, Role
from megp_common.clock import SettableClock
from megp_common.ids import new_id
from megp_common.mongo import OutboxWriter, make_client
from megp_common.refusals import ValidationFailed
from megp_common.testing.infra import Infra

pytestmark = pytest.mark.integration

PORTAL = Principal(
    "club-portal", frozenset({Role.DONOR_PORTAL}), frozenset({"32"}), organization="club"
)


def services_on(infra: Infra, db_name: str) -> Services:
    db = make_client(infra.mongo)[db_name]
    outbox = OutboxWriter(service="donors", topic="donors.events", clock=SettableClock())
    return build_services(Settings(), SettableClock(), db, outbox)


async def club(s: Services) -> None:
    await s.associations.add(
        Association.register(
            association_id="club",
            name="Club Jerezano",
            country="US",
            city="Chicago",
            origin_state="32",
            origin_municipality="Jerez",
            by="sup",
            now=s.now(),
        )
    )


async def test_a_partial_refund_scales_the_unpaid_pledges_down(infra: Infra) -> None:
    name = f"donors_scale_{new_id()[-12:]}"
    s = services_on(infra, name)
    try:
        await club(s)
        await s.projects.add(
            Project(
                id="g1", name="g1", state="32", municipality="Jerez", formed=True, fund_open=True
            )
        )
        now = s.now()
        cofunders = [
            CoFunder(id="federal", name="Federal", tier=Tier.FEDERAL, ratio=Decimal(1)),
            CoFunder(id="state", name="Zacatecas", tier=Tier.STATE, ratio=Decimal(2)),
            CoFunder(id="municipal", name="Jerez", tier=Tier.MUNICIPAL, ratio=Decimal(1)),
        ]
        programme = Programme(
            id="p",
            name="3x1",
            cofunders=cofunders,
            caps=Caps(programme=5000_00),
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=30),
            created_by="sup",
            created_at=now,
        )
        await s.programmes.add(programme)
        terms = Terms(
            group_id="g1",
            kind=DonationKind.GRANT,
            amount=Decimal("1000.01"),
            currency="MXN",
            programme_id="p",
        )
        given = await donations.give(s, PORTAL, "d1", terms)
        pledges = {p.cofunder_id: p for p in given.pledges}
        assert {k: p.amount_cents for k, p in pledges.items()} == {
            "federal": 1000_01,
            "state": 2000_02,
            "municipal": 1000_01,
        }
        paid = pledges["federal"]  # the federal tier paid before the refund
        paid.confirm("fed", now)
        paid.pay("fed", now, fund_id="g1")
        await s.pledges.save(paid)
        pledges["state"].confirm("zac", now)
        await s.pledges.save(pledges["state"])
        d = given.donation
        d.booked("e1", Decimal("500.00"), Decimal("500.01"), now)
        await s.donations.save(d)

        # 333.34 of the 1,000.01 come back: 666.67 kept, two thirds of each unpaid pledge
        refunded = await donations.refund(
            s, PORTAL, d.id, "r1", Decimal("333.34"), "chargeback", True
        )
        assert refunded.refund is not None and refunded.refund.pledges_paid == [paid.id]
        after = {p.cofunder_id: p for p in await s.pledges.of_donation(d.id)}
        assert after["federal"].status is PledgeStatus.PAID
        assert after["federal"].amount_cents == 1000_01  # paid: reported, not edited
        assert after["state"].amount_cents == 1333_34  # 2000.02 x 666.67 / 1000.01
        assert after["state"].status is PledgeStatus.CONFIRMED
        assert after["state"].pledged_cents == 2000_02 and after["state"].scaled_for == "r1"
        assert after["municipal"].amount_cents == 666_67
        # the same refund again scales nothing twice
        await donations.refund(s, PORTAL, d.id, "r1", Decimal("333.34"), "chargeback", True)
        again = {p.cofunder_id: p.amount_cents for p in await s.pledges.of_donation(d.id)}
        assert again == {k: p.amount_cents for k, p in after.items()}
        # the room given back counts under the cap: what the pledges hold now
        holding = await s.pledges.holding("p")
        assert sum(int(x["amount_cents"]) for x in holding) == 1000_01 + 1333_34 + 666_67
    finally:
        await s.donations.db.client.drop_database(name)


async def test_the_projects_of_a_community_come_in_cursor_pages(
    infra: Infra, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queries, "_BATCH", 2)  # the store read in batches smaller than a page
    name = f"donors_pages_{new_id()[-12:]}"
    s = services_on(infra, name)
    try:
        await club(s)
        for n in range(5):  # Jerez (written either way), and a group of another municipality
            place = "Jerez" if n % 2 else "JERÉZ"
            await s.projects.add(
                Project(id=f"g{n}", name=f"g{n}", state="32", municipality=place, formed=True)
            )
            await s.projects.add(
                Project(id=f"h{n}", name=f"h{n}", state="32", municipality="Fresnillo", formed=True)
            )
        first, cursor = await queries.projects(s, PORTAL, "club", None, 3)
        assert [p.id for p in first] == ["g0", "g1", "g2"] and cursor is not None
        second, end = await queries.projects(s, PORTAL, "club", cursor, 3)
        assert [p.id for p in second] == ["g3", "g4"] and end is None
        with pytest.raises(ValidationFailed):
            await queries.projects(s, PORTAL, "club", "not-a-cursor", 3)
    finally:
        await s.donations.db.client.drop_database(name)
