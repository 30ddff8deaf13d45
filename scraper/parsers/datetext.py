"""Dates and times as HTML schedule pages print them, on top of :mod:`scraper.timeparse`.

Schedule pages differ from blog posts in two ways that matter here: a day heading
("Monday, April 16") names its weekday, so a missing year is the one nearest the page's
year on which that weekday falls; and the zone a page prints ("9:30am PDT") only
cross-checks the configured zone, which is what places the wall times.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from scraper.errors import ConfigError
from scraper.timeparse import TimeContext, TimeSpan, localize, parse_when, zone
from scraper.timewords import MONTHS, WEEKDAYS, fixed_offset, scan_dates, scan_times

_SEPARATORS = " \u00a0,.;:|()[]-–—•·@"
# The two shapes Sched prints on every session ("Monday April 16, 2012 9:30am - 9:55am PDT"
# and the slot heading "9:30am PDT"), read by one small regex before the general scanner:
# list pages repeat them thousands of times.
_CLOCK = r"(?P<h{n}>[012]?\d)(?::(?P<m{n}>[0-5]\d))?\s*(?P<ap{n}>[ap]m)?"
_FAST = re.compile(
    r"^(?:(?P<wd>[A-Z][a-z]{2,8})\.?,?\s+)?(?:(?P<mon>[A-Z][a-z]{2,8})\.?\s+(?P<day>\d{1,2}),?"
    r"(?:\s+(?P<year>(?:19|20)\d\d))?\s*[,\u2022]?\s*)?"
    + _CLOCK.format(n=1)
    + r"(?:\s*[-\u2013]\s*"
    + _CLOCK.format(n=2)
    + r")?(?:\s+(?P<tz>[A-Z]{2,5}))?$"
)


def resolve_year(month: int, day: int, weekday: int | None, reference: int | None) -> int | None:
    """``reference`` when the weekday agrees (or none is given), else the nearest year that fits."""
    if reference is None or weekday is None:
        return reference
    for delta in (0, 1, -1, 2, -2, 3, -3, 4, -4, 5, -5, 6, -6):
        try:
            if date(reference + delta, month, day).weekday() == weekday:
                return reference + delta
        except ValueError:  # 29 February in a common year
            continue
    return reference


@lru_cache(maxsize=8192)
def when(text: str, reference_year: int | None, default_day: date | None = None) -> TimeSpan | None:
    """The first time (with its date) or else date in ``text``; see timeparse.parse_when.

    The year of a date written without one comes from :func:`resolve_year`. Cached:
    list pages repeat the same slot headings and detail lines many times.
    """
    fast = _fast(text, reference_year, default_day)
    if fast is not None:
        return fast
    year = reference_year
    for words in scan_dates(text):
        if words.month is not None and words.day is not None:
            year = words.year or resolve_year(words.month, words.day, words.weekday, reference_year)
            break
    return parse_when(text, TimeContext(year=year, default_day=default_day))


def _fast(text: str, reference_year: int | None, default_day: date | None) -> TimeSpan | None:
    """The Sched shapes without the general scanner; None when ``text`` is not one of them."""
    match = _FAST.match(text)
    if match is None or not (match["m1"] or match["ap1"]):
        return None
    day = default_day
    if match["mon"]:
        month = MONTHS.get(match["mon"].lower())
        weekday = WEEKDAYS.get(match["wd"].lower()) if match["wd"] else None
        if month is None or (match["wd"] and weekday is None):
            return None
        year = int(match["year"]) if match["year"] else None
        year = year or resolve_year(month, int(match["day"]), weekday, reference_year)
        try:
            day = date(year, month, int(match["day"])) if year else None
        except ValueError:
            return None
    first = _clock(match["h1"], match["m1"], match["ap1"] or (match["ap2"] if match["h2"] else None))
    last = _clock(match["h2"], match["m2"], match["ap2"]) if match["h2"] else None
    if first is None or (match["h2"] and last is None):
        return None
    if last is not None and first > last and match["ap2"] == "pm" and not match["ap1"]:
        first = _clock(match["h1"], match["m1"], "am")  # "11:30 - 1pm" starts in the morning
    assert first is not None
    if day is None:
        return TimeSpan(0, len(text), None, True, bool(match["mon"]))
    local_start = datetime.combine(day, first)
    local_end = datetime.combine(day, last) if last is not None else None
    if local_end is not None and local_end <= local_start:
        local_end += timedelta(days=1)
    given = fixed_offset(match["tz"]) if match["tz"] else None
    start = local_start.replace(tzinfo=given) if given else None
    end = local_end.replace(tzinfo=given) if given and local_end else None
    return TimeSpan(0, len(text), day, True, bool(match["mon"]), local_start, local_end, start, end)


def _clock(hour: str, minute: str | None, meridiem: str | None) -> time | None:
    value = int(hour)
    if meridiem:
        if not 1 <= value <= 12:
            return None
        value = value % 12 + (12 if meridiem == "pm" else 0)
    if value > 23:
        return None
    return time(value, int(minute or 0))


def day_of(text: str, reference_year: int | None) -> date | None:
    """The date a heading names ("Monday, April 16"), or None."""
    span = when(text, reference_year)
    return span.day if span is not None and span.has_date else None


@lru_cache(maxsize=4096)
def is_clock_only(text: str) -> bool:
    """True for a time-slot heading: "9:30am", "9:30am PDT", "09:00 - 10:00", nothing else."""
    times = scan_times(text)
    if len(times) != 1 or any(not w.weekday_only for w in scan_dates(text)):
        return False
    rest = text[: times[0].begin] + text[times[0].end :]
    return not rest.strip(_SEPARATORS)


@lru_cache(maxsize=4096)
def zone_word(text: str) -> str | None:
    """The zone abbreviation written after the first time in ``text`` ("PDT"), if any."""
    for words in scan_times(text):
        return words.zone_word
    return None


def place(span: TimeSpan, tz: str | None) -> tuple[datetime | None, datetime | None]:
    """Aware start and end: wall times in the configured zone, else in the zone written."""
    if span.local_start is None:
        return None, None
    if tz:
        end = localize(span.local_end, tz) if span.local_end is not None else None
        return localize(span.local_start, tz), end
    return span.start, span.end


def disagrees(moment: datetime | None, word: str | None) -> bool:
    """True when the page's zone word names another offset than ``moment`` has."""
    if moment is None or word is None or moment.tzinfo is None or moment.tzname() == word:
        return False
    written = fixed_offset(word)
    return written is not None and written.utcoffset(None) != moment.utcoffset()


def zone_or_none(name: str | None) -> str | None:
    """``name`` when it is a valid IANA zone (validated through timeparse.zone), else None."""
    if not name:
        return None
    try:
        zone(name)
    except ConfigError:  # the page printed something that is no IANA name
        return None
    return name
