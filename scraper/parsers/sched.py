"""Sched (sched.com, formerly sched.org): HTML views and the API session export.

Sched's ``all.ics`` is iCalendar and belongs to the ``ical`` parser; this one never
claims it.
"""

from __future__ import annotations

import re
from typing import ClassVar
from urllib.parse import urlsplit

from scraper.models import Document, ParseResult
from scraper.parsers import markup, register, sched_csv, sched_html

_HTML_MARKERS = re.compile(
    r"sched-container|list-single__|sched-content-inner|sched-event-details|class=[\"']?list-simple"
)
_JSON_MARKERS = ('"event_key"', '"event_start"')


def _marked(low: str) -> bool:
    """Whether a lowercased page head carries Sched's markup.

    Every marker starts with "sched-" or holds "list-si" at most 7 characters in
    ("class='list-simple"): C-speed finds skip to where the regex can match.
    """
    at = low.find("sched-")
    if at >= 0 and _HTML_MARKERS.search(low, at):
        return True
    at = low.find("list-si")
    return at >= 0 and _HTML_MARKERS.search(low, max(0, at - 7)) is not None


def _sched_host(url: str | None) -> bool:
    host = urlsplit(url or "").hostname or ""
    return host.endswith((".sched.com", ".sched.org")) or host in ("sched.com", "sched.org")


def _export_url(url: str | None) -> str | None:
    """'csv' or 'json' for an api/session/list URL, else None."""
    parts = urlsplit(url or "")
    if "/api/session/list" not in parts.path:
        return None
    return "json" if "format=json" in parts.query else "csv"


@register
class SchedParser:
    name: ClassVar[str] = "sched"
    description: ClassVar[str] = (
        "sched.com / sched.org list views, grid, /event/ID pages, and the api/session/list CSV/JSON export"
    )

    def detect(self, doc: Document) -> float:
        start = doc.text[:4096].lstrip("\ufeff \t\r\n")
        if start.upper().startswith("BEGIN:VCALENDAR"):
            return 0.0  # all.ics: the ical parser's
        on_sched = _sched_host(doc.url) or _sched_host(doc.base_url)
        first_line = start.split("\n", 1)[0]
        if sched_csv.header_matches(first_line):
            return 0.95
        if start.startswith(("[", "{")) and all(m in doc.text[:65536] for m in _JSON_MARKERS):
            return 0.9
        if _export_url(doc.url) and doc.media_type in ("text/csv", "application/json", ""):
            return 0.6
        if not markup.looks_like_html(doc):
            return 0.0
        marked = _marked(markup.head(doc, 256 * 1024))
        if marked and on_sched:
            return 0.95
        if marked:
            return 0.85
        return 0.55 if on_sched else 0.0

    def parse(self, doc: Document) -> ParseResult:
        start = doc.text[:4096].lstrip("\ufeff \t\r\n")
        if start.startswith(("[", "{")):
            return sched_csv.parse_json(doc, self.name)
        if start.startswith("<") or markup.looks_like_html(doc):
            return sched_html.parse_html(doc, self.name)
        if not start:
            return sched_html.parse_html(doc, self.name)  # says the page is empty
        return sched_csv.parse_csv(doc, self.name)
