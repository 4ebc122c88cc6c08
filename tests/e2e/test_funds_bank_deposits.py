"""Deposits the fund's trust bank reports, through the running funds service: members' deposit
references, one deposit as JSON, a camt.054 batch with an outcome per transaction, each posted
once by the bank's transaction id across both routes, and the bank's own camt.053 of the period
(.001.02, batch-booked) reconciling with no exception."""

from __future__ import annotations

import importlib.util
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from funds.adapters import camt053
from funds.adapters import iso20022_xml as iso
from funds.domain.bank_deposits import deposit_reference
from megp_common.auth import Role
from megp_common.ids import new_id

from .test_funds_flows import _h, _open, platform_kafka
from .test_funds_support import Group, eventually, far_future, funds_events, publish, set_clock

pytestmark = pytest.mark.e2e


def _bank_files() -> ModuleType:
    """The funds unit tests' writer of bank-shaped camt documents (one writer, not two)."""
    path = Path(__file__).parents[2] / "services/funds/tests/unit/bank_files.py"
    spec = importlib.util.spec_from_file_location("funds_bank_files", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


bf = _bank_files()


class Fund:
    """A formed group with two deposit obligations, the clock five days after its opening."""

    def __init__(self, platform: Any, tokens: Any, days: int) -> None:
        self.group, start = Group(), far_future(days)
        self.tokens = tokens
        self.url = _open(platform, tokens, self.group, start)
        self.base = f"{self.url}/v1/funds/{self.group.group_id}"
        self.opened = start.date()
        closings = [
            self.group.period_closed(self.group.members[0], "80.00", self.opened, start),
            self.group.period_closed(self.group.members[1], "40.00", self.opened, start),
        ]
        publish(platform_kafka(), "enrollment.events", closings)
        eventually(lambda: len(self.owed()) == 2)
        set_clock(self.url, tokens, start + timedelta(days=5))
        self.bank = tokens.header(Role.PARTNER_BANK, states=("09",), organization=self.group.bank)
        refs = httpx.get(f"{self.base}/deposit-references", headers=self.bank)
        assert refs.status_code == 200, refs.text
        self.account = refs.json()["account_id"]
        self.refs = {m["participant_id"]: m["deposit_reference"] for m in refs.json()["members"]}

    def owed(self) -> dict[str, str]:
        read = _h(self.tokens, Role.PROGRAMME_SUPERVISOR)
        found = httpx.get(f"{self.base}/obligations?status=open", headers=read).json()
        return {o["participant_id"]: o["outstanding"] for o in found}

    def journal(self) -> list[dict[str, Any]]:
        read = _h(self.tokens, Role.PROGRAMME_SUPERVISOR)
        items: list[dict[str, Any]] = httpx.get(f"{self.base}/journal", headers=read).json()[
            "items"
        ]
        return items

    def journal_all(self) -> list[dict[str, Any]]:
        read = _h(self.tokens, Role.PROGRAMME_SUPERVISOR)
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"limit": 200} | ({"cursor": cursor} if cursor else {})
            page = httpx.get(f"{self.base}/journal", params=params, headers=read).json()
            items += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                return items

    def ref(self, n: int) -> str:
        return self.refs[self.group.members[n]]

    def day(self, n: int) -> date:
        return self.opened + timedelta(days=n)

    def report(
        self, body: dict[str, Any], who: dict[str, str] | None = None, key: str | None = None
    ) -> httpx.Response:
        headers = (who or self.bank) | {"Idempotency-Key": key or f"r-{new_id()}"}
        return httpx.post(f"{self.base}/bank-deposits", json=body, headers=headers)

    def notify(
        self, document: bytes, who: dict[str, str] | None = None, key: str | None = None
    ) -> httpx.Response:
        headers = (who or self.bank) | {"Idempotency-Key": key or f"n-{new_id()}"}
        return httpx.post(
            f"{self.base}/bank-deposit-notifications",
            json={"document": document.decode()},
            headers=headers,
            timeout=120,
        )


