"""lxml helpers shared by the HTML parsers: loading within bounds, text, URLs, years.

Large schedule pages go through lxml directly (DESIGN.md section 8: BeautifulSoup is
about 20x slower). Trees are plain ``lxml.etree`` elements from libxml2's HTML parser:
``lxml.html`` builds the same tree but calls back into Python for every element it
hands out, which doubles the cost of a walk over a big page.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import TypeAlias
from urllib.parse import urljoin, urlsplit, urlunsplit

import lxml.etree

from scraper.errors import ParseError
from scraper.models import Document

Element: TypeAlias = lxml.etree._Element

#: Pages above this many characters are refused: lxml needs several times the page
#: size in memory, and no real schedule page comes near it.
MAX_HTML_CHARS = 24 * 1024 * 1024
#: How much of a page ``detect`` looks at.
HEAD_CHARS = 64 * 1024

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_BLOCK_TAGS = frozenset(
    "p div br li ul ol tr table section article h1 h2 h3 h4 h5 h6 blockquote pre dd dt".split()  # noqa: SIM905
)
_SKIPPED = frozenset(("script", "style", "template", "noscript"))
_BY_ID = lxml.etree.XPath("(.//*[@id=$ident])[1]")
_ID_INDEX = lxml.etree.XPath("id($ident)")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


def too_large(doc: Document) -> bool:
    """True when the page is over :data:`MAX_HTML_CHARS`."""
    return len(doc.text) > MAX_HTML_CHARS


# The tree the crawl's link reader parsed, kept for the parser that reads the same page next.
_shared: tuple[Document | None, Element | None] = (None, None)


def load_to_share(doc: Document) -> Element:
    """:func:`load` for a reader that only looks (the crawl's links): the tree is then handed
    to the next :func:`load` of the same document, so the page is parsed once, not twice."""
    global _shared
    root = load(doc, "links")
    _shared = (doc, root)
    return root


def load(doc: Document, parser: str) -> Element:
    """The page as an lxml tree; ParseError when it is too large or empty."""
    global _shared
    shared_doc, shared_root = _shared  # one tuple read: another thread may swap it
    if shared_doc is doc and shared_root is not None:
        _shared = (None, None)  # handed over once: a parser may change its tree
        return shared_root
    if too_large(doc):
        raise ParseError(
            f"{doc.url}: page is {len(doc.text) / 1e6:.0f} MB, over the {MAX_HTML_CHARS // 2**20} MiB "
            f"limit of the {parser} parser",
            hint="this is not a schedule page; check the URL",
        )
    # lxml refuses str input that carries its own encoding declaration
    text = doc.text
    declaration = _XML_DECLARATION.match(text)
    if declaration:
        text = text[declaration.end() :]
    if not text or text.isspace():
        raise ParseError(f"{doc.url}: the page is empty", hint="check the URL or the saved file")
    # A parser per call: lxml parsers must not be shared between threads.
    html_parser = lxml.etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)
    try:
        root = lxml.etree.fromstring(text, html_parser)
    except (lxml.etree.XMLSyntaxError, ValueError) as exc:
        raise ParseError(f"{doc.url}: not parseable as HTML: {exc}", hint="check the page") from exc
    if root is None:
        raise ParseError(f"{doc.url}: no HTML elements in the page", hint="check the URL or the saved file")
    return root


def fragment(text: str) -> Element | None:
    """An HTML fragment (a description written in HTML) as a <div>; None when unparseable."""
    try:
        root = lxml.etree.fromstring(f"<div>{text}</div>", lxml.etree.HTMLParser(no_network=True))
    except (lxml.etree.XMLSyntaxError, ValueError):
        return None
    return root.find(".//body/div") if root is not None else None


#: How much of the last document :func:`head` keeps lowercased (the most any detect reads).
LOWERED_CHARS = 1024 * 1024
_lowered: tuple[Document | None, str] = (None, "")


def head(doc: Document, size: int = HEAD_CHARS) -> str:
    """The first ``size`` characters, lowercased, for cheap detection.

    Every parser's detect asks this of the same document in turn, so the lowercased
    start of the last document is kept: a 480 KB page is lowercased once, not per parser.
    """
    global _lowered
    if size > LOWERED_CHARS:
        return doc.text[:size].lower()
    seen, lowered = _lowered  # one tuple read: safe if another thread swaps it meanwhile
    if seen is not doc:
        lowered = doc.text[:LOWERED_CHARS].lower()
        _lowered = (doc, lowered)
    return lowered[:size]


def looks_like_html(doc: Document) -> bool:
    """HTML by media type, or by the tags near the start of the text."""
    if doc.media_type in ("text/html", "application/xhtml+xml"):
        return True
    start = doc.text[:4096].lstrip("\ufeff \t\r\n").lower()
    return start.startswith("<") and any(tag in start for tag in ("<html", "<body", "<head", "<div"))


def squeeze(text: str) -> str:
    """Whitespace collapsed (NBSP too) and stripped, NFC; fast for ASCII text."""
    if text.isascii() and text[:1] != " " and text[-1:] != " " and not _loose(text):
        return text  # squeezed already, as most titles, rooms and description lines are
    value = " ".join(text.split())
    return value if value.isascii() else unicodedata.normalize("NFC", value)


def _loose(text: str) -> bool:
    """Whether ASCII ``text`` has whitespace other than lone spaces: what str.split acts on
    (spelled out: plain ``in`` scans beat a regex and any(<generator>) here)."""
    return (
        "  " in text or "\n" in text or "\t" in text or "\r" in text or "\v" in text or "\f" in text
        or "\x1c" in text or "\x1d" in text or "\x1e" in text or "\x1f" in text
    )  # fmt: skip


def text_of(element: Element) -> str:
    """All text inside ``element``, whitespace collapsed.

    lxml has already resolved the entities, so unlike :func:`scraper.text.clean` this
    does not unescape a second time (a title that shows "&amp;" keeps it).
    """
    if len(element) == 0:
        return squeeze(element.text or "")
    return squeeze(lxml.etree.tostring(element, method="text", encoding="unicode", with_tail=False))


def block_text(element: Element) -> str:
    """Text with line breaks kept where blocks and <br> break it (for descriptions)."""
    text = _block_parts(element, 0)
    if "\n" not in text:
        return squeeze(text)
    lines = (squeeze(line) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _block_parts(element: Element, depth: int) -> str:
    if depth > 100:  # absurd nesting: flatten the rest rather than recurse further
        return str(lxml.etree.tostring(element, method="text", encoding="unicode", with_tail=False))
    parts = [element.text or ""]
    for child in element:
        tag = child.tag
        block = tag in _BLOCK_TAGS
        if block:
            parts.append("\n")
        if tag not in _SKIPPED:
            if len(child):
                parts.append(_block_parts(child, depth + 1))
            elif child.text:
                parts.append(child.text)
        if block and tag != "br":
            parts.append("\n")
        if child.tail:
            parts.append(child.tail)
    return "".join(parts)


def walk(element: Element) -> Iterator[tuple[str, Element]]:
    """("start" | "end", node) for ``element`` and everything inside it, in document order."""
    for event, node in lxml.etree.iterwalk(element, events=("start", "end")):
        yield str(event), node


def classes(element: Element) -> list[str]:
    """The class tokens of ``element``."""
    return str(element.get("class") or "").split()


def find_class(root: Element, name: str) -> list[Element]:
    """Elements under ``root`` (itself included) whose class list holds ``name``."""
    return [node for node in root.iter() if name in classes(node)]


def by_id(root: Element, ident: str) -> Element | None:
    """The first element inside ``root`` with id ``ident``."""
    # libxml2 indexes an HTML page's ids as it parses: XPath id() is a hash lookup where the
    # path walks the whole tree (1 ms on a full schedule). The index also holds <a name> and
    # spans the whole document, so its answer stands only when it is the element sought.
    if ident and not any(ch.isspace() for ch in ident):
        indexed = _ID_INDEX(root, ident=ident)
        if isinstance(indexed, list) and indexed and isinstance(indexed[0], lxml.etree._Element):
            node = indexed[0]
            if node.get("id") == ident and any(up is root for up in node.iterancestors()):
                return node
    found = _BY_ID(root, ident=ident)
    return found[0] if isinstance(found, list) and found and isinstance(found[0], lxml.etree._Element) else None


def base_url(doc: Document, root: Element | None = None) -> str:
    """Where relative links resolve: the base-URL hint, else <base href>, else the page URL."""
    if doc.base_url:
        return doc.base_url
    if root is not None:
        for base in root.iterfind(".//head/base[@href]"):
            try:
                return urljoin(doc.url, str(base.get("href") or ""))
            except ValueError:  # a malformed <base href> ("http://[oops"): ignore it
                return doc.url
    return doc.url


def absolute(base: str, href: str | None, keep_fragment: bool = False) -> str | None:
    """``href`` resolved against ``base``; None for empty, javascript: and mailto: links."""
    if not href:
        return None
    value = href.strip()
    if not value or value.lower().startswith(("javascript:", "mailto:", "tel:", "data:")):
        return None
    try:
        joined = urljoin(base, value) if base else value
        if keep_fragment:
            return joined
        parts = urlsplit(joined)
    except ValueError:  # "http://[oops": not a URL anyone can follow
        return None
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))


def year_in(text: str) -> int | None:
    """The first plausible year (1990-2099) written in ``text``."""
    for match in _YEAR.finditer(text):
        year = int(match.group(1))
        if 1990 <= year <= 2099:
            return year
    return None


def title_of(root: Element) -> str:
    """The page's <title> text ('' when absent)."""
    node = root.find(".//title")
    return text_of(node) if node is not None else ""


def meta(root: Element, key: str) -> str | None:
    """The content of <meta name=key> or <meta property=key>."""
    for node in root.iterfind(".//meta"):
        if key in (node.get("name"), node.get("property")):
            value = squeeze(str(node.get("content") or ""))
            if value:
                return value
    return None
