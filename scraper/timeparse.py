"""The one place where dates and times are resolved into aware datetimes.

Sources give times in many shapes: ISO 8601 with an offset, UTC ``Z`` stamps, naive
local times ("2019-05-03 20:00:00"), and prose ("April 16, 1:50 pm"). Everything is
turned into a timezone-aware ``datetime``; naive values are placed in the configured
IANA zone, and a missing year comes from the page's date.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scraper.errors import ConfigError
from scraper.timewords import GENERIC_ZONES, Clock, DateWords, TimeWords, scan_dates, scan_times


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; ConfigError saying what to write instead when unknown."""
    try:
        if not name or name != name.strip() or ".." in name or name.startswith("/"):
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ConfigError(
            f"unknown time zone {name!r}",
            hint="use an IANA name such as Europe/Berlin, America/Los_Angeles or UTC",
        ) from None


def localize(moment: datetime, tz: str | tzinfo | None) -> datetime:
    """Attach ``tz`` to a naive datetime (wall-clock time in that zone); aware ones pass.

    A naive time with no zone to resolve it stays naive: callers decide whether that is
    acceptable. DST gaps and folds follow zoneinfo's PEP 495 rules (fold=0: the first
    of two repeated wall times; a time in a gap keeps the offset from before it).
    """
    if moment.tzinfo is not None or tz is None:
        return moment
    info = zone(tz) if isinstance(tz, str) else tz
    return moment.replace(tzinfo=info)


_ISO_BASIC = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})?)?(Z)?$")

#: Years a schedule can name. Outside them a date is junk; refusing it also keeps zone shifts
#: and session lengths (at most MAX_DURATION) clear of datetime's limits, years 1 and 9999.
MIN_YEAR, MAX_YEAR = 1000, 8999
#: The longest span a duration field may give (ten years): longer is junk.
MAX_DURATION = timedelta(days=3660)


def plausible(moment: datetime) -> datetime:
    """``moment`` itself when its year is within MIN_YEAR..MAX_YEAR; ValueError otherwise."""
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise ValueError(f"year {moment.year} is outside {MIN_YEAR}-{MAX_YEAR}")
    return moment


def parse_iso(value: str | None, tz: str | tzinfo | None = None) -> datetime | None:
    """ISO 8601 (extended or basic form, ``Z`` or offset, or naive) -> datetime.

    Naive results are localized with ``tz``. Returns None for empty input; raises
    ValueError for text that is not a date.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    basic = _ISO_BASIC.match(text)
    if basic:
        y, mo, d, h, mi, s, z = basic.groups()
        moment = plausible(datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0)))
        return moment.replace(tzinfo=UTC) if z else localize(moment, tz)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
    return localize(plausible(moment), tz)


def parse_duration(value: str | None) -> timedelta | None:
    """frab/pretalx durations ("01:30", "0:45", "1:00:00", "2d 01:00") -> timedelta."""
    if not value:
        return None
    text = value.strip()
    days = 0
    match = re.match(r"^(\d+)d\s*(.*)$", text)
    if match:
        days, text = int(match.group(1)), match.group(2) or "0:00"
    parts = text.split(":")
    if not 1 <= len(parts) <= 3 or not all(p.strip().isdigit() for p in parts):
        raise ValueError(f"not a duration: {value!r}")
    nums = [int(p) for p in parts]
    while len(nums) < 3:
        nums.append(0)
    hours, minutes, seconds = nums
    try:
        length = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    except OverflowError:
        length = MAX_DURATION * 2
    if length > MAX_DURATION:
        raise ValueError(f"duration {value!r} is longer than {MAX_DURATION.days} days")
    return length


def zone_name(moment: datetime | None, fallback: str | None = None) -> str | None:
    """The IANA name of ``moment``'s zone when it has one (ZoneInfo), else ``fallback``."""
    if moment is not None and isinstance(moment.tzinfo, ZoneInfo):
        return moment.tzinfo.key
    if moment is not None and moment.tzinfo is not None and moment.utcoffset() == timedelta(0) and not fallback:
        return "UTC"
    return fallback


# --- prose: "April 16, 1:50 pm", "Tuesday at 4pm", "Tuesday May 13, 2:50pm-4:20pm" -------------


@dataclass(frozen=True)
class TimeContext:
    """What prose times are resolved against.

    ``reference`` is the page's own date (a blog post's publication time): it supplies a
    missing year and anchors "Tuesday" or "tomorrow". ``year`` is the fallback year when
    the page has no date. ``default_day`` is the date a heading or an earlier line set
    ("Tuesday, May 13" above a list of bare times). ``timezone`` places naive wall times;
    without it, a time whose text gives no zone stays unresolved (``start`` None).
    """

    timezone: str | None = None
    reference: datetime | None = None
    year: int | None = None
    default_day: date | None = None

    def with_day(self, day: date | None) -> TimeContext:
        """This context with ``default_day`` replaced."""
        return replace(self, default_day=day)


