"""The inventors' programme's checks find what they look for: a disclosure's made-up word in an
event, in another service's answer or in an outsider's read; a deadline reminder or miss
announced twice, or for a filing the run did not make; a royalty counted twice, never, at
another amount, or announced twice; and a clean run passes them. A copy of an event (same id,
delivered again) is no second announcement."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from megp_simulation.api import Api
from megp_simulation.digest import RunEvents
from megp_simulation.ip_checks import check_deadlines, check_royalties, check_secrecy
from megp_simulation.market_checks import MarketView, royalty_events
from megp_simulation.model import Group, InventionTrack, Scale

WORD = "telarixqwrtzpl"


def run(*envelopes: dict[str, Any]) -> tuple[Any, RunEvents]:
    g = Group(index=0, state="20", rng=random.Random(1), group_id="g1")
    g.invention = InventionTrack("d1", [WORD], "file", filing_id="f1")
    api = Api({}, lambda *a, **k: {})
    api.watch([WORD])
    sim = SimpleNamespace(groups=[g], api=api, scale=Scale.small())
    return sim, RunEvents.of(envelopes, api.watched)


def reminder(event_id: str, filing: str = "f1", on: str = "2041-10-22") -> dict[str, Any]:
    data = {"filing_id": filing, "deadline_id": "priority", "reminder_on": on}
    return {"id": event_id, "type": "ip_counsel.DeadlineReminderDue", "data": data}


def missed(event_id: str) -> dict[str, Any]:
    data = {"filing_id": "f1", "deadline_id": "priority", "missed_on": "2042-01-21"}
    return {"id": event_id, "type": "ip_counsel.DeadlineMissed", "data": data}


def test_a_clean_run_passes_and_a_redelivered_copy_is_no_second_announcement() -> None:
    sim, events = run(reminder("e1"), reminder("e1"), reminder("e2", on="2041-12-21"), missed("e3"))
    seen, stored = check_secrecy(sim, events, ["200 {'id': 'd1', 'status': 'filed'}"], None)
    assert seen.ok and seen.checked == 6  # a disclosure, four events, one read
    assert not stored.ok  # a run with disclosures and no store to scan does not pass silently
    announced = check_deadlines(sim, events)
    assert announced.ok and announced.checked == 3


def test_a_word_in_an_event_an_answer_or_an_outsiders_read_is_a_leak() -> None:
    leaked = {"id": "e9", "type": "trade.ProductListed", "data": {"name": f"rebozo {WORD}"}}
    sim, events = run(leaked)
    sim.api._scan("enrollment", "/groups/g1", f'{{"note": "{WORD}"}}')
    sim.api._scan("ip-counsel", "/disclosures/d1", WORD)  # the circle's own reads: not scanned
    seen, _ = check_secrecy(sim, events, [f"200 {{'title': '{WORD}'}}", "403 refused"], None)
    assert len(seen.failures) == 4, seen.failures
    assert any("trade.ProductListed" in f for f in seen.failures)
    assert any("enrollment/groups/g1" in f for f in seen.failures)
    assert sim.api.answers_scanned == 1


def test_a_reminder_or_a_miss_announced_twice_or_for_another_filing_fails() -> None:
    sim, events = run(reminder("e1"), reminder("e2"), missed("e3"), missed("e4"))
    assert len(check_deadlines(sim, events).failures) == 2
    sim, events = run(reminder("e1", filing="f-other"))
    assert not check_deadlines(sim, events).ok


def royalty_world(counted: list[dict[str, Any]], *events: dict[str, Any]) -> Any:
    sim, run_events = run(*events)
    g = sim.groups[0]
    assert g.invention is not None
    g.invention.royalties = [("pay1", date(2041, 3, 15), {"i1": Decimal("60.00")})]
    period = {"members": [{"participant_id": "i1", "sales_counted": counted}]}
    view = MarketView(g, {}, {}, {}, {date(2041, 3, 1): period})
    return check_royalties(sim, [view], royalty_events(run_events))


def received(event_id: str, payment: str = "pay1", amount: str = "60.00") -> dict[str, Any]:
    data = {"payment_id": payment, "participant_id": "i1", "amount": amount}
    data |= {"group_id": "g1", "received_on": "2041-03-15"}
    return {"id": event_id, "type": "ip_counsel.RoyaltyReceived", "data": data}


def line(sale_id: str = "e1", amount: str = "60.00") -> dict[str, Any]:
    return {"sale_id": sale_id, "order_id": "royalty:pay1", "producer_part": amount}


def test_a_royalty_counted_once_passes_and_twice_missing_or_off_fails() -> None:
    assert royalty_world([line()], received("e1")).ok
    assert not royalty_world([line(), line()], received("e1")).ok  # counted twice
    assert not royalty_world([], received("e1")).ok  # never counted
    assert not royalty_world([line(amount="59.99")], received("e1")).ok
    assert not royalty_world([line()], received("e1"), received("e2")).ok  # announced twice
    assert not royalty_world([line()], received("e1"), received("e3", payment="other")).ok
