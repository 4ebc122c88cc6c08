"""The console's screens for counsellors, boards' seats and customers' orders, in Debian's
Chromium against the running platform (the browser, sign-in and axe helpers are
test_console.py's).

An IP counsellor signs in as the subject the programme registered, finds the disclosure
assigned to them, records a session (a day not come yet and an empty advice are refused beside
their fields, as typed) and ip-counsel holds it; a board representative appoints a member
representative and removes the seat (a reason too short is refused beside it), each beside its
rule, and enrollment's board says so; ODF staff ship a customer's paid order in two parts (more
than is open, or not a number, is refused beside the quantity) and trade says the line is
shipped and the order completed; a committee member sees the board's seats and the orders with
no decision or shipping control, a donor portal is refused the group's board by enrollment
(said on the page), and each forged POST is a 403. axe finds no serious or
critical violation on any of the three screens."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, expect

from megp_common.auth import Role
from megp_common.launcher import Platform
from megp_common.testing.enrollment_driver import Driver, ok
from megp_common.testing.keys import key_writes, keyed

from .ip_counsel_world import assign_counsellor, disclose, eventually, seed_circle
from .test_console import accessible, no_decision_controls, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def console(platform: Platform) -> str:
    return platform.processes["console"].url


@pytest.fixture(scope="module")
def board_world(platform: Platform, tokens: Any) -> dict[str, Any]:
    """An active group of five with its ODF and one member representative (the first member,
    appointed by the second), and a product of the first member on sale through trade, bought
    and paid by a customer (three units); and a second order, of that product and another of
    the group's, paid too (two lines to ship)."""
    state = f"{random.randint(1, 32):02d}"
    drive = Driver(platform.processes["enrollment"].url, tokens.header, state=state)
    group, members = drive.active_group(members=5)
    gid = group["id"]
    first = drive.as_("participant", participant_id=members[1])
    body = {"participant_id": members[0]}
    ok(drive.client.post(f"/groups/{gid}/board/representatives", json=body, headers=first), 201)
    trade = platform.processes["trade"].url
    staff = tokens.header(Role.ODF_STAFF, states=(state,))
    product = {
        "group_id": gid,
        "producer_id": members[0],
        "name": "jarro de barro negro",
        "category": "ceramics",
        "niche": "tiendas de comercio justo",
        "unit": "piece",
        "price_mxn": "240.00",
        "stock": 10,
        "programmes": ["popular art"],
    }
    listed = eventually(
        lambda: httpx.post(
            f"{trade}/v1/products", json=product, headers=keyed("POST", staff), timeout=30
        ),
        201,
        "trade never learnt the group",
    ).json()
    buyer = keyed("POST", tokens.header(Role.PARTICIPANT, states=(state,), subject="cliente-1"))
    lines = {"lines": [{"product_id": listed["id"], "quantity": 3}]}
    order = ok(httpx.post(f"{trade}/v1/orders", json=lines, headers=buyer, timeout=30), 201)
    paid = keyed("POST", tokens.header(Role.PARTICIPANT, states=(state,), subject="cliente-1"))
    ok(
        httpx.post(
            f"{trade}/v1/orders/{order['id']}/payment",
            json={"amount": order["total"]},
            headers=paid,
            timeout=30,
        )
    )
    other = {
        **product,
        "producer_id": members[2],
        "name": "rebozo de bolita",
        "price_mxn": "300.00",
    }
    second = ok(
        httpx.post(f"{trade}/v1/products", json=other, headers=keyed("POST", staff), timeout=30),
        201,
    )
    two = {
        "lines": [
            {"product_id": listed["id"], "quantity": 1},
            {"product_id": second["id"], "quantity": 2},
        ]
    }
    order2 = ok(
        httpx.post(
            f"{trade}/v1/orders",
            json=two,
            headers=keyed(
                "POST", tokens.header(Role.PARTICIPANT, states=(state,), subject="cliente-1")
            ),
            timeout=30,
        ),
        201,
    )
    ok(
        httpx.post(
            f"{trade}/v1/orders/{order2['id']}/payment",
            json={"amount": order2["total"]},
            headers=keyed(
                "POST", tokens.header(Role.PARTICIPANT, states=(state,), subject="cliente-1")
            ),
            timeout=30,
        )
    )
    return {
        "state": state,
        "group": gid,
        "members": members,
        "drive": drive,
        "trade": trade,
        "product": listed,
        "order": order,
        "order2": order2,
    }


