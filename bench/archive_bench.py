"""Archive numbers: bytes added by re-fetching an unchanged site, body compression, insert speed.

Run: .venv/bin/python bench/archive_bench.py [--corpus ../shared/corpus]
Prints plain numbers; nothing here is asserted (speed is measured, not tested).
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import zstandard

from archive import Archive
from archive.bodies import LEVEL

PAGES = 200
SESSIONS_PER_PAGE = 20
HEADERS = {  # what a typical schedule host sends back
    "Content-Type": "text/html; charset=utf-8",
    "Content-Length": "31012",
    "Date": "Wed, 01 Apr 2026 08:00:00 GMT",
    "Server": "nginx",
    "Cache-Control": "max-age=300",
    "ETag": '"5f2c-61a8b3c1d2e40"',
    "Last-Modified": "Tue, 31 Mar 2026 17:12:09 GMT",
    "Vary": "Accept-Encoding",
    "X-Frame-Options": "SAMEORIGIN",
}


def moment(day: int, page: int = 0) -> str:
    return (datetime(2026, 4, 1, tzinfo=UTC) + timedelta(days=day, seconds=page)).isoformat()


def page_sessions(page: int, count: int = SESSIONS_PER_PAGE) -> list[dict[str, Any]]:
    start = datetime(2026, 5, 12, 9, tzinfo=UTC)
    return [
        {
            "uid": f"p{page}-s{i}",
            "title": f"Talk {i} on page {page}: operating clouds at scale, part {i % 7}",
            "speakers": [f"Speaker {page}-{i}", f"Co Speaker {i % 13}"],
            "start": (start + timedelta(minutes=40 * i)).isoformat(),
            "end": (start + timedelta(minutes=40 * i + 30)).isoformat(),
            "timezone": "UTC",
            "room": f"Room {i % 5}",
            "track": f"Track {i % 3}",
            "url": f"https://summit.example/event/{page}/{i}",
            "description": f"Session {i} of page {page}. "
            + "A paragraph about the talk and who gives it. " * 6,
            "event": "Bench Summit",
        }
        for i in range(count)
    ]


def page_html(page: int, sessions: list[dict[str, Any]]) -> bytes:
    rows = "".join(
        f'<div class="session" id="{s["uid"]}"><h3><a href="{s["url"]}">{s["title"]}</a></h3>'
        f'<p class="when">{s["start"]} – {s["end"]}</p><p class="where">{s["room"]}</p>'
        f'<p class="who">{", ".join(s["speakers"])}</p><p>{s["description"]}</p></div>\n'
        for s in sessions
    )
    head = '<html><head><meta charset="utf-8"><title>Schedule</title>'
    head += '<link rel="stylesheet" href="/s.css"></head>'
    return f"{head}<body><nav>Day {page}</nav>{rows}</body></html>".encode()


def fetch_record(url: str, body: bytes | None, at: str, *, not_modified: bool = False) -> dict[str, Any]:
    return {
        "run_id": None,
        "url": url,
        "target": "bench",
        "fetched_at": at,
        "status": 304 if not_modified else 200,
        "final_url": url,
        "headers": HEADERS,
        "attempts": 1,
        "elapsed_ms": 41,
        "error_class": None,
        "error": None,
        "body": body,
        "media_type": "text/html",
        "not_modified": not_modified,
        "etag": HEADERS["ETag"],
        "last_modified": HEADERS["Last-Modified"],
    }


def file_bytes(path: Path) -> int:
    """The database's size once the WAL is folded in."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path.stat().st_size


