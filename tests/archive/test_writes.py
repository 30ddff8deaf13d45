"""Batched session writes: ids given up front, speaker links, parents before children."""

from __future__ import annotations

from archive import Archive
from tests.archive.records import at, fetch, session

URL = "https://summit.example/schedule"
POST = "https://blog.example/plans"


def rows(archive: Archive, sql: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in archive.db.execute(sql).fetchall()]


def test_new_sessions_get_the_next_ids_and_their_links(archive: Archive) -> None:
    archive.record_page(fetch(URL, b"s1", fetched_at=at(1)), sessions=[
        session("a", "Alpha", speakers=["Ada Park", "Bo Li"]),
        session("b", "Beta", speakers=["ada  park"]),  # the same person, spelled otherwise
    ])
    post = [session("a", "Alpha"), session("c", "Gamma")]
    archive.record_page(fetch(POST, b"p1", fetched_at=at(1, 9)), sessions=post)
    listed = "SELECT s.id, p.url, s.uid FROM sessions s JOIN pages p ON p.id = s.page_id ORDER BY s.id"
    assert rows(archive, listed) == [
        (1, URL, "a"), (2, URL, "b"), (3, POST, "a"), (4, POST, "c")
    ]
    assert rows(archive, "SELECT session_id, version, kind FROM session_versions ORDER BY session_id") == [
        (1, 1, "added"), (2, 1, "added"), (3, 1, "added"), (4, 1, "added")
    ]
    assert rows(archive, "SELECT name FROM speakers ORDER BY id") == [("Ada Park",), ("Bo Li",)]  # first spelling
    assert rows(archive, "SELECT session_id, speaker_id, position FROM session_speakers ORDER BY 1, 3") == [
        (1, 1, 0), (1, 2, 1), (2, 1, 0)
    ]
    assert [s["uid"] for s in archive.sessions(speaker="ada park")] == ["a", "b"]
    assert archive.check() == []


def test_a_changed_speaker_list_is_relinked_and_the_same_values_write_nothing(archive: Archive) -> None:
    talks = [session("a", "Alpha", speakers=["Ada Park", "Bo Li"]), session("b", "Beta", speakers=["Cy Ng"])]
    archive.record_page(fetch(URL, b"s1", fetched_at=at(1)), sessions=talks)
    same = archive.record_page(fetch(URL, b"s2", fetched_at=at(2)), sessions=talks)  # new bytes, same sessions
    assert same["changes"] == []
    moved = [session("a", "Alpha", speakers=["Bo Li"]), talks[1]]
    result = archive.record_page(fetch(URL, b"s3", fetched_at=at(3)), sessions=moved)
    assert [(c["kind"], c["uid"], list(c["fields"])) for c in result["changes"]] == [("changed", "a", ["speakers"])]
    assert rows(archive, "SELECT session_id, speaker_id, position FROM session_speakers ORDER BY 1, 3") == [
        (1, 2, 0), (2, 3, 0)
    ]
    assert rows(archive, "SELECT count(*) FROM session_versions") == [(3,)]
    # Both gone from the page, then both back: each a version, recorded in one batch per fetch.
    gone = archive.record_page(fetch(URL, b"s4", fetched_at=at(4)), sessions=[])
    assert sorted((c["kind"], c["uid"]) for c in gone["changes"]) == [("removed", "a"), ("removed", "b")]
    back = archive.record_page(fetch(URL, b"s5", fetched_at=at(5)), sessions=moved)
    assert sorted((c["kind"], c["uid"]) for c in back["changes"]) == [("restored", "a"), ("restored", "b")]
    assert rows(archive, "SELECT uid, version, removed_at FROM sessions ORDER BY id") == [
        ("a", 4, None), ("b", 3, None)
    ]
    assert archive.check() == []


def test_change_fields_keeps_old_and_new_values_for_the_first_few_changes_only(archive: Archive) -> None:
    talks = [session(s, f"Talk {s}", room="Hall A") for s in "abcd"]
    added = archive.record_page(fetch(URL, b"s1", fetched_at=at(1)), sessions=talks, change_fields=2)
    assert [("fields" in c, c["kind"], c["uid"], c["title"]) for c in added["changes"]] == [
        (True, "added", "a", "Talk a"), (True, "added", "b", "Talk b"),
        (False, "added", "c", "Talk c"), (False, "added", "d", "Talk d"),
    ]
    assert added["changes"][2] == {"kind": "added", "uid": "c", "title": "Talk c", "page": URL, "fetched_at": at(1)}
    moved = [dict(t, room="Hall B") for t in talks[:2]]
    result = archive.record_page(fetch(URL, b"s2", fetched_at=at(2)), sessions=moved, change_fields=1)
    assert [(c["kind"], c["uid"], sorted(c.get("fields", {}))) for c in result["changes"]] == [
        ("changed", "a", ["room"]), ("changed", "b", []), ("removed", "c", []), ("removed", "d", [])
    ]
    assert "fields" not in result["changes"][3]
    # What is stored does not depend on it: versions and history as ever.
    assert rows(archive, "SELECT uid, version, removed_at IS NULL FROM sessions ORDER BY id") == [
        ("a", 2, 1), ("b", 2, 1), ("c", 2, 0), ("d", 2, 0)
    ]
    full = archive.record_page(fetch(URL, b"s3", fetched_at=at(3)), sessions=talks)  # default: every record whole
    assert all("fields" in c for c in full["changes"]) and len(full["changes"]) == 4
