"""Donor portals end to end, each service its own process on the real broker and store: an
association registered, the groups of its community learnt from enrollment's events, a dollar
donation inside a 3x1 programme booked by funds with its 50/50 split and receipted, the
co-funder confirming and paying its pledge (the fund's own grant), a partial refund booked as a
reversing entry, what the money did, unpaid pledges lapsing at the window's end. Bad input is a
4xx with nothing written; no donor route shows a participant's personal data."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from megp_common.auth import Role
from megp_common.contracts import enrollment
from megp_common.ids import new_id
from megp_common.launcher import Platform

from .test_funds_support import (
    STATE,
    Group,
    envelope,
    eventually,
    far_future,
    funds_events,
    publish,
    set_clock,
)

pytestmark = pytest.mark.e2e

CURP = "SAHM800101MDFNRR09"
BIRTH = date(1980, 1, 1)


def kafka() -> str:
    import os

    return os.environ["KAFKA_BOOTSTRAP_SERVERS"]


class Portal:
    def __init__(self, platform: Platform, tokens: Any) -> None:
        self.url = platform.processes["donors"].url + "/v1"
        self.funds = platform.processes["funds"].url + "/v1"
        self.trade = platform.processes["trade"].url + "/v1"
        self.tokens = tokens
        self.national = tokens.header(
            Role.PROGRAMME_SUPERVISOR, states=("*",), subject=f"sup-{new_id()}"
        )

    def portal(self, association_id: str, states: tuple[str, ...] = (STATE,)) -> dict[str, str]:
        return self.tokens.header(
            Role.DONOR_PORTAL,
            states=states,
            subject=f"portal-{association_id}",
            organization=association_id,
        )

    def cofunder(self, cofunder_id: str) -> dict[str, str]:
        return self.tokens.header(
            Role.PROGRAMME_SUPERVISOR,
            states=("*",),
            subject=f"cf-{cofunder_id}",
            organization=cofunder_id,
        )

    def post(self, path: str, body: Any, headers: dict[str, str]) -> httpx.Response:
        key = {"Idempotency-Key": new_id()}
        return httpx.post(f"{self.url}{path}", json=body, headers=headers | key, timeout=30)

    def get(self, path: str, headers: dict[str, str], **params: str) -> httpx.Response:
        return httpx.get(f"{self.url}{path}", headers=headers, params=params, timeout=30)


def formed_elsewhere(at: datetime) -> tuple[str, list[Any]]:
    """A group of the same state in another municipality: outside the association's origin."""
    gid = f"g-{new_id()}"
    payload = enrollment.ProjectGroupFormed(
        group_id=gid,
        project_id=f"pr-{gid}",
        name="Alfareras de Tlalpan",
        state_code=STATE,
        municipality="Tlalpan",
        odf_id=f"odf-{gid}",
        odf_legal_name="Alfareras ODF SA",
        rfc="AOD010101AAA",
        trust_bank="Banorte",
        member_participant_ids=[f"p-{new_id()}"],
        formed_at=at,
    )
    return gid, [envelope(payload, gid, "/megp/enrollment", at)]


def personal_data(group: Group, at: datetime) -> list[Any]:
    """What enrollment says of a member (with her CURP and birth date) and of a closed period
    (with each member's income): donors must keep none of it visible."""
    member = enrollment.ParticipantEnrolled(
        participant_id=group.members[1],
        curp=CURP,
        given_names="Marisol",
        first_surname="Hernández",
        second_surname="Rangel",
        birth_date=BIRTH,
        gender="female",
        state_code=STATE,
        state_name="Ciudad de México",
        municipality="Coyoacán",
        functions=["production"],
        member_type="micro_producer",
        programmes=["women", "indigenous_excluded"],
        disabled=False,
        indigenous=True,
        inventor=False,
        group_id=group.group_id,
        enrolled_at=at,
    )
    results = [
        enrollment.MemberPeriodResult(
            result_id=f"r-{new_id()}",
            plan_id="plan",
            participant_id=pid,
            period_start=date(at.year, at.month, 1),
            period_end=date(at.year, at.month, 28),
            income=Decimal(income),
            baseline=Decimal("1000.00"),
            incremental_income=Decimal(income) - Decimal("1000.00"),
            deposit_due=Decimal("0.00"),
            odf_share=Decimal("0.00"),
        )
        for pid, income in zip(group.members, ("1987.65", "1234.56", "1000.00"), strict=True)
    ]
    closed = enrollment.GroupPeriodClosed(
        group_id=group.group_id,
        odf_id=group.odf_id,
        state_code=STATE,
        period_start=results[0].period_start,
        period_end=results[0].period_end,
        period_months=1,
        results=results,
        total_income=Decimal("4222.21"),
        total_deposit_due=Decimal("0.00"),
        total_odf_share=Decimal("0.00"),
        closed_at=at,
    )
    return [envelope(p, group.group_id, "/megp/enrollment", at) for p in (member, closed)]


