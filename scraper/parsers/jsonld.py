"""schema.org Events (and subtypes) in JSON-LD, microdata and RDFa Lite.

Every Event a page describes becomes a session: ``name``, ``startDate``/``endDate`` (or
``duration``), ``location`` (a Place's name, or text), performers (else people who
organise it) as speakers, ``url``, ``description``. An Event with ``subEvent``s is the
conference, not a session: its sub-events are the sessions and its name is their event.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, ClassVar

from scraper.errors import ParseError
from scraper.models import Document, ParseResult, Session, stable_uid
from scraper.parsers import markup, register, structured_data
from scraper.text import clean
from scraper.timeparse import MAX_DURATION, TimeContext, parse_iso, parse_when, zone

log = logging.getLogger(__name__)

#: schema.org's Event subtypes whose names do not end in "Event".
_OTHER_EVENTS = frozenset(("Festival", "Hackathon", "CourseInstance", "EventSeries"))
#: Containers: never a session themselves, their sub-events are.
_SERIES = frozenset(("EventSeries",))
_SCHEMA_EVENT = r"(?:[a-z]*event|festival|hackathon|courseinstance)\b"
_MARKERS = re.compile(
    r'"@type"\s*:\s*(?:\[\s*(?:"[^"]{0,100}"\s*,\s*){0,10})?"(?:https?://schema\.org/|schema:)?'
    + _SCHEMA_EVENT + '"'
    + r"|itemtype\s*=\s*[\"']?\s*https?://schema\.org/" + _SCHEMA_EVENT
    + r"|typeof\s*=\s*[\"'][^\"'<>]{0,100}?(?:schema:)?" + _SCHEMA_EVENT
)  # fmt: skip
#: Every match of _MARKERS starts with one of these (a C-speed find skips to the first).
_MARKER_STARTS = ('"@type"', "itemtype", "typeof")
_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$", re.IGNORECASE)
_TAG = re.compile(r"<[a-zA-Z/][^>]*>")
_MAX_EVENTS = 100_000


def is_event(node: dict[str, Any]) -> bool:
    """True when ``node``'s @type is schema.org Event or one of its subtypes."""
    return any(kind.endswith("Event") or kind in _OTHER_EVENTS for kind in _types(node))


def _types(node: dict[str, Any]) -> list[str]:
    kinds = node.get("@type", [])
    names = kinds if isinstance(kinds, list) else [kinds]
    return [structured_data.local_name(str(kind)) for kind in names if kind]


def _has_marker(low: str) -> bool:
    """Whether the lowercased page head declares a schema.org Event (JSON-LD, microdata, RDFa)."""
    starts = [at for at in (low.find(start) for start in _MARKER_STARTS) if at >= 0]
    return bool(starts) and _MARKERS.search(low, min(starts)) is not None


@register
class JsonLdParser:
    name: ClassVar[str] = "jsonld"
    description: ClassVar[str] = (
        "schema.org Event and subtypes (MusicEvent, EducationEvent, ...) in JSON-LD, microdata or RDFa"
    )

    def detect(self, doc: Document) -> float:
        if doc.media_type == "application/ld+json":
            return 0.8
        if not markup.looks_like_html(doc):
            return 0.0
        return 0.8 if _has_marker(markup.head(doc, 1024 * 1024)) else 0.0

    def parse(self, doc: Document) -> ParseResult:
        result = ParseResult(parser=self.name)
        if doc.media_type == "application/ld+json" or doc.text.lstrip()[:1] in ("{", "["):
            values, problem = structured_data.loads_lenient(doc.text)
            if problem and not values:
                raise ParseError(f"{doc.url}: {problem}", hint="check that this is JSON-LD")
            base = doc.base_url or doc.url
            found: list[Any] = values
        else:
            root = markup.load(doc, self.name)
            base = markup.base_url(doc, root)
            found, warnings = structured_data.json_ld(root, doc.url)
            result.warnings.extend(warnings)
            found.extend(structured_data.items(root, structured_data.MICRODATA, base))
            found.extend(structured_data.items(root, structured_data.RDFA, base))
        _Mapper(doc, base, result).add_all(found)
        # Listings put upcoming and past events in separate blocks (and festivals beside
        # their concerts): one chronological schedule reads better. Undated ones go last.
        result.sessions.sort(key=lambda s: (s.start is None, s.start.timestamp() if s.start else 0.0))
        if not result.sessions:
            result.warnings.append(f"{doc.url}: no schema.org Event found on this page")
        return result


