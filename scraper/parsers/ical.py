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
import warnings as pywarnings
from datetime import UTC, datetime, time, timedelta, tzinfo
from itertools import islice
from typing import ClassVar

from scraper.models import Document, ParseResult, Session, stable_uid
from scraper.parsers import register
from scraper.parsers._feed import absolute, failure, head, prose, unique_uids, url_has, zone_or_none
from scraper.parsers._ics import Component, Params, duration, read, split_unescaped, stamp, unescape
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


class _Zones:
    """TZID -> (tzinfo, IANA name or None), cached per feed."""

    def __init__(self, blocks: dict[str, str], warnings: list[str]) -> None:
        self.blocks = blocks
        self.warnings = warnings
        self.cache: dict[str, tuple[tzinfo | None, str | None]] = {}

    def get(self, tzid: str) -> tuple[tzinfo | None, str | None]:
        if tzid not in self.cache:
            self.cache[tzid] = self._resolve(tzid.strip())
        return self.cache[tzid]

    def _resolve(self, tzid: str) -> tuple[tzinfo | None, str | None]:
        known = zone_or_none(tzid)
        if known is not None:
            return known, tzid
        # icalendar (~50 ms to import) only for names that are not IANA ones: most feeds never need it
        import icalendar
        from icalendar.timezone import tzp

        with pywarnings.catch_warnings():
            pywarnings.simplefilter("ignore")  # "globally unique TZID guessed": that is the point
            guessed = tzp.timezone(tzid)
        if guessed is not None:
            return guessed, getattr(guessed, "key", None)
        block = self.blocks.get(tzid)
        if block is not None:
            try:
                component = icalendar.Timezone.from_ical(block)
                if isinstance(component, icalendar.Timezone):
                    return component.to_tz(), None
                raise ValueError("not a VTIMEZONE")
            except Exception as exc:  # icalendar raises many kinds on odd VTIMEZONEs
                self.warnings.append(f"VTIMEZONE {tzid!r} unusable ({exc}); its times read as floating")
                return None, None
        self.warnings.append(f"unknown TZID {tzid!r}; its times read as floating")
        return None, None


