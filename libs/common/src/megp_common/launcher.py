"""Local orchestration: the infrastructure (Kafka and the store, through deploy/local's scripts,
unless `KAFKA_BOOTSTRAP_SERVERS` / `MONGO_URL` point elsewhere) and the services as separate
processes. `make run` and the end-to-end test harness both use it.

    python -m megp_common.launcher [--services enrollment,funds]

Run as a command it supervises the services: one that dies is started again after a pause that
doubles with each death in a row (1 s, 2 s, 4 s ... at most 30 s; a service that stayed up for a
minute starts again from 1 s), and everything stops only on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from megp_common.settings import REPO_ROOT, SERVICES

DEPLOY = REPO_ROOT / "deploy" / "local"


def local_dir() -> Path:
    """Where this checkout's broker and store data, pids and logs live: `MEGP_LOCAL_DIR` (as
    deploy/local/common.sh reads it), by default the checkout's git-ignored .local/."""
    return Path(os.environ.get("MEGP_LOCAL_DIR") or REPO_ROOT / ".local")


def log_dir() -> Path:
    """The services' log files, beside the broker's and the store's."""
    return local_dir() / "logs"


def _script(name: str, action: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(DEPLOY / name), action], text=True, capture_output=True)


@dataclass
class LocalInfra:
    """Starts what is not given, and stops only what it started."""

    env: dict[str, str] = field(default_factory=dict)
    started: list[str] = field(default_factory=list)
    kafka_given: bool = False

    def up(self) -> dict[str, str]:
        self.kafka_given = bool(os.environ.get("KAFKA_BOOTSTRAP_SERVERS"))
        kafka_port = os.environ.get("MEGP_KAFKA_PORT", "9092")
        mongo_port = os.environ.get("MEGP_MONGO_PORT", "27017")
        for var, script, default in (
            ("KAFKA_BOOTSTRAP_SERVERS", "kafka.sh", f"localhost:{kafka_port}"),
            ("MONGO_URL", "store.sh", f"mongodb://127.0.0.1:{mongo_port}/?retryWrites=false"),
        ):
            if os.environ.get(var):
                self.env[var] = os.environ[var]
                continue
            already = _script(script, "status").returncode == 0
            if not already:
                result = subprocess.run([str(DEPLOY / script), "start"], text=True)
                if result.returncode != 0:
                    raise RuntimeError(f"{script} start failed (see .local/logs)")
                self.started.append(script)
            self.env[var] = default
        subprocess.run(
            [
                sys.executable,
                "-m",
                "megp_common.topics",
                "--bootstrap",
                self.env["KAFKA_BOOTSTRAP_SERVERS"],
            ],
            check=True,
        )
        return dict(self.env)

    @property
    def manages_kafka(self) -> bool:
        return not self.kafka_given

    def restart_kafka(self) -> None:
        if not self.manages_kafka:
            raise RuntimeError(
                "the broker is external (KAFKA_BOOTSTRAP_SERVERS); cannot restart it"
            )
        subprocess.run([str(DEPLOY / "kafka.sh"), "restart"], check=True)

    def stop_kafka(self) -> None:
        subprocess.run([str(DEPLOY / "kafka.sh"), "stop"], check=True)

    def start_kafka(self) -> None:
        subprocess.run([str(DEPLOY / "kafka.sh"), "start"], check=True)

    def down(self) -> None:
        for script in reversed(self.started):
            subprocess.run([str(DEPLOY / script), "stop"])
        self.started.clear()


def package_of(service: str) -> str:
    return service.replace("-", "_")


