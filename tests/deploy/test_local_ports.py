"""deploy/local's servers claim their ports through one function, `claim_port` in common.sh.

A broker stopped a moment ago (SIGKILLed after its grace, or still closing its sockets) must not
make the next start fail: the start waits for the port to be let go. A port that someone else
keeps is a loud failure that names the holder. Both are tried here with real listening sockets
and the real script, run by bash."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from pathlib import Path

from megp_common.settings import REPO_ROOT

COMMON = REPO_ROOT / "deploy" / "local" / "common.sh"


def _listener() -> tuple[socket.socket, int]:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen()
    return s, s.getsockname()[1]


def _claim(port: int, wait_s: int, tmp: Path) -> subprocess.CompletedProcess[str]:
    script = f'source "{COMMON}"; claim_port 127.0.0.1 {port} broker; echo claimed'
    return subprocess.run(
        ["bash", "-c", script],
        text=True,
        capture_output=True,
        timeout=60,
        env={
            **os.environ,
            "MEGP_PORT_FREE_WAIT_S": str(wait_s),
            "MEGP_CACHE_DIR": str(tmp / "cache"),
            "MEGP_LOCAL_DIR": str(tmp / "local"),
        },
    )


def test_a_port_let_go_while_the_start_waits_is_claimed(tmp_path: Path) -> None:
    held, port = _listener()
    threading.Timer(1.5, held.close).start()  # a server that finishes exiting a moment later
    started = time.monotonic()
    done = _claim(port, wait_s=20, tmp=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "claimed"
    assert time.monotonic() - started >= 1.0  # it waited for the port rather than failing


def test_a_port_someone_keeps_fails_the_start_and_names_why(tmp_path: Path) -> None:
    held, port = _listener()
    try:
        done = _claim(port, wait_s=1, tmp=tmp_path)
    finally:
        held.close()
    assert done.returncode == 1
    assert "claimed" not in done.stdout
    assert f"port {port} is taken by another process" in done.stderr
    assert "broker cannot start" in done.stderr
