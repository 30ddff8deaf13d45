"""The pretalx_html parser: pretalx talk pages."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from scraper.document import from_path
from scraper.models import Document
from scraper.parsers.pretalx_html import PretalxHtmlParser

PARSER = PretalxHtmlParser()
HEAD = '<head><meta name="generator" content="pretalx"><title>{title} ::  Conf 2024 :: pretalx</title></head>'


def talk_page(small: str, url: str = "https://cfp.example/conf2024/talk/AB12CD/", **hints: object) -> Document:
    text = (
        "<html>" + HEAD.format(title="A talk") + "<body><header><h1><a href='/'>Conf 2024</a></h1></header>"
        f'<h3 class="talk-title"><div class="heading-with-buttons">A talk<div class="buttons">'
        f'<a href="/conf2024/talk/AB12CD.ics">.ical</a></div></div><small>{small}</small></h3></body></html>'
    )
    return Document(url=url, text=text, media_type="text/html", **hints)  # type: ignore[arg-type]


def test_real_static_export_talk_page(corpus: Path) -> None:
    doc = from_path(str(corpus / "pretalx_good2025_talk_3PW9AL.html"), timezone="America/New_York")
    assert PARSER.detect(doc) >= 0.5
    result = PARSER.parse(doc)
    (session,) = result.sessions
    assert session.title == "Using OpenOnDemand for Real-World, Interdisciplinary AI Projects in Classrooms"
    assert session.speakers == ["Gulustan Dogan"]
    assert session.start is not None and session.start.isoformat() == "2025-03-18T18:30:00-04:00"
    assert session.end is not None and session.end.isoformat() == "2025-03-18T18:40:00-04:00"
    assert session.room == "CGIS Concourse"
    assert session.uid == "3PW9AL"
    assert session.url == "https://cfp.openondemand.org/2025/talk/3PW9AL/"  # from the API link, not testserver
    assert result.event_name == "GOOD 2025"


def test_the_zone_the_page_names_wins_over_the_configured_one() -> None:
    doc = talk_page("07-02, 10:00–10:30 (Europe/Berlin), Saal 1", timezone="America/New_York")
    (session,) = PARSER.parse(doc).sessions
    assert session.start is not None and session.start.isoformat() == "2024-07-02T10:00:00+02:00"
    assert session.timezone == "Europe/Berlin" and session.room == "Saal 1"
    assert session.uid == "AB12CD" and session.title == "A talk"


def test_a_zone_that_is_no_iana_name_falls_back_to_the_configured_one() -> None:
    doc = talk_page("Jul 2, 10:00–10:30 (CEST), Saal 1", timezone="Europe/Berlin")
    (session,) = PARSER.parse(doc).sessions
    assert session.start is not None and session.start.isoformat() == "2024-07-02T10:00:00+02:00"


def test_without_a_year_in_name_or_url_the_fetch_date_gives_it() -> None:
    text = talk_page("07-02, 10:00–10:30 (UTC), Hall").text.replace("Conf 2024", "Conf")
    doc = Document(url="https://cfp.example/conf/talk/AB12CD/", text=text, fetched_at=datetime(2023, 5, 1, tzinfo=UTC))
    (session,) = PARSER.parse(doc).sessions
    assert session.start is not None and session.start.isoformat() == "2023-07-02T10:00:00+00:00"


def test_schedule_page_yields_talk_links_and_a_warning() -> None:
    text = (
        "<html>" + HEAD.format(title="Schedule") + "<body><a href='/conf2024/talk/AB12CD/'>A</a>"
        "<a href='/conf2024/talk/ZZ99YY/'>B</a><a href='/conf2024/talk/ZZ99YY.ics'>ics</a></body></html>"
    )
    doc = Document(url="https://cfp.example/conf2024/schedule/", text=text)
    assert 0.5 <= PARSER.detect(doc) < PARSER.detect(talk_page("07-02, 10:00–10:30 (UTC), Hall"))
    result = PARSER.parse(doc)
    assert result.sessions == []
    assert result.links == ["https://cfp.example/conf2024/talk/AB12CD/", "https://cfp.example/conf2024/talk/ZZ99YY/"]
    assert result.warnings


def test_other_pages_are_not_claimed() -> None:
    doc = Document(url="https://x.example/", text="<html><body><h3 class='talk-title'>x</h3></body></html>")
    assert PARSER.detect(doc) == 0.0
