"""The funds API against the real store and broker: reads, refusals, withdrawals, replays."""

from __future__ import annotations

import os
from datetime import date, timedelta

import httpx
import pytest

from megp_common.auth import Role
from megp_common.contracts import enrollment
from megp_common.ids import new_id

from .test_funds_flows import _h, _open
from .test_funds_support import STATE, Group, envelope, eventually, far_future, publish, set_clock

pytestmark = pytest.mark.e2e


def kafka() -> str:
    return os.environ["KAFKA_BOOTSTRAP_SERVERS"]


def test_bad_input_and_unauthorized_callers_get_4xx_and_nothing_is_posted(platform, tokens) -> None:  # type: ignore[no-untyped-def]
    group = Group()
    url = _open(platform, tokens, group, far_future(3))
    base = f"{url}/v1/funds/{group.group_id}"
    staff = _h(tokens, Role.ODF_STAFF, key=f"k-{new_id()}")
    donor = _h(tokens, Role.DONOR_PORTAL, key="x")
    cases = [
        ("/deposits", {"participant_id": "stranger", "amount": "10"}, staff, 422),
        ("/deposits", {"participant_id": group.rep, "amount": 10.5}, staff, 422),
        ("/deposits", {"participant_id": group.rep, "amount": "-1"}, staff, 422),
        ("/deposits", {"participant_id": group.rep, "amount": "10"}, donor, 403),
        # a portal gives through the donors service only (its community, receipted, matched)
        ("/contributions", {"donor": "Club", "source": "abroad", "amount": "10"}, donor, 403),
        ("/contributions", {"donor": "X", "source": "local", "amount": "5", "currency": "USD"},
         staff, 422),
        ("/replenishments", {"borrower_id": group.rep, "amount": "5"}, staff, 422),
        (f"/members/{group.rep}/withdrawals", {"purpose": "housing", "amount": "1"},
         _h(tokens, Role.PARTICIPANT, group.members[1], key="w"), 403),
        (f"/members/{group.rep}/withdrawals", {"purpose": "housing", "amount": "1"},
         _h(tokens, Role.PARTICIPANT, group.rep, key=f"w-{new_id()}"), 422),
    ]  # fmt: skip
    for path, payload, headers, status in cases:
        resp = httpx.post(base + path, json=payload, headers=headers)
        assert resp.status_code == status, (path, resp.text)
        assert resp.headers["content-type"].startswith("application/problem+json")
    other_state = tokens.header(Role.DONOR_PORTAL, states=("14",))
    assert httpx.get(f"{base}/statement", headers=other_state).status_code == 403
    missing = httpx.get(f"{url}/v1/funds/nope", headers=_h(tokens, Role.PROGRAMME_SUPERVISOR))
    assert missing.status_code == 404
    journal = httpx.get(f"{base}/journal", headers=_h(tokens, Role.PROGRAMME_SUPERVISOR)).json()
    assert journal["items"] == []


