"""pretalx talk pages (``/EVENT/talk/CODE/``, live or from a static export).

A talk page carries no JSON-LD: the title is ``h3.talk-title``, its ``<small>`` reads
"03-18, 18:30–18:40 (US/Eastern), CGIS Concourse" (date without year, times, the zone
pretalx shows times in, the room), speakers are ``.pretalx-session-info .title``
("Name [Affiliation]"). Other pretalx pages (the schedule, speaker pages) are claimed too,
for their links to talk pages; their sessions come from the schedule exports.
"""

from __future__ import annotations

import re
from datetime import date
from typing import ClassVar
from urllib.parse import urlsplit

from scraper.models import Document, ParseResult, Session, stable_uid
from scraper.parsers import datetext, markup, register
from scraper.timeparse import localize

_GENERATOR = re.compile(r"<meta[^>]+(?:generator|application-name)[^>]+content=[\"']pretalx", re.IGNORECASE)
_TALK_PATH = re.compile(r"/talk/([A-Za-z0-9]{4,12})/?(?:$|[?#])")
_API_TALK = re.compile(r"^(?P<origin>https?://[^/]+)/api/events/(?P<event>[^/]+)/(?:talks|submissions)/(?P<code>\w+)")
_WHEN = re.compile(
    r"^(?P<date>.*?)[,\s]*(?P<times>\d{1,2}[:.]\d\d\s*(?:[ap]\.?m\.?)?\s*[-–—]\s*\d{1,2}[:.]\d\d\s*(?:[ap]\.?m\.?)?)"
    r"\s*(?:\((?P<zone>[^)]+)\))?[,\s]*(?P<room>.*)$",
    re.IGNORECASE,
)
_MONTH_DAY = re.compile(r"^(\d{1,2})[-/](\d{1,2})$")
_DAY_MONTH = re.compile(r"^(\d{1,2})\.(\d{1,2})\.?$")
_AFFILIATION = re.compile(r"\s*\[[^\]]*\]\s*$")
_NOT_TITLE = frozenset(("small", "button", "i", "script", "style"))


@register
class PretalxHtmlParser:
    name: ClassVar[str] = "pretalx_html"
    description: ClassVar[str] = "pretalx talk pages (/EVENT/talk/CODE/); other pretalx pages for their talk links"

    def detect(self, doc: Document) -> float:
        if not markup.looks_like_html(doc):
            return 0.0
        start = markup.head(doc)
        if "pretalx" not in start:  # the generator tag names it too: one find rules out most pages
            return 0.0
        if doc.text.find("talk-title", 0, 200_000) >= 0:  # no 200 KB copy to look
            return 0.9
        return 0.6 if _GENERATOR.search(start) else 0.0

    def parse(self, doc: Document) -> ParseResult:
        root = markup.load(doc, self.name)
        base = markup.base_url(doc, root)
        result = ParseResult(parser=self.name, event_name=_event_name(root))
        result.links = _talk_links(root, base)
        heading = next((h for h in markup.find_class(root, "talk-title")), None)
        if heading is None:
            result.warnings.append(f"{doc.url}: a pretalx page without a talk; follow its talk links")
            return result
        title = _title(heading)
        if not title:
            result.warnings.append(f"{doc.url}: the talk has no title")
            return result
        code, url = _identity(doc, root)
        session = Session(
            title=title,
            uid=code or stable_uid(doc.url, title),
            speakers=_speakers(root),
            url=url,
            description=_description(root),
            event=result.event_name,
        )
        small = heading.find(".//small")
        if small is not None:
            _place(session, markup.text_of(small), _year(doc, root, result.event_name), doc, result)
        result.sessions.append(session)
        return result


def _title(heading: markup.Element) -> str:
    """The heading's text without its buttons and the <small> line."""
    parts: list[str] = []
    skipping: markup.Element | None = None
    for event, node in markup.walk(heading):
        if skipping is not None:
            if event == "end" and node is skipping:
                skipping = None
                if node.tail:
                    parts.append(node.tail)
            continue
        if event == "start":
            if node is not heading and (str(node.tag) in _NOT_TITLE or "buttons" in markup.classes(node)):
                skipping = node
            elif node.text:
                parts.append(node.text)
        elif node is not heading and node.tail:
            parts.append(node.tail)
    return markup.squeeze(" ".join(parts))


