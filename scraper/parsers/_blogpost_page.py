"""A blog post as the blogpost parser sees it: one HTML tree plus what the post says of itself.

Markdown (with front matter) is rendered to HTML with markdown-it-py so that one HTML
path serves Jekyll sources, WordPress pages and rendered Jekyll sites alike. HTML goes
through BeautifulSoup with lxml: posts are small and often sloppy, and its leniency
pays there (DESIGN.md section 8).
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urldefrag, urljoin, urlsplit

from scraper.errors import ParseError
from scraper.frontmatter import FrontMatter, split_front_matter
from scraper.models import Document
from scraper.parsers._soup import BeautifulSoup, MarkupResemblesLocatorWarning, Tag, XMLParsedAsHTMLWarning
from scraper.text import clean, clean_or_none
from scraper.timeparse import TimeContext, parse_iso

#: A blog post is small; past this it is a misdetected page, and the tree would be huge.
MAX_POST_CHARS = 4 * 1024 * 1024

# Where a post's own text lives, most specific first (WordPress, Jekyll, Hugo, Ghost,
# h-entry): ("attr", value) pairs read as itemprop=, class~=, tag name, id=.
_CONTENT_MARKS: tuple[tuple[str, str], ...] = (
    ("itemprop", "articleBody"), ("class", "entry-content"), ("class", "post-content"),
    ("class", "post-body"), ("class", "article-content"), ("class", "article-body"),
    ("class", "e-content"), ("class", "post-entry"), ("tag", "article"), ("class", "post"),
    ("class", "hentry"), ("tag", "main"), ("id", "content"), ("tag", "body"),
)  # fmt: skip
# Page furniture inside a post's container: bylines, share buttons, comments, navigation.
_FURNITURE_TAGS = frozenset({
    "script", "style", "noscript", "template", "nav", "aside", "form", "header", "footer", "iframe",
})  # fmt: skip
_FURNITURE_CLASSES = frozenset({
    "post-meta", "entry-meta", "entry-footer", "byline", "sharedaddy", "share", "social",
    "jp-relatedposts", "related-posts", "comments", "comment", "comments-area", "comment-respond",
    "sidebar", "widget", "post-navigation", "nav-links", "navigation", "pagination", "author-bio",
})  # fmt: skip
_FURNITURE_IDS = frozenset({"comments"})

# Liquid tags and kramdown attribute lists render as noise: "{% include x %}", "{: .class}".
_TEMPLATE_NOISE = re.compile(r"\{%-?.*?-?%\}|\{\{.*?\}\}|^\{:[^}\n]*\}[ \t]*$", re.S | re.M)
# Jekyll names posts YYYY-MM-DD-slug; WordPress and Jekyll permalinks carry /YYYY/MM/DD/.
_URL_DATE = re.compile(r"(?:^|/)(?:[^/]*?[_-])?((?:19|20)\d\d)[-/]([01]\d)[-/]([0-3]\d)(?:[-/]|$)")
# A run of capitalised words ending in an event word: "OpenStack Design Summit 2011", "PyCon";
# not when another capitalised word follows ("Riverside Convention Center" is a venue).
_EVENT_WORD = (
    r"(?:Summit|Conference|Conf|Con|Festival|Fest|Days|Meetup|Symposium|Congress|Expo|Camp|Forum|"
    r"Hackathon|Convention|Workshop)"
)
_EVENT_NAME = re.compile(
    rf"\b(?:(?:[A-Z0-9][\w&'’.]*\s+)+{_EVENT_WORD}|[A-Z][\w&'’.]*?{_EVENT_WORD})\b"
    r"(?:\s+(?:19|20)\d\d\b)?(?!\s+[A-Z])"
)


@dataclass
class Post:
    """The post's content tree and what it says about itself."""

    source: str
    root: Tag
    base_url: str | None
    title: str | None
    author: str | None
    published: datetime | None
    context: TimeContext

    def absolute(self, href: str | None) -> str | None:
        """``href`` resolved against the post's base URL; None unless http(s)."""
        if not href:
            return None
        href = href.strip()
        try:
            url = urljoin(self.base_url, href) if self.base_url else href
            return url if urlsplit(url).scheme in ("http", "https") else None
        except ValueError:  # "http://[oops": not a URL anyone can follow
            return None

    def links(self) -> list[str]:
        """Every absolute link in the post, in order, once each (fragments dropped)."""
        found: dict[str, None] = {}
        for anchor in self.root.find_all("a", href=True):
            url = self.absolute(str(anchor["href"]))
            if url:
                found.setdefault(urldefrag(url).url, None)
        return list(found)

    def event_name(self) -> str | None:
        """The event the post is about when it names one ("OpenStack Summit"), else None."""
        candidates = [self.title or ""] + [a.get_text(" ") for a in self.root.find_all("a")]
        for text in candidates:
            match = _EVENT_NAME.search(clean(text))
            if match:
                return match.group(0).strip()
        return None


def load_post(doc: Document, markdown: bool) -> Post:
    """Build the Post for ``doc`` (a Markdown source when ``markdown``, else HTML); ParseError
    for malformed front matter."""
    if len(doc.text) > MAX_POST_CHARS:
        raise ParseError(
            f"{doc.url}: {len(doc.text)} characters is too large for a blog post",
            hint="choose another parser with --parser NAME",
        )
    if markdown:
        front = split_front_matter(doc.text, doc.url)
        soup = _soup(_render_markdown(front.body))
        return _post(doc, soup.body or soup, soup, front)
    soup = _soup(doc.text)
    return _post(doc, _content_root(soup), soup, FrontMatter())


