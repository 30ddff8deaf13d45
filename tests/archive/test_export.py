"""JSON, CSV and iCalendar exports, each read back with its own library."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest

from archive import Archive
from archive.export import COLUMNS, HISTORY_COLUMNS, current_rows, history_rows, to_csv, to_ics, to_json
from tests.archive.records import at, fetch, local, session

SCHEDULE = "https://summit.example/schedule"
BLOG = "https://summit.example/blog"
LA = ZoneInfo("America/Los_Angeles")


def _first_week() -> list[dict[str, object]]:
    return [
        session("a1", "Opening Keynote", speakers=["Ada Park"], start=local("20260512T0900"),
                end=local("20260512T0945"), room="Hall A", track="Keynotes", url="https://summit.example/a1",
                description="Why we are here.", event="Test Summit"),
        session("b2", "Folsom Security in Review", speakers=["Matt Joyce", "Smith, Jr."],
                start=local("20260512T1520"), end=local("20260512T1600"), room="Room A", event="Test Summit"),
        session("d4", "Networking is NOT Free", speakers=["Dan Sneddon"], start=local("20260513T1010"),
                end=local("20260513T1050"), room="Room C", event="Test Summit"),
        session("n0", "Birds of a Feather (time to be announced)", event="Test Summit"),
        session("z9", "Sprint day", start="2026-05-14", event="Test Summit"),
    ]


def _second_week() -> list[dict[str, object]]:
    sessions = {s["uid"]: s for s in _first_week()}
    sessions["b2"] = dict(sessions["b2"], start=local("20260512T1610"), end=local("20260512T1650"), room="Room B")
    del sessions["d4"]
    sessions["e5"] = session("e5", "Closing Panel", speakers=["Eric Windisch"], start=local("20260513T1700"),
                             end=local("20260513T1745"), room="Hall A", event="Test Summit")
    return list(sessions.values())


@pytest.fixture
def filled(archive: Archive) -> Archive:
    """A schedule page fetched twice (one talk moved, one cancelled, one added) and a blog post."""
    archive.record_page(fetch(SCHEDULE, b"week 1", fetched_at=at(1)), sessions=_first_week())
    blog = [session("a1", "Opening Keynote", speakers=["Ada Park"], start=local("20260512T0900"),
                    event="Test Summit")]
    archive.record_page(fetch(BLOG, b"blog post", fetched_at=at(2)), sessions=blog)
    archive.record_page(fetch(SCHEDULE, b"week 2", fetched_at=at(8)), sessions=_second_week())
    return archive


def test_json_current_sessions_have_the_documented_columns(filled: Archive) -> None:
    rows = json.loads(to_json(current_rows(filled.db), COLUMNS))
    assert all(list(row) == list(COLUMNS) for row in rows)
    assert list(COLUMNS[:10]) == ["uid", "title", "speakers", "start", "end", "timezone", "room", "track", "url",
                                  "description"]  # the `parse --json` contract comes first
    by_key = {(r["uid"], r["page"]): r for r in rows}
    assert set(by_key) == {("a1", SCHEDULE), ("a1", BLOG), ("b2", SCHEDULE), ("e5", SCHEDULE), ("n0", SCHEDULE),
                           ("z9", SCHEDULE)}
    moved = by_key[("b2", SCHEDULE)]
    assert moved["start"] == "2026-05-12T16:10:00-07:00" and moved["room"] == "Room B"
    assert moved["speakers"] == ["Matt Joyce", "Smith, Jr."] and moved["version"] == 2
    assert moved["first_seen"] == at(1) and moved["last_changed"] == at(8)
    # In time order; sessions without a start come last.
    assert [r["uid"] for r in rows][-1] == "n0"
    assert [r["uid"] for r in rows][:3] == ["a1", "a1", "b2"]


def test_json_history_lists_every_version(filled: Archive) -> None:
    rows = json.loads(to_json(history_rows(filled.db), HISTORY_COLUMNS))
    assert all(list(row) == list(HISTORY_COLUMNS) for row in rows)
    assert len(rows) == 9
    b2 = [r for r in rows if r["uid"] == "b2"]
    assert [(r["version"], r["kind"], r["changed"]) for r in b2] == [
        (1, "added", ["title", "speakers", "start", "end", "timezone", "room", "event"]),
        (2, "changed", ["start", "end", "room"]),
    ]
    assert b2[1]["fetched_at"] == at(8) and b2[0]["room"] == "Room A" and b2[1]["room"] == "Room B"
    assert [(r["uid"], r["kind"]) for r in rows if r["fetched_at"] == at(8)] == [
        ("b2", "changed"), ("d4", "removed"), ("e5", "added")]


def test_csv_reads_back_with_the_csv_module(filled: Archive) -> None:
    text = to_csv(current_rows(filled.db), COLUMNS)
    reader = csv.DictReader(io.StringIO(text))
    assert reader.fieldnames == list(COLUMNS)
    rows = {(r["uid"], r["page"]): r for r in reader}
    b2 = rows[("b2", SCHEDULE)]
    assert b2["speakers"] == "Matt Joyce; Smith, Jr."  # a comma inside a name survives
    assert b2["track"] == "" and b2["version"] == "2"
    assert rows[("a1", SCHEDULE)]["description"] == "Why we are here."
    history = list(csv.DictReader(io.StringIO(to_csv(history_rows(filled.db), HISTORY_COLUMNS))))
    assert [r["changed"] for r in history if r["uid"] == "b2"][1] == "start; end; room"


def test_filters_event_page_and_since(filled: Archive) -> None:
    assert len(current_rows(filled.db, event="test SUMMIT")) == 6
    assert current_rows(filled.db, event="another conference") == []
    assert [r["uid"] for r in current_rows(filled.db, page=BLOG)] == ["a1"]
    assert {r["uid"] for r in current_rows(filled.db, since="2026-04-08")} == {"b2", "e5"}
    assert {r["uid"] for r in history_rows(filled.db, since=date(2026, 4, 8))} == {"b2", "d4", "e5"}
    assert [r["uid"] for r in current_rows(filled.db, removed=True)] == ["d4"]


def _calendar(filled: Archive) -> tuple[bytes, int]:
    rows = [*current_rows(filled.db), *current_rows(filled.db, removed=True)]
    data, events, skipped = to_ics(rows)
    assert events == data.count(b"BEGIN:VEVENT")
    return data, skipped


def test_ics_reads_back_with_icalendar(filled: Archive) -> None:
    data, skipped = _calendar(filled)
    calendar = icalendar.Calendar.from_ical(data)
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    # One event per uid (a1 is listed on two pages); n0 has no start and cannot be placed.
    assert set(events) == {"a1", "b2", "d4", "e5", "z9"} and skipped == 1
    moved = events["b2"]
    assert moved.decoded("DTSTART") == datetime(2026, 5, 12, 16, 10, tzinfo=LA)
    assert moved["DTSTART"].params["TZID"] == "America/Los_Angeles"
    assert moved.decoded("DTEND") == datetime(2026, 5, 12, 16, 50, tzinfo=LA)
    assert str(moved["SUMMARY"]) == "Folsom Security in Review" and str(moved["LOCATION"]) == "Room B"
    assert int(moved.decoded("SEQUENCE")) == 2 and str(moved["STATUS"]) == "CONFIRMED"
    cancelled = events["d4"]
    assert str(cancelled["STATUS"]) == "CANCELLED" and int(cancelled.decoded("SEQUENCE")) == 2
    assert events["z9"].decoded("DTSTART") == date(2026, 5, 14)
    zones = [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")]
    assert zones == ["America/Los_Angeles"]


def test_ics_carries_url_description_and_speakers(filled: Archive) -> None:
    data, _ = _calendar(filled)
    events = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(data).walk("VEVENT")}
    keynote = events["a1"]
    assert str(keynote["DESCRIPTION"]).startswith("Speakers: Ada Park")
    assert str(events["b2"]["DESCRIPTION"]) == "Speakers: Matt Joyce, Smith, Jr."
    assert str(events["e5"]["SUMMARY"]) == "Closing Panel"


def test_ics_is_the_same_bytes_every_time(filled: Archive) -> None:
    first, _ = _calendar(filled)
    assert _calendar(filled)[0] == first
    assert b"DTSTAMP:20260408T080000Z" in first  # from the archive, not the clock


def test_ics_without_zone_name_uses_utc(archive: Archive) -> None:
    archive.record_page(fetch(SCHEDULE, b"x", fetched_at=at(1)),
                        sessions=[session("u1", "Offset only", start="2026-05-12T09:00:00+02:00", timezone=None)])
    data, _, skipped = to_ics(current_rows(archive.db))
    event = icalendar.Calendar.from_ical(data).walk("VEVENT")[0]
    assert skipped == 0 and b"DTSTART:20260512T070000Z" in data
    assert event.decoded("DTSTART") == datetime(2026, 5, 12, 7, 0, tzinfo=ZoneInfo("UTC"))
