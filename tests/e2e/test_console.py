"""The web console in a real browser: Debian's Chromium driven by Playwright, against the
running platform (every service its own process, the console among them).

ODF staff fill a period sheet with the network cut, reconnect, and the sheet is recorded once
(its first answer is lost on the way back, so the browser sends it again with the same key)
and the fund's obligations appear; a board representative approves a loan; a donor finds no
decision control anywhere; the supervisor dashboard's figures equal the services' own reports.
Every main screen passes axe-core with no serious or critical violation, and is photographed
under .local/console-screenshots/."""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Page, Route

from megp_common.auth import Role
from megp_common.bus import KafkaBus, OutgoingRecord
from megp_common.contracts import enrollment as enr
from megp_common.contracts import funds as fnd
from megp_common.contracts import ip_counsel as ipc
from megp_common.events import EventPayload, make_event
from megp_common.launcher import Platform
from megp_common.settings import REPO_ROOT
from megp_common.testing.enrollment_driver import Driver, ok
from megp_common.testing.keys import key_writes, keyed

from .ip_counsel_world import disclosure_body, eventually, seed_circle

pytestmark = pytest.mark.e2e

SHOTS = REPO_ROOT / ".local" / "console-screenshots"
DOCS_SHOTS = REPO_ROOT / "docs" / "console"
SERIOUS = {"serious", "critical"}
TRUST_CASH = "trust_cash"  # funds' account of the trust bank's cash


# -- the browser ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def console(platform: Platform) -> str:
    return platform.processes["console"].url


def sign_in(page: Page, console: str, role: str, state: str, **fields: str) -> None:
    page.goto(f"{console}/sign-in")
    page.select_option("#role", role)
    page.select_option("#state", state)
    for name, value in fields.items():
        page.fill(f"#{name}", value)
    page.click("form[action='/sign-in'] button[type=submit]")
    page.wait_for_url(f"{console}/")


def accessible(page: Page, name: str) -> None:
    """axe-core finds no serious or critical violation; the screen is photographed."""
    found = Axe().run(page).response["violations"]
    serious = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in found
        if v.get("impact") in SERIOUS
    ]
    assert not serious, f"{name}: {serious}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def no_decision_controls(page: Page) -> None:
    assert page.locator("[data-decision], button.approve").count() == 0, page.url
    for word in ("Aprobar", "Approve", "Rechazar", "Reject"):
        assert page.get_by_role("button", name=word).count() == 0, (page.url, word)


# -- the world --------------------------------------------------------------------------------


def after_month(start: date) -> date:
    return Driver.first_of_next_month(start)


@pytest.fixture(scope="module")
def sheet_world(platform: Platform, tokens: Any) -> dict[str, Any]:
    """An active group of five members with an ODF, a board representative, and each member's
    plan from a month that has just ended (the platform's clock is moved past it)."""
    state = f"{random.randint(1, 32):02d}"
    drive = Driver(platform.processes["enrollment"].url, tokens.header, state=state)
    group, members = drive.active_group(members=5)
    gid = group["id"]
    first = drive.as_("participant", participant_id=members[1])
    ok(
        drive.client.post(
            f"/groups/{gid}/board/representatives",
            json={"participant_id": members[0]},
            headers=first,
        ),
        201,
    )
    start = drive.first_of_next_month(drive.today())
    for pid in members:
        drive.agree_plan(gid, pid, start, baseline="10000.00")
    drive.move_clock_to(after_month(start) + timedelta(days=2))
    funds = platform.processes["funds"].url
    staff = tokens.header(Role.ODF_STAFF, states=(state,))
    deadline = time.monotonic() + 30
    while httpx.get(f"{funds}/v1/funds/{gid}", headers=staff).status_code != 200:
        assert time.monotonic() < deadline, "the group's fund never opened"
        time.sleep(0.3)
    return {"state": state, "group": gid, "members": members, "start": start, "drive": drive}