def _place(session: Session, line: str, year: int | None, doc: Document, result: ParseResult) -> None:
    """Date, times, zone and room from the talk's "03-18, 18:30–18:40 (US/Eastern), Room" line."""
    match = _WHEN.match(line)
    if match is None:
        result.warnings.append(f"{doc.url}: unreadable time line {line[:60]!r}")
        return
    session.room = markup.squeeze(match["room"]).strip(" ,") or None
    day = _day(match["date"].strip(" ,"), year)
    if day is None:
        result.warnings.append(f"{doc.url}: no date (or no year) for {line[:60]!r}; pass the year")
        return
    span = datetext.when(match["times"], year, day)
    if span is None or span.local_start is None:
        return
    tz = datetext.zone_or_none((match["zone"] or "").strip()) or doc.timezone
    if tz is None:
        result.warnings.append(f"{doc.url}: no time zone on the page or configured; pass --timezone")
    session.start = localize(span.local_start, tz) if tz else span.local_start
    session.end = (localize(span.local_end, tz) if tz else span.local_end) if span.local_end else None
    session.timezone = tz


def _day(text: str, year: int | None) -> date | None:
    """ "03-18" (month-day, pretalx's short form), "18.03.", or anything timeparse reads."""
    for pattern, month_first in ((_MONTH_DAY, True), (_DAY_MONTH, False)):
        match = pattern.match(text)
        if match and year:
            first, second = int(match.group(1)), int(match.group(2))
            month, day = (first, second) if month_first and first <= 12 else (second, first)
            try:
                return date(year, month, day)
            except ValueError:
                return None
    return datetext.day_of(text, year) if text else None


def _year(doc: Document, root: markup.Element, event: str | None) -> int | None:
    """The hint, else the event's name ("GOOD 2025"), its URL slug, a dated line, the fetch."""
    if doc.year:
        return doc.year
    for text in (event or "", urlsplit(doc.url).path, markup.title_of(root)):
        found = markup.year_in(text)
        if found:
            return found
    footer = root.find(".//footer")
    if footer is not None:
        found = markup.year_in(markup.text_of(footer))
        if found:
            return found
    return doc.fetched_at.year if doc.fetched_at else None


def _event_name(root: markup.Element) -> str | None:
    header = root.find(".//header/h1")
    if header is not None and markup.text_of(header):
        return markup.text_of(header)
    parts = [p.strip() for p in markup.title_of(root).split("::")]
    return parts[1] if len(parts) >= 3 and parts[1] else None


def _identity(doc: Document, root: markup.Element) -> tuple[str | None, str | None]:
    """The talk's code and public URL: from the page URL, else the API link pretalx adds."""
    match = _TALK_PATH.search(urlsplit(doc.url).path + "/")
    if match and doc.url.startswith(("http://", "https://")):
        return match.group(1), markup.absolute(doc.url, doc.url)
    for link in root.iterfind(".//link[@rel='alternate']"):
        api = _API_TALK.match(str(link.get("href") or ""))
        if api:
            return api["code"], f"{api['origin']}/{api['event']}/talk/{api['code']}/"
    for link in root.iter("a"):
        found = _TALK_PATH.search(str(link.get("href") or "").replace(".ics", "/"))
        if found:
            return found.group(1), None
    return (match.group(1) if match else None), None


def _speakers(root: markup.Element) -> list[str]:
    names: list[str] = []
    for info in markup.find_class(root, "pretalx-session-info"):
        for block in markup.find_class(info, "title"):
            name = _AFFILIATION.sub("", markup.text_of(block)).strip()
            if name and name not in names:
                names.append(name)
    return names


def _description(root: markup.Element) -> str | None:
    parts: list[str] = []
    for section in root.iter("section"):
        if {"abstract", "description"} & set(markup.classes(section)):
            text = markup.block_text(section)
            if text:
                parts.append(text)
    return "\n\n".join(parts) or None


def _talk_links(root: markup.Element, base: str) -> list[str]:
    links: dict[str, None] = {}
    for anchor in root.iter("a"):
        href = str(anchor.get("href") or "")
        if "/talk/" in href and not href.endswith((".ics", ".json", ".xml")):
            url = markup.absolute(base, href)
            if url and _TALK_PATH.search(urlsplit(url).path):
                links[url] = None
    return list(links)
