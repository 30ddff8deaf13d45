"""The archive's schema, reached only through numbered migrations.

Each migration is a function registered, in order, on one ``sqlite_utils.Migrations``
set; sqlite-utils records applied ones in ``_sqlite_migrations`` and runs each inside a
transaction. ``PRAGMA user_version`` mirrors the count for people using ``sqlite3``.
Never edit a migration that has shipped: add the next one.

1. the foundation (issue 2): runs, pages, fetches, content-addressed bodies, sessions.
2. history (issue 5): session versions, speakers, full-text search, views.
3. page links (issue 8): the followable links of each page's current body, so a re-crawl
   answered 304 need not parse the body again.
4. version rows (issue 8): the latest version of a session no longer repeats its session
   row (a first crawl stored every session twice); ``session_versions`` is now a view.
5. session payloads (issue 8): a session's fields stored once per distinct value
   (``session_payloads``, content-addressed) and pointed at by session rows and versions;
   ``sessions`` is now a view; full-text search indexes payloads (``payload_migration``).

A brand-new file does not come here: ``fresh`` creates the current schema in one script
without sqlite-utils, and records these migrations as applied.
"""

from __future__ import annotations

import json
import logging

from sqlite_utils import Database, Migrations

from archive import payload_migration
from archive.db import Db
from archive.speakers import link_speakers
from archive.tables import MIGRATION_SET

log = logging.getLogger(__name__)

MIGRATIONS = Migrations(MIGRATION_SET)


@MIGRATIONS(name="0001_foundation")
def foundation(db: Database) -> None:
    """Runs, pages, every fetch, every distinct body once, and sessions as last seen."""
    db.executescript(
        """
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
    last_changed TEXT
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
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    page_id INTEGER NOT NULL REFERENCES pages(id),
    uid TEXT NOT NULL,
    event TEXT,
    title TEXT NOT NULL,
    speakers TEXT NOT NULL DEFAULT '[]',
    start TEXT,
    "end" TEXT,
    timezone TEXT,
    room TEXT,
    track TEXT,
    url TEXT,
    description TEXT,
    first_seen TEXT NOT NULL,
    last_changed TEXT NOT NULL,
    removed_at TEXT,
    UNIQUE (page_id, uid)
);
CREATE INDEX sessions_uid ON sessions(uid);
CREATE INDEX sessions_start ON sessions(start);
PRAGMA user_version = 1;
"""
    )


_VERSIONS_SQL = """
ALTER TABLE sessions ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN removed_fetch_id INTEGER REFERENCES fetches(id);
ALTER TABLE pages ADD COLUMN parsed_sha256 TEXT;
CREATE TABLE session_versions (
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    version INTEGER NOT NULL,
    fetch_id INTEGER NOT NULL REFERENCES fetches(id),
    kind TEXT NOT NULL CHECK (kind IN ('added', 'changed', 'removed', 'restored')),
    changed TEXT NOT NULL DEFAULT '[]',
    title TEXT NOT NULL,
    speakers TEXT NOT NULL DEFAULT '[]',
    start TEXT,
    "end" TEXT,
    timezone TEXT,
    room TEXT,
    track TEXT,
    url TEXT,
    description TEXT,
    event TEXT,
    PRIMARY KEY (session_id, version)
);
CREATE INDEX session_versions_fetch ON session_versions(fetch_id);
CREATE TABLE speakers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    key TEXT NOT NULL UNIQUE
);
CREATE TABLE session_speakers (
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    speaker_id INTEGER NOT NULL REFERENCES speakers(id),
    position INTEGER NOT NULL,
    PRIMARY KEY (session_id, speaker_id)
);
CREATE INDEX session_speakers_speaker ON session_speakers(speaker_id);
"""

CURRENT_SESSIONS_VIEW = """
SELECT s.id, p.url AS page, s.uid, s.event, s.title, s.speakers, s.start, s."end",
       s.timezone, s.room, s.track, s.url, s.description, s.first_seen, s.last_changed,
       p.last_fetched AS checked_at, s.version
FROM sessions s JOIN pages p ON p.id = s.page_id
WHERE s.removed_at IS NULL AND s.version > 0
"""

