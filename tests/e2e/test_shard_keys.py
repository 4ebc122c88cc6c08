"""Every commit carries its collection's shard key (docs/architecture.md, "MongoDB sharding").

Funds' and credit's e2e flows run against the platform while each service's store listener
(megp_common.mongo.ShardFilterCounter, on /metrics) counts the filters sent to its sharded
collections, keyed or not, by their fields. Every conditional commit (an update whose filter
names `version`) and every other write must carry the whole key: a new write path without it
fails here. The loads by id that do not carry it are printed (the docs' table lists them)."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from megp_common.launcher import Platform

from . import test_credit_flows as credit_flows
from . import test_funds_flows as funds_flows

pytestmark = pytest.mark.e2e

Row = tuple[str, str, str, str, str]  # service, collection, command, keyed, shape

#: the commits each run below must make at least, so that the test cannot pass by seeing none
AT_LEAST = {
    ("funds", "funds"): 10,
    ("credit", "loans"): 5,
    ("credit", "credit_lines"): 1,
    ("credit", "groups"): 3,
    ("credit", "fund_repayments"): 2,
}


def filters(platform: Platform, service: str) -> Counter[Row]:
    """The service's store filters on its sharded collections; a load whose hint missed and
    that was read again by `_id` counts as command "miss"."""
    text = httpx.get(f"{platform.processes[service].url}/metrics", timeout=10).text
    out: Counter[Row] = Counter()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if not sample.name.endswith("_total"):
                continue
            labels = sample.labels
            if family.name == "megp_store_shard_filters":
                row = (service, labels["collection"], labels["command"], labels["keyed"])
                out[(*row, labels["shape"])] += int(sample.value)
            elif family.name == "megp_store_shard_hint_misses":
                out[(service, labels["collection"], "miss", "no", "_id")] += int(sample.value)
    return out


def snapshot(platform: Platform) -> Counter[Row]:
    return filters(platform, "funds") + filters(platform, "credit")


async def test_every_commit_of_the_funds_and_credit_flows_carries_the_shard_key(
    platform: Platform, tokens: Any, infra: Any
) -> None:
    before = snapshot(platform)
    # the funds flows are synchronous and start event loops of their own: in a thread
    await asyncio.to_thread(
        funds_flows.test_group_formed_fund_opened_deposits_and_third_month_closed,
        platform,
        tokens,
        infra,
    )
    await asyncio.to_thread(
        funds_flows.test_instalment_due_paid_from_the_fund_replenished_failed_and_noticed,
        platform,
        tokens,
    )
    credit = credit_flows.Credit(platform, tokens)
    await credit_flows.test_line_loan_approval_disbursement_and_an_instalment_the_fund_cannot_pay(
        credit, infra
    )
    await credit_flows.test_the_fund_pays_an_instalment_and_the_borrower_replenishes_it(
        credit, infra, platform, tokens
    )
    seen = snapshot(platform)
    seen.subtract(before)
    seen = +seen  # what the flows sent

    commits: Counter[tuple[str, str]] = Counter()
    unkeyed_commits, unkeyed_writes, unkeyed_loads = [], [], []
    for (service, collection, command, keyed, shape), n in sorted(seen.items()):
        fields = shape.split(",")
        if command == "update" and "version" in fields:
            commits[(service, collection)] += n
            if keyed == "no":
                unkeyed_commits.append((service, collection, shape, n))
        elif command in ("update", "delete", "findAndModify") and keyed == "no":
            unkeyed_writes.append((service, collection, command, shape, n))
        elif command == "find" and keyed == "no" and "_id" in fields:
            unkeyed_loads.append((service, collection, shape, n))
    print("commits per collection:", dict(commits))
    print("hint misses:", [(k[0], k[1], n) for k, n in seen.items() if k[2] == "miss"])
    print(
        "keyed loads:",
        [(k[0], k[1], k[4], n) for k, n in seen.items() if k[2:4] == ("find", "yes")],
    )
    print("loads by id without the whole key:", unkeyed_loads)
    for where, least in AT_LEAST.items():
        assert commits[where] >= least, (where, dict(commits))
    assert unkeyed_commits == [], "commits whose filter lacks the shard key"
    assert unkeyed_writes == [], "writes whose filter lacks the shard key"
    keyed_loads = sum(
        n
        for (_, _, command, keyed, shape), n in seen.items()
        if command == "find" and keyed == "yes" and "_id" in shape.split(",")
    )
    assert keyed_loads > sum(n for *_, n in unkeyed_loads), "most loads by id carry the key"