def table_bytes(path: Path) -> dict[str, int]:
    """Bytes of payload per table and index (dbstat), finer than whole 4 KiB pages."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT name, sum(payload) FROM dbstat GROUP BY name").fetchall()
    finally:
        conn.close()
    return {name: int(size or 0) for name, size in rows}


def refetch_bench(workdir: Path) -> None:
    path = workdir / "refetch.db"
    site = [(f"https://summit.example/schedule/day-{p}", page_sessions(p)) for p in range(PAGES)]
    bodies = [page_html(p, sessions) for p, (_, sessions) in enumerate(site)]
    with Archive(path) as archive:
        run = archive.start_run("crawl", [])
        for p, ((url, sessions), body) in enumerate(zip(site, bodies, strict=True)):
            record = fetch_record(url, body, moment(0, p))
            archive.record_page(dict(record, run_id=run), sessions=sessions, event="Bench Summit")
    first_size = file_bytes(path)
    html_bytes = sum(len(b) for b in bodies)
    print(
        f"first crawl: {PAGES} pages, {PAGES * SESSIONS_PER_PAGE} sessions, {html_bytes / 1e6:.2f} MB of HTML"
        f" -> database {first_size / 1e6:.2f} MB"
    )

    def recrawl(day: int, *, not_modified: bool, with_sessions: bool) -> tuple[int, dict[str, int], int]:
        before_size, before = file_bytes(path), table_bytes(path)
        versions = 0
        with Archive(path) as archive:
            for p, ((url, sessions), body) in enumerate(zip(site, bodies, strict=True)):
                record = fetch_record(
                    url, None if not_modified else body, moment(day, p), not_modified=not_modified
                )
                result = archive.record_page(record, sessions=sessions if with_sessions else None)
                versions += len(result["changes"])
        after = table_bytes(path)
        grown = {k: after.get(k, 0) - before.get(k, 0) for k in after if after.get(k, 0) != before.get(k, 0)}
        return file_bytes(path) - before_size, grown, versions

    for day, (label, not_modified, with_sessions) in enumerate(
        [
            ("200 OK, same body, sessions passed again", False, True),
            ("200 OK, same body, no parse (the crawl's shortcut)", False, False),
            ("304 Not Modified", True, False),
        ],
        start=1,
    ):
        file_delta, grown, versions = recrawl(day, not_modified=not_modified, with_sessions=with_sessions)
        payload = sum(grown.values())
        print(
            f"re-fetch unchanged site, {label}: {versions} versions, payload +{payload} B"
            f" ({payload / PAGES:.0f} B per re-fetch), file +{file_delta} B ({file_delta / PAGES:.0f} B per"
            f" re-fetch); grew: {', '.join(f'{k} +{v}' for k, v in sorted(grown.items()))}"
        )


def corpus_files(corpus: Path) -> Iterator[Path]:
    yield from sorted(p for p in corpus.rglob("*") if p.is_file())


def compression_bench(corpus: Path) -> None:
    files = list(corpus_files(corpus))
    if not files:
        print(f"compression: no corpus at {corpus}")
        return
    datas = [f.read_bytes() for f in files]
    raw = sum(len(d) for d in datas)
    print(f"compression over {len(files)} files in {corpus} ({raw / 1e6:.2f} MB):")
    for name, level in [("zstd-3", 3), (f"zstd-{LEVEL} (stored)", LEVEL), ("zstd-19", 19)]:
        compressor = zstandard.ZstdCompressor(level=level)
        started = time.perf_counter()
        packed = sum(len(compressor.compress(d)) for d in datas)
        took = time.perf_counter() - started
        print(
            f"  {name:<18} ratio {raw / packed:5.2f}  ({packed / 1e6:.3f} MB, {raw / 1e6 / took:6.1f} MB/s)"
        )
    started = time.perf_counter()
    packed = sum(len(zlib.compress(d, 6)) for d in datas)
    took = time.perf_counter() - started
    print(
        f"  {'zlib-6':<18} ratio {raw / packed:5.2f}  ({packed / 1e6:.3f} MB, {raw / 1e6 / took:6.1f} MB/s)"
    )
    with tempfile.TemporaryDirectory() as tmp, Archive(Path(tmp) / "corpus.db") as archive:
        for i, (f, d) in enumerate(zip(files, datas, strict=True)):
            archive.record_page(fetch_record(f"file://{f}", d, moment(0, i)))
        stats = archive.stats()
    print(
        f"  in the archive: {stats['bodies']} bodies, {stats['body_bytes']} B"
        f" -> {stats['stored_bytes']} B stored,"
        f" ratio {stats['body_bytes'] / stats['stored_bytes']:.2f}"
    )
    packer = zstandard.ZstdCompressor(level=LEVEL)
    worst = sorted((len(d) / len(packer.compress(d)), f.name) for f, d in zip(files, datas, strict=True))
    print(
        f"  per file, zstd-{LEVEL}: lowest {worst[0][0]:.2f} ({worst[0][1]}), highest {worst[-1][0]:.2f}"
        f" ({worst[-1][1]})"
    )


def insert_bench(workdir: Path) -> None:
    for label, pages, per_page in [
        ("1 page x 10,000 sessions", 1, 10_000),
        ("100 pages x 100 sessions", 100, 100),
    ]:
        path = workdir / f"insert-{pages}.db"
        site = [(f"https://summit.example/p{p}", page_sessions(p, per_page)) for p in range(pages)]
        with Archive(path) as archive:
            started = time.perf_counter()
            for p, (url, sessions) in enumerate(site):
                archive.record_page(fetch_record(url, f"body {p}".encode(), moment(0, p)), sessions=sessions)
            took = time.perf_counter() - started
            print(
                f"insert {label}: {took:.2f} s, {pages * per_page / took:,.0f} sessions/s"
                " (rows, versions, speakers, FTS)"
            )
            started = time.perf_counter()
            for p, (url, sessions) in enumerate(site):
                archive.record_page(
                    fetch_record(url, f"body {p} v2".encode(), moment(1, p)), sessions=sessions
                )
            took = time.perf_counter() - started
            print(
                f"  compare {label} again (new bytes, same sessions): {took:.2f} s,"
                f" {pages * per_page / took:,.0f} sessions/s"
            )
            started = time.perf_counter()
            found = archive.search("operating clouds", limit=50)
            took_ms = (time.perf_counter() - started) * 1e3
            print(f"  search 'operating clouds': {len(found)} hits in {took_ms:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "corpus"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        refetch_bench(Path(tmp))
        compression_bench(args.corpus)
        insert_bench(Path(tmp))


if __name__ == "__main__":
    main()
