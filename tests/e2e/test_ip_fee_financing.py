"""An IMPI fee financed, through the real broker and store with every service running: the
inventors ask ip-counsel (`FeeFinancingRequested`); asked by a loan, credit records the same
pending financing request as a purchasing round's and the group's ODF completes it into a loan
application on the line; asked of the Competition Sub-Fund, funds records a pending spending
request that the group's board representative approves (the spend is posted) and nobody else
may. A redelivered event, and one naming a purpose funds does not know, change nothing else."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import orjson
import pytest

from megp_common.auth import Role
from megp_common.bus import KafkaBus, OutgoingRecord
from megp_common.contracts import funds as fnd
from megp_common.contracts import ip_counsel as ipc
from megp_common.events import EventPayload, make_event
from megp_common.launcher import Platform
from megp_common.testing.enrollment_driver import Driver, ok
from megp_common.testing.events import EventTap, Published, distinct
from megp_common.testing.keys import keyed

from .ip_counsel_world import Circle, disclosure_body, seed_circle

pytestmark = pytest.mark.e2e

STATE = "23"
PROBLEM = "application/problem+json"
GRANT_FEE = "grant_fee"


@pytest.fixture(scope="module")
def circle(platform: Platform, tokens: Any) -> Iterator[Circle]:
    """The inventors' group with its ODF, and a board representative (a member who is no
    inventor, seated by an inventor), as enrollment announces them."""
    drive = Driver(platform.processes["enrollment"].url, tokens.header, state=STATE)
    c = seed_circle(drive, platform.processes["ip-counsel"].url, tokens.header, random.Random())
    board = f"/groups/{c.group_id}/board"
    ok(
        drive.client.post(
            f"{board}/representatives",
            json={"participant_id": c.member},
            headers=drive.as_("participant", participant_id=c.inventors[0]),
        ),
        201,
    )
    c.extra["odf_id"] = ok(drive.client.get(board, headers=drive.staff))["odf_id"]
    yield c
    drive.client.close()


def call(
    platform: Platform, service: str, method: str, path: str, headers: dict[str, str], **kw: Any
) -> httpx.Response:
    url = f"{platform.processes[service].url}/v1{path}"
    return httpx.request(method, url, headers=keyed(method, headers), timeout=30, **kw)


def expect(r: httpx.Response, status: int) -> Any:
    assert r.status_code == status, f"{r.request.method} {r.request.url}: {r.status_code} {r.text}"
    if status >= 400:
        assert r.headers["content-type"].startswith(PROBLEM)
    return r.json()


def until(fetch: Callable[[], httpx.Response], check: Callable[[Any], bool], what: str) -> Any:
    deadline = time.monotonic() + 30
    while True:
        r = fetch()
        if r.status_code == 200 and check(r.json()):
            return r.json()
        assert time.monotonic() < deadline, f"{what}: {r.status_code} {r.text}"
        time.sleep(0.25)


def allowed_pct(c: Circle) -> str:
    """A disclosure of the inventors decided for a patent [¶55], filed by the PCT route and
    taken to its allowance: the filing (its grant fee open, 9000.00)."""
    with c.client() as ip:
        body = disclosure_body(c)
        made = expect(ip.post("/disclosures", json=body, headers=c.inventor()), 201)
        d, on = made["id"], made["created_at"][:10]
        decision = {"choice": "file", "route": "patent"}
        expect(ip.post(f"/disclosures/{d}/decision", json=decision, headers=c.inventor()), 200)
        pct = {"disclosure_id": d, "filing_type": "patent", "route": "pct"}
        f = expect(ip.post("/filings", json=pct, headers=c.inventor(1)), 201)["id"]
        number = f"PCT/MX{on[:4]}/{random.randrange(10**6):06d}"
        submission = {"application_number": number, "filed_on": on}
        expect(ip.post(f"/filings/{f}/submission", json=submission, headers=c.inventor(1)), 200)
        for verb in ("publication", "examination", "allowance"):
            expect(ip.post(f"/filings/{f}/{verb}", json={"on": on}, headers=c.inventor()), 200)
        return str(f)


def ask(c: Circle, filing: str, **source: str) -> dict[str, Any]:
    body = {"deadline_id": GRANT_FEE} | source
    with c.client() as ip:
        asked = expect(
            ip.post(f"/filings/{filing}/financing", json=body, headers=c.inventor()), 200
        )
    return dict(asked["financing"][0])


async def publish(kafka: str, topic: str, key: str, *values: bytes) -> None:
    bus = KafkaBus(kafka, service="e2e-test")
    await bus.start()
    try:
        await bus.publish_many([OutgoingRecord(topic, key, v) for v in values])
    finally:
        await bus.stop()


def envelope(payload: EventPayload, key: str, source: str = "/megp/e2e") -> bytes:
    return make_event(
        payload, source=source, key=key, time=datetime.now(UTC), state=STATE
    ).to_json()


def copy_of(event: Published) -> bytes:
    """The message ip-counsel published, byte for byte as a redelivery brings it again."""
    return orjson.dumps(event.envelope)


def marker(
    c: Circle, source: str, purpose: str | None, group_id: str | None
) -> ipc.FeeFinancingRequested:
    return ipc.FeeFinancingRequested(
        filing_id=f"marker{random.getrandbits(40):x}",
        disclosure_id="marker",
        group_id=group_id,
        state_code=STATE,
        deadline_id=GRANT_FEE,
        kind="grant",
        amount=Decimal("10.00"),
        due_on=date(2099, 1, 1),
        source=source,
        purpose=purpose,
        requested_by=c.inventors[0],
        requested_on=date(2045, 1, 1),
    )


async def test_a_fee_financed_by_a_loan_and_by_the_competition_fund(
    circle: Circle, platform: Platform, tokens: Any, infra: Any
) -> None:
    c, g = circle, circle.group_id
    odf = c.as_(Role.ODF_STAFF, organization=c.extra["odf_id"])
    rep = c.as_(Role.BOARD_REPRESENTATIVE, participant_id=c.member)
    supervisor = c.supervisor
    # funds opened the group's fund and seated its board; credit knows the group
    fund_path = f"/funds/{g}"
    until(
        lambda: call(platform, "funds", "GET", fund_path, supervisor),
        lambda f: f["board_representatives"] == [c.member],
        "funds never seated the board",
    )
    until(
        lambda: call(platform, "credit", "GET", f"/financing-requests?group_id={g}", supervisor),
        lambda _: True,
        "credit never learnt the group",
    )
    # a donor's grant: half of it to the Competition Sub-Fund [¶72]
    grant = {"donor": "Fundación Nopal", "source": "local", "amount": "30000.00"}
    donor = c.as_(Role.PROGRAMME_SUPERVISOR)  # a gift that came by no portal
    expect(call(platform, "funds", "POST", f"{fund_path}/contributions", donor, json=grant), 201)
    # the line credit lends on: what funds announces when the first three months close [¶79]
    closed = fnd.FundInitialPeriodClosed(
        fund_id=g,
        group_id=g,
        state_code=STATE,
        odf_id=c.extra["odf_id"],
        period_start=date(2045, 1, 1),
        period_end=date(2045, 3, 31),
        total_deposited=Decimal("20000.00"),
        other_inflows=Decimal("0"),
        closed_at=datetime.now(UTC),
    )
    await publish(infra.kafka, "funds.events", g, envelope(closed, g, "/megp/funds"))
    until(
        lambda: call(platform, "credit", "GET", f"/lines/{g}", supervisor),
        lambda line: Decimal(line["limit"]) == Decimal("40000.00"),
        "credit never opened the line",
    )

    by_loan, from_fund = allowed_pct(c), allowed_pct(c)
    async with EventTap(infra.kafka, "ip-counsel.events") as tap:
        assert ask(c, by_loan, source="loan")["amount"] == "9000.00"
        ask(c, from_fund, source="competition_fund", purpose="samples_designs_innovations")
        asked = distinct(
            await tap.collect(
                lambda e: (
                    e.type == "ip_counsel.FeeFinancingRequested"
                    and e.data["filing_id"] in (by_loan, from_fund)
                ),
                expect=2,
            )
        )
    assert {e.data["filing_id"] for e in asked} == {by_loan, from_fund}

    # credit: the loan asked is a pending financing request of the group's ODF ...
    request_id = f"impi-fee-{by_loan}-{GRANT_FEE}"
    request_path = f"/financing-requests/{request_id}"
    pending = until(
        lambda: call(platform, "credit", "GET", request_path, supervisor),
        lambda _: True,
        "credit never recorded the fee's financing request",
    )
    assert (pending["origin"], pending["status"], pending["round_id"]) == (
        "impi_fee",
        "pending",
        None,
    )
    assert (pending["odf_id"], pending["group_id"], pending["amount"]) == (
        c.extra["odf_id"],
        g,
        "9000.00",
    )
    assert pending["fee"]["filing_id"] == by_loan and pending["fee"]["deadline_id"] == GRANT_FEE
    listed = expect(
        call(platform, "credit", "GET", f"/financing-requests?group_id={g}", supervisor), 200
    )
    assert [r["id"] for r in listed] == [request_id]
    # ... that only the ODF's staff complete, into a loan application on the line
    application = f"{request_path}/application"
    term = {"term_months": 12}
    another_odf = c.as_(Role.ODF_STAFF, organization="another-odf")
    for outsider in (another_odf, rep, c.inventor()):
        expect(call(platform, "credit", "POST", application, outsider, json=term), 403)
    loan = expect(call(platform, "credit", "POST", application, odf, json=term), 201)
    assert (loan["status"], loan["borrower_kind"], loan["borrower_id"], loan["amount"]) == (
        "applied",
        "odf",
        c.extra["odf_id"],
        "9000.00",
    )
    assert by_loan in loan["purpose"] and loan["group_id"] == g
    expect(call(platform, "credit", "POST", application, odf, json=term), 409)
    applied = expect(call(platform, "credit", "GET", request_path, supervisor), 200)
    assert (applied["status"], applied["loan_id"]) == ("applied", loan["id"])
    # then the board decides as on any loan [¶55]
    approved = call(platform, "credit", "POST", f"/loans/{loan['id']}/board-approval", rep)
    assert expect(approved, 200)["board_approved_by"] == c.member

    # funds: the fee asked of the Competition Sub-Fund is a pending spending request
    spending_id = f"impi-fee-{from_fund}-{GRANT_FEE}"
    spending_path = f"{fund_path}/spending-requests"
    requests = until(
        lambda: call(platform, "funds", "GET", spending_path, supervisor),
        lambda found: any(r["id"] == spending_id for r in found),
        "funds never recorded the fee's spending request",
    )
    (spending,) = [r for r in requests if r["id"] == spending_id]
    assert (spending["status"], spending["purpose"], spending["amount"]) == (
        "pending",
        "samples_designs_innovations",
        "9000.00",
    )
    assert [r["id"] for r in requests] == [spending_id]  # not the loan's: credit's, not funds'
    statement = f"{fund_path}/statement"
    before = expect(call(platform, "funds", "GET", statement, supervisor), 200)
    approval = f"{spending_path}/{spending_id}/approval"
    outsiders = (
        c.as_(Role.BOARD_REPRESENTATIVE, participant_id=c.inventors[0]),  # not on the board
        c.as_(Role.ODF_STAFF, organization=c.extra["odf_id"]),
        c.inventor(),
    )
    for outsider in outsiders:
        expect(call(platform, "funds", "POST", approval, outsider), 403)
    unchanged = expect(call(platform, "funds", "GET", statement, supervisor), 200)
    assert unchanged["balances"] == before["balances"]  # nothing was posted
    key = {"Idempotency-Key": f"approve-{spending_id}"}
    entry = expect(call(platform, "funds", "POST", approval, rep | key), 201)
    assert expect(call(platform, "funds", "POST", approval, rep | key), 201) == entry
    assert entry["kind"] == "competition_spend"
    assert entry["metadata"]["purpose"] == "samples_designs_innovations"
    assert entry["metadata"]["approved_by"] == c.member and entry["metadata"]["payee"] == "IMPI"
    expect(call(platform, "funds", "POST", approval, rep), 409)  # approved once
    after = expect(call(platform, "funds", "GET", statement, supervisor), 200)
    spent = Decimal(before["competition_subfund"]) - Decimal(after["competition_subfund"])
    assert spent == Decimal("9000.00")
    (decided,) = expect(call(platform, "funds", "GET", spending_path, supervisor), 200)
    assert (decided["status"], decided["entry_id"], decided["approved_by"]) == (
        "approved",
        entry["id"],
        c.member,
    )

    # a redelivery of both events, then a marker behind them on the same partition: a purpose
    # funds does not know is kept refused with its reason; credit's marker has no group
    unknown = marker(c, "competition_fund", "space_travel", g)
    no_group = marker(c, "loan", None, None)
    await publish(
        infra.kafka,
        "ip-counsel.events",
        g,
        *(copy_of(e) for e in asked),
        envelope(unknown, g),
        envelope(no_group, g),
    )
    refused_id = f"impi-fee-{unknown.filing_id}-{GRANT_FEE}"
    found = until(
        lambda: call(platform, "funds", "GET", spending_path, supervisor),
        lambda rs: any(r["id"] == refused_id for r in rs),
        "funds never recorded the marker",
    )
    (refused,) = [r for r in found if r["id"] == refused_id]
    assert refused["status"] == "refused" and "'space_travel'" in refused["refusal"]
    assert refused["purpose"] is None
    pending_only = call(platform, "funds", "GET", f"{spending_path}?status=pending", supervisor)
    assert expect(pending_only, 200) == []
    (still,) = [r for r in found if r["id"] == spending_id]
    assert still == decided  # the copy changed nothing
    assert (
        expect(call(platform, "funds", "GET", statement, supervisor), 200)["balances"]
        == after["balances"]
    )
    credit_marker = until(
        lambda: call(
            platform,
            "credit",
            "GET",
            f"/financing-requests/impi-fee-{no_group.filing_id}-{GRANT_FEE}",
            supervisor,
        ),
        lambda _: True,
        "credit never recorded its marker",
    )
    assert (
        credit_marker["status"] == "refused" and "not a project group" in credit_marker["refusal"]
    )
    assert expect(call(platform, "credit", "GET", request_path, supervisor), 200) == applied
    refused_application = f"/financing-requests/{credit_marker['id']}/application"
    expect(call(platform, "credit", "POST", refused_application, odf, json=term), 409)
