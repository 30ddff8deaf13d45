"""Reparse from stored bodies: same parser, same tables; better parser, better history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from archive import Archive, ArchiveError
from tests.archive.records import at, fetch, from_response, json_schedule, parse_json_schedule, session
from tests.loopback import LoopbackServer

OTHER = "https://blog.example/post"

KEYNOTE = session(
    "k1", "Opening Keynote", start="2026-05-12T09:00:00-07:00", room="Hall A", speakers=["Ada Park"]
)
PANEL = session("p2", "Closing Panel", start="2026-05-13T17:00:00-07:00", room="Hall A")
TALK = session("t3", "Folsom Security in Review", start="2026-05-12T15:20:00-07:00", room="Room A")

SCHEDULES = [
    [KEYNOTE, PANEL, TALK],
    [KEYNOTE, PANEL, TALK],  # only generated_at differs
    [KEYNOTE, dict(TALK, start="2026-05-12T16:10:00-07:00", room="Room B")],
    [
        dict(KEYNOTE, title="Opening Keynote: Clouds"),
        PANEL,
        dict(TALK, start="2026-05-12T16:10:00-07:00", room="Room B"),
    ],
]


def tables(archive: Archive) -> dict[str, list[tuple[Any, ...]]]:
    """Everything reparse owns, in a comparable form."""
    sql = {
        "sessions": "SELECT * FROM sessions ORDER BY id",
        "session_versions": "SELECT * FROM session_versions ORDER BY session_id, version",
        "session_speakers": "SELECT * FROM session_speakers ORDER BY session_id, position",
        "speakers": "SELECT * FROM speakers ORDER BY id",
        "pages": "SELECT id, url, parsed_sha256 FROM pages ORDER BY id",
        "fts": "SELECT rowid, title FROM sessions_fts WHERE sessions_fts MATCH 'keynote OR panel'"
        " ORDER BY rowid",
    }
    return {name: archive.db.execute(query).fetchall() for name, query in sql.items()}


def crawl(server: LoopbackServer, archive: Archive) -> str:
    """Fetch the schedule over HTTP as it changes; record each fetch with its parse, as the crawl does."""
    url = server.url("/schedule.json")
    for day, sessions in enumerate(SCHEDULES, start=1):
        server.add_page("/schedule.json", json_schedule(sessions, generated=at(day)), "application/json")
        record = from_response(url, requests.get(url, timeout=5), fetched_at=at(day))
        parsed = parse_json_schedule({"body": record["body"]})
        archive.record_page(record, sessions=parsed, event="Test Summit")
    # The same bytes again, a 304 and a failure: none of them may add anything on reparse.
    archive.record_page(from_response(url, requests.get(url, timeout=5), fetched_at=at(9)), sessions=parsed)
    archive.record_page(fetch(url, None, fetched_at=at(10), status=304, not_modified=True))
    archive.record_page(fetch(url, None, fetched_at=at(11), status=None, error="connection reset"))
    archive.record_page(
        fetch(OTHER, json_schedule([PANEL], generated="x"), fetched_at=at(2, 9)), sessions=[PANEL]
    )
    return url


def test_reparse_rebuilds_the_same_tables_offline(db_path: Path) -> None:
    with LoopbackServer() as server, Archive(db_path) as archive:
        url = crawl(server, archive)
    with Archive(db_path) as archive:  # the server is gone: reparse needs no network
        before = tables(archive)
        # 3 added; DTSTAMP-only: none; a move and a removal; a retitle and a restore; the blog's one.
        assert len(before["session_versions"]) == 3 + 0 + 2 + 2 + 1
        counts = archive.reparse(parse_json_schedule)
        # Parsed: four schedule bodies and the blog's; skipped: the identical fifth schedule body.
        assert counts == {
            "pages": 2,
            "fetches": 5,
            "skipped": 1,
            "unparseable": 0,
            "changes": 8,
            "sessions": 4,
            "versions": 8,
        }
        assert tables(archive) == before
        assert archive.reparse(parse_json_schedule) == counts  # idempotent
        assert tables(archive) == before
        assert [s["event"] for s in archive.sessions(page=url)] == [
            "Test Summit"
        ] * 3  # the fetch's event kept
        assert archive.check() == []


def test_a_better_parser_rewrites_history_from_the_start(db_path: Path) -> None:
    with LoopbackServer() as server, Archive(db_path) as archive:
        url = crawl(server, archive)

        def with_tracks(stored: dict[str, Any]) -> list[dict[str, Any]] | None:
            sessions = parse_json_schedule(stored)
            return [dict(s, track="Main") for s in sessions or [] if s["uid"] != "p2"]

        counts = archive.reparse(with_tracks, page=url)
        assert (counts["pages"], counts["sessions"]) == (1, 2)
        # The track was there from the first body on: part of each first version, never a change.
        versions = archive.db.execute(
            "SELECT s.uid, v.version, v.kind, v.changed, v.track FROM session_versions v"
            " JOIN sessions s ON s.id = v.session_id JOIN pages p ON p.id = s.page_id WHERE p.url = ?"
            " ORDER BY s.uid, v.version",
            [url],
        ).fetchall()
        assert versions == [
            (
                "k1",
                1,
                "added",
                '["title", "speakers", "start", "timezone", "room", "track", "event"]',
                "Main",
            ),
            ("k1", 2, "changed", '["title"]', "Main"),
            ("t3", 1, "added", '["title", "start", "timezone", "room", "track", "event"]', "Main"),
            ("t3", 2, "changed", '["start", "room"]', "Main"),
        ]
        # The panel is no longer found on this page at all: its rows are gone, not "removed".
        assert [s["page"] for s in archive.sessions() if s["uid"] == "p2"] == [OTHER]
        assert archive.sessions(removed=True) == []


def test_only_the_chosen_page_is_rebuilt(db_path: Path) -> None:
    with LoopbackServer() as server, Archive(db_path) as archive:
        crawl(server, archive)
        before = tables(archive)
        archive.reparse(lambda stored: [], page=OTHER)
        after = tables(archive)
        assert [s["uid"] for s in archive.sessions(page=OTHER)] == []
        assert after["speakers"] == before["speakers"]
        assert [r for r in after["session_versions"] if r[0] != 4] == [
            r for r in before["session_versions"] if r[0] != 4
        ]
        with pytest.raises(ArchiveError, match=r"no page https://nowhere\.example/"):
            archive.reparse(parse_json_schedule, page="https://nowhere.example/")


def test_unparseable_bodies_are_skipped_and_a_crashing_parser_changes_nothing(db_path: Path) -> None:
    with LoopbackServer() as server, Archive(db_path) as archive:
        crawl(server, archive)
        before = tables(archive)

        def fails_on_day_three(stored: dict[str, Any]) -> list[dict[str, Any]] | None:
            return None if stored["fetched_at"] == at(3) else parse_json_schedule(stored)

        counts = archive.reparse(fails_on_day_three)
        assert (counts["unparseable"], counts["fetches"]) == (1, 4)

        def crashes(stored: dict[str, Any]) -> list[dict[str, Any]] | None:
            raise RuntimeError("parser bug")

        rebuilt = tables(archive)
        with pytest.raises(RuntimeError, match="parser bug"):
            archive.reparse(crashes)
        assert tables(archive) == rebuilt
        archive.reparse(parse_json_schedule)
        assert tables(archive) == before


def test_the_parser_gets_what_was_stored(db_path: Path) -> None:
    seen: list[dict[str, Any]] = []
    with Archive(db_path) as archive:
        archive.record_page(
            fetch(
                "https://e.org/s",
                b'{"sessions": []}',
                fetched_at=at(1),
                target="summit",
                final_url="https://e.org/s/",
                media_type="application/json",
                headers={"Content-Type": "application/json"},
            ),
            sessions=[],
        )

        def remember(stored: dict[str, Any]) -> list[dict[str, Any]]:
            seen.append(stored)
            return []

        archive.reparse(remember)
    assert seen == [
        {
            "url": "https://e.org/s",
            "final_url": "https://e.org/s/",
            "body": b'{"sessions": []}',
            "media_type": "application/json",
            "headers": {"Content-Type": "application/json"},
            "fetched_at": at(1),
            "target": "summit",
        }
    ]
