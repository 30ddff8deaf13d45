"""Links on a fetched page, for following: every <a href> of HTML, made absolute.

Link following must not depend on a parser understanding the page (an index page with
no sessions still leads to the pages that have them), so the crawl reads anchors here.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html

from scraper.errors import ParseError
from scraper.models import Document
from scraper.parsers.markup import load_to_share, looks_like_html

log = logging.getLogger(__name__)

# Characters of a plain href; anything else (spaces, controls, backslashes, brackets,
# ';' parameters, non-ASCII) goes through urljoin.
_NOT_PLAIN = re.compile(r"[^A-Za-z0-9\-._~:/?#@!$&'()*+,=%]")

def extract_links(doc: Document) -> list[str]:
    """Absolute http(s) URLs of the page's anchors, in order, without duplicates."""
    if not looks_like_html(doc) or not doc.text.strip():
        return []
    try:
        root = load_to_share(doc)  # the parser that reads this page next reuses the tree
    except ParseError:  # past the parsers' size limit: lxml's own reader still finds the anchors
        try:
            root = lxml.html.document_fromstring(doc.data)
        except (lxml.etree.ParserError, ValueError) as exc:
            log.debug("%s: no links read: %s", doc.url, exc)
            return []
    base = doc.base_url or doc.url
    origin = _origin(base)
    found: dict[str, None] = {}
    for anchor in root.iter("a"):
        href = anchor.get("href")
        if not href:
            continue
        try:
            link = join(base, origin, href.strip())
        except ValueError:  # "http://[oops" and the like: not a link anyone can follow
            continue
        if link.startswith(("http://", "https://")):
            found[link] = None
    return list(found)


def join(base: str, origin: str | None, href: str) -> str:
    """``urljoin(base, href)``, by string work where the result is plain to see.

    A page has hundreds of anchors and urljoin costs ~18 us each (two-thirds of reading
    a page's links). An absolute http(s) href, or a path from the root of ``origin``
    (``base``'s scheme://netloc), with plain characters and no dot segments, joins to
    itself or to ``origin + href``; the rest goes to urljoin.
    """
    if "/." in href or _NOT_PLAIN.search(href) or href.endswith(("?", "#")) or "?#" in href:
        return urljoin(base, href)  # dot segments to resolve, odd characters, an empty query or fragment
    if href.startswith(("http://", "https://")):
        host = href[href.index("://") + 3 :][:1]
        return href if host and host not in "/?#" else urljoin(base, href)
    if origin is not None and href.startswith("/") and not href.startswith("//"):
        return origin + href
    return urljoin(base, href)


def _origin(base: str) -> str | None:
    try:
        parts = urlsplit(base)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc or _NOT_PLAIN.search(parts.netloc):
        return None
    return f"{parts.scheme}://{parts.netloc}"
