"""The Indico export parser: contributions, presenters turned round, UTC shown locally."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scraper import parsers
from scraper.errors import ParseError
from scraper.models import Document, Session
from tests.parsers.goldens import PARSER_FIXTURES, Fixture

INDICO = parsers.get("indico")
HERE = PARSER_FIXTURES / "indico"


def fixture_doc(name: str) -> Document:
    doc: Document = Fixture("indico", HERE / name).document()
    return doc


def fixture(name: str) -> list[Session]:
    return INDICO.parse(fixture_doc(name)).sessions


def api_doc(results: list[dict[str, object]], tz: str | None = None) -> Document:
    text = json.dumps({"_type": "HTTPAPIResult", "count": len(results), "results": results})
    return Document(url="https://indico.example/export/event/1.json", text=text, body=text.encode(), timezone=tz)


def test_primary_authors_when_no_speakers_names_turned_round() -> None:
    trackers, timing, welcome = fixture("contributions.json")
    assert trackers.speakers == ["Anna Keller", "Marco Rossi"]  # "Rossi, Marco" from fullName; coauthors ignored
    assert timing.speakers == ["Claire Dubois"]  # speakers[] wins over primaryauthors[]
    assert welcome.speakers == []


def test_utc_times_shown_in_the_event_zone() -> None:
    trackers = fixture("contributions.json")[0]
    assert trackers.start is not None and trackers.start.isoformat() == "2023-06-12T09:30:00+02:00"
    assert trackers.end is not None and trackers.end.isoformat() == "2023-06-12T10:00:00+02:00"
    assert trackers.timezone == "Europe/Zurich"


def test_fields() -> None:
    result = INDICO.parse(fixture_doc("contributions.json"))
    trackers, timing, _ = result.sessions
    assert result.event_name == "Detector Physics Workshop 2023"
    assert trackers.uid == "3"
    assert trackers.url == "https://indico.demo.example/event/42/contributions/118/"
    assert trackers.room == "500-1-001 - Main Auditorium" and trackers.track == "Tracking"
    assert trackers.description == "Review of the upgrade programme.\nSlides to follow."
    assert timing.room is None and timing.track == "Plenary"  # no track: the Indico session


def test_category_listing_lists_events_with_their_chairs() -> None:
    result = INDICO.parse(fixture_doc("category_events.json"))
    meeting, seminar = result.sessions
    assert (meeting.uid, meeting.speakers) == ("901", ["Kenji Nakamura"])
    assert seminar.speakers == ["Ifeoma Okonkwo"]  # only "Okonkwo, Ifeoma"
    assert result.event_name == "Detector R&D"


def test_contributions_of_several_events_get_distinct_uids() -> None:
    def event(ident: str) -> dict[str, object]:
        start = {"date": "2024-01-01", "time": "10:00:00", "tz": "UTC"}
        return {
            "id": ident,
            "title": f"E{ident}",
            "timezone": "UTC",
            "contributions": [{"id": "1", "title": "Talk", "startDate": start}],
        }

    sessions = INDICO.parse(api_doc([event("7"), event("8")])).sessions
    assert [s.uid for s in sessions] == ["7/1", "8/1"]
    assert [s.event for s in sessions] == ["E7", "E8"]


def test_sessions_detail_and_zone_fallback() -> None:
    block = {
        "_type": "SessionBlock",
        "session": {"title": "Posters"},
        "contributions": [
            {"id": "3", "title": "Poster A", "startDate": {"date": "2024-03-01", "time": "12:00:00", "tz": "UTC"}}
        ],
    }
    sessions = INDICO.parse(api_doc([{"id": "5", "title": "W", "sessions": [block]}], tz="America/Denver")).sessions
    assert sessions[0].track == "Posters"
    assert sessions[0].start is not None and sessions[0].start.isoformat() == "2024-03-01T05:00:00-07:00"


def test_not_an_indico_export() -> None:
    doc = Document(url="https://x.example/a.json", text='{"results": []}')
    with pytest.raises(ParseError, match="Indico"):
        INDICO.parse(doc)
    with pytest.raises(ParseError, match="invalid Indico JSON"):
        INDICO.parse(Document(url="https://x.example/a.json", text='{"results": [{'))


def test_detect() -> None:
    assert INDICO.detect(fixture_doc("contributions.json")) >= parsers.CONFIDENT
    assert INDICO.detect(Document(url="https://x.example/export/a.json", text='{"results": []}')) == 0.0


def test_corpus(corpus: Path) -> None:
    path = corpus / "indico_xdc2021_export.json"
    body = path.read_bytes()
    doc = Document(url=path.as_uri(), text=body.decode(), body=body, timezone="Europe/Warsaw")
    sessions = INDICO.parse(doc).sessions
    assert len(sessions) == 37
    vulkan = next(s for s in sessions if s.title == "Raspberry Pi Vulkan driver update")
    assert vulkan.speakers == ["Iago Toral"]
    assert vulkan.start is not None and vulkan.start.isoformat() == "2021-09-15T13:15:00+02:00"


def test_timetable_export_opens_session_entries() -> None:
    welcome, monitors, coffee = fixture("timetable.json")
    assert (welcome.uid, welcome.speakers) == ("12", ["Lena Fischer"])  # firstName/familyName
    assert monitors.speakers == ["Chidi Okoye"]  # "Okoye, Chidi"
    assert monitors.track == "Beam Diagnostics I" and coffee.track == "Beam Diagnostics I"
    assert monitors.start is not None and monitors.start.isoformat() == "2024-05-14T09:30:00+02:00"
    assert coffee.uid == "b2"
