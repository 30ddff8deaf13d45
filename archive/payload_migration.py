"""Migration 0005: session fields move to content-addressed payloads; ``sessions`` becomes a view.

Schema 4 stored every (page, uid) session row with all its fields, and version rows
repeated them for superseded versions. A talk listed by six pages was six copies of
its text, six full-text index rows and six trigger runs. After this migration:

- ``session_payloads``: each distinct field set once (id, hash, the ten fields);
  immutable, so ``sessions_fts`` indexes it by an insert trigger, one row per payload;
- ``session_rows``: the identity and lifecycle of a session on a page (ids kept), with
  the ``payload_id`` of its latest version;
- ``version_rows``: every version points at its payload (no more NULL-means-latest), and
  its changed fields are a bit mask (``changed_mask``), not a JSON list;
- ``sessions``, ``session_versions``, ``current_sessions``, ``session_changes``: views
  with the columns and results they had, so SQL written against schema 4 still works.

Plain sqlite3 on the migration's connection, inside the transaction sqlite-utils opens.
Tables that refer to the old ``sessions`` table (versions, speaker links) are rebuilt
through TEMP copies rather than renamed, so their SQL text is that of a new file.
Never edit this once shipped: add the next migration.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from archive.diff import changed_sql, pack_changed
from archive.payloads import INSERT_PAYLOAD, payload_hash

# Rows read at a time: memory stays flat however large the archive.
_CHUNK = 1000
_FIELDS = ("title", "speakers", "start", "end", "timezone", "room", "track", "url", "description", "event")
_OLD = ", ".join(f's."{name}"' for name in _FIELDS)
# A schema-4 version's fields: its own, or (title NULL: the latest version) its session row's.
_OLD_VERSION = ", ".join(
    f'CASE WHEN v.title IS NULL THEN s."{name}" ELSE v."{name}" END' for name in _FIELDS
)

CREATE = (
    """CREATE TABLE session_payloads (
    id INTEGER PRIMARY KEY,
    hash BLOB NOT NULL UNIQUE,
    title TEXT NOT NULL,
    speakers TEXT NOT NULL DEFAULT '[]',
    start TEXT,
    "end" TEXT,
    timezone TEXT,
    room TEXT,
    track TEXT,
    url TEXT,
    description TEXT,
    event TEXT
)""",
    """CREATE VIRTUAL TABLE sessions_fts USING fts5(
    title, speakers, description,
    content='session_payloads', content_rowid='id'
)""",
    """CREATE TRIGGER session_payloads_ai AFTER INSERT ON session_payloads BEGIN
  INSERT INTO sessions_fts (rowid, title, speakers, description)
  VALUES (new.id, new.title, new.speakers, new.description);
END""",
    """CREATE TRIGGER session_payloads_ad AFTER DELETE ON session_payloads BEGIN
  INSERT INTO sessions_fts (sessions_fts, rowid, title, speakers, description)
  VALUES ('delete', old.id, old.title, old.speakers, old.description);
END""",
    """CREATE TRIGGER session_payloads_au BEFORE UPDATE ON session_payloads BEGIN
  SELECT RAISE(ABORT, 'session payloads are immutable: insert a new one');
END""",
    """CREATE TABLE session_rows (
    id INTEGER PRIMARY KEY,
    page_id INTEGER NOT NULL REFERENCES pages(id),
    uid TEXT NOT NULL,
    payload_id INTEGER NOT NULL REFERENCES session_payloads(id),
    first_seen TEXT NOT NULL,
    last_changed TEXT NOT NULL,
    removed_at TEXT,
    version INTEGER NOT NULL DEFAULT 0,
    removed_fetch_id INTEGER REFERENCES fetches(id),
    UNIQUE (page_id, uid)
)""",
    "CREATE INDEX session_rows_uid ON session_rows(uid)",
    "CREATE INDEX session_rows_payload ON session_rows(payload_id)",
)

CREATE_CHILDREN = (
    """CREATE TABLE version_rows (
    session_id INTEGER NOT NULL REFERENCES session_rows(id),
    version INTEGER NOT NULL,
    fetch_id INTEGER NOT NULL REFERENCES fetches(id),
    kind TEXT NOT NULL CHECK (kind IN ('added', 'changed', 'removed', 'restored')),
    changed_mask INTEGER NOT NULL DEFAULT 0,
    payload_id INTEGER NOT NULL REFERENCES session_payloads(id),
    PRIMARY KEY (session_id, version)
)""",
    "CREATE INDEX version_rows_fetch ON version_rows(fetch_id)",
    """CREATE TABLE session_speakers (
    session_id INTEGER NOT NULL REFERENCES session_rows(id),
    speaker_id INTEGER NOT NULL REFERENCES speakers(id),
    position INTEGER NOT NULL,
    PRIMARY KEY (session_id, speaker_id)
)""",
    "CREATE INDEX session_speakers_speaker ON session_speakers(speaker_id)",
)

# session_versions.changed as JSON text, from version_rows.changed_mask (a bit per field).
CHANGED = changed_sql("v.changed_mask")

VIEWS = (
    """CREATE VIEW sessions AS SELECT r.id, r.page_id, r.uid, p.event, p.title, p.speakers, p.start, p."end",
       p.timezone, p.room, p.track, p.url, p.description, r.first_seen, r.last_changed, r.removed_at,
       r.version, r.removed_fetch_id
