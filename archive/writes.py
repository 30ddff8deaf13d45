"""The session rows one page's parse writes, sent to SQLite in a few batches.

A schedule page lists tens to hundreds of sessions, each one a sessions row, a version
row and a speaker link per person. Executed one by one that was ~6 statements a session;
collected here and written with ``executemany``, each kind of statement is prepared once
per page. New sessions get their ids up front, as SQLite itself would (largest + 1), so
their versions and speaker links need no round trip for ``lastrowid``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from archive.db import Db
from archive.diff import FIELDS
from archive.speakers import speaker_key

_COLUMNS = ", ".join(f'"{name}"' for name in FIELDS)
_MARKS = ", ".join("?" for _ in FIELDS)
_ASSIGN = ", ".join(f'"{name}" = ?' for name in FIELDS)

_INSERT_SESSION = (
    f"INSERT INTO sessions (id, page_id, uid, version, first_seen, last_changed, {_COLUMNS})"
    f" VALUES (?, ?, ?, 1, ?, ?, {_MARKS})"
)
# first_seen is given only when a row reparse is rebuilding is seen again (NULL keeps it).
_UPDATE_SESSION = (
    f"UPDATE sessions SET {_ASSIGN}, version = ?, first_seen = coalesce(?, first_seen), last_changed = ?,"
    " removed_at = NULL, removed_fetch_id = NULL WHERE id = ?"
)
_REMOVE_SESSION = (
    "UPDATE sessions SET version = ?, removed_at = ?, removed_fetch_id = ?, last_changed = ? WHERE id = ?"
)
# A new version's fields are its session row's (the latest version's live there, see
# schema 0004); the version it supersedes gets them written out first.
_INSERT_VERSION = "INSERT INTO version_rows (session_id, version, fetch_id, kind, changed) VALUES (?, ?, ?, ?, ?)"
_KEEP_VERSION = f"UPDATE version_rows SET {_ASSIGN} WHERE session_id = ? AND version = ? AND title IS NULL"


@dataclass
class SessionWrites:
    """Everything one fetch of a page changes in sessions, versions and speaker links."""

    fetch_id: int
    fetched_at: str
    inserts: list[list[Any]] = field(default_factory=list)
    updates: list[list[Any]] = field(default_factory=list)
    removals: list[list[Any]] = field(default_factory=list)
    versions: list[list[Any]] = field(default_factory=list)
    superseded: list[list[Any]] = field(default_factory=list)
    unlinked: list[tuple[int]] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # speaker key -> first spelling seen
    links: list[tuple[int, int, str]] = field(default_factory=list)

    def insert(self, session_id: int, page_id: int, uid: str, values: Sequence[Any]) -> None:
        """A session the archive has never seen on this page."""
        self.inserts.append([session_id, page_id, uid, self.fetched_at, self.fetched_at, *values])

    def update(self, session_id: int, values: Sequence[Any], version: int, *, first_seen: bool = False) -> None:
        """New field values (and version) for a session row; ``first_seen`` when it starts over."""
        self.updates.append([*values, version, self.fetched_at if first_seen else None, self.fetched_at,
                             session_id])

    def remove(self, session_id: int, version: int) -> None:
        self.removals.append([version, self.fetched_at, self.fetch_id, self.fetched_at, session_id])

    def version(self, session_id: int, version: int, kind: str, changed: list[str]) -> None:
        """A new latest version; its fields are the session row's as this fetch leaves it."""
        self.versions.append([session_id, version, self.fetch_id, kind, json.dumps(changed)])

    def supersede(self, session_id: int, version: int, values: Sequence[Any]) -> None:
        """Version ``version`` is no longer the latest: give it its fields (the row's until now)."""
        self.superseded.append([*values, session_id, version])

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
        if self.unlinked:
            conn.executemany("DELETE FROM session_speakers WHERE session_id = ?", self.unlinked)
        if self.inserts:
            conn.executemany(_INSERT_SESSION, self.inserts)
        if self.updates:
            conn.executemany(_UPDATE_SESSION, self.updates)
        if self.removals:
            conn.executemany(_REMOVE_SESSION, self.removals)
        if self.superseded:
            conn.executemany(_KEEP_VERSION, self.superseded)
        if self.versions:
            conn.executemany(_INSERT_VERSION, self.versions)
        if self.names:
            conn.executemany("INSERT OR IGNORE INTO speakers (name, key) VALUES (?, ?)",
                             [(name, key) for key, name in self.names.items()])
        if self.links:
            conn.executemany(
                "INSERT OR IGNORE INTO session_speakers (session_id, speaker_id, position)"
                " SELECT ?, id, ? FROM speakers WHERE key = ?",
                self.links,
            )


def next_session_id(db: Db) -> int:
    """The id SQLite would give the next new session."""
    return int(db.execute("SELECT coalesce(max(id), 0) + 1 FROM sessions").fetchone()[0])