def _problem(r: httpx.Response, status: int) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


def test_references_are_for_the_trust_bank_and_staff_and_each_member(platform, tokens) -> None:  # type: ignore[no-untyped-def]
    f = Fund(platform, tokens, 11)
    assert sorted(f.refs) == sorted(f.group.members)
    assert all(len(r) == 11 and r.isdigit() for r in f.refs.values())
    assert len(set(f.refs.values())) == 3
    staff = httpx.get(f"{f.base}/deposit-references", headers=_h(tokens, Role.ODF_STAFF))
    assert staff.status_code == 200 and "curp" not in staff.text.lower()
    for who in (
        tokens.header(Role.PARTNER_BANK, states=("09",), organization="Otro Banco"),
        _h(tokens, Role.DONOR_PORTAL),
        _h(tokens, Role.PARTICIPANT, f.group.members[1]),
    ):
        _problem(httpx.get(f"{f.base}/deposit-references", headers=who), 403)
    member = f.group.members[1]
    own = httpx.get(f"{f.base}/members/{member}", headers=_h(tokens, Role.PARTICIPANT, member))
    assert own.json()["deposit_reference"] == f.refs[member]


def test_one_reported_deposit_settles_once_by_the_banks_transaction_id(platform, tokens) -> None:  # type: ignore[no-untyped-def]
    f = Fund(platform, tokens, 12)
    tx = f"BNMX{new_id().replace('-', '')[:20]}"
    body = {
        "bank_transaction_id": tx,
        "reference": f.ref(0),
        "amount": "80.00",
        "value_date": f.day(2).isoformat(),
    }
    first = f.report(body, key="k-1")
    assert first.status_code == 201, first.text
    done = first.json()
    assert (done["outcome"], done["participant_id"], done["amount"]) == (
        "settled",
        f.group.members[0],
        "80.00",
    )
    assert f.owed() == {f.group.members[1]: "40.00"}  # member 0's 80.00 is settled
    [entry] = f.journal()
    assert (entry["id"], entry["kind"], entry["effective_on"]) == (
        done["entry_id"],
        "member_deposit",
        f.day(2).isoformat(),
    )
    # the same key replays; another key finds the posted deposit; nothing is posted twice
    assert f.report(body, key="k-1").json() == done
    again = f.report(body)
    assert again.status_code == 200
    assert again.json() == done | {"outcome": "already_reported"}
    changed = f.report(body | {"amount": "81.00"})
    _problem(changed, 409)
    assert "80.00" in changed.json()["detail"]
    assert len(f.journal()) == 1

    # refused with nothing written
    refused = [
        (body | {"bank_transaction_id": "other-1", "reference": "12345678900"}, 422),
        (body | {"bank_transaction_id": "other-2", "amount": "0"}, 422),
        (body | {"bank_transaction_id": "other-3", "currency": "USD"}, 422),
        (body | {"bank_transaction_id": "other 4"}, 422),
        (body | {"bank_transaction_id": "other-5", "value_date": f.day(9).isoformat()}, 422),
    ]
    unknown = deposit_reference("another-fund", f.group.members[0])
    refused.append((body | {"bank_transaction_id": "other-6", "reference": unknown}, 422))
    for bad, status in refused:
        _problem(f.report(bad), status)
    for who in (
        tokens.header(Role.PARTNER_BANK, states=("09",), organization="Otro Banco"),
        _h(tokens, Role.ODF_STAFF),
        tokens.header(Role.PARTNER_BANK, states=("14",), organization=f.group.bank),
    ):
        _problem(f.report(body | {"bank_transaction_id": "other-7"}, who), 403)
    assert len(f.journal()) == 1
    check = httpx.get(f"{f.base}/ledger-check", headers=_h(tokens, Role.PROGRAMME_SUPERVISOR))
    assert check.json()["consistent"]


