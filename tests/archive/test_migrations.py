"""Upgrading an archive made by schema version 1 (issue 2's foundation) to the current schema."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlite_utils import Database

from archive import SCHEMA_VERSION, Archive, ArchiveError
from archive.schema import MIGRATIONS
from tests.archive.records import at, fetch, session
from tests.archive.test_fresh import shape

URL = "https://summit.example/schedule"
ABC = hashlib.sha256(b"abc").hexdigest()


def make_v1(path: Path) -> None:
    """A database exactly as schema version 1 left it, with data a v1 crawl would have written."""
    db = Database(path)
    MIGRATIONS.apply(db, stop_before="0002_history")
    db.executescript(
        f"""
        INSERT INTO runs (id, command, argv, started_at, finished_at, ok, counts)
            VALUES (1, 'crawl', '[]', '{at(1)}', '{at(1)}', 1, '{{}}');
        INSERT INTO bodies (sha256, media_type, size, encoding, data)
            VALUES ('{ABC}', 'text/html', 3, 'identity', X'616263');
        INSERT INTO pages (id, url, target, etag, body_sha256, last_fetched, last_changed)
            VALUES (1, '{URL}', 'summit', '"e1"', '{ABC}', '{at(2)}', '{at(1)}');
        INSERT INTO fetches (id, page_id, run_id, fetched_at, status, body_sha256, media_type)
            VALUES (1, 1, 1, '{at(1)}', 200, '{ABC}', 'text/html'),
                   (2, 1, 1, '{at(2)}', 200, '{ABC}', 'text/html');
        INSERT INTO sessions (id, page_id, uid, event, title, speakers, start, room, first_seen, last_changed,
                              removed_at)
            VALUES (1, 1, 'k1', 'Summit', 'Opening Keynote', '["Ada Park", "Bo Li"]',
                    '2026-05-12T09:00:00-07:00', 'Hall A', '{at(1)}', '{at(1)}', NULL),
                   (2, 1, 'c2', 'Summit', 'Cancelled Talk', '[]', NULL, NULL,
                    '{at(1)}', '{at(2)}', '{at(2)}');
        """
    )
    assert db.execute("PRAGMA user_version").fetchone() == (1,)
    db.close()


def test_a_v1_archive_is_upgraded_and_keeps_its_data(tmp_path: Path) -> None:
    old = tmp_path / "v1.db"
    make_v1(old)
    with pytest.raises(ArchiveError, match="needs an upgrade"):
        Archive(old, readonly=True)  # read-only never migrates

    with Archive(old) as archive:
        assert archive.db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        assert archive.check() == []
        assert [(s["uid"], s["title"], s["speakers"], s["version"]) for s in archive.sessions()] == [
            ("k1", "Opening Keynote", ["Ada Park", "Bo Li"], 1)
        ]
        assert [s["uid"] for s in archive.sessions(removed=True)] == ["c2"]
        assert archive.history("c2")["versions"][-1]["kind"] == "removed"
        assert [(c["kind"], c["uid"], c["fetched_at"]) for c in archive.changes()] == [
            ("added", "k1", at(1)),
            ("added", "c2", at(1)),
            ("removed", "c2", at(2)),
        ]
        assert [s["uid"] for s in archive.sessions(speaker="bo li")] == ["k1"]  # speakers backfilled
        assert [s["uid"] for s in archive.search("keynote")] == ["k1"]  # FTS built from old rows
        assert archive.fetch_body(1) == b"abc"
        assert archive.page_state(URL)["etag"] == '"e1"'  # type: ignore[index]

        # The upgraded archive carries on: the next crawl sees a move, not a new talk.
        result = archive.record_page(
            fetch(URL, b"new", fetched_at=at(3)),
            sessions=[
                session(
                    "k1",
                    "Opening Keynote",
                    speakers=["Ada Park", "Bo Li"],
                    event="Summit",
                    start="2026-05-12T09:00:00-07:00",
                    room="Hall B",
                    timezone=None,
                )
            ],
        )
        assert [(c["kind"], c["uid"], c["fields"]) for c in result["changes"]] == [
            ("changed", "k1", {"room": {"old": "Hall A", "new": "Hall B"}})
        ]

    fresh = tmp_path / "fresh.db"
    Archive(fresh).close()
    assert shape(fresh) == shape(old)  # upgraded and new files are the same shape


def test_a_failed_migration_leaves_the_file_at_its_version(tmp_path: Path) -> None:
    old = tmp_path / "v1.db"
    make_v1(old)
    db = Database(old)
    db.execute("CREATE TABLE speakers (something TEXT)")  # in the way of migration 2
    db.close()
    with pytest.raises(ArchiveError, match=r"v1\.db"):
        Archive(old)
    db = Database(old)
    assert [m.name for m in MIGRATIONS.applied(db)] == ["0001_foundation"]
    assert "session_versions" not in db.table_names()
    assert db.execute("SELECT count(*) FROM sessions").fetchone() == (2,)
    assert json.loads(db.execute("SELECT speakers FROM sessions WHERE id = 1").fetchone()[0]) == [
        "Ada Park",
        "Bo Li",
    ]
    db.close()


def test_a_v2_archive_gains_page_links_unknown_until_recorded(tmp_path: Path) -> None:
    old = tmp_path / "v2.db"
    make_v1(old)
    db = Database(old)
    MIGRATIONS.apply(db, stop_before="0003_page_links")
    assert db.execute("PRAGMA user_version").fetchone() == (2,)
    assert "links" not in db.table("pages").columns_dict
    db.close()

    with Archive(old) as archive:
        assert archive.db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        assert archive.page_links(URL) is None  # pages crawled before links were kept
        assert archive.page_state(URL)["has_links"] is False  # type: ignore[index]
        links = ["https://summit.example/event/1", "https://summit.example/event/2"]
        archive.record_page(fetch(URL, None, fetched_at=at(3), status=304, not_modified=True), links=links)
        assert archive.page_links(URL) == links
        assert archive.page_state(URL)["has_links"] is True  # type: ignore[index]
        assert archive.check() == []


def test_a_v3_archive_keeps_every_version_and_stores_each_field_set_once(tmp_path: Path) -> None:
    old = tmp_path / "v3.db"
    make_v1(old)
    db = Database(old)
    MIGRATIONS.apply(db, stop_before="0004_version_rows")
    # A third version the way schema 3 wrote one: whole fields in the version, and in the row.
    db.execute("UPDATE session_versions SET title = 'Opening Keynote (old)' WHERE session_id = 1")
    db.execute(
        "INSERT INTO session_versions (session_id, version, fetch_id, kind, changed, title, speakers, start,"
        " room, event) SELECT id, 2, 2, 'changed', '[\"title\"]', title, speakers, start, room, event"
        " FROM sessions WHERE id = 1"
    )
    db.execute("UPDATE sessions SET version = 2 WHERE id = 1")
    every = "SELECT * FROM session_versions ORDER BY session_id, version"
    before = db.execute(every).fetchall()
    db.close()

    with Archive(old) as archive:
        assert archive.db.execute(every).fetchall() == before  # the view gives every version whole
        stored = archive.db.execute(
            "SELECT v.session_id, v.version, p.title FROM version_rows v"
            " JOIN session_payloads p ON p.id = v.payload_id ORDER BY 1, 2"
        ).fetchall()
        assert stored == [(1, 1, "Opening Keynote (old)"), (1, 2, "Opening Keynote"), (2, 1, "Cancelled Talk"),
                          (2, 2, "Cancelled Talk")]
        assert archive.db.execute("SELECT count(*) FROM session_payloads").fetchone() == (3,)  # each once
        assert archive.check() == []
        # Carrying on: the superseded latest version gets its fields written out.
        archive.record_page(
            fetch(URL, b"new", fetched_at=at(3)),
            sessions=[session("k1", "Opening Keynote", speakers=["Ada Park", "Bo Li"], event="Summit",
                              start="2026-05-12T09:00:00-07:00", room="Hall B", timezone=None)],
        )
        versions = archive.history("k1")["versions"]
        assert [(v["version"], v["kind"], v["title"], v["room"]) for v in versions] == [
            (1, "added", "Opening Keynote (old)", "Hall A"),
            (2, "changed", "Opening Keynote", "Hall A"),
            (3, "changed", "Opening Keynote", "Hall B"),
        ]
        assert [c["fields"] for c in archive.changes()][-1] == {"room": {"old": "Hall A", "new": "Hall B"}}


VIEWS = {
    "sessions": "SELECT * FROM sessions ORDER BY id",
    "current_sessions": "SELECT * FROM current_sessions ORDER BY id",
    "session_versions": "SELECT * FROM session_versions ORDER BY session_id, version",
    "session_changes": "SELECT * FROM session_changes ORDER BY session_id, version",
    "session_speakers": "SELECT * FROM session_speakers ORDER BY session_id, position",
}


def test_a_v4_archive_reads_the_same_with_each_field_set_stored_once(tmp_path: Path) -> None:
    old = tmp_path / "v4.db"
    make_v1(old)
    db = Database(old)
    MIGRATIONS.apply(db, stop_before="0005_session_payloads")
    # A second page listing the keynote exactly as the first does, as schema 4 wrote it.
    db.execute("INSERT INTO pages (id, url, target) VALUES (2, 'https://summit.example/event/k1', 'summit')")
    db.execute(f"INSERT INTO fetches (id, page_id, fetched_at, status) VALUES (3, 2, '{at(2)}', 200)")
    db.execute(
        "INSERT INTO sessions (id, page_id, uid, event, title, speakers, start, room, first_seen, last_changed,"
        " version) SELECT 3, 2, uid, event, title, speakers, start, room, first_seen, last_changed, 1"
        " FROM sessions WHERE id = 1"
    )
    db.execute("INSERT INTO version_rows (session_id, version, fetch_id, kind, changed)"
               " VALUES (3, 1, 3, 'added', '[]')")
    db.execute("INSERT INTO session_speakers SELECT 3, speaker_id, position FROM session_speakers WHERE session_id = 1")
    before = {name: db.execute(sql).fetchall() for name, sql in VIEWS.items()}
    db.close()

    with Archive(old) as archive:
        assert {name: archive.db.execute(sql).fetchall() for name, sql in VIEWS.items()} == before
        payloads = archive.db.execute("SELECT title FROM session_payloads ORDER BY id").fetchall()
        assert payloads == [("Opening Keynote",), ("Cancelled Talk",)]  # three rows, two field sets
        assert archive.db.execute("SELECT count(*) FROM sessions_fts").fetchone() == (2,)
        archive.db.execute("INSERT INTO sessions_fts(sessions_fts) VALUES ('integrity-check')")
        assert sorted(s["page"] for s in archive.search("keynote")) == sorted([URL, "https://summit.example/event/k1"])
        assert archive.check() == []
        # The next crawl of the event page finds its talk unchanged, and the same payload on a new page.
        result = archive.record_page(
            fetch("https://summit.example/event/k1", b"k1", fetched_at=at(3)),
            sessions=[session("k1", "Opening Keynote", speakers=["Ada Park", "Bo Li"], event="Summit",
                              start="2026-05-12T09:00:00-07:00", room="Hall A", timezone=None)],
        )
        assert result["changes"] == []
        assert archive.db.execute("SELECT count(*) FROM session_payloads").fetchone() == (2,)
