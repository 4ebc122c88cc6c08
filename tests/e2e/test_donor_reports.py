"""A donor's monthly report, once its month is over, never changes (issue 16), each service its
own process on the real broker: a peso donation booked in its month is in that month's report;
another, made on the month's last day while funds is down, is booked only after the month's
report was announced ready. It appears in the next month's report as a late booking of its
month (the year's report counts it in its month), with its receipt like any other; the earlier
month's report reads the same as before, even after a refund of the first donation in the new
month (figures as of the period's end), and after a grant funds dated in the month's last
seconds and donors heard of after the announcement: the JSON is equal and the PDF the same
(text and bytes), the copy kept when the report was announced. A temporary contribution, too,
is booked by funds as one and its receipt states its return."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from megp_common.ids import new_id
from megp_common.launcher import Platform

from .test_donor_webhooks import followed
from .test_donors import Portal, kafka, pdf_text
from .test_funds_support import STATE, Group, eventually, far_future, publish, set_clock

pytestmark = pytest.mark.e2e


def last_evening_of_a_month() -> datetime:
    """20:00 on the last day of a month that is not December (its year's report follows)."""
    day = far_future(17)
    if day.month == 12:
        day -= timedelta(days=31)
    first_next = datetime(day.year, day.month + 1, 1, tzinfo=UTC)
    return first_next - timedelta(hours=4)


def test_a_booking_after_its_months_report_is_a_late_booking_of_the_next(
    platform: Platform, tokens: Any
) -> None:
    p = Portal(platform, tokens)
    donors_url = platform.processes["donors"].url
    at = last_evening_of_a_month()
    month = f"{at.year:04d}-{at.month:02d}"
    nxt = at + timedelta(hours=16)  # 12:00 on the next month's first day
    next_month = f"{nxt.year:04d}-{nxt.month:02d}"
    set_clock(platform.processes["funds"].url, tokens, at)
    followed(platform, tokens, at)
    group = Group()
    publish(kafka(), "enrollment.events", group.formed(at))
    made = p.post(
        "/associations",
        {"name": "Club Poblano de Nueva York", "country": "US", "city": "New York"}
        | {"origin_state_code": STATE},
        p.national,
    )
    assert made.status_code == 201, made.text
    club = made.json()["id"]
    portal = p.portal(club)
    eventually(
        lambda: (
            (r := p.get(f"/projects/{group.group_id}", portal)).status_code == 200
            and r.json()["fund_open"]
        )
    )

    def give(amount: str) -> dict[str, Any]:
        body = {"portal_donation_id": f"tx-{new_id()}", "group_id": group.group_id}
        r = p.post("/donations", body | {"amount": amount, "currency": "MXN"}, portal)
        assert r.status_code == 201, r.text
        found: dict[str, Any] = r.json()
        return found

    def booked(donation_id: str) -> dict[str, Any]:
        def done() -> Any:
            d = p.get(f"/donations/{donation_id}", portal).json()
            return d if d["status"] == "booked" and d["receipt_number"] else None

        found: dict[str, Any] = eventually(done, within_s=90)
        return found

    def report_pdf(period: str) -> bytes:
        r = p.get(f"/associations/{club}/reports/{period}", portal, format="pdf")
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf", r.text
        return r.content

    def report(period: str) -> dict[str, Any]:
        r = p.get(f"/associations/{club}/reports/{period}", portal)
        assert r.status_code == 200, r.text
        found: dict[str, Any] = r.json()
        return found

    on_time = booked(give("1000.00")["id"])
    assert on_time["reported_in"] == month

    funds = platform.processes["funds"]
    funds.stop()  # the fund's ledger is down across the month's end
    try:
        late = give("300.00")
        assert late["status"] == "accepted"
        set_clock(donors_url, tokens, nxt)
        followed(platform, tokens, nxt)
        ready = eventually(lambda: (r := report(month))["final"] and r, within_s=60)
    finally:
        funds.start()
        funds.wait_ready()
    assert ready["given_mxn"] == "1000.00" and ready["late_bookings"] == []
    pdf_ready = report_pdf(month)
    assert ready["by_month"] == [{"month": month, "donations": 1, "given_mxn": "1000.00"}]

    late = booked(late["id"])
    assert late["reported_in"] == next_month
    assert late["receipt_number"].startswith(f"{nxt.year:04d}-")
    # a refund of the first donation in the new month: booked, yet the old month's report
    # stands as it was
    refund = p.post(
        f"/donations/{on_time['id']}/refund", {"amount": "100.00", "reason": "duplicate"}, portal
    )
    assert refund.status_code == 202, refund.text
    eventually(
        lambda: (
            (d := p.get(f"/donations/{on_time['id']}", portal).json())["refund"]
            and d["refund"]["status"] == "booked"
        ),
        within_s=60,
    )
    assert report(month) == ready

    # a fund movement funds dates in the month's last seconds, heard of by donors after the
    # month's report was announced (the shared clock set back for it): the fund's flows of the
    # month are different now, the month's report is not
    def inflows() -> str:
        impact = p.get(f"/donations/{on_time['id']}/impact", portal)
        assert impact.status_code == 200, impact.text
        found: str = impact.json()["fund"]["inflows"]
        return found

    before = inflows()
    last_seconds = datetime(nxt.year, nxt.month, 1, tzinfo=UTC) - timedelta(seconds=2)
    set_clock(funds.url, tokens, last_seconds)
    followed(platform, tokens, last_seconds)
    try:
        grant = {"donor": "Fundación Z", "source": "local", "amount": "500.00"}
        posted = httpx.post(
            f"{p.funds}/funds/{group.group_id}/contributions",
            json=grant,
            headers=p.national | {"Idempotency-Key": f"late-grant-{new_id()}"},
            timeout=30,
        )
        assert posted.status_code == 201, posted.text
        eventually(lambda: inflows() != before, within_s=60)
    finally:
        set_clock(funds.url, tokens, nxt)
        followed(platform, tokens, nxt)
    # the figure read with the clock in the month's last seconds counts only that far, so its
    # change above may be the clock's alone: the grant's event is waited for here, to the
    # centavo (a consumer gathers a poll's trickle before it applies it)
    eventually(lambda: Decimal(inflows()) == Decimal(before) + Decimal("500.00"), within_s=60)
    assert report(month) == ready
    after = report_pdf(month)
    assert pdf_text(after) == pdf_text(pdf_ready) and after == pdf_ready
    assert "provisional" not in pdf_text(after)

    later = report(next_month)
    assert later["final"] is False and later["given_mxn"] == "300.00"
    assert [(x["donation_id"], x["made_in"]) for x in later["late_bookings"]] == [
        (late["id"], month)
    ]
    assert later["late_bookings"][0]["receipt_number"] == late["receipt_number"]
    assert later["by_month"] == [{"month": month, "donations": 1, "given_mxn": "300.00"}]
    yearly = report(f"{at.year:04d}")
    assert yearly["by_month"] == [{"month": month, "donations": 2, "given_mxn": "1300.00"}]
    assert yearly["late_bookings"] == []  # within the year, counted in its month
    assert yearly["given_mxn"] == "1300.00" and yearly["kept_mxn"] == "1200.00"
    # the receipt: numbered once, in the year of its booking, unchanged when read again
    receipt = p.get(f"/donations/{late['id']}/receipt", portal).json()
    assert receipt["number"] == late["receipt_number"]

    # a temporary contribution through the broker: booked by funds as one, its return date and
    # method on the receipt in both languages
    due = (nxt + timedelta(days=365)).date().isoformat()
    temporary = {
        "portal_donation_id": f"tmp-{new_id()}",
        "group_id": group.group_id,
        "amount": "400.00",
        "currency": "MXN",
        "kind": "temporary_contribution",
        "return_due_on": due,
        "return_method": "bank_transfer",
    }
    made_temporary = p.post("/donations", temporary, portal)
    assert made_temporary.status_code == 201, made_temporary.text
    lent = booked(made_temporary.json()["id"])
    assert (lent["kind"], lent["return_due_on"]) == ("temporary_contribution", due)
    entries = httpx.get(
        f"{p.funds}/funds/{group.group_id}/journal", headers=p.national, timeout=30
    ).json()["items"]
    assert [e["kind"] for e in entries if e["id"] == lent["entry_id"]] == ["temporary_contribution"]
    text = p.get(f"/donations/{lent['id']}/receipt", portal).json()["text"]
    for language, label in (("es", "Devolución"), ("en", "Return")):
        lines = {x["label"]: x["value"] for x in text[language]["lines"]}
        assert lines[label].startswith(due), lines
