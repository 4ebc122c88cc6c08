"""The launcher's supervision: the pause before a dead service starts again doubles with each
death in a row, up to a cap, and starts over once the service has stayed up a while."""

from __future__ import annotations

import subprocess
import sys

from megp_common.launcher import Backoff, Platform, ServiceProcess, Supervisor, describe_exit


class Dies(ServiceProcess):
    """A stand-in for a service: a real process that exits at once with code 3."""

    def start(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
        self.proc.wait()


def test_the_pause_doubles_up_to_the_cap() -> None:
    backoff = Backoff(first_s=1, cap_s=30)
    assert [backoff.delay(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


def test_a_service_that_keeps_dying_waits_longer_each_time_and_one_that_stayed_up_does_not() -> (
    None
):
    platform = Platform({}, ["trade"])
    platform.processes["trade"] = dies = Dies("trade", 0, {})
    now = [0.0]
    said: list[str] = []
    supervisor = Supervisor(
        platform, Backoff(first_s=1, cap_s=4, stable_s=60), say=said.append, clock=lambda: now[0]
    )
    dies.start()

    def step(to: float) -> None:
        now[0] = to
        supervisor.tick()

    step(10)  # found dead: attempt 1, back at 11
    step(10.5)  # still waiting
    step(11)  # started again, dies at once
    step(11.5)  # found dead: attempt 2, 2 s
    step(13.5)
    step(14)  # attempt 3, 4 s
    step(18)
    step(18.5)  # attempt 4: capped at 4 s
    assert said[0] == f"trade died (exit code 3); restart attempt 1 in 1 s; see {dies.log_path}"
    assert [line.split(";")[1].strip() for line in said if "died" in line] == [
        "restart attempt 1 in 1 s",
        "restart attempt 2 in 2 s",
        "restart attempt 3 in 4 s",
        "restart attempt 4 in 4 s",
    ]
    assert said[1].startswith("trade restarted (attempt 1, pid ")
    assert supervisor.restarts["trade"] == 3
    step(22.5)  # started again at 22.5; pretend it stayed up a minute and a half
    step(120)
    assert said[-1].startswith("trade died (exit code 3); restart attempt 1 in 1 s")


def test_a_signal_is_named() -> None:
    assert describe_exit(-9) == "exit code -9 (SIGKILL)"
    assert describe_exit(1) == "exit code 1"