def test_a_counsellor_records_a_session_on_a_case_assigned_to_them(
    context: BrowserContext, console: str, platform: Platform, tokens: Any
) -> None:
    drive = Driver(platform.processes["enrollment"].url, tokens.header, state="21")
    circle = seed_circle(
        drive, platform.processes["ip-counsel"].url, tokens.header, random.Random()
    )
    disclose(circle)
    assign_counsellor(circle)
    page = context.new_page()
    sign_in(page, console, "ip_counsellor", circle.state, subject=circle.counsellor_subject)
    page.click("nav >> text=Mis casos")
    assert page.locator("#counsellor-name").inner_text() == "Lic. Ana López"
    case = page.locator(f"#case-{circle.disclosure_id}")
    assert "construction" in case.inner_text() and "Aún no hay sesiones" in case.inner_text()
    assert not [w for w in circle.words.values() if w in page.content()]  # never the content
    today = drive.today()

    # a day not come yet: refused beside its field, the advice kept as typed
    case.locator("input[name=held_on]").fill((today + timedelta(days=3)).isoformat())
    case.locator("textarea[name=advice]").fill("Registrar primero un modelo de utilidad.")
    case.locator("select[name=route_recommended]").select_option("utility_model")
    key = case.locator("input[name=key]").input_value()
    case.get_by_role("button", name="Registrar la sesión").click()
    case = page.locator(f"#case-{circle.disclosure_id}")
    refused = case.locator(f"#problem-held_on-{circle.disclosure_id}")
    assert "a session is recorded once held" in refused.inner_text()
    assert case.locator("textarea[name=advice]").input_value().startswith("Registrar primero")
    assert case.locator("input[name=key]").input_value() == key  # the same request, corrected
    accessible(page, "counsellor-refused")

    # no advice: refused beside the advice
    case.locator("input[name=held_on]").fill(today.isoformat())
    case.locator("textarea[name=advice]").fill("")
    case.get_by_role("button", name="Registrar la sesión").click()
    case = page.locator(f"#case-{circle.disclosure_id}")
    assert "demasiado corto" in case.locator(f"#problem-advice-{circle.disclosure_id}").inner_text()

    case.locator("input[name=held_on]").fill(today.isoformat())
    case.locator("textarea[name=advice]").fill("Registrar primero un modelo de utilidad.")
    case.get_by_role("button", name="Registrar la sesión").click()
    page.wait_for_selector("text=La sesión quedó registrada.")
    case = page.locator(f"#case-{circle.disclosure_id}")
    assert "Registrar primero un modelo de utilidad." in case.inner_text()
    accessible(page, "counsellor")
    with httpx.Client(
        base_url=f"{circle.ip}/v1", timeout=30, event_hooks={"request": [key_writes]}
    ) as ip:
        sessions = ok(
            ip.get(f"/disclosures/{circle.disclosure_id}/sessions", headers=circle.counsellor())
        )
    assert [
        (s["held_on"], s["route_recommended"], s["advice"], s["counsellor_id"])
        for s in sessions["items"]
    ] == [
        (
            today.isoformat(),
            "utility_model",
            "Registrar primero un modelo de utilidad.",
            circle.counsellor_id,
        )
    ]

    # another subject with the counsellor's role is no counsellor: no cases, the reason said
    sign_in(page, console, "ip_counsellor", circle.state, subject=f"x-{uuid.uuid4().hex[:8]}")
    page.goto(f"{console}/counsel")
    assert page.locator("article[id^=case-]").count() == 0
    assert "No es una persona consejera registrada" in page.inner_text("main")


