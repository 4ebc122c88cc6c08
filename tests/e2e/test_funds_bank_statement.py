"""A trust fund's statement for a period, from the running funds service: JSON and camt.053
(valid against the published schema), who may read it, and bounded periods."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
from lxml import etree

from funds.adapters import camt053
from megp_common.auth import Role
from megp_common.ids import new_id

from .test_funds_flows import _h, _open
from .test_funds_support import Group, far_future

pytestmark = pytest.mark.e2e


def test_the_trust_bank_reads_the_period_as_json_and_camt053(platform, tokens) -> None:  # type: ignore[no-untyped-def]
    group, start = Group(), far_future(6)
    url = _open(platform, tokens, group, start)
    base = f"{url}/v1/funds/{group.group_id}"
    for i, amount in enumerate(("1000.00", "250.50")):
        grant = {"donor": f"Donante {i}", "source": "local", "amount": amount}
        headers = _h(tokens, Role.PROGRAMME_SUPERVISOR, key=f"g{i}-{new_id()}")
        assert httpx.post(f"{base}/contributions", json=grant, headers=headers).status_code == 201
    spend = {
        "purpose": "market_studies",
        "amount": "200",
        "payee": "Estudios SC",
        "description": "study",
    }
    rep = _h(tokens, Role.BOARD_REPRESENTATIVE, group.rep, key=f"s-{new_id()}")
    assert httpx.post(f"{base}/competition-spends", json=spend, headers=rep).status_code == 201
    journal = httpx.get(f"{base}/journal", headers=_h(tokens, Role.PROGRAMME_SUPERVISOR)).json()
    day = start.date()
    period = {"from": (day - timedelta(days=3)).isoformat(), "to": day.isoformat()}
    bank = tokens.header(Role.PARTNER_BANK, states=("09",), organization=group.bank)

    r = httpx.get(f"{base}/bank-statement", params=period, headers=bank)
    assert r.status_code == 200, r.text
    s = r.json()
    assert (s["opening_balance"], s["closing_balance"]) == ("0.00", "1050.50")
    assert (s["total_credits"], s["total_debits"]) == ("1250.50", "200.00")
    assert [m["entry_id"] for m in s["movements"]] == [e["id"] for e in journal["items"]]
    assert [m["direction"] for m in s["movements"]] == ["credit", "credit", "debit"]
    assert [m["counterpart"] for m in s["movements"]] == ["Donante 0", "Donante 1", "Estudios SC"]
    assert {m["value_date"] for m in s["movements"]} == {day.isoformat()}

    # the next day opens where this one closed, with no movement
    after = {
        "from": (day + timedelta(days=1)).isoformat(),
        "to": (day + timedelta(days=1)).isoformat(),
    }
    later = httpx.get(f"{base}/bank-statement", params=after, headers=bank).json()
    assert (later["opening_balance"], later["closing_balance"], later["movements"]) == (
        "1050.50",
        "1050.50",
        [],
    )

    xml = httpx.get(f"{base}/bank-statement", params=period | {"format": "camt053"}, headers=bank)
    assert xml.status_code == 200 and xml.headers["content-type"].startswith("application/xml")
    camt053.validate(xml.content)
    tree = etree.fromstring(xml.content)
    ns = {"c": camt053.NAMESPACE}
    amounts = [Decimal(a.text or "") for a in tree.findall(".//c:Ntry/c:Amt", ns)]
    assert amounts == [Decimal("1000.00"), Decimal("250.50"), Decimal("200.00")]
    refs = [r.text for r in tree.findall(".//c:Ntry/c:AcctSvcrRef", ns)]
    assert refs == [m["reference"] for m in s["movements"]]
    closing = tree.findall(".//c:Bal", ns)[1]
    assert closing.findtext("c:Tp/c:CdOrPrtry/c:Cd", namespaces=ns) == "CLBD"
    assert closing.findtext("c:Amt", namespaces=ns) == "1050.50"


def test_who_reads_a_statement_and_which_periods(platform, tokens) -> None:  # type: ignore[no-untyped-def]
    group, start = Group(), far_future(7)
    url = _open(platform, tokens, group, start)
    path = f"{url}/v1/funds/{group.group_id}/bank-statement"
    day = start.date()
    ok = {"from": day.isoformat(), "to": day.isoformat()}
    allowed = [
        tokens.header(Role.PARTNER_BANK, states=("09",), organization=group.bank),
        _h(tokens, Role.ODF_STAFF),
        _h(tokens, Role.PROGRAMME_SUPERVISOR),
    ]
    for headers in allowed:
        assert httpx.get(path, params=ok, headers=headers).status_code == 200
    refused = [
        tokens.header(Role.PARTNER_BANK, states=("09",), organization="Otro Banco"),
        _h(tokens, Role.DONOR_PORTAL),
        _h(tokens, Role.PARTICIPANT, group.rep),
        _h(tokens, Role.BOARD_REPRESENTATIVE, group.rep),
        tokens.header(Role.ODF_STAFF, states=("14",)),
        tokens.header(Role.PARTNER_BANK, states=("14",), organization=group.bank),
    ]
    for headers in refused:
        r = httpx.get(path, params=ok, headers=headers)
        assert r.status_code == 403, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
    staff = _h(tokens, Role.ODF_STAFF)
    bad = [
        {"from": "2030-02-30", "to": day.isoformat()},
        {"from": "yesterday"},
        {"from": day.isoformat(), "to": (day - timedelta(days=1)).isoformat()},
        {"from": day.isoformat(), "to": (day + timedelta(days=366)).isoformat()},
        ok | {"format": "pdf"},
    ]
    for params in bad:
        r = httpx.get(path, params=params, headers=staff)
        assert r.status_code == 422, (params, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    longest = {"from": day.isoformat(), "to": (day + timedelta(days=365)).isoformat()}
    assert httpx.get(path, params=longest, headers=staff).status_code == 200


def test_the_trust_bank_uploads_its_statement_and_it_is_reconciled(platform, tokens) -> None:  # type: ignore[no-untyped-def]
    group, start = Group(), far_future(8)
    url = _open(platform, tokens, group, start)
    base = f"{url}/v1/funds/{group.group_id}"
    for i, amount in enumerate(("700.00", "300.00")):
        grant = {"donor": f"Donante {i}", "source": "local", "amount": amount}
        headers = _h(tokens, Role.PROGRAMME_SUPERVISOR, key=f"g{i}-{new_id()}")
        assert httpx.post(f"{base}/contributions", json=grant, headers=headers).status_code == 201
    day = start.date().isoformat()
    bank = tokens.header(Role.PARTNER_BANK, states=("09",), organization=group.bank)
    period = {"from": day, "to": day, "format": "camt053"}
    ours = httpx.get(f"{base}/bank-statement", params=period, headers=bank).content
    journal_before = httpx.get(f"{base}/journal", headers=bank).json()

    def upload(document: bytes, who: dict[str, str]) -> httpx.Response:
        headers = who | {"Idempotency-Key": f"u-{new_id()}"}
        return httpx.post(
            f"{base}/bank-statements", json={"document": document.decode()}, headers=headers
        )

    first = upload(ours, bank)
    assert first.status_code == 201, first.text
    result = first.json()
    assert (result["version"], result["clean"], len(result["matched"])) == (1, True, 2)
    again = upload(ours, bank)  # the same statement, another key: the same stored result
    assert again.status_code == 201 and again.json() == result

    # the bank's copy lost the second entry and changed the closing balance
    tree = etree.fromstring(ours)
    ns = {"c": camt053.NAMESPACE}
    second = tree.findall(".//c:Ntry", ns)[1]
    second.getparent().remove(second)
    tree.findall(".//c:Bal/c:Amt", ns)[1].text = "700.00"
    tree.find(".//c:TxsSummry/c:TtlNtries/c:NbOfNtries", ns).text = "1"
    short = etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
    differs = upload(short, bank).json()
    assert (differs["version"], differs["clean"]) == (2, False)
    [missing] = differs["unmatched"]
    assert (missing["side"], missing["reason"]) == ("journal", "not on the bank's statement")
    assert missing["entry_id"] == journal_before["items"][1]["id"]
    assert differs["balance_differences"] == [
        "closing balance: bank 70000, journal 100000 (centavos)"
    ]
    stored = httpx.get(f"{base}/reconciliations/2", headers=_h(tokens, Role.ODF_STAFF))
    assert stored.status_code == 200 and stored.json() == differs
    # nothing in the ledger moved
    assert httpx.get(f"{base}/journal", headers=bank).json() == journal_before
    check = httpx.get(f"{base}/ledger-check", headers=_h(tokens, Role.PROGRAMME_SUPERVISOR)).json()
    assert check["consistent"] and check["entries"] == 2

    other_bank = tokens.header(Role.PARTNER_BANK, states=("09",), organization="Otro Banco")
    assert upload(ours, other_bank).status_code == 403
    assert upload(ours, _h(tokens, Role.ODF_STAFF)).status_code == 403
    bad = upload(b"<Document>not a statement</Document>", bank)
    assert bad.status_code == 422 and bad.headers["content-type"].startswith(
        "application/problem+json"
    )
    assert httpx.get(f"{base}/reconciliations/3", headers=bank).status_code == 404
