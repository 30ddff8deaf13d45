"""The generic parser: the last resort for HTML pages in no known format."""

from __future__ import annotations

from scraper import parsers
from scraper.models import Document
from scraper.parsers.generic import GenericParser

PARSER = GenericParser()
URL = "https://conf.example/schedule/"


def page(body: str, **hints: object) -> Document:
    text = f"<!DOCTYPE html><html><head><title>Schedule 2024</title></head><body>{body}</body></html>"
    return Document(url=URL, text=text, media_type="text/html", timezone="Europe/Vienna", **hints)  # type: ignore[arg-type]


def test_detect_is_low_so_any_real_format_wins() -> None:
    doc = page("<ul><li>10:00 Talk</li><li>11:00 Talk</li></ul>")
    assert 0 < PARSER.detect(doc) < parsers.CONFIDENT
    assert PARSER.detect(Document(url=URL, text='{"a": 1}', media_type="application/json")) == 0.0


def test_html_nobody_claims_falls_back_to_generic() -> None:
    doc = page("<p>Hello.</p><p>Nothing here.</p>")
    assert parsers.pick(doc).name == "generic"


def test_list_items_with_times_under_a_dated_heading() -> None:
    body = (
        "<h2>Tuesday, 14 May 2024</h2><ul>"
        '<li>09:00 – 09:45 <a href="/talks/a">Keynote on caching</a></li>'
        "<li>10:00 – 10:30 Coffee</li>"
        "<li>10:30 – 11:15 <strong>Query planning</strong> by Ana Souza</li></ul>"
    )
    result = PARSER.parse(page(body))
    assert [s.title for s in result.sessions] == ["Keynote on caching", "Coffee", "Query planning"]
    first = result.sessions[0]
    assert first.start is not None and first.start.isoformat() == "2024-05-14T09:00:00+02:00"
    assert first.end is not None and first.end.isoformat() == "2024-05-14T09:45:00+02:00"
    assert first.url == "https://conf.example/talks/a" and first.uid == first.url
    assert any("layout guessed" in w for w in result.warnings)


def test_definition_list_pairs_a_time_with_the_title_after_it() -> None:
    body = "<h3>June 3, 2024</h3><dl><dt>14:00</dt><dd>Lightning talks</dd><dt>15:00</dt><dd>Panel</dd></dl>"
    result = PARSER.parse(page(body))
    assert [(s.title, s.start.hour if s.start else None) for s in result.sessions] == [
        ("Lightning talks", 14),
        ("Panel", 15),
    ]


def test_table_columns_are_read_by_their_headers() -> None:
    body = (
        "<table><caption>Friday, October 4, 2024</caption>"
        "<tr><th>Room</th><th>Start</th><th>Speaker</th><th>Title</th></tr>"
        "<tr><td>A</td><td>9:00am</td><td>Rosa Delgado and Lin Park</td><td>Indexes</td></tr>"
        "<tr><td>B</td><td>10:00am</td><td>Kwame Mensah</td><td>Vacuum</td></tr></table>"
    )
    sessions = PARSER.parse(page(body)).sessions
    assert [(s.title, s.room, s.speakers) for s in sessions] == [
        ("Indexes", "A", ["Rosa Delgado", "Lin Park"]),
        ("Vacuum", "B", ["Kwame Mensah"]),
    ]
    assert sessions[0].start is not None and sessions[0].start.isoformat() == "2024-10-04T09:00:00+02:00"


def test_a_page_with_nothing_schedule_like_gives_a_warning_not_an_error() -> None:
    result = PARSER.parse(page("<article><h1>About us</h1><p>We like tea.</p><p>And cake.</p></article>"))
    assert result.sessions == []
    assert any("nothing schedule-like" in w for w in result.warnings)


def test_non_html_and_empty_input_give_warnings() -> None:
    for doc in (Document(url=URL, text="just words"), Document(url=URL, text="")):
        result = PARSER.parse(doc)
        assert result.sessions == [] and result.warnings


def test_an_oversized_page_is_declined_with_a_warning() -> None:
    doc = page("<p>10:00 x</p>" * 2_000_000)
    result = PARSER.parse(doc)
    assert result.sessions == [] and any("MiB" in w for w in result.warnings)


def test_without_a_year_anywhere_times_stay_unplaced_but_titles_are_kept() -> None:
    doc = Document(
        url=URL, text="<html><body><ul><li>10:00 One</li><li>11:00 Two</li></ul></body></html>", timezone="UTC"
    )
    sessions = PARSER.parse(doc).sessions
    assert [s.title for s in sessions] == ["One", "Two"]
    assert all(s.start is None for s in sessions)
