"""The vocabulary of dates and times in prose: finds the words, does not resolve them.

``scan_dates`` and ``scan_times`` find "Tuesday, Nov. 5", "April 16", "13 May 2014",
"2013-04-16", "2:50pm-4:20pm", "11:15 am PDT", "noon" in running text and report what
each says literally (month, day, weekday, hour, meridiem, zone word). Turning those into
aware datetimes needs a context (post date, time zone) and is :mod:`scraper.timeparse`'s job.

Month and weekday names must be capitalised ("may" is usually a verb); a bare number is
a time only with a meridiem, a colon (24-hour "14:50") or as one end of such a range.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta, timezone, tzinfo

MONTHS: dict[str, int] = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4,
    "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11,
    "november": 11, "dec": 12, "december": 12,
}  # fmt: skip
WEEKDAYS: dict[str, int] = {
    "mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "weds": 2,
    "wednesday": 2, "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4, "friday": 4,
    "sat": 5, "saturday": 5, "sun": 6, "sunday": 6,
}  # fmt: skip
#: Words that name a day relative to the page's own date.
RELATIVE_DAYS: dict[str, int] = {"today": 0, "tonight": 0, "tomorrow": 1}


def _names(words: dict[str, int]) -> str:
    """An alternation of Capitalised and UPPER forms, longest first (so "Tuesday" beats "Tue")."""
    forms = {form for word in words for form in (word.capitalize(), word.upper())}
    return "|".join(sorted(forms, key=len, reverse=True))


_WD = rf"(?P<wd>{_names(WEEKDAYS)})\.?"
_MON = rf"(?P<mon>{_names(MONTHS)})\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
# "April 15-18": the second day is consumed so that "15-18" is never read as a time.
_DAY_TAIL = r"(?:\s*[-–]\s*[0-3]?\d(?:st|nd|rd|th)?)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)(?![\d:])"
_WD_LEAD = rf"(?:{_WD}\s*,?\s+(?:the\s+)?)?"

_DATE_PATTERNS = (
    # Tuesday, Nov. 5 / April 16, 2013 / Tuesday May 13
    re.compile(rf"(?<![\w-]){_WD_LEAD}{_MON}\s+{_DAY}{_DAY_TAIL}(?![\d:])(?:\s*,?\s*{_YEAR})?"),
    # Tuesday 13th of May 2014 / 16 April
    re.compile(rf"(?<![\w:.-]){_WD_LEAD}{_DAY}{_DAY_TAIL}\s+(?:of\s+)?{_MON}(?![a-z])(?:\s*,?\s*{_YEAR})?"),
    # 2013-04-16
    re.compile(rf"(?<![\w-]){_WD_LEAD}(?P<year>(?:19|20)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)(?![\d-])"),
    # 16.04.2013 (the European order; slashes are left alone: 4/5 is ambiguous)
    re.compile(
        rf"(?<![\w.]){_WD_LEAD}(?P<day>[0-3]?\d)\.(?P<month>[01]?\d)\.(?P<year>(?:19|20)\d\d)(?![\d.])"
    ),
    # a weekday or "tomorrow" alone: only a date when a time goes with it
    re.compile(rf"(?<![\w-]){_WD}(?![\w-])"),
    re.compile(rf"(?<![\w-])(?P<rel>{_names(RELATIVE_DAYS)}|{'|'.join(RELATIVE_DAYS)})(?![\w-])"),
)

_MERIDIEM = r"[aApP]\.?\s?[mM]\.?(?![A-Za-z])"
_NOON = r"noon|midday|midnight|Noon|Midday|Midnight"


def _clock(n: str) -> str:
    return (
        rf"(?:(?P<word{n}>{_NOON})|(?P<h{n}>[012]?\d)(?:(?P<sep{n}>[:.h])(?P<m{n}>[0-5]\d)(?::[0-5]\d)?)?"
        rf"(?!\d)(?:\s*(?P<ap{n}>{_MERIDIEM}))?)"
    )


_TIME = re.compile(
    rf"(?<![\w:.,/-])(?:(?P<between>between\s+)|from\s+)?{_clock('1')}"
    # "and" joins a range only after "between": "at 2pm and 4pm" is two times.
    rf"(?:\s*(?:-|–|—|to|until|till|(?(between)and|(?!)))\s*{_clock('2')})?(?![\w/]|:\d)"
)
# A zone written after a time: "PDT", "(UTC+2)", "GMT-05:00", "+0200", "Z".
_ZONE = re.compile(
    r"\s*\(?(?:(?P<abbr>[A-Z]{1,5})(?:\s*(?P<sign>[+-])(?P<oh>\d{1,2})(?::?(?P<om>\d\d))?)?"
    r"|(?P<sign2>[+-])(?P<oh2>\d\d):?(?P<om2>\d\d))\)?(?!\w|:\d)"
)

_FIXED: dict[str, float] = {
    "UTC": 0, "GMT": 0, "Z": 0, "PST": -8, "PDT": -7, "MST": -7, "MDT": -6, "CST": -6,
    "CDT": -5, "EST": -5, "EDT": -4, "AKST": -9, "AKDT": -8, "HST": -10, "WET": 0,
    "WEST": 1, "BST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "MSK": 3, "HKT": 8,
    "SGT": 8, "JST": 9, "KST": 9, "AWST": 8, "ACST": 9.5, "ACDT": 10.5, "AEST": 10,
    "AEDT": 11, "NZST": 12, "NZDT": 13,
}  # fmt: skip
#: Generic names that follow a place's daylight saving: resolved through its IANA zone.
GENERIC_ZONES: dict[str, str] = {
    "PT": "America/Los_Angeles", "MT": "America/Denver", "CT": "America/Chicago",
    "ET": "America/New_York",
}  # fmt: skip


@dataclass(frozen=True)
class DateWords:
    """A date as written: any of month/day/year/weekday, or a day relative to the page."""

    begin: int
    end: int
    month: int | None = None
    day: int | None = None
    year: int | None = None
    weekday: int | None = None
    relative: int | None = None

    @property
    def weekday_only(self) -> bool:
        """True for "Tuesday" or "tomorrow": a date only when a time comes with it."""
        return self.day is None


@dataclass(frozen=True)
class Clock:
    """One time of day as written: 24-hour ``hour`` unless ``meridiem`` is "am"/"pm"."""

    hour: int
    minute: int
    meridiem: str | None = None
    explicit: bool = False  # had a meridiem, a colon, or was a word ("noon")


@dataclass(frozen=True)
class TimeWords:
    """A time or a time range as written, with the zone written after it (if any)."""

    begin: int
    end: int
    start: Clock
    stop: Clock | None = None
    zone_word: str | None = None
    offset: tzinfo | None = None


def scan_dates(text: str) -> list[DateWords]:
    """Every date in ``text``, in order; overlapping readings keep the longest."""
    found: list[DateWords] = []
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            words = _date_words(match)
            if words is not None:
                found.append(words)
    return _longest_first(found)


def _date_words(match: re.Match[str]) -> DateWords | None:
    groups = match.groupdict()
    weekday = WEEKDAYS[groups["wd"].lower()] if groups.get("wd") else None
    if groups.get("rel"):
        return DateWords(match.start(), match.end(), relative=RELATIVE_DAYS[groups["rel"].lower()])
    if groups.get("day") is None:
        return DateWords(match.start(), match.end(), weekday=weekday)
    month = MONTHS[groups["mon"].lower()] if groups.get("mon") else int(groups["month"])
    day = int(groups["day"])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    year = int(groups["year"]) if groups.get("year") else None
    return DateWords(match.start(), match.end(), month=month, day=day, year=year, weekday=weekday)


def scan_times(text: str) -> list[TimeWords]:
    """Every time or time range in ``text``, in order."""
    found: list[TimeWords] = []
    for match in _TIME.finditer(text):
        start = _clock_of(match, "1")
        if match.group("h2") is None and match.group("word2") is None:
            words = _single(match, start)
        else:
            words = _range(match, start, _clock_of(match, "2"))
        if words is not None:
            found.append(_with_zone(text, words))
    return found


def _clock_of(match: re.Match[str], n: str) -> Clock | None:
    word = match.group(f"word{n}")
    if word:
        return Clock(0 if word.lower() == "midnight" else 12, 0, None, True)
    hour = int(match.group(f"h{n}"))
    minute = int(match.group(f"m{n}") or 0)
    sep = match.group(f"sep{n}")
    meridiem = match.group(f"ap{n}")
    ampm = ("am" if meridiem[0] in "aA" else "pm") if meridiem else None
    if ampm and not 1 <= hour <= 12:
        return None
    if hour > 23:
        return None
    # "2.50" is a time only with a meridiem: alone it is more often a version or a price.
    explicit = bool(ampm) or sep in (":", "h")
    return Clock(hour, minute, ampm, explicit)


def _single(match: re.Match[str], start: Clock | None) -> TimeWords | None:
    if start is None or not start.explicit:
        return None
    return TimeWords(match.start(), match.end(), start)


def _range(match: re.Match[str], start: Clock | None, stop: Clock | None) -> TimeWords | None:
    if start is None or stop is None:
        return None
    if not (start.explicit or stop.explicit):
        return None  # "15-18" is a day range or a score, not a time
    if not start.explicit and not stop.meridiem:
        return None
    return TimeWords(match.start(), match.end(), start, stop)


def _with_zone(text: str, words: TimeWords) -> TimeWords:
    match = _ZONE.match(text, words.end)
    if not match:
        return words
    abbr = match.group("abbr")
    if abbr:
        if abbr in GENERIC_ZONES:
            return _replace(words, match.end(), abbr, None)
        if abbr not in _FIXED:
            return words
        hours = _FIXED[abbr]
        if match.group("sign"):
            if abbr not in ("UTC", "GMT"):
                return words
            sign = -1 if match.group("sign") == "-" else 1
            hours = sign * (int(match.group("oh")) + int(match.group("om") or 0) / 60)
        return _replace(words, match.end(), abbr, timezone(timedelta(hours=hours)))
    sign = -1 if match.group("sign2") == "-" else 1
    hours = sign * (int(match.group("oh2")) + int(match.group("om2")) / 60)
    if abs(hours) > 14:
        return words
    return _replace(words, match.end(), None, timezone(timedelta(hours=hours)))


def _replace(words: TimeWords, end: int, abbr: str | None, offset: tzinfo | None) -> TimeWords:
    return TimeWords(words.begin, end, words.start, words.stop, abbr, offset)


def _longest_first(found: list[DateWords]) -> list[DateWords]:
    """Non-overlapping readings in order; of two that overlap, the longer one stays."""
    chosen: list[DateWords] = []
    for words in sorted(found, key=lambda w: (w.begin, -(w.end - w.begin))):
        if not chosen or words.begin >= chosen[-1].end:
            chosen.append(words)
        elif words.end - words.begin > chosen[-1].end - chosen[-1].begin:
            chosen[-1] = words
    return chosen


def fixed_offset(abbr: str) -> tzinfo | None:
    """The fixed UTC offset a zone abbreviation names ("PDT" -> -07:00), or None."""
    hours = _FIXED.get(abbr)
    return None if hours is None else timezone(timedelta(hours=hours))
