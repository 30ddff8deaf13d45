"""Concurrency on one archive: a crawl writing, a second crawl refused (exit 3), a third
queued with --wait, a `schedarc fetch` writing alongside, and readers (`sessions`,
`query`, `export`, plus an in-process reader looping on raw SQLite) the whole time.

Nobody may fail with "database is locked", and every reader must see whole pages only:
each page's sessions arrive in one transaction, so any snapshot holds per_page sessions
for each parsed page and none for the others.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import Counter
from pathlib import Path

from tests.loopback import LoopbackServer
from tests.reliability import state
from tests.reliability.figures import record
from tests.reliability.procs import Child, Finished, run, schedarc, wait_until
from tests.reliability.site import ScheduleSite, config_text

PAGES = 40
PER_PAGE = 20
# Paced, so the crawl lasts a few seconds and the readers interleave with its writes.
FETCH = """timeout = 5.0
retries = 0
delay_per_host = 0.06
concurrency_per_host = 2
workers = 4
obey_robots = false"""
WHOLE_PAGES = ("SELECT (SELECT count(*) FROM sessions) AS sessions,"
               " (SELECT count(*) FROM pages WHERE parsed_sha256 IS NOT NULL AND url LIKE '%/p/%') AS parsed")
LOCKED = ("database is locked", "is busy", "Traceback")


def _clean(result: Finished, what: str) -> None:
    assert result.returncode == 0, f"{what}: {result.stderr[-2000:]}"
    for word in LOCKED:
        assert word not in result.stderr, f"{what}: {result.stderr[-2000:]}"


def _whole(per_page: Counter[str]) -> None:
    assert all(n == PER_PAGE for n in per_page.values()), per_page


class RawReader(threading.Thread):
    """Reads snapshots in a loop through plain sqlite3 (mode=ro) until told to stop."""

    def __init__(self, db: Path) -> None:
        super().__init__(daemon=True)
        self.db = db
        self.stop = threading.Event()
        self.snapshots = 0
        self.errors: list[str] = []
        self.torn: list[tuple[int, int]] = []

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                with state.connect(self.db) as conn:
                    sessions, parsed = conn.execute(WHOLE_PAGES).fetchone()
            except sqlite3.Error as exc:
                self.errors.append(str(exc))
                continue
            self.snapshots += 1
            if sessions != parsed * PER_PAGE:
                self.torn.append((sessions, parsed))


def test_two_crawls_a_fetch_and_readers_share_one_archive(http_server: LoopbackServer, tmp_path: Path) -> None:
    site = ScheduleSite([http_server], pages=PAGES, per_page=PER_PAGE)
    config = tmp_path / "config.toml"
    config.write_text(config_text("arc.db", site, fetch=FETCH))
    db = tmp_path / "arc.db"
    cli = ["--config", str(config)]

    crawl = Child(schedarc(*cli, "crawl", "-q"), tmp_path, name="crawl")
    wait_until(lambda: (db.exists() and _parsed(db) >= 1) or crawl.poll() is not None, what="first page stored")
    assert crawl.poll() is None, "the crawl finished before the others started; slow it down"
    reader = RawReader(db)
    reader.start()

    second = run(schedarc(*cli, "crawl"), tmp_path)
    queued = Child(schedarc(*cli, "crawl", "--wait", "-q"), tmp_path, name="queued")
    writer = Child(schedarc(*cli, "fetch", site.page_url(PAGES - 1), "--json"), tmp_path, name="fetch")

    rounds = 0
    while crawl.poll() is None:
        readers = [
            Child(schedarc(*cli, "sessions", "--json"), tmp_path, name="sessions"),
            Child(schedarc(*cli, "query", WHOLE_PAGES, "--json"), tmp_path, name="query"),
            Child(schedarc(*cli, "export", "--format", "json", "-o", f"export{rounds}.json"), tmp_path, name="export"),
        ]
        listed, answer, exported = (r.wait() for r in readers)
        for result, what in ((listed, "sessions"), (answer, "query"), (exported, "export")):
            _clean(result, what)
        _whole(Counter(s["page"] for s in listed.json()))
        row = answer.json()[0]
        assert row["sessions"] == row["parsed"] * PER_PAGE, row
        _whole(Counter(s["page"] for s in json.loads((tmp_path / f"export{rounds}.json").read_text())))
        rounds += 1

    first = crawl.wait()
    _clean(first, "crawl")
    # The second crawl was refused at once and said why; the queued one ran after.
    assert second.returncode == 3, second.stderr
    assert second.stderr.startswith(f"Error: another crawl is running on this archive (pid {crawl.pid} "), second.stderr
    assert "--wait" in second.stderr
    _clean(queued.wait(), "crawl --wait")
    _clean(writer.wait(), "fetch")
    reader.stop.set()
    reader.join(timeout=30)

    assert reader.errors == [] and reader.torn == [], (reader.errors[:3], reader.torn[:3])
    assert reader.snapshots > 10 and rounds >= 1
    assert state.faults(db) == [] and state.half_written(db, PER_PAGE) == []
    assert state.count(db, "SELECT count(*) FROM sessions") == PAGES * PER_PAGE
    assert state.count(db, "SELECT count(*) FROM runs WHERE command = 'crawl' AND ok = 1") == 2
    record("concurrency", pages=PAGES, per_page=PER_PAGE, crawl_wall_s=round(first.wall, 2),
           cli_reader_rounds=rounds, raw_snapshots=reader.snapshots, refused_in_s=round(second.wall, 2))


def _parsed(db: Path) -> int:
    try:
        return state.count(db, "SELECT count(*) FROM pages WHERE parsed_sha256 IS NOT NULL AND url LIKE '%/p/%'")
    except sqlite3.Error:
        return 0
