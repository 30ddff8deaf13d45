"""The c3voc / pretalx ``schedule.json``: the frab schedule as JSON.

``schedule.conference.days[].rooms`` maps a room name to its events (older exports give
a list of ``{"name", "events"}`` instead). Events carry the same fields as the XML.
"""

from __future__ import annotations

import logging
import re
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
    link_base,
    load_json,
    people,
    prose,
    text_of,
    unique_uids,
    url_has,
)
from scraper.parsers.frab import event_times, hhmm
from scraper.text import clean, clean_or_none

log = logging.getLogger(__name__)

# "schedule" is the first key, after an optional "$schema" and "generator" (c3voc).
_SCHEDULE_KEY = re.compile(
    r'^\{\s*(?:"\$schema"\s*:\s*"[^"]*+"\s*,\s*|"generator"\s*:\s*\{[^{}]*+\}\s*,\s*)*"schedule"\s*:'
)
_NESTED_SCHEDULE = re.compile(r'"schedule"\s*:\s*\{')
_CONFERENCE = re.compile(r'"conference"\s*:\s*\{')
_PERSON_KEYS = ("public_name", "full_public_name", "name", "full_name")
_TIME_KEYS = ("date", "start", "duration", "end")


def _person(value: object) -> str | None:
    if isinstance(value, str):
        return value
    record = as_dict(value)
    for key in _PERSON_KEYS:
        if record.get(key):
            return text_of(record[key])
    return None


def _room_events(rooms: object) -> list[tuple[str | None, Any]]:
    """(room name, event) pairs from either room shape."""
    pairs: list[tuple[str | None, Any]] = []
    if isinstance(rooms, dict):
        for name, events in rooms.items():
            pairs.extend((name, event) for event in as_list(events))
    else:
        for room in as_list(rooms):
            record = as_dict(room)
            name = text_of(record.get("name")) or None
            pairs.extend((name, event) for event in as_list(record.get("events")))
    return pairs


@register
class FrabJsonParser:
    """c3voc/pretalx schedule.json."""

    name: ClassVar[str] = "frab_json"
    description: ClassVar[str] = 'c3voc / pretalx / frab schedule.json ({"schedule": {"conference": {"days": ...}}})'

    def detect(self, doc: Document) -> float:
        text = head(doc)
        if not text.startswith("{") or not _CONFERENCE.search(text):
            return 0.0
        if _SCHEDULE_KEY.match(text):
            score = 0.94
        elif _NESTED_SCHEDULE.search(text):
            score = 0.9  # "schedule" is not the first key: still the frab layout
        else:
            return 0.0
        if doc.media_type == "application/json" or url_has(doc, ".json", "format=json"):
            score += 0.02
        return score

    def parse(self, doc: Document) -> ParseResult:
        data = load_json(doc, "schedule")
        schedule = as_dict(as_dict(data).get("schedule"))
        conference = as_dict(schedule.get("conference"))
        if not conference:
            raise failure(
                doc,
                'JSON has no "schedule.conference" object: not a frab/pretalx schedule.json',
                "choose another parser with --parser, or check the URL",
            )
        event_name = clean_or_none(text_of(conference.get("title"))) or clean_or_none(
            text_of(conference.get("acronym"))
        )
        clock = Clock(doc, text_of(conference.get("time_zone_name")) or None)
        base = link_base(doc, text_of(schedule.get("base_url")) or text_of(conference.get("url")))
        day_change = hhmm(text_of(conference.get("day_change")))
        sessions: list[Session] = []
        warnings: list[str] = []
        for day_value in as_list(conference.get("days")):
            day = as_dict(day_value)
            day_date = text_of(day.get("date")) or None
            day_start = text_of(day.get("day_start") or day.get("start")) or None
            for room, event_value in _room_events(day.get("rooms")):
                event = as_dict(event_value)
                title = clean(text_of(event.get("title")))
                ident = text_of(event.get("guid") or event.get("code") or event.get("id"))
                if not title:
                    warnings.append(f"event {ident or '?'} has no title: skipped")
                    continue
                values = {key: text_of(event.get(key)) for key in _TIME_KEYS}
                start, end = event_times(values, day_date, day_start, day_change, clock, f"event {title!r}", warnings)
                sessions.append(
                    Session(
                        title=title,
                        uid=ident.strip() or stable_uid(doc.url, title),
                        speakers=people(_person(person) for person in as_list(event.get("persons"))),
                        start=start,
                        end=end,
                        timezone=clock.zone_name(start),
                        room=clean_or_none(text_of(event.get("room"))) or clean_or_none(room),
                        track=clean_or_none(text_of(event.get("track"))),
                        url=absolute(text_of(event.get("url")), base),
                        description=prose(
                            text_of(event.get("subtitle")),
                            text_of(event.get("abstract")),
                            text_of(event.get("description")),
                        ),
                        event=event_name,
                    )
                )
        if not sessions:
            warnings.append("no events in schedule.conference.days")
        warnings.extend(clock.warnings)
        unique_uids(sessions)
        return ParseResult(parser=self.name, sessions=sessions, event_name=event_name, warnings=warnings)