@dataclass
class ServiceProcess:
    name: str
    port: int
    env: Mapping[str, str]
    proc: subprocess.Popen[bytes] | None = None
    #: the highest resident set size any incarnation of this process reached, in KiB
    peak_rss_kib: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return log_dir() / f"{self.name}.log"

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **self.env, "HTTP_PORT": str(self.port)}
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", package_of(self.name)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=REPO_ROOT,
            )

    def wait_ready(self, timeout_s: float | None = None) -> None:
        """Until /readyz answers 200: at most `timeout_s`, by default `MEGP_READY_TIMEOUT_S`
        (90 s; longer on a machine shared with other runs, where nine processes starting at once
        may take minutes to import)."""
        if timeout_s is None:
            timeout_s = float(os.environ.get("MEGP_READY_TIMEOUT_S", "90"))
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.proc.returncode}; see {self.log_path}"
                )
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"{self.name} not ready after {timeout_s:.0f}s; see {self.log_path}")

    def peak_rss(self) -> int:
        """Peak resident memory (KiB) of every incarnation so far, the running one included."""
        if self.proc is not None and self.proc.poll() is None:
            self.peak_rss_kib = max(self.peak_rss_kib, peak_rss_kib(self.proc.pid))
        return self.peak_rss_kib

    def stop(self, timeout_s: float = 30.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.peak_rss()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def kill(self) -> None:
        """Die without any cleanup, as a crash would."""
        if self.proc is not None and self.proc.poll() is None:
            self.peak_rss()
            self.proc.kill()
            self.proc.wait()


def peak_rss_kib(pid: int) -> int:
    """The kernel's high-water mark of a process's resident memory (VmHWM), 0 if unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def infra_pids() -> dict[str, int]:
    """The broker's and the store's process ids, as this machine's scripts recorded them."""
    out = {}
    pids = local_dir() / "pids"
    for name in ("kafka", "store"):
        try:
            out[name] = int((pids / f"{name}.pid").read_text().strip())
        except (OSError, ValueError):
            continue
    return out


def infra_peak_rss_kib() -> dict[str, int]:
    """Peak resident memory of the broker and the store this machine's scripts started."""
    return {name: kib for name, pid in infra_pids().items() if (kib := peak_rss_kib(pid))}


def port_offset() -> int:
    """`MEGP_PORT_OFFSET` shifts every service port, so two checkouts can run side by side."""
    return int(os.environ.get("MEGP_PORT_OFFSET", "0"))


class Platform:
    def __init__(self, env: Mapping[str, str], services: Iterable[str] = SERVICES) -> None:
        self.processes = {s: ServiceProcess(s, SERVICES[s] + port_offset(), env) for s in services}

    def start(self) -> None:
        for p in self.processes.values():
            p.start()
        for p in self.processes.values():
            p.wait_ready()

    def stop(self) -> None:
        for p in self.processes.values():
            p.stop()

    def restart(self, name: str, *, crash: bool = False) -> None:
        p = self.processes[name]
        p.kill() if crash else p.stop()
        p.start()
        p.wait_ready()


@dataclass(frozen=True)
class Backoff:
    """How long to wait before starting a dead service again: `first_s`, doubled with each death
    in a row, at most `cap_s`; a service up for `stable_s` counts its next death as the first."""

    first_s: float = 1.0
    cap_s: float = 30.0
    stable_s: float = 60.0

    def delay(self, attempt: int) -> float:
        return float(min(self.first_s * 2 ** (attempt - 1), self.cap_s))


@dataclass
class _Watch:
    started_at: float
    attempts: int = 0  # deaths in a row, the one being handled included
    restart_at: float | None = None  # when the dead service is to be started again


def describe_exit(returncode: int) -> str:
    """`exit code 3`, or `exit code -9 (SIGKILL)` for a process a signal ended."""
    if returncode < 0:
        try:
            return f"exit code {returncode} ({signal.Signals(-returncode).name})"
        except ValueError:
            pass
    return f"exit code {returncode}"


class Supervisor:
    """Starts again, with capped exponential backoff, the services of a platform that die.

    `tick()` is called periodically (the launcher's loop, twice a second); it neither blocks nor
    sleeps, so one service's pause does not hold up the others'."""

    def __init__(
        self,
        platform: Platform,
        backoff: Backoff | None = None,
        *,
        say: Callable[[str], None] = lambda line: print(line, flush=True),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.platform, self.say, self.clock = platform, say, clock
        self.backoff = backoff or Backoff()
        now = clock()
        self.watches = {name: _Watch(started_at=now) for name in platform.processes}
        self.restarts: dict[str, int] = dict.fromkeys(platform.processes, 0)

    def tick(self) -> None:
        now = self.clock()
        for name, p in self.platform.processes.items():
            watch = self.watches[name]
            if watch.restart_at is not None:  # dead, waiting out its pause
                if now >= watch.restart_at:
                    p.start()
                    watch.started_at, watch.restart_at = now, None
                    self.restarts[name] += 1
                    pid = p.proc.pid if p.proc is not None else "?"
                    self.say(f"{name} restarted (attempt {watch.attempts}, pid {pid})")
                continue
            if p.proc is None or p.proc.poll() is None:
                continue  # running (or never started)
            if now - watch.started_at >= self.backoff.stable_s:
                watch.attempts = 0
            watch.attempts += 1
            delay = self.backoff.delay(watch.attempts)
            watch.restart_at = now + delay
            self.say(
                f"{name} died ({describe_exit(p.proc.returncode)}); restart attempt "
                f"{watch.attempts} in {delay:g} s; see {p.log_path}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description="Start the platform on this machine.")
    parser.add_argument("--services", default=",".join(SERVICES))
    args = parser.parse_args()
    infra = LocalInfra()
    env = infra.up()
    platform = Platform(env, [s.strip() for s in args.services.split(",") if s.strip()])
    stop_now = False

    def _interrupt(*_: object) -> None:
        nonlocal stop_now
        stop_now = True

    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        print("starting services...", flush=True)
        platform.start()
        print("\nMEGP platform is running:\n")
        print(f"  {'service':<12} {'url':<24} {'api docs':<34} {'pid':<8} log")
        for p in platform.processes.values():
            pid = p.proc.pid if p.proc is not None else ""
            print(f"  {p.name:<12} {p.url:<24} {p.url + '/docs':<34} {pid:<8} {p.log_path}")
        print(f"\n  kafka  {env['KAFKA_BOOTSTRAP_SERVERS']}\n  store  {env['MONGO_URL']}")
        print(
            "\nA service that dies is started again (backoff 1 s doubling to 30 s)."
            "\nPress Ctrl-C to stop everything.",
            flush=True,
        )
        supervisor = Supervisor(platform)
        while not stop_now:
            time.sleep(0.5)
            if not stop_now:
                supervisor.tick()
    finally:
        print("\nstopping services...", flush=True)
        platform.stop()
        infra.down()
        print("stopped.")


if __name__ == "__main__":
    main()
