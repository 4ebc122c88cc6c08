"""Who acts: the caller as the rules see it (role names, states, participant id)."""

from __future__ import annotations

from dataclasses import dataclass, field

from enrollment.domain.errors import OutOfScope

NATIONAL = "*"


@dataclass(frozen=True)
class Actor:
    subject: str
    roles: frozenset[str]
    states: frozenset[str] = field(default_factory=lambda: frozenset({NATIONAL}))
    participant_id: str | None = None

    def has(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)

    def has_state(self, state: str | None) -> bool:
        return NATIONAL in self.states or (state is not None and state in self.states)

    def check_state(self, state: str | None) -> None:
        """Refuse unless the caller may act in `state` (national records need national scope)."""
        if self.has_state(state):
            return
        raise OutOfScope(
            f"the caller's scope does not include state {state}"
            if state
            else "this national record needs a national scope",
            state=state,
        )

    def is_participant(self, participant_id: str) -> bool:
        return self.participant_id == participant_id
