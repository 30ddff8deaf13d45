"""The crawl lock: one crawl per archive; a killed holder's lock is taken over."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from scraper.errors import LockHeldError
from scraper.lock import CrawlLock

HOLD = """
import sys, time
from pathlib import Path
from scraper.lock import CrawlLock
with CrawlLock(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(60)
"""


def hold_in_subprocess(db: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(db)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_second_holder_is_refused_with_pid(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    proc = hold_in_subprocess(db)
    try:
        with pytest.raises(LockHeldError) as caught, CrawlLock(db):
            pass
        assert f"pid {proc.pid}" in str(caught.value)
        assert caught.value.exit_code == 3
    finally:
        proc.kill()
        proc.wait()


def test_lock_of_killed_process_is_taken_over(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    proc = hold_in_subprocess(db)
    proc.kill()
    proc.wait()
    assert "pid" in (tmp_path / "a.db.lock").read_text()  # the stale note is still there
    with CrawlLock(db) as lock:
        assert lock.holder().startswith(f"pid {__import__('os').getpid()} ")


def test_wait_queues_behind_holder(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    first = CrawlLock(db)
    first.acquire()
    start = time.monotonic()
    with pytest.raises(LockHeldError):
        CrawlLock(db, wait=0.3).acquire()
    assert time.monotonic() - start >= 0.3
    first.release()
    with CrawlLock(db, wait=0.3):
        pass
