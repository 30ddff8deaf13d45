"""Fuzzing: every registered parser and the time parser, fed junk, token soup and mutated
fixtures within a fixed budget. Allowed outcomes: sessions, or ParseError; never another
exception, never a hang. atheris (coverage-guided) runs too when it is installed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scraper import parsers
from scraper.document import from_bytes
from scraper.errors import ConfigError, ParseError
from scraper.links import extract_links
from scraper.models import Document
from scraper.timeparse import TimeContext, find_times, parse_duration, parse_iso, parse_when, zone
from tests.parsers.goldens import Fixture, fixtures
from tests.reliability.conftest import Budget
from tests.reliability.guard import bounded

REPO = Path(__file__).resolve().parents[2]
NAMES = parsers.names()
FIXTURE_BODIES = [(f.parser, f.path.read_bytes(), f.hints.get("media_type")) for f in fixtures()]
# Generous: a parse of a few KB takes milliseconds; this only catches "never returns".
HANG_SECONDS = 20.0

MEDIA_TYPES = st.sampled_from(["", "text/html", "text/html; charset=utf-8", "application/xhtml+xml",
                               "application/xml", "text/xml", "application/json", "application/ld+json",
                               "text/calendar", "text/plain", "text/csv", "text/markdown",
                               "text/html; charset=latin-1", "application/octet-stream"])
ZONES = st.sampled_from([None, "UTC", "America/Los_Angeles", "Europe/Berlin", "Asia/Kolkata", "Pacific/Chatham"])
# Tokens of every format the parsers read: a soup of them reaches deep into each parser.
TOKENS = [
    "<", ">", "</", "/>", "<html>", "<body>", "<div>", "</div>", "<a href=\"", "\">", "</a>", "<h1>", "</h1>",
    "<h2>", "<table>", "<tr>", "<td>", "</td>", "<li>", "<ul>", "<span class=\"", "\"", "'", "<script type=\""
    "application/ld+json\">", "</script>", "<![CDATA[", "]]>", "<!--", "-->", "&amp;", "&#0;", "&#x110000;",
    "&nbsp;", "<?xml version=\"1.0\"?>", "<schedule>", "<conference>", "<day date=\"", "index=\"",
    "<room name=\"", "<event guid=\"", "id=\"", "<title>", "</title>", "<start>", "<duration>", "<date>",
    "<persons>", "<person>", "</event>", "</room>", "</day>", "</schedule>", "BEGIN:VCALENDAR", "BEGIN:VEVENT",
    "END:VEVENT", "END:VCALENDAR", "BEGIN:VTIMEZONE", "TZID:", "DTSTART", ";TZID=", ";VALUE=DATE", "DTEND:",
    "DURATION:PT", "RRULE:FREQ=WEEKLY;COUNT=", "EXDATE:", "SUMMARY:", "UID:", "LOCATION:", "ORGANIZER;CN=",
    "\r\n", "\n", "\r\n ", "\t", " ", "{", "}", "[", "]", ":", ",", "\"schedule\"", "\"conference\"",
    "\"days\"", "\"rooms\"", "\"talks\"", "\"sessions\"", "\"speakers\"", "\"@context\"", "\"@type\"",
    "\"Event\"", "\"startDate\"", "\"endDate\"", "\"name\"", "\"title\"", "\"start\"", "\"duration\"",
    "\"date\"", "\"guid\"", "\"room\"", "\"persons\"", "\"id\"", "\"startsAt\"", "\"endsAt\"", "\"slots\"",
    "\"entries\"", "\"results\"", "\"contributions\"", "\"startDate\": {\"date\": \"", "\"time\": \"",
    "\"tz\": \"", "null", "true", "1e999", "-0", "123456789012345678901234567890", "2026-05-12",
    "2026-05-12T09:00:00", "+02:00", "Z", "20260512T090000Z", "20260512", "99999999T999999", "9:00 am",
    "12:30", "25:61", "1:50 pm - 2:30 pm", "April 16", "Tuesday", "May 13, 2026", "noon", "PDT", "CEST",
    "UTC+14", "0:45", "01:30", "2d 01:00", "sched", "Sched", "event/", "speaker", "Keynote", "Room A", " & ",
    ", ", " - ", "–", "\u200b", "\ufeff", "\x00", "\ud7ff", "\U0001f600", "İ", "ß", "ﬁ",
    "http://[", "//[::1", "http://a:99999/", "<base href=\"http://[x\">", "URL:http://[x/", "9999-12-31T23:59:59",
    "0001-01-01T00:00:00", "DTSTART:99991231T235959Z", "DURATION:P99999999W", "\"duration\": \"99999999:00\"",
]
# Values that have broken parsers before: dates at datetime's limits, huge durations and
# numbers, impossible dates and offsets, URLs urllib cannot split.
HOSTILE_VALUES = [
    b"9999-12-31T23:59:59", b"0001-01-01T00:00:00", b"99991231T235959Z", b"00010101T000000", b"0000-00-00",
    b"2026-02-30", b"9999-12-31T23:59:59+14:00", b"0001-01-01T00:00:00-14:00", b"99999999:00", b"99:99",
    b"25:61", b"P99999999W", b"PT99999999H", b"-PT1H", b"P99999999D", b"9999999999", b"-1", b"1e309",
    b"123456789012345678901234567890", b"http://[x/", b"//[::1", b"http://a:99999/", b"", b"\x00", b"\xff\xfe",
]
_SPOTS = re.compile(rb"\d{4}-\d\d-\d\d(?:[T ][\d:.]+(?:Z|[+-]\d\d:?\d\d)?)?|\d{8}(?:T\d{4,6}Z?)?"
                    rb"|\b\d{1,2}:\d\d(?::\d\d)?\b|P(?:T?\d+[HMSDW])+|https?://[^\s\"'<>]+|\b\d+\b")
SOUP = st.lists(st.sampled_from(TOKENS) | st.text(max_size=8), max_size=120).map("".join)


def _document(body: bytes, media: str, tz: str | None, when: datetime | None) -> Document:
    return from_bytes("https://fuzz.example.org/schedule/", body, content_type=media or None,
                      timezone=tz, fetched_at=when)


@st.composite
def mutants(draw: st.DrawFn, parser: str | None = None) -> tuple[bytes, str]:
    """A fixture (preferably ``parser``'s own) with random edits: flips, cuts, splices, repeats."""
    own = [f for f in FIXTURE_BODIES if f[0] == parser] or FIXTURE_BODIES
    _, body, media = draw(st.sampled_from(own))
    data = bytearray(body)
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        kind = draw(st.sampled_from(["flip", "cut", "insert", "repeat", "truncate", "token"]))
        if kind == "flip":
            data[at] = draw(st.integers(0, 255))
        elif kind == "cut":
            del data[at: at + draw(st.integers(1, 200))]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=20))
        elif kind == "repeat":
            data[at:at] = bytes(data[at: at + draw(st.integers(1, 200))]) * draw(st.integers(2, 30))
        elif kind == "truncate":
            del data[at:]
        else:
            data[at:at] = draw(st.sampled_from(TOKENS)).encode("utf-8", "surrogatepass")
    return bytes(data), draw(st.sampled_from([media or "", "", "text/html", "application/json"]))


