"""The c3voc / pretalx schedule.json parser, and JSON that must be refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scraper import parsers
from scraper.errors import ParseError
from scraper.models import Document, Session
from scraper.parsers import _feed
from tests.parsers.goldens import PARSER_FIXTURES, Fixture

FRAB_JSON = parsers.get("frab_json")
HERE = PARSER_FIXTURES / "frab_json"


def fixture_doc(name: str) -> Document:
    doc: Document = Fixture("frab_json", HERE / name).document()
    return doc


def fixture(name: str) -> list[Session]:
    return FRAB_JSON.parse(fixture_doc(name)).sessions


def json_doc(
    data: object, url: str = "https://example.org/schedule.json", tz: str | None = "Europe/Berlin"
) -> Document:
    text = data if isinstance(data, str) else json.dumps(data)
    return Document(url=url, text=text, body=text.encode(), timezone=tz)


def test_c3voc_fixture() -> None:
    keynote, retro = fixture("c3voc_schedule.json")
    assert keynote.uid == "c0ffee00-1234-5abc-8def-000000000201"
    assert keynote.speakers == ["Rosa Netz", "tante"]  # public_name or name
    assert keynote.end is not None and keynote.end.isoformat() == "2024-12-27T12:00:00+01:00"
    assert (
        keynote.description == 'Why the web still breaks.\n\nTwenty years of "temporary" fixes.\n\nAnd what comes next.'
    )
    assert retro.url == "https://congress.demo.example/2024/hub/event/retro-demos"  # against the feed's base_url
    assert retro.room == "Saal Zuse"


def test_pretalx_fixture() -> None:
    result = FRAB_JSON.parse(fixture_doc("pretalx_schedule.json"))
    talk, coffee = result.sessions
    assert result.event_name == "RustDemo 2025"
    assert talk.speakers == ["Noor Haddad", "Lars Svensson"]
    assert talk.description == "Pinning, explained with pictures."
    assert talk.timezone == "Europe/Amsterdam"
    assert coffee.speakers == [] and coffee.track is None


def test_rooms_as_a_list_and_times_from_day_and_start() -> None:
    data = {
        "schedule": {
            "conference": {
                "title": "Old Export",
                "day_change": "06:00",
                "days": [
                    {
                        "date": "2019-08-21",
                        "rooms": [
                            {
                                "name": "Tent A",
                                "events": [
                                    {"id": 5, "title": "Late Show", "start": "01:15", "duration": "00:45"},
                                    {"id": 6, "title": "Morning", "start": "09:00", "duration": "1:00:00"},
                                ],
                            }
                        ],
                    }
                ],
            }
        }
    }
    late, morning = FRAB_JSON.parse(json_doc(data)).sessions
    assert late.start is not None and late.start.isoformat() == "2019-08-22T01:15:00+02:00"
    assert late.room == "Tent A" and late.uid == "5"
    assert morning.end is not None and morning.end.isoformat() == "2019-08-21T10:00:00+02:00"


def test_feed_zone_wins_over_the_configured_one() -> None:
    data = {
        "schedule": {
            "conference": {
                "title": "T",
                "time_zone_name": "Asia/Tokyo",
                "days": [
                    {
                        "date": "2024-01-01",
                        "rooms": {"R": [{"guid": "g", "title": "X", "date": "2024-01-01T10:00:00+09:00"}]},
                    }
                ],
            }
        }
    }
    session = FRAB_JSON.parse(json_doc(data, tz="Europe/Berlin")).sessions[0]
    assert session.timezone == "Asia/Tokyo"
    assert session.start is not None and session.start.isoformat() == "2024-01-01T10:00:00+09:00"


# --- bad input ------------------------------------------------------------------------------


def test_invalid_json_names_source_and_position() -> None:
    with pytest.raises(ParseError) as caught:
        FRAB_JSON.parse(json_doc('{"schedule": {"conference": ', url="https://example.org/cut.json"))
    message = str(caught.value)
    assert "https://example.org/cut.json" in message and "invalid schedule JSON" in message and "line 1" in message


def test_json_without_a_schedule_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match=r"schedule\.conference"):
        FRAB_JSON.parse(json_doc({"sessions": []}))


def test_deeply_nested_json_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="nested too deeply"):
        FRAB_JSON.parse(json_doc("[" * 200_000 + "]" * 200_000))


def test_json_of_millions_of_tiny_values_is_refused_before_it_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    # the budget is scaled down so the test stays small; the rule is the same
    monkeypatch.setattr(_feed, "MAX_JSON_OBJECT_BYTES", 1_000_000)
    with pytest.raises(ParseError, match="too many values"):
        FRAB_JSON.parse(json_doc("[" + ",".join(["{}"] * 20_000) + "]"))


def test_oversized_json_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_feed, "MAX_JSON_BYTES", 1000)
    with pytest.raises(ParseError, match="over the"):
        FRAB_JSON.parse(json_doc({"schedule": {"conference": {"title": "x" * 2000}}}))


def test_detect() -> None:
    assert FRAB_JSON.detect(json_doc({"schedule": {"version": "1", "conference": {}}})) >= parsers.CONFIDENT
    c3voc = '{"$schema": "https://c3voc.de/schedule/schema.json", "generator": {"name": "x"}, '
    c3voc += '"schedule": {"conference": {}}}'
    assert FRAB_JSON.detect(json_doc(c3voc)) >= parsers.CONFIDENT
    assert FRAB_JSON.detect(json_doc({"sessions": [], "conference": 1})) == 0.0
    assert FRAB_JSON.detect(Document(url="https://x.example/schedule.json", text="<schedule/>")) == 0.0


# --- the corpus -------------------------------------------------------------------------------


def test_pretalx_json_agrees_with_pretalx_xml(corpus: Path) -> None:
    def load(name: str, parser: str) -> list[Session]:
        body = (corpus / name).read_bytes()
        doc = Document(url=(corpus / name).as_uri(), text=body.decode(), body=body, timezone="America/New_York")
        return parsers.get(parser).parse(doc).sessions

    from_json = load("pretalx_good2025_schedule.json", "frab_json")
    from_xml = load("pretalx_good2025_schedule.xml", "frab")
    assert len(from_json) == 72
    assert [(s.uid, s.title, s.start, s.end, s.room, s.speakers) for s in from_json] == [
        (s.uid, s.title, s.start, s.end, s.room, s.speakers) for s in from_xml
    ]


def test_detect_when_schedule_is_not_the_first_key() -> None:
    doc = json_doc('{"version": "1.0", "schedule": {"conference": {"title": "x", "days": []}}}')
    assert FRAB_JSON.detect(doc) >= parsers.CONFIDENT
    assert FRAB_JSON.detect(json_doc('{"schedule": "weekly", "conference": "none"}')) == 0.0
