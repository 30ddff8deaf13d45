"""Rebuilding sessions and their versions from stored bodies, with today's parsers.

Replays every successful fetch of the chosen pages in fetch order through the same
``apply_sessions`` a crawl uses, so a reparse with the parser of the original crawl
reproduces its sessions and versions exactly. Session ids are kept: rows are reset to
version 0 ("not seen yet") and reused when their uid comes back, and payloads are found
by hash (the same fields, the same payload id), so running reparse twice leaves identical
tables. Payloads no session row or version points at any more are then deleted: the one
way a payload (and its full-text index row) goes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from archive.bodies import get_body
from archive.db import Db
from archive.errors import ArchiveError
from archive.headers import unpack_headers
from archive.payloads import collect_garbage
from archive.speakers import prune_speakers
from archive.store import apply_sessions

Parse = Callable[[dict[str, Any]], list[dict[str, Any]] | None]


def _scope(db: Db, page: str | None) -> tuple[str, list[Any]]:
    """SQL for the ids of the pages to rebuild, with its parameters."""
    if page is None:
        return "SELECT id FROM pages", []
    row = db.execute("SELECT id FROM pages WHERE url = ?", [page]).fetchone()
    if row is None:
        raise ArchiveError(
            f"no page {page} in the archive", hint="`schedarc snapshots URL` lists what was archived"
        )
    return "?", [int(row[0])]


def _forget(db: Db, scope: str, params: list[Any]) -> None:
    """Drop versions and speaker links of these pages; mark their sessions not yet seen."""
    inside = f"SELECT id FROM session_rows WHERE page_id IN ({scope})"
    db.execute(f"DELETE FROM version_rows WHERE session_id IN ({inside})", params)
    db.execute(f"DELETE FROM session_speakers WHERE session_id IN ({inside})", params)
    db.execute(
        "UPDATE session_rows SET version = 0, removed_at = NULL, removed_fetch_id = NULL"
        f" WHERE page_id IN ({scope})",
        params,
    )
    # Today's parsers may find other links: the next crawl records them afresh.
    db.execute(f"UPDATE pages SET parsed_sha256 = NULL, links = NULL WHERE id IN ({scope})", params)


def reparse(db: Db, parse: Parse, *, page: str | None = None) -> dict[str, int]:
    """Rebuild sessions and versions of one page (or all) from the archive; return counts."""
    scope, params = _scope(db, page)
    counts = {
        "pages": _count(db, f"SELECT count(*) FROM pages WHERE id IN ({scope})", params),
        "fetches": 0, "skipped": 0, "unparseable": 0, "changes": 0,
    }
    _forget(db, scope, params)
    fetches = db.execute(
        "SELECT f.id, f.page_id, p.url, p.target, f.final_url, f.body_sha256, f.media_type, f.headers,"
        " f.fetched_at, f.event FROM fetches f JOIN pages p ON p.id = f.page_id"
        f" WHERE f.page_id IN ({scope}) AND f.body_sha256 IS NOT NULL AND f.error IS NULL"
        " AND f.not_modified = 0 ORDER BY f.fetched_at, f.id",
        params,
    ).fetchall()
    parsed: dict[int, str] = {}
    for fetch_id, page_id, url, target, final_url, digest, media_type, headers, fetched_at, event in fetches:
        if parsed.get(page_id) == digest:
            counts["skipped"] += 1  # the same body as the last parse: nothing can have changed
            continue
        sessions = parse(
            {
                "url": url,
                "final_url": final_url,
                "body": get_body(db, digest),
                "media_type": media_type,
                "headers": unpack_headers(headers),
                "fetched_at": fetched_at,
                "target": target,
            }
        )
        if sessions is None:
            counts["unparseable"] += 1
            continue
        counts["fetches"] += 1
        changes = apply_sessions(
            db, page_id=page_id, page_url=url, fetch_id=fetch_id, fetched_at=fetched_at,
            sessions=sessions, default_event=event,
        )
        counts["changes"] += len(changes)
        parsed[page_id] = digest
        db.execute("UPDATE pages SET parsed_sha256 = ? WHERE id = ?", [digest, page_id])
    # Sessions no body lists any more (the new parser does not find them) are gone for good.
    db.execute(f"DELETE FROM session_rows WHERE version = 0 AND page_id IN ({scope})", params)
    prune_speakers(db)
    # Payloads only the dropped versions and rows showed (their index rows go by trigger).
    collect_garbage(db)
    counts["sessions"] = _count(db, f"SELECT count(*) FROM session_rows WHERE page_id IN ({scope})", params)
    counts["versions"] = _count(
        db,
        "SELECT count(*) FROM version_rows WHERE session_id IN"
        f" (SELECT id FROM session_rows WHERE page_id IN ({scope}))",
        params,
    )
    return counts


def _count(db: Db, sql: str, params: list[Any]) -> int:
    return int(db.execute(sql, params).fetchone()[0])