def exercise(name: str, doc: Document) -> None:
    """detect and parse must finish, detect in [0, 1], parse: sessions that serialise, or ParseError."""
    parser = parsers.get(name)
    with bounded(HANG_SECONDS, f"{name} on {len(doc.body)} bytes"):
        score = parser.detect(doc)
        assert 0.0 <= float(score) <= 1.0, f"{name}.detect gave {score!r}"
        try:
            result = parser.parse(doc)
        except ParseError as exc:
            assert str(exc)
            return
    for session in result.sessions:
        data = session.to_dict()
        json.dumps(data)
        assert isinstance(data["title"], str) and data["title"].strip(), data
    for link in result.links:
        assert isinstance(link, str)


def _fuzz_settings(budget: Budget) -> settings:
    return settings(max_examples=budget.fuzz_examples, deadline=None, database=None,
                    derandomize=not budget.soak, suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("name", NAMES)
def test_parser_survives_random_bytes(name: str, budget: Budget) -> None:
    @_fuzz_settings(budget)
    @given(body=st.binary(max_size=3000), media=MEDIA_TYPES, tz=ZONES)
    def check(body: bytes, media: str, tz: str | None) -> None:
        exercise(name, _document(body, media, tz, None))

    check()


@pytest.mark.parametrize("name", NAMES)
def test_parser_survives_token_soup(name: str, budget: Budget) -> None:
    @_fuzz_settings(budget)
    @given(text=SOUP, media=MEDIA_TYPES, tz=ZONES,
           when=st.none() | st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2100, 1, 1),
                                          timezones=st.just(UTC)))
    def check(text: str, media: str, tz: str | None, when: datetime | None) -> None:
        exercise(name, _document(text.encode("utf-8", "surrogatepass"), media, tz, when))

    check()


