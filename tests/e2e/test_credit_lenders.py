"""Banks as lenders [¶83, ¶90], through the running platform: a partner bank offers to take a
group's line over, NAFIN consents, and on the day the line and its loans move to the bank; the
fund pays each instalment to the lender of record on its due date (funds names it); a loan
approved after the takeover is the bank's, at its rate; the bank reads its creditworthiness
view as JSON and CSV. Refusals (a past day, an unknown bank, the lender it already has, a bank
acting for another, a state-scoped supervisor) write nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from megp_common.auth import Role
from megp_common.launcher import Platform
from megp_common.testing.events import EventTap, distinct

from .test_credit_flows import (
    Credit,
    approved_and_disbursed,
    credit,  # noqa: F401 - the fixture
    formed_group_with_line,
    funds_call,
    uid,
)

pytestmark = pytest.mark.e2e

BANK = "Banorte"
NAFIN_BANK = {"organization": "NAFIN"}
THE_BANK = {"organization": BANK}


def paid_instalment(event: Any, loan_id: str, number: int) -> bool:
    return bool(
        event.type == "funds.FundRepaymentMade"
        and event.data["loan_id"] == loan_id
        and event.data["installment_number"] == number
    )


def takeover(line: dict[str, Any]) -> tuple[Any, ...]:
    """What a takeover's requests may change on a line: its lender, its offer, its lenders."""
    return line["lender"], line["takeover_offer"], line["lenders"]


def read_csv(credit: Credit, path: str, headers: dict[str, str]) -> httpx.Response:  # noqa: F811
    return httpx.get(
        f"{credit.url}/v1{path}",
        params={"format": "csv", "table": "groups", "limit": 200},
        headers=headers,
        timeout=30,
    )


