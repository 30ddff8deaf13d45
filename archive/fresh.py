"""A brand-new archive file: the whole current schema from one SQL script, no sqlite-utils.

Replaying every migration on an empty file imports sqlite-utils (~13 MiB and ~40 ms,
paid by a first crawl) and builds tables only to rebuild them. So an empty file gets
``SCRIPT``, the schema as the last migration leaves it, and the migrations are recorded
as applied in sqlite-utils' own ``_sqlite_migrations`` table, exactly as sqlite-utils
records them, so later migrations apply on top as usual. tests/archive/test_fresh.py
asserts that this file and one migrated step by step from schema 1 have the same schema.

With every new migration: add its end state to ``SCRIPT``.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime

from archive.db import Db
from archive.diff import changed_sql
from archive.tables import MIGRATION_SET, NAMES

log = logging.getLogger(__name__)

# session_versions.changed as JSON text, from version_rows.changed_mask (a bit per field).
CHANGED = changed_sql("v.changed_mask")

SCRIPT = f"""
CREATE TABLE "_sqlite_migrations" (
   "id" INTEGER PRIMARY KEY,
   "migration_set" TEXT,
   "name" TEXT,
   "applied_at" TEXT
);
CREATE UNIQUE INDEX "idx__sqlite_migrations_migration_set_name"
    ON "_sqlite_migrations" ("migration_set", "name");
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    command TEXT NOT NULL,
    argv TEXT NOT NULL DEFAULT '[]',
    started_at TEXT NOT NULL,
    finished_at TEXT,
    ok INTEGER,
    counts TEXT
);
CREATE TABLE pages (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    target TEXT,
    etag TEXT,
    last_modified TEXT,
    body_sha256 TEXT REFERENCES bodies(sha256),
    last_fetched TEXT,
    last_changed TEXT,
    parsed_sha256 TEXT,
    links BLOB
);
CREATE INDEX pages_target ON pages(target);
CREATE TABLE bodies (
    sha256 TEXT PRIMARY KEY,
    media_type TEXT,
    size INTEGER NOT NULL,
    encoding TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE TABLE fetches (
    id INTEGER PRIMARY KEY,
    page_id INTEGER NOT NULL REFERENCES pages(id),
    run_id INTEGER REFERENCES runs(id),
    fetched_at TEXT NOT NULL,
    status INTEGER,
    final_url TEXT,
    headers TEXT,
    attempts INTEGER,
    elapsed_ms INTEGER,
    error_class TEXT,
    error TEXT,
    body_sha256 TEXT REFERENCES bodies(sha256),
    media_type TEXT,
    not_modified INTEGER NOT NULL DEFAULT 0,
    event TEXT,
    parser TEXT,
    parse_error TEXT
);
CREATE INDEX fetches_page ON fetches(page_id, fetched_at);
CREATE TABLE speakers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    key TEXT NOT NULL UNIQUE
);
CREATE TABLE session_payloads (
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
);
CREATE VIRTUAL TABLE sessions_fts USING fts5(
    title, speakers, description,
    content='session_payloads', content_rowid='id'
);
CREATE TRIGGER session_payloads_ai AFTER INSERT ON session_payloads BEGIN
  INSERT INTO sessions_fts (rowid, title, speakers, description)
  VALUES (new.id, new.title, new.speakers, new.description);
END;
CREATE TRIGGER session_payloads_ad AFTER DELETE ON session_payloads BEGIN
  INSERT INTO sessions_fts (sessions_fts, rowid, title, speakers, description)
  VALUES ('delete', old.id, old.title, old.speakers, old.description);
END;
CREATE TRIGGER session_payloads_au BEFORE UPDATE ON session_payloads BEGIN
  SELECT RAISE(ABORT, 'session payloads are immutable: insert a new one');
END;
CREATE TABLE session_rows (
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
);
CREATE INDEX session_rows_uid ON session_rows(uid);
CREATE INDEX session_rows_payload ON session_rows(payload_id);
CREATE TABLE version_rows (
    session_id INTEGER NOT NULL REFERENCES session_rows(id),
    version INTEGER NOT NULL,
    fetch_id INTEGER NOT NULL REFERENCES fetches(id),
    kind TEXT NOT NULL CHECK (kind IN ('added', 'changed', 'removed', 'restored')),
    changed_mask INTEGER NOT NULL DEFAULT 0,
    payload_id INTEGER NOT NULL REFERENCES session_payloads(id),
    PRIMARY KEY (session_id, version)
);
CREATE INDEX version_rows_fetch ON version_rows(fetch_id);
CREATE TABLE session_speakers (
    session_id INTEGER NOT NULL REFERENCES session_rows(id),
    speaker_id INTEGER NOT NULL REFERENCES speakers(id),
    position INTEGER NOT NULL,
    PRIMARY KEY (session_id, speaker_id)
);
CREATE INDEX session_speakers_speaker ON session_speakers(speaker_id);
CREATE VIEW sessions AS SELECT r.id, r.page_id, r.uid, p.event, p.title, p.speakers, p.start, p."end",
       p.timezone, p.room, p.track, p.url, p.description, r.first_seen, r.last_changed, r.removed_at,
       r.version, r.removed_fetch_id
FROM session_rows r JOIN session_payloads p ON p.id = r.payload_id;
CREATE VIEW current_sessions AS SELECT s.id, p.url AS page, s.uid, s.event, s.title, s.speakers, s.start,
       s."end", s.timezone, s.room, s.track, s.url, s.description, s.first_seen, s.last_changed,
       p.last_fetched AS checked_at, s.version
FROM sessions s JOIN pages p ON p.id = s.page_id
WHERE s.removed_at IS NULL AND s.version > 0;
CREATE VIEW session_versions AS SELECT v.session_id, v.version, v.fetch_id, v.kind,
       {CHANGED} AS changed,
       p.title, p.speakers, p.start, p."end", p.timezone, p.room, p.track, p.url, p.description, p.event
FROM version_rows v JOIN session_payloads p ON p.id = v.payload_id;
CREATE VIEW session_changes AS SELECT f.fetched_at, v.kind, p.url AS page, s.uid, v.title, v.changed,
       prev.title AS old_title, prev.start AS old_start, v.start,
       prev."end" AS old_end, v."end", prev.room AS old_room, v.room,
       prev.speakers AS old_speakers, v.speakers, v.version, v.fetch_id, v.session_id
FROM session_versions v
JOIN session_rows s ON s.id = v.session_id
JOIN pages p ON p.id = s.page_id
JOIN fetches f ON f.id = v.fetch_id
LEFT JOIN session_versions prev ON prev.session_id = v.session_id AND prev.version = v.version - 1;
PRAGMA user_version = 5;
"""


def statements(script: str) -> list[str]:
    """A script as single statements (a trigger's inner ``;`` does not end it)."""
    found: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            found.append(pending.strip().removesuffix(";"))
            pending = ""
    if pending.strip():
        found.append(pending.strip())
    return found


def create(db: Db) -> bool:
    """Give an empty file the current schema in one transaction; False if it is not empty.

    Another process may have created the file's schema since this one looked: the write
    lock is taken first and emptiness checked under it, so exactly one of them creates.
    """
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        if conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            conn.execute("ROLLBACK")
            return False
        for statement in statements(SCRIPT):
            conn.execute(statement)
        # What sqlite-utils' Migrations writes for each applied migration.
        applied_at = str(datetime.now(UTC))
        conn.executemany(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES (?, ?, ?)",
            [(MIGRATION_SET, name, applied_at) for name in NAMES],
        )
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    log.debug("new archive created at schema %d", len(NAMES))
    return True
