"""The iCalendar parser: zones, recurrences, the SUMMARY speaker convention, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from scraper import parsers
from scraper.errors import ParseError
from scraper.models import Document, Session
from scraper.parsers._ics import read, split_unescaped, unescape, unfold
from scraper.parsers._summary import Splits, title_and_speakers, uses_convention
from scraper.parsers.ical import MAX_OCCURRENCES
from tests.parsers.goldens import PARSER_FIXTURES, Fixture

ICAL = parsers.get("ical")
HERE = PARSER_FIXTURES / "ical"


def fixture_doc(name: str) -> Document:
    doc: Document = Fixture("ical", HERE / name).document()
    return doc


def fixture(name: str) -> list[Session]:
    return ICAL.parse(fixture_doc(name)).sessions


def calendar(*events: str, head: str = "", url: str = "https://example.org/f.ics", tz: str | None = None) -> Document:
    body = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" + head
    body += "".join(f"BEGIN:VEVENT\r\n{event.strip()}\r\nEND:VEVENT\r\n" for event in events)
    body += "END:VCALENDAR\r\n"
    return Document(url=url, text=body, body=body.encode(), timezone=tz)


def by_uid(sessions: list[Session]) -> dict[str, Session]:
    return {session.uid: session for session in sessions}


# --- the SUMMARY convention -------------------------------------------------------------


def test_pretalx_summary_splits_at_last_dash_outside_brackets() -> None:
    talk, brk, lightning = fixture("pretalx_democon.ics")
    assert talk.title == "Kubernetes - The Hard Parts"
    assert talk.speakers == ["Jane Doe", "Max Mustermann"]  # "[CSC - IT Center ...]" dropped
    assert (brk.title, brk.speakers) == ("Coffee Break", [])  # "Title - " means nobody
    # folded between the backslash and the comma of "\,": unfolded before unescaping
    assert lightning.speakers == ["Émilie Durand", "Kim Lee"]
    assert lightning.end is not None and lightning.end.isoformat() == "2024-06-13T00:30:00+02:00"


def test_sched_feed_with_speakers_splits_only_where_people_follow() -> None:
    sessions = by_uid(fixture("sched_kubecon_speakers.ics"))
    keynote = sessions["1b2c3d4e5f60718293a4b5c6d7e8f90a"]
    assert (keynote.title, keynote.speakers) == ("Keynote: Welcome Back", ["Priyanka Sharma"])
    scaling = sessions["2c3d4e5f60718293a4b5c6d7e8f90a1b"]
    assert scaling.title == "Scaling Prometheus - Lessons from Production"
    assert scaling.speakers == ["Alex Chen", "Maria Garcia", "Sam Patel"]
    coffee = sessions["3d4e5f60718293a4b5c6d7e8f90a1b2c"]
    assert (coffee.title, coffee.speakers) == ("Coffee Break - Sponsored by Acme Corp", [])
    assert sessions["5f60718293a4b5c6d7e8f90a1b2c3d4e"].speakers == ["Ana López", "Tom Berg"]


def test_sched_feed_without_speakers_keeps_dashes_in_titles() -> None:
    titles = [s.title for s in fixture("sched_cruise_no_speakers.ics")]
    assert "Signing - Jane Author" in titles
    assert "Port of Call - Nassau" in titles
    assert all(not s.speakers for s in fixture("sched_cruise_no_speakers.ics"))


def test_convention_is_judged_over_the_whole_feed() -> None:
    talks = ["Intro to X - Ann Lee, Acme", "Deep Y - Bo Chan, Initech", "Lunch"]
    assert uses_convention(talks, "-//sched.com demo//en")
    cruise = ["Signing - John Scalzi", "Lunch", "Karaoke", "Trivia", "Dinner", "Yoga"]
    assert not uses_convention(cruise, "-//sched.com joco//en")
    assert uses_convention(["Anything"], "-//pretalx//x//")
    assert title_and_speakers("A - B - Cy Dee, Org", "sched") == ("A - B", ["Cy Dee"])


@pytest.mark.parametrize(("hits", "expected"), [(1, False), (2, True), (5, True), (0, False)])
def test_convention_share_is_exact_and_splits_are_kept_for_the_titles(hits: int, expected: bool) -> None:
    summaries = ["Talk (part 1) - Ann Lee, Acme"] * hits + ["Lunch - 12:30 at the pool"] * (5 - hits)
    splits: Splits = {}
    assert uses_convention(summaries, "-//sched.com x//en", splits) is expected  # 40% of five is two
    for summary in summaries:
        assert title_and_speakers(summary, "sched", splits) == title_and_speakers(summary, "sched")
    if hits:
        assert splits["Talk (part 1) - Ann Lee, Acme"] == (len("Talk (part 1)"), ["Ann Lee"])


# --- times and zones --------------------------------------------------------------------


def test_utc_times_are_shown_in_the_configured_zone() -> None:
    first = fixture("sched_kubecon_speakers.ics")[0]
    assert first.start is not None and first.start.isoformat() == "2024-03-20T09:00:00+01:00"
    assert first.timezone == "Europe/Paris"


def test_windows_tzid_and_custom_vtimezone() -> None:
    keynote, local, closing = fixture("outlook_vtimezone.ics")
    assert keynote.timezone == "Europe/Berlin"
    assert keynote.start is not None and keynote.start.isoformat() == "2024-11-05T09:00:00+01:00"
    # "Summit Local Time" exists only as a VTIMEZONE in the file: +05:30
    assert local.start is not None and local.start.isoformat() == "2024-11-05T15:00:00+05:30"
    assert closing.start is not None and closing.start.isoformat() == "2024-11-05T17:30:00+05:30"
    assert keynote.description == "Streamed live: one:two; three."  # quoted ':' in ALTREP


def test_floating_times_use_x_wr_timezone() -> None:
    sessions = fixture("meetup_recurring_floating.ics")
    assert sessions[0].start is not None and sessions[0].start.isoformat() == "2024-05-01T18:00:00-05:00"
    assert sessions[0].timezone == "America/Chicago"


def test_floating_times_without_any_zone_are_utc_with_a_warning() -> None:
    doc = calendar("UID:a\r\nDTSTART:20240501T180000\r\nSUMMARY:Talk")
    result = ICAL.parse(doc)
    assert result.sessions[0].start is not None
    assert result.sessions[0].start.isoformat() == "2024-05-01T18:00:00+00:00"
    assert any("--timezone" in warning for warning in result.warnings)


def test_floating_times_use_the_configured_zone_when_the_feed_has_none() -> None:
    doc = calendar("UID:a\r\nDTSTART:20240501T180000\r\nDURATION:PT45M\r\nSUMMARY:Talk", tz="Asia/Tokyo")
    session = ICAL.parse(doc).sessions[0]
    assert session.start is not None and session.start.isoformat() == "2024-05-01T18:00:00+09:00"
    assert session.end is not None and session.end.isoformat() == "2024-05-01T18:45:00+09:00"


# --- recurrence -------------------------------------------------------------------------


def test_rrule_exdate_and_override() -> None:
    sessions = by_uid(fixture("meetup_recurring_floating.ics"))
    group = sorted(uid for uid in sessions if uid.startswith("study-group"))
    assert group == [
        "study-group-2024@chipy.example/2024-05-01T18:00",
        "study-group-2024@chipy.example/2024-05-08T18:00",
        "study-group-2024@chipy.example/2024-05-22T18:00",  # 05-15 excluded
    ]
    moved = sessions["study-group-2024@chipy.example/2024-05-22T18:00"]
    assert moved.title == "Python Study Group (moved)"
    assert moved.start is not None and moved.start.isoformat() == "2024-05-22T19:00:00-05:00"
    assert "Reminder" not in " ".join(s.description or "" for s in sessions.values())  # VALARM


def test_monthly_rule_keeps_wall_time_across_dst_and_stops_at_until() -> None:
    lunch = [s for s in fixture("meetup_recurring_floating.ics") if s.title == "Lunch Talks"]
    assert [s.start.isoformat() for s in lunch if s.start] == [
        "2024-03-05T12:00:00-06:00",
        "2024-04-02T12:00:00-05:00",
        "2024-05-07T12:00:00-05:00",
    ]
    assert lunch[0].url == "https://chipy.example/events/lunch-talks/"  # relative URL resolved


def test_endless_rule_is_bounded() -> None:
    doc = calendar("UID:daily\r\nDTSTART:20240101T090000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=DAILY\r\nSUMMARY:Standup")
    sessions = ICAL.parse(doc).sessions
    assert len(sessions) == MAX_OCCURRENCES
    assert sessions[1].uid == "daily/2024-01-02T09:00"


def test_rules_finer_than_hourly_are_not_expanded() -> None:
    doc = calendar("UID:s\r\nDTSTART:20240101T090000Z\r\nRRULE:FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30\r\nSUMMARY:X")
    result = ICAL.parse(doc)
    assert len(result.sessions) == 1 and any("RRULE" in w for w in result.warnings)


def test_all_day_and_cancelled_events() -> None:
    sessions = by_uid(fixture("meetup_recurring_floating.ics"))
    hack = sessions["hackday-2024@chipy.example"]
    assert hack.start is not None and hack.start.isoformat() == "2024-05-20T00:00:00-05:00"
    assert hack.end is not None and hack.end.isoformat() == "2024-05-21T00:00:00-05:00"
    assert hack.track == "Hacking, Community"
    assert "cancelled-2024@chipy.example" not in sessions


# --- identity and stability ---------------------------------------------------------------


def test_dtstamp_never_changes_a_session() -> None:
    event = "UID:x\r\nDTSTART:20240101T090000Z\r\nSUMMARY:Talk\r\nDTSTAMP:{}"
    one = ICAL.parse(calendar(event.format("20240101T000000Z"))).sessions
    two = ICAL.parse(calendar(event.format("20250606T121212Z"))).sessions
    assert [s.to_dict() for s in one] == [s.to_dict() for s in two]


def test_event_name_and_uid_from_the_feed() -> None:
    result = ICAL.parse(fixture_doc("pretalx_democon.ics"))
    assert result.event_name == "DemoCon 2024"
    assert result.sessions[0].uid == "pretalx-democon2024-K8SH4P@pretalx.democon.example"
    assert result.sessions[0].event == "DemoCon 2024"


def test_repeated_uids_are_made_unique() -> None:
    first, second = (
        "UID:same\r\nDTSTART:20240101T090000Z\r\nSUMMARY:A",
        "UID:same\r\nDTSTART:20240102T090000Z\r\nSUMMARY:B",
    )
    doc = calendar(first, second)
    assert [s.uid for s in ICAL.parse(doc).sessions] == ["same", "same~2"]


# --- bad input --------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["2024-05-01", "20241345T100000", "tomorrow", ""])
def test_bad_dtstart_is_a_parse_error_naming_source_and_event(value: str) -> None:
    doc = calendar(f"UID:talk-7\r\nDTSTART:{value}\r\nSUMMARY:Talk")
    with pytest.raises(ParseError) as caught:
        ICAL.parse(doc)
    assert "https://example.org/f.ics" in str(caught.value)
    assert "talk-7" in str(caught.value) and "DTSTART" in str(caught.value)


def test_truncated_calendar_is_a_parse_error() -> None:
    text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART:20240101T090000Z\r\nSUMMARY:Cut"
    with pytest.raises(ParseError, match="truncated"):
        ICAL.parse(Document(url="https://example.org/cut.ics", text=text))


def test_text_that_is_not_icalendar_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="VCALENDAR"):
        ICAL.parse(Document(url="https://example.org/x.ics", text="<html><body>nope</body></html>"))


def test_hostile_parameter_line_does_not_backtrack() -> None:
    # A line of parameters without a value once cost minutes in a backtracking regex.
    hostile = "X-JUNK" + ";A=b c" * 20_000
    doc = calendar(f"UID:a\r\n{hostile}\r\nDTSTART:20240101T090000Z\r\nSUMMARY:Still here")
    assert [s.title for s in ICAL.parse(doc).sessions] == ["Still here"]


# --- the reader ---------------------------------------------------------------------------


def test_unescape_and_lists() -> None:
    assert unescape(r"a\,b\;c\nd\Ne") == "a,b;c\nd\ne"
    assert unescape("a\\\\,b") == "a\\,b"  # an escaped backslash then a plain comma
    assert split_unescaped(r"One\, Two,Three") == ["One, Two", "Three"]
    assert unfold("SUMMARY:ab\r\n c\r\n\td\r\n") == "SUMMARY:abcd\n"


def test_reader_keeps_only_wanted_properties_of_top_level_events() -> None:
    text = unfold(calendar("UID:a\r\nDTSTART:20240101T090000Z\r\nX-OTHER:1\r\nSUMMARY:A").text)
    parsed = read(text, frozenset({"UID", "SUMMARY"}), frozenset({"PRODID"}))
    assert set(parsed.events[0].values) == {"UID", "SUMMARY"}
    assert parsed.props.text("PRODID") == "-//test//EN"


def test_reader_reads_a_feed_larger_than_its_chunk_whole() -> None:
    # Lines are matched a chunk at a time: nothing may be lost or split at the seams.
    pad = "DESCRIPTION:" + "x" * 400
    events = [f"UID:{n}\r\nDTSTART:20240101T090000Z\r\n{pad}\r\nSUMMARY:Talk {n}" for n in range(6000)]
    text = unfold(calendar(*events).text)
    assert len(text) > 2 * 2**20
    parsed = read(text, frozenset({"UID", "SUMMARY", "DESCRIPTION"}), frozenset({"PRODID"}))
    assert [e.text("UID") for e in parsed.events] == [str(n) for n in range(6000)]
    assert all(e.text("SUMMARY") == f"Talk {n}" for n, e in enumerate(parsed.events))
    assert {e.text("DESCRIPTION") for e in parsed.events} == {pad[12:]}


# --- detection ------------------------------------------------------------------------------


def test_detect_by_content_not_by_name() -> None:
    ics = calendar("UID:a\r\nDTSTART:20240101T090000Z\r\nSUMMARY:A")
    assert ICAL.detect(ics) >= parsers.CONFIDENT
    html = Document(url="https://example.org/cal.ics", text="<html>calendar</html>", media_type="text/calendar")
    assert ICAL.detect(html) < parsers.CONFIDENT
    assert ICAL.detect(Document(url="https://example.org/schedule.xml", text="<schedule/>")) == 0.0


# --- the corpus (real feeds) ------------------------------------------------------------------


def corpus_doc(path: Path, tz: str) -> Document:
    body = path.read_bytes()
    return Document(url=path.as_uri(), text=body.decode("utf-8"), body=body, timezone=tz)


def test_pretalx_ics_agrees_with_pretalx_xml(corpus: Path) -> None:
    ics = ICAL.parse(corpus_doc(corpus / "pretalx_good2025_schedule.ics", "America/New_York")).sessions
    xml = parsers.get("frab").parse(corpus_doc(corpus / "pretalx_good2025_schedule.xml", "America/New_York"))
    assert len(ics) == len(xml.sessions) == 72

    def key(s: Session) -> tuple[object, ...]:
        return (s.title, s.start, s.end, s.room, tuple(s.speakers))

    assert sorted(map(key, ics), key=repr) == sorted(map(key, xml.sessions), key=repr)


def test_sched_exports_without_speakers(corpus: Path) -> None:
    feeds = {"sched_jococruise2019_FullSchedule2019.ics": 395, "sched_jococruise2024_FullSchedule2024.ics": 439}
    for name, count in feeds.items():
        result = ICAL.parse(corpus_doc(corpus / name, "America/New_York"))
        assert len(result.sessions) == count
        assert not any(s.speakers for s in result.sessions)
        titles = {s.title for s in result.sessions}
        assert any(" - " in title for title in titles)
