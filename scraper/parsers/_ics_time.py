"""The times of an iCalendar feed: each TZID resolved once, each DTSTART-like value read
once, and the zone a session is shown in (see ``ical``'s module notes for the three kinds)."""

from __future__ import annotations

import warnings as pywarnings
from datetime import UTC, datetime, time, tzinfo

from scraper.models import Document
from scraper.parsers._feed import zone_or_none
from scraper.parsers._ics import Component, Params, split_unescaped, stamp, unescape
from scraper.text import clean


class FeedZones:
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


class FeedClock:
    """Turns DTSTART-like properties into aware datetimes and picks the zone shown."""

    def __init__(self, doc: Document, calendar: Component, zones: FeedZones, warnings: list[str]) -> None:
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
