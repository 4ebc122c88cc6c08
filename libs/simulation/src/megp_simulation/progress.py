"""One textual progress bar per phase, on stderr."""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, field

#: held while a bar draws and while the workers' shared counters change
LOCK = threading.Lock()


@dataclass
class Progress:
    """A one-line textual progress bar per phase."""

    phase: str
    total: int
    quiet: bool = False
    done: int = 0
    started: float = field(default_factory=time.monotonic)

    def step(self, n: int = 1, note: str = "") -> None:
        with LOCK:
            self.done += n
            if not self.quiet:
                self._draw(note)

    def _draw(self, note: str) -> None:
        width = 30
        filled = int(width * self.done / max(self.total, 1))
        bar = "#" * filled + "-" * (width - filled)
        elapsed = time.monotonic() - self.started
        sys.stderr.write(
            f"\r{self.phase:<12} [{bar}] {self.done}/{self.total} {elapsed:6.1f}s {note:<28}"
        )
        if self.done >= self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()
