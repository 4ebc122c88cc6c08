"""The filing use cases on the real store: a filing is drafted only after the inventors decided
to file as that type [¶55], by an inventor or the assigned counsellor, once per type and route;
a step retried with the same request id (a crash between the write and the stored answer)
changes nothing the second time; a fee is paid by an inventor or the group's own ODF, and the
payer is recorded."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from ip_counsel.domain.commands import Decide
from ip_counsel.domain.counsellor import Counsellor
from ip_counsel.domain.decision import Choice
from ip_counsel.domain.disclosure import Disclosure
from ip_counsel.domain.inventors import CoInventor
from ip_counsel.domain.people import GroupRecord, ParticipantRecord
from ip_counsel.domain.review import Route
from ip_counsel.service_layer import disclosures, filings
from ip_counsel.service_layer.filings import DraftFiling
from megp_common.auth import Principal, Role
from megp_common.refusals import DecisionRefused, Forbidden, RuleViolation, StateConflict

from .conftest import Store

NOW = datetime(2045, 1, 10, 12, tzinfo=UTC)
TODAY = NOW.date()
INVENTORS = ("p-1", "p-2")


def person(*roles: Role, subject: str, **kw: object) -> Principal:
    return Principal(subject=subject, roles=frozenset(roles), states=frozenset({"09"}), **kw)  # type: ignore[arg-type]


INVENTOR = person(Role.PARTICIPANT, subject="s-p-1", participant_id="p-1")
COUNSELLOR = person(Role.IP_COUNSELLOR, subject="lic-lopez")
MEMBER = person(Role.PARTICIPANT, subject="s-p-9", participant_id="p-9")


async def seeded(store: Store) -> Disclosure:
    s = store.services
    for pid in (*INVENTORS, "p-9"):
        await s.participants.add(ParticipantRecord(id=pid, state="09", inventor=pid != "p-9"))
    await s.groups.add(
        GroupRecord(id="g-1", state="09", odf_id="odf-1", members=[*INVENTORS, "p-9"])
    )
    key = s.sealer.new_key()
    d = Disclosure.disclose(
        "d-1",
        group_id="g-1",
        state="09",
        sector="construction",
        inventors=[CoInventor(participant_id=p, share=Decimal("50")) for p in INVENTORS],
        known=await s.participants.many(list(INVENTORS)),
        recorded_by="p-1",
        public_disclosure_on=None,
        key=key,
        sealed=s.sealer.seal(key, b"{}", "d-1|revision|1"),
        now=NOW,
    )
    d.counsellor_id = "c-1"
    await s.disclosures.add(d)
    await s.counsellors.add(
        Counsellor(
            id="c-1",
            subject="lic-lopez",
            name="Lic. Ana López",
            organization="López PI",
            registered_by="sup",
            registered_at=NOW,
        )
    )
    return d


PATENT = DraftFiling("d-1", "patent", "national", None)


async def test_a_filing_waits_for_the_inventors_decision_and_is_drafted_once(
    store: Store,
) -> None:
    s = store.services
    await seeded(store)
    with pytest.raises(StateConflict, match="have not decided"):
        await filings.draft(s, INVENTOR, PATENT, "f-1")
    await disclosures.decide(s, INVENTOR, "d-1", Decide(Choice.FILE, Route.PATENT), "r-0")
    with pytest.raises(Forbidden):
        await filings.draft(s, MEMBER, PATENT, "f-1")
    with pytest.raises(Forbidden):
        await filings.draft(s, person(Role.IP_COUNSELLOR, subject="someone"), PATENT, "f-1")
    both = person(Role.PARTICIPANT, Role.DONOR_PORTAL, subject="s-p-1", participant_id="p-1")
    with pytest.raises(DecisionRefused):
        await filings.draft(s, both, PATENT, "f-1")
    with pytest.raises(StateConflict, match="not decided to file it as a utility_model"):
        await filings.draft(
            s, INVENTOR, DraftFiling("d-1", "utility_model", "national", None), "f-1"
        )
    with pytest.raises(RuleViolation, match="not filed"):
        await filings.draft(
            s, INVENTOR, DraftFiling("d-1", "trade_secret", "national", None), "f-1"
        )
    assert await s.filings.find_many({}) == []
    made = await filings.draft(s, COUNSELLOR, PATENT, "f-1")
    assert made.disclosure_recorded_on == TODAY and made.inventors == list(INVENTORS)
    assert (await filings.draft(s, COUNSELLOR, PATENT, "f-1")).version == made.version  # retry
    with pytest.raises(StateConflict, match="has a patent filing already"):
        await filings.draft(s, INVENTOR, PATENT, "f-2")
    pct = await filings.draft(s, INVENTOR, DraftFiling("d-1", "patent", "pct", None), "f-3")
    assert pct.route == "pct"


async def test_a_step_retried_with_its_request_id_is_applied_once(store: Store) -> None:
    s = store.services
    await seeded(store)
    await disclosures.decide(s, INVENTOR, "d-1", Decide(Choice.FILE, Route.PATENT), "r-0")
    await filings.draft(s, INVENTOR, PATENT, "f-1")

    def submit(f: filings.Filing, today: object) -> None:
        f.submit("MX/a/2045/000001", TODAY, TODAY)

    first = await filings.act(s, INVENTOR, "f-1", "req-1", submit)
    again = await filings.act(s, COUNSELLOR, "f-1", "req-1", submit)  # a 409 without the memory
    assert again.version == first.version and again.status.value == "filed"
    with pytest.raises(StateConflict):
        await filings.act(s, INVENTOR, "f-1", "req-2", submit)
    with pytest.raises(Forbidden):
        await filings.act(s, MEMBER, "f-1", "req-3", lambda f, t: f.publish(TODAY, TODAY))


async def test_a_fee_is_paid_by_an_inventor_or_the_groups_own_odf(store: Store) -> None:
    s = store.services
    await seeded(store)
    await disclosures.decide(s, INVENTOR, "d-1", Decide(Choice.FILE, Route.PATENT), "r-0")
    await filings.draft(s, INVENTOR, PATENT, "f-1")
    for n, verb in enumerate(
        (
            lambda f, t: f.submit("MX/a/2045/000001", TODAY, TODAY),
            lambda f, t: f.publish(TODAY, TODAY),
            lambda f, t: f.start_examination(TODAY, TODAY),
            lambda f, t: f.allow(TODAY, TODAY),
        )
    ):
        await filings.act(s, INVENTOR, "f-1", f"step-{n}", verb)
    fee = {"deadline_id": "grant_fee", "paid_on": TODAY, "kinds": filings.FEES}
    other_odf = person(Role.ODF_STAFF, subject="odf-x", organization="odf-2")
    for nobody in (other_odf, COUNSELLOR, MEMBER, person(Role.ODF_STAFF, subject="odf-y")):
        with pytest.raises(Forbidden):
            await filings.pay(s, nobody, "f-1", "pay-0", amount=Decimal("9000.00"), **fee)
    odf = person(Role.ODF_STAFF, subject="odf-staff", organization="odf-1")
    paid = await filings.pay(s, odf, "f-1", "pay-1", amount=Decimal("9000.00"), **fee)
    (payment,) = paid.payments
    assert (payment.paid_by.value, payment.payer, payment.odf_id) == ("odf", "odf-staff", "odf-1")
    stored = await s.filings.get("f-1")
    assert stored.deadline("grant_fee").outcome.value == "met" and len(stored.payments) == 1
