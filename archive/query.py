"""Read-only questions to the archive: sessions, search, changes, history, snapshots.

Nothing here writes, so every function works on an archive opened read-only.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from archive import tables
from archive.bodies import get_body, verify_bodies
from archive.db import Db
from archive.diff import FIELDS, change_record, from_row, unpack_changed
from archive.errors import ArchiveError
from archive.links import unpack_links
from archive.speakers import speaker_key
from archive.times import from_utc_text, parse_utc

# A session: its row (s), its payload's fields (d) and its page (p); _SESSIONS joins them.
_SESSION_COLUMNS = (
    's.id, p.url AS page, s.uid, d.event, d.title, d.speakers, d.start, d."end", d.timezone, d.room,'
    " d.track, d.url, d.description, s.first_seen, s.last_changed, s.removed_at, s.version,"
    " p.last_fetched AS checked_at"
)
_SESSIONS = (
    "session_rows s JOIN session_payloads d ON d.id = s.payload_id JOIN pages p ON p.id = s.page_id"
)


def _rows(db: Db, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    cursor = db.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor]


def _session(row: dict[str, Any]) -> dict[str, Any]:
    row["speakers"] = json.loads(row["speakers"]) if row["speakers"] else []
    return row


def _like(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, with its own % and _ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _day(on: date | str) -> str:
    if isinstance(on, datetime):
        return on.date().isoformat()
    if isinstance(on, date):
        return on.isoformat()
    try:
        return date.fromisoformat(on.strip()).isoformat()
    except ValueError as exc:
        raise ArchiveError(f"{on!r} is not a date", hint="write dates like 2024-04-16") from exc


def sessions(
    db: Db,
    *,
    event: str | None = None,
    speaker: str | None = None,
    on: date | str | None = None,
    room: str | None = None,
    page: str | None = None,
    removed: bool = False,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Sessions as pages list them now (or, with ``removed``, those no longer listed).

    ``event``, ``room`` and ``speaker`` match case-insensitively anywhere in the value;
    ``on`` is a day in the session's own zone (the date its start is written with).
    """
    where = ["s.version > 0", "s.removed_at IS NOT NULL" if removed else "s.removed_at IS NULL"]
    params: list[Any] = []
    if event:
        where.append("d.event LIKE ? ESCAPE '\\'")
        params.append(_like(event))
    if room:
        where.append("d.room LIKE ? ESCAPE '\\'")
        params.append(_like(room))
    if speaker:
        where.append(
            "s.id IN (SELECT ss.session_id FROM session_speakers ss JOIN speakers sp"
            " ON sp.id = ss.speaker_id WHERE sp.key LIKE ? ESCAPE '\\')"
        )
        params.append(_like(speaker_key(speaker)))
    if on is not None:
        where.append("substr(d.start, 1, 10) = ?")
        params.append(_day(on))
    if page:
        where.append("p.url = ?")
        params.append(page)
    sql = (
        f"SELECT {_SESSION_COLUMNS} FROM {_SESSIONS} WHERE {' AND '.join(where)}"
        " ORDER BY d.start IS NULL, coalesce(datetime(d.start), d.start), d.title, s.id"
    )
    if limit is not None:
        sql += " LIMIT ?"
        params.append(int(limit))
    return [_session(row) for row in _rows(db, sql, params)]


def fts_query(text: str) -> str:
    """User text as an FTS5 query: every word a quoted phrase, so no syntax leaks through."""
    words = text.split()
    if not words:
        raise ArchiveError("there is nothing to search for", hint="give one or more words")
    return " ".join('"' + word.replace('"', '""') + '"' for word in words)


#: Matches ranked by relevance at most. A word in most sessions would otherwise be ranked
#: over the whole archive (bm25 costs ~2 us a match: ~200 ms at 100k sessions).
RANKED = 2000


def search(db: Db, text: str, *, limit: int = 50, ranked: int = RANKED) -> list[dict[str, Any]]:
    """Sessions whose title, speakers or description hold every word, best match first.

    The index holds each distinct payload (a session's fields, shared by every page that
    lists the talk the same way, see ``payloads``) once: payloads are ranked, then each
    brings the sessions that show it now, by id. Up to ``ranked`` (RANKED, 2,000)
    matching payloads are all ranked by relevance (bm25). When more match, only the
    newest ``ranked`` of them (the texts first stored last) are ranked and older ones
    are left out: a very common word finds what the latest crawls brought, fast (~5 ms
    at 100k sessions), and more words reach older ones.
    """
    query = fts_query(text)
    # The ``ranked``-th newest match: ranking starts there (0: few enough to rank them all).
    row = db.execute(
        "SELECT rowid FROM sessions_fts WHERE sessions_fts MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET ?",
        [query, max(1, ranked) - 1],
    ).fetchone()
    floor = int(row[0]) if row else 0
    # Ranked in the FTS index alone, then the rows read: joining first would read every match's row.
    best = "SELECT rowid FROM sessions_fts WHERE sessions_fts MATCH ? AND rowid >= ? ORDER BY rank, rowid"
    payloads = [int(r[0]) for r in db.execute(f"{best} LIMIT ?", [query, floor, int(limit)])]
    hits = _by_payload(db, payloads)
    if len(hits) < limit == len(payloads):
        # Payloads no current session shows (older versions, rows a reparse has not reached
        # yet) were among the best: rank without a limit.
        hits = _by_payload(db, [int(r[0]) for r in db.execute(best, [query, floor])])
    return hits if limit < 0 else hits[:limit]


