"""The ``blogpost`` parser: posts that announce conference talks (Markdown or rendered HTML).

Input is Markdown with YAML/TOML front matter (Jekyll, Hugo) or a rendered page
(WordPress, Jekyll, Ghost). Sessions are found as links followed by times, headings
with times, time slots, tables of talks and talks in running prose (see
:mod:`blogpost_extract` and :mod:`blogpost_tables`); details ("Speakers:", rooms,
descriptions) are joined from the session's own lines or from a section about it.

Times: a missing year comes from the post's date (front matter ``date``, ``<time
datetime>``, ``article:published_time``, JSON-LD ``datePublished``, a dated URL), then
``Document.year``, then ``Document.fetched_at``; "Tuesday at 4pm" is the first Tuesday
on or after the post's date. Wall times are placed in ``Document.timezone``. Without
one, only times whose text names a zone ("4pm PDT", "14:00 UTC") get a start: the
others keep ``start`` None and the result carries a warning to pass ``--timezone``,
because a guessed zone (UTC) would be a confidently wrong instant, and the archive
stores instants.

Identity: a Sched event link (``/event/ID``) gives the uid ID, so the post's session
joins the one parsed from the Sched page; otherwise ``stable_uid(page, title)``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar
from urllib.parse import urlsplit

from scraper.frontmatter import has_front_matter
from scraper.models import Document, ParseResult, Session, stable_uid
from scraper.parsers import register
from scraper.parsers.blogpost_blocks import Block, blocks
from scraper.parsers.blogpost_details import (
    Details,
    SectionIndex,
    describing,
    read_details,
    sections,
    title_and_people,
)
from scraper.parsers.blogpost_extract import Draft, block_drafts
from scraper.parsers.blogpost_page import MARKDOWN_TYPES, Post, is_markdown, load_post
from scraper.parsers.blogpost_tables import table_drafts
from scraper.timeparse import zone_name

HEAD_CHARS = 64 * 1024
_SCHED_EVENT = re.compile(r"^/event/([A-Za-z0-9]+)")
_NOT_POSTS = frozenset({
    "text/calendar", "application/json", "application/ld+json", "text/csv", "application/xml",
    "text/xml", "application/rss+xml", "application/atom+xml", "application/pdf",
})  # fmt: skip
# The patterns below run on the lowercased head: sre scans case-sensitive patterns several
# times faster than re.IGNORECASE ones, and detect() runs on every page of a crawl.
# Signs of a blog engine or a post, weighed: the engine's own name counts double.
_STRONG_MARKS = re.compile(
    r"<meta[^>]+generator[^>]+(?:wordpress|jekyll|hugo|ghost|blogger|hexo|pelican|octopress|gatsby|"
    r"eleventy|medium|movable type|typepad|squarespace|tumblr)"
    r"|wp-content/|class=\"[^\"]*\b(?:entry-content|post-content|hentry|post-body|blog-post|e-content)\b"
    r"|og:type\"?\s+content=\"article|article:published_time|\"blogposting\"|itemprop=\"articlebody\""
)
_WEAK_MARKS = re.compile(r"<article\b|class=\"[^\"]*\bpost\b|rel=\"author\"|class=\"[^\"]*\bbyline\b")
# Pages of schedule tools and structured events belong to their own parsers.
_OTHER_TOOLS = re.compile(
    r"<meta[^>]+generator[^>]+(?:pretalx|indico|frab|sessionize|sched|pentabarf|conference)"
    r"|sched-container|list-single__event|\"@type\"\s*:\s*\"\w*event\"|itemtype=\"[^\"]*schema.org/\w*event\""
)
# A time of day in page text: "1:50 pm", "4pm", "14:30".
_TIME_MENTION = re.compile(r"\b(?:[01]?\d(?::[0-5]\d)?\s?[ap]\.?m\b|[01]?\d:[0-5]\d|2[0-3]:[0-5]\d)")
_CONTENT_START = re.compile(
    r"class=\"[^\"]*\b(?:entry-content|post-content|post-body|article-content|e-content)\b|itemprop=\"articlebody\""
)
_COMMENTS_START = re.compile(r"id=\"comments\"|class=\"[^\"]*\bcomments?-(?:area|list|wrapper)\b")
_TIME_TAG = re.compile(r"<time\b.*?</time>", re.S)
_TAGS = re.compile(r"<(?:script|style)\b.*?</(?:script|style)>|<[^>]*>", re.S)


def _post_text(low: str) -> str:
    """The part of a (lowercased) page head that holds the post itself: from its content
    container to the comments, without <time> elements (bylines carry the post's own time)."""
    start = _CONTENT_START.search(low)
    text = low[start.start() :] if start else low
    end = _COMMENTS_START.search(text)
    return _TIME_TAG.sub(" ", text[: end.start()] if end else text)


def _mentions_times(low: str) -> bool:
    """Whether the post's own text mentions a time of day."""
    return _TIME_MENTION.search(_TAGS.sub(" ", _post_text(low))) is not None


@register
class BlogPostParser:
    """Conference talks announced in a blog post."""

    name: ClassVar[str] = "blogpost"
    description: ClassVar[str] = (
        "blog posts announcing talks: Markdown with front matter (Jekyll, Hugo) or rendered "
        "WordPress/Jekyll HTML; links or headings with times, tables of talks, talks in prose"
    )

    def detect(self, doc: Document) -> float:
        """Markdown front matter or media type; or HTML from a blog engine that mentions times."""
        head = doc.text[:HEAD_CHARS].lstrip("\ufeff \t\r\n")
        if doc.media_type in _NOT_POSTS or head.startswith(("{", "[", "BEGIN:VCALENDAR", "<?xml")):
            return 0.0
        host = (urlsplit(doc.url).hostname or "").lower()
        if host.endswith(("sched.com", "sched.org")):
            return 0.05
        if is_markdown(doc) and not head.startswith("<"):
            if has_front_matter(head):
                return 0.9
            times = _mentions_times(head.lower())
            if doc.media_type in MARKDOWN_TYPES:
                return 0.7 if times else 0.4
            return 0.3 if times else 0.1
        if doc.media_type not in ("", "text/html", "application/xhtml+xml") and not head.startswith("<"):
            return 0.0
        low = head.lower()
        if _OTHER_TOOLS.search(low):
            return 0.1
        # Looking for times strips tags from up to 64 KB: the costliest test, after the exits.
        times = _mentions_times(low)
        weight = 2 * len(set(_STRONG_MARKS.findall(low))) + min(1, len(_WEAK_MARKS.findall(low)))
        if not times:
            return 0.2 if weight else 0.05
        return min(0.85, 0.45 + 0.1 * weight) if weight >= 2 else 0.3

    def parse(self, doc: Document) -> ParseResult:
        """Sessions, links and the event's name; ParseError for malformed front matter."""
        post = load_post(doc)
        found = blocks(post)
        drafts = block_drafts(post, found, lambda block, day: table_drafts(post, block, day))
        sessions = _sessions(post, found, drafts)
        warnings = []
        unzoned = sum(1 for d in drafts if d.when is not None and d.when.unzoned)
        if unzoned:
            warnings.append(
                f"{doc.url}: {unzoned} time(s) without a time zone left without a start; "
                "pass --timezone (or set the target's timezone)"
            )
        return ParseResult(self.name, sessions, post.links(), post.event_name(), warnings)


def _sessions(post: Post, found: Sequence[Block], drafts: list[Draft]) -> list[Session]:
    heading_sections = SectionIndex(sections(found))
    anchors = {d.order for d in drafts} | {d.details_from - 1 for d in drafts if d.details_from}
    by_uid: dict[str, Session] = {}
    for draft in drafts:
        session = _session(post, found, draft, heading_sections, anchors)
        if session is None:
            continue
        earlier = by_uid.get(session.uid)
        if earlier is None:
            by_uid[session.uid] = session
        else:
            _merge(earlier, session)
    return list(by_uid.values())


def _session(
    post: Post, found: Sequence[Block], draft: Draft, heading_sections: SectionIndex, anchors: set[int]
) -> Session | None:
    title, named = title_and_people(draft.title)
    if not title:
        return None
    own = read_details(_body(found, draft.details_from, anchors)) if draft.details_from else Details()
    section = heading_sections.find(draft.url, title)
    joined = read_details(section.body) if section is not None else Details()
    if section is not None and not named:
        named = title_and_people(section.heading.text)[1]
    speakers: list[str] = []
    for name in [*named, *draft.speakers, *own.speakers, *joined.speakers]:
        if name not in speakers:
            speakers.append(name)
    if not speakers and draft.first_person and post.author:
        speakers = [post.author]
    when = draft.when
    start, end = (when.start, when.end) if when is not None else (None, None)
    return Session(
        title=title,
        uid=_uid(post, draft.url, title),
        speakers=speakers,
        start=start,
        end=end,
        timezone=post.context.timezone or zone_name(start),
        room=draft.room or own.room or joined.room,
        track=draft.track or own.track or joined.track,
        url=draft.url,
        description=draft.description or own.description or joined.description,
    )


def _body(found: Sequence[Block], start: int, anchors: set[int]) -> list[Block]:
    """The blocks after a session's title and time that describe it."""
    body: list[Block] = []
    for block in found[start:]:
        if block.kind not in ("text", "item") or block.index in anchors:
            break
        body.append(block)
    return describing(body)


def _uid(post: Post, url: str | None, title: str) -> str:
    if url:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        match = _SCHED_EVENT.match(parts.path)
        if match and host.endswith(("sched.com", "sched.org")):
            return match.group(1)
    return stable_uid(post.source, title)


def _merge(kept: Session, other: Session) -> None:
    """The same talk listed twice (a summary table and a section): fill the gaps."""
    for name in ("start", "end", "room", "track", "url", "description"):
        if getattr(kept, name) is None:
            setattr(kept, name, getattr(other, name))
    kept.speakers.extend(n for n in other.speakers if n not in kept.speakers)
