"""When a failed delivery is tried again: exponential backoff, capped."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    first_s: float = 5.0
    factor: float = 2.0
    max_s: float = 3600.0
    max_attempts: int = 35

    def delay_after(self, attempts: int) -> float:
        """Seconds to wait after the `attempts`-th failed attempt (1 = the first)."""
        if attempts < 1:
            return 0.0
        return float(min(self.first_s * self.factor ** (attempts - 1), self.max_s))

    def gives_up_after(self, attempts: int) -> bool:
        return attempts >= self.max_attempts

    def schedule(self) -> list[float]:
        """Every delay until giving up (for docs and tests)."""
        return [self.delay_after(n) for n in range(1, self.max_attempts)]


def failing_too_long(failing_since: float | None, now: float, after_s: float) -> bool:
    """A subscriber whose queue head has failed without a success for `after_s` seconds is
    disabled (a day by default): its queue is kept, and the bank sees why on the subscription."""
    return failing_since is not None and now - failing_since >= after_s