def publish(kafka: str, topic: str, key: str, *payloads: EventPayload) -> None:
    """Publish from a thread of its own: the test session's event loop runs in this one."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _publish(kafka, topic, key, *payloads)).result()


async def _publish(kafka: str, topic: str, key: str, *payloads: EventPayload) -> None:
    bus = KafkaBus(kafka, service="console-test")
    await bus.start()
    try:
        now = datetime.now(UTC)
        await bus.publish_many(
            [
                OutgoingRecord(
                    topic,
                    key,
                    make_event(
                        p, source="/megp/console-test", key=key, time=now, state="09"
                    ).to_json(),
                    p.event_type,
                )
                for p in payloads
            ]
        )
    finally:
        await bus.stop()


@pytest.fixture(scope="module")
def loan_world(platform: Platform, tokens: Any, infra: Any) -> dict[str, str]:
    """A group credit knows (from enrollment's and funds' events) with a line open on it."""
    credit = platform.processes["credit"].url
    group, odf, rep, member = (f"{p}-{uuid.uuid4()}" for p in ("cg", "odf", "rep", "member"))
    reader = tokens.header(Role.PROGRAMME_SUPERVISOR)
    today = datetime.fromisoformat(
        httpx.get(f"{credit}/v1/admin/clock", headers=reader).json()["now"]
    ).date()
    opened = date(today.year - (today.month <= 3), (today.month - 4) % 12 + 1, 1)
    publish(
        infra.kafka,
        "enrollment.events",
        group,
        enr.ProjectGroupFormed(
            group_id=group,
            project_id=f"p-{group}",
            name="Telares de Teotitlán",
            state_code="09",
            municipality="Coyoacán",
            odf_id=odf,
            odf_legal_name="Telares SC",
            rfc="TEL010101AB1",
            trust_bank="Banco Ejemplo",
            member_participant_ids=[rep, member],
            formed_at=datetime.now(UTC),
        ),
        enr.BoardChanged(
            group_id=group,
            odf_id=odf,
            representative_participant_ids=[rep],
            special_members=[],
            changed_at=datetime.now(UTC),
        ),
    )
    publish(
        infra.kafka,
        "funds.events",
        group,
        fnd.FundInitialPeriodClosed(
            fund_id=group,
            group_id=group,
            state_code="09",
            odf_id=odf,
            period_start=opened,
            period_end=today - timedelta(days=1),
            total_deposited=Decimal("5000.00"),
            other_inflows=Decimal("0"),
            closed_at=datetime.now(UTC),
        ),
    )
    deadline = time.monotonic() + 30
    while httpx.get(f"{credit}/v1/lines/{group}", headers=reader).status_code != 200:
        assert time.monotonic() < deadline, "credit never opened the line"
        time.sleep(0.3)
    return {"group": group, "odf": odf, "rep": rep, "member": member, "credit": credit}


@pytest.fixture(scope="module")
def decisions_world(
    platform: Platform, tokens: Any, infra: Any, sheet_world: dict[str, Any]
) -> dict[str, Any]:
    """The sheet's group with a grant in its fund, a fee the inventors asked the Competition
    Sub-Fund to pay (funds' spending request, from ip-counsel's event) and a Support Committee
    that proposed a special member for its board."""
    w = sheet_world
    drive, gid, state = w["drive"], w["group"], w["state"]
    funds = platform.processes["funds"].url
    grant = {"donor": "Club Zacatecano", "source": "immigrant_association", "amount": "1000.00"}
    donor = keyed("POST", tokens.header(Role.PROGRAMME_SUPERVISOR, states=(state,)))
    ok(httpx.post(f"{funds}/v1/funds/{gid}/contributions", json=grant, headers=donor), 201)
    filing = f"f{uuid.uuid4().hex[:12]}"
    publish(
        infra.kafka,
        "ip-counsel.events",
        filing,
        ipc.FeeFinancingRequested(
            filing_id=filing,
            disclosure_id=f"d-{filing}",
            group_id=gid,
            state_code=state,
            deadline_id="grant_fee",
            kind="grant",
            amount=Decimal("120.00"),
            due_on=date(2099, 1, 1),
            source="competition_fund",
            purpose="samples_designs_innovations",
            requested_by=w["members"][2],
            requested_on=date(2045, 1, 1),
        ),
    )
    project = ok(drive.client.get(f"/groups/{gid}", headers=drive.staff))["project_id"]
    body = {"kind": "support", "name": "Comité de apoyo", "project_id": project}
    committee = ok(drive.client.post("/committees", json=body, headers=drive.staff), 201)
    member = {"name": "Cámara de Comercio", "role": "local", "supports": ["purchase_orders"]}
    ok(
        drive.client.post(
            f"/committees/{committee['id']}/members", json=member, headers=drive.staff
        ),
        201,
    )
    proposal = {"position": "special_member", "name": "Ing. Rosa Méndez", "profile": "exporta"}
    candidate = ok(
        drive.client.post(
            f"/committees/{committee['id']}/candidates",
            json=proposal,
            headers=drive.as_("committee_member", subject="cm-console"),
        ),
        201,
    )
    spending = f"/v1/funds/{gid}/spending-requests"
    staff = tokens.header(Role.ODF_STAFF, states=(state,))
    deadline = time.monotonic() + 30
    while not httpx.get(f"{funds}{spending}", headers=staff).json():
        assert time.monotonic() < deadline, "funds never recorded the spending request"
        time.sleep(0.3)
    (request,) = httpx.get(f"{funds}{spending}", headers=staff).json()
    return {"spending": request, "candidate": candidate, "funds": funds, **w}


def apply_for_loan(tokens: Any, world: dict[str, str], purpose: str) -> dict[str, Any]:
    body = {
        "group_id": world["group"],
        "borrower_kind": "odf",
        "borrower_id": world["odf"],
        "amount": "3000.00",
        "purpose": purpose,
        "term_months": 3,
    }
    headers = keyed("POST", tokens.header(Role.ODF_STAFF, states=("09",)))
    answer = httpx.post(f"{world['credit']}/v1/loans", json=body, headers=headers, timeout=30)
    return ok(answer, 201)


# -- the tests --------------------------------------------------------------------------------


def test_a_period_sheet_filled_offline_is_sent_once_when_the_connection_returns(
    context: BrowserContext,
    console: str,
    platform: Platform,
    tokens: Any,
    sheet_world: dict[str, Any],
) -> None:
    w = sheet_world
    gid, members, start = w["group"], w["members"], w["start"]
    page = context.new_page()
    sign_in(page, console, "odf_staff", w["state"])
    accessible(page, "home-odf-staff")
    page.goto(f"{console}/groups/{gid}/period-sheet")
    assert page.locator("#period-sheet").get_attribute("data-period") == start.isoformat()
    accessible(page, "period-sheet")

    incomes = ["12000.00", "11000", "10500.50", "9000", "10000"]
    context.set_offline(True)
    page.wait_for_function("() => !navigator.onLine")
    for pid, income in zip(members, incomes, strict=True):
        page.fill(f"input[name='income:{pid}']", income)
    page.fill(f"input[name='deposit:{members[0]}']", "150.00")
    page.fill(f"input[name='deposit:{members[1]}']", "$ 80")
    page.click("#period-sheet button[type=submit]")
    page.wait_for_selector("#connection:has-text('Se enviará cuando vuelva la conexión')")
    kept = page.evaluate(
        "k => JSON.parse(localStorage.getItem(k))", f"megp-sheet:{gid}:{start.isoformat()}"
    )
    assert kept["pending"] is True and len(kept["key"]) >= 8
    enrollment = platform.processes["enrollment"].url
    staff = tokens.header(Role.ODF_STAFF, states=(w["state"],))
    sheet_url = f"{enrollment}/v1/groups/{gid}/periods/{start.isoformat()}"
    assert httpx.get(sheet_url, headers=staff).status_code == 404  # nothing has left the phone

    # the first answer is lost on the way back: the console recorded the sheet, the browser
    # never hears it, and sends it again under the same key
    lost: list[str] = []

    def lose_first_answer(route: Route) -> None:
        if not lost:
            route.fetch()
            lost.append(route.request.headers.get("idempotency-key", ""))
            route.abort()
        else:
            route.continue_()

    page.route(f"{console}/groups/{gid}/period-sheet", lose_first_answer)
    context.set_offline(False)
    page.wait_for_selector("#connection:has-text('La hoja fue recibida')", timeout=30_000)
    assert lost == [kept["key"]]
    answer = page.locator("[data-sheet-result]")
    assert answer.get_attribute("data-complete") == "true"
    assert answer.get_attribute("data-recorded") == "incomes deposits"
    assert page.evaluate("k => localStorage.getItem(k)", f"megp-sheet:{gid}:{start}") is None

    closed = ok(httpx.get(sheet_url, headers=staff))
    assert closed["closed_at"] is not None
    funds = platform.processes["funds"].url
    journal = ok(httpx.get(f"{funds}/v1/funds/{gid}/journal?limit=200", headers=staff))
    sheets = [e for e in journal["items"] if e["kind"] in ("deposit_sheet", "member_deposit")]
    assert len(sheets) == 1, sheets  # sent twice, recorded once
    cash = [line for line in sheets[0]["lines"] if line["account"] == TRUST_CASH]
    assert [Decimal(line["amount"]) for line in cash] == [Decimal("230.00")]

    # the closing's obligations reach the fund through Kafka; the group screen shows them
    deadline = time.monotonic() + 30
    while True:
        page.goto(f"{console}/groups/{gid}")
        if page.locator("tr[data-obligation]").count() >= 3:
            break
        assert time.monotonic() < deadline, page.inner_text("#obligations")
        time.sleep(0.5)
    owed = page.locator(f"tr[data-obligation='{members[0]}']").inner_text()
    assert "$200.00" in owed, owed  # 10 % of 2,000.00 over the baseline, in es-MX
    assert page.locator("tr[data-obligation]").count() == 3  # two members earned no more
    accessible(page, "group")


def test_the_period_sheet_opens_with_no_connection(
    context: BrowserContext, console: str, sheet_world: dict[str, Any]
) -> None:
    """Opened once with a connection, the sheet's page is kept by its service worker; opened
    again offline it is there, styled, with its script, and a key of its own."""
    w = sheet_world
    url = f"{console}/groups/{w['group']}/period-sheet"
    page = context.new_page()
    sign_in(page, console, "odf_staff", w["state"])
    page.goto(url)
    page.wait_for_selector("#period-sheet[data-kept=true]")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    first_key = page.input_value("input[name=sheet_key]")
    context.set_offline(True)
    page.wait_for_function("() => !navigator.onLine")
    try:
        page.goto(url)
        assert page.evaluate("() => navigator.serviceWorker.controller !== null")
        assert page.locator("#period-sheet").get_attribute("data-group") == w["group"]
        assert page.locator(f"input[name='income:{w['members'][0]}']").is_editable()
        cursor = page.evaluate(
            "() => getComputedStyle(document.querySelector('#period-sheet button')).cursor"
        )
        assert cursor == "pointer"  # console.css came from the worker's cache
        page.wait_for_selector("#connection:has-text('Sin conexión')")
        assert page.input_value("input[name=sheet_key]") == first_key  # the kept page
    finally:
        context.set_offline(False)


KEPT = """async () => ({
    caches: await caches.keys(),
    storage: Object.keys(localStorage),
    workers: (await navigator.serviceWorker.getRegistrations()).length,
})"""


def test_signing_out_empties_the_kept_pages_and_sheets_after_asking_about_an_unsent_one(
    context: BrowserContext, console: str, sheet_world: dict[str, Any]
) -> None:
    """The sheet's page is kept by its worker and a value typed is kept in localStorage; signing
    out asks first (the sheet was never sent): no keeps everything and the session, yes leaves
    no cache, no kept sheet and no worker in the browser."""
    w = sheet_world
    page = context.new_page()
    sign_in(page, console, "odf_staff", w["state"])
    page.goto(f"{console}/groups/{w['group']}/period-sheet")
    page.wait_for_selector("#period-sheet[data-kept=true]")
    page.fill(f"input[name='income:{w['members'][0]}']", "1000")
    kept = page.evaluate(KEPT)
    assert "megp-sheet-v1" in kept["caches"] and kept["workers"] == 1, kept
    assert any(k.startswith(f"megp-sheet:{w['group']}:") for k in kept["storage"]), kept

    asked: list[str] = []

    def no(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", no)
    page.click("#sign-out button")
    page.wait_for_timeout(500)
    assert asked and "nunca se envió" in asked[0], asked
    assert page.url.endswith("/period-sheet")  # still signed in, the sheet still kept
    assert page.evaluate(KEPT)["storage"] == kept["storage"]

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#sign-out button")
    page.wait_for_url(f"{console}/sign-in")
    assert page.evaluate(KEPT) == {"caches": [], "storage": [], "workers": 0}
    page.goto(f"{console}/groups/{w['group']}/period-sheet")
    assert page.url.endswith("/sign-in")  # the session is gone too


def test_a_board_representative_approves_a_loan_with_the_rule_beside_it(
    context: BrowserContext, console: str, tokens: Any, loan_world: dict[str, str]
) -> None:
    loan = apply_for_loan(tokens, loan_world, "telares nuevos")
    page = context.new_page()
    sign_in(
        page,
        console,
        "board_representative",
        "09",
        participant_id=loan_world["rep"],
        group_ids=loan_world["group"],
    )
    page.click("nav >> text=Aprobaciones")
    card = page.locator(f"#loan-{loan['id']}")
    assert "¶55" in card.inner_text() and "$3,000.00" in card.inner_text()
    accessible(page, "approvals")
    card.get_by_role("button", name="Aprobar por el consejo").click()
    page.wait_for_selector(f"#decided-loan-{loan['id']}:has-text('Aprobado por el consejo')")
    seen = ok(
        httpx.get(
            f"{loan_world['credit']}/v1/loans/{loan['id']}",
            headers=tokens.header(Role.PROGRAMME_SUPERVISOR),
        )
    )
    assert seen["board_approved_by"] == loan_world["rep"]
    page.goto(f"{console}/groups/{loan_world['group']}")
    page.click(f"tr[data-loan='{loan['id']}'] a")  # the loan's own page, with its schedule
    assert page.locator("h1").inner_text() == "Préstamo: telares nuevos"
    assert page.locator("#no-schedule").count() == 1  # not disbursed: no schedule yet


def credit_today(credit: str, tokens: Any) -> date:
    clock = httpx.get(f"{credit}/v1/admin/clock", headers=tokens.header(Role.PROGRAMME_SUPERVISOR))
    return datetime.fromisoformat(ok(clock)["now"]).date()


def test_the_group_screen_lists_the_groups_leases(
    context: BrowserContext, console: str, tokens: Any, loan_world: dict[str, str]
) -> None:
    """A lease the ODF signed [¶91] appears on the group screen, from credit's list of leases."""
    body = {
        "group_id": loan_world["group"],
        "asset": "telar de pedal",
        "lessee_id": loan_world["member"],
        "rent": "450.00",
        "term_months": 12,
        "first_due": (credit_today(loan_world["credit"], tokens) + timedelta(days=40)).isoformat(),
    }
    headers = keyed("POST", tokens.header(Role.ODF_STAFF, states=("09",)))
    lease = ok(httpx.post(f"{loan_world['credit']}/v1/leases", json=body, headers=headers), 201)
    page = context.new_page()
    sign_in(page, console, "programme_supervisor", "09")
    page.goto(f"{console}/groups/{loan_world['group']}")
    row = page.locator(f"tr[data-lease='{lease['id']}']")
    assert "telar de pedal" in row.inner_text() and "$450.00" in row.inner_text()
    assert "0 / 12" in row.inner_text()  # no rent paid yet


