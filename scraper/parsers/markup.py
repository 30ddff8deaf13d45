"""lxml helpers shared by the HTML parsers: loading within bounds, text, URLs, years.

Large schedule pages go through lxml.html directly (DESIGN.md section 8: BeautifulSoup
is about 20x slower), so these helpers stay thin and avoid per-node Python work.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit, urlunsplit

import lxml.etree
import lxml.html

from scraper.errors import ParseError
from scraper.models import Document
from scraper.text import clean

#: Pages above this many characters are refused: lxml needs several times the page
#: size in memory, and no real schedule page comes near it.
MAX_HTML_CHARS = 24 * 1024 * 1024
#: How much of a page ``detect`` looks at.
HEAD_CHARS = 64 * 1024

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "tr",
        "table",
        "section",
        "article",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "dd",
        "dt",
    ]
)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


def too_large(doc: Document) -> bool:
    """True when the page is over :data:`MAX_HTML_CHARS`."""
    return len(doc.text) > MAX_HTML_CHARS


def load(doc: Document, parser: str) -> lxml.html.HtmlElement:
    """The page as an lxml tree; ParseError when it is too large or not HTML at all."""
    if too_large(doc):
        raise ParseError(
            f"{doc.url}: page is {len(doc.text) / 1e6:.0f} MB, over the {MAX_HTML_CHARS // 2**20} MiB "
            f"limit of the {parser} parser",
            hint="this is not a schedule page; check the URL",
        )
    # lxml refuses str input that carries its own encoding declaration
    text = _XML_DECLARATION.sub("", doc.text, count=1)
    if not text.strip():
        raise ParseError(f"{doc.url}: the page is empty", hint="check the URL or the saved file")
    try:
        return lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise ParseError(f"{doc.url}: not parseable as HTML: {exc}", hint="check the page") from exc


def head(doc: Document, size: int = HEAD_CHARS) -> str:
    """The first ``size`` characters, lowercased, for cheap detection."""
    return doc.text[:size].lower()


def looks_like_html(doc: Document) -> bool:
    """HTML by media type, or by the tags near the start of the text."""
    if doc.media_type in ("text/html", "application/xhtml+xml"):
        return True
    start = doc.text[:4096].lstrip("\ufeff \t\r\n").lower()
    return start.startswith("<") and any(tag in start for tag in ("<html", "<body", "<head", "<div"))


def text_of(element: lxml.html.HtmlElement) -> str:
    """All text inside ``element``, entities resolved, whitespace collapsed."""
    return clean(element.text_content())


def block_text(element: lxml.html.HtmlElement) -> str:
    """Text with line breaks kept where blocks and <br> break it (for descriptions)."""
    parts: list[str] = []
    for event, node in lxml.etree.iterwalk(element, events=("start", "end")):
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in _BLOCK_TAGS:
            parts.append("\n")
        if event == "start":
            if node.text and tag and tag not in ("script", "style"):
                parts.append(node.text)
        elif node is not element and node.tail:
            parts.append(node.tail)
    lines = (clean(line) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def classes(element: lxml.html.HtmlElement) -> set[str]:
    """The class tokens of ``element``."""
    return set((element.get("class") or "").split())


def base_url(doc: Document, root: lxml.html.HtmlElement | None = None) -> str:
    """Where relative links resolve: the base-URL hint, else <base href>, else the page URL."""
    if doc.base_url:
        return doc.base_url
    if root is not None:
        for base in root.iterfind(".//head/base[@href]"):
            return urljoin(doc.url, str(base.get("href") or ""))
    return doc.url


def absolute(base: str, href: str | None, keep_fragment: bool = False) -> str | None:
    """``href`` resolved against ``base``; None for empty, javascript: and mailto: links."""
    if not href:
        return None
    value = href.strip()
    if not value or value.lower().startswith(("javascript:", "mailto:", "tel:", "data:")):
        return None
    joined = urljoin(base, value) if base else value
    if keep_fragment:
        return joined
    parts = urlsplit(joined)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))


def year_in(text: str) -> int | None:
    """The first plausible year (1990-2099) written in ``text``."""
    for match in _YEAR.finditer(text):
        year = int(match.group(1))
        if 1990 <= year <= 2099:
            return year
    return None


def select(query: lxml.etree.XPath, root: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """The elements a compiled XPath finds under ``root``, in document order."""
    found = query(root)
    if not isinstance(found, list):
        return []
    return [node for node in found if isinstance(node, lxml.html.HtmlElement)]


def title_of(root: lxml.html.HtmlElement) -> str:
    """The page's <title> text ('' when absent)."""
    node = root.find(".//title")
    return clean(node.text_content()) if node is not None else ""


def meta(root: lxml.html.HtmlElement, key: str) -> str | None:
    """The content of <meta name=key> or <meta property=key>."""
    for node in root.iterfind(".//meta"):
        if key in (node.get("name"), node.get("property")):
            value = clean(node.get("content"))
            if value:
                return value
    return None
