"""Golden tests: every fixture parsed by its own parser equals its .expected.json.

Regenerate on purpose with `pytest tests/parsers/test_goldens.py --update-goldens`, then
read the diff before committing it.
"""

from __future__ import annotations

import json

import pytest

from scraper import parsers
from tests.parsers.goldens import Fixture, fixtures

ALL = fixtures()


@pytest.mark.parametrize("fixture", ALL, ids=str)
def test_fixture_matches_golden(fixture: Fixture, update_goldens: bool) -> None:
    result = parsers.get(fixture.parser).parse(fixture.document())
    got = [s.to_dict() for s in result.sessions]
    if update_goldens:
        fixture.expected_path.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if not fixture.expected_path.is_file():
        pytest.fail(f"{fixture.expected_path.name} missing: check the output by hand, then --update-goldens")
    expected = json.loads(fixture.expected_path.read_text(encoding="utf-8"))
    assert got == expected


def test_every_parser_has_a_golden_fixture() -> None:
    covered = {f.parser for f in ALL}
    missing = set(parsers.names()) - covered
    assert not missing, f"parsers without fixtures in tests/fixtures/parsers/: {sorted(missing)}"