@pytest.mark.parametrize(
    ("role", "fields"),
    [
        ("donor_portal", {"organization": "Fundación Ejemplo"}),
        ("committee_member", {}),
        ("partner_bank", {"organization": "Banco Ejemplo"}),
    ],
)
def test_a_donor_a_committee_member_or_a_bank_finds_no_decision_control_anywhere(
    context: BrowserContext,
    console: str,
    tokens: Any,
    loan_world: dict[str, str],
    decisions_world: dict[str, Any],
    role: str,
    fields: dict[str, str],
) -> None:
    waiting = apply_for_loan(tokens, loan_world, "tintes naturales")
    gid = decisions_world["group"]
    page = context.new_page()
    sign_in(page, console, role, "*", group_ids=f"{loan_world['group']},{gid}", **fields)
    assert page.locator("nav >> text=Aprobaciones").count() == 0
    for path in ("/", "/groups", f"/groups/{gid}", f"/approvals?group={loan_world['group']}"):
        page.goto(f"{console}{path}")
        no_decision_controls(page)
    if role == "donor_portal":
        # credit, funds and enrollment answer a donor portal nothing (the donor gate: its view
        # of a group is the donors service's public one): each part says so in plain words
        assert page.locator(f"#loan-{waiting['id']}").count() == 0
        assert page.locator(f"#spending-{decisions_world['spending']['id']}").count() == 0
        candidate = decisions_world["candidate"]["candidate_id"]
        assert page.locator(f"#candidate-{candidate}").count() == 0
        assert page.locator("text=Su función no le permite hacer esto.").count() >= 1
    # pressing one anyway: the console refuses, and the services would too
    for decision, form in (
        (f"/approvals/loans/{waiting['id']}/board-approval", {}),
        (
            f"/approvals/funds/{gid}/spending-requests/{decisions_world['spending']['id']}/approval",
            {},
        ),
        (
            f"/approvals/groups/{gid}/board/special-members",
            {"candidate_id": decisions_world["candidate"]["candidate_id"]},
        ),
    ):
        refused = page.request.post(f"{console}{decision}", form={"key": str(uuid.uuid4()), **form})
        assert refused.status == 403, decision


