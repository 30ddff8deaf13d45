"""Writing to the archive: runs, fetches, bodies, and the sessions a page lists.

Every function here runs inside the caller's transaction (``Archive`` opens one per
page), so a fetch row, its body and the session versions it caused commit together.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from archive.bodies import put_body
from archive.db import Db
from archive.diff import (
    FIELDS,
    Fields,
    added_fields,
    brief_record,
    canonical,
    carry_forward,
    change_record,
    changed_fields,
    from_row,
    row_values,
    unchanged,
)
from archive.errors import ArchiveError
from archive.headers import pack_headers
from archive.links import pack_links
from archive.times import parse_utc, utc_now
from archive.writes import SessionWrites, next_session_id

log = logging.getLogger(__name__)

_PAYLOAD_COLUMNS = ", ".join(f'p."{name}"' for name in FIELDS)


def start_run(db: Db, command: str, argv: Sequence[str]) -> int:
    cursor = db.execute(
        "INSERT INTO runs (command, argv, started_at) VALUES (?, ?, ?)",
        [command, json.dumps(list(argv), ensure_ascii=False), utc_now()],
    )
    return int(cursor.lastrowid or 0)


def finish_run(db: Db, run_id: int, *, ok: bool, counts: Mapping[str, int]) -> None:
    cursor = db.execute(
        "UPDATE runs SET finished_at = ?, ok = ?, counts = ? WHERE id = ?",
        [utc_now(), int(ok), json.dumps(dict(counts), sort_keys=True), run_id],
    )
    if cursor.rowcount != 1:
        raise ArchiveError(f"there is no run {run_id} to finish", hint="start it with start_run() first")


def _page(db: Db, url: str, target: str | None) -> tuple[int, str | None, str | None, str | None]:
    """The page row for a URL, made if new: (id, parsed_sha256, etag, last_modified)."""
    row = db.execute(
        "SELECT id, parsed_sha256, etag, last_modified, target FROM pages WHERE url = ?", [url]
    ).fetchone()
    if row is None:
        cursor = db.execute("INSERT INTO pages (url, target) VALUES (?, ?)", [url, target])
        return int(cursor.lastrowid or 0), None, None, None
    if target is not None and row[4] != target:
        db.execute("UPDATE pages SET target = ? WHERE id = ?", [target, row[0]])
    return int(row[0]), row[1], row[2], row[3]


def _text(fetch: Mapping[str, Any], key: str) -> str | None:
    value = fetch.get(key)
    return None if value is None else str(value)


def _redirected_to(fetch: Mapping[str, Any], url: str) -> str | None:
    """``final_url`` as stored: NULL when the page's own URL answered (most fetches; ~70 bytes each)."""
    final = _text(fetch, "final_url")
    return None if final == url else final


def _int(fetch: Mapping[str, Any], key: str) -> int | None:
    value = fetch.get(key)
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise ArchiveError(f"fetch {key} {value!r} is not a number", hint="pass an integer") from exc


def record_page(
    db: Db,
    fetch: Mapping[str, Any],
    *,
    sessions: Sequence[Mapping[str, Any]] | None,
    event: str | None,
    parse_error: str | None,
    parser: str | None,
    links: Sequence[str] | None = None,
    change_fields: int | None = None,
) -> dict[str, Any]:
    """Record one fetch of one page, and what its sessions became. See ``Archive.record_page``."""
    url = fetch.get("url")
    if not isinstance(url, str) or not url:
        raise ArchiveError("a fetch record has no url", hint="pass the requested URL as fetch['url']")
    fetched_at = parse_utc(fetch.get("fetched_at"), what="fetched_at") or utc_now()
    body = fetch.get("body")
    if body is not None and not isinstance(body, bytes | bytearray | memoryview):
        raise ArchiveError("a fetch body must be bytes", hint="pass the raw response bytes")
    error = _text(fetch, "error")
    not_modified = bool(fetch.get("not_modified"))
    ok = error is None and (not_modified or body is not None)
    media_type = _text(fetch, "media_type")

    page_id, parsed_sha, old_etag, old_modified = _page(db, url, _text(fetch, "target"))
    digest: str | None = None
    new_body = False
    if body is not None and not not_modified:
        digest, new_body = put_body(db, bytes(body), media_type)
    headers = fetch.get("headers")
    cursor = db.execute(
        "INSERT INTO fetches (page_id, run_id, fetched_at, status, final_url, headers, attempts,"
        " elapsed_ms, error_class, error, body_sha256, media_type, not_modified, event, parser,"
        " parse_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            page_id,
            _int(fetch, "run_id"),
            fetched_at,
            _int(fetch, "status"),
            _redirected_to(fetch, url),
            pack_headers(headers) if headers else None,
            _int(fetch, "attempts"),
            _int(fetch, "elapsed_ms"),
            _text(fetch, "error_class"),
            error,
            digest,
            media_type,
            int(not_modified),
            event,
            parser,
            parse_error,
        ],
    )
    fetch_id = int(cursor.lastrowid or 0)

    changes: list[dict[str, Any]] = []
    if ok:
        if not_modified:
            # A 304 may carry fresh validators; when it does not, the old ones still hold.
            etag = _text(fetch, "etag") or old_etag
            modified = _text(fetch, "last_modified") or old_modified
        else:
            etag, modified = _text(fetch, "etag"), _text(fetch, "last_modified")
        packed = None if links is None else pack_links(links)
        # SET reads the row as it was: a new body drops the old body's links unless given its own.
        db.execute(
            "UPDATE pages SET etag = ?, last_modified = ?, last_fetched = ?,"
            " body_sha256 = coalesce(?, body_sha256),"
            " last_changed = CASE WHEN ? IS NOT NULL AND ? IS NOT body_sha256 THEN ? ELSE last_changed END,"
            " links = CASE WHEN ? IS NOT NULL AND ? IS NOT body_sha256 THEN ? ELSE coalesce(?, links) END"
            " WHERE id = ?",
            [etag, modified, fetched_at, digest, digest, digest, fetched_at, digest, digest, packed, packed,
             page_id],
        )
        if sessions is not None and digest is not None and digest != parsed_sha:
            changes = apply_sessions(
                db, page_id=page_id, page_url=url, fetch_id=fetch_id, fetched_at=fetched_at,
                sessions=sessions, default_event=event, change_fields=change_fields,
            )
            db.execute("UPDATE pages SET parsed_sha256 = ? WHERE id = ?", [digest, page_id])
    return {"fetch_id": fetch_id, "body_sha256": digest, "new_body": new_body, "changes": changes}


