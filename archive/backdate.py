"""Recording a fetch made before the page's latest one (a Wayback capture, an old WARC).

``Archive.record_page`` treats every fetch as the newest: it moves the page's validators
and body forward and diffs sessions against the current state. A capture from 2019
added to a page crawled yesterday must do neither, or the next crawl would send a stale
ETag and the session history would run backwards. So an earlier fetch is stored as
history only (page row left as it was), and the caller replays the page with
``Archive.reparse`` to fold it into the session versions in time order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from archive.connection import write_transaction
from archive.core import Archive
from archive.errors import ArchiveError
from archive.store import record_page
from archive.times import parse_utc

_STATE = "etag, last_modified, body_sha256, last_fetched, last_changed, links"


def latest_fetch(archive: Archive, url: str) -> str | None:
    """When the page was last fetched successfully (UTC ISO text), None if never."""
    row = archive.db.execute("SELECT last_fetched FROM pages WHERE url = ?", [url]).fetchone()
    return None if row is None or row[0] is None else str(row[0])


def has_fetch(archive: Archive, url: str, fetched_at: str, body_sha256: str | None) -> bool:
    """Whether this page already has a fetch at that moment with that body (an import seen before)."""
    moment = parse_utc(fetched_at, what="fetched_at")
    row = archive.db.execute(
        "SELECT 1 FROM fetches f JOIN pages p ON p.id = f.page_id"
        " WHERE p.url = ? AND f.fetched_at = ? AND f.body_sha256 IS ? LIMIT 1",
        [url, moment, body_sha256],
    ).fetchone()
    return row is not None


def has_capture(archive: Archive, url: str, fetched_at: str) -> bool:
    """Whether this page already has a fetch with a body at that moment (a capture backfilled before)."""
    moment = parse_utc(fetched_at, what="fetched_at")
    row = archive.db.execute(
        "SELECT 1 FROM fetches f JOIN pages p ON p.id = f.page_id"
        " WHERE p.url = ? AND f.fetched_at = ? AND f.body_sha256 IS NOT NULL LIMIT 1",
        [url, moment],
    ).fetchone()
    return row is not None


def record_earlier(
    archive: Archive,
    fetch: Mapping[str, Any],
    *,
    event: str | None = None,
    parser: str | None = None,
    parse_error: str | None = None,
) -> dict[str, Any]:
    """Store a fetch older than the page's latest one: fetch row and body, page state kept.

    One transaction, like ``record_page``. Makes no session versions: run
    ``archive.reparse(parse, page=url)`` afterwards to replay the page in time order.
    """
    if archive.readonly:
        raise ArchiveError(f"the archive {archive.path} is opened read-only",
                           hint="open it writable to import into it")
    url = str(fetch.get("url") or "")
    with write_transaction(archive.db, archive.path):
        before = archive.db.execute(f"SELECT {_STATE} FROM pages WHERE url = ?", [url]).fetchone()
        outcome = record_page(archive.db, fetch, sessions=None, event=event, parse_error=parse_error,
                              parser=parser)
        if before is not None and before[3] is not None:
            archive.db.execute(
                "UPDATE pages SET etag = ?, last_modified = ?, body_sha256 = ?, last_fetched = ?,"
                " last_changed = ?, links = ? WHERE url = ?",
                [*before, url],
            )
    return outcome
