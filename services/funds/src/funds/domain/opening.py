"""A fund opens when its group is formed [¶75]; enrollment tells it who the members and the
board representatives are."""

from __future__ import annotations

from datetime import date, datetime

from funds.domain.calendar import add_months
from funds.domain.fund import Fund
from funds.domain.policy import FundPolicy
from funds.domain.records import Member
from megp_common.contracts.funds import FundOpened


def initial_period_end(fund: Fund, policy: FundPolicy) -> date:
    assert fund.opened_on is not None
    return add_months(fund.opened_on, policy.initial_period_months)


def withdrawals_from(fund: Fund, policy: FundPolicy) -> date:
    """The first day of the fund's fourth year [¶73]."""
    assert fund.opened_on is not None
    return add_months(fund.opened_on, 12 * (policy.withdrawals_from_year - 1))


def open_fund(
    fund: Fund,
    *,
    odf_id: str,
    name: str,
    state: str,
    municipality: str,
    trust_bank: str,
    members: list[str],
    formed_at: datetime,
    policy: FundPolicy,
) -> None:
    """Open the fund as of the group's formation. A second announcement changes nothing."""
    if fund.is_open:
        return
    fund.odf_id, fund.name, fund.state, fund.municipality = odf_id, name, state, municipality
    fund.trust_bank = trust_bank
    fund.opened_at, fund.opened_on = formed_at, formed_at.date()
    fund.remember_entries = policy.recent_entries_remembered
    for pid in members:
        fund.members.setdefault(pid, Member(participant_id=pid))
    fund.record(
        FundOpened(
            fund_id=fund.id,
            group_id=fund.group_id,
            state_code=state,
            odf_id=odf_id,
            trust_bank=trust_bank,
            member_participant_ids=sorted(members),
            opened_at=formed_at,
            initial_period_ends_on=initial_period_end(fund, policy),
            individual_withdrawals_from=withdrawals_from(fund, policy),
        )
    )


def change_board(fund: Fund, representatives: list[str]) -> None:
    """Only these participants may decide for the group [¶55]."""
    fund.board = sorted(set(representatives))


def support_committee_changed(fund: Fund, participant_id: str, *, sits: bool) -> None:
    """Who sits on the project's Support Committee: they never decide for the group [¶55]."""
    current = set(fund.support_committee)
    if sits:
        current.add(participant_id)
    else:
        current.discard(participant_id)
    fund.support_committee = sorted(current)


def member_joined(fund: Fund, participant_id: str) -> None:
    fund.members[participant_id] = Member(participant_id=participant_id, active=True)


def member_left(fund: Fund, participant_id: str) -> None:
    """A member who leaves keeps their contributions on record (and their share)."""
    member = fund.members.get(participant_id)
    if member is not None:
        member.active = False
