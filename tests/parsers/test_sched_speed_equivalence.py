"""Fast paths that the sched parser leans on give exactly what the straightforward code gives.

markup.squeeze returns text that is squeezed already as it is (so do text_of and block_text,
which squeeze), and sched_urls reads links on the page's own site by slicing. Both must
agree with the plain versions on any input, the untidy kind included.
"""

from __future__ import annotations

import unicodedata

import lxml.etree
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scraper.models import Document
from scraper.parsers import markup
from scraper.parsers.sched import SchedParser
from scraper.parsers.sched_urls import event_id, origin, session_link, session_url

SITE = "http://127.0.0.1:8000"
#: Every kind of whitespace str.split() breaks at, NBSP, and an accent NFC composes.
TRICKY = "ab \t\n\x0b\x0c\r\x1c\x1f\x85\xa0\u2028\u3000e\u0301é"
BASES = [f"{SITE}/list/", "https://x.sched.com/", "http://event/", "https://[::1]:8443/x", "file:///t.html", ""]


def div(html: str) -> markup.Element:
    node = markup.fragment(html)
    assert node is not None
    return node


# --- squeezing text ---------------------------------------------------------------------------


def plain_squeeze(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split()))


def plain_text_of(node: markup.Element) -> str:
    return plain_squeeze(lxml.etree.tostring(node, method="text", encoding="unicode", with_tail=False))


def plain_block_text(node: markup.Element) -> str:
    lines = (plain_squeeze(line) for line in markup._block_parts(node, 0).split("\n"))
    return "\n".join(line for line in lines if line)



@pytest.mark.parametrize(
    "text",
    ["", " ", "a", " a", "a ", "a  b", "a b c", "a\tb", "a\nb", "a\rb", "a\x1cb", "a\x1fb", "a\x85b", "a\xa0b",
     "a\u2028b", "e\u0301", "Talk: Part 1 - Jane Roe, Acme & Li Wei, Initech"],
)  # fmt: skip
def test_squeeze_agrees_on_untidy_text(text: str) -> None:
    assert markup.squeeze(text) == plain_squeeze(text)


@given(st.text(alphabet=TRICKY, max_size=12))
def test_squeeze_agrees_on_any_text(text: str) -> None:
    assert markup.squeeze(text) == plain_squeeze(text)


# --- text and description blocks --------------------------------------------------------------

PIECES = [
    "", "a", " a ", "a  b", "a\n b", "\n", " ", "\t", "&#9;", "&#13;", "&#28;", "&nbsp;", "e\u0301",
    "<br>", "<br/>", "<br class='date'>", "<p>x</p>", "<p> </p>", "<p></p>", "<P>Up</P>", "<p>a<br>b</p>",
    "<b>bold</b>", "<script>s()</script>", "<!-- note -->", "<p class='tip-description'>d</p>",
]  # fmt: skip


@pytest.mark.parametrize(
    "html",
    ["Line one.<br />Line two.", "Line one.<br><br>", "<br>Only after", " lead<br>trail ", "a  b<br>c",
     "<p>One.</p><p>Two.</p>", "x<p> </p>y", "<p>a<b>b</b></p>", "a<!-- c -->b", "tab\there<br>x"],
)  # fmt: skip
def test_block_text_agrees_on_description_markup(html: str) -> None:
    node = div(html)
    assert markup.block_text(node) == plain_block_text(node)
    assert markup.text_of(node) == plain_text_of(node)


@settings(max_examples=300)
@given(st.lists(st.sampled_from(PIECES), max_size=8))
def test_block_text_agrees_on_any_mix(pieces: list[str]) -> None:
    node = div("".join(pieces))
    assert markup.block_text(node) == plain_block_text(node)
    assert markup.text_of(node) == plain_text_of(node)


# --- session links ----------------------------------------------------------------------------


def straightforward(site: str, base: str, href: str) -> tuple[str, str | None] | None:
    uid = event_id(href)
    return None if uid is None else (uid, session_url(site, base, href))


@pytest.mark.parametrize(
    "href",
    [f"{SITE}/event/27FVb/slug", f"{SITE}/event/ab/slug", f"{SITE}/event/{'a' * 40}", f"{SITE}/event/{'a' * 41}",
     f"{SITE}/event/", f"{SITE}/event/abc", f"{SITE}/event/abc/", f"{SITE}/event/abc?x=1#y", f"{SITE}/event/abc#y?x",
     f"{SITE}/event/ab/event/abcd", f"{SITE}/event/abé", f"{SITE}/event/abc;jsessionid=1", f"{SITE}/event/abc d",
     f"{SITE}/event/abc\n", f"{SITE}/event/a-b/", f"{SITE}?to=/event/abc", f"{SITE}#/event/abc", f"{SITE}x/event/abc",
     "http://127.0.0.1:80/event/abc", "HTTP://127.0.0.1:8000/event/abc", "http://event/event/abcd",
     "https://[::1]:8443/event/abc", "event/abc/slug", "/event/abc"],
)  # fmt: skip
def test_session_link_agrees_on_awkward_hrefs(href: str) -> None:
    for base in BASES:
        assert session_link(origin(base), base, href) == straightforward(origin(base), base, href)


@given(
    st.sampled_from([SITE, f"{SITE}/event/", "http://event", "https://[::1]:8443/event/", "event/", ""]),
    st.text(alphabet="aZ9-/?#;[] \té.", max_size=16),
    st.sampled_from(BASES),
)
def test_session_link_agrees_on_any_href(start: str, rest: str, base: str) -> None:
    href = start + rest
    assert session_link(origin(base), base, href) == straightforward(origin(base), base, href)


def test_full_schedule_with_own_site_links_and_untidy_text() -> None:
    block = (
        '<div class="sched-container"><span class="event"><a class="name" href="{href}">{title}</a></span>'
        '<div class="tip-description">{about}</div></div>'
    )
    sessions = [
        (f"{SITE}/event/27FVb/slug?iframe=no", "Tidy Talk - Jane Roe, Acme", "One.<br />Two."),
        (f"{SITE}/event/{'b' * 41}/slug", "Long Id", ""),  # no session: its empty details change nothing
        (f"{SITE}/event/27FVc#top", "  Spaced   Talk\n", " lead<br><br>  trail  "),
    ]
    body = "".join(block.format(href=h, title=t, about=a) for h, t, a in sessions)
    page = f"<html><head><title>Conf: Schedule</title></head><body>{body}</body></html>"
    result = SchedParser().parse(Document(url=f"{SITE}/list/descriptions/", text=page, media_type="text/html"))
    assert result.links == [f"{SITE}/event/27FVb/slug", f"{SITE}/event/27FVc"]
    assert [(s.uid, s.title, s.speakers, s.description) for s in result.sessions] == [
        ("27FVb", "Tidy Talk", ["Jane Roe"], "One.\nTwo."),
        ("27FVc", "Spaced Talk", [], "lead\ntrail"),
    ]
