"""frab / c3voc ``schedule.xml``, pretalx's XML export, and Pentabarf-style variants.

The XML is read as a stream (``iterparse``) with entity expansion, DTD loading and the
network off, and each ``<event>`` is dropped once read, so memory stays bounded on
very large schedules. Old Pentabarf exports put events directly under a ``<day>`` (no
``<room>`` wrapper), give no ``<date>`` (only the day's date and an ``HH:MM`` start, where
times before the day's start belong to the next morning) and may list a single
``<person>`` without a ``<persons>`` wrapper.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from io import BytesIO
from typing import ClassVar

from lxml import etree

from scraper.models import Document, ParseResult, Session, stable_uid
from scraper.parsers import register
from scraper.parsers._feed import (
    Clock,
    absolute,
    failure,
    head,
    link_base,
    people,
    prose,
    refuse_entities,
    unique_uids,
    url_has,
)
from scraper.text import clean, clean_or_none
from scraper.timeparse import MAX_YEAR, MIN_YEAR, parse_duration, parse_iso

log = logging.getLogger(__name__)

_PROLOG = re.compile(
    r"(?:\s|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>)*<(?:[\w.\-]+:)?([A-Za-z_][\w.\-]*)", re.S
)
_ENCODING_DECL = re.compile(rb"^(\s*<\?xml[^>]*?)\s+encoding=(['\"])[^'\"]*\2")
_SIMPLE = frozenset(
    {"date", "start", "duration", "end", "room", "url", "title", "subtitle", "track", "abstract", "description"}
)


def root_name(text: str) -> str | None:
    """The local name of the first element of an XML text, skipping its prolog."""
    match = _PROLOG.match(text)
    return match.group(1) if match else None


@dataclass
class _Conference:
    """What ``<conference>`` says about every event."""

    title: str | None = None
    zone: str | None = None
    base_url: str | None = None
    day_change: time | None = None


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""  # comments and processing instructions
    return tag.rsplit("}", 1)[-1] if tag.startswith("{") else tag


def hhmm(text: str | None) -> time | None:
    match = re.match(r"^\s*(\d{1,2}):(\d{2})", text or "")
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        return None
    return time(int(match.group(1)), int(match.group(2)))


def xml_bytes(doc: Document) -> bytes:
    """The bytes to hand to the XML parser.

    Raw bytes keep their declared encoding; text re-encoded as UTF-8 must not claim
    another encoding in its declaration.
    """
    if doc.body:
        return doc.body
    return _ENCODING_DECL.sub(rb"\1", doc.text.encode("utf-8"), count=1)


def event_times(
    values: dict[str, str],
    day_date: str | None,
    day_start: str | None,
    day_change: time | None,
    clock: Clock,
    what: str,
    warnings: list[str],
) -> tuple[datetime | None, datetime | None]:
    """Start and end of a frab event (XML or JSON fields ``date, start, duration, end``).

    ``date`` is a full timestamp in current exports; Pentabarf gives only the day's date
    and an HH:MM ``start``, where times before the day's opening are after midnight.
    """
    start: datetime | None = None
    stamp = values.get("date", "").strip()
    if stamp and ("T" in stamp or " " in stamp):
        try:
            start = clock.place(parse_iso(stamp))
        except ValueError:
            warnings.append(f"{what}: bad date {stamp!r}")
    if start is None:
        start = _day_time(values.get("start"), day_date or stamp[:10], day_start, day_change, clock)
    if start is None:
        return None, None
    try:
        length = parse_duration(values.get("duration"))
    except ValueError:
        warnings.append(f"{what}: bad duration {values.get('duration')!r}")
        length = None
    if length is not None:
        return start, start + length
    stamp = values.get("end", "").strip()
    if "T" in stamp:
        try:
            return start, clock.place(parse_iso(stamp))
        except ValueError:
            warnings.append(f"{what}: bad end {stamp!r}")
    return start, None


def _day_time(
    clock_text: str | None, day_date: str, day_start: str | None, day_change: time | None, clock: Clock
) -> datetime | None:
    at = hhmm(clock_text)
    if at is None or not day_date:
        return None
    try:
        on = date.fromisoformat(day_date.strip()[:10])
    except ValueError:
        return None
    if not MIN_YEAR <= on.year <= MAX_YEAR:  # junk, and the day change below could overflow
        return None
    change = day_change
    if day_start:
        try:
            opening = parse_iso(day_start)
            change = opening.time() if opening is not None else change
        except ValueError:
            pass
    moment = datetime.combine(on, at)
    if change is not None and at < change:
        moment += timedelta(days=1)
    return clock.place(moment)


@register
class FrabParser:
    """frab-family schedule.xml: conference, days, rooms, events, persons."""

    name: ClassVar[str] = "frab"
    description: ClassVar[str] = (
        "frab / c3voc / pretalx schedule.xml and Pentabarf-style XML (<schedule> root with <day>/<event>)"
    )

    def detect(self, doc: Document) -> float:
        text = head(doc)
        if not text.startswith("<") or root_name(text) != "schedule":
            return 0.0
        if not any(marker in text for marker in ("<conference", "<day ", "<day>", "<event ")):
            return 0.3  # a <schedule> root alone is too common a word to claim
        score = 0.95
        if doc.media_type in {"application/xml", "text/xml"} or url_has(doc, ".xml", "/schedule"):
            score += 0.02
        return score

    def parse(self, doc: Document) -> ParseResult:
        data = xml_bytes(doc)
        refuse_entities(doc, data)
        conference = _Conference()
        sessions: list[Session] = []
        warnings: list[str] = []
        clock: Clock | None = None
        events = etree.iterparse(
            BytesIO(data),
            events=("end",),
            tag=("{*}conference", "{*}event"),
            resolve_entities=False,
            no_network=True,
            huge_tree=False,
            load_dtd=False,
        )
        try:
            for _, element in events:
                if _local(element.tag) == "conference":
                    conference = self._conference(element)
                    continue
                if clock is None:
                    clock = Clock(doc, conference.zone)
                session = self._event(doc, element, conference, clock, warnings)
                if session is not None:
                    sessions.append(session)
                self._drop(element)
        except etree.XMLSyntaxError as exc:
            raise failure(
                doc,
                f"malformed XML: {exc.msg or exc}",
                "the file is truncated or not XML; fetch it again or check the URL",
            ) from None
        if not sessions:
            warnings.append("no <event> elements found: not a frab/pretalx schedule.xml?")
        if clock is not None:
            warnings.extend(clock.warnings)
        unique_uids(sessions)
        for session in sessions:
            session.event = conference.title
        return ParseResult(parser=self.name, sessions=sessions, event_name=conference.title, warnings=warnings)

    @staticmethod
    def _conference(element: etree._Element) -> _Conference:
        values = {_local(child.tag): (child.text or "").strip() for child in element}
        return _Conference(
            title=clean_or_none(values.get("title")) or clean_or_none(values.get("acronym")),
            zone=values.get("time_zone_name") or None,
            base_url=values.get("base_url") or values.get("url") or None,
            day_change=hhmm(values.get("day_change")),
        )

    def _event(
        self,
        doc: Document,
        element: etree._Element,
        conference: _Conference,
        clock: Clock,
        warnings: list[str],
    ) -> Session | None:
        values: dict[str, str] = {}
        names: list[str | None] = []
        for child in element:
            tag = _local(child.tag)
            if tag in _SIMPLE:
                values[tag] = child.text or ""
            elif tag == "persons":
                names.extend(person.text for person in child if _local(person.tag) == "person")
            elif tag in ("person", "speaker"):
                names.append(child.text)
            elif tag == "code":
                values["code"] = child.text or ""
        title = clean(values.get("title"))
        ident = element.get("guid") or values.get("code") or element.get("id") or ""
        if not title:
            warnings.append(f"event {ident or '?'} has no title: skipped")
            return None
        room = clean_or_none(values.get("room"))
        parent = element.getparent()
        day = parent
        if parent is not None and _local(parent.tag) == "room":
            room = room or clean_or_none(parent.get("name"))
            day = parent.getparent()
        start, end = event_times(
            values,
            day.get("date") if day is not None else None,
            day.get("start") if day is not None else None,
            conference.day_change,
            clock,
            f"event {title!r}",
            warnings,
        )
        base = link_base(doc, conference.base_url)
        return Session(
            title=title,
            uid=ident.strip() or stable_uid(doc.url, title),
            speakers=people(names),
            start=start,
            end=end,
            timezone=clock.zone_name(start),
            room=room,
            track=clean_or_none(values.get("track")),
            url=absolute(values.get("url"), base),
            description=prose(values.get("subtitle"), values.get("abstract"), values.get("description")),
        )

    @staticmethod
    def _drop(element: etree._Element) -> None:
        """Free a read event and its earlier siblings: memory stays flat on huge files."""
        element.clear()
        parent = element.getparent()
        if parent is not None:
            while element.getprevious() is not None:
                del parent[0]
