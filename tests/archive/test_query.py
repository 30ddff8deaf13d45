"""Read-only questions: sessions, search, changes, history, snapshots, check, SQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from archive import SCHEMA_VERSION, Archive, ArchiveError
from archive.query import search
from tests.archive.records import at, fetch, session

SCHEDULE = "https://summit.example/schedule"
POST = "https://blog.example/plans"


def day1(time: str) -> str:
    return f"2026-05-12T{time}:00-07:00"


@pytest.fixture
def filled(db_path: Path) -> Iterator[Archive]:
    """Two pages over three fetches: a move, a retitle, a cancellation, one talk on both pages."""
    with Archive(db_path) as archive:
        run = archive.start_run("crawl", [])
        talks = [
            session(
                "k1",
                "Opening Keynote",
                speakers=["Ada Park"],
                start=day1("09:00"),
                room="Hall A",
                event="Test Summit",
                description="Welcome and the state of the cloud.",
            ),
            session(
                "f2",
                "Folsom Security in Review",
                speakers=["Matt Joyce", "Ada Park"],
                start=day1("15:20"),
                room="Room A",
                event="Test Summit",
                description="What changed in security.",
            ),
            session(
                "n3",
                "Networking is NOT Free",
                speakers=["Dan Sneddon"],
                start="2026-05-13T10:10:00-07:00",
                room="Room C",
                event="Test Summit",
                description="Neutron, honestly.",
            ),
        ]
        archive.record_page(
            fetch(SCHEDULE, b"s1", fetched_at=at(1), run_id=run, target="summit"), sessions=talks
        )
        archive.record_page(
            fetch(POST, b"p1", fetched_at=at(1, 9), target="blog"),
            sessions=[session("f2", "Folsom Security in Review", speakers=["Matt Joyce"], event="Blog")],
        )
        moved = [
            dict(talks[0], title="Opening Keynote: Clouds"),
            dict(talks[1], start=day1("16:10"), room="Room B"),
        ]
        archive.record_page(
            fetch(SCHEDULE, b"s2", fetched_at=at(3), run_id=run, target="summit"), sessions=moved
        )
        archive.record_page(
            fetch(SCHEDULE, None, fetched_at=at(4), status=304, not_modified=True, target="summit")
        )
        archive.record_page(
            fetch(SCHEDULE, None, fetched_at=at(5), status=None, error="timed out", target="summit")
        )
        archive.finish_run(run, ok=True, counts={})
    with Archive(db_path, readonly=True) as archive:
        yield archive


def test_sessions_and_their_filters(filled: Archive) -> None:
    assert [(s["uid"], s["page"]) for s in filled.sessions()] == [
        ("k1", SCHEDULE),
        ("f2", SCHEDULE),
        ("f2", POST),
    ]  # by start; undated last
    assert [s["uid"] for s in filled.sessions(page=SCHEDULE)] == ["k1", "f2"]
    assert [s["uid"] for s in filled.sessions(speaker="ada park")] == ["k1", "f2"]
    assert [s["uid"] for s in filled.sessions(speaker="JOYCE")] == ["f2", "f2"]
    assert [s["uid"] for s in filled.sessions(room="room b")] == ["f2"]
    assert [s["uid"] for s in filled.sessions(event="blog")] == ["f2"]
    assert [s["uid"] for s in filled.sessions(on="2026-05-12", page=SCHEDULE)] == ["k1", "f2"]
    assert filled.sessions(on=date(2026, 5, 13)) == []
    removed = filled.sessions(removed=True)
    assert [(s["uid"], s["removed_at"]) for s in removed] == [("n3", at(3))]
    assert [s["uid"] for s in filled.sessions(on="2026-05-13", removed=True)] == ["n3"]
    assert len(filled.sessions(limit=1)) == 1
    assert filled.sessions(room="100%_") == []  # LIKE wildcards in user text are literal
    with pytest.raises(ArchiveError, match="not a date"):
        filled.sessions(on="12/05/2026")
    keynote = filled.sessions(page=SCHEDULE)[0]
    assert keynote["speakers"] == ["Ada Park"] and keynote["version"] == 2
    assert keynote["checked_at"] == at(4)  # the 304 confirmed the page


def test_sessions_order_by_instant_not_by_text(archive: Archive) -> None:
    archive.record_page(
        fetch(SCHEDULE, b"x", fetched_at=at(1)),
        sessions=[
            session("west", "Late", start="2026-05-12T09:00:00-07:00"),  # 16:00 UTC
            session("east", "Early", start="2026-05-12T10:00:00+02:00"),  # 08:00 UTC
        ],
    )
    assert [s["uid"] for s in archive.sessions()] == ["east", "west"]


def test_search_is_full_text_and_safe(filled: Archive) -> None:
    assert [s["uid"] for s in filled.search("clouds")] == ["k1"]  # the new title
    assert [s["title"] for s in filled.search("keynote")] == ["Opening Keynote: Clouds"]
    assert sorted(s["page"] for s in filled.search("Joyce")) == [POST, SCHEDULE]  # speakers are searched
    assert [s["uid"] for s in filled.search("neutron")] == ["n3"]  # removed sessions are still found
    assert filled.search("security NOT") == []  # NOT is a word here, not an operator
    assert filled.search('"unbalanced') == []
    assert [s["uid"] for s in filled.search("state cloud")] == ["k1"]  # every word, anywhere
    assert len(filled.search("security", limit=1)) == 1
    with pytest.raises(ArchiveError, match="nothing to search"):
        filled.search("   ")


def test_search_ranks_all_matches_up_to_a_cap_then_the_newest(db_path: Path) -> None:
    with Archive(db_path) as archive:
        # Ten sessions with the word; the older a session, the more it is about clouds.
        talks = [session(f"t{i}", "cloud " * (10 - i) + f"talk {i}") for i in range(10)]
        for i, talk in enumerate(talks):
            archive.record_page(fetch(f"{SCHEDULE}/{i}", b"s", fetched_at=at(1)), sessions=[talk])
        everything = [s["uid"] for s in search(archive.db, "cloud", limit=3, ranked=10)]
        assert everything == ["t0", "t1", "t2"]  # few enough matches: best first, over all of them
        newest = [s["uid"] for s in search(archive.db, "cloud", limit=3, ranked=4)]
        assert newest == ["t6", "t7", "t8"]  # the best of the four newest (t6..t9)
        assert [s["uid"] for s in search(archive.db, "talk 2", limit=3, ranked=4)] == ["t2"]  # more words reach it
        assert archive.search("cloud", limit=0) == []
        # A session a reparse has not reached (version 0) is never found; the limit is still filled.
        archive.db.execute("UPDATE session_rows SET version = 0 WHERE uid IN ('t0', 't1')")
        assert [s["uid"] for s in search(archive.db, "cloud", limit=3, ranked=10)] == ["t2", "t3", "t4"]


def test_changes_match_what_record_page_returned(db_path: Path) -> None:
    with Archive(db_path) as archive:
        returned = []
        for day, titles in enumerate([["A", "B"], ["A2", "B"], ["A2"], ["A2", "B"]], start=1):
            body = ",".join(titles).encode()
            sessions = [session(t[0].lower(), t, room=f"R{day}" if t == "B" else None) for t in titles]
            returned += archive.record_page(fetch(SCHEDULE, body, fetched_at=at(day)), sessions=sessions)[
                "changes"
            ]
        assert archive.changes() == returned
        assert [(c["kind"], c["uid"]) for c in returned] == [
            ("added", "a"),
            ("added", "b"),
            ("changed", "a"),
            ("changed", "b"),
            ("removed", "b"),
            ("restored", "b"),
        ]
        assert returned[-1]["fields"] == {"room": {"old": "R2", "new": "R4"}}
        assert archive.changes(since="2026-04-03") == returned[-2:]
        assert archive.changes(since=datetime(2026, 4, 2, 8, tzinfo=UTC)) == returned[2:]
        assert archive.changes(since=date(2026, 4, 5)) == []
        assert archive.changes(page=POST) == []
        with pytest.raises(ArchiveError, match="not an ISO 8601"):
            archive.changes(since="last tuesday")


def test_history_of_a_session_and_of_a_page(filled: Archive) -> None:
    talk = filled.history("f2")
    assert talk["kind"] == "session" and talk["pages"] == sorted([POST, SCHEDULE])
    assert [(v["page"], v["version"], v["kind"], v["changed"]) for v in talk["versions"]] == [
        (SCHEDULE, 1, "added", ["title", "speakers", "start", "timezone", "room", "description", "event"]),
        (POST, 1, "added", ["title", "speakers", "timezone", "event"]),
        (SCHEDULE, 2, "changed", ["start", "room"]),
    ]
    assert talk["versions"][-1]["room"] == "Room B"
    page = filled.history(SCHEDULE)
    assert page["kind"] == "page"
    assert [
        (f["fetch_id"], f["status"], f["not_modified"], f["error"], f["versions"]) for f in page["fetches"]
    ] == [
        (1, 200, False, None, 3),
        (3, 200, False, None, 3),
        (4, 304, True, None, 0),
        (5, None, False, "timed out", 0),
    ]
    with pytest.raises(ArchiveError, match="no session uid or page URL"):
        filled.history("nope")


def test_snapshots_and_bodies(filled: Archive) -> None:
    snaps = filled.snapshots(SCHEDULE)
    assert [(s["fetch_id"], s["status"], s["size"], s["not_modified"], s["error"]) for s in snaps] == [
        (1, 200, 2, False, None),
        (3, 200, 2, False, None),
        (4, 304, None, True, None),
        (5, None, None, False, "timed out"),
    ]
    assert snaps == filled.history(SCHEDULE)["fetches"]
    assert filled.fetch_body(3) == b"s2"
    with pytest.raises(ArchiveError, match=r"fetch 4 has no body \(it was a 304 Not Modified\)"):
        filled.fetch_body(4)
    with pytest.raises(ArchiveError, match="it failed: timed out"):
        filled.fetch_body(5)
    with pytest.raises(ArchiveError, match="no fetch 99"):
        filled.fetch_body(99)
    with pytest.raises(ArchiveError, match="no page"):
        filled.snapshots("https://unknown.example/")


def test_last_run_and_page_state(filled: Archive) -> None:
    assert filled.last_run("summit") == datetime(2026, 4, 5, 8, tzinfo=UTC)  # the failed try counts
    assert filled.last_run("blog") == datetime(2026, 4, 1, 9, tzinfo=UTC)
    assert filled.last_run("nobody") is None
    state = filled.page_state(SCHEDULE)
    assert state is not None and (state["last_fetched"], state["fetch_id"], state["target"]) == (
        at(4),
        3,
        "summit",
    )


def test_stats(filled: Archive) -> None:
    stats = filled.stats()
    expected = {
        "runs": 1,
        "pages": 2,
        "fetches": 5,
        "failed_fetches": 1,
        "bodies": 3,
        "body_bytes": 6,
        "sessions": 3,
        "removed_sessions": 1,
        "versions": 7,
        "speakers": 3,
        "schema_version": SCHEMA_VERSION,
    }
    assert {k: stats[k] for k in expected} == expected
    assert stats["database_bytes"] > 0


def test_check_finds_corruption(db_path: Path) -> None:
    with Archive(db_path) as archive:
        archive.record_page(fetch(SCHEDULE, b"x" * 1000, fetched_at=at(1)), sessions=[session("a", "A")])
        archive.record_page(fetch(POST, b"y" * 1000, fetched_at=at(1)))
        assert archive.check() == []
    raw = sqlite3.connect(db_path)
    digest = raw.execute("SELECT sha256 FROM bodies WHERE size = 1000 ORDER BY sha256 LIMIT 1").fetchone()[0]
    raw.execute("UPDATE bodies SET data = ?, encoding = 'identity' WHERE sha256 = ?", [b"z" * 1000, digest])
    raw.execute("INSERT INTO fetches (page_id, fetched_at) VALUES (42, 'now')")  # foreign keys off here
    raw.commit()
    raw.close()
    with Archive(db_path, readonly=True) as archive:
        problems = archive.check()
    assert problems == [
        "foreign key: fetches row 3 points at a missing pages row",
        f"body {digest}: content does not match its sha256",
    ]


def test_query_reads_and_never_writes(filled: Archive, db_path: Path) -> None:
    columns, rows = filled.query(
        "SELECT uid, title FROM current_sessions WHERE uid = ? ORDER BY page", ["f2"]
    )
    assert columns == ["uid", "title"] and rows == [("f2", "Folsom Security in Review")] * 2
    for sql in [
        "DELETE FROM sessions",  # a view: refused as a write all the same
        "DELETE FROM session_rows",
        "DELETE FROM session_payloads",
        "UPDATE pages SET url = 'x'",
        "DROP TABLE runs",
        "CREATE TABLE t (x)",
        "INSERT INTO runs (command, started_at) VALUES ('x', 'y') RETURNING id",
        "PRAGMA query_only = OFF",
        "PRAGMA journal_mode = DELETE",
        f"ATTACH '{db_path}.x' AS other",
    ]:
        with pytest.raises(ArchiveError, match="read-only"):
            filled.query(sql)
    assert filled.query("SELECT count(*) FROM sessions")[1] == [(4,)]
    assert filled.query("PRAGMA table_info(runs)")[1][0][1] == "id"
    with pytest.raises(ArchiveError, match="the query failed"):
        filled.query("SELEC 1")
    with pytest.raises(ArchiveError, match="one statement"):
        filled.query("SELECT 1; DELETE FROM sessions")
    assert not Path(f"{db_path}.x").exists()


def test_query_on_a_writable_archive_cannot_write_either(db_path: Path) -> None:
    with Archive(db_path) as archive:
        archive.record_page(fetch(SCHEDULE, b"x", fetched_at=at(1)), sessions=[session("a", "A")])
        with pytest.raises(ArchiveError, match="read-only"):
            archive.query("DELETE FROM session_rows")
        with pytest.raises(ArchiveError, match="read-only"):
            archive.query("PRAGMA query_only = 0")
        assert archive.query("SELECT count(*) FROM sessions")[1] == [(1,)]
        # ...and the archive itself still writes afterwards.
        archive.record_page(fetch(SCHEDULE, b"y", fetched_at=at(2)), sessions=[])
        assert archive.sessions(removed=True)[0]["uid"] == "a"