def journal(p: Portal, group_id: str) -> list[dict[str, Any]]:
    r = httpx.get(
        f"{p.funds}/funds/{group_id}/journal", params={"limit": "200"}, headers=p.national
    )
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_a_dollar_donation_is_booked_split_matched_receipted_refunded_and_shown(
    platform: Platform, tokens: Any
) -> None:
    p = Portal(platform, tokens)
    at = far_future(7)
    set_clock(platform.processes["funds"].url, tokens, at)
    group = Group()
    outside, outside_events = formed_elsewhere(at)
    publish(kafka(), "enrollment.events", group.formed(at) + outside_events)
    publish(kafka(), "enrollment.events", personal_data(group, at))

    made = p.post(
        "/associations",
        {
            "name": "Club Coyoacanense de Chicago",
            "country": "US",
            "city": "Chicago",
            "origin_state_code": STATE,
            "origin_municipality": "Coyoacan",  # without the accent: still Coyoacán
        },
        p.national,
    )
    assert made.status_code == 201, made.text
    club = made.json()["id"]
    portal = p.portal(club)
    # a portal may not register an association, nor a supervisor of one state
    assert p.post("/associations", made.json() | {}, portal).status_code in (403, 422)

    def known() -> Any:
        r = p.get(f"/projects/{group.group_id}", portal)
        return r.json() if r.status_code == 200 and r.json()["fund_open"] else None

    project = eventually(known)
    assert project["name"] == "Tejedoras" and project["trust_bank"] == "Banorte"
    eventually(lambda: p.get(f"/projects/{group.group_id}", portal).json()["outcomes"])
    project = p.get(f"/projects/{group.group_id}", portal).json()
    assert project["participation"] == {"indigenous_excluded": 1, "women": 1}
    assert project["outcomes"][0]["total_income"] == "4222.21"
    listed, cursor, pages = [], None, 0  # walked in pages of one, to the last
    while True:
        page = p.get(
            f"/associations/{club}/projects",
            portal,
            limit="1",
            **({"cursor": cursor} if cursor else {}),
        ).json()
        listed += page["items"]
        pages += 1
        if not (cursor := page.get("next_cursor")):
            break
    assert pages == len(listed) and len({x["group_id"] for x in listed}) == len(listed)
    shown = {x["group_id"] for x in listed}  # other tests' groups of Coyoacán may be there
    assert group.group_id in shown and outside not in shown  # Tlalpan's is not shown
    assert {x["municipality"] for x in listed} == {"Coyoacán"}
    eventually(
        lambda: httpx.get(f"{p.url}/projects/{outside}", headers=p.national).status_code == 200
    )

    # the 3x1 programme: federal, state and municipal, each a peso per peso
    opens = at - timedelta(days=1)
    programme = p.post(
        "/matching-programmes",
        {
            "name": "3x1 Coyoacán",
            "cofunders": [
                {
                    "id": f"federal-{club}",
                    "name": "Gobierno federal",
                    "tier": "federal",
                    "ratio": "1",
                },
                {
                    "id": f"cdmx-{club}",
                    "name": "Gobierno de la CDMX",
                    "tier": "state",
                    "ratio": "1",
                },
                {
                    "id": f"coy-{club}",
                    "name": "Alcaldía Coyoacán",
                    "tier": "municipal",
                    "ratio": "1",
                },
            ],
            "caps": {"per_project": "100000.00", "per_association": "100000.00"},
            "eligible_states": [STATE],
            "opens_at": opens.isoformat(),
            "closes_at": (at + timedelta(days=30)).isoformat(),
        },
        p.national,
    )
    assert programme.status_code == 201, programme.text
    programme_id = programme.json()["id"]

    gift = {
        "portal_donation_id": f"don-{new_id()}",
        "group_id": group.group_id,
        "amount": "100.00",
        "currency": "USD",
        "programme_id": programme_id,
    }
    # 4xx, nothing written: no USD rate for the day yet, a group outside the origin, nothing,
    # an unknown currency, a temporary contribution without its return
    no_rate = p.post("/donations", gift, portal)
    assert no_rate.status_code == 422 and "no-exchange-rate" in no_rate.json()["type"]
    assert p.post("/donations", gift | {"group_id": outside}, portal).status_code == 403
    assert p.post("/donations", gift | {"amount": "0.00"}, portal).status_code == 422
    assert p.post("/donations", gift | {"amount": "-5.00"}, portal).status_code == 422
    assert p.post("/donations", gift | {"currency": "EUR"}, portal).status_code == 422
    temporary = gift | {"kind": "temporary_contribution"}
    assert p.post("/donations", temporary, portal).status_code == 422
    assert p.get(f"/associations/{club}/donations", portal).json() == []

    rate = httpx.post(
        f"{p.trade}/exchange-rates",
        json={"currency": "USD", "on": at.date().isoformat(), "exchange_rate": "17.250000"},
        headers=p.national | {"Idempotency-Key": new_id()},
    )
    assert rate.status_code == 201, rate.text

    def given() -> Any:
        r = p.post("/donations", gift, portal)
        return r if r.status_code == 201 else None

    answer = eventually(given)  # once donors has learnt the day's rate from trade
    donation = answer.json()
    assert donation["amount_mxn"] == "1725.00" and donation["exchange_rate"] == "17.250000"
    assert [x["amount_mxn"] for x in donation["pledges"]] == ["1725.00"] * 3
    again = p.post("/donations", gift, portal)  # the portal's id again: the same donation
    assert again.status_code == 200 and again.json()["id"] == donation["id"]
    other_terms = p.post("/donations", gift | {"amount": "90.00"}, portal)
    assert other_terms.status_code == 409

    def booked() -> Any:
        d = p.get(f"/donations/{donation['id']}", portal).json()
        return d if d["status"] == "booked" and d["receipt_number"] else None

    donation = eventually(booked)
    assert donation["split"] == {"development": "862.50", "competition": "862.50"}
    entry = next(e for e in journal(p, group.group_id) if e["id"] == donation["entry_id"])
    assert entry["kind"] == "grant" and entry["metadata"]["original_currency"] == "USD"

    receipt = p.get(f"/donations/{donation['id']}/receipt", portal).json()
    assert receipt["number"] == donation["receipt_number"] and not receipt["refunded"]
    pdf = p.get(f"/donations/{donation['id']}/receipt", portal, format="pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert receipt["number"] in text and "100.00 USD" in text and "1725.00 MXN" in text
    assert "Recibo de donativo" in text and "Donation receipt" in text and "Banorte" in text

    # the co-funder confirms and pays its pledge: the fund's own grant
    pledge = donation["pledges"][0]
    payer = p.cofunder(pledge["cofunder_id"])
    assert p.post(f"/pledges/{pledge['id']}/payment", {}, payer).status_code == 409  # unconfirmed
    assert p.post(f"/pledges/{pledge['id']}/confirmation", {}, portal).status_code == 403
    assert p.post(f"/pledges/{pledge['id']}/confirmation", {}, p.national).status_code == 403
    assert p.post(f"/pledges/{pledge['id']}/confirmation", {}, payer).status_code == 200
    paid = p.post(f"/pledges/{pledge['id']}/payment", {}, payer)
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    assert p.post(f"/pledges/{pledge['id']}/payment", {}, payer).status_code == 409  # twice

    def pledge_booked() -> Any:
        r = p.get(f"/pledges/{pledge['id']}", payer).json()
        return r if r["entry_id"] else None

    booked_pledge = eventually(pledge_booked)
    grant = next(e for e in journal(p, group.group_id) if e["id"] == booked_pledge["entry_id"])
    assert grant["kind"] == "grant" and grant["metadata"]["donor"] == pledge["cofunder_name"]
    # paid twice (the 409 above): one grant for the pledge in the fund, nothing more
    grants = [
        e
        for e in journal(p, group.group_id)
        if e["kind"] == "grant" and e["metadata"].get("donor") == pledge["cofunder_name"]
    ]
    assert [e["id"] for e in grants] == [booked_pledge["entry_id"]]

    # a refund of more than was given writes nothing; a partial chargeback is a reversal
    too_much = p.post(
        f"/donations/{donation['id']}/refund", {"amount": "100.01", "reason": "oops"}, portal
    )
    assert too_much.status_code == 422
    assert p.get(f"/donations/{donation['id']}", portal).json()["refund"] is None
    back = p.post(
        f"/donations/{donation['id']}/refund",
        {"amount": "40.00", "reason": "card chargeback", "chargeback": True},
        portal,
    )
    assert back.status_code == 202, back.text

    def refunded() -> Any:
        d = p.get(f"/donations/{donation['id']}", portal).json()
        return d if d["refund"] and d["refund"]["status"] == "booked" else None

    donation = eventually(refunded)
    # 60 of the 100 dollars kept: the two unpaid pledges come down to 60 %, the paid one stays
    assert donation["refund"]["pledges_paid"] == [pledge["id"]]
    scaled = {x["id"]: x for x in donation["pledges"]}
    assert scaled[pledge["id"]]["amount_mxn"] == "1725.00"
    others = [x for x in donation["pledges"] if x["id"] != pledge["id"]]
    assert [x["amount_mxn"] for x in others] == ["1035.00", "1035.00"]
    assert all(x["pledged_mxn"] == "1725.00" and x["scaled_for"] for x in others)
    # each pledge brought down is announced once (donors.MatchingPledgeScaledDown), the paid
    # one not at all
    heard = funds_events(kafka(), group.group_id, {"MatchingPledgeScaledDown"}, "donors.events")
    told_down = [
        e.data
        for e in heard
        if e.type == "donors.MatchingPledgeScaledDown" and e.data["donation_id"] == donation["id"]
    ]
    assert sorted(x["pledge_id"] for x in told_down) == sorted(x["id"] for x in others)
    assert {(x["previous_amount"], x["amount"], x["cancelled"]) for x in told_down} == {
        ("1725.00", "1035.00", False)
    }
    reversal = next(
        e for e in journal(p, group.group_id) if e["id"] == donation["refund"]["entry_id"]
    )
    assert reversal["kind"] == "reversal" and reversal["reverses"] == donation["entry_id"]
    receipt_after = p.get(f"/donations/{donation['id']}/receipt", portal).json()
    assert receipt_after["number"] == receipt["number"] and receipt_after["refunded"]
    text = pdf_text(p.get(f"/donations/{donation['id']}/receipt", portal, format="pdf").content)
    assert "REEMBOLSADO: 40.00 USD (690.00 MXN)" in text and "REFUNDED: 40.00 USD" in text

    # what the money did
    def shown() -> Any:
        r = p.get(f"/donations/{donation['id']}/impact", portal).json()
        return r if r["fund"]["inflows"] == "2760.00" else None  # 1725 + 1725 - 690

    impact = eventually(shown)
    assert impact["kept_mxn"] == "1035.00" and impact["share_of_inflows"] == "0.3750"
    assert impact["fund"]["balances"][-1]["development"] == "1380.00"
    report = p.get(f"/associations/{club}/reports/{at.year:04d}-{at.month:02d}", portal).json()
    assert report["given_mxn"] == "1725.00" and report["matched_paid_mxn"] == "1725.00"
    assert report["matched_mxn"] == "3795.00"  # 1725.00 paid, 2 x 1035.00 after the refund
    yearly = p.get(f"/associations/{club}/reports/{at.year:04d}", portal, format="pdf")
    assert yearly.status_code == 200 and "Donado / Given (MXN)" in pdf_text(yearly.content)

    # no donor route shows a participant's personal data, nor another community's group
    views = [
        p.get(f"/projects/{group.group_id}", portal),
        p.get(f"/associations/{club}/projects", portal),
        p.get(f"/associations/{club}/donations", portal),
        p.get(f"/donations/{donation['id']}", portal),
        p.get(f"/donations/{donation['id']}/receipt", portal),
        p.get(f"/donations/{donation['id']}/impact", portal),
        p.get(f"/associations/{club}/reports/{at.year:04d}", portal),
        p.get(f"/pledges/{pledge['id']}", portal),
    ]
    forbidden = [
        CURP,
        BIRTH.isoformat(),
        "Marisol",
        "Hernández",
        "1987.65",
        "1234.56",
        *group.members,
    ]
    for view in views:
        assert view.status_code == 200, view.text
        assert not [w for w in forbidden if w in view.text], view.url
    assert p.get(f"/projects/{outside}", portal).status_code == 404
    stranger = p.portal(club, states=("15",))
    assert p.get(f"/donations/{donation['id']}", stranger).status_code == 403
    assert p.get(f"/donations/{donation['id']}", p.portal("another-club")).status_code == 404

    # the window closes with two pledges unpaid: they lapse and the association is told
    set_clock(platform.processes["funds"].url, tokens, at + timedelta(days=31))

    def told() -> Any:
        notes = p.get(f"/associations/{club}/notices", portal).json()
        return notes if len(notes) == 2 else None

    notes = eventually(told)
    assert {n["kind"] for n in notes} == {"pledge_lapsed"}
    states = {x["status"] for x in p.get(f"/donations/{donation['id']}", portal).json()["pledges"]}
    assert states == {"paid", "lapsed"}