@dataclass(frozen=True)
class TimeSpan:
    """One date or time found in text: where it is (``pos``/``endpos``, like ``re``), the
    day, and the instants when known.

    ``local_start``/``local_end`` are the wall-clock times as written (naive);
    ``start``/``end`` are aware, or None when no zone could be found for them.
    """

    pos: int
    endpos: int
    day: date | None
    has_time: bool
    has_date: bool
    local_start: datetime | None = None
    local_end: datetime | None = None
    start: datetime | None = None
    end: datetime | None = None

    @property
    def unzoned(self) -> bool:
        """A wall time was found but no zone to place it in."""
        return self.local_start is not None and self.start is None


# Between a date and its time: ", ", " at ", " @ ", " from ", a line break, a dash.
# (English, and the German, French, Spanish, Italian and Dutch words for "at".)
_JOIN_AFTER_DATE = re.compile(
    r"^[\s,;:|·•@–—(-]*(?:(?:at|from|starting at|starts at|begins at|um|ab|à|a las|alle|om)\s*)?$", re.I
)
_JOIN_AFTER_TIME = re.compile(r"^[\s,;:|·•–—(-]*(?:on\s+)?(?:the\s+)?$", re.I)
_MAX_JOIN = 24
_RECAP_WINDOW = timedelta(days=92)
_ISO_IN_TEXT = re.compile(
    r"(?<![\w-])(?:19|20)\d\d-[01]\d-[0-3]\dT[0-2]\d:[0-5]\d(?::[0-5]\d(?:\.\d+)?)?(?:Z|[+-][0-2]\d:?[0-5]\d)?(?![\w:])"
)


def find_times(text: str, context: TimeContext | None = None) -> list[TimeSpan]:
    """Every date, time and date+time in ``text``, in order, resolved with ``context``.

    A time is joined to the date right before it ("April 16, 1:50 pm", "Tuesday at
    4pm") or right after it ("4pm on Tuesday"); a time with neither uses
    ``context.default_day``. A weekday alone ("running Tuesday through Friday") is not
    reported: without a time it is too vague to be a schedule.
    """
    ctx = context or TimeContext()
    found: list[TimeSpan] = [_iso_span(m, ctx) for m in _ISO_IN_TEXT.finditer(text)]
    iso_ends = [span.endpos for span in found]

    def free(begin: int, end: int) -> bool:
        i = bisect_right(iso_ends, begin)  # the first ISO stamp ending after ``begin``
        return i == len(found) or found[i].pos >= end

    dates = [d for d in scan_dates(text) if free(d.begin, d.end)]
    times = [t for t in scan_times(text) if free(t.begin, t.end)]
    used: set[int] = set()
    for words in times:
        index = _date_for(text, words, dates, used)
        date_words = dates[index] if index is not None else None
        if index is not None:
            used.add(index)
        found.append(_resolve(words, date_words, ctx))
    for index, date_words in enumerate(dates):
        if index in used or date_words.weekday_only:
            continue
        day = _resolve_day(date_words, ctx)
        found.append(TimeSpan(date_words.begin, date_words.end, day, False, True))
    return sorted(found, key=lambda span: span.pos)


def parse_when(text: str, context: TimeContext | None = None) -> TimeSpan | None:
    """The first time of day in ``text`` (with its date), else the first date, else None."""
    spans = find_times(text, context)
    timed = [span for span in spans if span.has_time]
    best = timed or spans
    return best[0] if best else None


def _date_for(text: str, words: TimeWords, dates: list[DateWords], used: set[int]) -> int | None:
    """The date written next to a time (dates are in order and do not overlap)."""
    i = bisect_right(dates, words.begin, key=lambda d: d.end) - 1  # the nearest date before
    if i >= 0 and i not in used:
        gap = text[dates[i].end : words.begin]
        if len(gap) <= _MAX_JOIN and _JOIN_AFTER_DATE.match(gap):
            return i
    j = bisect_left(dates, words.end, key=lambda d: d.begin)  # the nearest date after
    if j < len(dates) and j not in used:
        gap = text[words.end : dates[j].begin]
        if len(gap) <= _MAX_JOIN and _JOIN_AFTER_TIME.match(gap):
            return j
    return None


def _iso_span(match: re.Match[str], ctx: TimeContext) -> TimeSpan:
    moment = parse_iso(match.group(0))
    assert moment is not None  # the pattern only matches non-empty stamps
    local = moment.replace(tzinfo=None)
    aware = _place(local, moment.tzinfo, ctx.timezone)
    return TimeSpan(match.start(), match.end(), local.date(), True, True, local, None, aware, None)


