"""What each phase of a run asked of the store: every service's store commands and the time
they took, by collection and command, between two marks of the driver, read from the services'
`/metrics` (`megp_store_commands_total`, `megp_store_command_seconds_total`, which
`megp_common.mongo.StoreTimer` keeps).

The counts do not depend on how busy the machine is, so two runs of one scale compare by them
even when other work shared the machine; the seconds are each command's wall time as its
service saw it (a command queued behind others counts its wait), summed.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx
from prometheus_client.parser import text_string_to_metric_families

#: (count, seconds) by "service collection command"
Totals = dict[str, tuple[float, float]]

COUNT, SECONDS = "megp_store_commands", "megp_store_command_seconds"


def parse_totals(service: str, text: str) -> Totals:
    """A service's store totals from its `/metrics` text."""
    out: dict[str, list[float]] = {}
    for family in text_string_to_metric_families(text):
        if family.name not in (COUNT, SECONDS):
            continue
        slot = 0 if family.name == COUNT else 1
        for sample in family.samples:
            if not sample.name.endswith("_total"):
                continue
            labels = sample.labels
            key = f"{service} {labels.get('collection', '?')} {labels.get('command', '?')}"
            out.setdefault(key, [0.0, 0.0])[slot] += sample.value
    return {k: (v[0], v[1]) for k, v in out.items()}


def read_totals(urls: Mapping[str, str], timeout_s: float = 5.0) -> Totals:
    """Every service's store totals now; a service that does not answer (being restarted) is
    left out, and its next answer counts from its new start."""
    totals: Totals = {}
    for service, url in urls.items():
        try:
            r = httpx.get(f"{url}/metrics", timeout=timeout_s)
        except httpx.HTTPError:
            continue
        if r.status_code == 200:
            totals |= parse_totals(service, r.text)
    return totals


def since(before: Totals, now: Totals) -> Totals:
    """What was asked between two readings. A total that went down is a restarted service's,
    counted from its new start."""
    out: Totals = {}
    for key, (count, seconds) in now.items():
        was = before.get(key, (0.0, 0.0))
        if count < was[0]:
            was = (0.0, 0.0)
        delta = (count - was[0], seconds - was[1])
        if delta[0] > 0:
            out[key] = (delta[0], round(delta[1], 3))
    return out


def total(totals: Mapping[str, tuple[float, float]]) -> list[float]:
    """[commands, seconds] of everything asked."""
    return [int(sum(c for c, _ in totals.values())), round(sum(s for _, s in totals.values()), 1)]


def top(totals: Mapping[str, tuple[float, float]], n: int = 8) -> dict[str, list[float]]:
    """The `n` that took the most store time, most first."""
    ranked = sorted(totals.items(), key=lambda kv: -kv[1][1])[:n]
    return {k: [int(c), round(s, 1)] for k, (c, s) in ranked}


def by_service(totals: Mapping[str, tuple[float, float]]) -> dict[str, dict[str, int]]:
    """Every command's count, by service, then "collection command", most first: the whole
    of what each service asked (a consumer's reads and writes per event), where `top` keeps
    the few that took the most time."""
    out: dict[str, dict[str, int]] = {}
    for key, (count, _) in sorted(totals.items(), key=lambda kv: -kv[1][0]):
        service, _, rest = key.partition(" ")
        out.setdefault(service, {})[rest] = int(count)
    return out


def describe(totals: Mapping[str, list[float]], n: int = 3) -> str:
    """`enrollment participants find 3,201 at 686 ms, ...`: the first `n` of `top`."""
    parts = []
    for key, (count, seconds) in list(totals.items())[:n]:
        each = seconds / count * 1000 if count else 0.0
        parts.append(f"{key} {int(count):,} at {each:.0f} ms")
    return ", ".join(parts)
