"""Writing the archive: fetches, bodies stored once, and exactly the session versions a change makes."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
from datetime import UTC
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from archive import Archive, ArchiveError
from archive.diff import canonical, changed_fields
from tests.archive.records import at, fetch, from_items, from_response, local, session
from tests.loopback import LoopbackServer, send
from tests.sitegen import BASE, changed, ics

URL = "https://summit.example/schedule.ics"


def one(archive: Archive, sql: str, params: tuple[Any, ...] = ()) -> Any:
    return archive.db.execute(sql, params).fetchone()[0]


def versions(archive: Archive) -> list[tuple[str, int, str, list[str]]]:
    rows = archive.db.execute(
        "SELECT s.uid, v.version, v.kind, v.changed FROM session_versions v"
        " JOIN sessions s ON s.id = v.session_id"
        " ORDER BY s.uid, v.version"
    ).fetchall()
    return [(uid, version, kind, json.loads(names)) for uid, version, kind, names in rows]


class Schedule:
    """A loopback route serving whatever body is current, with an ETag and 304s."""

    def __init__(self, server: LoopbackServer) -> None:
        self.body = b""
        self.url = server.url("/schedule.ics")
        server.route("/schedule.ics")(self.handle)

    def handle(self, req: BaseHTTPRequestHandler) -> None:
        etag = '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'
        if req.headers.get("If-None-Match") == etag:
            send(req, 304, b"", "text/calendar", {"ETag": etag})
            return
        send(req, 200, self.body, "text/calendar; charset=utf-8", {"ETag": etag})

    def get(self, etag: str | None = None) -> requests.Response:
        return requests.get(self.url, headers={"If-None-Match": etag} if etag else {}, timeout=5)


def test_a_changing_schedule_makes_exactly_its_versions(http_server: LoopbackServer, archive: Archive) -> None:
    site = Schedule(http_server)

    def crawl(day: int, sessions: list[dict[str, Any]] | None, etag: str | None = None) -> dict[str, Any]:
        record = from_response(site.url, site.get(etag), fetched_at=at(day))
        return archive.record_page(record, sessions=None if record["not_modified"] else sessions)

    site.body = ics(BASE, stamp="20260401T000000Z").encode()
    first = crawl(1, from_items(BASE))
    assert [(c["kind"], c["uid"]) for c in first["changes"]] == [("added", u) for u in ("a1", "b2", "c3", "d4")]
    assert first["new_body"] is True

    # DTSTAMP moved on: new bytes, same sessions. The body is kept, no version is made.
    site.body = ics(BASE, stamp="20260402T000000Z").encode()
    second = crawl(2, from_items(BASE))
    assert second["new_body"] is True and second["changes"] == []

    # A conditional GET answered 304: a fetch row and nothing else.
    etag = archive.page_state(site.url)["etag"]  # type: ignore[index]
    not_modified = crawl(3, from_items(BASE), etag=etag)
    assert not_modified["body_sha256"] is None and not_modified["changes"] == []

    # The same bytes again, unconditionally: the stored body is reused, sessions are not compared.
    again = crawl(4, from_items(BASE))
    assert again == {"fetch_id": 4, "body_sha256": second["body_sha256"], "new_body": False, "changes": []}

    site.body = ics(changed(), stamp="20260405T000000Z").encode()
    week = crawl(5, from_items(changed()))
    assert week["changes"] == [
        {
            "kind": "changed",
            "uid": "b2",
            "title": "Folsom Security in Review",
            "page": site.url,
            "fields": {
                "start": {"old": local("20260512T1520"), "new": local("20260512T1610")},
                "end": {"old": local("20260512T1600"), "new": local("20260512T1650")},
                "room": {"old": "Room A", "new": "Room B"},
            },
            "fetched_at": at(5),
        },
        {
            "kind": "changed",
            "uid": "c3",
            "title": "State of the Stack 2026",
            "page": site.url,
            "fields": {"title": {"old": "State of the Stack", "new": "State of the Stack 2026"}},
            "fetched_at": at(5),
        },
        {
            "kind": "added",
            "uid": "e5",
            "title": "Closing Panel",
            "page": site.url,
            "fields": {
                "title": {"old": None, "new": "Closing Panel"},
                "speakers": {"old": None, "new": ["Eric Windisch"]},
                "start": {"old": None, "new": local("20260513T1700")},
                "end": {"old": None, "new": local("20260513T1745")},
                "timezone": {"old": None, "new": "America/Los_Angeles"},
                "room": {"old": None, "new": "Hall A"},
            },
            "fetched_at": at(5),
        },
        {
            "kind": "removed",
            "uid": "d4",
            "title": "Networking is NOT Free",
            "page": site.url,
            "fields": {},
            "fetched_at": at(5),
        },
    ]

    # Back to the first schedule: the cancelled talk is restored, the added one removed.
    site.body = ics(BASE, stamp="20260406T000000Z").encode()
    back = crawl(6, from_items(BASE))
    assert [(c["kind"], c["uid"], sorted(c["fields"])) for c in back["changes"]] == [
        ("changed", "b2", ["end", "room", "start"]),
        ("changed", "c3", ["title"]),
        ("restored", "d4", []),
        ("removed", "e5", []),
    ]

    assert versions(archive) == [
        ("a1", 1, "added", ["title", "speakers", "start", "end", "timezone", "room"]),
        ("b2", 1, "added", ["title", "speakers", "start", "end", "timezone", "room"]),
        ("b2", 2, "changed", ["start", "end", "room"]),
        ("b2", 3, "changed", ["start", "end", "room"]),
        ("c3", 1, "added", ["title", "speakers", "start", "end", "timezone", "room"]),
        ("c3", 2, "changed", ["title"]),
        ("c3", 3, "changed", ["title"]),
        ("d4", 1, "added", ["title", "speakers", "start", "end", "timezone", "room"]),
        ("d4", 2, "removed", []),
        ("d4", 3, "restored", []),
        ("e5", 1, "added", ["title", "speakers", "start", "end", "timezone", "room"]),
        ("e5", 2, "removed", []),
    ]
    assert one(archive, "SELECT count(*) FROM fetches") == 6
    assert one(archive, "SELECT count(*) FROM bodies") == 4  # four distinct DTSTAMPs
    assert archive.db.execute(
        "SELECT uid, removed_at, removed_fetch_id FROM sessions WHERE removed_at IS NOT NULL"
    ).fetchall() == [("e5", at(6), 6)]
    assert archive.db.execute("SELECT title FROM sessions WHERE uid = 'c3'").fetchone() == ("State of the Stack",)


def test_same_body_twice_is_one_body_and_two_fetch_rows(archive: Archive) -> None:
    body = ics(BASE).encode()
    first = archive.record_page(fetch(URL, body, fetched_at=at(1)), sessions=from_items(BASE))
    second = archive.record_page(fetch(URL, body, fetched_at=at(2)), sessions=from_items(BASE))
    assert first["body_sha256"] == second["body_sha256"] == hashlib.sha256(body).hexdigest()
    assert (first["new_body"], second["new_body"]) == (True, False)
    assert one(archive, "SELECT count(*) FROM bodies") == 1
    assert archive.db.execute("SELECT id, body_sha256 IS NOT NULL FROM fetches").fetchall() == [
        (1, 1),
        (2, 1),
    ]
    assert one(archive, "SELECT count(*) FROM session_versions") == len(BASE)
    state = archive.page_state(URL)
    assert state is not None and (state["last_fetched"], state["last_changed"]) == (at(2), at(1))


def test_noise_is_not_change(archive: Archive) -> None:
    before = [
        session(
            "x",
            "Ops &amp; Scale",
            speakers=["Ada Park", "Bo Li"],
            start="2026-05-12T09:00:00-07:00",
            url="https://summit.example/x?utm_source=feed&id=7#top",
            description="Two  lines\nhere",
        )
    ]
    after = [
        session(
            "x",
            "Ops  &  Scale ",
            speakers=["Bo Li", "ada  park"],
            start="2026-05-12T16:00:00Z",
            url="https://summit.example/x?id=7&_=1712345678&v=20260402",
            description="Two lines here",
        )
    ]
    archive.record_page(fetch(URL, b"one", fetched_at=at(1)), sessions=before)
    result = archive.record_page(fetch(URL, b"two", fetched_at=at(2)), sessions=after)
    assert result["changes"] == []
    # The stored spelling is the first one seen; noise did not overwrite it.
    assert archive.sessions()[0]["url"] == "https://summit.example/x?utm_source=feed&id=7#top"


def test_a_real_change_next_to_noise_lists_only_the_real_field(archive: Archive) -> None:
    archive.record_page(
        fetch(URL, b"one", fetched_at=at(1)),
        sessions=[session("x", "Ops", room="Room A", url="https://e/x?utm_medium=a")],
    )
    result = archive.record_page(
        fetch(URL, b"two", fetched_at=at(2)),
        sessions=[session("x", "Ops", room="Room B", url="https://e/x?utm_medium=b")],
    )
    assert [c["fields"] for c in result["changes"]] == [{"room": {"old": "Room A", "new": "Room B"}}]
    assert archive.sessions()[0]["url"] == "https://e/x?utm_medium=a"


def test_failed_and_not_modified_fetches(archive: Archive) -> None:
    failed = archive.record_page(
        fetch(
            URL,
            None,
            fetched_at=at(1),
            status=None,
            error="connection refused",
            error_class="TransientFetchError",
        ),
        sessions=[session("x", "Never seen")],
    )
    assert failed["body_sha256"] is None and failed["changes"] == []
    assert archive.page_state(URL) is None  # no successful fetch yet
    archive.record_page(fetch(URL, b"v1", fetched_at=at(2), etag='"1"', last_modified="Wed, 01 Apr 2026 08:00:00 GMT"))
    archive.record_page(fetch(URL, None, fetched_at=at(3), status=304, not_modified=True))
    state = archive.page_state(URL)
    assert state is not None
    assert (state["etag"], state["last_fetched"], state["last_changed"], state["fetch_id"]) == (
        '"1"',
        at(3),
        at(2),
        2,
    )
    archive.record_page(fetch(URL, None, fetched_at=at(4), status=503, error="503 Service Unavailable"))
    assert archive.page_state(URL) == state  # a failure changes nothing a conditional GET relies on
    archive.record_page(fetch(URL, b"v2", fetched_at=at(5)))  # a 200 without validators drops the old ones
    state = archive.page_state(URL)
    assert state is not None and (state["etag"], state["last_modified"], state["last_changed"]) == (
        None,
        None,
        at(5),
    )
    rows = archive.db.execute("SELECT status, error, body_sha256 IS NULL, not_modified FROM fetches ORDER BY id")
    assert rows.fetchall() == [
        (None, "connection refused", 1, 0),
        (200, None, 0, 0),
        (304, None, 1, 1),
        (503, "503 Service Unavailable", 1, 0),
        (200, None, 0, 0),
    ]
    assert one(archive, "SELECT count(*) FROM sessions") == 0


def test_page_links_belong_to_the_current_body(archive: Archive) -> None:
    first = ["https://summit.example/event/1", "https://summit.example/événement/2"]
    archive.record_page(fetch(URL, b"v1", fetched_at=at(1)), links=first)
    assert archive.page_links(URL) == first
    assert archive.page_state(URL)["has_links"] is True  # type: ignore[index]
    # A 304, a failure and the same body again, none with links: the recorded ones stand.
    archive.record_page(fetch(URL, None, fetched_at=at(2), status=304, not_modified=True))
    archive.record_page(fetch(URL, None, fetched_at=at(3), status=None, error="timed out"))
    archive.record_page(fetch(URL, b"v1", fetched_at=at(4)))
    assert archive.page_links(URL) == first
    # The same body with links (found again): they replace the old list.
    archive.record_page(fetch(URL, b"v1", fetched_at=at(5)), links=first[:1])
    assert archive.page_links(URL) == first[:1]
    # A new body without links: the old body's links no longer describe the page.
    archive.record_page(fetch(URL, b"v2", fetched_at=at(6)))
    assert archive.page_links(URL) is None
    assert archive.page_state(URL)["has_links"] is False  # type: ignore[index]
    archive.record_page(fetch(URL, b"v3", fetched_at=at(7)), links=[])
    assert archive.page_links(URL) == []  # known to lead nowhere, unlike unknown (None)
    assert archive.page_links("https://unknown.example/") is None
    with pytest.raises(ArchiveError, match="list of URLs"):
        archive.record_page(fetch(URL, b"v4", fetched_at=at(8)), links="https://summit.example/")


def test_one_transaction_per_page(archive: Archive) -> None:
    archive.record_page(fetch(URL, b"v1", fetched_at=at(1)), sessions=[session("a", "A")])
    with pytest.raises(ArchiveError, match="has no uid"):
        archive.record_page(fetch(URL, b"v2", fetched_at=at(2)), sessions=[session("b", "B"), session("", "No id")])
    assert one(archive, "SELECT count(*) FROM fetches") == 1
    assert one(archive, "SELECT count(*) FROM bodies") == 1
    assert [s["uid"] for s in archive.sessions()] == ["a"]
    assert archive.page_state(URL)["last_fetched"] == at(1)  # type: ignore[index]


def test_identity_is_page_and_uid(archive: Archive) -> None:
    other = "https://blog.example/post"
    archive.record_page(fetch(URL, b"s1", fetched_at=at(1)), sessions=[session("t1", "Talk"), session("t2", "Two")])
    archive.record_page(fetch(other, b"p1", fetched_at=at(1, 9)), sessions=[session("t1", "Talk")])
    # The blog post stops listing t1: removed there, still current on the schedule page.
    result = archive.record_page(fetch(other, b"p2", fetched_at=at(2)), sessions=[])
    assert [(c["kind"], c["uid"], c["page"]) for c in result["changes"]] == [("removed", "t1", other)]
    assert sorted((s["page"], s["uid"]) for s in archive.sessions()) == [(URL, "t1"), (URL, "t2")]


def test_unparsed_fetch_keeps_sessions_and_repeated_uids_count_once(archive: Archive) -> None:
    archive.record_page(
        fetch(URL, b"v1", fetched_at=at(1)),
        sessions=[session("a", "A"), session("a", "A again"), session("b", "B")],
    )
    assert [(s["uid"], s["title"]) for s in archive.sessions()] == [("a", "A"), ("b", "B")]
    result = archive.record_page(fetch(URL, b"garbled", fetched_at=at(2)), parse_error="no schedule found")
    assert result["changes"] == [] and len(archive.sessions()) == 2
    assert archive.db.execute("SELECT parse_error FROM fetches WHERE id = 2").fetchone() == ("no schedule found",)
    # The body that failed to parse is parsed on a later fetch when sessions come with it.
    later = archive.record_page(fetch(URL, b"garbled", fetched_at=at(3)), sessions=[session("a", "A")])
    assert [(c["kind"], c["uid"]) for c in later["changes"]] == [("removed", "b")]


def test_event_default_times_and_speakers(archive: Archive) -> None:
    archive.record_page(
        fetch(URL, b"v1", fetched_at="2026-04-01T10:00:00Z"),
        sessions=[
            session("a", "A", start="2026-05-12T09:00:00", speakers=["Ada  Park", "ada park", " Bo Li "]),
            session("b", "B", event="Other Con", start="2026-05-12"),
        ],
        event="Test Summit",
    )
    a, b = sorted(archive.sessions(), key=lambda s: str(s["uid"]))
    assert (a["event"], a["start"], a["timezone"], a["speakers"]) == (
        "Test Summit",
        "2026-05-12T09:00:00-07:00",
        "America/Los_Angeles",
        ["Ada Park", "Bo Li"],
    )
    assert (b["event"], b["start"]) == ("Other Con", "2026-05-12")
    assert a["first_seen"] == "2026-04-01T10:00:00+00:00"
    names = archive.db.execute(
        "SELECT sp.name FROM session_speakers ss JOIN speakers sp ON sp.id = ss.speaker_id ORDER BY ss.position"
    ).fetchall()
    assert names == [("Ada Park",), ("Bo Li",)]


def test_bodies_are_compressed_and_read_back(archive: Archive) -> None:
    body = ics(BASE * 20).encode()
    result = archive.record_page(fetch(URL, body, fetched_at=at(1)))
    encoding, size, stored = archive.db.execute("SELECT encoding, size, length(data) FROM bodies").fetchone()
    assert (encoding, size) == ("zstd", len(body)) and stored < len(body) / 5
    assert archive.fetch_body(result["fetch_id"]) == body
    tiny = archive.record_page(fetch(URL, b"\x00", fetched_at=at(2)))
    assert archive.fetch_body(tiny["fetch_id"]) == b"\x00"
    assert archive.db.execute("SELECT encoding FROM bodies WHERE size = 1").fetchone() == ("identity",)


def test_runs(archive: Archive) -> None:
    run_id = archive.start_run("crawl", ["crawl", "--due"])
    archive.record_page(fetch(URL, b"v1", fetched_at=at(1), run_id=run_id))
    archive.finish_run(run_id, ok=True, counts={"pages": 1})
    row = archive.db.execute("SELECT command, argv, ok, counts, finished_at IS NOT NULL FROM runs").fetchone()
    assert row == ("crawl", '["crawl", "--due"]', 1, '{"pages": 1}', 1)
    assert archive.db.execute("SELECT run_id FROM fetches").fetchone() == (run_id,)
    with pytest.raises(ArchiveError, match="no run 99"):
        archive.finish_run(99, ok=False, counts={})


def test_writes_on_a_readonly_archive_fail(db_path: Path) -> None:
    Archive(db_path).close()
    with Archive(db_path, readonly=True) as archive:
        with pytest.raises(ArchiveError, match="read-only"):
            archive.record_page(fetch(URL, b"v1", fetched_at=at(1)))
        with pytest.raises(ArchiveError, match="read-only"):
            archive.start_run("crawl", [])


def test_opening_bad_paths_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match=r"directory .*missing does not exist") as missing:
        Archive(tmp_path / "missing" / "a.db")
    assert missing.value.hint and "--db" in missing.value.hint
    with pytest.raises(ArchiveError, match="is a directory"):
        Archive(tmp_path)
    junk = tmp_path / "notes.txt"
    junk.write_bytes(b"these are my notes, not a database" * 100)
    with pytest.raises(ArchiveError, match="not a schedarc archive") as err:
        Archive(junk)
    assert str(junk) in str(err.value)
    assert junk.read_bytes().startswith(b"these are my notes")
    with pytest.raises(ArchiveError, match="there is no archive at"):
        Archive(tmp_path / "nothing.db", readonly=True)
    assert not (tmp_path / "nothing.db").exists()
    plain = tmp_path / "plain.db"
    sqlite3.connect(plain).close()
    with pytest.raises(ArchiveError, match="not a schedarc archive"):
        Archive(plain, readonly=True)


def test_a_newer_archive_is_refused(db_path: Path) -> None:
    with Archive(db_path) as archive:
        archive.db.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('schedarc', '0099_future', '')"
        )
    with pytest.raises(ArchiveError, match="newer schedarc"):
        Archive(db_path)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores file permissions")
def test_unwritable_directory(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(ArchiveError, match="locked") as err:
            Archive(locked / "a.db")
        assert err.value.hint is not None
    finally:
        locked.chmod(0o700)


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_a_directory_nobody_can_write() -> None:
    # /proc refuses new files even to root, unlike a chmod'ed directory.
    with pytest.raises(ArchiveError, match=r"cannot open the archive /proc/schedarc\.db") as err:
        Archive("/proc/schedarc.db")
    assert err.value.hint == "make the file and its directory writable, or pass --db with another path"


names = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20).filter(str.strip)
talks = st.lists(
    st.fixed_dictionaries(
        {
            "title": names,
            "speakers": st.lists(names, max_size=3),
            "room": st.none() | names,
            "start": st.none() | st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat()),
        }
    ),
    max_size=6,
)


@settings(max_examples=25, deadline=None)
@given(first=talks, second=talks)
def test_round_trip_and_a_refetch_of_the_same_sessions_changes_nothing(
    first: list[dict[str, Any]], second: list[dict[str, Any]]
) -> None:
    with tempfile.TemporaryDirectory() as tmp, Archive(Path(tmp) / "a.db") as archive:
        for day, talks_now in enumerate([first, second], start=1):
            sessions = [session(f"u{i}", **talk) for i, talk in enumerate(talks_now)]
            archive.record_page(fetch(URL, f"v{day}".encode(), fetched_at=at(day)), sessions=sessions)
            again = archive.record_page(fetch(URL, f"v{day}'".encode(), fetched_at=at(day, 9)), sessions=sessions)
            assert again["changes"] == []
            stored = {s["uid"]: s for s in archive.sessions()}
            assert sorted(stored) == sorted(s["uid"] for s in sessions)
            for sent in sessions:
                assert changed_fields(canonical(sent)[1], stored[sent["uid"]]) == []
        assert archive.check() == []


def test_final_url_is_stored_only_for_a_redirect_and_always_reported(archive: Archive) -> None:
    url = "https://summit.example/schedule"
    archive.record_page(fetch(url, ics(BASE).encode(), fetched_at="2026-04-01T09:00:00+00:00"))
    archive.record_page(fetch(url, ics(changed()).encode(), fetched_at="2026-04-08T09:00:00+00:00",
                              final_url="https://summit.example/2026/schedule"))
    stored = [row[0] for row in archive.db.execute("SELECT final_url FROM fetches ORDER BY id").fetchall()]
    assert stored == [None, "https://summit.example/2026/schedule"]
    reported = [s["final_url"] for s in archive.snapshots(url)]
    assert reported == [url, "https://summit.example/2026/schedule"]
