"""A trust bank's camt.053 reconciled against the fund's journal and stored (versioned). It only
reports: nothing is posted, whatever differs."""

from __future__ import annotations

import hashlib
from typing import Any

from funds.adapters import camt053
from funds.domain.errors import InvalidInput
from funds.domain.fund import Fund
from funds.domain.reconciliation import Reconciliation, reconcile
from funds.service_layer.container import Services
from funds.service_layer.queries import trust_statement
from megp_common.mongo import Document


def _result(found: Reconciliation) -> dict[str, Any]:
    return {
        "clean": found.clean,
        "matched": list(found.matched),
        "unmatched": [
            {
                "side": u.side,
                "reference": u.reference,
                "amount_cents": u.cents,
                "direction": u.direction.value,
                "value_date": u.value_date.isoformat(),
                "reason": u.reason,
                "position": u.position,
                "entry_id": u.entry_id,
            }
            for u in found.unmatched
        ],
        "balance_differences": list(found.balance_differences),
    }


async def reconcile_upload(
    services: Services, fund: Fund, document: bytes, uploaded_by: str
) -> Document:
    """The stored result for this fund and document: the first upload reconciles and stores
    it (the fund's next version), the same document again finds it."""
    digest = hashlib.sha256(document).hexdigest()
    reconciliation_id = f"{fund.id}:{digest}"
    stored = await services.reconciliations.find(reconciliation_id)
    if stored is not None:
        return stored
    try:
        bank = camt053.parse_camt053(document)
    except camt053.InvalidStatement as exc:
        raise InvalidInput(f"not a camt.053 statement (.001.08 or .001.02): {exc}") from exc
    if bank.account != camt053.account_id(fund.id):
        raise InvalidInput(
            f"the statement is of account {bank.account}, not of this fund's trust account",
            expected=camt053.account_id(fund.id),
        )
    if bank.start is None or bank.end is None:
        raise InvalidInput("the statement has no period (FrToDt)")
    journal = await trust_statement(services, fund, bank.start, bank.end)
    found = reconcile(bank, journal)
    doc: dict[str, Any] = {
        "_id": reconciliation_id,
        "fund_id": fund.id,
        "message": bank.message,
        "sha256": digest,
        "uploaded_by": uploaded_by,
        "uploaded_at": services.clock.now(),
        "start": bank.start.isoformat(),
        "end": bank.end.isoformat(),
        "entries": len(bank.entries),
        **_result(found),
    }
    return await services.reconciliations.insert_next(doc)