def test_a_board_representative_approves_a_spend_and_appoints_a_candidate(
    context: BrowserContext, console: str, decisions_world: dict[str, Any]
) -> None:
    w = decisions_world
    gid, spending, candidate = w["group"], w["spending"], w["candidate"]
    page = context.new_page()
    sign_in(
        page,
        console,
        "board_representative",
        w["state"],
        participant_id=w["members"][0],
        group_ids=gid,
    )
    page.goto(f"{console}/approvals")
    card = page.locator(f"#spending-{spending['id']}")
    assert "¶72" in card.inner_text() and "$120.00" in card.inner_text()
    proposed = page.locator(f"#candidate-{candidate['candidate_id']}")
    assert "¶54" in proposed.inner_text() and "Ing. Rosa Méndez" in proposed.inner_text()
    accessible(page, "approvals-spending-board")
    card.get_by_role("button", name="Aprobar el gasto").click()
    page.wait_for_selector(
        f"#decided-spending-{spending['id']}:has-text('el gasto quedó registrado')"
    )
    proposed.get_by_role("button", name="Nombrar por el consejo").click()
    page.wait_for_selector(
        f"#decided-candidate-{candidate['candidate_id']}:has-text('Nombrado por el consejo')"
    )
    drive = w["drive"]
    board = ok(drive.client.get(f"/groups/{gid}/board", headers=drive.staff))
    assert [s["candidate_id"] for s in board["special_members"]] == [candidate["candidate_id"]]
    staff = drive.staff
    (decided,) = httpx.get(f"{w['funds']}/v1/funds/{gid}/spending-requests", headers=staff).json()
    assert (decided["status"], decided["approved_by"]) == ("approved", w["members"][0])
    page.goto(f"{console}/groups/{gid}")  # the group screen lists its project's committees
    assert "Comité de apoyo" in page.locator("#committees").inner_text()
    page.goto(f"{console}/approvals")  # decided: nothing of either kind waits any more
    assert (
        page.locator(f"#spending-{spending['id']}, #candidate-{candidate['candidate_id']}").count()
        == 0
    )


