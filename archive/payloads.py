"""Session payloads: each distinct set of a session's fields stored once, found by its hash.

One talk is listed by many pages (list views, full schedules, its own page, the feeds),
and each (page, uid) is a session row with its own history. The fields (title,
speakers, times, room, description...) are mostly the same on every page, so they live
in ``session_payloads``, once per distinct value, and a session row or version points
at one. Payloads are immutable (a changed session points at a new one), which lets the
full-text index hold one row per distinct text and never update it.

The hash is blake2b (16 bytes) over the JSON array of the ten stored values, in FIELDS
order: unambiguous (JSON quotes every string, ``null`` is not ``"null"``) and ~5 us a
session; 128 bits make an accidental collision out of reach.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from archive.db import Db
from archive.diff import FIELDS

# ASCII escapes: any str encodes, lone surrogates included.
_encode = json.JSONEncoder(separators=(",", ":")).encode

_COLUMNS = ", ".join(f'"{name}"' for name in FIELDS)
_PLACES = ", ".join("?" for _ in FIELDS)
INSERT_PAYLOAD = f"INSERT INTO session_payloads (id, hash, {_COLUMNS}) VALUES (?, ?, {_PLACES})"
# New payloads wait here (this connection's own TEMP table) to be inserted by one statement.
_STAGE = (
    f"CREATE TEMP TABLE IF NOT EXISTS new_payloads (id INTEGER PRIMARY KEY, hash BLOB, {_COLUMNS})",
    f"INSERT INTO temp.new_payloads (id, hash, {_COLUMNS}) VALUES (?, ?, {_PLACES})",
    f"INSERT INTO session_payloads (id, hash, {_COLUMNS}) SELECT id, hash, {_COLUMNS} FROM temp.new_payloads"
    " ORDER BY id",
    "DELETE FROM temp.new_payloads",
)
_STRAIGHT = 2  # payloads inserted without staging (measured: staging pays from three on)


def payload_hash(values: Sequence[Any]) -> bytes:
    """The identity of a payload: its stored values (speakers as JSON text), in FIELDS order."""
    return hashlib.blake2b(_encode(list(values)).encode(), digest_size=16).digest()


class Payloads:
    """Payload ids for one batch of writes: an existing payload found by hash, or a new one queued.

    New payloads get their ids up front (largest + 1, as SQLite would) so the session
    rows and versions that point at them can be queued too; ``flush`` writes them first.
    """

    def __init__(self) -> None:
        self.known: dict[bytes, int] = {}
        self.new: list[list[Any]] = []
        self._next = 0

    def id_for(self, db: Db, values: Sequence[Any]) -> int:
        """The id of the payload with exactly these values, made (queued) if there is none."""
        key = payload_hash(values)
        found = self.known.get(key)
        if found is not None:
            return found
        row = db.execute("SELECT id FROM session_payloads WHERE hash = ?", [key]).fetchone()
        if row is not None:
            found = int(row[0])
        else:
            if not self._next:
                self._next = int(db.execute("SELECT coalesce(max(id), 0) + 1 FROM session_payloads").fetchone()[0])
            found, self._next = self._next, self._next + 1
            self.new.append([found, key, *values])
        self.known[key] = found
        return found

    def flush(self, db: Db) -> None:
        """Insert the queued payloads (each also indexed for full-text search, by trigger).

        One INSERT for them all, from a TEMP table: every statement that fires the FTS
        trigger opens a savepoint, and FTS5 (SQLite 3.40 here) flushes its pending terms at
        each one, so ``executemany`` wrote an index segment per payload (~60 us a payload,
        three times the indexing itself) where this writes one per page. Staging costs
        three statements more: one or two payloads are inserted straight away.
        """
        conn = db.conn
        if len(self.new) <= _STRAIGHT:
            conn.executemany(INSERT_PAYLOAD, self.new)
        else:
            create, stage, insert, clear = _STAGE
            conn.execute(create)
            conn.executemany(stage, self.new)
            conn.execute(insert)
            conn.execute(clear)
        self.new = []


def collect_garbage(db: Db) -> int:
    """Drop payloads no session row or version points at (after a reparse); return how many."""
    cursor = db.execute(
        "DELETE FROM session_payloads WHERE id NOT IN (SELECT payload_id FROM session_rows)"
        " AND id NOT IN (SELECT payload_id FROM version_rows)"
    )
    return int(cursor.rowcount)