def test_journal_pages_statements_at_a_date_and_replayed_event_stream(platform, tokens) -> None:  # type: ignore[no-untyped-def]
    group, start = Group(), far_future(4)
    url = _open(platform, tokens, group, start)
    base, read = f"{url}/v1/funds/{group.group_id}", _h(tokens, Role.PROGRAMME_SUPERVISOR)
    for i in range(5):
        grant = {"donor": f"D{i}", "source": "local", "amount": f"{i + 1}00"}
        headers = _h(tokens, Role.PROGRAMME_SUPERVISOR, key=f"g{i}-{new_id()}")
        assert httpx.post(f"{base}/contributions", json=grant, headers=headers).status_code == 201
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = httpx.get(f"{base}/journal", params=params, headers=read).json()
        seen += [e["seq"] for e in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [1, 2, 3, 4, 5]
    yesterday = (start - timedelta(days=1)).date().isoformat()
    past = httpx.get(f"{base}/statement", params={"on": yesterday}, headers=read).json()
    assert past["trust_cash"] == "0.00"
    today = httpx.get(f"{base}/statement", params={"on": start.date().isoformat()}, headers=read)
    assert today.json()["trust_cash"] == "1500.00"

    stream = [
        *group.formed(start),
        group.period_closed(group.members[1], "40", start.date(), start),
        group.instalment(f"loan-{new_id()}", 1, "300", start.date(), start),
    ]
    publish(kafka(), "enrollment.events", stream[:3])
    publish(kafka(), "credit.events", stream[3:])
    eventually(lambda: httpx.get(f"{base}/debts", headers=read).json())
    before = httpx.get(f"{base}/statement", headers=read).json()["balances"]
    obligations = httpx.get(f"{base}/obligations", headers=read).json()
    publish(kafka(), "enrollment.events", stream[:3])  # the whole stream again, same event ids
    publish(kafka(), "credit.events", stream[3:])
    late = f"p-{new_id()}"
    joined = enrollment.MemberJoinedGroup(
        group_id=group.group_id, participant_id=late, joined_on=start.date(),
        business_reason="weaving", letter_of_commitment=[], active_members=4,
    )  # fmt: skip
    publish(kafka(), "enrollment.events", [envelope(joined, group.group_id, "/e", start)])
    eventually(lambda: late in httpx.get(base, headers=read).json()["members"])
    assert httpx.get(f"{base}/statement", headers=read).json()["balances"] == before
    assert httpx.get(f"{base}/obligations", headers=read).json() == obligations
    check = httpx.get(f"{base}/ledger-check", headers=read).json()
    assert check["consistent"] and check["entries"] == 6, check
    summary = httpx.get(f"{url}/v1/fund-summaries/by-state", headers=read).json()
    assert [row["state_code"] for row in summary] == [STATE]
    bank = tokens.header(Role.PARTNER_BANK, states=("*",), organization=group.bank)
    assert httpx.get(f"{url}/v1/partner-banks/{group.bank}/funds", headers=bank).status_code == 200
    assert httpx.get(f"{url}/v1/partner-banks/Other/funds", headers=bank).status_code == 403


def test_a_member_draws_their_share_from_the_fourth_year(platform, tokens) -> None:  # type: ignore[no-untyped-def]
    group, start = Group(), far_future(5)
    url = _open(platform, tokens, group, start)
    base = f"{url}/v1/funds/{group.group_id}"
    old, young = group.members[0], group.members[1]
    births = {old: date(start.year - 65, 5, 1), young: date(start.year - 30, 5, 1)}
    enrolled = [
        envelope(
            enrollment.ParticipantEnrolled(
                participant_id=pid, curp="X" * 18, given_names="A", first_surname="B",
                birth_date=born, gender="female", state_code=STATE, state_name="CDMX",
                municipality="Coyoacán", functions=["production"], member_type="micro_producer",
                programmes=[], disabled=False, indigenous=False, inventor=False,
                enrolled_at=start,
            ),
            pid, "/megp/enrollment", start,
        )
        for pid, born in births.items()
    ]  # fmt: skip
    publish(kafka(), "enrollment.events", enrolled)
    lines = [{"participant_id": old, "amount": "300"}, {"participant_id": young, "amount": "100"}]
    sheet = {"deposits": lines}
    staff = _h(tokens, Role.ODF_STAFF, key=f"s-{new_id()}")
    assert httpx.post(f"{base}/deposit-sheets", json=sheet, headers=staff).status_code == 201
    set_clock(url, tokens, start.replace(year=start.year + 3))
    mine = httpx.get(f"{base}/members/{old}", headers=_h(tokens, Role.PARTICIPANT, old)).json()
    assert mine["can_withdraw_now"] == "150.00" and mine["share_of_deposits"] == "0.75"
    retire = {"purpose": "retirement_fund", "amount": "20"}
    too_young = httpx.post(
        f"{base}/members/{young}/withdrawals", json=retire,
        headers=_h(tokens, Role.PARTICIPANT, young, key=f"w-{new_id()}"),
    )  # fmt: skip
    assert too_young.status_code == 422 and too_young.json()["rule"] == "¶73"

    def drawn() -> bool:
        resp = httpx.post(
            f"{base}/members/{old}/withdrawals", json=retire | {"amount": "150"},
            headers=_h(tokens, Role.PARTICIPANT, old, key=f"w-{old}"),
        )  # fmt: skip
        return resp.status_code == 201  # the birth date may still be on its way

    eventually(drawn)
    mine = httpx.get(f"{base}/members/{old}", headers=_h(tokens, Role.PARTICIPANT, old)).json()
    assert mine["withdrawn"] == "150.00" and mine["can_withdraw_now"] == "0.00"


def test_a_grant_posted_by_mistake_is_reversed_and_the_original_stays(platform, tokens) -> None:  # type: ignore[no-untyped-def]
    group, start = Group(), far_future(6)
    url = _open(platform, tokens, group, start)
    base, read = f"{url}/v1/funds/{group.group_id}", _h(tokens, Role.PROGRAMME_SUPERVISOR)
    grant = {"donor": "Fundación Y", "source": "national", "amount": "5000.00"}
    posted = httpx.post(
        f"{base}/contributions",
        json=grant,
        headers=_h(tokens, Role.PROGRAMME_SUPERVISOR, key=f"g-{new_id()}"),
    ).json()
    reason = {"reason": "the donor gave 500.00; 5000.00 was typed"}
    path = f"{base}/entries/{posted['id']}/reversal"
    donor = httpx.post(path, json=reason, headers=_h(tokens, Role.DONOR_PORTAL, key=new_id()))
    assert donor.status_code == 403
    missing = httpx.post(
        f"{base}/entries/nope/reversal",
        json=reason,
        headers=_h(tokens, Role.PROGRAMME_SUPERVISOR, key=new_id()),
    )
    assert missing.status_code == 404
    key = f"r-{new_id()}"
    fix = httpx.post(path, json=reason, headers=_h(tokens, Role.PROGRAMME_SUPERVISOR, key=key))
    assert fix.status_code == 201, fix.text
    again = httpx.post(path, json=reason, headers=_h(tokens, Role.PROGRAMME_SUPERVISOR, key=key))
    assert again.json() == fix.json()  # a retry replays, posting nothing
    twice = httpx.post(
        path, json=reason, headers=_h(tokens, Role.PROGRAMME_SUPERVISOR, key=f"r-{new_id()}")
    )
    assert twice.status_code == 422 and "already reversed" in twice.json()["detail"]
    assert fix.json()["reverses"] == posted["id"]
    statement = httpx.get(f"{base}/statement", headers=read).json()
    assert statement["trust_cash"] == "0.00"
    check = httpx.get(f"{base}/ledger-check", headers=read).json()
    assert check["consistent"] and check["entries"] == 2, check
