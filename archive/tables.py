"""What this code knows of the archive's schema, readable without sqlite-utils.

The migration names (and so the schema version), which of them a file has or lacks,
read with plain SQL from sqlite-utils' ``_sqlite_migrations`` table. ``schema`` holds
the migrations; ``fresh`` creates a new file's schema at once.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from archive.db import Db

MIGRATION_SET = "schedarc"
# Every migration, oldest first; the schema version is how many of them a file has.
NAMES: tuple[str, ...] = (
    "0001_foundation", "0002_history", "0003_page_links", "0004_version_rows", "0005_session_payloads",
)
SCHEMA_VERSION = len(NAMES)


def applied(db: Db) -> list[str]:
    """Names of the migrations applied to this file, oldest first."""
    try:
        rows = db.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY id", [MIGRATION_SET]
        ).fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return []  # a new file, or not a schedarc archive yet
        raise
    return [str(name) for (name,) in rows]


def pending(db: Db) -> list[str]:
    """Names of migrations this file still needs."""
    done = set(applied(db))
    return [name for name in NAMES if name not in done]


def unknown(db: Db) -> list[str]:
    """Applied migrations this code does not know: the file is from a newer schedarc."""
    return [name for name in applied(db) if name not in NAMES]


def describe(db: Db) -> dict[str, Any]:
    """Schema version facts for ``stats``."""
    return {"schema_version": len(applied(db)), "schema_latest": SCHEMA_VERSION}

