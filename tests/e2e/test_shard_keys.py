"""Every commit carries its collection's shard key (docs/architecture.md, "MongoDB sharding").

Funds' and credit's e2e flows, then enrollment's, ip-counsel's and trade's, run against the
platform while each service's store listener (megp_common.mongo.ShardFilterCounter, on
/metrics) counts the filters sent to its sharded collections, keyed or not, by their fields.
Every conditional commit (an update whose filter names `version`) and every other write must
carry the whole key: a new write path without it fails here. The loads by id that do not carry
it are printed (the docs' table lists them)."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from megp_common.launcher import Platform
from megp_common.testing.enrollment_driver import Driver

from . import test_credit_flows as credit_flows
from . import test_enrollment_api as enrollment_api
from . import test_enrollment_periods as enrollment_periods
from . import test_funds_flows as funds_flows
from . import test_ip_counsel as ip_counsel
from . import test_ip_filings as ip_filings
from . import test_ip_licences as ip_licences
from . import test_trade_channels as trade_channels
from . import test_trade_orders as trade_orders
from . import test_trade_purchase_orders as purchase_orders
from . import test_trade_rounds as trade_rounds
from . import test_trade_sales_to_enrollment as sales_to_enrollment
from .ip_counsel_world import Circle, seed_circle

pytestmark = pytest.mark.e2e

Row = tuple[str, str, str, str, str]  # service, collection, command, keyed, shape

#: the commits each run below must make at least, so that the test cannot pass by seeing none
AT_LEAST = {
    ("funds", "funds"): 10,
    ("credit", "loans"): 5,
    ("credit", "credit_lines"): 1,
    ("credit", "fund_repayments"): 2,
}
# (credit's group records are not among them: a group's formation, its ODF and its members come
# as one run of the group-events family, often stored in one insert with no commit after it;
# any commit of theirs that is sent is still judged below)
#: the same for enrollment's, ip-counsel's and trade's flows
AT_LEAST_MORE = {
    ("enrollment", "participants"): 1,
    ("enrollment", "projects"): 1,
    ("enrollment", "groups"): 1,
    ("enrollment", "business_plans"): 1,
    ("enrollment", "group_periods"): 1,
    ("ip-counsel", "disclosures"): 1,
    ("ip-counsel", "licences"): 1,
    ("ip-counsel", "filings"): 1,
    ("trade", "products"): 1,
    ("trade", "purchase_orders"): 1,
    ("trade", "purchasing_rounds"): 1,
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


def snapshot(platform: Platform, services: tuple[str, ...] = ("funds", "credit")) -> Counter[Row]:
    out: Counter[Row] = Counter()
    for service in services:
        out += filters(platform, service)
    return out


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
    judge(snapshot(platform) - before, AT_LEAST)


async def test_every_commit_of_the_enrollment_ip_counsel_and_trade_flows_carries_the_shard_key(
    platform: Platform, tokens: Any, infra: Any
) -> None:
    services = ("enrollment", "ip-counsel", "trade")
    before = snapshot(platform, services)
    state = f"{random.randint(1, 32):02d}"
    enrollment = Driver(platform.processes["enrollment"].url, tokens.header, state=state)
    # enrollment's HTTP flows (projects, groups, intake and plan sheets, plans and periods)
    # and its consumer of trade's sales (the group periods they are counted in)
    for flow in (
        enrollment_api.test_a_group_forms_activates_and_keeps_its_history,
        enrollment_api.test_an_intake_sheet_joins_every_member_or_nobody,
        enrollment_api.test_a_plan_sheet_agrees_every_plan_or_none,
        enrollment_periods.test_a_plan_is_agreed_once_and_revised_with_if_match,
        enrollment_periods.test_a_member_period_closes_once_and_is_corrected_by_a_new_record,
        sales_to_enrollment.test_sales_are_counted_once_in_the_period_closed_over_http,
    ):
        await asyncio.to_thread(flow, enrollment)
    # ip-counsel: a disclosure to the inventors' decision, a licence's royalties, a filing
    circle, _ = await asyncio.to_thread(ip_circle, platform, tokens, ip_counsel.STATE)
    await ip_counsel.test_a_disclosure_from_recording_to_the_inventors_decision(circle, infra)
    circle, drive = await asyncio.to_thread(ip_circle, platform, tokens, ip_licences.STATE)
    await ip_licences.test_a_royalty_becomes_the_inventors_period_income((circle, drive), infra)
    # trade: a marketplace order paid and cancelled, a chain's purchase order, a round, a
    # product withdrawn
    trade = trade_orders.Trade(platform, tokens)
    await trade_orders.test_list_order_pay_cancel_with_the_fair_trade_split_and_its_events(
        trade, infra
    )
    drive = Driver(platform.processes["enrollment"].url, tokens.header, state=trade_orders.STATE)
    await purchase_orders.test_a_chains_purchase_order_accepted_paid_shipped_and_sold(
        trade, drive, infra
    )
    await trade_rounds.test_a_round_pools_demand_and_splits_the_cost_to_the_centavo(trade, infra)
    await trade_channels.test_a_withdrawn_product_takes_no_new_orders_and_honours_its_reservations(
        trade, infra
    )
    # last: it freezes the shared clock in 2045
    circle, drive = await asyncio.to_thread(ip_circle, platform, tokens, ip_filings.STATE)
    board = await asyncio.to_thread(
        drive.client.get, f"/groups/{circle.group_id}/board", headers=drive.staff
    )
    circle.extra["odf_id"] = board.json()["odf_id"]
    await ip_filings.test_a_filing_from_the_decision_to_its_deadlines_on_the_shared_clock(
        circle, infra
    )
    judge(snapshot(platform, services) - before, AT_LEAST_MORE)


def ip_circle(platform: Platform, tokens: Any, state: str) -> tuple[Circle, Driver]:
    """A project group of `state` with its inventors, counsellor and committees, known to
    ip-counsel (what ip-counsel's e2e modules seed for their flows), and its driver."""
    drive = Driver(platform.processes["enrollment"].url, tokens.header, state=state)
    url = platform.processes["ip-counsel"].url
    return seed_circle(drive, url, tokens.header, random.Random()), drive


def judge(seen: Counter[Row], at_least: dict[tuple[str, str], int]) -> None:
    """What the flows sent: every commit and every other write on a sharded collection
    carries the whole key, each collection in `at_least` made that many commits at least, and
    most loads by id carry the key; the loads by id that do not are printed."""
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
    for where, least in at_least.items():
        assert commits[where] >= least, (where, dict(commits))
    assert unkeyed_commits == [], "commits whose filter lacks the shard key"
    assert unkeyed_writes == [], "writes whose filter lacks the shard key"
    keyed_loads = sum(
        n
        for (_, _, command, keyed, shape), n in seen.items()
        if command == "find" and keyed == "yes" and "_id" in shape.split(",")
    )
    assert keyed_loads > sum(n for *_, n in unkeyed_loads), "most loads by id carry the key"
