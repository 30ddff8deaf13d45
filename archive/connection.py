"""Opening the SQLite file: WAL, synchronous=NORMAL, foreign keys, and clear errors.

SQLite's own messages ("unable to open database file") do not say which file or what
to do, so every way opening can fail becomes an ArchiveError naming the path.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from archive import fresh, tables
from archive.db import Db
from archive.errors import ArchiveError

log = logging.getLogger(__name__)

# Seconds a writer waits for another writer's transaction (a crawl and a reparse, say).
BUSY_TIMEOUT = 30.0


def _connect_readonly(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise ArchiveError(
            f"there is no archive at {path}",
            hint="check --db / SCHEDARC_DB, or run `schedarc fetch` or `schedarc crawl` first",
        )
    # mode=ro: SQLite itself refuses every write, whatever SQL is run.
    return sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, timeout=BUSY_TIMEOUT,
                           isolation_level=None)


def _connect_writable(path: Path) -> sqlite3.Connection:
    parent = path.parent
    if not parent.is_dir():
        raise ArchiveError(
            f"cannot create the archive {path}: the directory {parent} does not exist",
            hint="create the directory first, or pass --db with another path",
        )
    if path.is_dir():
        raise ArchiveError(f"the archive path {path} is a directory", hint="pass --db with a file name")
    # Autocommit: writes happen in write_transaction's explicit BEGIN IMMEDIATE ... COMMIT,
    # and a statement outside one commits at once (as sqlite-utils' execute did).
    return sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None)


def explain(exc: sqlite3.Error, path: Path, doing: str) -> ArchiveError:
    """An sqlite3 error as an ArchiveError that says what to do."""
    text = str(exc)
    if "not a database" in text or "malformed" in text:
        return ArchiveError(
            f"{path} is not a schedarc archive or is damaged ({text})",
            hint="pass --db with another path, or restore the file from a backup",
        )
    if "locked" in text or "busy" in text:
        return ArchiveError(
            f"the archive {path} is busy: another process is writing to it",
            hint="wait for the other schedarc command to finish and try again",
        )
    if "readonly" in text or "read-only" in text or "unable to open" in text or "disk I/O" in text:
        return ArchiveError(
            f"cannot {doing} the archive {path} ({text})",
            hint="make the file and its directory writable, or pass --db with another path",
        )
    if "full" in text:
        return ArchiveError(f"the disk holding {path} is full", hint="free some space and try again")
    return ArchiveError(f"cannot {doing} the archive {path} ({text})", hint="run `schedarc check` on it")


def open_database(path: Path, *, readonly: bool) -> Db:
    """A ready-to-use connection: configured and (unless read-only) migrated."""
    try:
        conn = _connect_readonly(path) if readonly else _connect_writable(path)
    except sqlite3.Error as exc:
        raise explain(exc, path, "open") from exc
    try:
        db = Db(conn)
        # Touch the file: a non-database fails here rather than on first use.
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        db.execute("PRAGMA foreign_keys = ON")
        if readonly:
            _require_migrated(db, path)
        else:
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode = wal")
            db.execute("PRAGMA synchronous = NORMAL")
            _migrate(db, path)
    except sqlite3.Error as exc:
        conn.close()
        raise explain(exc, path, "read" if readonly else "open") from exc
    except ArchiveError:
        conn.close()
        raise
    return db


def _migrate(db: Db, path: Path) -> None:
    newer = tables.unknown(db)
    if newer:
        raise ArchiveError(
            f"the archive {path} was written by a newer schedarc (migrations {', '.join(newer)})",
            hint="upgrade schedarc to open it",
        )
    if not tables.pending(db):
        return
    # A new file gets the current schema at once; only upgrading needs sqlite-utils (see db.py).
    if fresh.create(db):
        log.info("archive %s created", path)
        return
    if not tables.pending(db):
        return  # another process created it meanwhile
    from sqlite_utils import Database

    from archive import schema

    applied = schema.migrate(Database(db.conn, execute_plugins=False))
    if applied:
        log.info("archive %s migrated: %s", path, ", ".join(applied))


def _require_migrated(db: Db, path: Path) -> None:
    missing = tables.pending(db)
    if missing:
        state = "is not a schedarc archive" if len(missing) == tables.SCHEMA_VERSION else "needs an upgrade"
        raise ArchiveError(
            f"the archive {path} {state} (missing migrations {', '.join(missing)})",
            hint="open it once with a command that writes (e.g. `schedarc crawl`) to migrate it",
        )


@contextmanager
def write_transaction(db: Db, path: Path) -> Iterator[None]:
    """BEGIN IMMEDIATE ... COMMIT: take the write lock up front, roll back on any error."""
    conn = db.conn
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as exc:
        raise explain(exc, path, "write to") from exc
    try:
        yield
    except sqlite3.Error as exc:
        _rollback(conn)
        raise explain(exc, path, "write to") from exc
    except BaseException:
        _rollback(conn)
        raise
    try:
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        _rollback(conn)
        raise explain(exc, path, "write to") from exc


def _rollback(conn: sqlite3.Connection) -> None:
    # An error such as SQLITE_FULL may already have ended the transaction.
    if conn.in_transaction:
        conn.execute("ROLLBACK")
