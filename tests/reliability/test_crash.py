"""Crash consistency: `schedarc crawl` killed with SIGKILL at random moments.

After each kill: SQLite's integrity check and the FTS index check pass, `schedarc check`
passes, no page is half-written (a parsed body always has all its sessions and versions),
and a rerun ends with exactly the archive an uninterrupted crawl makes.

Moments: inside a page's write transaction (right after the Nth body, version or speaker
link, or just before the Nth COMMIT; tests/reliability/crashpoint.py pauses the child
there), and at random times (after N page requests, after N sessions are visible, or in
the first 0.6 s: startup, migrations), each with random N.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

import pytest

from tests.loopback import LoopbackServer
from tests.reliability import state
from tests.reliability.figures import record
from tests.reliability.procs import REPO, Child, run, schedarc, wait_until
from tests.reliability.site import ScheduleSite, config_text

FETCH = """timeout = 5.0
retries = 0
delay_per_host = 0.0
concurrency_per_host = 4
workers = 4
obey_robots = false"""
PAGES = 24
PER_PAGE = 60  # many sessions per page: page transactions with real weight (versions, speakers, FTS)
# Write points first, so that even the short CI run kills inside transactions.
MODES = ("version", "body", "commit", "hits", "early", "speakers", "sessions")
CRASHPOINT = REPO / "tests" / "reliability" / "crashpoint.py"


def _config(workdir: Path, site: ScheduleSite, name: str) -> tuple[list[str], Path]:
    config = workdir / f"{name}.toml"
    config.write_text(config_text(f"{name}.db", site, fetch=FETCH))
    return ["--config", str(config), "crawl", "-q"], workdir / f"{name}.db"


def _kill(args: list[str], workdir: Path, name: str, site: ScheduleSite, db: Path, mode: str,
          rng: random.Random, crawl_wall: float) -> str:
    """Start a crawl, SIGKILL it at a random moment of kind ``mode``; say where it died."""
    if mode in ("version", "body", "commit", "speakers"):
        total = {"version": PAGES * PER_PAGE, "body": PAGES + 1, "commit": PAGES + 2,
                 "speakers": PAGES * PER_PAGE}[mode]
        nth = rng.randint(1, total)
        marker = workdir / f"{name}.at"
        child = Child([sys.executable, str(CRASHPOINT), *args], workdir, name=name,
                      env={"CRASHPOINT": f"{mode}:{nth}", "CRASHPOINT_MARKER": str(marker)})
        wait_until(lambda: marker.exists() or child.poll() is not None, what=f"{mode}:{nth}")
        assert marker.exists(), child.poll()
        child.kill()
        return f"{mode} #{nth}"
    before = site.page_hits()
    child = Child(schedarc(*args), workdir, name=name)
    if mode == "early":
        # startup, migrations, the first pages: within the first third of a whole crawl's
        # wall time, so a quick machine does not finish the crawl before the kill
        pause = rng.uniform(0.0, min(0.6, crawl_wall / 3))
        time.sleep(pause)
        where = f"after {pause:.2f} s"
    else:
        # Requests run ahead of the writer, so even the last requests leave pages to write;
        # stored pages are kept 4 short of the end, so the kill comes before the crawl ends.
        goal = rng.randint(1, PAGES - 1 if mode == "hits" else PAGES - 4)
        if mode == "hits":
            wait_until(lambda: site.page_hits() - before >= goal or child.poll() is not None, every=0.001)
        else:
            wait_until(lambda: _sessions(db) >= goal * PER_PAGE or child.poll() is not None, every=0.002)
        jitter = rng.uniform(0.0, 0.03 if mode == "hits" else 0.01)
        time.sleep(jitter)
        where = f"{goal} {'pages requested' if mode == 'hits' else 'pages stored'} + {jitter * 1000:.0f} ms"
    result = child.kill()
    assert result.killed and result.returncode == -9, f"the crawl ended before its kill point ({where})"
    return where


def _sessions(db: Path) -> int:
    try:
        return state.count(db, "SELECT count(*) FROM sessions")
    except Exception:  # not created yet, or not migrated yet: keep polling
        return 0


def _has_schema(db: Path) -> bool:
    return db.exists() and state.count(db, "SELECT count(*) FROM sqlite_master WHERE name = 'session_versions'") == 1


@pytest.mark.parametrize("kills", [5, pytest.param(20, marks=pytest.mark.soak)])
def test_kill_9_leaves_a_consistent_archive_and_a_rerun_completes_it(http_server: LoopbackServer, tmp_path: Path,
                                                                      kills: int) -> None:
    site = ScheduleSite([http_server], pages=PAGES, per_page=PER_PAGE)
    args, reference = _config(tmp_path, site, "reference")
    first = run(schedarc(*args), tmp_path)
    assert first.returncode == 0, first.stderr
    expected = state.snapshot(reference)
    assert len(expected["sessions"]) == PAGES * PER_PAGE

    rng = random.Random(20260512 + kills)
    moments, stored = [], []
    for point in range(kills):
        args, db = _config(tmp_path, site, f"killed{point}")
        moments.append(_kill(args, tmp_path, f"killed{point}", site, db, MODES[point % len(MODES)], rng,
                             first.wall))

        # Right after the kill (SQLite's recovery included): healthy, nothing half-written.
        if db.exists():
            assert state.faults(db) == [], moments[-1]
        if _has_schema(db):
            assert state.half_written(db, PER_PAGE) == [], moments[-1]
            stored.append(state.count(db, "SELECT count(*) FROM pages WHERE parsed_sha256 IS NOT NULL"))
            check = run(schedarc("--db", str(db), "check"), tmp_path)
            assert check.returncode == 0, check.stdout + check.stderr
        else:
            stored.append(0)
        # The lock died with the process; a rerun completes the archive, identical to the reference.
        rerun = run(schedarc(*args), tmp_path)
        assert rerun.returncode == 0, rerun.stderr
        assert state.faults(db) == []
        assert state.half_written(db, PER_PAGE) == []
        assert state.snapshot(db) == expected, moments[-1]

    record("crash", kills=kills, pages=PAGES, per_page=PER_PAGE, moments=moments, pages_stored_at_kill=stored,
           reference_wall_s=round(first.wall, 2), reference_peak_rss_mb=round(first.peak_rss_mb, 1))
