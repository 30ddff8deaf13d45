"""A new archive file: the current schema from one script, the same as migrating step by step."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from archive import SCHEMA_VERSION, Archive
from archive import fresh as fresh_file
from archive.schema import MIGRATIONS
from archive.tables import NAMES

ROOT = Path(__file__).resolve().parents[2]


def normalised(sql: str) -> str:
    """SQL text as compared: identifiers unquoted, whitespace collapsed, none around ( ) and ,."""
    text = re.sub(r"\s+", " ", sql.replace('"', ""))
    return re.sub(r"\s*([(),])\s*", r"\1", text).strip()


def shape(path: Path) -> dict[tuple[str, str], str]:
    """Every object of the file (type, name) with its normalised SQL, and the schema version."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
        found = {(kind, name): normalised(sql or "") for kind, name, sql in rows}
        found[("pragma", "user_version")] = str(conn.execute("PRAGMA user_version").fetchone()[0])
    return found


def test_a_new_file_has_the_schema_of_one_migrated_from_version_1(tmp_path: Path) -> None:
    old = tmp_path / "v1.db"
    db = Database(old)
    MIGRATIONS.apply(db, stop_before="0002_history")  # schema 1, as sqlite-utils made it
    db.close()
    Archive(old).close()  # migrated 2, 3, 4, 5 by sqlite-utils
    new = tmp_path / "new.db"
    Archive(new).close()
    assert shape(new) == shape(old)
    assert ("view", "sessions") in shape(new) and ("table", "session_payloads") in shape(new)


def test_a_new_file_records_its_migrations_as_sqlite_utils_does(db_path: Path) -> None:
    Archive(db_path).close()
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT id, migration_set, name, applied_at FROM _sqlite_migrations").fetchall()
    assert [(i, s, n) for i, s, n, _ in rows] == [(i, "schedarc", n) for i, n in enumerate(NAMES, start=1)]
    assert all(datetime.fromisoformat(stamp).utcoffset() is not None for *_, stamp in rows)
    db = Database(db_path)
    assert [m.name for m in MIGRATIONS.applied(db)] == list(NAMES)
    assert MIGRATIONS.pending(db) == []
    MIGRATIONS.apply(db)  # nothing left to do: no error, nothing recorded twice
    assert db.execute("SELECT count(*) FROM _sqlite_migrations").fetchone() == (SCHEMA_VERSION,)
    db.close()


def test_only_an_empty_file_is_created(db_path: Path) -> None:
    with Archive(db_path) as archive:
        before = archive.db.schema
        assert fresh_file.create(archive.db) is False  # a second process that lost the race
        assert archive.db.schema == before and not archive.db.conn.in_transaction
    other = db_path.with_name("other.db")
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE mine (x)")
    conn.close()
    with sqlite3.connect(other, isolation_level=None) as conn:
        from archive.db import Db

        assert fresh_file.create(Db(conn)) is False
        assert conn.execute("SELECT name FROM sqlite_master").fetchall() == [("mine",)]
    conn.close()


def test_the_script_splits_into_whole_statements() -> None:
    parts = fresh_file.statements(fresh_file.SCRIPT)
    assert all(sqlite3.complete_statement(part + ";") for part in parts)
    triggers = [part for part in parts if part.startswith("CREATE TRIGGER")]
    assert len(triggers) == 3 and all(part.endswith("END") for part in triggers)


PROBE = """
import json, sys
from archive import Archive
with Archive(sys.argv[1]) as archive:
    archive.record_page(
        {"url": "https://summit.example/s", "fetched_at": "2026-04-01T08:00:00+00:00", "status": 200,
         "body": b"one", "media_type": "text/html"},
        sessions=[{"uid": "a", "title": "Opening Keynote", "speakers": ["Ada Park"]}],
    )
    found = [s["uid"] for s in archive.search("keynote")]
print(json.dumps({"found": found, "sqlite_utils": "sqlite_utils" in sys.modules}))
"""


def test_creating_and_writing_a_new_archive_does_not_import_sqlite_utils(db_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", PROBE, str(db_path)], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=True)
    assert json.loads(done.stdout) == {"found": ["a"], "sqlite_utils": False}