FROM session_rows r JOIN session_payloads p ON p.id = r.payload_id""",
    """CREATE VIEW current_sessions AS SELECT s.id, p.url AS page, s.uid, s.event, s.title, s.speakers, s.start,
       s."end", s.timezone, s.room, s.track, s.url, s.description, s.first_seen, s.last_changed,
       p.last_fetched AS checked_at, s.version
FROM sessions s JOIN pages p ON p.id = s.page_id
WHERE s.removed_at IS NULL AND s.version > 0""",
    f"""CREATE VIEW session_versions AS SELECT v.session_id, v.version, v.fetch_id, v.kind,
       {CHANGED} AS changed,
       p.title, p.speakers, p.start, p."end", p.timezone, p.room, p.track, p.url, p.description, p.event
FROM version_rows v JOIN session_payloads p ON p.id = v.payload_id""",
    """CREATE VIEW session_changes AS SELECT f.fetched_at, v.kind, p.url AS page, s.uid, v.title, v.changed,
       prev.title AS old_title, prev.start AS old_start, v.start,
       prev."end" AS old_end, v."end", prev.room AS old_room, v.room,
       prev.speakers AS old_speakers, v.speakers, v.version, v.fetch_id, v.session_id
FROM session_versions v
JOIN session_rows s ON s.id = v.session_id
JOIN pages p ON p.id = s.page_id
JOIN fetches f ON f.id = v.fetch_id
LEFT JOIN session_versions prev ON prev.session_id = v.session_id AND prev.version = v.version - 1""",
)


class _Payloads:
    """Payload ids by hash while backfilling, each new payload inserted at once (in first-seen order)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.ids: dict[bytes, int] = {}

    def id_for(self, values: tuple[Any, ...]) -> int:
        row = list(values)
        row[0] = row[0] or ""  # title and speakers are NOT NULL in payloads
        row[1] = row[1] or "[]"
        key = payload_hash(row)
        found = self.ids.get(key)
        if found is None:
            found = len(self.ids) + 1
            self.conn.execute(INSERT_PAYLOAD, [found, key, *row])
            self.ids[key] = found
        return found


def apply(conn: sqlite3.Connection) -> None:
    """Migrate a schema-4 archive; the caller holds the transaction."""
    for view in ("session_changes", "session_versions", "current_sessions"):
        conn.execute(f"DROP VIEW {view}")
    for trigger in ("sessions_ai", "sessions_ad", "sessions_au"):  # sqlite-utils' FTS triggers
        conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    conn.execute("DROP TABLE sessions_fts")
    for statement in CREATE:
        conn.execute(statement)

    payloads = _Payloads(conn)
    # Versions first, oldest first: payload ids grow with time, as search's newest-first cap assumes.
    conn.execute("CREATE TEMP TABLE old_versions (rid INTEGER PRIMARY KEY, session_id, version, fetch_id,"
                 " kind, changed, payload_id)")
    versions = conn.execute(
        f"SELECT v.rowid, v.session_id, v.version, v.fetch_id, v.kind, v.changed, {_OLD_VERSION}"
        " FROM version_rows v JOIN sessions s ON s.id = v.session_id ORDER BY v.rowid"
    )
    while chunk := versions.fetchmany(_CHUNK):
        conn.executemany("INSERT INTO old_versions VALUES (?, ?, ?, ?, ?, ?, ?)",
                         [[*row[:5], pack_changed(json.loads(row[5] or "[]")), payloads.id_for(row[6:])]
                          for row in chunk])
    sessions = conn.execute(
        f"SELECT s.id, s.page_id, s.uid, s.first_seen, s.last_changed, s.removed_at, s.version,"
        f" s.removed_fetch_id, {_OLD} FROM sessions s ORDER BY s.id"
    )
    while chunk := sessions.fetchmany(_CHUNK):
        conn.executemany(
            "INSERT INTO session_rows (id, page_id, uid, first_seen, last_changed, removed_at, version,"
            " removed_fetch_id, payload_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [[*row[:8], payloads.id_for(row[8:])] for row in chunk],
        )
    conn.execute("CREATE TEMP TABLE old_speakers AS SELECT session_id, speaker_id, position FROM session_speakers")

    # Children before their parent: dropping them first leaves no row pointing at a dropped table.
    for table in ("version_rows", "session_speakers", "sessions"):
        conn.execute(f"DROP TABLE {table}")
    for statement in CREATE_CHILDREN:
        conn.execute(statement)
    conn.execute(
        "INSERT INTO version_rows (rowid, session_id, version, fetch_id, kind, changed_mask, payload_id)"
        " SELECT rid, session_id, version, fetch_id, kind, changed, payload_id FROM old_versions ORDER BY rid"
    )
    conn.execute("INSERT INTO session_speakers SELECT session_id, speaker_id, position FROM old_speakers")
    conn.execute("DROP TABLE temp.old_versions")
    conn.execute("DROP TABLE temp.old_speakers")
    for statement in VIEWS:
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 5")
