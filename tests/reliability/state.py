"""Reading an archive file the way a reliability test judges it: healthy, complete, comparable.

Plain ``sqlite3`` on purpose: the judge must not share code paths with what it judges.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def connect(db: Path, *, readonly: bool = True) -> Iterator[sqlite3.Connection]:
    uri = db.resolve().as_uri() + ("?mode=ro" if readonly else "")
    with closing(sqlite3.connect(uri, uri=True, timeout=30.0)) as conn:
        yield conn


def faults(db: Path) -> list[str]:
    """What is wrong with the file as SQLite sees it: integrity, foreign keys, the FTS index."""
    with connect(db, readonly=False) as conn:
        found = [row[0] for row in conn.execute("PRAGMA integrity_check") if row[0] != "ok"]
        found += [f"foreign key: {row}" for row in conn.execute("PRAGMA foreign_key_check")]
        try:
            conn.execute("INSERT INTO sessions_fts(sessions_fts) VALUES ('integrity-check')")
        except sqlite3.DatabaseError as exc:
            found.append(f"sessions_fts: {exc}")
        except sqlite3.OperationalError as exc:  # no such table: the schema was never created
            if "no such table" not in str(exc):
                found.append(f"sessions_fts: {exc}")
        conn.rollback()
    return found


def half_written(db: Path, per_page: int) -> list[str]:
    """Pages whose parsed body is recorded without exactly its sessions, and versions without
    their session: what a torn page transaction would leave."""
    with connect(db) as conn:
        if not _has(conn, "session_versions"):
            return []
        rows = conn.execute(
            "SELECT p.url, (SELECT count(*) FROM sessions s WHERE s.page_id = p.id AND s.version > 0)"
            " FROM pages p WHERE p.parsed_sha256 IS NOT NULL AND p.url LIKE '%/p/%'").fetchall()
        problems = [f"{url}: {n} sessions, expected {per_page}" for url, n in rows if n != per_page]
        # Every parsed body's fetch row has its versions; no session without a version.
        problems += [f"fetch {fid} of {url} stored a body but recorded no sessions" for fid, url in conn.execute(
            "SELECT f.id, p.url FROM fetches f JOIN pages p ON p.id = f.page_id"
            " WHERE f.body_sha256 = p.parsed_sha256 AND f.parse_error IS NULL AND p.url LIKE '%/p/%'"
            " AND f.id = (SELECT min(id) FROM fetches WHERE page_id = p.id AND body_sha256 = p.parsed_sha256)"
            " AND NOT EXISTS (SELECT 1 FROM session_versions v WHERE v.fetch_id = f.id)")]
        problems += [f"session {sid} has no version" for (sid,) in conn.execute(
            "SELECT id FROM sessions s WHERE NOT EXISTS (SELECT 1 FROM session_versions v WHERE v.session_id = s.id)")]
        # One index row per distinct payload (schema 5), never per session row.
        fts, payloads = (conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                         for t in ("sessions_fts", "session_payloads"))
        if fts != payloads:
            problems.append(f"sessions_fts holds {fts} rows for {payloads} payloads")
    return problems


def _has(conn: sqlite3.Connection, table: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", [table]).fetchone() is not None


def snapshot(db: Path) -> dict[str, Any]:
    """The archive's content without ids, run rows and clock times: equal for equal archives."""
    with connect(db) as conn:
        def rows(sql: str) -> list[tuple[Any, ...]]:
            return sorted(tuple(r) for r in conn.execute(sql))

        return {
            "pages": rows("SELECT url, target, body_sha256, parsed_sha256, etag FROM pages"),
            "bodies": rows("SELECT sha256, media_type, size FROM bodies"),
            "sessions": rows(
                'SELECT p.url, s.uid, s.event, s.title, s.speakers, s.start, s."end", s.timezone, s.room, s.track,'
                " s.url, s.description, s.version, s.removed_at IS NULL"
                " FROM sessions s JOIN pages p ON p.id = s.page_id"),
            "versions": rows(
                'SELECT p.url, s.uid, v.version, v.kind, v.changed, v.title, v.start, v."end", v.room, v.speakers'
                " FROM session_versions v JOIN sessions s ON s.id = v.session_id JOIN pages p ON p.id = s.page_id"),
            "speakers": rows(
                "SELECT s.uid, k.name, ss.position FROM session_speakers ss JOIN sessions s ON s.id = ss.session_id"
                " JOIN speakers k ON k.id = ss.speaker_id"),
            "fts": rows("SELECT p.url, s.uid FROM sessions_fts f JOIN session_rows s ON s.payload_id = f.rowid"
                        " JOIN pages p ON p.id = s.page_id WHERE sessions_fts MATCH 'archived'"),
        }


def count(db: Path, sql: str) -> int:
    with connect(db) as conn:
        return int(conn.execute(sql).fetchone()[0])
