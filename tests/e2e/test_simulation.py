"""The national simulation's --small preset through the six running services: the programme's
invariants hold (the marketplace's among them: stock, sales in pesos whatever the channel,
each line split by its channel's terms, returns taken once; the inventors' programme's: no
disclosure content outside its circle or in plaintext in the store, each deadline announcement
once, each royalty counted once; the partner banks': every subscribed event delivered once in
effect, every bank statement reconciles with no exception; the associations abroad's: matches
within every cap, each receipt once, each donation in its fund's journal once, split 50/50),
and the summary's figures agree with one another, per channel and per bank too."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from megp_common.launcher import Platform
from megp_common.settings import WEB_APPS
from megp_simulation.banks import BANKS, LENDER
from megp_simulation.cli import run_simulation, table
from megp_simulation.model import Scale

pytestmark = pytest.mark.e2e


@pytest.mark.timeout(240)
def test_the_small_national_simulation_keeps_every_invariant(
    platform: Platform, infra: Any, tokens: Any
) -> None:
    urls = {name: p.url for name, p in platform.processes.items() if name not in WEB_APPS}
    scale = Scale.small()
    summary = run_simulation(
        urls, infra.kafka, scale, seed=7, header=tokens.header, quiet=True, mongo=infra.mongo
    )
    print(table(summary))
    failed = [c for c in summary["checks"] if not c["ok"]]
    assert not failed, failed
    assert summary["ok"] and all(c["checked"] > 0 for c in summary["checks"][:3])

    p, f, c, e = summary["participants"], summary["funds"], summary["credit"], summary["events"]
    assert p["total"] == scale.groups * scale.members and len(p["states"]) == scale.states
    money = {k: Decimal(v) for k, v in f.items() if isinstance(v, str)}
    assert money["trust_cash"] == money["development_subfund"] + money["competition_subfund"]
    went_in = money["members_deposits"] + money["grants_mxn"] + money["replenished"]
    went_out = money["instalments_paid"] + money["withdrawn"]
    assert money["trust_cash"] == went_in - went_out
    assert money["members_deposits"] > 0 and f["journal_entries"] > 0
    assert c["lines"] == scale.groups and c["loans"] > 0
    assert sum(c["reviews"].values()) >= scale.groups  # at least one review per line
    inst = c["instalments"]
    assert inst["paid_by_fund"] + inst["paid_directly"] + inst["overdue"] <= inst["scheduled"]
    assert f["deposits_never_made"] > 0  # the struggling group stops depositing
    assert Decimal(c["outstanding_principal"]) <= Decimal(c["disbursed"])
    assert 0 <= Decimal(c["par30"]) <= 1
    assert e["ours_total"] == sum(e["ours_by_type"].values()) > 0
    assert e["ours_by_type"].get("funds.FundRepaymentMade", 0) == inst["paid_by_fund"]
    assert e["ours_by_type"].get("credit.LoanDisbursed", 0) == c["loans"]
    assert e["ours_by_type"].get("credit.CreditLineTakenOver", 0) >= 1  # a bank took lines over
    assert e["ours_by_type"].get("enrollment.ParticipantEnrolled", 0) >= p["total"]
    # a Support and an Innovation Committee per project, two members each, as the events say
    assert p["committees"] == 2 * scale.groups and p["committee_members"] == 4 * scale.groups
    assert e["ours_by_type"].get("enrollment.CommitteeFormed", 0) == p["committees"]
    assert e["ours_by_type"].get("enrollment.CommitteeMemberAdded", 0) == p["committee_members"]
    assert e["consumed_by_group"]["funds"] > 0 and e["consumed_by_group"]["credit"] > 0
    # the driver learnt of every closed period's obligations from funds' events, polling none
    assert summary["obligation_waits"] == {"feed": scale.groups * scale.months}

    # the marketplace: every group's sellers listed, orders placed and paid, none refused; a
    # SaleCompleted per paid order and producer, counted by enrollment before each closing
    m, orders = summary["market"], summary["market"]["orders"]
    assert m["products"] == m["sellers"] == scale.groups * round(scale.sellers * scale.members)
    assert orders["paid"] > 0 and orders["refused"] == {} and m["units_sold"] > 0
    assert 0 < Decimal(m["producer_part"]) < Decimal(m["sales_amount"])
    assert e["ours_by_type"].get("trade.OrderPlaced", 0) == orders["placed"]
    assert e["ours_by_type"].get("trade.OrderPaid", 0) == orders["paid"]
    assert e["ours_by_type"].get("trade.SaleCompleted", 0) == m["sales"] >= orders["paid"]
    assert "timed out" not in summary["sales_waits"]
    # one purchasing round per ODF in the run's first year, allocated after its closing date
    assert m["rounds"]["opened"] == m["rounds"]["allocated"] == scale.groups
    assert Decimal(m["rounds"]["cost"]) > 0
    # the channels: a trade center per ODF, an association abroad per state buying in dollars
    # at the day's rate (one recorded each 15th); every channel sold, and the figures per
    # channel add up to the marketplace's
    ch, usd = m["channels"], m["usd"]
    assert ch["trade_center"]["channels"] == scale.groups
    assert ch["association_abroad"]["channels"] == scale.states
    assert all(ch[k]["paid"] > 0 for k in ch), ch
    assert sum(ch[k]["orders"] for k in ch) == orders["placed"]
    assert sum(Decimal(ch[k]["amount_mxn"]) for k in ch) == Decimal(m["sales_amount"])
    assert sum(Decimal(ch[k]["producer_part_mxn"]) for k in ch) == Decimal(m["producer_part"])
    assert usd["orders_paid"] == ch["association_abroad"]["paid"]
    assert usd["rates_recorded"] == scale.months
    assert Decimal("17") <= Decimal(usd["rate_min"]) <= Decimal(usd["rate_max"]) <= Decimal("20")
    assert Decimal(usd["amount_mxn"]) > 17 * Decimal(usd["amount_usd"]) > 0
    assert e["ours_by_type"].get("trade.ChannelRegistered", 0) == scale.groups + scale.states
    # a day whose rate a run of the same start year recorded before is a repeat: no event
    assert 0 < e["ours_by_type"].get("trade.ExchangeRateRecorded", 0) <= scale.months
    # a chain's purchase order per ODF in the run's first year, accepted or declined (its
    # order paid and shipped), and a few shipped units returned after their sale
    po, ret = m["purchase_orders"], m["returns"]
    assert po["sent"] == po["accepted"] + po["declined"] == scale.groups
    assert po["declined"] == scale.groups // 4 and po["accepted"] > 0
    assert ret["accepted"] >= scale.groups and Decimal(ret["producer_part"]) > 0
    assert e["ours_by_type"].get("trade.SaleReturned", 0) == ret["accepted"]
    assert e["ours_by_type"].get("trade.PurchaseOrderReceived", 0) == po["sent"]
    # the inventors' programme: one group of the four has two inventors; their disclosure is
    # licensed and filed at IMPI (the first inventive group always files) on setup day; its
    # priority year's 90-day reminder passes in the tenth month and is announced once; no
    # made-up word of the disclosure in any event, any other service's answer or ip-counsel's
    # stored documents
    i = summary["inventors"]
    assert (i["groups"], i["inventors"], i["disclosures"], i["filings"]) == (1, 2, 1, 1)
    assert p["by_programme"].get("inventors", 0) >= 2
    assert i["deadlines_opened"] >= 1 and i["reminders_announced"] == 1
    assert i["misses_announced"] == 0 and i["answers_scanned"] > 0
    assert e["ours_by_type"].get("ip_counsel.DeadlineReminderDue", 0) >= 1
    # the inventors' licence: a royalty reported and paid each 15th, split between the two
    # inventors and counted in their periods (by the royalty check below)
    assert i["licences"] == 1 and i["royalties_paid"] == scale.months
    assert i["royalty_parts_announced"] == 2 * scale.months and Decimal(i["royalties_mxn"]) > 0
    # the partner banks: the three hold the four funds in turn; each received, signed, every
    # movement of its funds, each lender of record its credit events, once in effect; every
    # fund's camt.053 of the run reconciles with no exception
    subs, st = summary["banks"]["webhooks"]["subscribers"], summary["banks"]["statements"]
    assert [subs[b]["funds_held"] for b in BANKS] == [2, 1, 1]
    assert all(x["received"] == x["expected"] > 0 for x in subs.values()), subs
    assert all(x["bad_signatures"] == 0 for x in subs.values())
    movements = [subs[b]["by_type"] for b in BANKS]
    assert sum(x.get("funds.FundRepaymentMade", 0) for x in movements) == inst["paid_by_fund"]
    # every disbursement reached its lender of record: NAFIN, or the bank that took the line
    # over (a loan disbursed after the takeover is the bank's)
    lent = [subs[b]["by_type"].get("credit.LoanDisbursed", 0) for b in (*BANKS, LENDER)]
    assert sum(lent) == c["loans"], subs
    assert not any(k.startswith("funds.") for k in subs[LENDER]["by_type"])
    assert st["funds"] == st["statements"] == st["clean"] == scale.groups
    assert 0 < st["entries"] <= f["journal_entries"]
    # the associations abroad: a club for one state of the two, giving each 15th (USD at the
    # day's recorded rate, or MXN), every other month inside the 3x1 programme; each gift booked
    # by its fund and receipted; the co-funders paid most pledges and the rest lapsed when the
    # window closed, the club told of each; the per-project cap held the matches back
    d = summary["donors"]
    assert d["associations"] == 1 and d["donations"] == d["booked"] == d["receipts"] == 10
    assert d["in_programme"] == 5 and d["usd_donations"] == 7
    assert 0 < Decimal(d["pledged_mxn"]) < Decimal(d["full_match_mxn"])  # a cap held it back
    assert d["pledges"].get("paid", 0) > d["pledges"].get("lapsed", 0) > 0
    assert Decimal(d["paid_mxn"]) > 0
    assert e["ours_by_type"].get("donors.DonationMade", 0) == d["donations"]
    assert e["ours_by_type"].get("donors.MatchingPledgePaid", 0) == d["pledges"]["paid"]
    # a lapse is announced when the window closes, on the run's last day: the run's events are
    # read a moment before the last may land
    assert e["ours_by_type"].get("donors.MatchingPledgeLapsed", 0) <= d["pledges"]["lapsed"]
    # each gift booked announced once (a portal's webhook), and the club's report of each month
    # the clock left behind, a month its jumps skipped included, and a year's report if the run
    # crossed a December
    assert e["ours_by_type"].get("donors.DonationBooked", 0) == d["booked"]
    assert scale.months <= e["ours_by_type"].get("donors.ReportReady", 0) <= scale.months + 2
    checks = {c["name"]: c for c in summary["checks"]}
    for name in (
        "no disclosure content outside its circle",
        "no disclosure content in plaintext in ip-counsel's store",
        "each deadline reminder and miss announced at most once",
        "every royalty counted once in its inventor's period results",
        "each fund held in trust by the bank its ODF named",
        "every subscribed event delivered once in effect",
        "every bank statement reconciles with no exception",
        "matched totals within every cap",
        "every donation's receipt exists once",
        "every booked donation is in its fund's journal once with its 50/50 split",
        "unpaid pledges lapse and the association is told",
    ):
        assert checks[name]["ok"] and checks[name]["checked"] > 0, checks[name]
    names = {c["name"] for c in summary["checks"]}
    assert {
        "stock never negative",
        "every completed sale counted once in its producer's period results",
        "each line split by its channel's terms",
        "every accepted return taken once from its producer's period",
    } <= names
