"""Sessionize API exports: "All data" JSON, plus the "Sessions" and "GridSmart" views.

"All data" lists sessions whose ``speakers`` are speaker ids, ``roomId`` a room id and
``categoryItems`` category item ids; they resolve against the top-level ``speakers``,
``rooms`` and ``categories``. The views embed the names instead. ``startsAt``/``endsAt``
are naive local times: the configured timezone places them.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any, ClassVar

from scraper.models import Document, ParseResult, Session, stable_uid
from scraper.parsers import register
from scraper.parsers._feed import (
    Clock,
    absolute,
    as_dict,
    as_list,
    failure,
    head,
    load_json,
    people,
    prose,
    text_of,
    unique_uids,
    url_has,
)
from scraper.text import clean, clean_or_none
from scraper.timeparse import parse_iso

log = logging.getLogger(__name__)

_MARKERS = ('"isServiceSession"', '"isPlenumSession"', '"categoryItems"', '"questionAnswers"', '"roomId"')
_STARTS_AT = re.compile(r'"startsAt"\s*:')


class _Lookups:
    """Id -> name tables of an "All data" export."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.speakers: dict[str, str] = {}
        for speaker in as_list(data.get("speakers")):
            record = as_dict(speaker)
            name = text_of(record.get("fullName")) or " ".join(
                part for part in (text_of(record.get("firstName")), text_of(record.get("lastName"))) if part
            )
            self.speakers[text_of(record.get("id"))] = name
        self.rooms = {
            text_of(as_dict(room).get("id")): text_of(as_dict(room).get("name")) for room in as_list(data.get("rooms"))
        }
        self.tracks: dict[str, str] = {}
        categories = [as_dict(category) for category in as_list(data.get("categories"))]
        # The category called "Track" (or similar) is the track; otherwise the first one.
        chosen = [c for c in categories if "track" in text_of(c.get("title")).lower()] or categories[:1]
        for category in chosen:
            for item in as_list(category.get("items")):
                record = as_dict(item)
                self.tracks[text_of(record.get("id"))] = text_of(record.get("name"))

    def speaker(self, value: object) -> str | None:
        if isinstance(value, dict):
            return text_of(value.get("name") or value.get("fullName")) or None
        return self.speakers.get(text_of(value))

    def room(self, session: dict[str, Any]) -> str | None:
        if session.get("room"):
            return text_of(session.get("room"))
        return self.rooms.get(text_of(session.get("roomId")))

    def track(self, session: dict[str, Any]) -> str | None:
        names = [self.tracks[key] for key in map(text_of, as_list(session.get("categoryItems"))) if key in self.tracks]
        for category in as_list(session.get("categories")):  # the views embed names
            record = as_dict(category)
            if not names and "track" in text_of(record.get("name")).lower():
                names = [text_of(as_dict(item).get("name")) for item in as_list(record.get("categoryItems"))]
        return clean_or_none(", ".join(name for name in names if name))


def _session_records(data: object) -> list[dict[str, Any]]:
    """Every session object, whichever view the export is."""
    if isinstance(data, dict):
        return [as_dict(item) for item in as_list(data.get("sessions"))]
    found: list[dict[str, Any]] = []
    seen: set[str] = set()
    for group_value in as_list(data):
        group = as_dict(group_value)
        records = as_list(group.get("sessions"))
        for room in as_list(group.get("rooms")):  # GridSmart: days -> rooms -> sessions
            records = records + as_list(as_dict(room).get("sessions"))
        for item in records:
            record = as_dict(item)
            key = text_of(record.get("id"))
            if key and key in seen:
                continue  # plenum sessions repeat in every room of the grid
            seen.add(key)
            found.append(record)
    return found


@register
class SessionizeParser:
    """Sessionize API JSON."""

    name: ClassVar[str] = "sessionize"
    description: ClassVar[str] = "Sessionize API JSON: All data, Sessions and GridSmart views (startsAt, roomId)"

    def detect(self, doc: Document) -> float:
        text = head(doc)
        if not text.startswith(("{", "[")) or not _STARTS_AT.search(text):
            return 0.0
        hits = sum(marker in text for marker in _MARKERS)
        if hits >= 2 or (hits and url_has(doc, "sessionize.com")):
            return 0.92
        return 0.2

    def parse(self, doc: Document) -> ParseResult:
        data = load_json(doc, "Sessionize")
        if not isinstance(data, (dict, list)):
            raise failure(doc, "Sessionize JSON is neither an object nor a list", "check the URL")
        lookups = _Lookups(data if isinstance(data, dict) else {})
        clock = Clock(doc)
        sessions: list[Session] = []
        warnings: list[str] = []
        for record in _session_records(data):
            title = clean(text_of(record.get("title")))
            ident = text_of(record.get("id"))
            if not title:
                warnings.append(f"session {ident or '?'} has no title: skipped")
                continue
            start = self._time(record.get("startsAt"), clock, title, warnings)
            end = self._time(record.get("endsAt"), clock, title, warnings)
            sessions.append(
                Session(
                    title=title,
                    uid=ident or stable_uid(doc.url, title),
                    speakers=people(lookups.speaker(value) for value in as_list(record.get("speakers"))),
                    start=start,
                    end=end,
                    timezone=clock.zone_name(start),
                    room=clean_or_none(lookups.room(record)),
                    track=lookups.track(record),
                    url=absolute(text_of(record.get("url")), doc.base_url or doc.url),
                    description=prose(text_of(record.get("description"))),
                )
            )
        if not sessions:
            warnings.append("no sessions in this Sessionize export")
        warnings.extend(clock.warnings)
        unique_uids(sessions)
        return ParseResult(parser=self.name, sessions=sessions, warnings=warnings)

    @staticmethod
    def _time(value: object, clock: Clock, title: str, warnings: list[str]) -> datetime | None:
        text = text_of(value)
        if not text:
            return None
        try:
            return clock.place(parse_iso(text))
        except ValueError:
            warnings.append(f"session {title!r}: bad time {text!r}")
            return None
