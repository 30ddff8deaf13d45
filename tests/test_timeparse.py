"""Time resolution: ISO stamps, durations, zones, and prose ("Tuesday at 4pm") in context."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from scraper.errors import ConfigError
from scraper.timeparse import (
    TimeContext,
    find_times,
    localize,
    parse_duration,
    parse_iso,
    parse_when,
    zone,
    zone_name,
)

LA = "America/Los_Angeles"
# Zones with ordinary DST, southern-hemisphere DST, a 30-minute DST shift, none at all.
ZONES = ["America/Los_Angeles", "Europe/Berlin", "Australia/Sydney", "Australia/Lord_Howe",
         "Asia/Hong_Kong", "America/Sao_Paulo", "UTC", "Asia/Kolkata", "Pacific/Chatham"]  # fmt: skip
MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December"]  # fmt: skip
DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def at(text: str, tz: str | None = LA, reference: datetime | None = None, year: int | None = None) -> str | None:
    span = parse_when(text, TimeContext(timezone=tz, reference=reference, year=year))
    return span.start.isoformat() if span and span.start else None


# --- the functions other modules use ------------------------------------------------------------


def test_parse_iso_forms() -> None:
    assert parse_iso("2013-04-16T13:50:00-07:00") == datetime(2013, 4, 16, 20, 50, tzinfo=UTC)
    assert parse_iso("20130416T205000Z") == datetime(2013, 4, 16, 20, 50, tzinfo=UTC)
    assert parse_iso("2013-04-16 13:50", LA) == datetime(2013, 4, 16, 20, 50, tzinfo=UTC)
    assert parse_iso("2013-04-16T13:50").tzinfo is None  # type: ignore[union-attr]
    assert parse_iso("  ") is None and parse_iso(None) is None
    with pytest.raises(ValueError):
        parse_iso("next tuesday")


def test_parse_duration_forms() -> None:
    assert parse_duration("01:30") == timedelta(hours=1, minutes=30)
    assert parse_duration("0:45") == timedelta(minutes=45)
    assert parse_duration("2d 01:00") == timedelta(days=2, hours=1)
    assert parse_duration("") is None
    with pytest.raises(ValueError):
        parse_duration("ninety minutes")


def test_zone_rejects_unknown_and_path_like_names() -> None:
    assert zone("Europe/Berlin").key == "Europe/Berlin"
    for bad in ("Mars/Olympus", "../etc/passwd", " UTC", ""):
        with pytest.raises(ConfigError, match="unknown time zone"):
            zone(bad)


def test_localize_and_zone_name() -> None:
    naive = datetime(2013, 4, 16, 13, 50)
    assert localize(naive, None) is naive
    placed = localize(naive, LA)
    assert placed.utcoffset() == timedelta(hours=-7)
    assert zone_name(placed) == LA
    assert zone_name(datetime(2013, 1, 1, tzinfo=UTC)) == "UTC"
    assert zone_name(None, "Europe/Berlin") == "Europe/Berlin"


# --- prose: the shapes blog posts use -----------------------------------------------------------

POST_2013 = datetime(2013, 3, 26, 14, 35, 39, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "tz", "reference", "start", "end"),
    [
        ("April 16, 1:50 pm", LA, POST_2013, "2013-04-16T13:50:00-07:00", None),
        ("Tuesday, Nov. 5\n11:15 am", "Asia/Hong_Kong", datetime(2013, 10, 16), "2013-11-05T11:15:00+08:00", None),
        (
            "Tuesday May 13, 2:50pm-4:20pm",
            LA,
            datetime(2014, 4, 1),
            "2014-05-13T14:50:00-07:00",
            "2014-05-13T16:20:00-07:00",
        ),
        (
            "I will be on the panel Tuesday at 4pm.",
            LA,
            datetime(2011, 4, 25, 18, 5, tzinfo=UTC),
            "2011-04-26T16:00:00-07:00",
            None,
        ),
        ("13 May 2014, 14:50–16:20", "Europe/Berlin", None, "2014-05-13T14:50:00+02:00", "2014-05-13T16:20:00+02:00"),
        (
            "Thursday 7 March, 09:30–10:00",
            "Europe/Dublin",
            datetime(2024, 2, 20),
            "2024-03-07T09:30:00+00:00",
            "2024-03-07T10:00:00+00:00",
        ),
        ("2013-04-16 13:50", LA, None, "2013-04-16T13:50:00-07:00", None),
        ("16.04.2013 um 14h30", "Europe/Berlin", None, "2013-04-16T14:30:00+02:00", None),
        ("April 16 between 11:30 and 1pm", LA, POST_2013, "2013-04-16T11:30:00-07:00", "2013-04-16T13:00:00-07:00"),
        ("April 16, 2:50-4:20pm", LA, POST_2013, "2013-04-16T14:50:00-07:00", "2013-04-16T16:20:00-07:00"),
        ("April 16, 11pm-1am", LA, POST_2013, "2013-04-16T23:00:00-07:00", "2013-04-17T01:00:00-07:00"),
        ("April 16 at noon", LA, POST_2013, "2013-04-16T12:00:00-07:00", None),
        ("April 16, 12:30 a.m.", LA, POST_2013, "2013-04-16T00:30:00-07:00", None),
        ("tomorrow at 9:15am", LA, datetime(2013, 4, 15, 12), "2013-04-16T09:15:00-07:00", None),
        ("4pm on Tuesday", LA, datetime(2011, 4, 25, 12), "2011-04-26T16:00:00-07:00", None),
        # a written zone wins over the configured one; the result reads in the configured zone
        ("April 16, 14:00 UTC", "Europe/Berlin", POST_2013, "2013-04-16T16:00:00+02:00", None),
        ("April 16, 1:50 pm EDT", LA, POST_2013, "2013-04-16T10:50:00-07:00", None),
        ("April 16, 9am PT", "UTC", POST_2013, "2013-04-16T16:00:00+00:00", None),
        ("April 16, 9am CST", "Asia/Shanghai", POST_2013, "2013-04-16T09:00:00+08:00", None),
        ("April 16, 9am (UTC+2)", None, POST_2013, "2013-04-16T09:00:00+02:00", None),
    ],
)
def test_prose_times(text: str, tz: str | None, reference: datetime | None, start: str, end: str | None) -> None:
    span = parse_when(text, TimeContext(timezone=tz, reference=reference))
    assert span is not None and span.start is not None
    assert span.start.isoformat() == start
    assert (span.end.isoformat() if span.end else None) == end


@pytest.mark.parametrize(
    "text",
    ["Nearly 2,200 developers", "April 15-18.", "version 2.10 and a 16:9 screen", "you may 5 times",
     "Room 12", "scored 15-18", "in 2013 we", "at 4 o'clock"],
)  # fmt: skip
def test_words_that_are_not_times(text: str) -> None:
    assert not [s for s in find_times(text, TimeContext(LA, POST_2013)) if s.has_time]


def test_date_range_is_one_date_not_a_time() -> None:
    spans = find_times("descend on Portland April 15-18.", TimeContext(LA, POST_2013))
    assert [(s.day, s.has_time) for s in spans] == [(date(2013, 4, 15), False)]


def test_missing_year_prefers_the_coming_date_and_allows_recaps() -> None:
    december_post = datetime(2013, 12, 10)
    assert at("January 20, 10am", reference=december_post) == "2014-01-20T10:00:00-08:00"
    assert at("November 5, 10am", reference=datetime(2013, 4, 1)) == "2013-11-05T10:00:00-08:00"
    # a recap written a month after the talk keeps the past date
    assert at("April 16, 1:50 pm", reference=datetime(2013, 5, 20)) == "2013-04-16T13:50:00-07:00"


def test_weekday_picks_the_year_when_the_post_is_far_off() -> None:
    # May 13 is a Tuesday in 2014, not in 2013: the weekday settles the year
    assert at("Tuesday May 13, 2:50pm", reference=datetime(2013, 12, 20)) == "2014-05-13T14:50:00-07:00"


def test_fallback_year_without_a_page_date() -> None:
    assert at("April 16, 1:50 pm", year=2013) == "2013-04-16T13:50:00-07:00"
    assert at("April 16, 1:50 pm") is None  # no year from anywhere: no start


def test_bare_time_uses_the_day_in_force() -> None:
    ctx = TimeContext(LA, POST_2013, default_day=date(2013, 4, 18))
    span = parse_when("4:10 pm: Networking", ctx)
    assert span is not None and span.start == datetime(2013, 4, 18, 16, 10, tzinfo=ZoneInfo(LA))
    assert parse_when("4:10 pm", TimeContext(LA, POST_2013)).start is None  # type: ignore[union-attr]


def test_weekday_alone_is_not_a_date() -> None:
    assert find_times("running Tuesday through Friday this week", TimeContext(LA, POST_2013)) == []


def test_without_a_zone_wall_times_stay_unresolved() -> None:
    span = parse_when("April 16, 1:50 pm", TimeContext(None, POST_2013))
    assert span is not None and span.unzoned
    assert span.local_start == datetime(2013, 4, 16, 13, 50) and span.start is None


def test_iso_stamp_in_text() -> None:
    span = parse_when("Starts 2013-04-16T20:50:00Z sharp", TimeContext(LA))
    assert span is not None and span.start is not None
    assert span.start.isoformat() == "2013-04-16T13:50:00-07:00"


def test_spring_forward_gap_is_normalised_and_fall_back_takes_the_first() -> None:
    gap = parse_when("March 10, 2019, 2:30 am", TimeContext(LA))
    assert gap is not None and gap.start is not None
    assert gap.start.isoformat() == "2019-03-10T03:30:00-07:00"  # 2:30 PST, the same instant
    fold = parse_when("November 3, 2019, 1:30 am", TimeContext(LA))
    assert fold is not None and fold.start is not None
    assert fold.start.isoformat() == "2019-11-03T01:30:00-07:00"  # the first 1:30 (PDT)


# --- properties -------------------------------------------------------------------------------------


def _twelve(moment: datetime) -> str:
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'am' if moment.hour < 12 else 'pm'}"


FORMATS = {
    "month day, h:mm am": lambda m: f"{MONTH_NAMES[m.month - 1]} {m.day}, {_twelve(m)}",
    "weekday, abbr. day<br>time": lambda m: (
        f"{DAY_NAMES[m.weekday()]}, {MONTH_NAMES[m.month - 1][:3]}. {m.day}\n{_twelve(m)}"
    ),
    "weekday month day, h:mmpm": lambda m: (
        f"{DAY_NAMES[m.weekday()]} {MONTH_NAMES[m.month - 1]} {m.day}, {_twelve(m).replace(' ', '')}"
    ),
    "day month year, 24h": lambda m: f"{m.day} {MONTH_NAMES[m.month - 1]} {m.year}, {m.hour:02d}:{m.minute:02d}",
    "iso date, 24h": lambda m: f"{m:%Y-%m-%d} {m:%H:%M}",
    "dotted, 24h": lambda m: f"{m:%d.%m.%Y} {m:%H:%M}",
}

wall_times = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2037, 12, 31)).map(
    lambda m: m.replace(second=0, microsecond=0)
)


def _exists(naive: datetime, tz: str) -> bool:
    """False for wall times in a DST gap (they do not survive a round trip through UTC)."""
    placed = naive.replace(tzinfo=ZoneInfo(tz))
    return placed.astimezone(UTC).astimezone(ZoneInfo(tz)).replace(tzinfo=None) == naive


@settings(max_examples=300, deadline=None)
@given(moment=wall_times, tz=st.sampled_from(ZONES), fmt=st.sampled_from(sorted(FORMATS)))
@example(moment=datetime(2013, 4, 16, 13, 50), tz=LA, fmt="month day, h:mm am")
@example(moment=datetime(2019, 11, 3, 1, 30), tz=LA, fmt="iso date, 24h")
@example(moment=datetime(2020, 10, 4, 2, 15), tz="Australia/Lord_Howe", fmt="day month year, 24h")
def test_round_trip_through_every_format(moment: datetime, tz: str, fmt: str) -> None:
    assume(_exists(moment, tz))
    text = FORMATS[fmt](moment)
    # The page's date is the talk's own date: the missing year comes from it.
    span = parse_when(text, TimeContext(timezone=tz, reference=moment))
    assert span is not None and span.start is not None, text
    assert span.start.replace(tzinfo=None) == moment, text
    assert span.start.utcoffset() == moment.replace(tzinfo=ZoneInfo(tz)).utcoffset(), text


@settings(max_examples=200, deadline=None)
@given(moment=wall_times, tz=st.sampled_from(ZONES))
@example(moment=datetime(2036, 3, 9, 2, 0), tz="America/Los_Angeles")  # in a gap
def test_gap_times_keep_the_pep495_instant(moment: datetime, tz: str) -> None:
    span = parse_when(f"{moment:%Y-%m-%d %H:%M}", TimeContext(timezone=tz))
    assert span is not None and span.start is not None
    # same instant, fold=0 (compared in UTC: aware datetimes sharing a tzinfo compare wall times)
    assert span.start.astimezone(UTC) == moment.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC)
    # and the wall time shown is one that exists
    assert span.start.astimezone(UTC).astimezone(ZoneInfo(tz)).replace(tzinfo=None) == span.start.replace(tzinfo=None)


@settings(max_examples=200, deadline=None)
@given(
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2035, 12, 31)),
    h1=st.integers(0, 23), m1=st.integers(0, 59), h2=st.integers(0, 23), m2=st.integers(0, 59),
    tz=st.sampled_from(ZONES),
)  # fmt: skip
def test_ranges_end_after_they_start_and_within_a_day(day: date, h1: int, m1: int, h2: int, m2: int, tz: str) -> None:
    text = f"{day:%Y-%m-%d} {h1:02d}:{m1:02d}–{h2:02d}:{m2:02d}"
    span = parse_when(text, TimeContext(timezone=tz))
    assert span is not None and span.start is not None and span.end is not None
    assert span.start < span.end
    assert span.end - span.start <= timedelta(hours=25)  # 24h plus a DST hour at most


@settings(max_examples=200, deadline=None)
@given(
    reference=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2035, 12, 31)),
    weekday=st.integers(0, 6),
)
def test_weekday_alone_is_the_next_such_day(reference: datetime, weekday: int) -> None:
    span = parse_when(f"{DAY_NAMES[weekday]} at 4pm", TimeContext(timezone=LA, reference=reference))
    assert span is not None and span.day is not None
    assert span.day.weekday() == weekday
    assert 0 <= (span.day - reference.date()).days < 7


@settings(max_examples=200, deadline=None)
@given(
    reference=st.dates(min_value=date(2000, 1, 1), max_value=date(2035, 12, 31)),
    target=st.dates(min_value=date(2000, 1, 1), max_value=date(2035, 12, 31)),
)
def test_missing_year_lands_in_the_window_around_the_post(reference: date, target: date) -> None:
    assume(not (target.month == 2 and target.day == 29))
    text = f"{MONTH_NAMES[target.month - 1]} {target.day}, 10:00"
    span = parse_when(text, TimeContext(timezone="UTC", reference=datetime.combine(reference, datetime.min.time())))
    assert span is not None and span.day is not None
    assert (span.day.month, span.day.day) == (target.month, target.day)
    assert -92 <= (span.day - reference).days < 366


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=200))
@example(text="April 31, 25:99 pm")
@example(text="Feb 30 at 13pm")
def test_any_text_is_safe(text: str) -> None:
    spans = find_times(text, TimeContext(timezone=LA, reference=POST_2013))
    positions = [(s.pos, s.endpos) for s in spans]
    assert positions == sorted(positions)
    for (_a, b), (c, _d) in pairwise(positions):
        assert b <= c
    for span in spans:
        assert 0 <= span.pos < span.endpos <= len(text)
        assert span.start is None or span.start.tzinfo is not None
