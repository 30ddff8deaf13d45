"""Archive numbers: storage over ten real crawls, FTS latency and `sessions --json` at 100k sessions.

Storage: `schedarc crawl` runs ten times over the served site; before each re-crawl 5% of
the pages change (one session moved on each). Raw bytes are what the ten crawls
downloaded in full (every page, every time); the archive is the SQLite file after a WAL
checkpoint: bodies, fetch rows, sessions, versions, speakers and the FTS index, all of it.

Search: 100k sessions (1,000 pages of 100) written through ``Archive.record_page``, then
``Archive.search`` (limit 50) for a rare term (one session in 20,000), a common one (a
topic word in about one session in fifteen) and one in every session, timed in process
(p50/p95 of 200 queries each). `sessions --json` runs as the CLI does,
a whole process writing every current session to a file.
"""

from __future__ import annotations

import itertools
import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from archive import Archive
from bench.e2e import REPO, child_env, schedarc_crawl
from bench.measure import median_of, percentile, run_process
from bench.report import Row, fmt
from bench.server import served_site
from bench.sitedata import COMMON_TERM, EVENT, EVERY_TERM, RARE_TERM, TIMEZONE, Talk, program

SECTION = "archive"
CRAWLS = 10
CHANGING = 0.05
SESSIONS = 100_000
PER_PAGE = 100
QUERIES = 200


def db_bytes(path: Path) -> int:
    """The archive's size with its WAL folded in."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path.stat().st_size


def table_bytes(path: Path) -> dict[str, int]:
    """Bytes on disk per table, its indexes and FTS shadow tables counted with it (dbstat)."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
        owners = dict(conn.execute("SELECT name, tbl_name FROM sqlite_master").fetchall())
    out: dict[str, int] = {}
    for name, size in rows:
        owner = str(owners.get(name, name))
        owner = "sessions_fts" if owner.startswith("sessions_fts") else owner
        out[owner] = out.get(owner, 0) + int(size or 0)
    return out


def storage_rows(workdir: Path, pages: int, hosts: int, server: str) -> list[Row]:
    """Ten crawls with 5% of pages changing before each re-crawl."""
    db = workdir / "ten-crawls.db"
    raw = 0
    sizes: list[int] = []
    with served_site(workdir / "ten", pages, hosts, prefer=server) as (site, _server):
        root = workdir / "ten" / "site"
        for number in range(1, CRAWLS + 1):
            if number > 1:
                site.mutate(root, number, CHANGING)
            raw += sum(site.file_of(root, p).stat().st_size for p in site.pages)
            schedarc_crawl(workdir / "ten", site, db)
            sizes.append(db_bytes(db))
    total = sizes[-1]
    ratio = total / raw
    growth = median_of([b - a for a, b in itertools.pairwise(sizes)])
    parts = table_bytes(db)
    biggest = ", ".join(f"{name} {size / 1e6:.1f}" for name, size in sorted(parts.items(), key=lambda kv: -kv[1])[:5])
    return [
        Row(SECTION, f"{CRAWLS} crawls of {pages} pages, {CHANGING:.0%} changing each time",
            f"raw {raw / 1e6:.1f} MB -> archive {total / 1e6:.2f} MB; first crawl {sizes[0] / 1e6:.2f} MB, "
            f"then +{growth / 1e3:.0f} KB per re-crawl (median)"),
        Row(SECTION, "archive bytes per page snapshot", f"{fmt(total / (pages * CRAWLS), 0)} B"),
        Row(SECTION, "archive / raw bytes over the ten crawls", f"{ratio:.3f}x", "<= 0.05x", ratio <= 0.05),
        Row(SECTION, "archive by table (MB)", biggest),
    ]


def session_dict(talk: Talk, page_url: str) -> dict[str, Any]:
    """A talk as ``Session.to_dict()`` gives it (the shape the crawl hands the archive)."""
    zone_offset = "-05:00"
    return {
        "title": talk.title, "uid": talk.uid, "speakers": [s.name for s in talk.speakers],
        "start": talk.start.isoformat() + zone_offset, "end": talk.end.isoformat() + zone_offset,
        "timezone": TIMEZONE, "room": talk.room, "track": talk.track,
        "url": f"{page_url}/event/{talk.uid}", "description": "\n".join(talk.description), "event": EVENT,
    }


def build_archive(path: Path, count: int = SESSIONS) -> float:
    """Write ``count`` sessions through the archive API; returns sessions per second."""
    talks = program(count)
    started = time.perf_counter()
    with Archive(path) as archive:
        run = archive.start_run("bench", [])
        for first in range(0, count, PER_PAGE):
            url = f"https://bench{first // PER_PAGE}.example.org/schedule"
            record = {
                "run_id": run, "url": url, "target": "bench",
                "fetched_at": (datetime(2026, 4, 1, tzinfo=UTC) + timedelta(seconds=first)).isoformat(),
                "status": 200, "final_url": url, "headers": {"Content-Type": "text/html"}, "attempts": 1,
                "elapsed_ms": 5, "error_class": None, "error": None, "body": f"page {first}".encode(),
                "media_type": "text/html", "not_modified": False, "etag": None, "last_modified": None,
            }
            sessions = [session_dict(t, url) for t in talks[first:first + PER_PAGE]]
            archive.record_page(record, sessions=sessions, event=EVENT, parser="bench")
    return count / (time.perf_counter() - started)


def search_rows(workdir: Path, count: int = SESSIONS) -> list[Row]:
    db = workdir / "sessions-100k.db"
    insert_rate = build_archive(db, count)
    rows = [Row(SECTION, f"write {count:,} sessions ({PER_PAGE} per page) through record_page",
                f"{fmt(insert_rate, 0)} sessions/s")]
    with Archive(db, readonly=True) as archive:
        for label, term in (("rare", RARE_TERM), ("common", COMMON_TERM), ("in every session", EVERY_TERM)):
            # The index holds payloads (schema 5); the sessions showing them are what search finds.
            matching = archive.query("SELECT count(*) FROM session_rows WHERE payload_id IN"
                                     " (SELECT rowid FROM sessions_fts WHERE sessions_fts MATCH ?)",
                                     [f'"{term}"'])[1][0][0]
            times = []
            for _ in range(QUERIES):
                started = time.perf_counter()
                archive.search(term, limit=50)
                times.append((time.perf_counter() - started) * 1e3)
            p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
            common = label == "common"
            what = f"FTS search, {label} term {term!r} ({matching:,} of {count:,} sessions), limit 50"
            rows.append(Row(SECTION, what,
                            f"p50 {p50:.2f} ms, p95 {p95:.2f} ms", "p95 < 15 ms" if common else "",
                            p95 < 15 if common else None))
    runs = [run_process([sys.executable, "-m", "scraper", "--db", str(db), "sessions", "--json"], cwd=REPO,
                        env=child_env()).check()
            for _ in range(3)]
    size = len(runs[-1].stdout.encode())
    rows.append(Row(SECTION, f"`schedarc sessions --json`, {count // 1000}k sessions (whole process)",
                    f"{median_of([r.wall for r in runs]):.2f} s wall, {median_of([r.cpu for r in runs]):.2f} s CPU, "
                    f"{median_of([r.rss_mb for r in runs]):.0f} MiB peak RSS, {size / 1e6:.0f} MB of JSON"))
    return rows


def rows(workdir: Path, pages: int, hosts: int, server: str, sessions: int = SESSIONS) -> list[Row]:
    return storage_rows(workdir, pages, hosts, server) + search_rows(workdir, sessions)
