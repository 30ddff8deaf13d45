"""The ``blogpost`` parser: posts that announce conference talks (Markdown or rendered HTML).

Input is Markdown with YAML/TOML front matter (Jekyll, Hugo) or a rendered page
(WordPress, Jekyll, Ghost). Sessions are found as links followed by times, headings
with times, time slots, tables of talks and talks in running prose (see
:mod:`_blogpost_extract` and :mod:`_blogpost_tables`); details ("Speakers:", rooms,
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
from typing import ClassVar
from urllib.parse import urlsplit

from scraper.frontmatter import has_front_matter
from scraper.models import Document, ParseResult
from scraper.parsers import markup, register

HEAD_CHARS = 64 * 1024
MARKDOWN_TYPES = frozenset({"text/markdown", "text/x-markdown", "text/x-web-markdown"})
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd", ".mkdn")
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
        low = markup.head(doc, HEAD_CHARS)  # lowercased once for every parser's detect
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
        # The reading half imports BeautifulSoup and markdown-it (~150 ms, ~15 MiB): only
        # blog posts pay for them, not a crawl of Sched pages that merely detects.
        from scraper.parsers._blogpost_sessions import read_post

        return read_post(doc, self.name, is_markdown(doc))


def is_markdown(doc: Document) -> bool:
    """Markdown by media type, or by front matter / file suffix when the type says nothing."""
    if doc.media_type in MARKDOWN_TYPES:
        return True
    if doc.media_type not in ("", "text/plain", "application/octet-stream"):
        return False
    path = urlsplit(doc.url).path.lower()
    return path.endswith(MARKDOWN_SUFFIXES) or doc.text.lstrip("\ufeff").startswith(("---", "+++"))
