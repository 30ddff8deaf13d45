"""Reading iCalendar (RFC 5545) content lines fast: unfold, split, unescape, typed values.

The icalendar library builds a typed object for every property of every component,
which runs at about 2 MB/s; a schedule feed needs a dozen properties per VEVENT. This
reader walks the unfolded lines once, keeps only the wanted properties of VEVENTs and
the calendar, and hands VTIMEZONE blocks whole to icalendar (scraper.parsers.ical),
which knows how to turn them into tzinfo objects.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from scraper.timeparse import MAX_DURATION, MAX_YEAR, MIN_YEAR

_LITERAL_ESCAPES = frozenset(",;:nN")
_ESCAPE = re.compile(r"\\([\\;,:nN])")
_STAMP = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})?(Z)?)?$")
_MIN_YEAR, _MAX_YEAR = f"{MIN_YEAR:04d}", f"{MAX_YEAR:04d}"
_DURATION = re.compile(r"^([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")

Params = dict[str, str]
_NO_PARAMS: Params = {}  # shared, never written
Prop = tuple[Params, str]


@dataclass
class Component:
    """A VEVENT (or VCALENDAR) reduced to its properties.

    ``values`` holds the raw value of each property's first occurrence (all that most
    lookups want) and ``params`` that occurrence's parameters when it has any; a property
    that occurs again has every occurrence in ``repeated``. (A list and a tuple for each
    property would be thousands of allocations per feed, and work for the garbage collector.)
    """

    values: dict[str, str] = field(default_factory=dict)
    params: dict[str, Params] = field(default_factory=dict)
    repeated: dict[str, list[Prop]] = field(default_factory=dict)
    line: int = 0  # position among the feed's VEVENTs (1-based), for messages

    def first(self, name: str) -> Prop | None:
        value = self.values.get(name)
        return None if value is None else (self.params.get(name, _NO_PARAMS), value)

    def every(self, name: str) -> list[Prop]:
        """Each ``name`` property, in order."""
        if name in self.repeated:
            return self.repeated[name]
        found = self.first(name)
        return [] if found is None else [found]

    def text(self, name: str) -> str:
        """The unescaped text of the first ``name`` property ('' when absent)."""
        value = self.values.get(name)
        return "" if value is None else unescape(value)

    def add(self, name: str, params: Params, value: str) -> None:
        """File one more occurrence of ``name``."""
        if name not in self.values:
            self.values[name] = value
            if params:
                self.params[name] = params
        elif name in self.repeated:
            self.repeated[name].append((params, value))
        else:
            self.repeated[name] = [(self.params.get(name, _NO_PARAMS), self.values[name]), (params, value)]


@dataclass
class Calendar:
    """What one pass over a feed yields."""

    props: Component
    events: list[Component]
    timezones: dict[str, str]  # TZID -> the VTIMEZONE block as text


def unescape(value: str) -> str:
    """RFC 5545 TEXT unescaping: \\n is a newline, \\, \\; \\\\ are literal."""
    if "\\" not in value:
        return value
    if "\\\\" in value:  # an escaped backslash must not start another escape
        return _ESCAPE.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)
    if len(value) < 100:  # short values (titles, rooms): five C-speed replace passes win
        value = value.replace("\\,", ",").replace("\\;", ";").replace("\\:", ":")
        return value.replace("\\n", "\n").replace("\\N", "\n")
    # Long descriptions: each replace that finds something copies the text; split once instead.
    parts = value.split("\\")
    for i in range(1, len(parts)):
        part = parts[i]
        mark = part[:1]
        if mark in _LITERAL_ESCAPES:
            parts[i] = "\n" + part[1:] if mark in "nN" else part
        else:
            parts[i] = "\\" + part  # not an escape RFC 5545 knows: kept as written
    return "".join(parts)


def split_unescaped(value: str, sep: str = ",") -> list[str]:
    """Split a TEXT list value on separators that are not escaped, then unescape."""
    if "\\" not in value:
        return value.split(sep)
    parts, current, i = [], [], 0
    while i < len(value):
        char = value[i]
        if char == "\\" and i + 1 < len(value):
            current.append(value[i : i + 2])
            i += 2
            continue
        if char == sep:
            parts.append(unescape("".join(current)))
            current = []
        else:
            current.append(char)
        i += 1
    parts.append(unescape("".join(current)))
    return parts


def _params(line: str, start: int) -> tuple[Params, int]:
    """Parameters from ``line[start:]`` up to the unquoted ':'; returns (params, colon index)."""
    params: Params = {}
    i, n = start, len(line)
    while i < n:
        eq = line.find("=", i)
        if eq < 0:
            return params, -1
        key = line[i:eq].upper()
        i = eq + 1
        pieces = []
        while i < n:
            if line[i] == '"':
                close = line.find('"', i + 1)
                if close < 0:
                    return params, -1
                pieces.append(line[i + 1 : close])
                i = close + 1
            else:
                j = i
                while j < n and line[j] not in ';:,"':
                    j += 1
                pieces.append(line[i:j])
                i = j
            if i < n and line[i] == ",":
                pieces.append(",")
                i += 1
                continue
            break
        params[key] = "".join(pieces)
        if i >= n:
            return params, -1
        if line[i] == ":":
            return params, i
        i += 1  # ';' before the next parameter
    return params, -1


# Possessive quantifiers: a hostile line of ';' without ':' must not backtrack for minutes.
_PROPERTY = re.compile(r'^([A-Za-z0-9-]++)((?:;(?:"[^"\n]*+"|[^";:\n]++)*+)*+):(.*)$', re.M)
_VTIMEZONE = re.compile(r"^BEGIN:VTIMEZONE[ \t]*+$.*?^END:VTIMEZONE[ \t]*+$", re.M | re.S | re.I)


def unfold(text: str) -> str:
    """LF line ends, and continuation lines (a break then one space or tab) joined (RFC 5545 3.1)."""
    # split+join is str.replace with the same result, at about twice its speed when the
    # needle occurs on most lines (replace searches for every occurrence twice).
    if "\r" in text:
        text = "\n".join(text.split("\r\n"))
        if "\r" in text:  # old Mac line ends; each pass over a feed costs, so only when present
            text = text.replace("\r", "\n")
    text = "".join(text.split("\n "))
    return "".join(text.split("\n\t")) if "\t" in text else text


def read(text: str, wanted: frozenset[str], calendar_wanted: frozenset[str]) -> Calendar:
    """One pass over an iCalendar text; ValueError when it is not one.

    A single regex yields, in order, the BEGIN/END lines and the wanted property lines
    (at C speed); Python only tracks nesting and files each property under its VEVENT or
    the calendar. Properties of nested components (VALARM) are dropped by their depth.
    """
    unfolded = unfold(text)
    stack: list[str] = []
    calendar = Component()
    events: list[Component] = []
    event: Component | None = None
    seen_calendar = seen_timezone = False
    # Where property lines go, decided at each BEGIN/END: the open VEVENT, the calendar,
    # or nowhere (None: inside VALARM, VTIMEZONE, ...).
    target: Component | None = None
    names = calendar_wanted
    for found_lines in _chunks(_lines(wanted | calendar_wanted), "\n" + unfolded):
        for kind, component, name, raw_params, value in found_lines:
            if not kind:  # a property line: most lines, so tested first and kept short
                if target is None:
                    continue
                if name not in names:  # the names are upper case, as feeds almost always write them
                    name = name.upper()
                    if name not in names:
                        continue
                values = target.values
                if name in values or raw_params:
                    target.add(name, _params(raw_params + ":", 1)[0] if raw_params else _NO_PARAMS, value)
                else:
                    values[name] = value  # the usual line: no parameters, first of its name
                continue
            component = component.upper()
            if kind.upper() == "BEGIN":
                stack.append(component)
                seen_calendar = seen_calendar or component == "VCALENDAR"
                seen_timezone = seen_timezone or component == "VTIMEZONE"
                if component == "VEVENT" and len(stack) == 2 and stack[0] == "VCALENDAR":
                    event = Component(line=len(events) + 1)
            else:
                if not stack or stack[-1] != component:
                    raise ValueError(f"END:{component} does not close BEGIN:{stack[-1] if stack else '-'}")
                stack.pop()
                if component == "VEVENT" and event is not None and len(stack) == 1:
                    events.append(event)
                    event = None
            depth = len(stack)
            if depth == 2 and event is not None:
                target, names = event, wanted
            elif depth == 1:
                target, names = calendar, calendar_wanted
            else:
                target = None
    if not seen_calendar:
        raise ValueError("no BEGIN:VCALENDAR")
    if stack:
        raise ValueError(f"BEGIN:{stack[-1]} is never closed (truncated file?)")
    # Only a feed with a VTIMEZONE pays for the search of its blocks.
    return Calendar(props=calendar, events=events, timezones=_timezones(unfolded) if seen_timezone else {})


def _chunks(pattern: re.Pattern[str], text: str, size: int = 1 << 15) -> Iterator[list[tuple[str, ...]]]:
    """``pattern.findall`` a chunk of whole lines at a time: tuples without Match objects
    (faster than finditer), and never one list of every line. Small chunks: each chunk's
    tuples are freed before the next are made, so few pile up for the garbage collector
    to visit (a 32 KB chunk is a few hundred lines, its findall call costs nothing).

    ``text`` starts with a line break and each chunk with the one before its first line
    (the pattern's matches start with it)."""
    start = 0
    while start < len(text):
        end = text.find("\n", start + size)
        end = len(text) if end < 0 else end
        yield pattern.findall(text, start, end)
        start = end


def _timezones(unfolded: str) -> dict[str, str]:
    """TZID -> VTIMEZONE block (CRLF text, as icalendar wants it)."""
    found: dict[str, str] = {}
    if "VTIMEZONE" not in unfolded and "vtimezone" not in unfolded:
        return found
    for block in _VTIMEZONE.findall(unfolded):
        tzid = re.search(r"^TZID[^:\n]*+:(.*)$", block, re.M | re.I)
        if tzid:
            found[tzid.group(1).strip()] = block.replace("\n", "\r\n")
    return found


@lru_cache(maxsize=8)
def _lines(names: frozenset[str]) -> re.Pattern[str]:
    """BEGIN/END lines or lines of the ``names`` properties: unwanted lines never reach Python.

    Each match starts with the line break before its line: sre scans for a literal first
    character in C, where a leading ``^`` is tried at every position (~1 ms per 200 KB).
    """
    alternatives = _by_first_letter(names)
    prop = _PROPERTY.pattern[1:].replace("([A-Za-z0-9-]++)", f"((?i:{alternatives}))(?=[;:])", 1)
    return re.compile(rf"\n(?:(?i:(BEGIN|END)):[ \t]*+([A-Za-z0-9-]++)[ \t]*+$|{prop})", re.M)


def _by_first_letter(names: frozenset[str]) -> str:
    """An alternation of ``names`` grouped by first letter ("D(?:TSTART|TEND|...)"): sre tries
    alternatives one by one, and every line of a feed meets this one."""
    groups: dict[str, list[str]] = {}
    for name in sorted(names, key=len, reverse=True):
        groups.setdefault(name[:1], []).append(re.escape(name[1:]))
    return "|".join(
        re.escape(first) + (f"(?:{'|'.join(rests)})" if len(rests) > 1 else rests[0])
        for first, rests in sorted(groups.items())
    )


def stamp(value: str) -> datetime | date:
    """DATE or DATE-TIME value -> date, naive datetime, or UTC-aware datetime ('Z')."""
    size = len(value)
    # The usual "20240501T100000Z" (every distinct stamp of a feed): checked here, then read
    # by fromisoformat, which takes this basic form at ~20x the regex's speed. Hour 24 is
    # left to the regex path, whatever a later Python makes of it.
    if (
        (size == 16 or size == 15)
        and value[8] == "T"
        and value.isascii()
        and (value[:8] + value[9:15]).isdigit()
        and (size == 15 or value[15] == "Z")
        and value[9:11] < "24"
    ):
        if not _MIN_YEAR <= value[:4] <= _MAX_YEAR:  # four ASCII digits compare as numbers
            raise ValueError(f"not a plausible iCalendar date: {value!r}")
        return datetime.fromisoformat(value)  # 'Z' gives datetime.UTC itself
    match = _STAMP.match(value.strip())
    if not match:
        raise ValueError(f"not an iCalendar date or date-time: {value!r}")
    y, mo, d, h, mi, s, z = match.groups()
    if not MIN_YEAR <= int(y) <= MAX_YEAR:  # junk, and too near datetime's limits for zone shifts
        raise ValueError(f"not a plausible iCalendar date: {value!r}")
    if h is None:
        return date(int(y), int(mo), int(d))
    moment = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0))
    return moment.replace(tzinfo=UTC) if z else moment


def duration(value: str) -> timedelta:
    """RFC 5545 DURATION ('PT1H30M', 'P1D', '-PT15M') -> timedelta."""
    match = _DURATION.match(value.strip().upper())
    if not match or value.strip().upper() in ("P", "PT", "-P", "+P"):
        raise ValueError(f"not an iCalendar duration: {value!r}")
    sign, weeks, days, hours, minutes, seconds = match.groups()
    try:
        delta = timedelta(
            weeks=int(weeks or 0),
            days=int(days or 0),
            hours=int(hours or 0),
            minutes=int(minutes or 0),
            seconds=int(seconds or 0),
        )
    except OverflowError:
        delta = MAX_DURATION * 2
    if delta > MAX_DURATION:
        raise ValueError(f"iCalendar duration {value!r} is longer than {MAX_DURATION.days} days")
    return -delta if sign == "-" else delta

