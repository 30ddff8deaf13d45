"""The contract every parser keeps: detect never raises and never claims another's page;
parse on any fixture either returns sessions or raises ParseError, never anything else."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scraper import parsers
from scraper.errors import ParseError
from scraper.models import CONTRACT_KEYS
from tests.parsers.goldens import Fixture, fixtures

ALL = fixtures()
NAMES = parsers.names()


@pytest.mark.parametrize("fixture", ALL, ids=str)
def test_owner_detects_and_picks_its_fixture(fixture: Fixture) -> None:
    doc = fixture.document()
    if fixture.parser == parsers.FALLBACK:
        # generic is the last resort: picked only when nobody else claims the page
        assert parsers.pick(doc).name in (parsers.FALLBACK, *NAMES)
        return
    assert parsers.pick(doc).name == fixture.parser


@pytest.mark.parametrize("fixture", ALL, ids=str)
@pytest.mark.parametrize("name", NAMES)
def test_no_parser_claims_or_crashes_on_foreign_fixture(fixture: Fixture, name: str) -> None:
    doc = fixture.document()
    parser = parsers.get(name)
    score = parser.detect(doc)
    assert 0.0 <= score <= 1.0
    if name != fixture.parser:
        assert score < parsers.CONFIDENT, f"{name} claims {fixture} with {score}"
    try:
        result = parser.parse(doc)
    except ParseError:
        return
    for session in result.sessions:
        data = session.to_dict()
        assert set(CONTRACT_KEYS) <= set(data)
        assert isinstance(data["title"], str) and data["title"]
        assert isinstance(data["speakers"], list)
        for key in ("start", "end"):
            if session.__dict__[key] is not None:
                assert session.__dict__[key].tzinfo is not None or doc.timezone is None


# What a crawl of schedule pages must not load: each costs tens of milliseconds and
# megabytes at start-up, and only blog posts, odd VTIMEZONEs or recurring events need them.
HEAVY = ("bs4", "markdown_it", "icalendar", "dateutil", "yaml")
_PROBE = """
import sys
from scraper import parsers
from scraper.document import from_path
for path in sys.argv[1:]:
    doc = from_path(path, timezone="UTC")
    assert parsers.parse(doc).sessions, path
print(" ".join(m for m in {heavy!r} if m in sys.modules))
"""


def test_detecting_and_parsing_schedule_pages_leaves_the_heavy_libraries_unloaded() -> None:
    schedule_pages = [
        f.path for f in ALL if f.path.name in ("kubecon2026_list_simple.html", "sched_kubecon_speakers.ics")
    ]
    schedule_pages += [f.path for f in ALL if f.parser == "frab"][:1]
    assert len(schedule_pages) == 3
    probe = subprocess.run(
        [sys.executable, "-c", _PROBE.format(heavy=HEAVY), *map(str, schedule_pages)],
        capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert probe.stdout.split() == []
    post = [f.path for f in ALL if f.parser == "blogpost"][:1]
    probe = subprocess.run(
        [sys.executable, "-c", _PROBE.format(heavy=HEAVY), *map(str, post)],
        capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert "bs4" in probe.stdout.split()  # the probe sees imports when they happen
