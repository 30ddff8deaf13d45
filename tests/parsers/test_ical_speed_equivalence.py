"""The ical parser's fast paths give exactly what the straightforward code gives.

The reader files each property's first value without a list, the SUMMARY convention checks
and splits a speaker tail in one pass, and tidy_lines returns descriptions that are tidy
already as they are. Each is compared here with the plain version on awkward input: folded and
mixed line ends, odd nesting and case, repeated properties, brackets, separators, spacing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scraper.parsers._feed import retidy, tidy_lines
from scraper.parsers._ics import (
    Component,
    Prop,
    _chunks,
    _lines,
    _params,
    _timezones,
    read,
    unescape,
    unfold,
)
from scraper.parsers._summary import (
    CONVENTION_SHARE,
    Splits,
    _groups,
    _is_name,
    _pretalx,
    dashes,
    title_and_speakers,
    uses_convention,
)
from scraper.parsers.ical import _CALENDAR_WANTED, _WANTED
from scraper.text import clean, split_people, split_speakers

# --- descriptions ------------------------------------------------------------------------------

#: Escapes, every kind of whitespace prose or str.strip acts on, markup, entities, non-ASCII.
DESCRIPTION_PIECES = [
    "", "a", "Line one.", "b c", " ", "  ", "\\n", "\\N", "\\,", "\\;", "\\:", "\\\\", "\\x", "\n", "\t", "\r",
    "\x0b", "\x0c", "\x1c", "\x1f", "\x7f", "\x00", "\x85", "\xa0", "\u2028", "é", "<p>", "<br>", "<", "&amp;", "&",
]  # fmt: skip


@pytest.mark.parametrize(
    "raw",
    ["", " ", "\\n", "a\\nb", "a\\n\\nb", "a\\n b", "a \\nb", " a\\nb", "a\\nb ", "a\\n", "\\na", "a  b\\nc",
     "a\\nb\tc", "a\\nb\x1cc", "a\\nb\x7fc", "a\\nbé", "a\\n<p>b</p>", "a\\n&amp;b", "a\\\\nb", "one line  "],
)  # fmt: skip
def test_description_tidying_agrees_with_retidying_on_awkward_text(raw: str) -> None:
    assert tidy_lines(unescape(raw)) == retidy(unescape(raw))


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(DESCRIPTION_PIECES), max_size=10))
def test_description_tidying_agrees_with_retidying_on_any_mix(pieces: list[str]) -> None:
    raw = "".join(pieces)
    assert tidy_lines(unescape(raw)) == retidy(unescape(raw))


# --- the SUMMARY convention --------------------------------------------------------------------


def straightforward_reads_as_people(tail: str, sched: bool) -> bool:
    empty = True
    for group in _groups(clean(tail)):
        if not group.strip():
            continue
        empty = False
        names = group.split(",", 1)[:1] if sched else group.split(",")
        if any(name.strip() and not _is_name(name) for name in names):
            return False
    return not empty


def straightforward_split_at(summary: str, sched: bool) -> int | None:
    for index in dashes(summary):
        title, tail = summary[:index].strip(), summary[index + 3 :]
        if title and tail.strip() and straightforward_reads_as_people(tail, sched):
            return index
    return None


def straightforward_title_and_speakers(summary: str, producer: str) -> tuple[str, list[str]]:
    if "pretalx" in producer:
        return _pretalx(summary)
    sched = "sched" in producer
    index = straightforward_split_at(summary, sched)
    if index is None:
        return clean(summary), []
    tail = summary[index + 3 :]
    return clean(summary[:index]), split_people(tail) if sched else split_speakers(tail)


def straightforward_uses_convention(summaries: Sequence[str], producer: str) -> bool:
    if "pretalx" in producer:
        return True
    hits = sum(straightforward_split_at(summary, "sched" in producer) is not None for summary in summaries)
    return bool(summaries) and hits >= CONVENTION_SHARE * len(summaries)


PRODUCERS = ["-//sched.com demo//en", "-//example.org//calendar//en", "-//pretalx//demo//"]
#: Titles, dashes, people, roles, every separator the two splits know, brackets, stand-ins.
SUMMARY_PIECES = [
    "Talk", "Intro to X", "Port of Call", " - ", " -", "- ", " – ", "—", "Ann Lee", "ann lee", "Bo Chan", "Acme Corp",
    ", ", ",", "; ", ";", " & ", " and ", " und ", "Sandra", " / ", "/", " | ", "(Part 1)", "(", ")", "[Org]", "[",
    "TBA", "anyone else", "Q&A", "van Rossum", "Dr. Who", "Émilie", "e\u0301", "李", "123", "2024", ":", "?", "  ",
    "\t", "\xa0", "&amp;", "et al", ".", "St. Clair", ", Dev / Ops", ", R|D",
]  # fmt: skip
summaries = st.lists(st.sampled_from(SUMMARY_PIECES), max_size=9).map("".join)


@pytest.mark.parametrize(
    "summary",
    ["A - B - Cy Dee, Org", "Talk (part 1) - Ann Lee, Acme", "Talk - Ann Lee (Acme); Bo Chan", "Talk - Ann / Bo",
     "Talk - Ann Lee | Bo Chan", "Talk - TBA", "Talk - Ann Lee and anyone else", "Talk - ", " - Ann Lee",
     "Talk - Ann Lee, Ann Lee", "Talk - [Org] Ann", "Talk - ann lee", "Talk - Ann Lee & Bo Chan, Acme; Cy",
     "Talk - Ann Lee, Dev / Ops", "Talk - Ann Lee, R|D"],
)  # fmt: skip
def test_title_and_speakers_agree_on_awkward_summaries(summary: str) -> None:
    for producer in PRODUCERS:
        assert title_and_speakers(summary, producer) == straightforward_title_and_speakers(summary, producer)


@settings(max_examples=1500, deadline=None)
@given(summaries, st.sampled_from(PRODUCERS))
def test_title_and_speakers_agree_on_any_summary(summary: str, producer: str) -> None:
    assert title_and_speakers(summary, producer) == straightforward_title_and_speakers(summary, producer)


@settings(max_examples=400, deadline=None)
@given(st.lists(summaries, max_size=6), st.sampled_from(PRODUCERS))
def test_convention_and_kept_splits_agree_on_any_feed(feed: list[str], producer: str) -> None:
    splits: Splits = {}
    assert uses_convention(feed, producer, splits) == straightforward_uses_convention(feed, producer)
    for summary in feed:  # from the kept splits, twice: each session gets a list of its own
        first = title_and_speakers(summary, producer, splits)
        again = title_and_speakers(summary, producer, splits)
        assert first == again == straightforward_title_and_speakers(summary, producer)
        assert first[1] is not again[1]


# --- the reader ----------------------------------------------------------------------------------

Reading = tuple[dict[str, list[Prop]], list[tuple[int, dict[str, list[Prop]]]], dict[str, str]]


def straightforward_read(text: str, wanted: frozenset[str], calendar_wanted: frozenset[str]) -> Reading:
    """Every matched line in one list, every property in a list of its own."""
    unfolded = unfold(text)
    stack: list[str] = []
    calendar: dict[str, list[Prop]] = {}
    events: list[tuple[int, dict[str, list[Prop]]]] = []
    event: dict[str, list[Prop]] | None = None
    props: dict[str, list[Prop]] | None = None
    names = calendar_wanted
    begun: set[str] = set()
    for kind, component, name, raw_params, value in _lines(wanted | calendar_wanted).findall("\n" + unfolded):
        if kind:
            component = component.upper()
            if kind.upper() == "BEGIN":
                stack.append(component)
                begun.add(component)
                if component == "VEVENT" and len(stack) == 2 and stack[0] == "VCALENDAR":
                    event = {}
            else:
                if not stack or stack[-1] != component:
                    raise ValueError(f"END:{component} does not close BEGIN:{stack[-1] if stack else '-'}")
                stack.pop()
                if component == "VEVENT" and event is not None and len(stack) == 1:
                    events.append((len(events) + 1, event))
                    event = None
            if len(stack) == 2 and event is not None:
                props, names = event, wanted
            else:
                props, names = (calendar, calendar_wanted) if len(stack) == 1 else (None, names)
        elif props is not None and name.upper() in names:
            props.setdefault(name.upper(), []).append((_params(raw_params + ":", 1)[0] if raw_params else {}, value))
    if "VCALENDAR" not in begun:
        raise ValueError("no BEGIN:VCALENDAR")
    if stack:
        raise ValueError(f"BEGIN:{stack[-1]} is never closed (truncated file?)")
    return calendar, events, _timezones(unfolded) if "VTIMEZONE" in begun else {}


def every_property(component: Component) -> dict[str, list[Prop]]:
    return {name: component.every(name) for name in component.values}


def fast_read(text: str, wanted: frozenset[str], calendar_wanted: frozenset[str]) -> Reading:
    calendar = read(text, wanted, calendar_wanted)
    events = [(event.line, every_property(event)) for event in calendar.events]
    return every_property(calendar.props), events, calendar.timezones


def outcome(reader: Callable[[str, frozenset[str], frozenset[str]], Reading], text: str) -> Reading | str:
    try:
        return reader(text, _WANTED, _CALENDAR_WANTED)
    except ValueError as exc:
        return f"ValueError: {exc}"


PROPERTY_LINES = [
    "SUMMARY:Talk - Ann Lee", "SUMMARY:again", "summary:lower", "Summary;LANGUAGE=en:Mixed", "SUMMARY;:no params",
    "SUMMARY;X=1", "SUMMARY", "UID:1", "uid:2", "DTSTART;TZID=Europe/Berlin:20240101T090000", "DTSTART:20240101",
    'DTSTART;TZID="A;B:C";X=1,"y":x', "DTEND:20240101T100000Z", "DTEND;TZID=:x", "EXDATE:20240101T090000Z,2024",
    "EXDATE;VALUE=DATE:20240101", "CATEGORIES:A\\,B,C", "PRODID:-//x//", "X-WR-CALNAME:Cal", "NAME:n", "X-OTHER:1",
    "DTSTAMP:1", "\u017fUMMARY:long s", "DESCR\u0130PTION:dotted I", "TZID:Zone/X", "", "garbage", "BEGIN:VEVENT;X=1",
]  # fmt: skip
COMPONENT_LINES = ["BEGIN:VALARM", "END:VALARM", "BEGIN:VTIMEZONE", "END:VTIMEZONE", "begin:vevent", "End:VEvent \t",
                   "END:VEVENT", "BEGIN:VEVENT", "END:VCALENDAR", "BEGIN:VCALENDAR"]  # fmt: skip
#: Line ends as feeds write them, and folds (a break then a space or tab) anywhere.
ENDINGS = ["\r\n", "\r\n", "\n", "\r", "\r\n ", "\n\t", "\r\n\t "]


@st.composite
def feeds(draw: st.DrawFn) -> str:
    """Mostly well-formed calendars of events with odd properties, now and then broken."""
    lines = ["BEGIN:VCALENDAR", *draw(st.lists(st.sampled_from(PROPERTY_LINES), max_size=3))]
    for _ in range(draw(st.integers(0, 4))):
        body = draw(st.lists(st.sampled_from(PROPERTY_LINES + COMPONENT_LINES[:2]), max_size=8))
        lines += [draw(st.sampled_from(["BEGIN:VEVENT", "begin:vevent", "BEGIN:VEVENT "])), *body, "END:VEVENT"]
        lines += draw(st.lists(st.sampled_from(PROPERTY_LINES + COMPONENT_LINES), max_size=1))
    lines.append("END:VCALENDAR")
    return "".join(line + draw(st.sampled_from(ENDINGS)) for line in lines)


def test_reader_agrees_on_a_calendar_with_every_kind_of_line() -> None:
    events = ["\r\n".join(PROPERTY_LINES), "BEGIN:VALARM\r\nSUMMARY:alarm\r\nEND:VALARM\r\nSUMMARY:after"]
    text = "BEGIN:VCALENDAR\r\nPRODID:p\r\nSUMMARY:not the calendar's\r\n"
    text += "".join(f"BEGIN:VEVENT\r\n{event}\r\nEND:VEVENT\r\n" for event in events) + "END:VCALENDAR\r\n"
    expected = straightforward_read(text, _WANTED, _CALENDAR_WANTED)
    assert fast_read(text, _WANTED, _CALENDAR_WANTED) == expected
    assert expected[1][0][1]["SUMMARY"][1] == ({}, "again")  # repeats kept, in order


@settings(max_examples=600, deadline=None)
@given(feeds())
def test_reader_agrees_on_any_feed(text: str) -> None:
    assert outcome(fast_read, text) == outcome(straightforward_read, text)


@settings(max_examples=200, deadline=None)
@given(feeds(), st.integers(1, 80))
def test_chunks_of_any_size_find_every_line_once(text: str, size: int) -> None:
    pattern, whole = _lines(_WANTED | _CALENDAR_WANTED), "\n" + unfold(text)
    assert [line for chunk in _chunks(pattern, whole, size) for line in chunk] == pattern.findall(whole)