def _by_payload(db: Db, payloads: list[int]) -> list[dict[str, Any]]:
    """Current (version > 0) sessions showing these payloads: in the payloads' order, then by id."""
    if not payloads:
        return []
    rows = _rows(
        db,
        f"SELECT {_SESSION_COLUMNS}, s.payload_id FROM {_SESSIONS}"
        " WHERE s.version > 0 AND s.payload_id IN (SELECT value FROM json_each(?))",
        [json.dumps(payloads)],
    )
    order = {payload: position for position, payload in enumerate(payloads)}
    rows.sort(key=lambda row: (order[row["payload_id"]], row["id"]))
    for row in rows:
        del row["payload_id"]
    return [_session(row) for row in rows]


# A version's fields are its payload's (d); the version before it has its own payload (pd).
_VERSION_COLUMNS = ", ".join(f'd."{name}"' for name in FIELDS)
_PREVIOUS_COLUMNS = ", ".join(f'pd."{name}" AS "old_{name}"' for name in FIELDS)
_VERSIONS = (
    "version_rows v JOIN session_payloads d ON d.id = v.payload_id JOIN session_rows s ON s.id = v.session_id"
    " JOIN pages p ON p.id = s.page_id JOIN fetches f ON f.id = v.fetch_id"
)


def changes(
    db: Db, *, since: datetime | date | str | None = None, page: str | None = None
) -> list[dict[str, Any]]:
    """Change records (added, changed, removed, restored) in the order they were recorded."""
    where: list[str] = []
    params: list[Any] = []
    if since is not None:
        where.append("f.fetched_at >= ?")
        params.append(parse_utc(since, what="--since"))
    if page:
        where.append("p.url = ?")
        params.append(page)
    sql = (
        f"SELECT v.kind, v.changed_mask, v.version, s.uid, p.url AS page, f.fetched_at, {_VERSION_COLUMNS},"
        f" {_PREVIOUS_COLUMNS} FROM {_VERSIONS}"
        " LEFT JOIN version_rows prev ON prev.session_id = v.session_id AND prev.version = v.version - 1"
        " LEFT JOIN session_payloads pd ON pd.id = prev.payload_id"
        f" {'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY f.fetched_at, f.id, v.rowid"
    )
    records = []
    for row in _rows(db, sql, params):
        new = from_row(row)
        old = None if row["old_title"] is None else from_row({n: row[f"old_{n}"] for n in FIELDS})
        records.append(
            change_record(kind=row["kind"], uid=row["uid"], page=row["page"], fetched_at=row["fetched_at"],
                          old=old, new=new, changed=unpack_changed(row["changed_mask"]))
        )
    return records


_FETCH_COLUMNS = (
    "f.id AS fetch_id, f.fetched_at, f.status, f.not_modified, coalesce(f.final_url, p.url) AS final_url,"
    " f.attempts, f.elapsed_ms,"
    " f.error_class, f.error, f.body_sha256, b.size, f.media_type, f.parser, f.parse_error, f.run_id,"
    " (SELECT count(*) FROM version_rows v WHERE v.fetch_id = f.id) AS versions"
)


def _fetches(db: Db, page_id: int) -> list[dict[str, Any]]:
    fetches = _rows(
        db,
        f"SELECT {_FETCH_COLUMNS} FROM fetches f JOIN pages p ON p.id = f.page_id"
        " LEFT JOIN bodies b ON b.sha256 = f.body_sha256 WHERE f.page_id = ? ORDER BY f.fetched_at, f.id",
        [page_id],
    )
    for fetch in fetches:
        fetch["not_modified"] = bool(fetch["not_modified"])
    return fetches


def _page_row(db: Db, url: str) -> dict[str, Any] | None:
    rows = _rows(db, "SELECT * FROM pages WHERE url = ?", [url])
    return rows[0] if rows else None


def history(db: Db, key: str) -> dict[str, Any]:
    """A page URL: its fetches. A session uid: its versions, on every page that lists it.

    Each version is flat: page, version, kind, fetch_id, fetched_at, changed, and the fields.
    """
    page = _page_row(db, key)
    if page is not None:
        return {"kind": "page", "url": key, "target": page["target"], "last_fetched": page["last_fetched"],
                "last_changed": page["last_changed"], "fetches": _fetches(db, int(page["id"]))}
    rows = _rows(
        db,
        f"SELECT v.kind, v.version, v.changed_mask, v.fetch_id, f.fetched_at, p.url AS page, {_VERSION_COLUMNS}"
        f" FROM {_VERSIONS} WHERE s.uid = ? ORDER BY f.fetched_at, f.id, v.rowid",
        [key],
    )
    if not rows:
        raise ArchiveError(
            f"no session uid or page URL {key!r} in the archive",
            hint="`schedarc sessions --json` shows uids; `schedarc snapshots URL` shows pages",
        )
    versions = [
        {"page": row["page"], "version": row["version"], "kind": row["kind"], "fetch_id": row["fetch_id"],
         "fetched_at": row["fetched_at"], "changed": unpack_changed(row["changed_mask"]), **from_row(row)}
        for row in rows
    ]
    return {"kind": "session", "uid": key, "title": versions[-1]["title"],
            "pages": sorted({v["page"] for v in versions}), "versions": versions}


