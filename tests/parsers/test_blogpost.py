"""The blogpost parser on real posts (the shared corpus) and on shapes written here."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from scraper.document import from_path
from scraper.errors import ParseError
from scraper.models import Document, ParseResult
from scraper.parsers import get
from scraper.parsers.blogpost import BlogPostParser

PARSER = BlogPostParser()
POST_2013 = "cloudscaling_2013-03-26-making-plans-for-openstack-summit.markdown"
POST_2011 = "cloudscaling_2011-04-25-openstack-design-summit-2011-schedule.markdown"
POST_ETOEWS = "blog_etoews_2013-10-16-spinning-plates-openstack-summit-hong-kong.md"
SCHED = "http://openstacksummitapril2013.sched.org/event/"


def parse(text: str, *, media_type: str = "text/html", tz: str | None = "America/Los_Angeles",
          url: str = "https://blog.example.com/2019/05/02/post.html", **hints: Any) -> ParseResult:  # fmt: skip
    return PARSER.parse(Document(url=url, text=text, media_type=media_type, timezone=tz, **hints))


def markdown(body: str, front: str = "title: A post\ndate: 2019-05-02 09:00:00 -0700\nauthor: Priya Raman") -> str:
    return f"---\n{front}\n---\n\n{body}\n"


def wordpress(content: str, head: str = "") -> str:
    return (
        '<html><head><meta name="generator" content="WordPress 6.4.2">'
        '<meta property="article:published_time" content="2019-11-04T14:45:00+00:00">'
        f'{head}</head><body><article class="post hentry"><header class="entry-header">'
        '<h1 class="entry-title">Our talks</h1><div class="entry-meta">Posted on November 4, 2019 at 8:45 am'
        f'</div></header><div class="entry-content">{content}</div></article></body></html>'
    )


def corpus_doc(corpus: Path, name: str) -> tuple[Document, dict[str, Any]]:
    spec = json.loads((corpus / "expected" / f"{name}.json").read_text(encoding="utf-8"))
    return from_path(str(corpus / name), timezone=spec["hints"]["timezone"]), spec


# --- the corpus: the post this product was conceived from, and two more ------------------------


def test_the_2013_post_yields_exactly_its_six_talks(corpus: Path) -> None:
    doc, _ = corpus_doc(corpus, POST_2013)
    assert get("blogpost").detect(doc) >= 0.5
    sessions = [s.to_dict() for s in PARSER.parse(doc).sessions]
    assert [(s["title"], s["speakers"], s["start"]) for s in sessions] == [
        ("PANEL: Vendor discussion about RAs -> battle for a winner", ["Randy Bias"], "2013-04-16T13:50:00-07:00"),
        ("State of the Stack", ["Randy Bias"], "2013-04-17T11:00:00-07:00"),
        ("Scale-out Block Storage: There's a Reason AWS EBS Looks the Way it Does", ["Randy Bias", "Eric Windisch"],
         "2013-04-18T09:30:00-07:00"),
        ("Folsom Security in Review", ["Matt Joyce"], "2013-04-18T15:20:00-07:00"),
        ("Networking is NOT Free: Lessons in Network Design", ["Dan Sneddon"], "2013-04-18T16:10:00-07:00"),
        ("Securing OpenStack's Underside: True Computing", ["Eric Windisch"], "2013-04-18T17:00:00-07:00"),
    ]  # fmt: skip
    first = sessions[0]
    assert first["url"] == SCHED + "f75b118404a89ede6f91efb2ff5a83a7#"
    assert first["uid"] == "f75b118404a89ede6f91efb2ff5a83a7"  # joins the Sched page's session
    assert first["description"] == (
        "Operations Summit: Design summit-style technical working sessions to discuss and refine best "
        "practices for deploying and operating OpenStack installations."
    )
    assert sessions[1]["url"] == SCHED + "bda9ee96cffc139b2fc0822f93306448#.UU8vJltAS98"
    assert all(s["timezone"] == "America/Los_Angeles" and s["end"] is None for s in sessions)
    assert all(s["description"] and "\n" not in s["description"] for s in sessions)


@pytest.mark.parametrize("name", [POST_2011, POST_ETOEWS])
def test_other_corpus_posts_match_their_samples(corpus: Path, name: str) -> None:
    doc, spec = corpus_doc(corpus, name)
    sessions = {s.title: s.to_dict() for s in PARSER.parse(doc).sessions}
    assert len(sessions) == spec["count"]
    for sample in spec["samples"]:
        got = sessions[sample["title"]]
        assert set(got["speakers"]) == set(sample["speakers"])
        assert datetime.fromisoformat(got["start"]) == datetime.fromisoformat(sample["start"])
        assert got["url"] == sample["url"]
        assert got["room"] == sample.get("room")


def test_corpus_post_links_and_event(corpus: Path) -> None:
    result = PARSER.parse(corpus_doc(corpus, POST_2013)[0])
    assert result.event_name == "OpenStack Summit"
    assert "http://openstacksummitapril2013.sched.org/" in result.links
    assert SCHED + "bda9ee96cffc139b2fc0822f93306448" in result.links  # fragment dropped
    assert all(link.startswith("http") for link in result.links)


# --- detection --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "media_type", "url", "low", "high"),
    [
        (markdown("[Talk](https://x.example/t) April 16, 1:50 pm"), "", "file:///p/2013-03-26-x.md", 0.85, 1.0),
        ("# Talks\n\nApril 16, 1:50 pm: [Talk](https://x.example/t)", "text/markdown", "file:///p/x.md", 0.5, 0.8),
        (wordpress("<p>Tuesday at 4pm: <a href='https://x.example/t'>Talk</a></p>"), "text/html", "", 0.5, 0.9),
        # a blog without times, a page with times but no sign of a blog
        (wordpress("<p>We shipped a new release.</p>"), "text/html", "", 0.0, 0.49),
        ("<html><body><div>10:00 Opening</div><div>11:00 Talk</div></body></html>", "text/html", "", 0.0, 0.49),
        # other formats' pages
        ("BEGIN:VCALENDAR\nVERSION:2.0\nEND:VCALENDAR\n", "text/calendar", "", 0.0, 0.0),
        ('{"schedule": {"conference": {}}}', "application/json", "", 0.0, 0.0),
        ("<?xml version='1.0'?><schedule/>", "", "", 0.0, 0.0),
        ("<html><article><p>April 16, 1:50 pm</p></article></html>", "text/html",
         "https://summit2013.sched.org/event/abc", 0.0, 0.1),
        ('<html><head><meta name="generator" content="pretalx"></head><body><article>'
         '<p>April 16, 1:50 pm</p></article></body></html>', "text/html", "", 0.0, 0.2),
        (wordpress("<p>April 16, 1:50 pm</p>", '<script type="application/ld+json">{"@type": "MusicEvent"}</script>'),
         "text/html", "", 0.0, 0.2),
    ],
)  # fmt: skip
def test_detect(text: str, media_type: str, url: str, low: float, high: float) -> None:
    doc = Document(url=url or "https://blog.example.com/post/", text=text, media_type=media_type)
    assert low <= PARSER.detect(doc) <= high


# --- bad input --------------------------------------------------------------------------------------


def test_malformed_front_matter_names_the_source_and_the_problem() -> None:
    with pytest.raises(ParseError, match=r"file:///posts/bad\.md: front matter is not valid YAML"):
        parse("---\ntitle: [oops\n---\nbody", media_type="text/markdown", url="file:///posts/bad.md")


def test_a_huge_page_is_refused() -> None:
    with pytest.raises(ParseError, match="too large for a blog post"):
        parse("<p>" + "x" * (5 * 1024 * 1024) + "</p>")


def test_a_post_without_talks_has_no_sessions() -> None:
    result = parse(
        markdown("We shipped a release on April 16. See [the notes](https://x.example/notes)."),
        media_type="text/markdown",
    )
    assert result.sessions == [] and result.links == ["https://x.example/notes"]


# --- time zones and dates ------------------------------------------------------------------------


def test_without_a_timezone_only_times_with_an_offset_get_a_start() -> None:
    result = parse(
        markdown("- April 16, 1:50 pm: [Local talk](https://x.example/a)\n- April 16, 20:00 UTC: [UTC talk](https://x.example/b)"),
        media_type="text/markdown", tz=None,
    )  # fmt: skip
    starts = {s.title: s.start.isoformat() if s.start else None for s in result.sessions}
    assert starts == {"Local talk": None, "UTC talk": "2019-04-16T20:00:00+00:00"}
    assert any("--timezone" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("front", "hints", "url", "start"),
    [
        ("title: No date here", {}, "file:///site/_posts/2014-05-01-talks.md", "2014-05-13T14:50:00-07:00"),
        ("title: No date here", {"year": 2016}, "file:///site/talks.md", "2016-05-13T14:50:00-07:00"),
        ("title: No date here", {"fetched_at": datetime(2018, 12, 1)}, "file:///t.md", "2019-05-13T14:50:00-07:00"),
    ],
)
def test_the_year_comes_from_the_url_then_the_hints(front: str, hints: dict[str, Any], url: str, start: str) -> None:
    text = markdown("## [Talk](https://x.example/t)\n\nMay 13, 2:50pm", front)
    result = parse(text, media_type="text/markdown", url=url, **hints)
    assert [s.start.isoformat() for s in result.sessions if s.start] == [start]


def test_html_post_date_from_json_ld() -> None:
    page = (
        '<html><head><meta name="generator" content="Ghost 5.0"><script type="application/ld+json">'
        '{"@type": "BlogPosting", "datePublished": "2011-04-25T11:05:00-07:00", "author": {"name": "R. Bias"}}'
        '</script></head><body><article><div class="post-content"><p>I am speaking on the '
        '<a href="https://conf.example/talks/governance">Governance Panel</a> Tuesday at 4pm, come along.</p>'
        "</div></article></body></html>"
    )
    (session,) = parse(page).sessions
    assert session.start is not None and session.start.isoformat() == "2011-04-26T16:00:00-07:00"
    assert session.speakers == ["R. Bias"]  # first person: the author


# --- shapes of posts ----------------------------------------------------------------------------------


def test_time_slot_heading_over_parallel_talks_and_date_lines() -> None:
    body = (
        "## Wednesday, May 15\n\n### 2:00 pm\n\n"
        "- [Talk A](https://x.example/a) — Ann Lee\n- [Talk B](https://x.example/b) — Bo Chan\n\n"
        "### 3:00 pm\n\n[Talk C](https://x.example/c)\n"
    )
    sessions = parse(markdown(body), media_type="text/markdown").sessions
    assert [(s.title, s.speakers, s.start.isoformat() if s.start else None) for s in sessions] == [
        ("Talk A", ["Ann Lee"], "2019-05-15T14:00:00-07:00"),
        ("Talk B", ["Bo Chan"], "2019-05-15T14:00:00-07:00"),
        ("Talk C", [], "2019-05-15T15:00:00-07:00"),
    ]


def test_table_with_rowspan_and_date_rows() -> None:
    table = (
        "<table><tr><th>Time</th><th>Session</th><th>Room</th></tr>"
        "<tr><td colspan='3'>Thursday, May 16</td></tr>"
        "<tr><td rowspan='2'>10:00–10:45</td>"
        "<td><a href='https://x.example/a'>Track A talk</a></td><td>Hall 1</td></tr>"
        "<tr><td>Track B talk</td><td>Hall 2</td></tr>"
        "<tr><td>11:00</td><td>Closing</td><td>Hall 1</td></tr></table>"
    )
    sessions = parse(wordpress(table)).sessions
    assert [(s.title, s.room, s.start.isoformat() if s.start else None) for s in sessions] == [
        ("Track A talk", "Hall 1", "2019-05-16T10:00:00-07:00"),
        ("Track B talk", "Hall 2", "2019-05-16T10:00:00-07:00"),
        ("Closing", "Hall 1", "2019-05-16T11:00:00-07:00"),
    ]
    assert sessions[0].url == "https://x.example/a" and sessions[1].url is None


def test_a_talk_listed_twice_is_one_session() -> None:
    body = (
        "| When | Talk |\n|---|---|\n| May 15, 10:30 am | [Storage](https://s.sched.com/event/2Kx9q/storage) |\n\n"
        "## [Storage](https://s.sched.com/event/2Kx9q/storage)\n\nMay 15, 10:30 am\n\nAbout storage.\n\n"
        "Speaker: Ana Lindqvist\n"
    )
    (session,) = parse(markdown(body), media_type="text/markdown").sessions
    assert session.uid == "2Kx9q"
    assert session.speakers == ["Ana Lindqvist"] and session.description == "About storage."


def test_links_are_absolute_deduplicated_and_web_only() -> None:
    content = (
        "<p><a href='/schedule/'>Schedule</a> <a href='https://x.example/a#top'>A</a> "
        "<a href='https://x.example/a'>A again</a> <a href='mailto:me@example.com'>mail</a></p>"
    )
    result = parse(wordpress(content), url="https://blog.example.com/2019/11/04/talks/")
    assert result.links == ["https://blog.example.com/schedule/", "https://x.example/a"]


def test_page_furniture_is_not_read() -> None:
    page = wordpress("<p><a href='https://x.example/t'>Real talk</a><br>November 5, 11:15 am</p>").replace(
        "</article>",
        "</article><aside class='widget'><p><a href='https://x.example/w'>Widget meetup</a> Dec 12, 6pm</p></aside>"
        "<div id='comments'><p>Loved <a href='https://x.example/c'>your talk</a> at 11:15 am!</p></div>",
    )
    assert [s.title for s in parse(page).sessions] == ["Real talk"]


def test_liquid_tags_and_kramdown_attributes_are_dropped() -> None:
    body = "{% include toc.html %}\n\n## November 5, 11:15 am — Keynote: Hello\n{: .talk}\n\nBring coffee."
    (session,) = parse(markdown(body, "title: t\ndate: 2019-11-01"), media_type="text/markdown").sessions
    assert session.title == "Keynote: Hello" and session.start is not None
    assert session.description == "Bring coffee."


def test_deeply_nested_markup_is_read_without_recursion() -> None:
    talk = "<p><a href='https://x.example/t'>Deep talk</a><br>November 5, 11:15 am</p>"
    page = "<div>" * 3000 + talk + "</div>" * 3000
    (session,) = parse(wordpress(page)).sessions
    assert session.title == "Deep talk" and session.url == "https://x.example/t"


def test_a_generic_heading_is_not_a_title() -> None:
    body = "## [Real Talk](https://x.example/t)\n\nMay 15, 10:30 am\n\n### When\n\nMay 16, 9:00 am\n"
    assert [s.title for s in parse(markdown(body), media_type="text/markdown").sessions] == ["Real Talk"]