def test_a_camt054_batch_then_the_banks_statement_reconciles(platform, tokens) -> None:  # type: ignore[no-untyped-def]
    f = Fund(platform, tokens, 13)
    tag = new_id().replace("-", "")[:12]
    tx = [f"BN{tag}{i:02d}" for i in range(10)]
    # one deposit reported on its own first, and a grant the bank received by transfer
    single = {
        "bank_transaction_id": tx[0],
        "reference": f.ref(0),
        "amount": "50.00",
        "value_date": f.day(1).isoformat(),
    }
    assert f.report(single).status_code == 201
    grant = {"donor": "Fundación Y", "source": "local", "amount": "1000.00"}
    donor = _h(tokens, Role.PROGRAMME_SUPERVISOR, key=f"g-{new_id()}")
    assert httpx.post(f"{f.base}/contributions", json=grant, headers=donor).status_code == 201

    bookings = [
        # a branch deposit, the reference in the structured remittance
        bf.Booking([bf.Tx(4_000, bank_ref=tx[1], strd=[f.ref(1)])], f.day(2), own_ref="E1"),
        # a correspondent's day, batch-booked, the references typed in the free text
        bf.Booking(
            [
                bf.Tx(3_000, bank_ref=tx[2], ustrd=[f"DEPOSITO REF {f.ref(2)}"]),
                bf.Tx(3_000, bank_ref=tx[3], ustrd=[f"DEPOSITO REF {f.ref(0)}"]),
            ],
            f.day(3),
            booked=f.day(4),
            own_ref="E2",
        ),
        # the one reported on its own, again: the same, and then with another amount
        bf.Booking([bf.Tx(5_000, bank_ref=tx[0], strd=[f.ref(0)])], f.day(1)),
        bf.Booking([bf.Tx(5_100, bank_ref=tx[0], strd=[f.ref(0)])], f.day(1)),
        # refused: another fund's member, a debit, a zero amount, no reference
        bf.Booking([bf.Tx(1_000, bank_ref=tx[4], strd=[deposit_reference("x", "y")])], f.day(2)),
        bf.Booking([bf.Tx(1_000, credit=False, bank_ref=tx[5], strd=[f.ref(1)])], f.day(2)),
        bf.Booking([bf.Tx(0, bank_ref=tx[6], strd=[f.ref(1)])], f.day(2)),
        bf.Booking([bf.Tx(1_000, bank_ref=tx[7])], f.day(2)),
    ]
    document = bf.notification(f.account, bookings, message_id=f"NTF-{tag}")
    r = f.notify(document, key="batch-1")
    assert r.status_code == 200, r.text
    result = r.json()
    assert (result["transactions"], result["settled"], result["already_reported"]) == (9, 3, 1)
    assert result["refused"] == 5
    outcomes = [(o["bank_transaction_id"], o["outcome"]) for o in result["outcomes"]]
    assert outcomes == [
        (tx[1], "settled"),
        (tx[2], "settled"),
        (tx[3], "settled"),
        (tx[0], "already_reported"),
        (tx[0], "refused"),
        (tx[4], "refused"),
        (tx[5], "refused"),
        (tx[6], "refused"),
        (tx[7], "refused"),
    ]
    reasons = [o["reason"] for o in result["outcomes"] if o["outcome"] == "refused"]
    assert "reported before as 50.00, now 51.00" in reasons[0]
    assert "no member" in reasons[1] and "not a credit" in reasons[2]
    assert "zero" in reasons[3] and "no deposit reference" in reasons[4]
    assert f.owed() == {}  # member 0's 80.00 = 50.00 + 30.00, member 1's 40.00
    entries = f.journal()
    assert len(entries) == 5  # the single, the grant, three from the batch
    # the same document again, by key or not: nothing more is posted
    assert f.notify(document, key="batch-1").json() == result
    repeat = f.notify(document).json()
    assert (repeat["settled"], repeat["already_reported"], repeat["refused"]) == (0, 4, 5)
    assert len(f.journal()) == 5

    # a document the fund cannot take is refused whole, with nothing written
    other = bf.notification(camt053.account_id("g-another"), bookings[:1], message_id="X")
    usd = bf.notification(
        f.account,
        [bf.Booking([bf.Tx(100, bank_ref="U1", strd=[f.ref(1)])], f.day(2), currency="USD")],
    )
    statement = bf.camt053(
        iso.CAMT053_V08,
        account=f.account,
        start=f.day(0),
        end=f.day(0),
        opening=0,
        closing=0,
        bookings=[],
    )
    for bad in (other, usd, statement, b"<Document><oops", document.replace(b"<MsgId>", b"<Id>")):
        _problem(f.notify(bad), 422)
    _problem(
        f.notify(
            document, tokens.header(Role.PARTNER_BANK, states=("09",), organization="Otro Banco")
        ),
        403,
    )
    assert len(f.journal()) == 5
    check = httpx.get(f"{f.base}/ledger-check", headers=_h(tokens, Role.PROGRAMME_SUPERVISOR))
    assert check.json()["consistent"]

    # the statement names the bank's deposits by the bank's transaction ids
    period = {"from": f.day(0).isoformat(), "to": f.day(5).isoformat()}
    ours = httpx.get(f"{f.base}/bank-statement", params=period, headers=f.bank).json()
    refs = {m["reference"]: m for m in ours["movements"]}
    assert {tx[0], tx[1], tx[2], tx[3]} <= refs.keys()
    assert refs[tx[2]]["value_date"] == f.day(3).isoformat()
    [grant_ref] = [m["reference"] for m in ours["movements"] if m["kind"] == "grant"]

    # the bank's own statement of the period, as a batch-booking bank writes it (.001.02):
    # what it booked, by its own ids, with the grant's transfer carrying our reference
    today = f.day(5)
    theirs = bf.camt053(
        iso.CAMT053_V02,
        account=f.account,
        start=f.day(0),
        end=f.day(5),
        opening=0,
        closing=115_000,
        bookings=[
            bf.Booking([bf.Tx(5_000, bank_ref=tx[0], strd=[f.ref(0)])], f.day(1)),
            bf.Booking(
                [bf.Tx(100_000, end_to_end=grant_ref, debtor="Fundacion Y")],
                today,
                own_ref="SPEI-0001",
            ),
            bf.Booking([bf.Tx(4_000, bank_ref=tx[1], strd=[f.ref(1)])], f.day(2)),
            bf.Booking(
                [
                    bf.Tx(3_000, bank_ref=tx[2], ustrd=[f"DEPOSITO REF {f.ref(2)}"]),
                    bf.Tx(3_000, bank_ref=tx[3], ustrd=[f"DEPOSITO REF {f.ref(0)}"]),
                ],
                f.day(3),
                booked=f.day(4),
            ),
        ],
    )
    up = httpx.post(
        f"{f.base}/bank-statements",
        json={"document": theirs.decode()},
        headers=f.bank | {"Idempotency-Key": f"s-{new_id()}"},
    )
    assert up.status_code == 201, up.text
    found = up.json()
    assert found["message"] == "camt.053.001.02"
    assert (found["clean"], found["unmatched"], found["balance_differences"]) == (True, [], [])
    assert sorted(found["matched"]) == sorted([tx[0], tx[1], tx[2], tx[3], grant_ref])

    # the deposits were announced with the bank's ids
    events = funds_events(platform_kafka(), f.group.group_id, {"InflowRecorded"})
    announced = {
        e.data.get("bank_transaction_id") for e in events if e.type.endswith("InflowRecorded")
    }
    assert {tx[0], tx[1], tx[2], tx[3]} <= announced


