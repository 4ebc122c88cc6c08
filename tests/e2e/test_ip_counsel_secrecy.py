"""The secrecy matrix of ¶3, generated from ip-counsel's own OpenAPI: every route with every
role (alone and all at once), a member of the inventors' group, an impostor counsellor, a
conflicted committee member, a co-inventor acting as a committee member, a national
supervisor, and the circle itself (the two inventors, the assigned counsellor, the reviewing
professor). The content's made-up words appear only in answers to the circle, each piece only
to those the rules let see it, no POST answer ever carries content, nobody outside the circle
changes the disclosure, and the read log names the circle's members only."""

from __future__ import annotations

import base64
import json
import random
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from megp_common.auth import Role
from megp_common.launcher import Platform
from megp_common.testing.enrollment_driver import Driver

from .ip_counsel_world import (
    Circle,
    assign_counsellor,
    disclose,
    distinctive,
    file_patent,
    license_and_report,
    open_review,
    seed_circle,
)

pytestmark = pytest.mark.e2e

STATE = "21"
CIRCLE = ("inventor 1", "inventor 2", "counsellor", "reviewer")


@pytest.fixture(scope="module")
def circle(platform: Platform, tokens: Any) -> Iterator[Circle]:
    drive = Driver(platform.processes["enrollment"].url, tokens.header, state=STATE)
    c = seed_circle(drive, platform.processes["ip-counsel"].url, tokens.header, random.Random())
    disclose(c)
    assign_counsellor(c)
    with c.client() as client:
        today = client.get("/admin/clock", headers=c.supervisor).json()["now"][:10]
        advice = {"held_on": today, "advice": c.words["advice"]}
        r = client.post(
            f"/disclosures/{c.disclosure_id}/sessions", json=advice, headers=c.counsellor()
        )
        assert r.status_code == 201, r.text
        open_review(c)
        base = f"/disclosures/{c.disclosure_id}/reviews/{c.review_id}"
        r = client.post(f"{base}/conflicts", headers=c.reviewer(c.student))
        assert r.status_code == 200, r.text
        marks = dict.fromkeys(
            ("secrecy", "originality", "excellence", "authenticity", "market_fit"), 3
        )
        r = client.post(
            f"{base}/scores",
            json={"scores": marks, "comment": c.words["comment"]},
            headers=c.reviewer(),
        )
        assert r.status_code == 200, r.text
    c.extra["licence_id"], c.extra["report_id"] = license_and_report(c)
    c.extra["filed_disclosure_id"], c.extra["filing_id"] = file_patent(c)
    yield c
    drive.client.close()


def callers(c: Circle) -> dict[str, dict[str, str]]:
    who = {f"{role.value}": c.as_(role) for role in Role}
    who |= {
        "every role at once": c.as_(*Role, participant_id=c.member),
        "national supervisor": c.as_(Role.PROGRAMME_SUPERVISOR, states=("*",)),
        "group member": c.as_(Role.PARTICIPANT, participant_id=c.member),
        "impostor counsellor": c.as_(Role.IP_COUNSELLOR, subject="not-the-counsellor"),
        "conflicted member": c.reviewer(c.student),
        "co-inventor as committee member": c.co_inventor_reviewer(),
        "inventor through a bank's token": c.as_(
            Role.PARTICIPANT, Role.PARTNER_BANK, participant_id=c.inventors[0]
        ),
        "inventor 1": c.inventor(0),
        "inventor 2": c.inventor(1),
        "counsellor": c.counsellor(),
        "reviewer": c.reviewer(),
    }
    return who


def operations(platform: Platform) -> list[tuple[str, str, dict[str, Any]]]:
    doc = httpx.get(f"{platform.processes['ip-counsel'].url}/openapi.json", timeout=30).json()
    return [
        (method, path, spec)
        for path, item in doc["paths"].items()
        if path.startswith("/v1/") and "admin" not in path
        for method, spec in item.items()
        if method in ("get", "post")
    ]


def fill(c: Circle, path: str) -> str:
    values = {
        "disclosure_id": c.disclosure_id,
        "review_id": c.review_id,
        "counsellor_id": c.counsellor_id,
        "filing_id": c.extra["filing_id"],
        "number": "1",
    } | c.extra
    return re.sub(r"{(\w+)}", lambda m: values[m.group(1)], path)