@pytest.mark.parametrize("name", NAMES)
def test_parser_survives_mutated_fixtures(name: str, budget: Budget) -> None:
    @_fuzz_settings(budget)
    @given(mutant=mutants(name), tz=ZONES)
    def check(mutant: tuple[bytes, str], tz: str | None) -> None:
        body, media = mutant
        exercise(name, _document(body, media, tz, datetime(2026, 4, 1, tzinfo=UTC)))

    check()


@pytest.mark.parametrize("fixture", fixtures(), ids=str)
def test_parser_survives_hostile_values(fixture: Fixture, budget: Budget) -> None:
    """Each date, time, duration, URL and number of a fixture replaced, one at a time, by each
    hostile value: every spot under --soak, a spread of a few in CI."""
    body = fixture.path.read_bytes()
    hints = fixture.hints
    spots = list(_SPOTS.finditer(body))
    if not budget.soak:
        spots = spots[:: max(1, len(spots) // 3)][:3]
    for spot in spots:
        for value in HOSTILE_VALUES:
            mutated = body[: spot.start()] + value + body[spot.end():]
            doc = from_bytes(hints.get("url") or "https://fuzz.example.org/s/", mutated,
                             content_type=hints.get("media_type"), timezone=hints.get("timezone") or "UTC",
                             base_url=hints.get("base_url"))
            exercise(fixture.parser, doc)


def test_auto_pick_and_links_survive_anything(budget: Budget) -> None:
    """What the crawl does with every page: pick a parser (or refuse), parse, read links."""

    @_fuzz_settings(budget)
    @given(data=st.one_of(mutants(), SOUP.map(lambda t: (t.encode("utf-8", "surrogatepass"), "text/html"))))
    def check(data: tuple[bytes, str]) -> None:
        doc = _document(data[0], data[1], "UTC", None)
        with bounded(HANG_SECONDS, "pick/parse/links"):
            for link in extract_links(doc):
                assert link.startswith(("http://", "https://"))
            try:
                parsers.parse(doc)
            except ParseError:
                pass

    check()


def test_timeparse_survives_anything(budget: Budget) -> None:
    """find_times/parse_when never raise; parse_iso and parse_duration raise only ValueError;
    zone raises only ConfigError."""

    @_fuzz_settings(budget)
    @given(text=SOUP | st.text(max_size=200), tz=ZONES,
           reference=st.none() | st.datetimes(timezones=st.just(UTC)) | st.datetimes(),
           year=st.none() | st.integers(1, 9999), day=st.none() | st.dates())
    def check(text: str, tz: str | None, reference: datetime | None, year: int | None, day: date | None) -> None:
        ctx = TimeContext(timezone=tz, reference=reference, year=year, default_day=day)
        with bounded(HANG_SECONDS, "timeparse"):
            for span in find_times(text, ctx):
                assert 0 <= span.pos <= span.endpos <= len(text)
                if span.start is not None:
                    assert span.start.tzinfo is not None
            parse_when(text, ctx)
            for fn in (parse_iso, parse_duration):
                try:
                    fn(text)
                except ValueError:
                    pass
            try:
                zone(text)
            except ConfigError:
                pass

    check()


ATHERIS_TARGET = REPO / "tests" / "reliability" / "atheris_target.py"


def test_atheris_coverage_guided(budget: Budget, tmp_path: Path) -> None:
    """libFuzzer-driven, coverage-guided runs over every parser (only when atheris installs)."""
    pytest.importorskip("atheris", reason="atheris is not installed (pip install atheris; needs a wheel or clang)")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, str(ATHERIS_TARGET), f"-runs={budget.atheris_runs}", "-max_len=4096", "-seed=1",
         f"-artifact_prefix={tmp_path}/", *[str(p) for p in _seed_dirs(tmp_path)]],
        capture_output=True, text=True, timeout=600, env=env, cwd=tmp_path, check=False,
    )
    crashes = list(tmp_path.glob("crash-*")) + list(tmp_path.glob("timeout-*"))
    assert done.returncode == 0 and not crashes, done.stderr[-4000:]
    assert "Done" in done.stderr, done.stderr[-2000:]


