"""Session times as stored: the shortcut for a parser's own ISO output changes nothing."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from archive.times import session_time


def parsed_and_written(text: str, zone: str | None) -> str:
    """What session_time did for every string before its shortcut: parse, zone, write."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None and zone:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment.isoformat()


def two(low: int, high: int) -> st.SearchStrategy[str]:
    return st.integers(low, high).map(lambda n: f"{n:02d}")


# Near-ISO stamps, in range and out of it: months 13, hours 24, seconds 60, offsets past 23:59.
STAMPS = st.builds(
    lambda y, mo, d, h, mi, s, sign, oh, om: f"{y}-{mo}-{d}T{h}:{mi}:{s}{sign}{oh}:{om}",
    st.sampled_from(["2026", "2024", "0001", "9999"]), two(0, 13), two(0, 32), two(0, 25), two(0, 61),
    two(0, 61), st.sampled_from("+-"), two(0, 25), two(0, 61),
)


@given(STAMPS, st.sampled_from([None, "UTC", "America/Los_Angeles"]))
def test_aware_iso_text_is_stored_as_parsing_and_writing_it_would(text: str, zone: str | None) -> None:
    assert session_time(text, zone) == parsed_and_written(text, zone)


def test_edge_spellings() -> None:
    assert session_time("2026-05-12T09:00:00-00:00", None) == "2026-05-12T09:00:00+00:00"
    assert session_time("2026-02-30T09:00:00+01:00", None) == "2026-02-30T09:00:00+01:00"  # kept verbatim
    assert session_time(" 2026-05-12T09:00:00-07:00 ", "UTC") == "2026-05-12T09:00:00-07:00"
    assert session_time("2026-05-12 09:00:00-07:00", None) == "2026-05-12T09:00:00-07:00"
    assert session_time("2026-05-12T09:00:00", "America/Los_Angeles") == "2026-05-12T09:00:00-07:00"