def test_the_dashboard_shows_the_services_own_figures(
    context: BrowserContext,
    console: str,
    platform: Platform,
    tokens: Any,
    sheet_world: dict[str, Any],
) -> None:
    reader = tokens.header(Role.PROGRAMME_SUPERVISOR)
    page = context.new_page()
    sign_in(page, console, "programme_supervisor", "*")
    page.click("nav >> text=Tablero")
    accessible(page, "dashboard")

    def reports() -> tuple[Any, Any, Any]:
        def get(service: str, path: str) -> Any:
            url = platform.processes[service].url
            return ok(httpx.get(f"{url}/v1{path}", headers=reader, timeout=30))

        return (
            get("enrollment", "/reports/participation"),
            get("funds", "/fund-summaries/by-state"),
            get("credit", "/portfolio?by=state"),
        )

    participation, funds, portfolio = reports()
    funds_url = platform.processes["funds"].url
    enrollment_url = platform.processes["enrollment"].url
    state = sheet_world["state"]
    shown = page.locator(f"#participants-table tr[data-state='{state}'] td").first
    assert int(shown.get_attribute("data-value") or -1) == participation["by_state"][state]
    for st, count in participation["by_state"].items():
        cell = page.locator(f"#participants-table tr[data-state='{st}'] td").first
        assert int(cell.get_attribute("data-value") or -1) == count, st
    for row in funds:
        for field in ("funds", "development_subfund", "competition_subfund", "trust_cash"):
            cell = page.locator(
                f"#funds-table tr[data-state='{row['state_code']}'] td[data-field='{field}']"
            )
            assert cell.get_attribute("data-value") == str(row[field]), (row, field)
    for row in portfolio:
        base = f"#credit-table tr[data-state='{row['key']}']"
        outstanding = page.locator(f"{base} td[data-field='outstanding_principal']")
        assert outstanding.get_attribute("data-value") == row["outstanding_principal"]
        par = page.locator(f"{base} td[data-field='par30']").get_attribute("data-value")
        assert Decimal(str(par)) == Decimal(str(row["par30"]))
    women = page.locator("[data-total-share='women']").inner_text()
    expected = Decimal(str(participation["equal_opportunity_shares"]["women"]))
    assert women.replace("\xa0", " ").startswith(f"{expected * 100:.1f}"), women
    assert (
        int(page.locator("[data-total=participants]").inner_text().replace(",", ""))
        == (participation["participants"])
    )
    # one group over the last six months: each table cell is what funds and enrollment answer
    gid = sheet_world["group"]
    page.goto(f"{console}/dashboard?group={gid}")
    clock = ok(httpx.get(f"{enrollment_url}/v1/admin/clock", headers=reader, timeout=30))
    today = datetime.fromisoformat(clock["now"]).date()
    days = page.locator("#fund-over-time tbody tr")
    assert days.count() == 7  # six months' ends, and today
    assert days.nth(6).get_attribute("data-day") == today.isoformat()
    for i in range(7):
        on = date.fromisoformat(str(days.nth(i).get_attribute("data-day")))
        st = ok(
            httpx.get(f"{funds_url}/v1/funds/{gid}/statement?on={on}", headers=reader, timeout=30)
        )
        for field in ("development_subfund", "competition_subfund"):
            shown = page.locator(f"#fund-over-time tr[data-day='{on}'] td[data-field='{field}']")
            assert Decimal(str(shown.get_attribute("data-value"))) == Decimal(st[field]), (
                on,
                field,
            )
    months = page.locator("#income-over-time tbody tr")
    assert months.count() == 6
    last = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    assert months.nth(5).get_attribute("data-month") == last.isoformat()  # the last whole month
    for i in range(6):
        month = date.fromisoformat(str(months.nth(i).get_attribute("data-month")))
        period = httpx.get(
            f"{enrollment_url}/v1/groups/{gid}/periods/{month}", headers=reader, timeout=30
        )
        line = f"#income-over-time tr[data-month='{month}']"
        if period.status_code == 404:
            assert page.locator(f"{line} td[data-field]").count() == 0
            continue
        results = [m["result"] for m in ok(period)["members"] if m["result"]]
        for field in ("income", "baseline", "incremental_income"):
            shown = page.locator(f"{line} td[data-field='{field}']").get_attribute("data-value")
            assert Decimal(str(shown)) == sum(Decimal(r[field]) for r in results), (month, field)
    page.wait_for_selector("#over-time")
    accessible(page, "dashboard-over-time")
    # English is one click away, with the same figures
    page.click("a[lang=en]")
    assert page.locator("h1").inner_text() == "Programme dashboard"
    publish_screenshots()


