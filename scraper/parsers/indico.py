"""Indico's HTTP API export (``/export/event/ID.json?detail=contributions``).

``results`` holds events; each event's ``contributions`` (or the contributions of its
``sessions`` with ``detail=sessions``) are the talks. Times are ``{date, time, tz}``
triples, usually in UTC; they are shown in the event's own ``timezone``. Presenters are
``speakers``, or the ``primaryauthors`` when no speaker is set; names come as
``first_name``/``last_name`` or as "Last, First". An event without contributions (a
category export) is listed as a session itself. The timetable export
(``/export/timetable/ID.json``) maps event ids to days to entries instead; session
entries hold their contributions in ``entries``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
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
    turn_round,
    unique_uids,
    url_has,
    zone_or_none,
)
from scraper.text import clean, clean_or_none
from scraper.timeparse import parse_iso

log = logging.getLogger(__name__)

_API_MARK = re.compile(r'"_type"\s*:\s*"HTTPAPIResult"|"_fossil"\s*:\s*"(?:conference|contribution|event)')


def _person(value: object) -> str | None:
    record = as_dict(value)
    first = text_of(record.get("first_name") or record.get("firstName")).strip()
    last = text_of(record.get("last_name") or record.get("familyName") or record.get("lastName")).strip()
    if first and last:
        return f"{first} {last}"
    return turn_round(clean(text_of(record.get("fullName") or record.get("name")))) or None


def _presenters(item: dict[str, Any]) -> list[str]:
    for key in ("speakers", "presenters", "primaryauthors", "chairs"):
        found = people(_person(value) for value in as_list(item.get(key)))
        if found:
            return found
    return []


@dataclass
class _Group:
    """The talks of one event: what they share (zone, event name, uid prefix)."""

    zone: str | None
    name: str | None
    prefix: str
    items: list[tuple[dict[str, Any], str | None]]  # (contribution, session/block title)


def _contributions(event: dict[str, Any]) -> list[tuple[dict[str, Any], str | None]]:
    """(contribution, session title) pairs of one event of an event export."""
    pairs: list[tuple[dict[str, Any], str | None]] = []
    for item in as_list(event.get("contributions")):
        record = as_dict(item)
        pairs.append((record, text_of(record.get("session")) or None))
    for block_value in as_list(event.get("sessions")):
        block = as_dict(block_value)
        inner = as_dict(block.get("session"))
        name = text_of(inner.get("title") or block.get("title")) or None
        pairs.extend((as_dict(item), name) for item in as_list(block.get("contributions")))
    return pairs


def _events(results: object) -> list[_Group]:
    """Groups of an event or category export (``results`` is a list of events)."""
    events = [as_dict(item) for item in (results if isinstance(results, list) else [results])]
    events = [event for event in events if event]
    several = len(events) > 1
    groups: list[_Group] = []
    for event in events:
        zone = text_of(event.get("timezone")) or None
        pairs = _contributions(event)
        if pairs:
            prefix = f"{text_of(event.get('id'))}/" if several else ""
            groups.append(_Group(zone, clean_or_none(text_of(event.get("title"))), prefix, pairs))
        else:  # a category export: each event is a session of the category
            groups.append(_Group(zone, clean_or_none(text_of(event.get("category"))), "", [(event, None)]))
    return groups


def _is_timetable(results: object) -> bool:
    """``/export/timetable/ID.json``: results map event ids to days to entries."""
    if not isinstance(results, dict) or not results or "title" in results:
        return False
    return all(
        isinstance(days, dict) and all(isinstance(day, dict) for day in days.values()) for days in results.values()
    )


def _timetable(results: dict[str, Any]) -> list[_Group]:
    groups: list[_Group] = []
    several = len(results) > 1
    for event_id, days in results.items():
        items: list[tuple[dict[str, Any], str | None]] = []
        for day in as_dict(days).values():
            for entry in as_dict(day).values():
                _walk(as_dict(entry), None, items)
        zone = next((text_of(as_dict(item.get("startDate")).get("tz")) for item, _ in items), None)
        groups.append(_Group(zone or None, None, f"{event_id}/" if several else "", items))
    return groups


def _walk(entry: dict[str, Any], block: str | None, into: list[tuple[dict[str, Any], str | None]]) -> None:
    """Contributions and breaks of a timetable entry; sessions are opened (their title is the track)."""
    nested = as_dict(entry.get("entries"))
    if nested or text_of(entry.get("entryType")) == "Session":
        name = text_of(entry.get("slotTitle") or entry.get("title")) or block
        for child in nested.values():
            _walk(as_dict(child), name, into)
        return
    into.append((entry, block))


@register
class IndicoParser:
    """Indico export JSON."""

    name: ClassVar[str] = "indico"
    description: ClassVar[str] = "Indico HTTP API export JSON (HTTPAPIResult: events, contributions)"

    def detect(self, doc: Document) -> float:
        text = head(doc)
        if not text.startswith("{") or not _API_MARK.search(text):
            return 0.0
        score = 0.91
        if url_has(doc, "/export/"):
            score += 0.02
        return score

    def parse(self, doc: Document) -> ParseResult:
        data = as_dict(load_json(doc, "Indico"))
        results = data.get("results")
        groups = _timetable(as_dict(results)) if _is_timetable(results) else _events(results)
        if not groups:
            raise failure(
                doc, 'JSON has no "results" events: not an Indico export', "choose another parser with --parser"
            )
        sessions: list[Session] = []
        warnings: list[str] = []
        base = doc.base_url or doc.url
        for group in groups:
            clock = Clock(doc, group.zone)
            for item, block_title in group.items:
                title = clean(text_of(item.get("title")))
                ident = text_of(item.get("contributionId") or item.get("id") or item.get("db_id"))
                if not title:
                    warnings.append(f"contribution {ident or '?'} has no title: skipped")
                    continue
                start = self._time(item.get("startDate"), clock, title, warnings)
                sessions.append(
                    Session(
                        title=title,
                        uid=f"{group.prefix}{ident}" if ident else stable_uid(doc.url, title),
                        speakers=_presenters(item),
                        start=start,
                        end=self._time(item.get("endDate"), clock, title, warnings),
                        timezone=clock.zone_name(start),
                        room=clean_or_none(text_of(item.get("roomFullname") or item.get("room"))),
                        track=clean_or_none(text_of(item.get("track"))) or clean_or_none(block_title),
                        url=absolute(text_of(item.get("url")), base),
                        description=prose(text_of(item.get("description"))),
                        event=group.name,
                    )
                )
            warnings.extend(clock.warnings)
        unique_uids(sessions)
        names = {session.event for session in sessions}
        name = names.pop() if len(names) == 1 else None
        return ParseResult(parser=self.name, sessions=sessions, event_name=name, warnings=warnings)

    @staticmethod
    def _time(value: object, clock: Clock, title: str, warnings: list[str]) -> datetime | None:
        """``{date, time, tz}`` (or an ISO string) -> aware datetime in the event's zone."""
        if isinstance(value, str):
            text, tz_name = value, ""
        else:
            record = as_dict(value)
            day, at = text_of(record.get("date")), text_of(record.get("time"))
            if not day:
                return None
            text, tz_name = f"{day}T{at or '00:00:00'}", text_of(record.get("tz"))
        try:
            moment = parse_iso(text, zone_or_none(tz_name))
        except ValueError:
            warnings.append(f"contribution {title!r}: bad time {text!r}")
            return None
        return clock.place(moment)
