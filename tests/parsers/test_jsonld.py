"""The jsonld parser: schema.org Events in JSON-LD, microdata and RDFa Lite."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scraper.document import from_path
from scraper.models import Document
from scraper.parsers.jsonld import JsonLdParser
from scraper.parsers.structured_data import loads_lenient

PARSER = JsonLdParser()
URL = "https://events.example/"


def page(head: str = "", body: str = "") -> Document:
    text = f"<!DOCTYPE html><html><head><title>Events</title>{head}</head><body>{body}</body></html>"
    return Document(url=URL, text=text, media_type="text/html", timezone="Europe/Berlin")


def script(data: object | str) -> str:
    text = data if isinstance(data, str) else json.dumps(data)
    return f'<script type="application/ld+json">{text}</script>'


EVENT = {"@context": "https://schema.org", "@type": "Event", "name": "Talk", "startDate": "2024-05-06T10:00"}


# --- the real pages -------------------------------------------------------------------------


def test_real_microdata_event(corpus: Path) -> None:
    doc = from_path(str(corpus / "microdata_extruct_schemaorg_Event.001.html"), timezone="America/New_York")
    (session,) = PARSER.parse(doc).sessions
    assert session.title == "Miami Heat at Philadelphia 76ers - Game 3 (Home Game 1)"
    assert session.start is not None and session.start.isoformat() == "2016-04-21T20:00:00-04:00"
    assert session.room == "Wells Fargo Center"  # the Place's own text: it has no name property
    assert session.url is not None and session.url.endswith("/nba-miami-philidelphia-game3.html")


def test_real_songkick_tour_page(corpus: Path) -> None:
    base = "http://www.songkick.com/artists/3976856-years-and-years"
    doc = from_path(
        str(corpus / "jsonld_extruct_songkick_years-and-years-tour-dates-2015.html"),
        timezone="Europe/London",
        base_url=base,
    )
    sessions = PARSER.parse(doc).sessions
    assert len(sessions) == 13
    wembley = next(s for s in sessions if s.room == "SSE Arena, Wembley")
    assert "Krept & Konan" in wembley.speakers and "Jason Derülo" in wembley.speakers
    paris = next(s for s in sessions if s.room == "Casino De Paris")
    assert paris.start is not None and paris.start.isoformat() == "2015-11-16T19:30:00+01:00"
    assert paris.timezone is None  # not London time, so not labelled Europe/London
    starts = [s.start for s in sessions if s.start]
    assert starts == sorted(starts)


# --- JSON-LD shapes -------------------------------------------------------------------------


def test_graph_with_subevents_gives_the_sessions_and_the_event_name() -> None:
    data = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebPage", "name": "Home"},
            {
                "@type": "EducationEvent",
                "name": "DevConf 2024",
                "subEvent": [
                    {**EVENT, "name": "One", "@id": "#one", "duration": "PT45M"},
                    {**EVENT, "@type": "BusinessEvent", "name": "Two", "url": "/talks/two"},
                ],
            },
        ],
    }
    result = PARSER.parse(page(script(data)))
    assert [s.title for s in result.sessions] == ["One", "Two"]
    one, two = result.sessions
    assert one.uid == URL + "#one" and one.event == "DevConf 2024"
    assert one.end is not None and one.start is not None and (one.end - one.start).seconds == 45 * 60
    assert two.url == URL + "talks/two" and two.uid == two.url
    assert result.event_name == "DevConf 2024"


def test_events_nested_in_other_items_are_found() -> None:
    data = {"@type": "ItemList", "itemListElement": [{"@type": "ListItem", "item": {**EVENT, "name": "Deep"}}]}
    assert [s.title for s in PARSER.parse(page(script(data))).sessions] == ["Deep"]


@pytest.mark.parametrize(
    "text",
    [
        "<!-- " + json.dumps(EVENT) + " -->",
        "//<![CDATA[\n" + json.dumps(EVENT) + "\n//]]>",
        json.dumps(EVENT) + ";\nwindow.dataLayer = [];",
        json.dumps(EVENT)[:-1] + ",}",
        json.dumps(EVENT).replace("Talk", "Ta\nlk"),  # a raw line break inside a string
    ],
    ids=["comment", "cdata", "trailing-junk", "trailing-comma", "control-char"],
)
def test_common_json_breakage_is_tolerated(text: str) -> None:
    (session,) = PARSER.parse(page(script(text))).sessions
    assert session.title in ("Talk", "Ta lk")


def test_broken_script_is_a_warning_and_the_others_still_count() -> None:
    result = PARSER.parse(page(script("{not json at all") + script(EVENT)))
    assert [s.title for s in result.sessions] == ["Talk"]
    assert any("JSON-LD script 1" in w for w in result.warnings)


def test_loads_lenient_reports_concatenated_values() -> None:
    values, problem = loads_lenient('{"a": 1}\n{"b": 2}')
    assert values == [{"a": 1}, {"b": 2}] and problem is None


def test_date_only_start_is_midnight_in_the_configured_zone() -> None:
    (session,) = PARSER.parse(page(script({**EVENT, "startDate": "2024-07-01"}))).sessions
    assert session.start is not None and session.start.isoformat() == "2024-07-01T00:00:00+02:00"
    assert session.timezone == "Europe/Berlin"


def test_performers_are_speakers_and_organising_people_stand_in_for_them() -> None:
    org = {"@type": "Organization", "name": "Example e.V."}
    person = {"@type": "Person", "givenName": "Ada", "familyName": "Lovelace"}
    with_performer = {**EVENT, "performer": [person, "Grace Hopper"], "organizer": org}
    organised = {**EVENT, "name": "Meetup", "organizer": [org, {"@type": "Person", "name": "Host Name"}]}
    first, second = PARSER.parse(page(script([with_performer, organised]))).sessions
    assert first.speakers == ["Ada Lovelace", "Grace Hopper"]
    assert second.speakers == ["Host Name"]


def test_location_as_text_place_or_address() -> None:
    events = [
        {**EVENT, "name": "A", "location": "Room 1"},
        {**EVENT, "name": "B", "location": {"@type": "Place", "name": "Hall 2"}},
        {**EVENT, "name": "C", "location": {"@type": "Place", "address": {"streetAddress": "1 Main St"}}},
    ]
    rooms = {s.title: s.room for s in PARSER.parse(page(script(events))).sessions}
    assert rooms == {"A": "Room 1", "B": "Hall 2", "C": "1 Main St"}


def test_a_raw_json_ld_document() -> None:
    doc = Document(url=URL + "events.jsonld", text=json.dumps([EVENT]), media_type="application/ld+json")
    assert PARSER.detect(doc) >= 0.5
    assert [s.title for s in PARSER.parse(doc).sessions] == ["Talk"]


# --- microdata and RDFa ---------------------------------------------------------------------


def test_microdata_with_itemref_time_and_nested_people() -> None:
    body = (
        '<div itemscope itemtype="http://schema.org/MusicEvent" itemref="where">'
        '<h2 itemprop="name">Gig</h2><time itemprop="startDate" datetime="2024-05-06T20:00">8pm</time>'
        '<span itemprop="performer" itemscope itemtype="http://schema.org/MusicGroup">'
        '<span itemprop="name">The Band</span></span></div>'
        '<p id="where" itemprop="location" itemscope itemtype="http://schema.org/Place">'
        '<span itemprop="name">Club</span></p>'
    )
    (session,) = PARSER.parse(page(body=body)).sessions
    assert (session.title, session.speakers, session.room) == ("Gig", ["The Band"], "Club")
    assert session.start is not None and session.start.isoformat() == "2024-05-06T20:00:00+02:00"


def test_rdfa_lite_with_prefixed_types() -> None:
    body = (
        '<div vocab="https://schema.org/" typeof="schema:TheaterEvent" resource="#play">'
        '<span property="name">A Play</span><meta property="startDate" content="2024-05-06T19:30:00+02:00">'
        '<a property="url" href="/plays/a-play">more</a></div>'
    )
    (session,) = PARSER.parse(page(body=body)).sessions
    assert (session.title, session.uid, session.url) == ("A Play", URL + "#play", URL + "plays/a-play")


# --- detection and bad input ----------------------------------------------------------------


def test_detection() -> None:
    assert PARSER.detect(page(script(EVENT))) >= 0.5
    assert PARSER.detect(page(script({"@type": "BlogPosting", "name": "Post"}))) == 0.0
    assert PARSER.detect(page(body="<script>if (typeof(x) == 'undefined') {}</script>")) == 0.0
    assert PARSER.detect(Document(url=URL, text="BEGIN:VCALENDAR")) == 0.0


def test_detection_finds_an_event_behind_decoys_and_in_any_case() -> None:
    decoys = "<script>if (typeof x === 'undefined') {}</script>" + '<div itemtype="https://schema.org/Person"></div>'
    late = page(body=decoys + "<p>filler</p>" * 5000 + '<DIV ITEMSCOPE ITEMTYPE="HTTPS://SCHEMA.ORG/Event"></DIV>')
    assert PARSER.detect(late) >= 0.5
    assert PARSER.detect(page(body=decoys)) == 0.0


def test_page_without_events_gives_a_warning() -> None:
    result = PARSER.parse(page(script({"@type": "Organization", "name": "Org"})))
    assert result.sessions == [] and result.warnings


def test_unreadable_dates_leave_the_time_out_with_a_warning() -> None:
    result = PARSER.parse(page(script({**EVENT, "startDate": "sometime soon"})))
    assert result.sessions[0].start is None
    assert any("unreadable date" in w for w in result.warnings)


def test_deep_nesting_does_not_recurse_without_bound() -> None:
    body = "<div>" * 3000 + '<span itemscope itemtype="http://schema.org/Event"><b itemprop="name">X</b></span>'
    result = PARSER.parse(page(body=body))
    assert [s.title for s in result.sessions] in (["X"], [])
