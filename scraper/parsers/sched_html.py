"""Sched HTML pages: list views, the grid and single /event/ID pages, 2012 markup and today's.

One pass over the tree (``root.iter()`` with string tests: several times faster than an
XPath union here) meets, in document order, the day and time-slot headings, the event
anchors and their detail blocks; each detail goes to the session anchor before it.
Per-node Python work is kept to a few string tests, which is what keeps list pages of
thousands of sessions fast (DESIGN.md section 8).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from scraper.models import Document, ParseResult, Session, stable_uid
from scraper.parsers import datetext, markup, sched_urls
from scraper.parsers.people import split_title
from scraper.timeparse import zone_name
from scraper.timewords import scan_dates

log = logging.getLogger(__name__)

_HEADING_TAGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6", "th", "td", "dt"))
_HEADING = re.compile(r"date|day|header|time")


@dataclass(slots=True)
class _Draft:
    """A session being assembled while the scan walks the page."""

    uid: str
    url: str | None
    text: str = ""  # the anchor's text: "TITLE - SPEAKER, COMPANY"
    heading: str = ""  # the .session-title text, when the anchor has one
    day: str = ""  # the day heading in force
    slot: str = ""  # the time-slot heading in force
    when: str = ""  # the session's own date-and-time line
    room: str | None = None
    track: str | None = None
    description: str | None = None
    speakers: list[str] = field(default_factory=list)


@dataclass
class _Scan:
    """What the pass has seen: headings in force, sessions, links, a year written anywhere."""

    day: str = ""
    slot: str = ""
    year: int | None = None
    single: bool = False  # a .list-single__event block: today's session page
    drafts: list[_Draft] = field(default_factory=list)
    links: dict[str, None] = field(default_factory=dict)  # ordered set
    seen: set[str] = field(default_factory=set)


def parse_html(doc: Document, parser: str) -> ParseResult:
    """Sessions and /event/ links of one Sched HTML page."""
    root = markup.load(doc, parser)
    base = markup.base_url(doc, root)
    result = ParseResult(parser=parser, event_name=_event_name(root))
    scan = _Scan()
    content = markup.by_id(root, "sched-content-inner")
    _walk(content if content is not None else root, base, scan)
    _keep_single(doc, root, base, scan)
    year = doc.year or scan.year or markup.year_in(markup.title_of(root))
    year = year or (doc.fetched_at.year if doc.fetched_at else None)
    splits = [_split(draft) for draft in scan.drafts]
    companies = _companies_given(splits)
    times: dict[tuple[str, str, str], tuple[datetime | None, datetime | None]] = {}
    for draft, (title, names, tail) in zip(scan.drafts, splits, strict=True):
        if names and companies and "," not in tail:
            title, names = draft.text, []  # "Design Summit - Nova Scheduler" names nobody
        session = _finish(draft, title, draft.speakers or names, doc, year, result, times)
        if session is not None:
            session.event = result.event_name
            result.sessions.append(session)
    result.links = list(scan.links)
    if not result.sessions:
        result.warnings.append(f"{doc.url}: no Sched sessions found on this page")
    elif not any(s.start for s in result.sessions):
        result.warnings.append(f"{doc.url}: no dated time slots found; sessions have no times")
    log.debug("%s: %d sessions, %d event links", doc.url, len(result.sessions), len(result.links))
    return result


def _walk(root: markup.Element, base: str, scan: _Scan) -> None:
    origin = sched_urls.origin(base)
    current: _Draft | None = None
    # What a class attribute means, decided once per distinct value: pages repeat a few
    # dozen class strings thousands of times.
    kinds: dict[str, tuple[Callable[[markup.Element, _Draft], None] | None, bool]] = {}
    for node in root.iter():
        tag = node.tag
        found = node.get("class")
        if tag == "a":
            href = str(node.get("href") or "")
            link = sched_urls.session_link(origin, base, href) if "event/" in href else None
            if link is None:
                continue
            uid, url = link
            if url:
                scan.links[url] = None
            if uid not in scan.seen and _is_session_anchor(node, str(found or "")):
                scan.seen.add(uid)
                current = _Draft(uid, url, markup.text_of(node), _session_title(node), scan.day, scan.slot)
                scan.drafts.append(current)
            continue
        if found is None:
            if tag in _HEADING_TAGS and _take_heading(node, scan):
                current = None
            continue
        kind = kinds.get(found)
        if kind is None:
            kind = kinds[found] = _kind(found)
            scan.single = scan.single or "list-single__event" in found
        handler, headed = kind
        if handler is not None:
            if current is not None:
                handler(node, current)
                if current.when and scan.year is None:
                    scan.year = _year_in(current.when)
            continue
        if (headed or tag in _HEADING_TAGS) and _take_heading(node, scan):
            current = None  # details after a new heading belong to the next session


def _kind(found: str) -> tuple[Callable[[markup.Element, _Draft], None] | None, bool]:
    """(the detail handler for this class attribute, or None; whether it may be a heading)."""
    for token in found.split():
        handler = _DETAILS.get(token)
        if handler is not None:
            return handler, False
    return None, _HEADING.search(found) is not None


def _year_in(text: str) -> int | None:
    for words in scan_dates(text):
        if words.year:
            return words.year
    return None


def _is_session_anchor(node: markup.Element, found: str) -> bool:
    if "name" in found.split():
        return True
    parent = node.getparent()
    above = (parent.get("class") or "").split() if parent is not None else []
    return "event" in above or "list-single__event" in above


def _session_title(anchor: markup.Element) -> str:
    if not len(anchor):
        return ""
    for sub in anchor.iterdescendants():
        if "session-title" in (sub.get("class") or ""):
            return markup.text_of(sub)
    return ""


def _link_text(node: markup.Element) -> str | None:
    link = next(node.iterdescendants("a"), None)
    return markup.text_of(link if link is not None else node) or None


def _description(node: markup.Element, draft: _Draft) -> None:
    draft.description = markup.block_text(node) or draft.description


def _when(node: markup.Element, draft: _Draft) -> None:
    draft.when = _when_text(node)


def _time_and_place(node: markup.Element, draft: _Draft) -> None:
    draft.when = _when_text(node)
    link = next(node.iterdescendants("a"), None)
    if link is not None:
        draft.room = markup.text_of(link) or draft.room


def _location(node: markup.Element, draft: _Draft) -> None:
    draft.room = _link_text(node)


def _track(node: markup.Element, draft: _Draft) -> None:
    draft.track = _link_text(node)


def _person(node: markup.Element, draft: _Draft) -> None:
    name = node.find(".//h2//a")
    if name is None:
        name = node.find(".//h2")
    text = markup.text_of(name if name is not None else node)
    if text and text not in draft.speakers:
        draft.speakers.append(text)


#: Detail blocks by class, each filling one part of the session it follows.
_DETAILS: dict[str, Callable[[markup.Element, _Draft], None]] = {
    "tip-description": _description,
    "sched-event-details-timeandplace": _time_and_place,
    "list-single__date": _when,
    "sched-container-dates": _when,
    "list-single__location": _location,
    "sched-event-type": _track,
    "sched-person-session": _person,
}


def _when_text(node: markup.Element) -> str:
    """The date-and-time line: the text before the room link or the first line break."""
    text = node.text
    first = node[0] if len(node) else None
    if text and text.strip() and (first is None or first.tag in ("br", "a")):
        return markup.squeeze(text.replace("\u2022", " "))  # the usual "LINE<br><a>ROOM</a>"
    pieces = [text or ""]
    for child in node:
        if child.tag == "a" or (child.tag == "br" and any(p.strip() for p in pieces)):
            break
        pieces.append(markup.text_of(child))
        pieces.append(child.tail or "")
    return markup.squeeze(" ".join(pieces).replace("\u2022", " "))


def _take_heading(node: markup.Element, scan: _Scan) -> bool:
    text = markup.text_of(node)
    if not text or len(text) > 80 or not any(ch.isdigit() for ch in text):
        return False
    if datetext.is_clock_only(text):
        scan.slot = text
        return True
    span = datetext.when(text, None)
    if span is None or not span.has_date:
        return False
    scan.day = text
    scan.slot = text if span.has_time else ""
    return True


def _keep_single(doc: Document, root: markup.Element, base: str, scan: _Scan) -> None:
    """On a session page (/event/ID) keep that one session; other event links are to follow."""
    page_uid = sched_urls.event_id(doc.url) or sched_urls.event_id(doc.base_url)
    own = [d for d in scan.drafts if d.uid == page_uid]
    if own:
        scan.drafts[:] = own
        return
    if scan.drafts:
        if page_uid is not None or scan.single:
            scan.drafts[:] = scan.drafts[:1]
        return
    # No session links at all, but a ".name" in an ".event": an older session page
    # whose title is no link (its id is in the page URL, when that is known).
    holders = [e for e in markup.find_class(root, "event") if markup.find_class(e, "name")]
    if not holders:
        return
    draft = _Draft(page_uid or "", sched_urls.canonical(base, doc.url) if page_uid else None)
    draft.text = markup.text_of(markup.find_class(holders[0], "name")[0])
    scan.drafts.append(draft)
    for node in root.iter():
        found = node.get("class")
        handler = _kind(str(found))[0] if found else None
        if handler is not None:  # a detail block: give it to the one session
            handler(node, draft)
    scan.year = scan.year or _year_in(draft.when)


def _event_name(root: markup.Element) -> str | None:
    """og:site_name, the page header, or the title ("EVENT: Schedule", "SESSION - EVENT")."""
    name = markup.meta(root, "og:site_name")
    if name:
        return name
    header = markup.by_id(root, "sched-page-title")
    if header is not None and markup.text_of(header):
        return markup.text_of(header)
    title = markup.title_of(root)
    if ": " in title:
        return title.split(": ", 1)[0].strip() or None
    return title.rsplit(" - ", 1)[-1].strip() or None


def _split(draft: _Draft) -> tuple[str, list[str], str]:
    """(title, names from the anchor, the tail they came from)."""
    title, names, tail = split_title(draft.text)
    if draft.heading and title != draft.heading:
        return draft.heading, [], ""  # what follows .session-title is no list of people
    if draft.speakers and not all(any(n in k or k in n for k in draft.speakers) for n in names):
        return draft.text, [], ""  # the page's speaker blocks name others: the dash is the title's
    return title, names, tail


def _companies_given(splits: list[tuple[str, list[str], str]]) -> bool:
    """True when two or more speaker tails, and at least two thirds of them, carry a company.

    Such a page names every speaker with a company, so a tail without one ("Design
    Summit - Nova Scheduler") is part of the title.
    """
    tails = [("," in tail) for _title, names, tail in splits if names]
    return len(tails) >= 2 and sum(tails) * 3 >= len(tails) * 2


def _finish(
    draft: _Draft,
    title: str,
    speakers: list[str],
    doc: Document,
    year: int | None,
    result: ParseResult,
    times: dict[tuple[str, str, str], tuple[datetime | None, datetime | None]],
) -> Session | None:
    if not title:
        return None
    key = (draft.when, draft.slot, draft.day)
    if key not in times:  # sessions of one slot share their times: resolve once
        times[key] = _times(draft, doc, year, result)
    start, end = times[key]
    return Session(
        title=title,
        uid=draft.uid or stable_uid(doc.url, title),
        speakers=list(speakers),
        start=start,
        end=end,
        timezone=zone_name(start, doc.timezone) if start else doc.timezone,
        room=draft.room,
        track=draft.track,
        url=draft.url,
        description=draft.description,
    )


def _times(
    draft: _Draft, doc: Document, year: int | None, result: ParseResult
) -> tuple[datetime | None, datetime | None]:
    span = datetext.when(draft.when, year) if draft.when else None
    if (span is None or span.local_start is None) and draft.slot:
        day = datetext.day_of(draft.day, year) if draft.day else None
        span = datetext.when(draft.slot, year, day) if day else None
    if span is None or span.local_start is None:
        return None, None
    start, end = datetext.place(span, doc.timezone)
    _check_zone(draft, start, doc, result)
    return start, end


def _check_zone(draft: _Draft, start: datetime | None, doc: Document, result: ParseResult) -> None:
    """Warn once per zone when the page's abbreviation disagrees with the configured zone."""
    written = datetext.zone_word(draft.when or draft.slot)
    if start is None:
        note = f"{doc.url}: no time zone configured or written on the page; pass --timezone"
    elif doc.timezone and datetext.disagrees(start, written):
        note = f"{doc.url}: the page says {written}, but the times are placed in {doc.timezone}"
    else:
        return
    if note not in result.warnings:
        result.warnings.append(note)