def test_a_state_office_enrolls_a_sheet_and_odf_staff_enter_the_signed_letters(
    context: BrowserContext, console: str, sheet_world: dict[str, Any]
) -> None:
    """A registration sheet with a line whose birth date does not match its CURP enrolls
    nobody and says so beside that line; corrected, it enrolls both. Their signed letters
    then join them to the group, after an unknown participant was refused beside its line."""
    w = sheet_world
    drive, gid = w["drive"], w["group"]
    people = [drive.participant_body() for _ in range(2)]
    page = context.new_page()
    sign_in(page, console, "odf_staff", w["state"])
    page.click("nav >> text=Hoja de registro")
    page.select_option("#state_code", w["state"])
    for n, person in enumerate(people, start=1):
        for name in ("curp", "given_names", "first_surname", "birth_date", "municipality"):
            page.fill(f"#{name}-{n}", person[name])
        page.select_option(f"#gender-{n}", person["gender"])
    page.fill("#birth_date-2", "1950-01-01")  # not the date in the CURP
    page.click("#registration-sheet button[type=submit]")
    refused = page.locator("#line-2 .field-problem")
    assert "Inscripción rechazó esta línea" in refused.inner_text()
    assert page.locator("#line-1 .field-problem").count() == 0
    assert page.input_value("#curp-1") == people[0]["curp"]  # the sheet is as typed
    found = drive.client.get(
        "/participants", params={"curp": people[0]["curp"]}, headers=drive.staff
    )
    assert ok(found)["items"] == []  # nobody was enrolled
    accessible(page, "registration-sheet")
    page.fill("#birth_date-2", people[1]["birth_date"])
    page.click("#registration-sheet button[type=submit]")
    result = page.locator("#registration-result")
    assert result.get_attribute("data-enrolled") == "2"
    ids = [li.get_attribute("data-participant") or "" for li in result.locator("li").all()]

    page.goto(f"{console}/groups/{gid}")
    assert page.locator("#plans tr[data-plan]").count() == len(w["members"])  # staff read plans
    page.click("text=Cartas firmadas")
    page.fill("#participant_id-1", ids[0])
    page.fill("#business_reason-1", "vender juntas")
    page.fill("#participant_id-2", "nadie-aqui")
    page.fill("#business_reason-2", "vender juntas")
    page.click("#intake-sheet button[type=submit]")
    assert "no such participant" in page.locator("#line-2 .field-problem").inner_text()
    accessible(page, "intake-sheet")
    page.fill("#participant_id-2", ids[1])
    page.click("#intake-sheet button[type=submit]")
    assert page.locator("#intake-result").get_attribute("data-joined") == "2"
    members = ok(
        drive.client.get(
            f"/groups/{gid}/members", params={"status": "active", "limit": 200}, headers=drive.staff
        )
    )
    assert set(ids) <= {m["participant_id"] for m in members["items"]}


