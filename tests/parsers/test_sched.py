"""The sched parser: list views, grid, session pages (2012 and current markup), API exports."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scraper import parsers
from scraper.document import from_path
from scraper.errors import ParseError
from scraper.models import Document
from scraper.parsers.sched import SchedParser
from scraper.parsers.sched_urls import canonical, event_id, origin, session_url

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "parsers" / "sched"
SITE = "https://kccnceu2026.sched.com"
SCHED = SchedParser()

CSV_HEADER = (
    "event_key,active,name,event_start,event_end,event_type,event_subtype,description,venue,id,"
    "venue_id,speakers,moderators,artists\n"
)


def html_doc(body: str, url: str = f"{SITE}/list/descriptions/", **hints: object) -> Document:
    page = f"<!DOCTYPE html><html><head><title>Conf 2026: Schedule</title></head><body>{body}</body></html>"
    return Document(url=url, text=page, media_type="text/html", **hints)  # type: ignore[arg-type]


def session_block(ident: str, text: str, details: str = "") -> str:
    return (
        f'<div class="sched-container"><div class="sched-container-inner"><span class="event ev_1">'
        f'<a class="name" href="event/{ident}/slug">{text}</a></span>{details}</div></div>'
    )


def fixture(name: str) -> Document:
    hints = json.loads((FIXTURES / f"{name}.hints.json").read_text())
    return from_path(str(FIXTURES / name), timezone=hints.get("timezone"), base_url=hints["url"])


# --- detection ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "openstack2013_list_descriptions.html",
        "kubecon2026_list_simple.html",
        "kubecon2026_event.html",
        "openstack2013_event.html",
        "penguicon2019_session_list.csv",
    ],
)
def test_registry_picks_sched_for_its_fixtures(name: str) -> None:
    assert parsers.pick(fixture(name)).name == "sched"


def test_sched_all_ics_is_left_to_the_ical_parser() -> None:
    doc = Document(url=f"{SITE}/all.ics", text="BEGIN:VCALENDAR\r\nPRODID:-//Sched.com KubeCon//EN\r\n")
    assert SCHED.detect(doc) == 0.0


def test_detects_markup_on_a_custom_domain_and_ignores_other_pages() -> None:
    custom = html_doc(session_block("27FVb", "Talk"), url="https://schedule.example.org/")
    plain = html_doc("<p>Nothing to see at 9:30am</p>", url="https://example.org/")
    assert SCHED.detect(custom) >= 0.5
    assert SCHED.detect(plain) == 0.0


def test_detects_markup_wherever_the_first_marker_sits() -> None:
    old_list = "<ul class='list-simple'><li><a href='event/abc123/talk'>Talk</a></li></ul>"
    decoy = '<p class="sched-free">no markers in this one</p>'
    assert SCHED.detect(html_doc(decoy + old_list, url="https://schedule.example.org/")) >= 0.5
    assert SCHED.detect(html_doc(old_list + decoy, url="https://schedule.example.org/")) >= 0.5
    assert SCHED.detect(html_doc(decoy + "<div class='simple-list'>list-simple</div>", url="https://x.example/")) == 0.0


def test_detects_the_csv_export_by_its_header_whatever_the_file_is_called() -> None:
    doc = Document(url="file:///tmp/download.txt", text=CSV_HEADER + '"1","Y","T","2019-05-03 20:00:00"\n')
    assert SCHED.detect(doc) >= 0.9


# --- the API CSV export ---------------------------------------------------------------------


def test_real_penguicon_export(corpus: Path) -> None:
    doc = from_path(str(corpus / "sched_api_penguicon2019_session_list.csv"), timezone="America/Detroit")
    result = SCHED.parse(doc)
    assert len(result.sessions) == 355
    by_id = {s.uid: s for s in result.sessions}
    poly = by_id["09860b5ae0e9dfacfb7e1ab36dfe8c1a"]
    assert poly.title == "Navigating Polyamory: Keeping your Cups Full"
    assert poly.speakers == ['Andrew M. "Fish" Popowich', "Becky Hill", "Cyndi Chadwick"]
    assert poly.start is not None and poly.start.isoformat() == "2019-05-04T13:00:00-04:00"
    assert poly.room == "Montcalm" and poly.timezone == "America/Detroit"
    chaos = next(s for s in result.sessions if s.title == "Chaos Machine")
    assert chaos.description is not None and "<br" not in chaos.description and "\n" in chaos.description


def test_csv_skips_inactive_rows_and_builds_session_urls_from_the_site() -> None:
    doc = fixture("penguicon2019_session_list.csv")
    result = SCHED.parse(doc)
    assert "Cancelled: Midnight Karaoke" not in [s.title for s in result.sessions]
    assert any("inactive" in w for w in result.warnings)
    first = result.sessions[0]
    assert first.url == "https://penguicon2019.sched.com/event/0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    assert first.speakers == ["Cassy Sinke", "Zed Shaw", "Matt Arnold"]  # moderators count too
    assert first.url in result.links


def test_csv_without_a_zone_keeps_wall_times_and_says_so() -> None:
    row = '"1","Y","Talk","2019-05-03 20:00:00","","","","","","9a","","","",""\n'
    doc = Document(url="file:///x.csv", text=CSV_HEADER + row)
    result = SCHED.parse(doc)
    assert result.sessions[0].start == datetime(2019, 5, 3, 20, 0)
    assert any("--timezone" in w for w in result.warnings)


def test_csv_without_the_needed_columns_is_a_parse_error() -> None:
    doc = Document(url="file:///x.csv", text="event_key,event_start,event_end\n1,2,3\n")
    with pytest.raises(ParseError, match="no name/event_start"):
        SCHED.parse(doc)


def test_json_export_with_speaker_objects() -> None:
    rows = [
        {"event_key": "7", "active": "Y", "name": "Rust &amp; You", "event_start": "2024-05-06 10:00:00",
         "event_end": "2024-05-06 10:30:00", "venue": "Hall A", "id": "abc123",
         "speakers": [{"name": "Ana Souza", "company": "Example"}, {"name": "Li Wei"}]},
    ]  # fmt: skip
    doc = Document(url=f"{SITE}/api/session/list?format=json", text=json.dumps(rows), timezone="Europe/Paris")
    assert SCHED.detect(doc) >= 0.9
    (session,) = SCHED.parse(doc).sessions
    assert (session.title, session.speakers) == ("Rust & You", ["Ana Souza", "Li Wei"])
    assert session.url == f"{SITE}/event/abc123"
    assert session.start is not None and session.start.utcoffset() is not None


# --- HTML list views ------------------------------------------------------------------------


def test_list_links_are_absolute_session_urls_without_fragments() -> None:
    result = SCHED.parse(fixture("openstack2013_list_descriptions.html"))
    assert result.links[0] == "http://openstacksummitapril2013.sched.org/event/8c3ab07b6bc6e1f6dd5cfbd1d9c1aa9a"
    assert len(result.links) == len(set(result.links)) == 6  # the "popular" link is the same session


def test_a_dash_in_a_title_is_no_speaker_when_the_page_names_companies() -> None:
    result = SCHED.parse(fixture("openstack2013_list_descriptions.html"))
    titles = {s.title: s.speakers for s in result.sessions}
    assert titles["Design Summit - Nova Scheduler"] == []
    assert titles["Making Swift Faster"] == ["Chuck Thier", "John Dickinson"]


def test_day_and_slot_headings_give_times_when_no_detail_line_does() -> None:
    body = (
        '<div id="sched-content-inner"><h2>Tuesday, March 24</h2><h3>1:45pm <span class="tz">CET</span></h3>'
        + session_block("27AAA", "Keynote: Closing - Priyanka Sharma, Executive Director, CNCF")
        + "</div>"
    )
    (session,) = SCHED.parse(html_doc(body, timezone="Europe/Amsterdam")).sessions
    assert session.start is not None and session.start.isoformat() == "2026-03-24T13:45:00+01:00"
    assert session.end is None
    assert session.speakers == ["Priyanka Sharma"]


def test_weekday_of_a_day_heading_picks_the_year_when_the_page_has_none() -> None:
    page = (
        '<html><body><div id="sched-content-inner"><h2>Monday, April 16</h2><h3>9:30am</h3>'
        + session_block("f75b118404a89ede6f91efb2ff5a83a7", "Opening")
        + "</div></body></html>"
    )  # April 16 is a Monday in 2012, the page was fetched in 2013
    doc = Document(url="http://x.sched.org/", text=page, timezone="America/Los_Angeles",
                   fetched_at=datetime(2013, 1, 5, tzinfo=UTC))  # fmt: skip
    (session,) = SCHED.parse(doc).sessions
    assert session.start is not None and session.start.date().isoformat() == "2012-04-16"


def test_configured_zone_places_times_and_a_disagreeing_page_zone_is_reported() -> None:
    body = '<h2>Monday, April 15</h2><h3>9:00am <span class="tz">PDT</span></h3>' + session_block("ab12", "Talk")
    result = SCHED.parse(html_doc(body, timezone="America/New_York", year=2013))
    assert result.sessions[0].start is not None
    assert result.sessions[0].start.isoformat() == "2013-04-15T09:00:00-04:00"
    assert any("PDT" in w for w in result.warnings)


def test_without_a_configured_zone_the_page_abbreviation_gives_the_offset() -> None:
    body = '<h2>Monday, April 15</h2><h3>9:00am <span class="tz">PDT</span></h3>' + session_block("ab12", "Talk")
    (session,) = SCHED.parse(html_doc(body, year=2013)).sessions
    assert session.start is not None and session.start.isoformat() == "2013-04-15T09:00:00-07:00"


def test_bullet_separated_dates_line() -> None:
    details = '<div class="sched-container-dates">Wednesday, March 25 &bull; 3:25pm - 4:00pm CET</div>'
    body = session_block("27BBB", "Talk", details)
    (session,) = SCHED.parse(html_doc(body, timezone="Europe/Amsterdam")).sessions
    assert session.start is not None and session.end is not None
    assert (session.start.isoformat(), session.end.isoformat()) == (
        "2026-03-25T15:25:00+01:00",
        "2026-03-25T16:00:00+01:00",
    )


def test_grid_rows_take_their_time_from_the_first_cell() -> None:
    cells = [("10:00am", "27C01", "Grid talk one"), ("10:30am", "27C02", "Grid talk two")]
    rows = "".join(
        f'<tr><td class="time">{t}</td><td><span class="event ev_2"><a class="name" href="/event/{i}/x">{n}</a>'
        f"</span></td></tr>"
        for t, i, n in cells
    )
    body = f'<div id="sched-content-inner"><h2>Thursday, March 26</h2><table>{rows}</table></div>'
    result = SCHED.parse(html_doc(body, url=f"{SITE}/grid/", timezone="Europe/Amsterdam"))
    assert [(s.title, s.start.isoformat() if s.start else None) for s in result.sessions] == [
        ("Grid talk one", "2026-03-26T10:00:00+01:00"),
        ("Grid talk two", "2026-03-26T10:30:00+01:00"),
    ]


# --- session pages --------------------------------------------------------------------------


def test_session_page_keeps_its_own_session_and_links_the_others() -> None:
    result = SCHED.parse(fixture("kubecon2026_event.html"))
    (session,) = result.sessions
    assert session.uid == "27Gh2"
    assert session.speakers == ["Jane Doe", "Li Wei", "Ana Souza"]
    assert f"{SITE}/event/27KpR/zero-trust-service-mesh-without-the-sidecar" in result.links


def test_old_session_page_whose_title_is_no_link_takes_the_id_from_its_url() -> None:
    result = SCHED.parse(fixture("openstack2013_event.html"))
    (session,) = result.sessions
    assert session.uid == "f75b118404a89ede6f91efb2ff5a83a7"
    assert session.url == "http://openstacksummitapril2013.sched.org/event/f75b118404a89ede6f91efb2ff5a83a7"
    assert session.room == "B113"


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("event/f75b118404a89ede6f91efb2ff5a83a7#.UU8vJltAS98", "f75b118404a89ede6f91efb2ff5a83a7"),
        ("/event/27FVb/some-title", "27FVb"),
        ("https://x.sched.com/event/27FVb?iframe=no", "27FVb"),
        ("https://x.example/next?to=/event/27FVb", None),
        ("/events/27FVb", None),
    ],
)
def test_event_id(href: str, expected: str | None) -> None:
    assert event_id(href) == expected


def test_relative_event_links_resolve_at_the_site_root() -> None:
    assert canonical(f"{SITE}/list/simple/", "event/27FVb/title#x") == f"{SITE}/event/27FVb/title"


@pytest.mark.parametrize(
    "href",
    [
        "https://other.sched.com/list/event/27FVb/title?iframe=no#x",
        "http://Host.Example:8080/event/abc",
        "https://host.example",
        "https://host.example?q=1",
        "https://host.example/a/event/27FVb/slug;jsessionid=1",  # path parameters: urllib's way
        "https://[::1]/event/27FVb",
        "https://host.example/event/27FVb/a b",
        "https://hôst.example/event/27FVb",
        "HTTPS://host.example/event/27FVb",
        "http:///event/27FVb",
    ],
)
def test_session_urls_of_absolute_links_match_the_canonical_form(href: str) -> None:
    for base in (f"{SITE}/list/simple/", "file:///tmp/saved.html", ""):
        assert session_url(origin(base), base, href) == canonical(base, href)


# --- bad input ------------------------------------------------------------------------------


def test_page_without_sessions_gives_a_warning_not_an_error() -> None:
    result = SCHED.parse(html_doc("<p>Sched is down for maintenance.</p>"))
    assert result.sessions == [] and result.warnings


def test_empty_page_is_a_parse_error_naming_the_source() -> None:
    with pytest.raises(ParseError, match=f"{SITE}/list/"):
        SCHED.parse(Document(url=f"{SITE}/list/", text="   "))


def test_fifty_megabyte_page_is_refused_without_parsing_it() -> None:
    doc = Document(url=f"{SITE}/list/", text="<html><body>" + "<p>x</p>" * 6_600_000)
    assert SCHED.detect(doc) >= 0.5
    with pytest.raises(ParseError, match="MiB"):
        SCHED.parse(doc)


def test_large_generated_list_page_parses_every_session() -> None:
    blocks = []
    for number in range(1500):
        line = f"Monday May 6, 2024 {9 + number % 3}:00am - {9 + number % 3}:45am EDT"
        details = (
            f'<div class="sched-event-details-container"><div class="tip-description">About {number}.</div>'
            f'<div class="sched-event-details-timeandplace">{line}<br>'
            f'<a href="venue/R">Room {number % 5}</a></div></div>'
        )
        blocks.append(session_block(f"{number:032x}", f"Talk {number} - Jane Roe, Acme Corp", details))
    doc = html_doc('<div id="sched-content-inner">' + "".join(blocks) + "</div>", timezone="America/New_York")
    assert len(doc.text) > 500_000
    result = SCHED.parse(doc)
    assert len(result.sessions) == 1500
    last = result.sessions[-1]
    assert (last.title, last.speakers, last.room) == ("Talk 1499", ["Jane Roe"], "Room 4")
    assert last.start is not None and last.start.isoformat() == "2024-05-06T11:00:00-04:00"


def test_saved_session_page_without_its_url_still_gives_the_session() -> None:
    path = FIXTURES / "openstack2013_event.html"
    (session,) = SCHED.parse(from_path(str(path), timezone="America/Los_Angeles")).sessions
    assert session.title == "Making Swift Faster"
    assert session.uid.startswith("h-") and session.url is None  # no site to place it on