def test_a_board_representative_appoints_a_representative_and_removes_the_seat(
    context: BrowserContext, console: str, board_world: dict[str, Any]
) -> None:
    w = board_world
    gid, members, drive = w["group"], w["members"], w["drive"]
    page = context.new_page()
    sign_in(
        page,
        console,
        "board_representative",
        w["state"],
        participant_id=members[0],
        group_ids=gid,
    )
    page.goto(f"{console}/approvals")
    board = page.locator(f"#board-{gid}")
    assert board.locator("tr[data-seat]").count() == 1
    rules = page.locator("ul.rules").last.inner_text()
    assert "¶55" in rules and "¶49" in rules and "¶54" in rules
    accessible(page, "approvals-board")
    page.select_option(f"#representative-{gid}", members[2])
    page.locator(f"form[action='/approvals/groups/{gid}/board/representatives'] button").click()
    page.wait_for_selector(
        f"#decided-representative-{gid}:has-text('Se nombró a un representante')"
    )
    seated = ok(drive.client.get(f"/groups/{gid}/board", headers=drive.staff))
    new = [s for s in seated["representatives"] if s["participant_id"] == members[2]]
    assert len(new) == 1 and new[0]["appointed_by"] == members[0]

    page.goto(f"{console}/approvals")
    seat_id = new[0]["seat_id"]
    row = page.locator(f"tr[data-seat='{seat_id}']")
    row.locator("input[name=reason]").fill("no")  # too short: refused, said beside it
    row.get_by_role("button", name="Remover").click()
    page.wait_for_selector(f"#decided-seat-{seat_id} [data-field=reason]")
    assert "demasiado corto" in page.locator(f"#decided-seat-{seat_id}").inner_text()
    page.goto(f"{console}/approvals")
    row = page.locator(f"tr[data-seat='{seat_id}']")
    row.locator("input[name=reason]").fill("se mudó a otra ciudad")
    row.get_by_role("button", name="Remover").click()
    page.wait_for_selector(f"#decided-seat-{seat_id}:has-text('Removido del consejo')")
    after = ok(drive.client.get(f"/groups/{gid}/board", headers=drive.staff))
    assert [s["participant_id"] for s in after["representatives"]] == [members[0]]


def test_odf_staff_ship_a_customers_paid_order_in_two_parts(
    context: BrowserContext, console: str, tokens: Any, board_world: dict[str, Any]
) -> None:
    w = board_world
    gid, order = w["group"], w["order"]
    page = context.new_page()
    sign_in(page, console, "odf_staff", w["state"], group_ids=gid)
    page.click("nav >> text=Comercio")
    card = page.locator(f"#order-{order['id']}")
    assert "jarro de barro negro" in card.inner_text() and "$720.00" in card.inner_text()
    rules = page.locator("ul.rules").last.inner_text()
    assert "¶94" in rules and "¶97" in rules
    accessible(page, "trade-orders")
    quantity = card.locator(f"#quantity-{order['id']}-1")

    for typed, said in (("5", "3 units open"), ("dos", "")):
        quantity.fill(typed)
        card.get_by_role("button", name="Enviar").click()
        card = page.locator(f"#order-{order['id']}")
        beside = card.locator(f"#problem-quantity-{order['id']}-1")
        expect(beside).to_have_count(1)  # the refused page has come back
        assert said in beside.inner_text()
        assert card.locator(f"#quantity-{order['id']}-1").input_value() == typed  # as typed
        quantity = card.locator(f"#quantity-{order['id']}-1")
    accessible(page, "trade-orders-refused")

    quantity.fill("2")
    card.get_by_role("button", name="Enviar").click()
    page.wait_for_selector("text=Enviado; trade lo registró.")
    card = page.locator(f"#order-{order['id']}")
    line = card.locator(f"tr[data-line='{order['id']}:1']")
    assert line.locator("[data-shipped]").inner_text() == "2"
    assert line.locator("[data-open]").inner_text() == "1"
    card.get_by_role("button", name="Enviar").click()  # empty: every unit still open
    expect(page.locator(f"#order-{order['id']}")).to_have_count(0)  # nothing left to ship
    page.get_by_role("link", name="Completados").click()
    page.wait_for_url("**orders=completed**")
    expect(page.locator(f"#order-{order['id']}")).to_have_count(1)
    seen = ok(
        httpx.get(
            f"{w['trade']}/v1/orders/{order['id']}",
            headers=tokens.header(Role.PROGRAMME_SUPERVISOR, states=(w["state"],)),
            timeout=30,
        )
    )
    assert seen["status"] == "completed" and seen["lines"][0]["shipped"] == 3


