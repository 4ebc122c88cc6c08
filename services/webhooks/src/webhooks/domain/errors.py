"""Why the webhooks service refuses something, in the platform's one refusal tree
(`megp_common.refusals`)."""

from __future__ import annotations

from megp_common.refusals import Forbidden, NotFound, RuleViolation, StateConflict

#: The subscription does not exist, or belongs to another bank (404: its id is not revealed).
SubscriptionNotFound = NotFound


class NotThisBank(Forbidden):
    """Only a partner bank's token, naming its bank, subscribes (403)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, rule="¶75")


class SubscriptionRefused(RuleViolation):
    """The subscription's terms are not acceptable (422)."""

    def __init__(self, detail: str, **data: object) -> None:
        super().__init__(detail, rule="webhooks", **data)


#: Only a failed delivery is replayed (409).
DeliveryNotFailed = StateConflict
