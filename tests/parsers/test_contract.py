"""The contract every parser keeps: detect never raises and never claims another's page;
parse on any fixture either returns sessions or raises ParseError, never anything else."""

from __future__ import annotations

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