def _soup(markup: str) -> BeautifulSoup:
    # Forced onto XML or a one-line text, bs4 warns; the parser's answer says enough.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        return BeautifulSoup(markup, "lxml")


def _render_markdown(body: str) -> str:
    # Imported here: only Markdown sources need it, and it costs 60 ms and 4 MiB to load.
    from markdown_it import MarkdownIt

    renderer = MarkdownIt("commonmark", {"html": True}).enable("table")
    return str(renderer.render(_TEMPLATE_NOISE.sub("", body)))


def _content_root(soup: BeautifulSoup) -> Tag:
    """The first element of the most specific kind that holds text (one pass over the tree;
    CSS selectors would walk it once per selector)."""
    best: dict[int, Tag] = {}
    for tag in soup.find_all(True):
        classes = set(tag.get_attribute_list("class"))
        for rank, (kind, value) in enumerate(_CONTENT_MARKS):
            if rank not in best and (
                (kind == "tag" and tag.name == value)
                or (kind == "class" and value in classes)
                or (kind in ("id", "itemprop") and tag.get(kind) == value)
            ):
                best[rank] = tag
    for rank in sorted(best):
        if best[rank].get_text(strip=True):
            return best[rank]
    return soup


def _strip_furniture(root: Tag) -> None:
    doomed = [
        tag for tag in root.find_all(True)
        if tag.name in _FURNITURE_TAGS
        or tag.get("id") in _FURNITURE_IDS
        or not _FURNITURE_CLASSES.isdisjoint(tag.get_attribute_list("class"))
    ]  # fmt: skip
    for tag in doomed:
        if not tag.decomposed:
            tag.decompose()


def _post(doc: Document, root: Tag, soup: BeautifulSoup, front: FrontMatter) -> Post:
    base = _base_url(doc, soup)
    metas = _metas(soup)
    published = front.moment("date") or _html_date(soup, metas) or _url_date(doc.url)
    title = clean_or_none(front.text("title")) or _html_title(soup, metas)
    author = clean_or_none(front.text("author")) or _html_author(soup, metas)
    _strip_furniture(root)
    reference = published or (doc.fetched_at if doc.year is None else None)
    context = TimeContext(timezone=doc.timezone, reference=reference, year=doc.year)
    return Post(doc.url, root, base, title, author, published, context)


def _base_url(doc: Document, soup: BeautifulSoup) -> str | None:
    base = doc.base_url or doc.url
    tag = soup.find("base", href=True)
    if isinstance(tag, Tag):
        try:
            base = urljoin(base, str(tag["href"]))
        except ValueError:  # a malformed <base href>: ignore it
            pass
    return base if urlsplit(base).scheme in ("http", "https") else None


def _metas(soup: BeautifulSoup) -> dict[str, str]:
    """<meta> contents by their property, name or itemprop (the first of each wins)."""
    found: dict[str, str] = {}
    for tag in soup.find_all("meta", content=True):
        for attribute in ("property", "name", "itemprop"):
            key = tag.get(attribute)
            if key:
                found.setdefault(str(key).lower(), str(tag["content"]))
    return found


def _html_date(soup: BeautifulSoup, metas: dict[str, str]) -> datetime | None:
    keys = ("article:published_time", "datepublished", "date", "dc.date.issued")
    values = [metas[key] for key in keys if key in metas]
    values.extend(_json_ld_values(soup, "datePublished"))
    for scope in (soup.find("article"), soup):
        if isinstance(scope, Tag | BeautifulSoup):
            stamp = scope.find("time", datetime=True)
            if isinstance(stamp, Tag):
                values.append(str(stamp["datetime"]))
    for value in values:
        try:
            moment = parse_iso(value)
        except ValueError:
            continue
        if moment is not None:
            return moment
    return None


def _url_date(url: str) -> datetime | None:
    match = _URL_DATE.search(urlsplit(url).path)
    if not match:
        return None
    try:
        return datetime(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def _html_title(soup: BeautifulSoup, metas: dict[str, str]) -> str | None:
    if metas.get("og:title"):
        return clean_or_none(metas["og:title"])
    heading = soup.find(class_=("entry-title", "post-title")) or soup.find("h1")
    if isinstance(heading, Tag):
        return clean_or_none(heading.get_text(" "))
    return clean_or_none(soup.title.get_text(" ")) if soup.title else None


def _html_author(soup: BeautifulSoup, metas: dict[str, str]) -> str | None:
    if metas.get("author"):
        return clean_or_none(metas["author"])
    for value in _json_ld_values(soup, "author"):
        return clean_or_none(value)
    node = soup.find(rel="author") or soup.find(class_=("author-name", "p-author", "fn"))
    return clean_or_none(node.get_text(" ")) if isinstance(node, Tag) else None


def _json_ld_values(soup: BeautifulSoup, key: str) -> list[str]:
    """String values of ``key`` in the page's JSON-LD (a name for author objects)."""
    found: list[str] = []
    for script in soup.find_all("script", type="application/ld+json"):
        try:
            data = json.loads(script.string or "")
        except (ValueError, TypeError, RecursionError):
            continue
        stack = [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                value = item.get(key)
                if isinstance(value, str):
                    found.append(value)
                elif isinstance(value, dict) and isinstance(value.get("name"), str):
                    found.append(value["name"])
                elif isinstance(value, list):
                    found.extend(
                        v["name"] for v in value if isinstance(v, dict) and isinstance(v.get("name"), str)
                    )
                stack.extend(v for v in item.values() if isinstance(v, dict | list))
    return found
