"""A donor portal's subscriptions (issue 16): it is offered donors' events only and a bank none
of them; a donors event goes to the association it names, and only to an association's
subscription, never to a bank's of the same name; the service learns an association's state
of origin from its registration."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from webhooks.domain.catalogue import (
    ASSOCIATION,
    BANK,
    DONOR_EVENTS,
    EVENT_TYPES,
    Holding,
    association_of,
    bank_of,
    learnt,
)
from webhooks.domain.errors import SubscriptionRefused
from webhooks.domain.subscription import Subscription, checked_types, new_secret

NOW = datetime(2030, 1, 1, tzinfo=UTC)


def sub(owner: str, kind: str, types: list[str]) -> Subscription:
    return Subscription(
        id="s1",
        bank=owner,
        subscriber=kind,
        url="https://portal.example/hooks",
        event_types=types,
        secret=new_secret(),
        created_at=NOW,
    )


def test_a_portal_is_offered_donors_events_and_a_bank_none_of_them() -> None:
    assert checked_types(DONOR_EVENTS, ASSOCIATION) == list(DONOR_EVENTS)
    with pytest.raises(SubscriptionRefused):
        checked_types(["funds.InflowRecorded"], ASSOCIATION)
    with pytest.raises(SubscriptionRefused):
        checked_types(["donors.DonationBooked"], BANK)
    with pytest.raises(SubscriptionRefused):  # its registration teaches, it is not offered
        checked_types(["donors.AssociationRegistered"], ASSOCIATION)
    assert not set(DONOR_EVENTS) & set(EVENT_TYPES)


def test_a_donors_event_goes_to_the_association_it_names_only() -> None:
    data = {"association_id": "club-1", "donation_id": "d1", "group_id": "g1"}
    assert association_of("donors.DonationBooked", data) == "club-1"
    assert association_of("donors.DonationMade", data) is None  # not offered to portals
    assert bank_of("donors.DonationBooked", data, {}) is None  # never a bank's
    portal = sub("club-1", ASSOCIATION, ["donors.DonationBooked"])
    assert portal.wants("donors.DonationBooked", "club-1", ASSOCIATION)
    assert not portal.wants("donors.DonationBooked", "club-2", ASSOCIATION)
    assert not portal.wants("donors.DonationBooked", "club-1", BANK)
    namesake = sub("club-1", BANK, ["funds.InflowRecorded"])
    assert not namesake.wants("donors.DonationBooked", "club-1", ASSOCIATION)


def test_an_associations_state_of_origin_is_learnt_from_its_registration() -> None:
    registered = {"association_id": "club-1", "origin_state_code": "32", "name": "Club"}
    assert learnt("donors.AssociationRegistered", registered) == [
        Holding(ASSOCIATION, "club-1", "32")
    ]
