"""Sched HTML pages: list views, the grid and single /event/ID pages, 2012 markup and today's.

One compiled XPath collects, in document order, the nodes that matter (day and
time-slot headings, event anchors, detail blocks); a linear scan then gives each detail
to the session anchor before it. Per-node Python work stays small, which is what keeps
list pages of thousands of sessions fast (DESIGN.md section 8).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit, urlunsplit

import lxml.etree
import lxml.html

from scraper.models import Document, ParseResult, Session, stable_uid
from scraper.parsers import datetext, markup
from scraper.text import clean, split_people, split_title_speakers
from scraper.timeparse import zone_name
from scraper.timewords import scan_dates

log = logging.getLogger(__name__)

#: /event/ID with an optional slug; ids are 32 hex digits (2012) or short (today).
EVENT_PATH = re.compile(r"(?:^|/)event/([A-Za-z0-9]{3,40})(?:/|$|[?#])")
_HEADING_TAGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6", "th", "td", "dt"))
_HEADING_WORDS = ("date", "day", "header", "time")
_WHEN_CLASSES = frozenset(("sched-event-details-timeandplace", "list-single__date", "sched-container-dates"))
_NODES = lxml.etree.XPath(
    ".//h1|.//h2|.//h3|.//h4|.//h5|.//h6|.//th|.//td[not(.//a)]|.//a[contains(@href,'event/')]"
    "|.//*[@class and (contains(@class,'sched-') or contains(@class,'list-single__')"
    " or contains(@class,'tip-description') or contains(@class,'date') or contains(@class,'day')"
    " or contains(@class,'header') or contains(@class,'time'))]"
)


@dataclass
class _Draft:
    """A session being assembled while the scan walks the page."""

    uid: str
    url: str | None
    title: str = ""
    heading: str = ""  # the .session-title text, when the anchor has one
    day: date | None = None
    slot: str = ""
    when: str = ""
    room: str | None = None
    track: str | None = None
    description: str | None = None
    speakers: list[str] = field(default_factory=list)


@dataclass
class _Scan:
    """Where the scan is: the day and time-slot headings seen last, and what it found."""

    year: int | None
    day: date | None = None
    slot: str = ""
    drafts: list[_Draft] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)


def event_id(href: str | None) -> str | None:
    """The session id in a Sched /event/ID URL, or None."""
    if not href:
        return None
    match = EVENT_PATH.search(urlsplit(href).path or href)
    return match.group(1) if match else None


def canonical(base: str, href: str) -> str | None:
    """The session URL: the site's origin + /event/ID[/slug], without fragment.

    List pages write relative hrefs ("event/ID/slug") under /list/ that belong at the
    site root, so the path is cut back to its /event/ part.
    """
    joined = markup.absolute(base, href)
    if joined is None:
        return None
    parts = urlsplit(joined)
    at = parts.path.find("/event/")
    return urlunsplit((parts.scheme, parts.netloc, parts.path[at:] if at >= 0 else parts.path, "", ""))


def parse_html(doc: Document, parser: str) -> ParseResult:
    """Sessions and /event/ links of one Sched HTML page."""
    root = markup.load(doc, parser)
    base = markup.base_url(doc, root)
    result = ParseResult(parser=parser, event_name=_event_name(root))
    scan = _Scan(year=_reference_year(doc, root))
    content = root.get_element_by_id("sched-content-inner", None)
    _walk(content if content is not None else root, base, scan)
    _keep_single(doc, root, base, scan)
    companies = _companies_given(scan.drafts)
    for draft in scan.drafts:
        session = _finish(draft, doc, scan.year, result, companies)
        if session is not None:
            session.event = result.event_name
            result.sessions.append(session)
    result.links = scan.links
    if not result.sessions:
        result.warnings.append(f"{doc.url}: no Sched sessions found on this page")
    elif not any(s.start for s in result.sessions):
        result.warnings.append(f"{doc.url}: no dated time slots found; sessions have no times")
    return result


def _walk(root: lxml.html.HtmlElement, base: str, scan: _Scan) -> None:
    current: _Draft | None = None
    for node in markup.select(_NODES, root):
        tag = node.tag if isinstance(node.tag, str) else ""
        found = node.get("class") or ""
        tokens = set(found.split())
        href = node.get("href") if tag == "a" else None
        uid = event_id(href)
        if uid is not None and href is not None:
            url = canonical(base, href)
            if url and url not in scan.links:
                scan.links.append(url)
            if _is_session_anchor(node, tokens) and uid not in scan.seen:
                scan.seen.add(uid)
                current = _Draft(uid, url, markup.text_of(node), _session_title(node), scan.day, scan.slot)
                scan.drafts.append(current)
            continue
        if current is not None and _take_detail(node, tokens, current):
            continue
        headed = tag in _HEADING_TAGS or any(word in found for word in _HEADING_WORDS)
        if headed and _take_heading(node, scan):
            current = None  # details after a new heading belong to the next session


def _is_session_anchor(node: lxml.html.HtmlElement, tokens: set[str]) -> bool:
    if "name" in tokens:
        return True
    parent = node.getparent()
    above = set((parent.get("class") or "").split()) if parent is not None else set()
    return "event" in above or "list-single__event" in above


def _session_title(anchor: lxml.html.HtmlElement) -> str:
    for sub in anchor.iter():
        if "session-title" in (sub.get("class") or ""):
            return markup.text_of(sub)
    return ""


def _link_text(node: lxml.html.HtmlElement) -> str | None:
    link = node.find(".//a")
    return markup.text_of(link if link is not None else node) or None


def _take_detail(node: lxml.html.HtmlElement, tokens: set[str], draft: _Draft) -> bool:
    """Give a detail block to the session it follows; False when ``node`` is no detail."""
    if "tip-description" in tokens:
        draft.description = markup.block_text(node) or draft.description
    elif tokens & _WHEN_CLASSES:
        draft.when = _when_text(node)
        if "sched-event-details-timeandplace" in tokens and node.find(".//a") is not None:
            draft.room = _link_text(node) or draft.room
    elif "list-single__location" in tokens:
        draft.room = _link_text(node)
    elif "sched-event-type" in tokens:
        draft.track = _link_text(node)
    elif "sched-person-session" in tokens:
        name = node.find(".//h2//a")
        if name is None:
            name = node.find(".//h2")
        text = markup.text_of(name if name is not None else node)
        if text and text not in draft.speakers:
            draft.speakers.append(text)
    else:
        return False
    return True


def _when_text(node: lxml.html.HtmlElement) -> str:
    """The date-and-time line: the text before the room link or the first line break."""
    pieces = [node.text or ""]
    for child in node:
        if child.tag == "a" or (child.tag == "br" and any(p.strip() for p in pieces)):
            break
        pieces.append(child.text_content())
        pieces.append(child.tail or "")
    return clean(" ".join(pieces).replace("\u2022", " "))


def _take_heading(node: lxml.html.HtmlElement, scan: _Scan) -> bool:
    text = markup.text_of(node)
    if not text or len(text) > 80:
        return False
    if datetext.is_clock_only(text):
        scan.slot = text
        return True
    span = datetext.when(text, scan.year)
    if span is None or not span.has_date or span.day is None:
        return False
    scan.day = span.day
    scan.slot = text if span.has_time else ""
    return True


def _keep_single(doc: Document, root: lxml.html.HtmlElement, base: str, scan: _Scan) -> None:
    """On a session page (/event/ID) keep that one session; other event links are to follow."""
    page_uid = event_id(doc.url) or event_id(doc.base_url)
    own = [d for d in scan.drafts if d.uid == page_uid]
    holders = root.find_class("list-single__event")
    if own:
        scan.drafts[:] = own
        return
    if page_uid is None and not holders:
        return
    if scan.drafts:
        scan.drafts[:] = scan.drafts[:1]
        return
    # An older session page whose title (".name" in ".event") is no link.
    if not holders:
        holders = [e for e in root.find_class("event") if e.find_class("name")]
    if not holders:
        return
    names = holders[0].find_class("name")
    draft = _Draft(page_uid or "", canonical(base, doc.url) if page_uid else None)
    draft.title = markup.text_of(names[0] if names else holders[0])
    scan.drafts.append(draft)
    for node in markup.select(_NODES, root):
        _take_detail(node, set((node.get("class") or "").split()), draft)


def _reference_year(doc: Document, root: lxml.html.HtmlElement) -> int | None:
    """The year for dates written without one: the hint, a dated line, the title, the fetch."""
    if doc.year:
        return doc.year
    for name in sorted(_WHEN_CLASSES):
        for node in root.find_class(name):
            for words in scan_dates(markup.text_of(node)):
                if words.year:
                    return words.year
    found = markup.year_in(markup.title_of(root))
    if found:
        return found
    return doc.fetched_at.year if doc.fetched_at else None


def _event_name(root: lxml.html.HtmlElement) -> str | None:
    """og:site_name, the page header, or the title ("EVENT: Schedule", "SESSION - EVENT")."""
    name = markup.meta(root, "og:site_name")
    if name:
        return name
    header = root.get_element_by_id("sched-page-title", None)
    if header is not None and markup.text_of(header):
        return markup.text_of(header)
    title = markup.title_of(root)
    if ": " in title:
        return title.split(": ", 1)[0].strip() or None
    return title.rsplit(" - ", 1)[-1].strip() or None


def _finish(
    draft: _Draft, doc: Document, year: int | None, result: ParseResult, companies: bool
) -> Session | None:
    title, speakers = _title_and_speakers(draft.title, draft.speakers, companies)
    if draft.heading and title != draft.heading:
        title, speakers = draft.heading, draft.speakers  # the tail was no list of people
    if not title:
        return None
    span = datetext.when(draft.when, year) if draft.when else None
    if (span is None or span.local_start is None) and draft.slot and draft.day is not None:
        span = datetext.when(draft.slot, year, draft.day)
    start = end = None
    if span is not None and span.local_start is not None:
        start, end = datetext.place(span, doc.timezone)
        written = datetext.zone_word(draft.when or draft.slot)
        if doc.timezone and datetext.disagrees(start, written) and start is not None:
            note = (
                f"{doc.url}: the page says {written}, but {doc.timezone} is UTC{start:%z} on {start:%Y-%m-%d}"
            )
            if note not in result.warnings:
                result.warnings.append(note)
        if start is None and f"{doc.url}: no time zone" not in " ".join(result.warnings):
            result.warnings.append(f"{doc.url}: no time zone configured or written; pass --timezone")
    return Session(
        title=title,
        uid=draft.uid or stable_uid(doc.url, title),
        speakers=speakers,
        start=start,
        end=end,
        timezone=zone_name(start, doc.timezone) if start else doc.timezone,
        room=draft.room,
        track=draft.track,
        url=draft.url,
        description=draft.description,
    )


def _title_and_speakers(text: str, known: list[str], companies: bool = False) -> tuple[str, list[str]]:
    """"TITLE - NAME, COMPANY & NAME" -> (TITLE, names); speaker blocks on the page win.

    ``companies``: the page names speakers with their company; a tail without one is
    then part of the title ("Design Summit - Nova Scheduler").
    """
    title, names = split_title_speakers(text, split_people)
    if known:
        if names and all(any(n in k or k in n for k in known) for n in names):
            return title, list(known)
        return clean(text), list(known)
    if names and companies and "," not in clean(text)[len(title) :]:
        return clean(text), []
    return title, names


def _companies_given(drafts: list[_Draft]) -> bool:
    """True when at least two thirds (and two or more) of the speaker tails carry a company."""
    tails = []
    for draft in drafts:
        title, names = split_title_speakers(draft.title, split_people)
        if names:
            tails.append("," in clean(draft.title)[len(title) :])
    return len(tails) >= 2 and sum(tails) * 3 >= len(tails) * 2