def _incoming(
    sessions: Sequence[Mapping[str, Any]], default_event: str | None, page_url: str
) -> dict[str, Fields]:
    """uid -> fields, first occurrence winning: some sources list a session twice."""
    found: dict[str, Fields] = {}
    for session in sessions:
        uid, fields = canonical(session, default_event=default_event)
        if uid in found:
            log.debug("page %s lists uid %s more than once; keeping the first", page_url, uid)
            continue
        found[uid] = fields
    return found


# Seams, looked up here at each call: tests/reliability/crashpoint.py pauses a crawl inside
# its page transaction right after the Nth version or speaker list is queued for writing.
_insert_version = SessionWrites.version
link_speakers = SessionWrites.speakers

# A page's session rows with their payloads' fields.
_EXISTING = (
    f"SELECT r.id, r.uid, r.version, r.removed_at, r.payload_id, {_PAYLOAD_COLUMNS}"
    " FROM session_rows r JOIN session_payloads p ON p.id = r.payload_id WHERE r.page_id = ?"
)


def apply_sessions(
    db: Db,
    *,
    page_id: int,
    page_url: str,
    fetch_id: int,
    fetched_at: str,
    sessions: Sequence[Mapping[str, Any]],
    default_event: str | None,
    change_fields: int | None = None,
) -> list[dict[str, Any]]:
    """Compare a fresh parse of a page with what the archive holds; write what changed.

    Each session is added, changed, restored (it had been removed), unchanged, or, when
    the page no longer lists it, removed: ``removed_at`` set and the row kept.
    A row with version 0 is one ``reparse`` is rebuilding: it counts as not yet seen.
    New field values become a payload (found by hash when another page or version has
    the same ones); the session row and its new version point at it.
    Returns a change record per change; past the first ``change_fields`` (None: none) a
    record leaves out its ``fields``, which only a reader of every record needs.
    """
    full = sys.maxsize if change_fields is None else change_fields
    incoming = _incoming(sessions, default_event, page_url)
    cursor = db.execute(_EXISTING, [page_id])
    names = [d[0] for d in cursor.description]
    existing = {row["uid"]: row for row in (dict(zip(names, values, strict=True)) for values in cursor)}

    writes = SessionWrites(fetch_id, fetched_at)
    payloads = writes.payloads
    next_id = 0  # taken from the table at the first new session
    changes: list[dict[str, Any]] = []
    for uid, fields in incoming.items():
        row = existing.get(uid)
        old: Fields | None = None
        values = row_values(fields)
        if row is None or row["version"] == 0:
            kind, changed, stored, version = "added", added_fields(fields), fields, 1
            payload_id = payloads.id_for(db, values)
            if row is None:
                if not next_id:
                    next_id = next_session_id(db)
                session_id, next_id = next_id, next_id + 1
                writes.insert(session_id, page_id, uid, payload_id)
            else:
                session_id = int(row["id"])
                writes.update(session_id, payload_id, 1, first_seen=True)
            link_speakers(writes, session_id, stored["speakers"], fresh=row is None)
        else:
            if row["removed_at"] is None and unchanged(values, row):
                continue  # the very same values: nothing to compare
            session_id = int(row["id"])
            old = from_row(row)
            changed = changed_fields(old, fields)
            if row["removed_at"] is not None:
                kind = "restored"
            elif changed:
                kind = "changed"
            else:
                continue
            stored = carry_forward(old, fields, changed)
            # Nothing really changed (a restore): the same payload, no hashing.
            payload_id = payloads.id_for(db, row_values(stored)) if changed else int(row["payload_id"])
            version = int(row["version"]) + 1
            writes.update(session_id, payload_id, version)
            if "speakers" in changed:
                link_speakers(writes, session_id, stored["speakers"], fresh=False)
        _insert_version(writes, session_id, version, kind, changed, payload_id)
        if len(changes) < full:
            changes.append(change_record(kind=kind, uid=uid, page=page_url, fetched_at=fetched_at,
                                         old=old, new=stored, changed=changed))
        else:
            changes.append(brief_record(kind=kind, uid=uid, page=page_url, fetched_at=fetched_at,
                                        old=old, new=stored))

    for uid, row in existing.items():
        if uid in incoming or row["version"] == 0 or row["removed_at"] is not None:
            continue
        version = int(row["version"]) + 1
        writes.remove(int(row["id"]), version)
        _insert_version(writes, int(row["id"]), version, "removed", [], int(row["payload_id"]))
        fields = from_row(row)
        record = change_record if len(changes) < full else brief_record
        changes.append(record(kind="removed", uid=uid, page=page_url, fetched_at=fetched_at, old=fields, new=fields))
    writes.flush(db)
    return changes
