"""Indico's HTTP API export (``/export/event/ID.json?detail=contributions``).

``results`` holds events; each event's ``contributions`` (or the contributions of its
``sessions`` with ``detail=sessions``) are the talks. Times are ``{date, time, tz}``
triples, usually in UTC; they are shown in the event's own ``timezone``. Presenters are
``speakers``, or the ``primaryauthors`` when no speaker is set; names come as
``first_name``/``last_name`` or as "Last, First". An event without contributions (a
category export) is listed as a session itself.
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
    first, last = text_of(record.get("first_name")).strip(), text_of(record.get("last_name")).strip()
    if first and last:
        return f"{first} {last}"
    return turn_round(clean(text_of(record.get("fullName") or record.get("name")))) or None


def _presenters(item: dict[str, Any]) -> list[str]:
    for key in ("speakers", "presenters", "primaryauthors", "chairs"):
        found = people(_person(value) for value in as_list(item.get(key)))
        if found:
            return found
    return []


def _contributions(event: dict[str, Any]) -> list[tuple[dict[str, Any], str | None]]:
    """(contribution, session title) pairs of one event."""
    pairs: list[tuple[dict[str, Any], str | None]] = [
        (as_dict(item), None) for item in as_list(event.get("contributions"))
    ]
    for block_value in as_list(event.get("sessions")):
        block = as_dict(block_value)
        inner = as_dict(block.get("session"))
        name = text_of(inner.get("title") or block.get("title")) or None
        pairs.extend((as_dict(item), name) for item in as_list(block.get("contributions")))
    return pairs


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
        events = [as_dict(item) for item in (results if isinstance(results, list) else [results])]
        events = [event for event in events if event]
        if not events:
            raise failure(
                doc, 'JSON has no "results" events: not an Indico export', "choose another parser with --parser"
            )
        sessions: list[Session] = []
        warnings: list[str] = []
        several = len(events) > 1
        for event in events:
            clock = Clock(doc, text_of(event.get("timezone")) or None)
            event_name = clean_or_none(text_of(event.get("title")))
            base = doc.base_url or doc.url
            pairs = _contributions(event)
            listing = not pairs
            if listing:  # a category export: each event is a session of the category
                pairs = [(event, None)]
                event_name = clean_or_none(text_of(event.get("category")))
            prefix = f"{text_of(event.get('id'))}/" if several and not listing else ""
            for item, block_title in pairs:
                title = clean(text_of(item.get("title")))
                ident = text_of(item.get("id") or item.get("db_id"))
                if not title:
                    warnings.append(f"contribution {ident or '?'} has no title: skipped")
                    continue
                start = self._time(item.get("startDate"), clock, title, warnings)
                sessions.append(
                    Session(
                        title=title,
                        uid=f"{prefix}{ident}" if ident else stable_uid(doc.url, title),
                        speakers=_presenters(item),
                        start=start,
                        end=self._time(item.get("endDate"), clock, title, warnings),
                        timezone=clock.zone_name(start),
                        room=clean_or_none(text_of(item.get("roomFullname") or item.get("room"))),
                        track=clean_or_none(text_of(item.get("track")))
                        or clean_or_none(block_title or (None if listing else text_of(item.get("session")))),
                        url=absolute(text_of(item.get("url")), base),
                        description=prose(text_of(item.get("description"))),
                        event=event_name,
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
