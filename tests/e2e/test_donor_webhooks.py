"""Webhooks to a donor portal (issue 16), every service its own process on the real broker: the
portal of an association subscribes for it to donors' events through the webhooks service's
subscriptions. The whole chain: a donation inside a 2x1 programme goes to funds, is booked with
its split, receipted, and the portal's receiver (a real HTTP server on a free port) gets
`donors.DonationBooked`, signed the Standard Webhooks way and verified with the library; one
co-funder pays its pledge (funds books its grant); a partial refund settles, brings the unpaid
pledge down (`MatchingPledgeScaledDown`), and the month's report, ready once the month ends,
shows the gift, the matches and the payment. No body holds a member's id or anything personal;
another association's portal, a bank and a portal out of its state reach none of it; a portal
is offered donors' events only, a bank none of them."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from megp_common.auth import Role
from megp_common.ids import new_id
from megp_common.launcher import Platform

from .test_donors import Portal, kafka
from .test_funds_support import STATE, Group, eventually, far_future, publish, set_clock

pytestmark = pytest.mark.e2e

DONOR_EVENTS = [
    "donors.DonationBooked",
    "donors.RefundSettled",
    "donors.MatchingPledgeLapsed",
    "donors.MatchingPledgeScaledDown",
    "donors.ReportReady",
]
OTHER_STATE = "20" if STATE != "20" else "21"


def followed(platform: Platform, tokens: Any, instant: datetime) -> None:
    """Waits until donors follows the shared clock's new setting."""
    url = platform.processes["donors"].url + "/v1/admin/clock"
    header = tokens.header(Role.PROGRAMME_SUPERVISOR)

    def there() -> bool:
        now = datetime.fromisoformat(httpx.get(url, headers=header).json()["now"])
        return instant <= now < instant + timedelta(hours=1)

    eventually(there)