async def test_a_bank_takes_a_line_over_and_is_paid_from_its_day(
    credit: Credit,  # noqa: F811
    infra: Any,
    platform: Platform,
    tokens: Any,
) -> None:
    credit.set_clock(datetime(2036, 4, 1, tzinfo=UTC))
    g = await formed_group_with_line(infra, credit, "5000.00")
    group = g["group"]
    funds_call(platform, tokens, "GET", f"/funds/{group}", Role.PROGRAMME_SUPERVISOR)
    funds_call(
        platform,
        tokens,
        "POST",
        f"/funds/{group}/contributions",
        Role.PROGRAMME_SUPERVISOR,
        expect=201,
        headers={"Idempotency-Key": uid("gift")},
        json={"donor": "Fundación Ejemplo", "source": "national", "amount": "20000.00"},
    )
    first = approved_and_disbursed(credit, g, "3000.00", 3)  # NAFIN's, due May 1, Jun 1, Jul 1
    assert first["lender"] == "NAFIN" and Decimal(first["annual_rate"]) == Decimal("0.12")
    path = f"/lines/{group}"
    before = credit.call("GET", path, Role.PROGRAMME_SUPERVISOR)
    offer = f"{path}/takeover"
    body = {"lender": BANK, "effective_on": "2036-05-15"}
    bank = Role.PARTNER_BANK
    past = credit.call(
        "POST", offer, bank, expect=422, claims=THE_BANK, json=body | {"effective_on": "2036-03-01"}
    )
    assert "today or later" in past["detail"]
    unknown = credit.call(
        "POST",
        offer,
        bank,
        expect=422,
        claims={"organization": "Banco Inventado"},
        json=body | {"lender": "Banco Inventado"},
    )
    assert "LENDER_RATES" in unknown["detail"]
    held = credit.call(
        "POST", offer, bank, expect=409, claims=NAFIN_BANK, json=body | {"lender": "NAFIN"}
    )
    assert "already the lender" in held["detail"]
    credit.call("POST", offer, bank, expect=403, claims={"organization": "BBVA"}, json=body)
    credit.call("POST", offer, bank, expect=403, claims=THE_BANK | {"states": ("15",)}, json=body)
    credit.call("POST", offer, Role.ODF_STAFF, expect=403, json=body)
    credit.call("POST", f"{offer}/consent", bank, expect=409, claims=NAFIN_BANK)
    # the refusals changed nothing of the takeover (the line's version may move meanwhile: the
    # scheduler's review of the line is due on its own day, whatever the test does)
    assert takeover(credit.call("GET", path, Role.PROGRAMME_SUPERVISOR)) == takeover(before)

    offered = credit.call("POST", offer, bank, claims=THE_BANK, json=body)
    assert offered["takeover_offer"]["lender"] == BANK and offered["lender"] == "NAFIN"
    # NAFIN lends nationally: a state's supervisor does not consent for it; neither does the
    # bank itself, nor the group's board [¶55]
    state_scoped = credit.call(
        "POST",
        f"{offer}/consent",
        Role.PROGRAMME_SUPERVISOR,
        expect=403,
        claims={"states": ("09",)},
    )
    assert "national" in state_scoped["detail"]
    credit.call("POST", f"{offer}/consent", bank, expect=403, claims=THE_BANK)
    credit.call(
        "POST",
        f"{offer}/consent",
        Role.BOARD_REPRESENTATIVE,
        expect=403,
        claims={"participant_id": g["rep"]},
    )
    assert takeover(credit.call("GET", path, Role.PROGRAMME_SUPERVISOR)) == takeover(offered)
    agreed = credit.call("POST", f"{offer}/consent", bank, claims=NAFIN_BANK)
    assert agreed["lender"] == "NAFIN" and agreed["takeover_offer"] is None
    assert [(x["lender"], x["since"], x["announced"]) for x in agreed["lenders"]] == [
        ("NAFIN", "2030-03-31", True),
        (BANK, "2036-05-15", False),
    ]
    second = credit.call(
        "POST",
        "/loans",
        Role.ODF_STAFF,
        expect=201,
        json={
            "group_id": group,
            "borrower_kind": "participant",
            "borrower_id": g["member"],
            "amount": "2000.00",
            "purpose": "a loom",
            "term_months": 2,
        },
    )
    assert second["lender"] == "NAFIN"  # applied for before the day

    async with EventTap(infra.kafka, "funds.events") as paid_tap:
        credit.set_clock(datetime(2036, 5, 1, tzinfo=UTC))  # instalment 1: NAFIN's
        made = await paid_tap.collect(lambda e: paid_instalment(e, first["id"], 1), expect=1)
    assert [e.data["lender"] for e in distinct(made)] == ["NAFIN"]
    loan = credit.eventually(
        f"/loans/{first['id']}", lambda x: x["instalments"][0]["status"] == "paid"
    )
    assert loan["instalments"][0]["payee"] == "NAFIN"

    async with EventTap(infra.kafka, "credit.events") as tap:
        credit.set_clock(datetime(2036, 5, 15, tzinfo=UTC))
        taken = await tap.collect(
            lambda e: e.type == "credit.CreditLineTakenOver" and e.key == group, expect=1
        )
    [event] = distinct(taken)
    assert (event.data["previous_lender"], event.data["lender"]) == ("NAFIN", BANK)
    assert event.data["effective_on"] == "2036-05-15"
    assert sorted(event.data["loan_ids"]) == sorted([first["id"], second["id"]])
    line = credit.call("GET", path, Role.PROGRAMME_SUPERVISOR)
    assert line["lender"] == BANK and line["lenders"][-1]["announced"] is True
    moved = credit.call("GET", f"/loans/{first['id']}", Role.PROGRAMME_SUPERVISOR)
    assert moved["lender"] == BANK and Decimal(moved["annual_rate"]) == Decimal(
        "0.12"
    )  # its terms stay
    assert [x["lender"] for x in moved["lenders"]] == ["NAFIN", BANK]

    # the loan applied for before the day is the bank's to approve and disburse, at its rate
    lid = second["id"]
    credit.call(
        "POST",
        f"/loans/{lid}/board-approval",
        Role.BOARD_REPRESENTATIVE,
        claims={"participant_id": g["rep"]},
    )
    credit.call("POST", f"/loans/{lid}/lender-approval", bank, expect=403, claims=NAFIN_BANK)
    credit.call("POST", f"/loans/{lid}/lender-approval", bank, claims=THE_BANK)
    lent = credit.call("POST", f"/loans/{lid}/disbursement", bank, claims=THE_BANK)
    assert (lent["lender"], Decimal(lent["annual_rate"]), lent["status"]) == (
        BANK,
        Decimal("0.115"),
        "active",
    )
    # a second takeover by the bank it already is: refused
    credit.call(
        "POST", offer, bank, expect=409, claims=THE_BANK, json=body | {"effective_on": "2036-06-01"}
    )

    async with EventTap(infra.kafka, "funds.events") as paid_tap:
        credit.set_clock(datetime(2036, 6, 1, tzinfo=UTC))  # instalment 2: the bank's
        made = await paid_tap.collect(lambda e: paid_instalment(e, first["id"], 2), expect=1)
    assert [e.data["lender"] for e in distinct(made)] == [BANK]
    loan = credit.eventually(
        f"/loans/{first['id']}", lambda x: x["instalments"][1]["status"] == "paid"
    )
    assert [i["payee"] for i in loan["instalments"][:2]] == ["NAFIN", BANK]

    # the bank's creditworthiness view: its group's record, paged by group id
    view_path = f"/lenders/{BANK}/creditworthiness"
    view = credit.call("GET", view_path, bank, claims=THE_BANK, params={"limit": 200})
    mine = next(r for r in view["records"] if r["group_id"] == group)
    unpaid = [i for x in (loan, lent) for i in x["instalments"] if i["status"] != "paid"]
    outstanding = sum((Decimal(i["principal"]) for i in unpaid), Decimal(0))
    assert Decimal(mine["outstanding_principal"]) == outstanding
    assert (mine["loans"], mine["active_loans"], mine["repaid_loans"]) == (2, 2, 0)
    assert (mine["instalments_due"], mine["paid_on_time"], mine["paid_late"]) == (2, 2, 0)
    assert (mine["unpaid"], mine["current_state"]) == (0, "current")
    assert Decimal(view["outstanding_principal"]) >= outstanding
    assert any(v["month"] == "2036-04" for v in view["vintages"])
    after = credit.call(
        "GET", view_path, bank, claims=THE_BANK, params={"after": group, "limit": 1}
    )
    assert len(after["records"]) <= 1 and all(r["group_id"] > group for r in after["records"])
    csv = read_csv(credit, view_path, tokens.header(bank, **THE_BANK))
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    rows = [line.split(",") for line in csv.text.splitlines()]
    assert rows[0][0] == "group_id"
    assert any(r[0] == group and r[2] == "2" and r[7] == "2" for r in rows[1:])
    # a bank reads its own view only; a national supervisor any lender's
    credit.call("GET", view_path, bank, expect=403, claims=NAFIN_BANK)
    supervised = credit.call("GET", view_path, Role.PROGRAMME_SUPERVISOR, params={"limit": 200})
    assert group in {r["group_id"] for r in supervised["records"]}