def test_odf_staff_ship_every_open_line_of_an_order_at_once(
    context: BrowserContext, console: str, tokens: Any, board_world: dict[str, Any]
) -> None:
    w = board_world
    order = w["order2"]
    page = context.new_page()
    sign_in(page, console, "odf_staff", w["state"], group_ids=w["group"])
    page.click("nav >> text=Comercio")
    card = page.locator(f"#order-{order['id']}")
    whole = card.locator(f"form[data-ship-order='{order['id']}']")
    expect(whole).to_have_count(1)
    whole.get_by_role("button", name="Enviar las 2 líneas pendientes").click()
    page.wait_for_selector("text=Enviado; trade lo registró.")
    expect(page.locator(f"#order-{order['id']}")).to_have_count(0)  # nothing left to ship
    seen = ok(
        httpx.get(
            f"{w['trade']}/v1/orders/{order['id']}",
            headers=tokens.header(Role.PROGRAMME_SUPERVISOR, states=(w["state"],)),
            timeout=30,
        )
    )
    assert seen["status"] == "completed"
    assert [(x["number"], x["shipped"]) for x in seen["lines"]] == [(1, 1), (2, 2)]


@pytest.mark.parametrize(
    ("role", "fields"),
    [("donor_portal", {"organization": "Fundación Oaxaca"}), ("committee_member", {})],
)
def test_a_donor_or_a_committee_member_sees_the_board_and_orders_with_no_control(
    context: BrowserContext,
    console: str,
    board_world: dict[str, Any],
    role: str,
    fields: dict[str, str],
) -> None:
    w = board_world
    gid, order = w["group"], w["order"]
    page = context.new_page()
    sign_in(page, console, role, w["state"], group_ids=gid, **fields)
    page.goto(f"{console}/approvals?group={gid}")
    if role == "donor_portal":  # enrollment no longer lets a donor portal read a group: said
        assert page.locator(".problem").count() >= 1  # in plain words, and no seat shown
        assert page.locator(f"#board-{gid} tr[data-seat]").count() == 0
    no_decision_controls(page)
    assert page.locator(f"#representative-{gid}, input[name=reason]").count() == 0
    page.goto(f"{console}/trade?group={gid}")
    no_decision_controls(page)
    assert page.locator("form[data-ship], form[data-shorten]").count() == 0
    seat_id = ok(w["drive"].client.get(f"/groups/{gid}/board", headers=w["drive"].staff))[
        "representatives"
    ][0]["seat_id"]
    for forged, form in (
        (f"/approvals/groups/{gid}/board/representatives", {"participant_id": w["members"][3]}),
        (f"/approvals/groups/{gid}/board/seats/{seat_id}/removal", {"reason": "porque sí"}),
        (f"/trade/orders/{order['id']}/lines/1/fulfilment", {"group": gid}),
        (f"/trade/orders/{order['id']}/lines/1/shortening", {"group": gid, "reason": "ya no"}),
    ):
        refused = page.request.post(f"{console}{forged}", form={"key": str(uuid.uuid4()), **form})
        assert refused.status == 403, forged
