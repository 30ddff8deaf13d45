"""iCalendar feeds (RFC 5545): pretalx, Sched ``all.ics``, and any calendar of talks.

Times come in three kinds: with a TZID (resolved as an IANA name, a Windows or
"globally unique" name through icalendar, or the file's own VTIMEZONE), in UTC ('Z',
shown in the configured zone), or floating (placed in X-WR-TIMEZONE, else the configured
zone). Recurring events are expanded up to ``MAX_OCCURRENCES``, each occurrence its own
uid ``UID/2024-05-01T10:00``; RECURRENCE-ID overrides and EXDATE are honoured. DTSTAMP
is never read: it changes on every export.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time, timedelta
from itertools import islice
from typing import ClassVar

from scraper.models import Document, ParseResult, Session, stable_uid
from scraper.parsers import register
from scraper.parsers._feed import absolute, failure, head, prose, unique_uids, url_has
from scraper.parsers._ics import (
    Component,
    Params,
    duration,
    read,
    stamp,
    unescape,
)
from scraper.parsers._ics_time import FeedClock, FeedZones
from scraper.parsers._summary import Splits, title_and_speakers, uses_convention
from scraper.text import clean, clean_or_none

log = logging.getLogger(__name__)

#: Occurrences kept per recurring event: enough for a season, bounded for endless rules.
MAX_OCCURRENCES = 200
_WANTED = frozenset(
    {"UID", "SUMMARY", "DTSTART", "DTEND", "DURATION", "LOCATION", "DESCRIPTION", "URL", "CATEGORIES"}
    | {"RRULE", "RDATE", "EXDATE", "RECURRENCE-ID", "STATUS"}
)
_CALENDAR_WANTED = frozenset({"X-WR-CALNAME", "NAME", "X-WR-TIMEZONE", "PRODID"})
# Rules finer than hourly can spin for a long time without yielding; talks never use them.
_FREQUENCIES = ("FREQ=HOURLY", "FREQ=DAILY", "FREQ=WEEKLY", "FREQ=MONTHLY", "FREQ=YEARLY")


def _bad(doc: Document, event: Component, what: str, value: str) -> Exception:
    uid = event.text("UID") or f"#{event.line}"
    return failure(
        doc,
        f"VEVENT {uid}: bad {what} {value!r}",
        "the calendar is malformed; report it to its publisher or fetch it again",
    )


@register
class IcalParser:
    """Any iCalendar feed of sessions."""

    name: ClassVar[str] = "ical"
    description: ClassVar[str] = "iCalendar feeds (BEGIN:VCALENDAR): pretalx, Sched all.ics, any .ics of talks"

    def detect(self, doc: Document) -> float:
        if not head(doc, 64).upper().startswith("BEGIN:VCALENDAR"):
            return 0.1 if doc.media_type == "text/calendar" else 0.0
        score = 0.9
        if doc.media_type == "text/calendar":
            score += 0.02
        if url_has(doc, ".ics", "ical", "format=ics"):
            score += 0.01
        return score

    def parse(self, doc: Document) -> ParseResult:
        try:
            calendar = read(doc.text or doc.body.decode("utf-8", "replace"), _WANTED, _CALENDAR_WANTED)
        except ValueError as exc:
            raise failure(doc, f"not a valid iCalendar file: {exc}", "the file is truncated or not .ics") from None
        warnings: list[str] = []
        clock = FeedClock(doc, calendar.props, FeedZones(calendar.timezones, warnings), warnings)
        producer = calendar.props.text("PRODID").lower()
        event_name = clean_or_none(calendar.props.text("X-WR-CALNAME")) or clean_or_none(calendar.props.text("NAME"))
        masters = [event for event in calendar.events if "RECURRENCE-ID" not in event.values]
        found: Splits = {}
        summaries = [event.text("SUMMARY") for event in masters]
        # The feed's summary splits when it puts speakers there (None: it does not).
        splits = found if uses_convention(summaries, producer, found) else None
        overrides: dict[str, dict[datetime, Component]] = {}
        if len(masters) < len(calendar.events):
            for event in calendar.events:
                rid = event.first("RECURRENCE-ID")
                if rid is not None:
                    moment = self._moment(doc, clock, event, rid, "RECURRENCE-ID")
                    overrides.setdefault(event.text("UID"), {})[moment] = event
        sessions: list[Session] = []
        for event, summary in zip(masters, summaries, strict=True):
            values = event.values
            uid = event.text("UID").strip()
            if "RRULE" in values or "RDATE" in values:
                sessions.extend(self._series(doc, clock, event, overrides.pop(uid, {}), producer, splits))
            else:
                session = self._session(doc, clock, event, uid, None, producer, splits, summary)
                if session is not None:
                    sessions.append(session)
        for uid, orphans in overrides.items():  # overrides whose series is not in the feed
            for moment, event in orphans.items():
                suffix = moment.strftime("%Y-%m-%dT%H:%M")
                sessions.extend(self._sessions(doc, clock, event, f"{uid}/{suffix}", None, producer, splits))
        if not calendar.events:
            warnings.append("the calendar has no VEVENT")
        unique_uids(sessions)
        for session in sessions:
            session.event = event_name
        return ParseResult(parser=self.name, sessions=sessions, event_name=event_name, warnings=warnings)

    def _moment(self, doc: Document, clock: FeedClock, event: Component, prop: tuple[Params, str],
                what: str) -> datetime:
        try:
            return clock.read(prop)[0]
        except ValueError:
            raise _bad(doc, event, what, prop[1]) from None

    def _sessions(
        self,
        doc: Document,
        clock: FeedClock,
        event: Component,
        uid: str,
        start_at: datetime | None,
        producer: str,
        splits: Splits | None,
    ) -> list[Session]:
        """The session of one event (or one occurrence of a series, starting ``start_at``)."""
        session = self._session(doc, clock, event, uid, start_at, producer, splits)
        return [] if session is None else [session]

    def _session(
        self,
        doc: Document,
        clock: FeedClock,
        event: Component,
        uid: str,
        start_at: datetime | None,
        producer: str,
        splits: Splits | None,
        summary: str | None = None,
    ) -> Session | None:
        """:meth:`_sessions` without the list: this runs once per event of every feed.
        ``summary``: the event's unescaped SUMMARY, when the caller has it already."""
        values = event.values
        if "STATUS" in values and event.text("STATUS").strip().upper() == "CANCELLED":
            return None
        if summary is None:
            summary = event.text("SUMMARY")
        title, speakers = title_and_speakers(summary, producer, splits) if splits is not None else (clean(summary), [])
        if not title:
            clock.warnings.append(f"VEVENT {uid or '#' + str(event.line)} has no SUMMARY: skipped")
            return None
        start, end, name = self._span(doc, clock, event, start_at)
        categories = values.get("CATEGORIES")
        location = values.get("LOCATION")
        link = values.get("URL")
        description = values.get("DESCRIPTION")
        return Session(
            title=title,
            uid=uid or stable_uid(doc.url, title),
            speakers=speakers,
            start=start,
            end=end,
            timezone=name,
            room=None if location is None else clock.label(location),
            track=None if categories is None else clock.label(categories, listed=True),
            url=None if link is None else absolute(unescape(link), doc.base_url or doc.url),
            description=None if description is None else prose(unescape(description)),
        )

    def _span(
        self, doc: Document, clock: FeedClock, event: Component, start_at: datetime | None
    ) -> tuple[datetime | None, datetime | None, str | None]:
        """(start, end, zone name) in the zone shown to users."""
        first = event.first("DTSTART")
        if first is None:
            return None, None, clock.shown_name
        last = event.first("DTEND")
        if start_at is None and last is not None:
            # A schedule repeats a few dozen (start, end) pairs: each is resolved once per
            # feed (the span then depends on nothing else: DURATION is not read).
            key = (first[0].get("TZID", "") if first[0] else "", first[1], last[0].get("TZID", "") if last[0] else "",
                   last[1])  # fmt: skip
            span = clock.spans.get(key)
            if span is None:
                span = clock.spans[key] = self._resolve(doc, clock, event, first, last, None)
            return span
        return self._resolve(doc, clock, event, first, last, start_at)

    def _resolve(
        self,
        doc: Document,
        clock: FeedClock,
        event: Component,
        first: tuple[Params, str],
        last: tuple[Params, str] | None,
        start_at: datetime | None,
    ) -> tuple[datetime | None, datetime | None, str | None]:
        try:
            start, name, all_day = clock.read(first)
        except ValueError:
            raise _bad(doc, event, "DTSTART", first[1]) from None
        if start_at is None and last is not None and not all_day:
            try:  # the common case, without duration arithmetic
                end: datetime | None = clock.read(last)[0]
            except ValueError:
                raise _bad(doc, event, "DTEND", last[1]) from None
        else:
            length = self._length(doc, clock, event, start, all_day)
            if start_at is not None:
                start = start_at
            end = start + length if length is not None else None
        start, shown = clock.show(start, name)
        if end is not None:
            end = clock.show(end, name)[0]
        return start, end, shown

    def _length(
        self, doc: Document, clock: FeedClock, event: Component, start: datetime, all_day: bool
    ) -> timedelta | None:
        last = event.first("DTEND")
        if last is not None:
            try:
                end = clock.read(last)[0]
            except ValueError:
                raise _bad(doc, event, "DTEND", last[1]) from None
            return end - start if end.tzinfo is start.tzinfo else end.astimezone(UTC) - start.astimezone(UTC)
        span = event.first("DURATION")
        if span is not None:
            try:
                return duration(span[1])
            except ValueError:
                raise _bad(doc, event, "DURATION", span[1]) from None
        return timedelta(days=1) if all_day else None

    def _series(
        self,
        doc: Document,
        clock: FeedClock,
        event: Component,
        overrides: dict[datetime, Component],
        producer: str,
        splits: Splits | None,
    ) -> list[Session]:
        """One session per occurrence of a recurring event, bounded."""
        first = event.first("DTSTART")
        uid = event.text("UID").strip()
        if first is None:
            return self._sessions(doc, clock, event, uid, None, producer, splits)
        try:
            start, _, all_day = clock.read(first)
        except ValueError:
            raise _bad(doc, event, "DTSTART", first[1]) from None
        occurrences = self._occurrences(doc, clock, event, start)
        excluded = self._dates(doc, clock, event, "EXDATE")
        sessions: list[Session] = []
        for moment in occurrences:
            if moment in excluded or (all_day and moment.date() in {d.date() for d in excluded}):
                continue
            suffix = moment.date().isoformat() if all_day else moment.strftime("%Y-%m-%dT%H:%M")
            override = overrides.get(moment)
            if override is not None:
                sessions.extend(self._sessions(doc, clock, override, f"{uid}/{suffix}", None, producer, splits))
            else:
                sessions.extend(self._sessions(doc, clock, event, f"{uid}/{suffix}", moment, producer, splits))
        return sessions

    def _occurrences(self, doc: Document, clock: FeedClock, event: Component, start: datetime) -> list[datetime]:
        moments: list[datetime] = []
        rule = event.first("RRULE")
        if rule is not None:
            text = rule[1].strip().upper()
            if not any(freq in text for freq in _FREQUENCIES):
                clock.warnings.append(f"VEVENT {event.text('UID')}: RRULE {text!r} not expanded")
                moments.append(start)
            else:
                from dateutil.rrule import rrule, rrulestr  # only recurring events need it

                parts = [part for part in text.split(";") if not part.startswith("UNTIL=")]
                until = next((part[6:] for part in text.split(";") if part.startswith("UNTIL=")), None)
                try:
                    series = rrulestr(";".join(parts), dtstart=start)
                    if not isinstance(series, rrule):
                        raise ValueError("not a single RRULE")
                    if until:
                        limit = stamp(until)
                        if not isinstance(limit, datetime):
                            limit = datetime.combine(limit, time(23, 59, 59))
                        series = series.replace(until=limit if limit.tzinfo else limit.replace(tzinfo=start.tzinfo))
                    moments.extend(islice(iter(series), MAX_OCCURRENCES))
                except (ValueError, TypeError, OverflowError):
                    raise _bad(doc, event, "RRULE", rule[1]) from None
        else:
            moments.append(start)
        for extra in sorted(self._dates(doc, clock, event, "RDATE")):
            if extra not in moments and len(moments) < MAX_OCCURRENCES:
                moments.append(extra)
        return moments

    def _dates(self, doc: Document, clock: FeedClock, event: Component, name: str) -> set[datetime]:
        found: set[datetime] = set()
        for params, value in event.every(name):
            if params.get("VALUE", "").upper() == "PERIOD":
                continue
            for item in value.split(","):
                if item.strip():
                    found.add(self._moment(doc, clock, event, (params, item), name))
        return found


__all__ = ["MAX_OCCURRENCES", "IcalParser", "unescape"]
