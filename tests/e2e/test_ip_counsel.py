"""ip-counsel over HTTP and Kafka with the other services running: enrollment's events teach
it the inventors, their group and its Innovation Committee; an inventor records a disclosure
(bad input is a 4xx that writes nothing), revises it, a counsellor is assigned and counsels,
the committee reviews (a co-inventor and a declared conflict are refused), the inventors decide;
content reaches only the circle of ¶3, every read is in the log the inventors read, the events
carry metadata only, and a dump of the store holds no plaintext of the disclosure."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

import bson
import pytest
from pymongo import MongoClient

from megp_common.auth import Role
from megp_common.launcher import Platform
from megp_common.testing.enrollment_driver import Driver
from megp_common.testing.events import EventTap, distinct
from megp_common.testing.keys import UNKEYED

from .ip_counsel_world import (
    Circle,
    content,
    disclose,
    disclosure_body,
    distinctive,
    open_review,
    seed_circle,
)

pytestmark = pytest.mark.e2e

STATE = "20"
OTHER_STATE = "14"
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def circle(platform: Platform, tokens: Any) -> Iterator[Circle]:
    drive = Driver(platform.processes["enrollment"].url, tokens.header, state=STATE)
    c = seed_circle(drive, platform.processes["ip-counsel"].url, tokens.header, random.Random())
    yield c
    drive.client.close()


def call(c: Circle, method: str, path: str, headers: dict[str, str], expect: int, **kw: Any) -> Any:
    with c.client() as client:
        r = client.request(method, path, headers=headers, **kw)
    assert r.status_code == expect, f"{method} {path}: {r.status_code} {r.text}"
    if expect >= 400:
        assert r.headers["content-type"].startswith(PROBLEM)
    return r.json()


def leaks(body: Any, c: Circle) -> list[str]:
    text = json.dumps(body, ensure_ascii=False)
    return [w for w in distinctive(c.words) if w in text]


def test_bad_disclosures_are_refused_and_write_nothing(circle: Circle) -> None:
    c = circle
    disclose(c)  # ip-counsel knows the group now
    before = call(c, "GET", f"/disclosures?group_id={c.group_id}", c.supervisor, 200)["items"]
    uneven = disclosure_body(
        c,
        inventors=[
            {"participant_id": c.inventors[0], "share": "60"},
            {"participant_id": c.inventors[1], "share": "39.99"},
        ],
    )
    refused = call(c, "POST", "/disclosures", c.inventor(), 422, json=uneven)
    assert "99.99" in refused["detail"] and refused["total"] == "99.99"
    future = disclosure_body(c, public_disclosure_on="2999-01-01")
    assert call(c, "POST", "/disclosures", c.inventor(), 422, json=future)["field"] == (
        "public_disclosure_on"
    )
    not_inventor = disclosure_body(
        c,
        inventors=[
            {"participant_id": c.inventors[0], "share": "50"},
            {"participant_id": c.member, "share": "50"},
        ],
    )
    assert call(c, "POST", "/disclosures", c.inventor(), 422, json=not_inventor)["rule"] == "¶20"
    member = c.as_(Role.PARTICIPANT, participant_id=c.member)
    call(c, "POST", "/disclosures", member, 422, json=disclosure_body(c))  # not one of them
    staff = c.as_(Role.ODF_STAFF)
    call(c, "POST", "/disclosures", staff, 403, json=disclosure_body(c))
    elsewhere = c.as_(Role.PARTICIPANT, participant_id=c.inventors[0], states=(OTHER_STATE,))
    call(c, "POST", "/disclosures", elsewhere, 403, json=disclosure_body(c))
    call(c, "POST", "/disclosures", c.inventor(), 422, json=disclosure_body(c) | {"status": "x"})
    call(c, "POST", "/disclosures", c.inventor() | UNKEYED, 428, json=disclosure_body(c))
    shares_as_floats = disclosure_body(
        c,
        inventors=[
            {"participant_id": c.inventors[0], "share": 33.33333},
            {"participant_id": c.inventors[1], "share": 66.66667},
        ],
    )
    call(c, "POST", "/disclosures", c.inventor(), 422, json=shares_as_floats)
    after = call(c, "GET", f"/disclosures?group_id={c.group_id}", c.supervisor, 200)["items"]
    assert after == before and len(after) == 1


async def test_a_disclosure_from_recording_to_the_inventors_decision(
    circle: Circle, infra: Any
) -> None:
    c = circle
    async with EventTap(infra.kafka, "ip-counsel.events") as tap:
        body = disclosure_body(c)
        key = {"Idempotency-Key": f"flow-{c.group_id}"}
        made = call(c, "POST", "/disclosures", c.inventor() | key, 201, json=body)
        replay = call(c, "POST", "/disclosures", c.inventor() | key, 201, json=body)
        assert replay == made and not leaks(made, c)
        d = made["id"]
        assert made["status"] == "recorded" and [r["number"] for r in made["revisions"]] == [1]
        assert {i["participant_id"]: i["share"] for i in made["inventors"]} == {
            c.inventors[0]: "62.5",
            c.inventors[1]: "37.5",
        }

        # the inventors read the content; everyone else in the state sees metadata only
        mine = call(c, "GET", f"/disclosures/{d}", c.inventor(1), 200)
        assert mine["read_as"] == "inventor" and mine["content"]["title"] == c.words["title"]
        for outsider in (
            c.supervisor,
            c.as_(Role.ODF_STAFF),
            c.reviewer(),  # no review is open
            c.counsellor(),  # not assigned yet
            c.as_(Role.PARTICIPANT, participant_id=c.member),
        ):
            seen = call(c, "GET", f"/disclosures/{d}", outsider, 200)
            assert seen["content"] is None and seen["read_as"] is None and not leaks(seen, c)
            assert seen["status"] == "recorded"
        # a bank reads only its trust funds and its loans, even on an inventor's token
        for bank in (
            c.as_(Role.PARTNER_BANK, organization="Banorte"),
            c.as_(
                Role.PARTICIPANT,
                Role.PARTNER_BANK,
                participant_id=c.inventors[0],
                organization="Banorte",
            ),
            # nor a donor portal: it sees its community through donors' public view
            c.as_(Role.DONOR_PORTAL, organization="club"),
            c.as_(Role.PARTICIPANT, Role.DONOR_PORTAL, participant_id=c.inventors[0]),
        ):
            refused = call(c, "GET", f"/disclosures/{d}", bank, 403)
            assert not leaks(refused, c)
        call(c, "GET", f"/disclosures/{d}", c.as_(Role.PROGRAMME_SUPERVISOR, states=("14",)), 403)

        # revisions are kept and numbered
        second = content(c.words, suffix=" (rev 2)")
        revised = call(
            c, "POST", f"/disclosures/{d}/revisions", c.inventor(1), 201, json={"content": second}
        )
        assert [r["number"] for r in revised["revisions"]] == [1, 2] and not leaks(revised, c)
        first = call(c, "GET", f"/disclosures/{d}/revisions/1", c.inventor(), 200)
        assert first["content"]["title"] == c.words["title"] and first["revision"] == 1
        latest = call(c, "GET", f"/disclosures/{d}", c.inventor(), 200)
        assert latest["content"]["title"].endswith("(rev 2)") and latest["revision"] == 2
        call(c, "GET", f"/disclosures/{d}/revisions/3", c.inventor(), 404)
        call(
            c,
            "POST",
            f"/disclosures/{d}/revisions",
            c.as_(Role.PARTICIPANT, participant_id=c.member),
            403,
            json={"content": second},
        )

        # the programme assigns a counsellor, who reads and counsels
        call(
            c,
            "POST",
            f"/disclosures/{d}/counsellor",
            c.as_(Role.ODF_STAFF),
            403,
            json={"counsellor_id": c.counsellor_id},
        )
        call(
            c,
            "POST",
            f"/disclosures/{d}/counsellor",
            c.supervisor,
            422,
            json={"counsellor_id": "nobody"},
        )
        call(
            c,
            "POST",
            f"/disclosures/{d}/counsellor",
            c.supervisor,
            200,
            json={"counsellor_id": c.counsellor_id},
        )
        counselled = call(c, "GET", f"/disclosures/{d}", c.counsellor(), 200)
        assert counselled["read_as"] == "counsellor" and counselled["content"] is not None
        impostor = c.as_(Role.IP_COUNSELLOR, subject="someone-else")
        assert call(c, "GET", f"/disclosures/{d}", impostor, 200)["content"] is None
        session = {
            "held_on": counselled["created_at"][:10],
            "advice": c.words["advice"],
            "route_recommended": "utility_model",
        }
        call(c, "POST", f"/disclosures/{d}/sessions", impostor, 403, json=session)
        recorded = call(c, "POST", f"/disclosures/{d}/sessions", c.counsellor(), 201, json=session)
        assert recorded["number"] == 1 and recorded["advice"] is None  # answers carry no content
        advised = call(c, "GET", f"/disclosures/{d}/sessions", c.inventor(), 200)["items"]
        assert advised[0]["advice"] == c.words["advice"]
        told = call(c, "GET", f"/disclosures/{d}/sessions", c.supervisor, 200)["items"]
        assert told[0]["advice"] is None and told[0]["route_recommended"] == "utility_model"

        # the Innovation Committee reviews revision 2
        c.disclosure_id = d
        opened = open_review(c)
        r = opened["review_id"]
        assert opened["revision"] == 2 and opened["status"] == "open"
        reviewing = call(c, "GET", f"/disclosures/{d}", c.reviewer(), 200)
        assert reviewing["read_as"] == "reviewer" and reviewing["content"] is not None
        assert call(c, "GET", f"/disclosures/{d}/revisions/1", c.reviewer(), 200)["content"] is None
        call(c, "POST", f"/disclosures/{d}/revisions", c.inventor(), 409, json={"content": second})
        marks = {
            "secrecy": 4,
            "originality": 5,
            "excellence": 4,
            "authenticity": 5,
            "market_fit": 3,
        }
        scores = f"/disclosures/{d}/reviews/{r}/scores"
        refused = call(c, "POST", scores, c.co_inventor_reviewer(), 403, json={"scores": marks})
        assert refused["rule"] == "¶57" and "co-inventor" in refused["detail"]
        call(c, "POST", f"/disclosures/{d}/reviews/{r}/conflicts", c.reviewer(c.student), 200)
        refused = call(c, "POST", scores, c.reviewer(c.student), 403, json={"scores": marks})
        assert refused["type"].endswith("conflict-of-interest")
        assert call(c, "GET", f"/disclosures/{d}", c.reviewer(c.student), 200)["content"] is None
        call(
            c,
            "POST",
            scores,
            c.as_(Role.COMMITTEE_MEMBER, subject="not-a-member"),
            403,
            json={"scores": marks},
        )
        call(c, "POST", scores, c.reviewer(), 422, json={"scores": marks | {"secrecy": 6}})
        call(c, "POST", scores, c.reviewer(), 422, json={"scores": marks | {"secrecy": "4"}})
        scored = call(
            c,
            "POST",
            scores,
            c.reviewer(),
            200,
            json={"scores": marks, "comment": c.words["comment"]},
        )
        assert not leaks(scored, c)
        assert (
            call(c, "GET", f"/disclosures/{d}/reviews/{r}", c.inventor(), 200)["scores"][0][
                "comment"
            ]
            == c.words["comment"]
        )
        assert (
            call(c, "GET", f"/disclosures/{d}/reviews/{r}", c.supervisor, 200)["scores"][0][
                "comment"
            ]
            is None
        )
        outcome = f"/disclosures/{d}/reviews/{r}/outcome"
        call(c, "POST", outcome, c.reviewer(), 422, json={"recommendation": "copyright"})
        concluded = call(c, "POST", outcome, c.reviewer(), 200, json={"recommendation": "patent"})
        assert concluded["outcome"]["recommendation"] == "patent"
        assert concluded["outcome"]["means"]["originality"] == "5.00"
        # the review is over: the committee reads no more
        assert call(c, "GET", f"/disclosures/{d}", c.reviewer(), 200)["content"] is None

        # the committee recommends, the inventors decide [¶55]
        decision = f"/disclosures/{d}/decision"
        call(c, "POST", decision, c.reviewer(), 403, json={"choice": "publish"})
        call(
            c,
            "POST",
            decision,
            c.as_(Role.PARTICIPANT, Role.PARTNER_BANK, participant_id=c.inventors[0]),
            403,
            json={"choice": "publish"},
        )
        call(c, "POST", decision, c.inventor(), 422, json={"choice": "file"})
        decided = call(
            c,
            "POST",
            decision,
            c.inventor(),
            200,
            json={"choice": "file", "route": "utility_model"},
        )
        assert decided["status"] == "decided"
        assert decided["decision"]["follows_recommendation"] is False

        # the read log: who read, as what, which piece; the inventors and the programme see it
        log = call(c, "GET", f"/disclosures/{d}/access-log", c.inventor(1), 200)["reads"]
        seen = {(x["capacity"], x["what"]) for x in log}
        assert {
            ("inventor", "revision 1"),
            ("inventor", "revision 2"),
            ("counsellor", "revision 2"),
            ("reviewer", "revision 2"),
            ("inventor", "session 1"),
        } <= seen
        assert all(x["capacity"] in ("inventor", "counsellor", "reviewer") for x in log)
        assert {x["subject"] for x in log if x["capacity"] == "reviewer"} == {c.professor}
        assert not leaks(log, c)
        call(c, "GET", f"/disclosures/{d}/access-log", c.supervisor, 200)
        for nosy in (c.as_(Role.ODF_STAFF), c.reviewer(), c.counsellor()):
            call(c, "GET", f"/disclosures/{d}/access-log", nosy, 403)

        events = distinct(await tap.collect(lambda e: e.data.get("disclosure_id") == d, expect=8))
    kinds = [e.type for e in events]
    assert kinds == [
        "ip_counsel.DisclosureRecorded",
        "ip_counsel.DisclosureRevised",
        "ip_counsel.CounsellorAssigned",
        "ip_counsel.CounsellingSessionRecorded",
        "ip_counsel.ReviewOpened",
        "ip_counsel.ReviewScored",
        "ip_counsel.ReviewConcluded",
        "ip_counsel.InventorsDecided",
    ]
    assert {e.key for e in events} == {c.group_id}
    assert not leaks([e.envelope for e in events], c)


def test_a_dump_of_the_store_holds_no_plaintext(
    circle: Circle, infra: Any, platform: Platform
) -> None:
    """Read every document of ip-counsel's database (raw BSON, through pymongo against the
    running store) and its log: none of the content's made-up words is there."""
    c = circle
    if not c.disclosure_id:
        disclose(c)
    assert call(c, "GET", f"/disclosures/{c.disclosure_id}", c.inventor(), 200)["content"]
    words = [w.encode() for w in distinctive(c.words)]
    client: MongoClient[dict[str, Any]] = MongoClient(infra.mongo)
    try:
        db = client["megp_ip_counsel"]
        scanned = 0
        found: list[str] = []
        for name in db.list_collection_names():
            for doc in db[name].find({}):
                raw = bson.encode(doc)
                scanned += 1
                found += [
                    f"{name}: {w.decode()}" for w in words if w in raw or w.lower() in raw.lower()
                ]
        assert scanned > 5 and db["disclosures"].count_documents({}) >= 1
        sealed = db["disclosures"].find_one({"_id": c.disclosure_id})
        assert sealed is not None and isinstance(
            sealed["revisions"][0]["sealed"]["ciphertext"], bytes
        )
        assert sealed["key"]["kek_id"] and len(sealed["key"]["wrapped"]) == 40
        assert not found, f"plaintext in the store: {found}"
    finally:
        client.close()
    log = platform.processes["ip-counsel"].log_path.read_bytes()
    assert not [w for w in words if w in log], "content in ip-counsel's log"
