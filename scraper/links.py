"""Links on a fetched page, for following: every <a href> of HTML, made absolute.

Link following must not depend on a parser understanding the page (an index page with
no sessions still leads to the pages that have them), so the crawl reads anchors here.
"""

from __future__ import annotations

import logging
from urllib.parse import urljoin

import lxml.etree
import lxml.html

from scraper.models import Document
from scraper.parsers.markup import looks_like_html

log = logging.getLogger(__name__)

def extract_links(doc: Document) -> list[str]:
    """Absolute http(s) URLs of the page's anchors, in order, without duplicates."""
    if not looks_like_html(doc) or not doc.text.strip():
        return []
    try:
        root = lxml.html.document_fromstring(doc.data)
    except (lxml.etree.ParserError, ValueError) as exc:
        log.debug("%s: no links read: %s", doc.url, exc)
        return []
    base = doc.base_url or doc.url
    found: dict[str, None] = {}
    for anchor in root.iter("a"):
        href = anchor.get("href")
        if not href:
            continue
        try:
            link = urljoin(base, href.strip())
        except ValueError:  # "http://[oops" and the like: not a link anyone can follow
            continue
        if link.startswith(("http://", "https://")):
            found[link] = None
    return list(found)