def _seed_dirs(tmp_path: Path) -> list[Path]:
    corpus = tmp_path / "seeds"
    corpus.mkdir()
    for i, (_, body, _) in enumerate(FIXTURE_BODIES):
        (corpus / f"seed{i}").write_bytes(body[:4096])
    return [corpus]


@pytest.mark.parametrize(("parser", "body", "media"), [
    ("frab", b"<schedule><day date='2026-05-12'><room name='A'><event guid='x'><title>T</title>"
             b"<start>10:00</start><duration>99999999999999999999:00</duration></event></room></day></schedule>",
     "application/xml"),
    ("frab", b"<schedule><conference><title>C</title><day_change>09:00</day_change></conference>"
             b"<day date='9999-12-31'><room name='A'><event guid='x'><title>T</title>"
             b"<start>00:30</start><duration>00:30</duration></event></room></day></schedule>", "application/xml"),
    ("ical", b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nSUMMARY:T\r\nDTSTART:99991231T235959Z\r\n"
             b"DURATION:P99999999W\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", "text/calendar"),
    ("jsonld", b'<html><head><script type="application/ld+json">{"@type": "Event", "name": "T",'
               b' "startDate": "9999-12-31T23:59:59", "duration": "P99999999D"}</script></head></html>', "text/html"),
    ("jsonld", b'<html><head><script type="application/ld+json">' + b"[" * 50_000 + b"]" * 50_000
               + b"</script></head></html>", "text/html"),
    ("sched", b"[" * 100_000 + b"]" * 100_000, "application/json"),
    ("blogpost", b"---\ntitle: T\ndate: 2026-02-30\n---\n# T\n\n9:00 am Talk\n", "text/markdown"),
    ("blogpost", b'<html><head><base href="http://[x/"></head><body><article><h1>T</h1>'
                 b'<a href="//[::1">x</a><p>May 12, 9:00 am: Talk</p></article></body></html>', "text/html"),
])
def test_inputs_that_crashed_parsers_before(parser: str, body: bytes, media: str) -> None:
    """What this suite found (each crashed with OverflowError, ValueError or RecursionError)."""
    exercise(parser, _document(body, media, "UTC", datetime(2026, 4, 1, tzinfo=UTC)))


def test_time_values_that_crashed_timeparse_before() -> None:
    with pytest.raises(ValueError):
        parse_duration("123456789012345678901234567890")
    with pytest.raises(ValueError):
        parse_iso("9999-12-31T23:59:59")
    ctx = TimeContext(timezone="Pacific/Kiritimati", reference=datetime(9999, 12, 31, 23, 59, tzinfo=UTC))
    assert find_times("Tuesday at 9:00 am, May 13", ctx) is not None
    assert find_times("May 13 at 9am", TimeContext(reference=datetime(1, 1, 1, tzinfo=UTC))) is not None
