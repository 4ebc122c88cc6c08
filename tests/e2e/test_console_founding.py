"""A board with no member representatives yet, in Debian's Chromium against the running
platform: its first representatives are appointed by an active member acting for the group
[¶49]. The console offers that appointment to the group's active members only while the board
has none, with the rule beside it; somebody who is no active member is offered nothing, and
enrollment refuses their forged POST; once the board has a representative, a member who is not
one is offered nothing more."""

from __future__ import annotations

import random
import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext

from megp_common.launcher import Platform
from megp_common.testing.enrollment_driver import Driver, ok

from .test_console import accessible, sign_in

pytestmark = pytest.mark.e2e


def test_an_active_member_appoints_the_boards_first_representative(
    context: BrowserContext, platform: Platform, tokens: Any
) -> None:
    console = platform.processes["console"].url
    state = f"{random.randint(1, 32):02d}"
    drive = Driver(platform.processes["enrollment"].url, tokens.header, state=state)
    group, members = drive.active_group(members=5)
    gid = group["id"]
    assert representatives(drive, gid) == []
    page = context.new_page()

    # somebody whose token names the group but who is none of its active members
    outsider = f"P-{uuid.uuid4().hex[:10]}"
    sign_in(page, console, "participant", state, participant_id=outsider, group_ids=gid)
    page.goto(f"{console}/approvals?group={gid}")
    assert page.locator(f"#representative-{gid}").count() == 0
    assert page.locator(f"#founding-{gid}").count() == 0
    forged = httpx.post(
        f"{console}/approvals/groups/{gid}/board/representatives",
        data={"key": str(uuid.uuid4()), "participant_id": members[0]},
        cookies={c["name"]: c["value"] for c in context.cookies()},
    )
    assert forged.status_code == 403, forged.text  # enrollment's refusal [¶49], in plain words
    assert representatives(drive, gid) == []

    # an active member is offered the appointment, from the group's page, with its rule
    context.clear_cookies()
    sign_in(page, console, "participant", state, participant_id=members[1], group_ids=gid)
    page.goto(f"{console}/groups/{gid}")
    page.click("#found-board")
    page.wait_for_url(f"**/approvals?group={gid}")
    assert "primeros" in page.locator(f"#founding-{gid}").inner_text()
    rules = page.locator("ul.rules").last.inner_text()
    assert "¶49" in rules and "miembro activo" in rules
    accessible(page, "approvals-first-representatives")
    page.select_option(f"#representative-{gid}", members[0])
    page.locator(f"form[action='/approvals/groups/{gid}/board/representatives'] button").click()
    page.wait_for_selector(
        f"#decided-representative-{gid}:has-text('Se nombró a un representante')"
    )
    assert [(s["participant_id"], s["appointed_by"]) for s in representatives(drive, gid)] == [
        (members[0], members[1])
    ]

    # the board has its representative now: the member who is none is offered nothing more
    page.goto(f"{console}/approvals?group={gid}")
    assert page.locator(f"#representative-{gid}").count() == 0
    assert page.locator(f"#founding-{gid}").count() == 0
    page.goto(f"{console}/groups/{gid}")
    assert page.locator("#found-board").count() == 0


def representatives(drive: Driver, group_id: str) -> list[dict[str, Any]]:
    board = ok(drive.client.get(f"/groups/{group_id}/board", headers=drive.staff))
    found: list[dict[str, Any]] = board["representatives"]
    return found
