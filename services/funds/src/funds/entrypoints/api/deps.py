"""Route dependencies: the use cases' container, and who may see or move a fund's money."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends
from fastapi.responses import JSONResponse

from funds.domain.fund import Fund
from funds.domain.ledger import Entry
from funds.entrypoints.api.schemas.funds import EntryPublic
from funds.service_layer.container import Services, post_entry, remember_read
from megp_common.auth import Principal, Role, check_bank
from megp_common.auth.fastapi import require_state
from megp_common.errors import Forbidden, NotFound
from megp_common.mongo import Shard
from megp_common.web import JsonAnswer, Once, answer_once, app_state

FUND_READERS = (
    Role.PROGRAMME_SUPERVISOR,
    Role.ODF_STAFF,
    Role.BOARD_REPRESENTATIVE,
    Role.PARTNER_BANK,
    Role.PARTICIPANT,
)


_services = app_state("container", Services)


ServicesDep = Annotated[Services, Depends(_services)]


async def open_fund_for(
    services: Services, fund_id: str, principal: Principal, *, view: bool = False
) -> Fund:
    """The fund, if it is open and in the caller's state scope. `view`: read without the
    lists waiting for the journal and the archive (FundRepository.find_view), for reads."""
    shard = Shard.in_scope(principal.states, fund_id)  # the group is the fund's id
    if view:
        fund = await services.funds.find_view(fund_id, shard)
    else:
        fund = await services.funds.find(fund_id, shard)
    if fund is None or not fund.is_open:
        raise NotFound(f"there is no open fund for group {fund_id}")
    if fund.state:
        require_state(principal, fund.state)
    if not view:
        remember_read(fund)
    return fund


async def check_fund_to_change(services: Services, fund_id: str, principal: Principal) -> None:
    """`open_fund_for` before a change the fund's writer applies: on an idle line the whole
    fund is read, and the change's batch starts from that copy; while changes to the fund are
    waiting or being written (a group's members acting at once), the batch reads the fund
    itself, so the checks read a view shared with the other requests of the moment
    (FundRepository.find_view), and the change looks its entry up in the journal (a view
    holds no id memory to rule it out)."""
    busy = services.writer.is_busy(fund_id)
    await open_fund_for(services, fund_id, principal, view=busy)


def check_reader(principal: Principal, fund: Fund) -> None:
    """Staff and supervisors read any fund in their states; a partner bank the funds it holds
    in trust (`check_bank`, whatever other roles its token carries); members and board
    representatives their own group's fund. A donor portal reads none here: what it may see of
    a fund (its association's community only, no member's figures) is the donors service's
    public view."""
    check_bank(principal, fund.trust_bank, what="fund")
    if principal.has_role(Role.PROGRAMME_SUPERVISOR, Role.ODF_STAFF, Role.PARTNER_BANK):
        return
    pid = principal.participant_id
    own = pid is not None and (pid in fund.members or pid in fund.board)
    if own and principal.has_role(Role.PARTICIPANT, Role.BOARD_REPRESENTATIVE):
        return
    raise Forbidden("the caller may not read this fund", extensions={"fund_id": fund.id})


async def money_post(
    services: Services,
    principal: Principal,
    fund_id: str,
    operation: str,
    key: str,
    body: Any,
    action: Callable[[Fund, str, str], Entry | None],
    before: Callable[[], Awaitable[None]] | None = None,
) -> JSONResponse:
    """Run a money-moving request once per Idempotency-Key; a retry replays the stored reply."""

    async def run() -> tuple[int, Any]:
        if before is not None:
            await before()
        entry_key = f"{principal.subject}:{key}"
        entry = await post_entry(services, fund_id, operation, entry_key, action)
        return 201, EntryPublic.of(entry).model_dump(mode="json")

    once = Once(f"funds:{operation}:{fund_id}", principal.subject, key)
    status, payload = await answer_once(services.idempotency, once, body, run)
    return JsonAnswer(payload, status_code=status)