def example(c: Circle, spec: dict[str, Any], doc_schemas: dict[str, Any]) -> Any:
    """The request schema's own example, with the circle's ids."""
    schema = (
        spec.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    )
    if schema is None:
        return None
    ref = schema.get("$ref") or next(
        (o["$ref"] for o in schema.get("anyOf", []) if "$ref" in o), None
    )
    if ref is None:
        return None
    body = (doc_schemas[ref.rsplit("/", 1)[1]].get("examples") or [{}])[0]
    text = json.dumps(body)
    found = re.findall(r'"participant_id": "([^"]+)"', text)
    for old, new in zip(found, c.inventors, strict=False):
        text = text.replace(old, new)
    body = json.loads(text)
    named = (
        ("group_id", c.group_id),
        ("counsellor_id", c.counsellor_id),
        ("disclosure_id", c.extra["filed_disclosure_id"]),
    )
    for name, value in named:
        if name in body:
            body[name] = value
    return body


#: Who sees which piece, by route: the revision's content (inventors, counsellor, reviewer),
#: the advice (inventors, counsellor), the reviewer's comment (the whole circle).
SEES = {
    "/v1/disclosures/{disclosure_id}": set(CIRCLE),
    "/v1/disclosures/{disclosure_id}/revisions/{number}": set(CIRCLE),
    "/v1/disclosures/{disclosure_id}/sessions": {"inventor 1", "inventor 2", "counsellor"},
    "/v1/disclosures/{disclosure_id}/reviews/{review_id}": set(CIRCLE),
}


def test_content_reaches_the_circle_only(circle: Circle, platform: Platform) -> None:
    c = circle
    words = distinctive(c.words)
    ops = operations(platform)
    doc = httpx.get(f"{c.ip}/openapi.json", timeout=30).json()
    who = callers(c)
    assert len(ops) >= 15 and len(who) >= 19
    with c.client() as client:
        before = client.get(f"/disclosures/{c.disclosure_id}", headers=c.supervisor).json()
        filing = f"/filings/{c.extra['filing_id']}"
        filed_before = client.get(filing, headers=c.supervisor).json()
        saw: dict[str, set[str]] = {}
        wrong: list[str] = []
        tried = 0
        accepted: list[str] = []
        for method, path, spec in ops:
            for name, header in who.items():
                if method == "post" and name in CIRCLE:
                    continue  # the circle's writes are the flow test's; here nothing may change
                body = example(c, spec, doc["components"]["schemas"])
                query = {"group_id": c.group_id} if path == "/v1/disclosures" else None
                r = client.request(
                    method.upper(), fill(c, path)[3:], json=body, params=query, headers=header
                )
                tried += 1
                if method == "post" and r.status_code < 300:
                    accepted.append(f"{path} as {name}: {r.status_code}")
                if r.status_code >= 500:
                    wrong.append(f"{method} {path} as {name}: {r.status_code}")
                leaked = [w for w in words if w in r.text]
                if leaked:
                    saw.setdefault(path, set()).add(name)
                    if method == "post":
                        wrong.append(f"POST {path} as {name} answered content {leaked}")
        print(f"\nsecrecy matrix: {len(ops)} operations x {len(who)} callers, {tried} requests")
        for path in set(SEES) | set(saw):
            seen, meant = sorted(saw.get(path, set())), sorted(SEES.get(path, set()))
            if seen != meant:
                wrong.append(f"{path}: seen by {seen}, not {meant}")
        after = client.get(f"/disclosures/{c.disclosure_id}", headers=c.supervisor).json()
        assert after == before, f"the disclosure changed; writes taken: {accepted}"
        filed_after = client.get(filing, headers=c.supervisor).json()
        assert filed_after == filed_before, f"the filing changed; writes taken: {accepted}"
        log = client.get(f"/disclosures/{c.disclosure_id}/access-log", headers=c.inventor()).json()
    assert not wrong, "\n".join(wrong)
    readers = {r["subject"] for r in log["reads"]}
    circle_subjects = {json.loads(_claims(who[n]))["sub"] for n in CIRCLE}
    assert readers and readers <= circle_subjects, readers - circle_subjects


def _claims(header: dict[str, str]) -> str:
    payload = header["Authorization"].split(".")[1]
    return base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
