"""Export and import numbers: JSON/CSV/ICS speed, WARC size against the bodies, import-warc speed.

Run: .venv/bin/python bench/export_bench.py [--pages 100] [--fetches 20]
Builds an archive of schema.org schedule pages fetched repeatedly (a body change every
fifth fetch, the rest identical re-fetches), then times each export and a WARC round trip.
Prints plain numbers; nothing here is asserted.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from archive import Archive
from archive.export import COLUMNS, HISTORY_COLUMNS, current_rows, history_rows, to_csv, to_ics, to_json
from archive.warc import write_cdxj, write_warc
from scraper import parsers
from scraper.document import from_bytes
from scraper.ingest import Hints, Ingest
from scraper.warc_import import import_warcs

SESSIONS = 50
ZONE = "Europe/Berlin"


def page_body(page: int, edition: int) -> bytes:
    """A schedule page of SESSIONS talks; each edition moves two of them."""
    events = []
    for n in range(SESSIONS):
        hour = 9 + n % 8 + (1 if n < 2 * edition % SESSIONS and n % 25 == edition % 25 else 0)
        events.append({
            "@type": "Event", "@id": f"https://conf{page}.example/talk/{n}",
            "name": f"Talk {n} of conference {page}: on schedules, archives and the passing of time",
            "startDate": f"2026-06-{10 + n % 3:02d}T{hour:02d}:00:00+02:00",
            "endDate": f"2026-06-{10 + n % 3:02d}T{hour:02d}:45:00+02:00",
            "location": {"@type": "Place", "name": f"Room {n % 6}"},
            "performer": [{"@type": "Person", "name": f"Speaker {n} Person"}],
            "description": "An abstract of a few sentences, as schedules have them. " * 3,
        })
    graph = {"@context": "https://schema.org", "@type": "Event", "name": f"Conference {page}", "subEvent": events}
    return (f"<html><head><script type='application/ld+json'>{json.dumps(graph)}</script></head>"
            f"<body><p>edition {edition}</p></body></html>").encode()


def build(path: Path, pages: int, fetches: int) -> None:
    start = datetime(2026, 4, 1, tzinfo=UTC)
    with Archive(path) as archive:
        for day in range(fetches):
            edition = day // 5
            for page in range(pages):
                url = f"https://conf{page}.example/schedule"
                body = page_body(page, edition)
                sessions = None
                if day % 5 == 0:
                    doc = from_bytes(url, body, content_type="text/html", timezone=ZONE)
                    sessions = [s.to_dict() for s in parsers.parse(doc, "jsonld").sessions]
                archive.record_page({"url": url, "fetched_at": (start + timedelta(days=day)).isoformat(),
                                     "status": 200, "final_url": url, "body": body, "media_type": "text/html",
                                     "headers": {"Content-Type": "text/html; charset=utf-8"}},
                                    sessions=sessions, event=f"Conference {page}", parser="jsonld")


def timed(what: str, work: Callable[[], Any]) -> Any:
    began = time.perf_counter()
    result = work()
    print(f"{what:<34} {time.perf_counter() - began:8.3f} s")
    return result


def main() -> None:
    options = argparse.ArgumentParser()
    options.add_argument("--pages", type=int, default=100)
    options.add_argument("--fetches", type=int, default=20)
    args = options.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        timed(f"build {args.pages} pages x {args.fetches} fetches", lambda: build(db, args.pages, args.fetches))
        with Archive(db, readonly=True) as archive:
            stats = archive.stats()
            rows = timed("read current sessions", lambda: current_rows(archive.db))
            print(f"  {len(rows)} sessions, {stats['versions']} versions, {stats['fetches']} fetches,"
                  f" {stats['bodies']} bodies ({stats['body_bytes']} bytes, {stats['stored_bytes']} stored)")
            timed("json", lambda: to_json(rows, COLUMNS))
            timed("csv", lambda: to_csv(rows, COLUMNS))
            ics, _, _ = timed("ics", lambda: to_ics(rows))
            print(f"  ics {len(ics)} bytes")
            versions = timed("read history", lambda: history_rows(archive.db))
            timed(f"csv --history ({len(versions)} rows)", lambda: to_csv(versions, HISTORY_COLUMNS))
            warc = Path(tmp) / "bench.warc.gz"
            with warc.open("wb") as out:
                summary = timed("warc", lambda: write_warc(archive.db, out, filename=warc.name,
                                                           software="bench"))
            with (Path(tmp) / "bench.cdxj").open("w") as index:
                timed("cdxj", lambda: write_cdxj(summary.entries, index))
        size = warc.stat().st_size
        print(f"  warc {size} bytes: {summary.responses} responses, {summary.revisits} revisits;"
              f" bodies {stats['body_bytes']} raw, {stats['stored_bytes']} zstd in SQLite;"
              f" warc/raw bodies {size / stats['body_bytes']:.3f}, {size / summary.records:.0f} bytes per record")
        copy = Path(tmp) / "copy.db"
        with Archive(copy) as archive:
            ingest = Ingest(archive, run_id=None, hints=lambda _u, _t: Hints(timezone=ZONE, parser="jsonld"))
            counts = timed("import-warc into a new archive", lambda: import_warcs([warc], ingest))
            print(f"  {counts['captures']} captures, {counts['changes']} session changes,"
                  f" {len(current_rows(archive.db))} sessions")


if __name__ == "__main__":
    main()
