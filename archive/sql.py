"""Arbitrary SQL from the user (`schedarc query`), which must never change the archive.

Three locks, any one of which suffices for plain writes: the file is opened with
``mode=ro`` by the caller, ``PRAGMA query_only`` is on, and an authorizer refuses
ATTACH, DETACH and pragmas that set something (so ``PRAGMA query_only = OFF`` cannot
lift the second lock).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from archive.errors import ArchiveError

# Pragmas that take an argument yet only read (the argument names a table or index).
_READING_PRAGMAS = frozenset(
    {"table_info", "table_xinfo", "index_list", "index_info", "index_xinfo", "foreign_key_list",
     "foreign_key_check", "integrity_check", "quick_check", "table_list"}
)

READ_ONLY_HINT = "schedarc query runs read-only SQL such as SELECT; only schedarc itself changes the archive"


def _authorize(action: int, arg1: str | None, arg2: str | None, _db: str | None, _trigger: str | None) -> int:
    if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_PRAGMA and arg2 is not None and (arg1 or "").lower() not in _READING_PRAGMAS:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def run_readonly(
    conn: sqlite3.Connection, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """(column names, rows) of one statement; anything that would write raises ArchiveError."""
    conn.execute("PRAGMA query_only = ON")
    conn.set_authorizer(_authorize)
    try:
        cursor = conn.execute(sql, params)
        columns = [d[0] for d in cursor.description or []]
        rows = [tuple(row) for row in cursor.fetchall()]
    except sqlite3.Error as exc:
        text = str(exc)
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        # A write to a view (``sessions`` is one since schema 5) fails before the locks are asked.
        if "readonly" in text or "read-only" in text or "not authorized" in text or "it is a view" in text:
            raise ArchiveError(f"the archive is opened read-only: {text}", hint=READ_ONLY_HINT) from exc
        raise ArchiveError(
            f"the query failed: {text}", hint="check the SQL; the tables are listed in sqlite_master"
        ) from exc
    except sqlite3.Warning as exc:  # e.g. "You can only execute one statement at a time."
        raise ArchiveError(f"the query failed: {exc}", hint="pass one SQL statement") from exc
    finally:
        conn.set_authorizer(None)
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.execute("PRAGMA query_only = OFF")
    return columns, rows