def _resolve(words: TimeWords, date_words: DateWords | None, ctx: TimeContext) -> TimeSpan:
    begin = min(words.begin, date_words.begin) if date_words else words.begin
    end = max(words.end, date_words.end) if date_words else words.end
    day = _resolve_day(date_words, ctx) if date_words else ctx.default_day
    if day is None:
        return TimeSpan(begin, end, None, True, date_words is not None)
    first, last = _clock_pair(words.start, words.stop)
    local_start = datetime.combine(day, first)
    local_end = datetime.combine(day, last) if last is not None else None
    if local_end is not None and local_end <= local_start:
        local_end += timedelta(days=1)  # "11pm-1am" ends the next day
    given: tzinfo | None = words.offset
    if words.zone_word in GENERIC_ZONES:
        given = zone(GENERIC_ZONES[words.zone_word])
    elif words.zone_word and ctx.timezone:
        # "CST" in Shanghai is China Standard Time: the configured zone wins when it
        # uses the same abbreviation at that moment.
        configured = localize(local_start, ctx.timezone)
        if configured.tzname() == words.zone_word:
            given = configured.tzinfo
    start = _place(local_start, given, ctx.timezone)
    stop = _place(local_end, given, ctx.timezone) if local_end is not None else None
    return TimeSpan(begin, end, day, True, date_words is not None, local_start, local_end, start, stop)


def _place(local: datetime, given: tzinfo | None, tz: str | None) -> datetime | None:
    """A wall time -> aware: in the zone the text gave, else the configured one.

    Shown in the configured zone when there is one, so that every time of a page reads
    alike. A wall time in a DST gap is read with the offset from before the gap (PEP
    495, fold=0) and then normalised to the real wall time ("2:30" -> "3:30").
    """
    if given is None and tz is None:
        return None
    moment = local.replace(tzinfo=given) if given is not None else localize(local, tz)
    target = zone(tz) if tz else moment.tzinfo
    return moment.astimezone(UTC).astimezone(target)


def _clock_pair(first: Clock, last: Clock | None) -> tuple[time, time | None]:
    """24-hour times for a clock or a range; a missing meridiem is borrowed from the other end."""
    if last is None:
        return _to_time(first, first.meridiem), None
    end = _to_time(last, last.meridiem or (first.meridiem if last.hour <= 12 else None))
    if first.meridiem or first.hour > 12 or first.hour == 0 or not last.meridiem:
        return _to_time(first, first.meridiem), end
    # "2:50-4:20pm" is afternoon; "11:30-1pm" starts before noon.
    start = _to_time(first, last.meridiem)
    if start > end:
        start = _to_time(first, "am" if last.meridiem == "pm" else "pm")
    return start, end


def _to_time(clock: Clock, meridiem: str | None) -> time:
    hour = clock.hour
    if meridiem == "am":
        hour = 0 if hour == 12 else hour
    elif meridiem == "pm":
        hour = hour if hour == 12 else hour + 12
    return time(hour, clock.minute)


def _resolve_day(words: DateWords, ctx: TimeContext) -> date | None:
    """The date ``words`` name, with a missing year from the page's date or the context."""
    anchor = _reference_day(ctx)
    if words.relative is not None:
        return anchor + timedelta(days=words.relative) if anchor else None
    if words.day is None or words.month is None:
        # A weekday alone: the first such day on or after the day in force.
        base = ctx.default_day or anchor
        if base is None or words.weekday is None or not MIN_YEAR <= base.year <= MAX_YEAR:
            return None
        return base + timedelta(days=(words.weekday - base.weekday()) % 7)
    if words.year is not None:
        return _valid_date(words.year, words.month, words.day)
    if anchor is not None:
        candidates = [
            d for y in (anchor.year - 1, anchor.year, anchor.year + 1)
            if (d := _valid_date(y, words.month, words.day)) is not None
        ]  # fmt: skip
        if words.weekday is not None:
            # "Tuesday May 13" picks the year where May 13 is a Tuesday, when one is near.
            candidates = [d for d in candidates if d.weekday() == words.weekday] or candidates
        # Posts mostly announce: the first reading on or after the post's date, allowing a
        # recap written up to a quarter after the talk.
        recent = [d for d in candidates if d >= anchor - _RECAP_WINDOW]
        return min(recent or candidates, default=None)
    if ctx.year is not None:
        return _valid_date(ctx.year, words.month, words.day)
    return None


def _reference_day(ctx: TimeContext) -> date | None:
    ref = ctx.reference
    if ref is None or not MIN_YEAR <= ref.year <= MAX_YEAR:
        return None
    if ref.tzinfo is not None and ctx.timezone:
        return ref.astimezone(zone(ctx.timezone)).date()
    return ref.date()


def _valid_date(year: int, month: int, day: int) -> date | None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None
