"""The Sessionize parser: ids resolved, naive local times placed in the configured zone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scraper import parsers
from scraper.errors import ParseError
from scraper.models import Document, Session
from tests.parsers.goldens import PARSER_FIXTURES, Fixture

SESSIONIZE = parsers.get("sessionize")
HERE = PARSER_FIXTURES / "sessionize"


def fixture_doc(name: str) -> Document:
    doc: Document = Fixture("sessionize", HERE / name).document()
    return doc


def fixture(name: str) -> list[Session]:
    return SESSIONIZE.parse(fixture_doc(name)).sessions


def json_doc(data: object, tz: str | None = "Europe/Vienna") -> Document:
    text = data if isinstance(data, str) else json.dumps(data)
    return Document(url="https://sessionize.com/api/v2/abc/view/All", text=text, body=text.encode(), timezone=tz)


def test_all_data_resolves_speakers_rooms_and_tracks() -> None:
    keynote, zero_trust, lunch = fixture("all_data.json")
    assert keynote.uid == "712001"
    assert keynote.speakers == ["Sofia Berg", "Jonas Weber"]  # empty fullName: first + last
    assert keynote.room == "Hall A"
    assert keynote.track == "Platform"  # the "Track" category, not "Level"
    assert zero_trust.room == "Room 1.12 (Lab)" and zero_trust.track == "Security"
    assert lunch.speakers == [] and lunch.title == "Lunch"  # service sessions are kept


def test_naive_times_are_local_to_the_configured_zone() -> None:
    keynote = fixture("all_data.json")[0]
    assert keynote.start is not None and keynote.start.isoformat() == "2025-03-29T09:00:00+01:00"
    assert keynote.end is not None and keynote.end.isoformat() == "2025-03-29T09:45:00+01:00"
    assert keynote.timezone == "Europe/Oslo"
    assert keynote.description == "A look at internal developer platforms.\n\nWith real numbers."


def test_sessions_view_with_embedded_names() -> None:
    budget, rust = fixture("sessions_view.json")
    assert budget.speakers == ["Hana Kobayashi", "Diego Alvarez"]
    assert budget.room == "Auditorium" and budget.track == "Cloud"
    assert rust.speakers == ["Mark O'Neill"] and rust.track is None
    assert budget.start is not None and budget.start.isoformat() == "2024-10-12T13:30:00-04:00"


def test_grid_view_lists_a_plenum_session_once() -> None:
    plenum = {"id": "1", "title": "Keynote", "startsAt": "2024-04-20T09:00:00", "isPlenumSession": True, "speakers": []}
    talk = {"id": "2", "title": "Talk", "startsAt": "2024-04-20T10:00:00", "isServiceSession": False, "speakers": []}
    grid = [
        {
            "date": "2024-04-20T00:00:00",
            "rooms": [{"name": "A", "sessions": [plenum, talk]}, {"name": "B", "sessions": [plenum]}],
        }
    ]
    assert [s.title for s in SESSIONIZE.parse(json_doc(grid)).sessions] == ["Keynote", "Talk"]


def test_without_a_timezone_times_are_utc_and_a_warning_says_so() -> None:
    data = {"sessions": [{"id": "9", "title": "T", "startsAt": "2024-04-20T09:00:00", "speakers": []}]}
    result = SESSIONIZE.parse(json_doc(data, tz=None))
    assert result.sessions[0].start is not None and result.sessions[0].start.isoformat() == "2024-04-20T09:00:00+00:00"
    assert result.warnings and "--timezone" in result.warnings[0]


def test_bad_time_is_a_warning() -> None:
    data = {"sessions": [{"id": "9", "title": "T", "startsAt": "soon", "speakers": []}]}
    result = SESSIONIZE.parse(json_doc(data))
    assert result.sessions[0].start is None and any("bad time" in w for w in result.warnings)


def test_invalid_json_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="invalid Sessionize JSON"):
        SESSIONIZE.parse(json_doc('{"sessions": [{"id": '))


def test_detect() -> None:
    assert SESSIONIZE.detect(fixture_doc("all_data.json")) >= parsers.CONFIDENT
    frab = json_doc({"schedule": {"conference": {"days": []}}})
    assert SESSIONIZE.detect(frab) < parsers.CONFIDENT
    only_times = json_doc([{"startsAt": "2024-01-01T00:00:00"}])
    assert SESSIONIZE.detect(only_times) < parsers.CONFIDENT


def test_corpus(corpus: Path) -> None:
    path = corpus / "sessionize_globalazure_linz2024.json"
    body = path.read_bytes()
    doc = Document(url=path.as_uri(), text=body.decode(), body=body, timezone="Europe/Vienna")
    sessions = SESSIONIZE.parse(doc).sessions
    assert len(sessions) == 15 and len({s.uid for s in sessions}) == 15
    first = sessions[0]
    assert first.speakers == ["Ed Burns", "Sandra Ahlgrimm"] and first.room == "Aula"
    assert first.start is not None and first.start.isoformat() == "2024-04-20T09:00:00+02:00"


def test_an_unknown_configured_zone_is_reported() -> None:
    data = {"sessions": [{"id": "9", "title": "T", "startsAt": "2024-04-20T09:00:00", "speakers": []}]}
    result = SESSIONIZE.parse(json_doc(data, tz="Mars/Olympus_Mons"))
    assert any("Mars/Olympus_Mons" in w for w in result.warnings)
    assert any("--timezone" in w for w in result.warnings)