SESSION_CHANGES_VIEW = """
SELECT f.fetched_at, v.kind, p.url AS page, s.uid, v.title, v.changed,
       prev.title AS old_title, prev.start AS old_start, v.start,
       prev."end" AS old_end, v."end", prev.room AS old_room, v.room,
       prev.speakers AS old_speakers, v.speakers, v.version, v.fetch_id, v.session_id
FROM session_versions v
JOIN sessions s ON s.id = v.session_id
JOIN pages p ON p.id = s.page_id
JOIN fetches f ON f.id = v.fetch_id
LEFT JOIN session_versions prev ON prev.session_id = v.session_id AND prev.version = v.version - 1
"""


@MIGRATIONS(name="0002_history")
def history(db: Database) -> None:
    """Versions of every session, speakers, full-text search and the two views."""
    db.executescript(_VERSIONS_SQL)
    _backfill_versions(db)
    _backfill_speakers(db)
    db.execute("UPDATE pages SET parsed_sha256 = body_sha256")
    db.table("sessions").enable_fts(["title", "speakers", "description"], create_triggers=True)
    db.create_view("current_sessions", CURRENT_SESSIONS_VIEW.strip())
    db.create_view("session_changes", SESSION_CHANGES_VIEW.strip())
    db.execute("PRAGMA user_version = 2")


_VERSION_COLUMNS = 'title, speakers, start, "end", timezone, room, track, url, description, event'
_INSERT_VERSION = (
    f"INSERT INTO session_versions (session_id, version, fetch_id, kind, changed, {_VERSION_COLUMNS})"
)


@MIGRATIONS(name="0003_page_links")
def page_links(db: Database) -> None:
    """``pages.links``: zstd-compressed JSON list of the current body's links (NULL: not known yet)."""
    db.execute("ALTER TABLE pages ADD COLUMN links BLOB")
    db.execute("PRAGMA user_version = 3")


_FIELD_NAMES = ("title", "speakers", "start", "end", "timezone", "room", "track", "url", "description", "event")


def version_field(name: str, version: str = "v", session: str = "s") -> str:
    """SQL for one field of a schema-4 version row: its own value, or for the latest version
    (title NULL) the session row's."""
    return f'CASE WHEN {version}.title IS NULL THEN {session}."{name}" ELSE {version}."{name}" END'


SESSION_VERSIONS_VIEW = (
    "SELECT v.session_id, v.version, v.fetch_id, v.kind, v.changed,\n       "
    + ",\n       ".join(f'{version_field(name)} AS "{name}"' for name in _FIELD_NAMES)
    + "\nFROM version_rows v JOIN sessions s ON s.id = v.session_id"
)