def test_the_trade_screen_shows_a_groups_products(
    context: BrowserContext,
    console: str,
    platform: Platform,
    tokens: Any,
    sheet_world: dict[str, Any],
) -> None:
    w = sheet_world
    trade = platform.processes["trade"].url
    product = {
        "group_id": w["group"],
        "producer_id": w["members"][0],
        "name": "rebozo de algodón",
        "category": "textiles",
        "niche": "tiendas de comercio justo",
        "unit": "piece",
        "price_mxn": "850.00",
        "stock": 12,
        "programmes": ["popular art"],
    }
    staff = tokens.header(Role.ODF_STAFF, states=(w["state"],))
    listed = eventually(
        lambda: httpx.post(
            f"{trade}/v1/products", json=product, headers=keyed("POST", staff), timeout=30
        ),
        201,
        "trade never learnt the group",
    ).json()
    page = context.new_page()
    sign_in(page, console, "odf_staff", w["state"], group_ids=w["group"])
    page.click("nav >> text=Comercio")
    row = page.locator(f"tr[data-product='{listed['id']}']").inner_text()
    assert "rebozo de algodón" in row and "$850.00" in row and "12" in row, row
    assert "No hay órdenes de compra" in page.locator(f"#orders-{w['group']}").inner_text()
    accessible(page, "trade")


def test_an_inventor_sees_their_disclosures_and_no_one_else_does(
    context: BrowserContext, console: str, platform: Platform, tokens: Any
) -> None:
    drive = Driver(platform.processes["enrollment"].url, tokens.header, state="27")
    circle = seed_circle(
        drive, platform.processes["ip-counsel"].url, tokens.header, random.Random()
    )
    with httpx.Client(
        base_url=f"{circle.ip}/v1", timeout=30, event_hooks={"request": [key_writes]}
    ) as ip:
        disclosed = eventually(
            lambda: ip.post(
                "/disclosures", json=disclosure_body(circle), headers=circle.inventor()
            ),
            201,
            "ip-counsel never learnt the group",
        ).json()
    page = context.new_page()
    sign_in(page, console, "participant", circle.state, participant_id=circle.inventors[0])
    page.click("nav >> text=Mis invenciones")
    card = page.locator(f"#disclosure-{disclosed['id']}")
    assert "construction" in card.inner_text()
    content = page.content()
    assert not [w for w in circle.words.values() if w in content]  # never the content
    accessible(page, "inventions")
    sign_in(page, console, "participant", circle.state, participant_id=circle.member)
    page.goto(f"{console}/inventions")  # a member of the group who is no inventor
    assert page.locator("article[id^=disclosure-]").count() == 0
    assert "no es inventora o inventor" in page.inner_text("main")