class _Clock:
    """Turns DTSTART-like properties into aware datetimes and picks the zone shown."""

    def __init__(self, doc: Document, calendar: Component, zones: _Zones, warnings: list[str]) -> None:
        declared = calendar.text("X-WR-TIMEZONE").strip()
        self.zones = zones
        self.warnings = warnings
        self.doc = doc
        # Floating times: the feed's own statement first, then the configured zone.
        self.floating, self.floating_name = self._first(declared, doc.timezone)
        # UTC times are shown in the event's zone: the configured one, else the feed's.
        shown = [doc.timezone] + ([declared] if declared.upper() not in ("UTC", "GMT", "Z") else [])
        self.shown, self.shown_name = self._first(*shown)
        self._read_cache: dict[tuple[str, str], tuple[datetime, str | None, bool]] = {}
        self._show_cache: dict[datetime, datetime] = {}
        self._labels: dict[tuple[str, bool], str | None] = {}
        #: (TZID, DTSTART, TZID, DTEND) -> (start, end, zone name) as shown
        self.spans: dict[tuple[str, str, str, str], tuple[datetime | None, datetime | None, str | None]] = {}

    @staticmethod
    def _first(*names: str | None) -> tuple[tzinfo | None, str | None]:
        for name in names:
            found = zone_or_none(name)
            if found is not None:
                return found, name
        return None, None

    def read(self, prop: tuple[Params, str]) -> tuple[datetime, str | None, bool]:
        """(aware moment in its own zone, IANA name, all-day) of one date(-time) property.

        Schedules repeat the same few start times, so results are cached per feed.
        """
        params, value = prop
        key = (params.get("TZID", "") if params else "", value)
        found = self._read_cache.get(key)
        if found is None:
            found = self._read_cache[key] = self._read(params, value)
        return found

    def _read(self, params: Params, value: str) -> tuple[datetime, str | None, bool]:
        raw = stamp(value)  # ValueError for text that is not a date: the caller names it
        if not isinstance(raw, datetime):
            day_zone = self.floating or UTC
            name = self.floating_name or ("UTC" if self.floating is None else None)
            return datetime.combine(raw, time(0), tzinfo=day_zone), name, True
        if raw.tzinfo is not None:
            return raw, "UTC", False
        tzid = params.get("TZID")
        if tzid:
            found, name = self.zones.get(tzid)
            if found is not None:
                return raw.replace(tzinfo=found), name, False
        if self.floating is None:
            if "floating" not in " ".join(self.warnings):
                self.warnings.append("floating times and no timezone: read as UTC; pass --timezone")
            return raw.replace(tzinfo=UTC), "UTC", False
        return raw.replace(tzinfo=self.floating), self.floating_name, False

    def label(self, raw: str, listed: bool = False) -> str | None:
        """A room or track name from its raw value; cached, since a feed repeats a few dozen."""
        key = (raw, listed)
        if key not in self._labels:
            parts = split_unescaped(raw) if listed else [unescape(raw)]
            self._labels[key] = ", ".join(c for c in map(clean, parts) if c) or None
        return self._labels[key]

    def show(self, moment: datetime, name: str | None) -> tuple[datetime, str | None]:
        """UTC moments move to the event's zone; zoned ones stay in theirs."""
        if name == "UTC" and self.shown is not None:
            shown = self._show_cache.get(moment)
            if shown is None:
                shown = self._show_cache[moment] = moment.astimezone(self.shown)
            return shown, self.shown_name
        return moment, name


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
        clock = _Clock(doc, calendar.props, _Zones(calendar.timezones, warnings), warnings)
        producer = calendar.props.text("PRODID").lower()
        event_name = clean_or_none(calendar.props.text("X-WR-CALNAME")) or clean_or_none(calendar.props.text("NAME"))
        masters = [event for event in calendar.events if "RECURRENCE-ID" not in event.props]
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
            props = event.props
            uid = event.text("UID").strip()
            # Lists in props are never empty: a lookup says what first() would.
            if props.get("RRULE") or props.get("RDATE"):
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

    def _moment(self, doc: Document, clock: _Clock, event: Component, prop: tuple[Params, str], what: str) -> datetime:
        try:
            return clock.read(prop)[0]
        except ValueError:
            raise _bad(doc, event, what, prop[1]) from None

    def _sessions(
        self,
        doc: Document,
        clock: _Clock,
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
        clock: _Clock,
        event: Component,
        uid: str,
        start_at: datetime | None,
        producer: str,
        splits: Splits | None,
        summary: str | None = None,
    ) -> Session | None:
        """:meth:`_sessions` without the list: this runs once per event of every feed.
        ``summary``: the event's unescaped SUMMARY, when the caller has it already."""
        props = event.props
        if "STATUS" in props and event.text("STATUS").strip().upper() == "CANCELLED":
            return None
        if summary is None:
            summary = event.text("SUMMARY")
        title, speakers = title_and_speakers(summary, producer, splits) if splits is not None else (clean(summary), [])
        if not title:
            clock.warnings.append(f"VEVENT {uid or '#' + str(event.line)} has no SUMMARY: skipped")
            return None
        start, end, name = self._span(doc, clock, event, start_at)
        categories = props.get("CATEGORIES")
        location = props.get("LOCATION")
        link = props.get("URL")
        description = props.get("DESCRIPTION")
        return Session(
            title=title,
            uid=uid or stable_uid(doc.url, title),
            speakers=speakers,
            start=start,
            end=end,
            timezone=name,
            room=clock.label(location[0][1]) if location else None,
            track=clock.label(categories[0][1], listed=True) if categories else None,
            url=absolute(unescape(link[0][1]), doc.base_url or doc.url) if link else None,
            description=prose(unescape(description[0][1])) if description else None,
        )

    def _span(
        self, doc: Document, clock: _Clock, event: Component, start_at: datetime | None
    ) -> tuple[datetime | None, datetime | None, str | None]:
        """(start, end, zone name) in the zone shown to users."""
        props = event.props
        found = props.get("DTSTART")
        if not found:
            return None, None, clock.shown_name
        first = found[0]
        found = props.get("DTEND")
        last = found[0] if found else None
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
        clock: _Clock,
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
        self, doc: Document, clock: _Clock, event: Component, start: datetime, all_day: bool
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
        clock: _Clock,
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

    def _occurrences(self, doc: Document, clock: _Clock, event: Component, start: datetime) -> list[datetime]:
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

    def _dates(self, doc: Document, clock: _Clock, event: Component, name: str) -> set[datetime]:
        found: set[datetime] = set()
        for params, value in event.props.get(name, []):
            if params.get("VALUE", "").upper() == "PERIOD":
                continue
            for item in value.split(","):
                if item.strip():
                    found.add(self._moment(doc, clock, event, (params, item), name))
        return found


__all__ = ["MAX_OCCURRENCES", "IcalParser", "unescape"]