def test_the_reconciliations_of_a_fund_newest_first(platform, tokens) -> None:  # type: ignore[no-untyped-def]
    f = Fund(platform, tokens, 14)
    day = f.day(0).isoformat()
    ours = httpx.get(
        f"{f.base}/bank-statement",
        params={"from": day, "to": day, "format": "camt053"},
        headers=f.bank,
    ).content
    v02 = bf.camt053(
        iso.CAMT053_V02,
        account=f.account,
        start=f.day(0),
        end=f.day(0),
        opening=0,
        closing=0,
        bookings=[],
    )
    for document in (ours, v02, v02.replace(b"STMT-", b"STMT2-")):
        r = httpx.post(
            f"{f.base}/bank-statements",
            json={"document": document.decode()},
            headers=f.bank | {"Idempotency-Key": f"s-{new_id()}"},
        )
        assert r.status_code == 201, r.text
    path = f"{f.base}/reconciliations"
    page = httpx.get(path, params={"limit": 2}, headers=f.bank)
    assert page.status_code == 200, page.text
    first = page.json()
    assert [i["version"] for i in first["items"]] == [3, 2]
    assert [i["message"] for i in first["items"]] == ["camt.053.001.02"] * 2
    rest = httpx.get(path, params={"limit": 2, "cursor": first["next_cursor"]}, headers=f.bank)
    assert [i["version"] for i in rest.json()["items"]] == [1]
    assert rest.json()["next_cursor"] is None
    assert rest.json()["items"][0] == httpx.get(f"{path}/1", headers=f.bank).json()
    for who in (_h(tokens, Role.ODF_STAFF), _h(tokens, Role.PROGRAMME_SUPERVISOR)):
        assert httpx.get(path, headers=who).status_code == 200
    for who in (
        tokens.header(Role.PARTNER_BANK, states=("09",), organization="Otro Banco"),
        _h(tokens, Role.DONOR_PORTAL),
        _h(tokens, Role.BOARD_REPRESENTATIVE, f.group.rep),
    ):
        _problem(httpx.get(path, headers=who), 403)
    _problem(httpx.get(path, params={"cursor": "not-a-cursor"}, headers=f.bank), 422)


