"""Session payloads: each distinct field set stored and indexed once, never changed."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from archive import Archive
from archive.payloads import payload_hash
from tests.archive.records import at, fetch, json_schedule, parse_json_schedule, session

PAGES = ("https://summit.example/list", "https://summit.example/full", "https://summit.example/all.ics")
KEYNOTE = session("k1", "Opening Keynote", speakers=["Ada Park"], start="2026-05-12T09:00:00-07:00")
PANEL = session("p2", "Closing Panel", room="Hall A")


def one(archive: Archive, sql: str) -> Any:
    return archive.db.execute(sql).fetchone()[0]


def test_a_talk_on_many_pages_is_one_payload_and_one_index_row(archive: Archive) -> None:
    for day, page in enumerate(PAGES, start=1):
        archive.record_page(fetch(page, page.encode(), fetched_at=at(day)), sessions=[KEYNOTE, PANEL])
    assert one(archive, "SELECT count(*) FROM session_rows") == 6
    assert one(archive, "SELECT count(*) FROM session_payloads") == 2
    assert one(archive, "SELECT count(*) FROM sessions_fts") == 2
    assert one(archive, "SELECT count(DISTINCT payload_id) FROM session_rows WHERE uid = 'k1'") == 1
    assert [s["page"] for s in archive.search("keynote")] == list(PAGES)  # every session, by id
    assert len(archive.search("keynote", limit=2)) == 2


def test_a_change_points_at_a_new_payload_and_history_keeps_the_old(archive: Archive) -> None:
    for page in PAGES[:2]:
        archive.record_page(fetch(page, b"1", fetched_at=at(1)), sessions=[KEYNOTE])
    moved = dict(KEYNOTE, room="Hall B")
    archive.record_page(fetch(PAGES[0], b"2", fetched_at=at(2)), sessions=[moved])
    assert one(archive, "SELECT count(*) FROM session_payloads") == 2
    rooms = archive.db.execute(
        "SELECT s.page_id, s.room FROM sessions s ORDER BY s.page_id").fetchall()
    assert rooms == [(1, "Hall B"), (2, None)]  # the other page still lists it as it was
    assert [(v["version"], v["room"]) for v in archive.history("k1")["versions"] if v["page"] == PAGES[0]] == [
        (1, None), (2, "Hall B")
    ]
    # Moving back reuses the first payload: the same fields, the same hash.
    archive.record_page(fetch(PAGES[0], b"3", fetched_at=at(3)), sessions=[KEYNOTE])
    assert one(archive, "SELECT count(*) FROM session_payloads") == 2
    assert one(archive, "SELECT count(DISTINCT payload_id) FROM session_rows") == 1


def test_many_new_payloads_of_a_page_are_stored_and_indexed_as_one_by_one(archive: Archive) -> None:
    talks = [session(f"t{n}", f"Talk {n} on clouds", speakers=[f"Speaker {n}"]) for n in range(7)]
    archive.record_page(fetch(PAGES[0], b"1", fetched_at=at(1)), sessions=[KEYNOTE])  # one: straight in
    archive.record_page(fetch(PAGES[1], b"2", fetched_at=at(2)), sessions=[KEYNOTE, *talks])  # seven: staged
    rows = archive.db.execute("SELECT id, hash, title FROM session_payloads ORDER BY id").fetchall()
    assert [(i, t) for i, _, t in rows] == [(1, "Opening Keynote"), *((n + 2, f"Talk {n} on clouds") for n in range(7))]
    assert [h for _, h, _ in rows][1:] == [payload_hash([t["title"], f'["Speaker {n}"]', None, None,
                                                        t["timezone"], None, None, None, None, None])
                                           for n, t in enumerate(talks)]
    assert one(archive, "SELECT count(*) FROM sessions_fts") == 8
    archive.db.execute("INSERT INTO sessions_fts(sessions_fts) VALUES ('integrity-check')")
    assert sorted(s["uid"] for s in archive.search("clouds")) == [f"t{n}" for n in range(7)]
    assert one(archive, "SELECT count(*) FROM temp.new_payloads") == 0  # nothing left staged
    assert archive.check() == []


def test_payloads_are_immutable(archive: Archive) -> None:
    archive.record_page(fetch(PAGES[0], b"1", fetched_at=at(1)), sessions=[KEYNOTE])
    with pytest.raises(sqlite3.IntegrityError, match="immutable"):
        archive.db.execute("UPDATE session_payloads SET title = 'x'")
    assert archive.search("keynote")[0]["title"] == "Opening Keynote"


def test_reparse_drops_payloads_nothing_points_at(archive: Archive) -> None:
    for day, sessions in enumerate([[KEYNOTE, PANEL], [dict(KEYNOTE, title="Opening Keynote: Clouds")]], start=1):
        body = json_schedule(sessions, generated=at(day))
        archive.record_page(fetch(PAGES[0], body, fetched_at=at(day)), sessions=sessions)
    assert one(archive, "SELECT count(*) FROM session_payloads") == 3
    before = archive.db.execute("SELECT * FROM session_payloads ORDER BY id").fetchall()
    archive.reparse(parse_json_schedule)  # the same parser: the same payloads, ids and all
    assert archive.db.execute("SELECT * FROM session_payloads ORDER BY id").fetchall() == before

    def renamed(stored: dict[str, Any]) -> list[dict[str, Any]] | None:
        return [dict(s, title=s["title"].replace("Keynote", "Welcome")) for s in parse_json_schedule(stored) or []]

    archive.reparse(renamed)  # a new parser: the keynote payloads are garbage
    titles = archive.db.execute("SELECT title FROM session_payloads ORDER BY id").fetchall()
    assert titles == [("Closing Panel",), ("Opening Welcome",), ("Opening Welcome: Clouds",)]
    assert archive.search("keynote") == [] and [s["uid"] for s in archive.search("welcome clouds")] == ["k1"]
    assert one(archive, "SELECT count(*) FROM sessions_fts") == 3
    archive.db.execute("INSERT INTO sessions_fts(sessions_fts) VALUES ('integrity-check')")
    assert archive.check() == []


def test_the_hash_is_pinned() -> None:
    # Changing it would store every payload a second time: bump it only with a migration.
    values = ["Opening Keynote", '["Ada Park"]', None, None, "UTC", "Hall A", None, None, "Ünïcode", "Summit"]
    assert payload_hash(values).hex() == payload_hash(list(values)).hex()
    assert len(payload_hash(values)) == 16
    assert payload_hash(values) != payload_hash([*values[:9], None])
    assert payload_hash([None]) != payload_hash(["null"])
    assert payload_hash(values).hex() == PINNED


PINNED = "040681c183f047a1bf90ecc743aa21ed"
