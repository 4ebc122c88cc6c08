"""The inventors' invariants: what ip-counsel keeps secret, its deadlines announced once, and
the royalties counted in the inventors' periods like sales."""

from __future__ import annotations

from collections import Counter
from typing import Any

from megp_simulation.digest import (
    MarketIndex,
    RunEvents,
)
from megp_simulation.invariants import Check
from megp_simulation.market_checks import (
    ROYALTIES,
    MarketView,
    market_checks,
    no_stray_royalties,
    royalties_counted,
)
from megp_simulation.scenario import Simulation

IP_DB = "megp_ip_counsel"
REMINDED, MISSED = "ip_counsel.DeadlineReminderDue", "ip_counsel.DeadlineMissed"


def ip_events(events: RunEvents) -> list[dict[str, Any]]:
    """ip-counsel's deadline reminders and misses of the run, one copy of each (delivery is at
    least once: a copy carries the same id), each as {"id", "type", "data"}."""
    return [
        {"id": eid, "type": kept["type"], "data": {k: v for k, v in kept.items() if k != "type"}}
        for eid, kept in events.deadlines.items()
    ]


def scan_store(mongo: str, words: list[str]) -> tuple[int, list[str]]:
    """Every document of ip-counsel's database, raw BSON (as a dump would hold it), looked
    through for the words, in any case: (documents scanned, what was found where)."""
    import bson
    from pymongo import MongoClient

    wanted = [w.encode() for w in words]
    client: MongoClient[dict[str, Any]] = MongoClient(mongo, serverSelectionTimeoutMS=10000)
    scanned, found = 0, []
    try:
        db = client[IP_DB]
        for name in db.list_collection_names():
            for doc in db[name].find({}):
                raw = bson.encode(doc).lower()
                scanned += 1
                found += [f"{name}: {w.decode()}" for w in wanted if w.lower() in raw]
    finally:
        client.close()
    return scanned, found


def check_secrecy(
    sim: Simulation, events: RunEvents, outside: list[str], mongo: str | None
) -> list[Check]:
    """No disclosure's made-up words outside its circle: in none of the run's events (every
    topic, ip-counsel's too), in no answer of the other services after the disclosures, in
    none of ip-counsel's answers to readers outside the circle, and not in plaintext in
    ip-counsel's store."""
    words = list(sim.api.watched)
    seen = Check(
        "no disclosure content outside its circle",
        "the disclosures' made-up words appear in none of the run's events, none of the other "
        "services' answers, no outsider's read of ip-counsel",
    )
    if sim.scale.inventive > 0:
        seen.expect(bool(words), "the run recorded no disclosure")
    if words and not set(words) <= set(events.watched):
        seen.failures.append(f"the events were scanned for {events.watched}, not all of {words}")
    found = events.secrets_found
    seen.failed_of(events.secrets_scanned, found)
    for answer in outside:
        hits = [w for w in words if w in answer]
        seen.expect(not hits and answer.startswith("200 "), f"outsider read {answer[:120]}")
    seen.checked += sim.api.answers_scanned
    for leak in sim.api.leaks[:20]:
        seen.failures.append(f"answer {leak}")
    stored = Check(
        "no disclosure content in plaintext in ip-counsel's store",
        f"every document of {IP_DB}, raw BSON, holds none of the made-up words in any case",
    )
    if words and mongo is None:
        stored.failures.append("the store was not given to the run (--mongo), so not scanned")
    elif words and mongo is not None:
        scanned, found = scan_store(mongo, words)
        stored.checked = scanned
        stored.failures.extend(found[:20])
        if scanned == 0:
            stored.failures.append(f"{IP_DB} holds no document")
    return [seen, stored]


def check_deadlines(sim: Simulation, events: RunEvents) -> Check:
    """Each deadline's reminder (by its day) and miss announced at most once per filing, and
    only for the run's filings."""
    announced = Check(
        "each deadline reminder and miss announced at most once",
        "per filing, deadline and announcement (a reminder's day, or the miss), from the "
        "events of ip-counsel.events",
    )
    filings = {g.invention.filing_id for g in sim.groups if g.invention and g.invention.filing_id}
    count: Counter[tuple[str, ...]] = Counter()
    for e in ip_events(events):
        if e.get("type") not in (REMINDED, MISSED):
            continue
        data = e.get("data") or {}
        what = str(data.get("reminder_on")) if e["type"] == REMINDED else "missed"
        count[(str(data.get("filing_id")), str(data.get("deadline_id")), what)] += 1
    for (filing, deadline, what), n in sorted(count.items()):
        announced.expect(
            n == 1 and filing in filings, f"filing {filing} {deadline} {what}: announced {n}x"
        )
    return announced


def check_royalties(
    sim: Simulation, markets: list[MarketView], royalties: dict[str, dict[str, Any]]
) -> Check:
    """Like the sales: one RoyaltyReceived per payment and inventor with the part the payment
    answered, and that event counted exactly once in the inventor's period containing the day
    it was received (`sales_counted`, order `royalty:<payment id>`, source royalty)."""
    index = MarketIndex()
    index.note_royalties(royalties)
    checks = {ROYALTIES: market_checks()[ROYALTIES]}
    for v in markets:
        royalties_counted(v, index, checks[ROYALTIES])
    no_stray_royalties(sim, index, checks[ROYALTIES])
    return checks[ROYALTIES]