@MIGRATIONS(name="0004_version_rows")
def version_rows(db: Database) -> None:
    """Versions stop repeating the session row: the latest version's fields live in ``sessions``.

    ``version_rows`` is session_versions with nullable fields; a row whose title is NULL
    takes its fields from its session (always the latest version). ``session_versions``
    becomes a view giving every version whole, so SQL written against it still works.
    """
    columns = ",\n    ".join(f'"{name}" TEXT' for name in _FIELD_NAMES)
    quoted = ", ".join(f'"{name}"' for name in _FIELD_NAMES)
    db.execute(
        "CREATE TABLE version_rows (\n"
        "    session_id INTEGER NOT NULL REFERENCES sessions(id),\n"
        "    version INTEGER NOT NULL,\n"
        "    fetch_id INTEGER NOT NULL REFERENCES fetches(id),\n"
        "    kind TEXT NOT NULL CHECK (kind IN ('added', 'changed', 'removed', 'restored')),\n"
        "    changed TEXT NOT NULL DEFAULT '[]',\n"
        f"    {columns},\n"
        "    PRIMARY KEY (session_id, version)\n)"
    )
    db.execute(
        f"INSERT INTO version_rows (rowid, session_id, version, fetch_id, kind, changed, {quoted})"
        f" SELECT rowid, session_id, version, fetch_id, kind, changed, {quoted} FROM session_versions"
    )
    # Only where the latest version provably equals its session row are its fields dropped.
    same = " AND ".join(f'v."{name}" IS s."{name}"' for name in _FIELD_NAMES)
    nulls = ", ".join(f'"{name}" = NULL' for name in _FIELD_NAMES)
    db.execute(
        f"UPDATE version_rows SET {nulls} WHERE rowid IN (SELECT v.rowid FROM version_rows v"
        f" JOIN sessions s ON s.id = v.session_id AND s.version = v.version WHERE {same})"
    )
    db.execute("DROP VIEW session_changes")
    db.execute("DROP TABLE session_versions")
    db.execute("CREATE INDEX version_rows_fetch ON version_rows(fetch_id)")
    db.create_view("session_versions", SESSION_VERSIONS_VIEW)
    db.create_view("session_changes", SESSION_CHANGES_VIEW.strip())
    db.execute("PRAGMA user_version = 4")


def _fetch_near(db: Database, page_id: int, moment: str | None) -> int | None:
    """The fetch of a page at (or else last before, or else any) a moment."""
    row = db.execute(
        "SELECT id FROM fetches WHERE page_id = ? ORDER BY (fetched_at = ?) DESC,"
        " (fetched_at <= ?) DESC, fetched_at DESC, id DESC LIMIT 1",
        [page_id, moment, moment],
    ).fetchone()
    return int(row[0]) if row else None


def _backfill_versions(db: Database) -> None:
    """Schema 1 kept only the current state: make it version 1 (and 2 when removed)."""
    sessions = db.execute("SELECT id, page_id, first_seen, removed_at FROM sessions").fetchall()
    for session_id, page_id, first_seen, removed_at in sessions:
        added = _fetch_near(db, page_id, first_seen)
        if added is None:
            log.warning("session %s has no fetch of its page; left without versions", session_id)
            continue
        version = 1
        db.execute(
            f"{_INSERT_VERSION} SELECT id, 1, ?, 'added', ?, {_VERSION_COLUMNS} FROM sessions WHERE id = ?",
            [added, json.dumps(_present(db, session_id)), session_id],
        )
        removed_fetch = None
        if removed_at is not None:
            removed_fetch = _fetch_near(db, page_id, removed_at)
            version = 2
            db.execute(
                f"{_INSERT_VERSION} SELECT id, 2, ?, 'removed', '[]', {_VERSION_COLUMNS}"
                " FROM sessions WHERE id = ?",
                [removed_fetch, session_id],
            )
        db.execute(
            "UPDATE sessions SET version = ?, removed_fetch_id = ? WHERE id = ?",
            [version, removed_fetch, session_id],
        )


def _present(db: Database, session_id: int) -> list[str]:
    """The fields a backfilled first version lists as changed: those with a value."""
    cursor = db.execute(f"SELECT {_VERSION_COLUMNS} FROM sessions WHERE id = ?", [session_id])
    names = [d[0] for d in cursor.description]
    row = cursor.fetchone()
    return [name for name, value in zip(names, row, strict=True) if value not in (None, "", "[]")]


def _backfill_speakers(db: Database) -> None:
    for session_id, speakers in db.execute("SELECT id, speakers FROM sessions").fetchall():
        link_speakers(Db(db.conn), int(session_id), json.loads(speakers or "[]"))


@MIGRATIONS(name="0005_session_payloads")
def session_payloads(db: Database) -> None:
    """Sessions and versions point at content-addressed payloads; ``sessions`` becomes a view."""
    payload_migration.apply(db.conn)


def migrate(db: Database) -> list[str]:
    """Apply pending migrations; return their names."""
    names = [migration.name for migration in MIGRATIONS.pending(db)]
    MIGRATIONS.apply(db)
    return names