def snapshots(db: Db, url: str) -> list[dict[str, Any]]:
    """Every fetch of a page, oldest first: those with a body can be shown, the rest say why not."""
    page = _page_row(db, url)
    if page is None:
        raise ArchiveError(f"no page {url} in the archive", hint="check the URL, or fetch it first")
    return _fetches(db, int(page["id"]))


def fetch_body(db: Db, fetch_id: int) -> bytes:
    row = db.execute(
        "SELECT body_sha256, not_modified, error FROM fetches WHERE id = ?", [fetch_id]
    ).fetchone()
    if row is None:
        raise ArchiveError(f"there is no fetch {fetch_id}", hint="`schedarc snapshots URL` lists fetch ids")
    digest, not_modified, error = row
    if digest is None:
        if not_modified:
            why = "it was a 304 Not Modified"
        else:
            why = f"it failed: {error}" if error else "none was kept"
        raise ArchiveError(f"fetch {fetch_id} has no body ({why})",
                           hint="`schedarc snapshots URL` lists the fetches that have one")
    return get_body(db, digest)


def page_state(db: Db, url: str) -> dict[str, Any] | None:
    """What the last successful fetch of a page left behind, for a conditional GET.

    Also ``fetch_id``, ``media_type``, ``parser``, ``event`` and ``parse_error`` of the latest
    fetch that stored the page's body, so a 304 can be answered from the archive, and
    ``has_links``: whether ``page_links`` knows the body's links.
    """
    rows = _rows(
        db,
        "SELECT p.url, p.target, p.etag, p.last_modified, p.body_sha256, p.last_fetched, p.last_changed,"
        " p.links IS NOT NULL AS has_links, f.id AS fetch_id, f.media_type, f.parser, f.event, f.parse_error"
        " FROM pages p LEFT JOIN fetches f ON f.id = ("
        "  SELECT id FROM fetches WHERE page_id = p.id AND body_sha256 = p.body_sha256"
        "  ORDER BY fetched_at DESC, id DESC LIMIT 1)"
        " WHERE p.url = ? AND p.last_fetched IS NOT NULL",
        [url],
    )
    if not rows:
        return None
    rows[0]["has_links"] = bool(rows[0]["has_links"])
    return rows[0]


def page_links(db: Db, url: str) -> list[str] | None:
    """The followable links recorded for a page's current body (None: not recorded)."""
    row = db.execute("SELECT links FROM pages WHERE url = ?", [url]).fetchone()
    return None if row is None or row[0] is None else unpack_links(row[0])


def last_run(db: Db, target: str) -> datetime | None:
    """When any page of a target was last fetched (failed attempts count: they were tried)."""
    row = db.execute(
        "SELECT max(f.fetched_at) FROM fetches f JOIN pages p ON p.id = f.page_id WHERE p.target = ?",
        [target],
    ).fetchone()
    return from_utc_text(row[0]) if row else None


def check(db: Db) -> list[str]:
    """Every fault found: SQLite's integrity check, dangling references, corrupt bodies."""
    problems = [
        f"integrity: {row[0]}" for row in db.execute("PRAGMA integrity_check").fetchall() if row[0] != "ok"
    ]
    problems += [
        f"foreign key: {table} row {rowid} points at a missing {parent} row"
        for table, rowid, parent, _ in db.execute("PRAGMA foreign_key_check").fetchall()
    ]
    return problems + verify_bodies(db)


def stats(db: Db) -> dict[str, Any]:
    """Counts and sizes, for `schedarc stats` and the benchmark."""

    def one(sql: str) -> int:
        return int(db.execute(sql).fetchone()[0] or 0)

    page_size = one("PRAGMA page_size")
    return {
        "runs": one("SELECT count(*) FROM runs"),
        "pages": one("SELECT count(*) FROM pages"),
        "fetches": one("SELECT count(*) FROM fetches"),
        "failed_fetches": one("SELECT count(*) FROM fetches WHERE error IS NOT NULL"),
        "bodies": one("SELECT count(*) FROM bodies"),
        "body_bytes": one("SELECT sum(size) FROM bodies"),
        "stored_bytes": one("SELECT sum(length(data)) FROM bodies"),
        "sessions": one("SELECT count(*) FROM session_rows WHERE removed_at IS NULL AND version > 0"),
        "removed_sessions": one("SELECT count(*) FROM session_rows WHERE removed_at IS NOT NULL"),
        "versions": one("SELECT count(*) FROM version_rows"),
        "speakers": one("SELECT count(*) FROM speakers"),
        "database_bytes": one("PRAGMA page_count") * page_size,
        **tables.describe(db),
    }