def test_the_dashboard_shows_a_states_months_as_the_services_recorded_them(
    context: BrowserContext,
    console: str,
    platform: Platform,
    tokens: Any,
    sheet_world: dict[str, Any],
) -> None:
    """A state's supervisor sees their state over twelve months, a national one the state they
    pick: every cell of the three tables (fund balances, PAR30, income growth) is what funds,
    credit and enrollment answer that person. Runs last: it moves the clock a month on, so the
    month in which the sheet's group opened its fund ends."""
    w = sheet_world
    state, drive = w["state"], w["drive"]
    drive.move_clock_to(drive.first_of_next_month(drive.today()) + timedelta(days=1))
    ended = (drive.today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    url = {name: platform.processes[name].url for name in ("funds", "credit", "enrollment")}
    paths = {
        "funds": "/fund-summaries/by-state/history",
        "credit": "/portfolio/history",
        "enrollment": "/reports/income-growth/by-period",
    }

    def answers(reader: dict[str, str], **params: str) -> dict[str, Any]:
        def get(service: str) -> Any:
            extra = (
                {"state_code": params["state"]} if service == "enrollment" and params else params
            )
            return ok(
                httpx.get(
                    f"{url[service]}/v1{paths[service]}", headers=reader, params=extra, timeout=30
                )
            )

        deadline = time.monotonic() + 60
        while True:  # funds and credit write the month that ended at their next tick
            found = {service: get(service) for service in paths}
            done = [
                found[s]["months"][-1]["month"] if found[s]["months"] else ""
                for s in ("funds", "credit")
            ]
            if done == [ended, ended]:
                return found
            assert time.monotonic() < deadline, done
            time.sleep(0.5)

    def cells(table: str, month: str) -> dict[str, Decimal | None]:
        row = page.locator(f"#{table} tr[data-month='{month}'] td[data-field]")
        values = {
            str(row.nth(i).get_attribute("data-field")): row.nth(i).get_attribute("data-value")
            for i in range(row.count())
        }
        return {k: Decimal(v) if v else None for k, v in values.items()}

    def the_tables_are(found: dict[str, Any]) -> None:
        funds = found["funds"]["months"]
        assert page.locator("#funds-history tbody tr").count() == len(funds) > 0
        for m in funds:
            t = m["total"]
            assert cells("funds-history", m["month"]) == {
                "funds": Decimal(t["funds"]),
                "development_subfund": Decimal(t["development_subfund"]),
                "competition_subfund": Decimal(t["competition_subfund"]),
                "total": Decimal(t["development_subfund"]) + Decimal(t["competition_subfund"]),
                "trust_cash": Decimal(t["trust_cash"]),
            }, m
        assert funds[-1]["total"]["funds"] >= 1  # the sheet's group had its fund by then
        credit = found["credit"]["months"]
        assert page.locator("#credit-history tbody tr").count() == len(credit) > 0
        for m in credit:
            t = m["total"]
            assert cells("credit-history", m["month"]) == {
                "loans": Decimal(t["loans"]),
                "outstanding_principal": Decimal(t["outstanding_principal"]),
                "par30": Decimal(t["par30"]),
            }, m
        growth = found["enrollment"]["months"]
        assert page.locator("#growth-history tbody tr").count() == len(growth)
        for m in growth:
            t = m["total"]
            rate = t["growth_rate"]
            assert cells("growth-history", m["month"]) == {
                "members": Decimal(t["members"]),
                "total_income": Decimal(t["total_income"]),
                "total_baseline": Decimal(t["total_baseline"]),
                "incremental_income": Decimal(t["incremental_income"]),
                "growth_rate": None if rate is None else Decimal(rate),
            }, m

    page = context.new_page()
    # a state's supervisor: their state, without choosing it
    sign_in(page, console, "programme_supervisor", state)
    found = answers(tokens.header(Role.PROGRAMME_SUPERVISOR, states=(state,)))
    page.goto(f"{console}/dashboard")
    assert all(m["total"]["state_code"] == "all" for m in found["funds"]["months"])
    the_tables_are(found)
    page.locator("#state-over-time").scroll_into_view_if_needed()
    accessible(page, "dashboard-state-over-time")
    # a national supervisor picks the state: the same figures, the state's own
    sign_in(page, console, "programme_supervisor", "*")
    national = answers(tokens.header(Role.PROGRAMME_SUPERVISOR), state=state)
    page.goto(f"{console}/dashboard?state={state}")
    assert "Estado" in page.locator("#state-over-time").inner_text()
    the_tables_are(national)
    assert [m["total"] for m in national["funds"]["months"]] == [
        {**m["total"], "state_code": state} for m in found["funds"]["months"]
    ]


DOC_SCREENS = ("period-sheet", "group", "approvals", "dashboard", "dashboard-state-over-time")
#: kept from test_console_screens.py and test_console_founding.py when they ran before
OTHER_MODULES_SCREENS = (
    "counsellor",
    "approvals-board",
    "trade-orders",
    "approvals-first-representatives",
)


def publish_screenshots() -> None:
    """With MEGP_CONSOLE_DOC_SCREENSHOTS=1, copy this run's screenshots to docs/console/ (done
    once by hand: an ordinary run leaves the work tree as it was)."""
    if os.environ.get("MEGP_CONSOLE_DOC_SCREENSHOTS") != "1":
        return
    DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
    for name in (*DOC_SCREENS, *OTHER_MODULES_SCREENS):
        shot = SHOTS / f"{name}.png"
        if shot.exists():
            shutil.copyfile(shot, DOCS_SHOTS / f"{name}.png")
