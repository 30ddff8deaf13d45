"""The session rows one page's parse writes, sent to SQLite in a few batches.

A schedule page lists tens to hundreds of sessions, each one a session row, a version
row and a speaker link per person. Executed one by one that was ~6 statements a session;
collected here and written with ``executemany``, each kind of statement is prepared once
per page. New sessions (and new payloads, see ``payloads``) get their ids up front, as
SQLite itself would (largest + 1), so their versions and speaker links need no round
trip for ``lastrowid``.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from archive.db import Db
from archive.diff import pack_changed
from archive.payloads import Payloads
from archive.speakers import speaker_key

_INSERT_SESSION = (
    "INSERT INTO session_rows (id, page_id, uid, payload_id, version, first_seen, last_changed)"
    " VALUES (?, ?, ?, ?, 1, ?, ?)"
)
# first_seen is given only when a row reparse is rebuilding is seen again (NULL keeps it).
_UPDATE_SESSION = (
    "UPDATE session_rows SET payload_id = ?, version = ?, first_seen = coalesce(?, first_seen),"
    " last_changed = ?, removed_at = NULL, removed_fetch_id = NULL WHERE id = ?"
)
_REMOVE_SESSION = (
    "UPDATE session_rows SET version = ?, removed_at = ?, removed_fetch_id = ?, last_changed = ? WHERE id = ?"
)
# Every version points at its payload (schema 0005): a new version never rewrites an older one.
_INSERT_VERSION = (
    "INSERT INTO version_rows (session_id, version, fetch_id, kind, changed_mask, payload_id)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)
_SPEAKER_IDS = "SELECT s.key, s.id FROM json_each(?) j JOIN speakers s ON s.key = j.value"
_json_list = json.JSONEncoder(ensure_ascii=False).encode


@dataclass
class SessionWrites:
    """Everything one fetch of a page changes in payloads, sessions, versions and speaker links."""

    fetch_id: int
    fetched_at: str
    payloads: Payloads = field(default_factory=Payloads)
    inserts: list[list[Any]] = field(default_factory=list)
    updates: list[list[Any]] = field(default_factory=list)
    removals: list[list[Any]] = field(default_factory=list)
    versions: list[list[Any]] = field(default_factory=list)
    unlinked: list[tuple[int]] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # speaker key -> first spelling seen
    links: list[tuple[int, int, str]] = field(default_factory=list)

    def insert(self, session_id: int, page_id: int, uid: str, payload_id: int) -> None:
        """A session the archive has never seen on this page."""
        self.inserts.append([session_id, page_id, uid, payload_id, self.fetched_at, self.fetched_at])

    def update(self, session_id: int, payload_id: int, version: int, *, first_seen: bool = False) -> None:
        """A new payload (and version) for a session row; ``first_seen`` when it starts over."""
        self.updates.append([payload_id, version, self.fetched_at if first_seen else None, self.fetched_at,
                             session_id])

    def remove(self, session_id: int, version: int) -> None:
        self.removals.append([version, self.fetched_at, self.fetch_id, self.fetched_at, session_id])

    def version(self, session_id: int, version: int, kind: str, changed: list[str], payload_id: int) -> None:
        """A new latest version, with the payload the session row has after this fetch."""
        self.versions.append([session_id, version, self.fetch_id, kind, pack_changed(changed), payload_id])

    def speakers(self, session_id: int, names: list[str], *, fresh: bool) -> None:
        """Link a session to exactly ``names``, in order (``fresh``: it has no links yet)."""
        if not fresh:
            self.unlinked.append((session_id,))
        for position, name in enumerate(names):
            key = speaker_key(name)
            if key:
                self.names.setdefault(key, name)
                self.links.append((session_id, position, key))

    def flush(self, db: Db) -> None:
        """Write it all, parents before the rows that refer to them."""
        conn = db.conn
        self.payloads.flush(db)
        if self.unlinked:
            conn.executemany("DELETE FROM session_speakers WHERE session_id = ?", self.unlinked)
        if self.inserts:
            conn.executemany(_INSERT_SESSION, self.inserts)
        if self.updates:
            conn.executemany(_UPDATE_SESSION, self.updates)
        if self.removals:
            conn.executemany(_REMOVE_SESSION, self.removals)
        if self.versions:
            conn.executemany(_INSERT_VERSION, self.versions)
        if self.links:
            # Speakers' ids by one query a page, not one per link; only the new ones inserted.
            names = self.names
            ids = _speaker_ids(conn, list(names))
            missing = [(name, key) for key, name in names.items() if key not in ids]
            if missing:
                conn.executemany("INSERT OR IGNORE INTO speakers (name, key) VALUES (?, ?)", missing)
                ids.update(_speaker_ids(conn, [key for _name, key in missing]))
            conn.executemany(
                "INSERT OR IGNORE INTO session_speakers (session_id, speaker_id, position) VALUES (?, ?, ?)",
                [(session_id, ids[key], position) for session_id, position, key in self.links],
            )


def _speaker_ids(conn: sqlite3.Connection, keys: list[str]) -> dict[str, int]:
    """Speaker ids by key, for those of ``keys`` that are stored."""
    return {str(key): int(speaker_id) for key, speaker_id in conn.execute(_SPEAKER_IDS, [_json_list(keys)])}


def next_session_id(db: Db) -> int:
    """The id SQLite would give the next new session."""
    return int(db.execute("SELECT coalesce(max(id), 0) + 1 FROM session_rows").fetchone()[0])
