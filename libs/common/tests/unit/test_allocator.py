"""The allocator settings, checked in fresh processes: arenas are made per thread at its first
allocation, so only a process that has not yet started threads shows what `tune` changes."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from megp_common.allocator import AllocatorSettings

THREADS = 8

PROGRAM = textwrap.dedent(
    f"""
    import sys, threading
    from megp_common.allocator import AllocatorSettings, arena_count, tune

    if sys.argv[1] != "default":
        print("tuned", tune(AllocatorSettings(arenas=int(sys.argv[1]), trim_every_s=0)))
    together = threading.Barrier({THREADS})

    def allocate():
        kept = [bytearray(512) for _ in range(50)]
        together.wait()  # every thread alive at once, each holding what it allocated
        del kept

    threads = [threading.Thread(target=allocate) for _ in range({THREADS})]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print("arenas", arena_count())
    """
)


def _run(arenas: str) -> dict[str, str]:
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM, arenas], capture_output=True, text=True, check=True
    )
    return dict(line.split(" ", 1) for line in result.stdout.splitlines())


def test_threads_share_at_most_the_arenas_allowed() -> None:
    default = _run("default")
    if default["arenas"] == "None":
        pytest.fail("this test needs glibc's malloc_info, which the platform's images have")
    assert int(default["arenas"]) > 2, "glibc's default gives each new thread its own arena"
    tuned = _run("2")
    assert tuned["tuned"] == "True"
    assert int(tuned["arenas"]) <= 2


def test_the_settings_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MEGP_MALLOC_ARENAS", raising=False)
    monkeypatch.delenv("MEGP_MALLOC_TRIM_EVERY_S", raising=False)
    assert AllocatorSettings.from_env() == AllocatorSettings(arenas=2, trim_every_s=60)
    monkeypatch.setenv("MEGP_MALLOC_ARENAS", "0")
    monkeypatch.setenv("MEGP_MALLOC_TRIM_EVERY_S", "5")
    assert AllocatorSettings.from_env() == AllocatorSettings(arenas=0, trim_every_s=5)
    monkeypatch.setenv("MEGP_MALLOC_ARENAS", "-1")
    with pytest.raises(ValueError, match="MEGP_MALLOC_ARENAS"):
        AllocatorSettings.from_env()