@dataclass
class Inbox:
    """The portal's endpoint: every request kept (headers, body)."""

    seen: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    def start(self) -> str:
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                inbox.seen.append((dict(self.headers.items()), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/portal"

    def of_type(self, kind: str) -> list[tuple[dict[str, str], bytes]]:
        return [(h, b) for h, b in list(self.seen) if json.loads(b)["type"] == kind]


def test_a_portal_hears_by_webhook_that_its_donation_was_booked(
    platform: Platform, tokens: Any
) -> None:
    p = Portal(platform, tokens)
    hooks = platform.processes["webhooks"].url + "/v1"
    at = far_future(11)
    set_clock(platform.processes["funds"].url, tokens, at)
    followed(platform, tokens, at)  # the club's registration is dated in the month below
    group = Group()
    publish(kafka(), "enrollment.events", group.formed(at))

    def register(name: str) -> str:
        made = p.post(
            "/associations",
            {"name": name, "country": "US", "city": "Dallas", "origin_state_code": STATE},
            p.national,
        )
        assert made.status_code == 201, made.text
        return str(made.json()["id"])

    club, other_club = register("Club Tejano de Dallas"), register("Club Norteño de Dallas")
    portal = p.portal(club)
    inbox = Inbox()
    url = inbox.start()

    def subscribe(headers: dict[str, str], types: list[str]) -> httpx.Response:
        return httpx.post(
            f"{hooks}/subscriptions",
            json={"url": url, "event_types": types, "description": "portal"},
            headers=headers | {"Idempotency-Key": new_id()},
            timeout=30,
        )

    def subscribed() -> Any:
        r = subscribe(portal, DONOR_EVENTS)  # a 404 until webhooks has heard of the club
        return r if r.status_code == 201 else None

    sub: dict[str, Any] = {}
    try:
        sub = eventually(subscribed).json()
        assert sub["subscriber"] == "association" and sub["bank"] == club
        secret = sub["secret"]
        # refused, nothing written: a portal asking for a bank's events, a bank for donors',
        # a portal out of its association's state, a portal of an association unknown
        assert subscribe(portal, ["funds.InflowRecorded"]).status_code == 422
        bank = tokens.header(Role.PARTNER_BANK, states=("*",), organization="Banorte")
        assert subscribe(bank, ["donors.DonationBooked"]).status_code == 422
        away = p.portal(club, states=(OTHER_STATE,))
        assert subscribe(away, DONOR_EVENTS).status_code == 403
        assert subscribe(p.portal(f"club-{new_id()}"), DONOR_EVENTS).status_code == 404
        # the subscription is the club's: another club's portal and a bank do not see it
        other = p.portal(other_club)
        mine = httpx.get(f"{hooks}/subscriptions/{sub['id']}", headers=portal)
        assert mine.status_code == 200 and mine.json()["event_types"] == DONOR_EVENTS
        for stranger in (other, bank):
            r = httpx.get(f"{hooks}/subscriptions/{sub['id']}", headers=stranger)
            assert r.status_code == 404, r.text
        # (the other club's list answers once webhooks has heard of that club too: a 404 before)
        answer = eventually(
            lambda: (
                (r := httpx.get(f"{hooks}/subscriptions", headers=other)).status_code == 200 and r
            )
        )
        listed = answer.json()
        assert sub["id"] not in {s["id"] for s in listed}
        assert [s["id"] for s in httpx.get(f"{hooks}/subscriptions", headers=portal).json()] == [
            sub["id"]
        ]

        eventually(
            lambda: (
                (r := p.get(f"/projects/{group.group_id}", portal)).status_code == 200
                and r.json()["fund_open"]
            )
        )
        # a 2x1 programme: two co-funders, a peso each per peso given
        cofunders = [f"federal-{club}", f"state-{club}"]
        programme = p.post(
            "/matching-programmes",
            {
                "name": "2x1 Dallas",
                "cofunders": [
                    {"id": cofunders[0], "name": "Federal", "tier": "federal", "ratio": "1"},
                    {"id": cofunders[1], "name": "Estado", "tier": "state", "ratio": "1"},
                ],
                "caps": {"per_project": "100000.00"},
                "eligible_states": [STATE],
                "opens_at": (at - timedelta(days=1)).isoformat(),
                "closes_at": (at + timedelta(days=90)).isoformat(),
            },
            p.national,
        )
        assert programme.status_code == 201, programme.text
        gift = {
            "portal_donation_id": f"tx-{new_id()}",
            "group_id": group.group_id,
            "amount": "2500.01",
            "currency": "MXN",
            "programme_id": programme.json()["id"],
        }
        made = p.post("/donations", gift, portal)
        assert made.status_code == 201, made.text
        donation_id = made.json()["id"]

        # donation -> funds books it with its split -> receipted -> the portal's webhook
        booked = eventually(lambda: inbox.of_type("donors.DonationBooked"), within_s=60)
        assert len({h["webhook-id"] for h, _ in booked}) == 1
        headers, body = booked[0]
        message = Webhook(secret).verify(body, headers)  # the library's check of the signature
        data = message["data"]
        donation = p.get(f"/donations/{donation_id}", portal).json()
        assert donation["status"] == "booked" and donation["receipt_number"]
        assert data["donation_id"] == donation_id and data["association_id"] == club
        assert data["entry_id"] == donation["entry_id"]
        assert data["receipt_number"] == donation["receipt_number"]
        assert (data["amount_mxn"], data["development"], data["competition"]) == (
            "2500.01",
            "1250.01",
            "1250.00",
        )
        entries = httpx.get(
            f"{p.funds}/funds/{group.group_id}/journal", headers=p.national, timeout=30
        ).json()["items"]
        assert [e["id"] for e in entries if e["id"] == data["entry_id"]] == [data["entry_id"]]

        # the federal co-funder confirms and pays its pledge: the fund books its own grant
        pledges = {x["cofunder_id"]: x for x in donation["pledges"]}
        assert [pledges[c]["amount_mxn"] for c in cofunders] == ["2500.01", "2500.01"]
        paying, payer = pledges[cofunders[0]], p.cofunder(cofunders[0])
        for step in ("confirmation", "payment"):
            r = p.post(f"/pledges/{paying['id']}/{step}", {}, payer)
            assert r.status_code == 200, r.text

        def pledge_booked() -> Any:
            found = p.get(f"/pledges/{paying['id']}", portal).json()
            return found if found.get("entry_id") else None

        grant_entry = eventually(pledge_booked, within_s=60)["entry_id"]
        journal = httpx.get(
            f"{p.funds}/funds/{group.group_id}/journal", headers=p.national, timeout=30
        ).json()["items"]
        assert [e["kind"] for e in journal if e["id"] == grant_entry] == ["grant"]

        # a refund: the fund books the reversing entry, the portal hears it settled
        refund = p.post(
            f"/donations/{donation_id}/refund",
            {"amount": "500.00", "reason": "card chargeback", "chargeback": True},
            portal,
        )
        assert refund.status_code == 202, refund.text
        settled = eventually(lambda: inbox.of_type("donors.RefundSettled"), within_s=60)
        refund_data = Webhook(secret).verify(settled[0][1], settled[0][0])["data"]
        assert refund_data["status"] == "booked" and refund_data["amount_mxn"] == "500.00"
        assert refund_data["donation_id"] == donation_id and refund_data["entry_id"]
        # the unpaid pledge comes down with the refund (2000.01 of 2500.01 kept), the paid one
        # stays; the portal hears of the one brought down
        down = eventually(lambda: inbox.of_type("donors.MatchingPledgeScaledDown"), within_s=60)
        down_data = Webhook(secret).verify(down[0][1], down[0][0])["data"]
        assert len(down) == 1 and down_data["pledge_id"] == pledges[cofunders[1]]["id"]
        assert (down_data["previous_amount"], down_data["amount"]) == ("2500.01", "2000.01")

        # the month ends on the shared clock: the club's report of it is ready
        month = f"{at.year:04d}-{at.month:02d}"
        first = datetime(at.year + (at.month == 12), at.month % 12 + 1, 1, 12, tzinfo=UTC)
        set_clock(platform.processes["funds"].url, tokens, first)
        followed(platform, tokens, first)

        def report() -> Any:
            found = [
                Webhook(secret).verify(b, h)["data"] for h, b in inbox.of_type("donors.ReportReady")
            ]
            return [d for d in found if d["period"] == month]

        ready = eventually(report, within_s=60)
        assert ready[0]["association_id"] == club
        read = p.get(ready[0]["url"].removeprefix("/v1"), portal)
        assert read.status_code == 200, read.text
        # the report the webhook names: the gift, its matches (the paid one, the one brought
        # down) and what the fund kept, as they stood at the month's end
        shown = read.json()
        assert shown["final"] and shown["given_mxn"] == "2500.01"
        assert (shown["kept_mxn"], shown["matched_mxn"], shown["matched_paid_mxn"]) == (
            "2000.01",
            "4500.02",
            "2500.01",
        )

        # nothing personal, nothing of another club, in any body the portal received
        for h, b in inbox.seen:
            text = b.decode()
            Webhook(secret).verify(b, h)
            assert not any(m in text for m in group.members), text
            assert other_club not in text and "curp" not in text.lower()
            assert json.loads(b)["data"]["association_id"] == club
    finally:
        if inbox.server is not None:
            inbox.server.shutdown()
        if sub:  # no later test's events are queued for a receiver that is gone
            httpx.post(
                f"{hooks}/subscriptions/{sub['id']}/disable",
                headers=portal | {"Idempotency-Key": new_id()},
            )
