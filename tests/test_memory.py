"""The malloc arena cap, observed in a real process's memory map."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from scraper.memory import cap_malloc_arenas, runs_on_glibc
from tests.conftest import REPO

# Eight threads each allocate and free blocks malloc serves from its arenas (not mmap);
# then count the 64 MiB-aligned heaps glibc maps for each extra arena.
_PROBE = textwrap.dedent("""
    import sys, threading
    if sys.argv[1] == "cap":
        from scraper.memory import cap_malloc_arenas, runs_on_glibc
        assert cap_malloc_arenas()
    def work():
        blocks = [bytes(2048) for _ in range(2000)]
        del blocks
    start = threading.Barrier(8)
    def together():
        start.wait()
        work()
    threads = [threading.Thread(target=together) for _ in range(8)]
    for t in threads: t.start()
    for t in threads: t.join()
    heaps = 0
    for line in open("/proc/self/maps"):
        fields = line.split()
        low = int(fields[0].split("-")[0], 16)
        heaps += len(fields) == 5 and low % (64 << 20) == 0  # anonymous, 64 MiB aligned: an arena's heap
    print(heaps)
""")

glibc = pytest.mark.skipif(not runs_on_glibc(), reason="malloc arenas are a glibc matter")


def _extra_arenas(mode: str) -> int:
    done = subprocess.run([sys.executable, "-c", _PROBE, mode], capture_output=True, text=True, cwd=REPO,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return int(done.stdout)


@glibc
def test_threads_share_at_most_one_extra_arena_once_capped() -> None:
    uncapped, capped = _extra_arenas("plain"), _extra_arenas("cap")
    assert uncapped >= 3  # eight busy threads: glibc gave them arenas of their own
    assert capped <= 1


@glibc
def test_capping_twice_is_harmless() -> None:
    assert cap_malloc_arenas() is True
    assert cap_malloc_arenas() is True
