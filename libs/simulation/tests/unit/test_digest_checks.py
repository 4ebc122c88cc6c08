"""The funds' and instalments' checks read folded journals and events (`megp_simulation.digest`):
each still fails on what it looks for, and a fold of a list gives what the list held."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from megp_simulation.digest import JournalDigest, RunEvents
from megp_simulation.invariants import Check, FundView, check_funds, check_instalments
from megp_simulation.model import Group, LoanTrack


def line(account: str, side: str, amount: str) -> dict[str, str]:
    return {"account": account, "side": side, "amount": amount, "currency": "MXN"}


def inflow(eid: str, pesos: str, dev: str, comp: str) -> dict[str, Any]:
    return {
        "id": eid,
        "kind": "deposit_sheet",
        "description": "deposit sheet",
        "metadata": {},
        "lines": [
            line("trust_cash", "debit", pesos),
            line("development_subfund", "credit", dev),
            line("competition_subfund", "credit", comp),
        ],
    }


def repayment(eid: str, loan: str, number: int, pesos: str) -> dict[str, Any]:
    return {
        "id": eid,
        "kind": "instalment_payment",
        "description": f"instalment {number} of loan {loan} paid from the fund",
        "metadata": {"loan_id": loan},
        "lines": [
            line("trust_cash", "credit", pesos),
            line("development_subfund", "debit", pesos),
        ],
    }


def fund(journal: list[dict[str, Any]], trust: str, dev: str, comp: str) -> FundView:
    """A group that posted 100.01 and 50.00 and whose fund repaid loan k1's first instalment
    (40.00) from its development sub-fund."""
    g = Group(index=0, state="20", rng=random.Random(1), group_id="g1")
    g.inflows = [Decimal("100.01"), Decimal("50.00")]
    paid = {"number": 1, "status": "paid", "paid_by": "fund", "due_date": "2041-03-15"}
    g.loans = [LoanTrack("k1", Decimal(80), 2, [paid | {"principal": "38", "interest": "2"}])]
    statement = {"trust_cash": trust, "development_subfund": dev, "competition_subfund": comp}
    consistent = {"consistent": True, "missing_sequence_numbers": []}
    return FundView(g, statement, consistent, JournalDigest.of(journal), 0)


SOUND = [
    inflow("j1", "100.01", "50.01", "50.00"),
    inflow("j2", "50.00", "25.00", "25.00"),
    repayment("j3", "k1", 1, "40.00"),
]
SIM = SimpleNamespace(end_day=__import__("datetime").date(2041, 12, 31))


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


def test_a_sound_fund_passes_every_check_on_its_folded_journal() -> None:
    checks = check_funds(SIM, [fund(SOUND, "110.01", "35.01", "75.00")])  # type: ignore[arg-type]
    assert [c.failures for c in checks] == [[], [], []]
    split = by_name(checks)["sub-funds = half the inflows less outflows"]
    assert split.checked == 4  # two inflow entries judged as folded, the totals, the count


def test_an_unevenly_split_inflow_and_a_cash_gap_fail() -> None:
    journal = [inflow("j1", "100.01", "50.00", "50.01"), *SOUND[1:]]  # the odd centavo wrong
    checks = by_name(check_funds(SIM, [fund(journal, "110.01", "35.01", "75.00")]))  # type: ignore[arg-type]
    split = checks["sub-funds = half the inflows less outflows"]
    assert split.failures[0] == "g1: entry j1 splits 10001 unevenly"
    cash = checks["inflows - outflows = trust cash"]
    assert cash.ok
    short = by_name(check_funds(SIM, [fund(SOUND[:2], "110.01", "35.01", "75.00")]))  # type: ignore[arg-type]
    assert short["inflows - outflows = trust cash"].failures == [
        "g1: journal trust cash 15001 vs statement 110.01"
    ]


def test_an_inflow_entry_missing_from_the_journal_fails() -> None:
    checks = by_name(check_funds(SIM, [fund(SOUND[1:], "110.01", "35.01", "75.00")]))  # type: ignore[arg-type]
    assert any(
        "1 inflow entries, the simulation made 2" in f
        for f in checks["sub-funds = half the inflows less outflows"].failures
    )


def paid(eid: str, entry: str) -> list[dict[str, Any]]:
    data = {"loan_id": "k1", "installment_number": 1}
    return [
        {"id": f"p{eid}", "type": "credit.InstallmentPaid", "data": data},
        {"id": eid, "type": "funds.FundRepaymentMade", "data": data | {"entry_id": entry}},
    ]


def test_a_repayment_announced_twice_or_paid_twice_fails() -> None:
    f = fund(SOUND, "110.01", "35.01", "75.00")
    sound = by_name(check_instalments(SIM, [f], RunEvents.of(paid("e1", "j3") * 2)))  # type: ignore[arg-type]
    assert all(c.ok for c in sound.values())  # a redelivered copy counts once
    twice = by_name(check_instalments(SIM, [f], RunEvents.of(paid("e1", "j3") + paid("e2", "j3"))))  # type: ignore[arg-type]
    assert twice["each fund repayment announced once"].failures == [
        "entry j3 announced by 2 event ids"
    ]
    assert "k1#1 paid twice" in twice["no instalment paid twice"].failures


def test_a_repayment_entry_naming_another_instalment_fails() -> None:
    journal = [*SOUND[:2], repayment("j3", "k1", 2, "40.00")]
    checks = by_name(
        check_instalments(SIM, [fund(journal, "110.01", "35.01", "75.00")], RunEvents())
    )  # type: ignore[arg-type]
    assert checks["each fund repayment matches one instalment"].failures == [
        "g1: entry j3 (k1#2) matches no unpaid-by-fund instalment"
    ]


def test_the_fold_counts_types_once_per_id_and_keeps_only_what_checks_read() -> None:
    sale = {"order_id": "o1", "producer_id": "m1", "producer_part": "9.00", "lines": ["big"]}
    sale |= {"group_id": "g1", "completed_on": "2041-03-15"}
    run = RunEvents.of(
        [
            {"id": "s1", "type": "trade.SaleCompleted", "data": sale},
            {"id": "s1", "type": "trade.SaleCompleted", "data": sale},
            {"id": "x", "type": "funds.InflowRecorded", "data": {"note": "telarix"}},
        ],
        watched=["telarix"],
    )
    assert run.copies == 3 and dict(run.by_type) == {
        "trade.SaleCompleted": 1,
        "funds.InflowRecorded": 1,
    }
    # the sale folded into the marketplace's index once: its count, its part, its month's sum
    index = run.market
    assert index.sale("o1", "m1") == (1, Decimal("9.00")) and len(index.by_sale) == 1
    assert dict(index.income) == {("g1", "m1", date(2041, 3, 1)): Decimal("9.00")}
    assert run.secrets_found == ["event funds.InflowRecorded x: ['telarix']"]


def test_the_seen_ids_are_a_set_in_sorted_arrays_of_eight_bytes() -> None:
    from megp_simulation.digest import SeenIds

    rng = random.Random(3)
    values = [rng.getrandbits(64) for _ in range(5000)]
    seen, plain = SeenIds(buffer=64), set()
    for v in values + values[:700]:  # copies again, some after their run was merged
        assert (v in seen) == (v in plain)
        seen.add(v)
        plain.add(v)
    assert len(seen) == len(plain) == 5000
    assert all(v in seen for v in values) and not any(v + 1 in seen for v in values[:50])
    assert len(seen._new) < 64 and len(seen._runs) <= 8  # a log of runs, each sorted
    assert all(list(r) == sorted(r) for r in seen._runs)
