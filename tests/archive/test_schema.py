"""The archive's schema, asserted as one string: any change to it must come with a migration.

This is a new file's schema (``archive/fresh.py``); test_fresh.py checks that a file
migrated step by step from schema 1 has the same.
"""

from __future__ import annotations

from pathlib import Path

from archive import SCHEMA_VERSION, Archive
from tests.archive.records import at, fetch, session

URL = "https://summit.example/schedule"

SCHEMA = """\
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
CREATE TABLE 'sessions_fts_data'(id INTEGER PRIMARY KEY, block BLOB);
CREATE TABLE 'sessions_fts_idx'(segid, term, pgno, PRIMARY KEY(segid, term)) WITHOUT ROWID;
CREATE TABLE 'sessions_fts_docsize'(id INTEGER PRIMARY KEY, sz BLOB);
CREATE TABLE 'sessions_fts_config'(k PRIMARY KEY, v) WITHOUT ROWID;
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
       '[' || substr(CASE WHEN v.changed_mask & 1 THEN ', "title"' ELSE '' END ||
       CASE WHEN v.changed_mask & 2 THEN ', "speakers"' ELSE '' END ||
       CASE WHEN v.changed_mask & 4 THEN ', "start"' ELSE '' END ||
       CASE WHEN v.changed_mask & 8 THEN ', "end"' ELSE '' END ||
       CASE WHEN v.changed_mask & 16 THEN ', "timezone"' ELSE '' END ||
       CASE WHEN v.changed_mask & 32 THEN ', "room"' ELSE '' END ||
       CASE WHEN v.changed_mask & 64 THEN ', "track"' ELSE '' END ||
       CASE WHEN v.changed_mask & 128 THEN ', "url"' ELSE '' END ||
       CASE WHEN v.changed_mask & 256 THEN ', "description"' ELSE '' END ||
       CASE WHEN v.changed_mask & 512 THEN ', "event"' ELSE '' END, 3) || ']' AS changed,
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
"""


def test_schema_is_exactly_this(archive: Archive) -> None:
    assert archive.db.schema + "\n" == SCHEMA


def test_schema_version_and_settings(archive: Archive, db_path: Path) -> None:
    assert SCHEMA_VERSION == 5
    assert archive.db.execute("PRAGMA user_version").fetchone() == (5,)
    assert archive.db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert archive.db.execute("PRAGMA foreign_keys").fetchone() == (1,)
    assert archive.db.execute("PRAGMA synchronous").fetchone() == (1,)  # NORMAL
    applied = archive.db.execute("SELECT name FROM _sqlite_migrations ORDER BY id").fetchall()
    assert applied == [("0001_foundation",), ("0002_history",), ("0003_page_links",), ("0004_version_rows",),
                       ("0005_session_payloads",)]
    archive.close()
    with Archive(db_path) as again:  # opening a current archive migrates nothing
        assert again.db.execute("SELECT count(*) FROM _sqlite_migrations").fetchone() == (5,)


def test_views_answer_plain_sql(archive: Archive) -> None:
    archive.record_page(
        fetch(URL, b"one", fetched_at=at(1)),
        sessions=[
            session("a", "Keynote", start="2026-05-12T09:00:00-07:00", room="Hall A"),
            session("b", "Panel"),
        ],
    )
    archive.record_page(
        fetch(URL, b"two", fetched_at=at(2)),
        sessions=[session("a", "Keynote", start="2026-05-12T09:30:00-07:00", room="Hall B")],
    )
    current = archive.db.execute("SELECT page, uid, title, room, version FROM current_sessions").fetchall()
    assert current == [(URL, "a", "Keynote", "Hall B", 2)]
    changes = archive.db.execute(
        "SELECT fetched_at, kind, uid, changed, old_start, start, old_room, room FROM session_changes"
        " ORDER BY fetched_at, uid"
    ).fetchall()
    assert changes == [
        (
            at(1),
            "added",
            "a",
            '["title", "start", "timezone", "room"]',
            None,
            "2026-05-12T09:00:00-07:00",
            None,
            "Hall A",
        ),
        (at(1), "added", "b", '["title", "timezone"]', None, None, None, None),
        (
            at(2),
            "changed",
            "a",
            '["start", "room"]',
            "2026-05-12T09:00:00-07:00",
            "2026-05-12T09:30:00-07:00",
            "Hall A",
            "Hall B",
        ),
        (at(2), "removed", "b", "[]", None, None, None, None),
    ]
