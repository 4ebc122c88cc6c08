"""A counsellor finds themself and their cases, with the platform running: `GET
/counsellors?signed_in=true` lists only the registered counsellor the token signs in as (the
role and the registered subject; nobody for anyone else), and `GET
/disclosures?counsellor_id=` lists only the disclosures assigned to them, metadata only."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest

from megp_common.auth import Role
from megp_common.launcher import Platform
from megp_common.testing.enrollment_driver import Driver

from .ip_counsel_world import Circle, assign_counsellor, disclose, seed_circle
from .test_ip_counsel import STATE, call, leaks

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def circle(platform: Platform, tokens: Any) -> Iterator[Circle]:
    drive = Driver(platform.processes["enrollment"].url, tokens.header, state=STATE)
    c = seed_circle(drive, platform.processes["ip-counsel"].url, tokens.header, random.Random())
    yield c
    drive.client.close()


def test_a_counsellor_finds_themself_and_the_disclosures_assigned_to_them(c: Circle) -> None:
    mine_only = "/counsellors?signed_in=true"
    (me,) = call(c, "GET", mine_only, c.counsellor(), 200)["items"]
    assert (me["id"], me["name"]) == (c.counsellor_id, "Lic. Ana López")
    assert "subject" not in me
    for someone in (
        c.as_(Role.IP_COUNSELLOR),  # the role, another subject
        c.as_(Role.PROGRAMME_SUPERVISOR, subject=c.counsellor_subject),  # the subject, no role
        c.supervisor,
    ):
        assert call(c, "GET", mine_only, someone, 200) == {"items": [], "next_cursor": None}
    assert len(call(c, "GET", "/counsellors", c.supervisor, 200)["items"]) >= 1  # the register
    call(c, "GET", "/counsellors?signed_in=maybe", c.counsellor(), 422)

    disclose(c)
    mine = f"/disclosures?counsellor_id={c.counsellor_id}"
    assert call(c, "GET", mine, c.counsellor(), 200)["items"] == []  # not assigned yet
    assign_counsellor(c)
    found = call(c, "GET", mine, c.counsellor(), 200)["items"]
    assert [d["id"] for d in found] == [c.disclosure_id]
    assert leaks(found, c) == []
    assert call(c, "GET", "/disclosures?counsellor_id=nobody", c.supervisor, 200)["items"] == []
    call(c, "GET", mine + "&state_code=09", c.counsellor(), 403)  # outside the token's states


@pytest.fixture
def c(circle: Circle) -> Circle:
    return circle