def test_a_large_notification_posts_each_transaction_once(platform, tokens) -> None:  # type: ignore[no-untyped-def]
    """A busy correspondent's day: 300 deposits in one camt.054 (batches of 20), with 30 that
    name no member among them; again, nothing more is posted."""
    f = Fund(platform, tokens, 15)
    tag = new_id().replace("-", "")[:12]
    stranger = deposit_reference("g-other", "p-other")
    bookings = []
    for b in range(15):
        txs = [
            bf.Tx(
                100 + n,
                bank_ref=f"L{tag}{b:02d}{n:02d}",
                strd=[stranger if n % 10 == 9 else f.ref(n % 3)],
            )
            for n in range(20)
        ]
        bookings.append(bf.Booking(txs, f.day(1 + b % 4), own_ref=f"B{tag}{b:02d}"))
    document = bf.notification(f.account, bookings, message_id=f"BIG-{tag}")
    started = time.monotonic()
    r = f.notify(document)
    took = time.monotonic() - started
    assert r.status_code == 200, r.text
    result = r.json()
    assert (result["settled"], result["refused"], result["already_reported"]) == (270, 30, 0)
    print(f"\ncamt.054 of 300 transactions ({len(document)} bytes): {took:.2f} s")
    entries = f.journal_all()
    assert len(entries) == 270 and [e["seq"] for e in entries] == list(range(1, 271))
    check = httpx.get(f"{f.base}/ledger-check", headers=_h(tokens, Role.PROGRAMME_SUPERVISOR))
    assert check.json()["consistent"]
    again = f.notify(document).json()
    assert (again["settled"], again["refused"], again["already_reported"]) == (0, 30, 270)
    assert len(f.journal_all()) == 270