class _Mapper:
    """Turns event dicts into sessions, keeping uids unique within the page."""

    def __init__(self, doc: Document, base: str, result: ParseResult) -> None:
        self.doc = doc
        self.base = base
        self.result = result
        self.uids: set[str] = set()

    def add_all(self, values: list[Any]) -> None:
        for event, parent in _events(values, None):
            if len(self.result.sessions) >= _MAX_EVENTS:
                self.result.warnings.append(f"{self.doc.url}: stopped after {_MAX_EVENTS} events")
                return
            session = self.session(event, parent)
            if session is not None:
                self.result.sessions.append(session)
                if parent and not self.result.event_name:
                    self.result.event_name = parent

    def session(self, event: dict[str, Any], parent: str | None) -> Session | None:
        title = _text(event.get("name"))
        if not title:
            return None
        start = self.moment(event.get("startDate"))
        end = self.moment(event.get("endDate"))
        if end is None and start is not None:
            length = _duration(_text(event.get("duration")))
            end = start + length if length else None
        url = markup.absolute(self.base, _text(event.get("url")) or None, keep_fragment=True)
        ident = _text(event.get("@id"))
        uid = markup.absolute(self.base, ident, keep_fragment=True) if ident and not ident.startswith("_:") else None
        uid = uid or url or stable_uid(self.doc.url, title)
        if uid in self.uids:  # one URL for several dates (a tour page): tell them apart by start
            uid = f"{uid}#{start.isoformat() if start else len(self.uids)}"
        self.uids.add(uid)
        return Session(
            title=title,
            uid=uid,
            speakers=_people(event),
            start=start,
            end=end,
            timezone=self.zone_of(start),
            room=_place(event.get("location")),
            track=_text(event.get("eventType")) or None,
            url=url,
            description=_description(_text(event.get("description"), keep_lines=True)),
            event=_text(_first(event.get("superEvent"), "name")) or parent,
        )

    def moment(self, value: Any) -> datetime | None:
        text = _text(value)
        if not text:
            return None
        try:
            return parse_iso(text, self.doc.timezone)
        except ValueError:
            span = parse_when(text, TimeContext(timezone=self.doc.timezone))
            if span is None or span.start is None:
                note = f"{self.doc.url}: unreadable date {text[:40]!r}"
                if note not in self.result.warnings:
                    self.result.warnings.append(note)
                return None
            return span.start

    def zone_of(self, moment: datetime | None) -> str | None:
        """The configured zone when ``moment`` is expressed in it (same offset), else None."""
        name = self.doc.timezone
        if moment is None or name is None or moment.tzinfo is None:
            return name if moment is None else None
        if moment.utcoffset() == moment.astimezone(zone(name)).utcoffset():
            return name
        return None


def _events(values: list[Any], parent: str | None) -> Iterator[tuple[dict[str, Any], str | None]]:
    """(event, name of the event it belongs to) for every session-like event, in page order."""
    stack: list[tuple[Any, str | None, int]] = [(v, parent, 0) for v in reversed(values)]
    while stack:
        value, above, depth = stack.pop()
        if depth > 30:
            continue
        if isinstance(value, list):
            stack.extend((v, above, depth + 1) for v in reversed(value))
            continue
        if not isinstance(value, dict):
            continue
        subs = [value.get(key) for key in ("subEvent", "subEvents") if value.get(key)]
        if is_event(value):
            name = _text(value.get("name")) or above
            if subs:
                stack.extend((s, name, depth + 1) for s in reversed(subs))
                continue
            if not set(_types(value)) & _SERIES:
                yield value, above
            continue
        for key, child in reversed(list(value.items())):
            if key not in ("@context",) and isinstance(child, (dict, list)):
                stack.append((child, above, depth + 1))


def _first(value: Any, key: str | None = None) -> Any:
    """The first of a list (microdata always gives lists), or ``value[key]`` of a dict."""
    while isinstance(value, list):
        value = value[0] if value else None
    if key is not None:
        return value.get(key) if isinstance(value, dict) else None
    return value


def _text(value: Any, keep_lines: bool = False) -> str:
    """A plain string from a JSON-LD value: strings, numbers, {"@value": ...} or lists."""
    value = _first(value)
    if isinstance(value, dict):
        value = value.get("@value", value.get("name"))
        value = _first(value)
    if value is None or isinstance(value, (dict, bool)):
        return ""
    text = str(value)
    if keep_lines:
        return "\n".join(line for line in (clean(p) for p in text.splitlines()) if line)
    return clean(text)


def _names(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in values:
        if isinstance(item, dict):
            name = _text(item.get("name"))
            if not name:
                name = " ".join(p for p in (_text(item.get("givenName")), _text(item.get("familyName"))) if p)
        else:
            name = _text(item)
        if name and name not in names:
            names.append(name)
    return names


def _people(event: dict[str, Any]) -> list[str]:
    """Performers; without any, the organisers who are people (an organisation is no speaker)."""
    performers = _names(event.get("performer") or event.get("performers"))
    if performers:
        return performers
    organisers = event.get("organizer")
    values = organisers if isinstance(organisers, list) else [organisers]
    people = [v for v in values if isinstance(v, str) or (isinstance(v, dict) and "Person" in _types(v))]
    return _names(people)


def _place(value: Any) -> str | None:
    """A location's name: Place name, else its own text, else its address; or plain text."""
    place = _first(value)
    if isinstance(place, dict):
        name = _text(place.get("name"))
        if name:
            return name
        own = clean(str(place.get("@text") or ""))
        if own and len(own) <= 120:
            return own
        address = _first(place.get("address"))
        if isinstance(address, dict):
            parts = [_text(address.get(k)) for k in ("streetAddress", "addressLocality", "addressRegion")]
            joined = ", ".join(p for p in parts if p)
            return joined or None
        return _text(address) or _text(place.get("url")) or None
    return _text(place) or None


def _duration(text: str) -> timedelta | None:
    match = _DURATION.match(text.strip()) if text else None
    if not match or not any(match.groups()):
        return None
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    try:
        length = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    except OverflowError:
        return None
    return length if length <= MAX_DURATION else None  # longer is junk, and could overflow start + length


def _description(text: str) -> str | None:
    if not text:
        return None
    if _TAG.search(text):
        fragment = markup.fragment(text)
        if fragment is not None:
            return markup.block_text(fragment) or None
    return text
