"""The banks' part of the simulation finds what it looks for: the receiver verifies signatures
with the standardwebhooks library (another secret's are refused and kept) and spots a CURP in
a body; the expected deliveries follow the trust bank for fund movements and the lender of
record for credit's events (learnt from the events that name it, a takeover included); the
delivery check fails on a missing event, one of another bank or type, an unverified request or
a CURP, and passes repeats; the statement check fails on an exception, a re-upload answering
another version, or an entry left unmatched; and the trust bank assignment keeps each group's
stream as it was."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from types import SimpleNamespace
from typing import Any

import httpx
from standardwebhooks.webhooks import Webhook

from megp_simulation.bank_checks import (
    Reconciled,
    check_deliveries,
    check_statements,
    periods,
    statement_sample,
)
from megp_simulation.banks import (
    BANKS,
    LENDER,
    Inbox,
    Receiver,
    expected_deliveries,
    expected_ids,
    holder,
    trust_bank,
)
from megp_simulation.digest import RunEvents
from megp_simulation.model import Group, Scale

SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # base64 of 24 bytes
CURP = "GOMA850101MDFRRN09"


def groups(n: int) -> list[Group]:
    return [Group(index=i, state="09", rng=random.Random(i), group_id=f"g{i}") for i in range(n)]


def post(base: str, path: str, secret: str, webhook_id: str, body: dict[str, Any]) -> int:
    text = json.dumps(body)
    now = datetime.now(UTC)
    headers = {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(webhook_id, now, text),
        "content-type": "application/json",
    }
    return httpx.post(base + path, content=text.encode(), headers=headers).status_code


def test_the_receiver_verifies_with_the_library_and_looks_for_curps() -> None:
    receiver = Receiver()
    base = receiver.start()
    try:
        path = receiver.add("Banorte")
        inbox = receiver.inboxes[0]
        body = {"type": "funds.InflowRecorded", "data": {"fund_id": "g1"}}
        assert post(base, path, SECRET, "msg_0", body) == 503  # before its secret is known
        inbox.secret = SECRET
        assert post(base, path, SECRET, "msg_1", body) == 204
        assert post(base, path, SECRET, "msg_1", body) == 204  # a repeat: counted, allowed
        other = "whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"
        assert post(base, path, other, "msg_2", body) == 400
        leaked = {"type": "funds.InflowRecorded", "data": {"fund_id": "g1", "curp": CURP}}
        assert post(base, path, SECRET, "msg_3", leaked) == 204
        assert post(base, "/7", SECRET, "msg_4", body) == 404
    finally:
        receiver.stop()
    assert inbox.copies == Counter({"msg_1": 2, "msg_3": 1})
    assert inbox.first["msg_1"] == ("funds.InflowRecorded", "g1")
    assert len(inbox.bad_signatures) == 1 and inbox.bad_signatures[0].startswith("msg_2")
    assert inbox.curps == [f"msg_3: {CURP}"]


def env(eid: str, kind: str, **data: Any) -> dict[str, Any]:
    return {"id": eid, "type": kind, "data": data}


def run_events() -> RunEvents:
    """Group 0's fund (BBVA) and group 1's (Banorte); group 1's loan lent by NAFIN, taken
    over by Banorte (InstallmentDue names the new lender), then paid."""
    line = {"group_id": "g1", "line_id": "l1"}
    loan = {**line, "loan_id": "k1"}
    return RunEvents.of(
        [
            env("e0", "funds.FundOpened", fund_id="g0", trust_bank=BANKS[0]),
            env("e1", "funds.InflowRecorded", fund_id="g0", group_id="g0"),
            env("e1", "funds.InflowRecorded", fund_id="g0", group_id="g0"),  # redelivered
            env("e2", "funds.InflowRecorded", fund_id="g1", group_id="g1"),
            env("e3", "credit.CreditLineOpened", **line, lender=LENDER),
            env("e4", "credit.CreditLineReviewed", **line),
            env("e5", "credit.LoanApproved", **loan, lender=LENDER),
            env("e6", "credit.InstallmentPaid", **loan),
            env("e7", "credit.InstallmentDue", **loan, lender=BANKS[1]),
            env("e8", "credit.InstallmentPaid", **loan),
            env("e9", "credit.LoanApplied", **loan),  # not offered
        ]
    )


def test_each_event_concerns_its_trust_bank_or_its_lender_of_record() -> None:
    sim = SimpleNamespace(groups=groups(2))
    concerns = expected_deliveries(sim, run_events())  # type: ignore[arg-type]
    assert {e: c.bank for e, c in concerns.items()} == {
        "e1": BANKS[0],
        "e2": BANKS[1],
        "e3": LENDER,
        "e4": LENDER,  # the line's lender, learnt from CreditLineOpened
        "e5": LENDER,
        "e6": LENDER,  # the loan's, learnt from LoanApproved
        "e7": BANKS[1],
        "e8": BANKS[1],  # after the takeover
    }
    ids = expected_ids(concerns)
    assert ids[BANKS[0]] == {"msg_e1"} and ids[BANKS[2]] == set()
    assert ids[BANKS[1]] == {"msg_e2", "msg_e7", "msg_e8"}
    assert ids[LENDER] == {"msg_e3", "msg_e4", "msg_e5", "msg_e6"}  # no fund movement


def inboxes(ids: dict[str, set[str]]) -> list[Inbox]:
    out = []
    for bank, wanted in ids.items():
        inbox = Inbox(bank, copies=Counter(wanted))
        inbox.first = {w: ("t", "g1") for w in wanted}
        out.append(inbox)
    return out


def test_the_delivery_check_fails_on_what_it_looks_for() -> None:
    sim = SimpleNamespace(groups=groups(2))
    concerns = expected_deliveries(sim, run_events())  # type: ignore[arg-type]
    ids = expected_ids(concerns)
    run = {"g0", "g1"}

    def failures(boxes: list[Inbox]) -> list[str]:
        return check_deliveries(boxes, concerns, run, {CURP}).failures

    good = inboxes(ids)
    good[1].copies["msg_e2"] += 2  # repeats are at least once, not a failure
    good[1].copies["msg_x"] = 1  # another platform's fund held by the same bank
    good[1].first["msg_x"] = ("funds.InflowRecorded", "elsewhere")
    assert failures(good) == []

    missing = inboxes(ids)
    del missing[1].copies["msg_e8"]
    assert any("msg_e8" in f and "never came" in f for f in failures(missing))

    wrong = inboxes(ids)
    wrong[0].copies["msg_e2"] = 1  # group 1's movement at group 0's bank
    wrong[0].first["msg_e2"] = ("funds.InflowRecorded", "g1")
    assert any("msg_e2" in f and BANKS[1] in f for f in failures(wrong))

    unknown = inboxes(ids)
    unknown[2].copies["msg_zz"] = 1  # the run's group, but no such event on the topics
    unknown[2].first["msg_zz"] = ("funds.InflowRecorded", "g0")
    assert any("no event on the topics" in f for f in failures(unknown))

    unasked = inboxes(ids)
    unasked[0].copies["msg_e0"] = 1  # the run's FundOpened: a type nobody subscribed to
    unasked[0].first["msg_e0"] = ("funds.FundOpened", "g0")
    assert any("msg_e0" in f and "no type it asked for" in f for f in failures(unasked))

    unsigned = inboxes(ids)
    unsigned[3].bad_signatures.append("msg_e3: No matching signature found")
    assert any("unverified" in f for f in failures(unsigned))

    leaked = inboxes(ids)
    leaked[1].curps.append(f"msg_e2: {CURP}")
    assert any("CURP" in f and "1 the run's" in f for f in failures(leaked))


def reconciled(**changes: Any) -> Reconciled:
    first = {
        "reconciliation_id": "g1:abc",
        "version": 1,
        "sha256": "abc",
        "clean": True,
        "matched": ["r1", "r2"],
        "unmatched": [],
        "balance_differences": [],
        "entries": 2,
    }
    again, stored = dict(first), dict(first)
    for key, value in changes.items():
        where, field = key.split("__")
        {"first": first, "again": again, "stored": stored}[where][field] = value
    return Reconciled("g1", BANKS[1], date(2044, 1, 20), date(2044, 12, 15), first, again, stored)


def test_the_statement_check_fails_on_an_exception_or_another_version() -> None:
    assert check_statements([reconciled()], 1).ok
    unmatched = [{"side": "journal", "reference": "r3", "reason": "not on the bank's statement"}]
    assert not check_statements([reconciled(first__clean=False, first__unmatched=unmatched)], 1).ok
    assert not check_statements([reconciled(first__balance_differences=["closing"])], 1).ok
    assert not check_statements([reconciled(again__version=2)], 1).ok
    assert not check_statements([reconciled(stored__matched=["r1"])], 1).ok
    assert not check_statements([reconciled(first__entries=3)], 1).ok
    assert not check_statements([], 2).ok  # a sample with nothing reconciled


def test_statement_periods_cover_the_fund_in_years_and_the_sample_is_bounded() -> None:
    start, end = date(2044, 1, 20), date(2047, 5, 15)
    got = periods(start, end)
    assert got[0][0] == start and got[-1][1] == end
    assert all(b - a < timedelta(days=366) for a, b in got)
    assert all(nxt[0] == prev[1] + timedelta(days=1) for prev, nxt in pairwise(got))
    assert periods(start, date(2044, 12, 15)) == [(start, date(2044, 12, 15))]

    def sample(n: int, statements: int | None) -> list[Group]:
        sim = SimpleNamespace(groups=groups(n), seed=1, scale=Scale(statements=statements))
        return statement_sample(sim)  # type: ignore[arg-type]

    assert len(sample(4, None)) == 4 and len(sample(120, None)) == 24
    assert len(sample(120, 5)) == 5 and sample(4, 0) == []
    picked = [g.index for g in sample(120, None)]
    assert picked == sorted(picked) == [g.index for g in sample(120, None)]


def test_the_banks_take_turns_and_the_groups_streams_stay_as_they_were() -> None:
    banks = ("Nacional Financiera", "Banorte", "Banco del Bienestar")
    for g in groups(6):
        before, after = random.Random(g.index), random.Random(g.index)
        before.choice(banks)  # what the setup drew before the banks took turns
        assert trust_bank(g, after) == holder(g) == BANKS[g.index % 3]
        assert before.random() == after.random()
