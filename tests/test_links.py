"""Links read for following: the string fast path joins exactly as urljoin does."""

from __future__ import annotations

from urllib.parse import urljoin

from hypothesis import given, settings
from hypothesis import strategies as st

from scraper.links import _origin, extract_links, join
from scraper.models import Document
from scraper.parsers import markup

BASES = ["https://summit.example.org/2026/schedule/", "http://127.0.0.1:8101/list/page-001?x=1#top",
         "https://user@host.example:8443/a/b;p?q", "https://[::1]:8080/x", "file:///tmp/x.html"]
PIECES = ["http://", "https://", "/", "//", "event", "a", "B", ".", "..", "./", "../", "?", "#", "=", "&", ";",
          "%20", " ", "\\", "é", ":", "@", "[", "]", "example.org", "127.0.0.1:8102", "~", "-", "_"]


@settings(max_examples=3000, deadline=None)
@given(base=st.sampled_from(BASES), parts=st.lists(st.sampled_from(PIECES), max_size=8))
def test_join_equals_urljoin(base: str, parts: list[str]) -> None:
    href = "".join(parts)
    try:
        expected = urljoin(base, href)
    except ValueError:
        expected = "ValueError"
    try:
        got = join(base, _origin(base), href)
    except ValueError:
        got = "ValueError"
    assert got == expected


def test_anchors_in_order_without_duplicates_absolute_and_http_only() -> None:
    page = Document(url="https://summit.example.org/2026/schedule/", media_type="text/html", text=(
        "<html><body><a href='/event/1/keynote'>1</a><a href='event/2'>2</a>"
        "<a href='https://other.example.net/x?y=1#z'>3</a><a href='/event/1/keynote'>again</a>"
        "<a href='mailto:a@b.c'>mail</a><a href='../up/./there'>4</a><a href='http://[oops'>bad</a>"
        "<a>no href</a></body></html>"))
    assert extract_links(page) == [
        "https://summit.example.org/event/1/keynote",
        "https://summit.example.org/2026/schedule/event/2",
        "https://other.example.net/x?y=1#z",
        "https://summit.example.org/2026/up/there",
    ]


def test_the_parser_reading_the_page_next_gets_the_tree_once() -> None:
    page = Document(url="https://summit.example.org/", media_type="text/html",
                    text="<html><body><a href='/event/1'>1</a></body></html>")
    other = Document(url="https://summit.example.org/b", media_type="text/html", text=page.text)
    assert extract_links(page) == ["https://summit.example.org/event/1"]
    assert markup.load(other, "sched") is not markup.load(other, "sched")  # another page: parsed anew
    extract_links(page)
    first = markup.load(page, "sched")
    assert first.find(".//a") is not None
    body = first.find(".//body")
    assert body is not None
    body.clear()  # a parser may change its tree ...
    second = markup.load(page, "sched")  # ... so the next reader gets a fresh one
    assert second is not first and second.find(".//a") is not None


def test_a_page_past_the_parsers_size_limit_still_gives_its_links() -> None:
    filler = "<p>" + "x" * 1000 + "</p>"
    body = filler * (markup.MAX_HTML_CHARS // len(filler) + 1)
    text = f"<html><body><a href='/next'>next</a>{body}</body></html>"
    page = Document(url="https://summit.example.org/", media_type="text/html", text=text)
    assert extract_links(page) == ["https://summit.example.org/next"]
