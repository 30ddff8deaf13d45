"""Find parser fixtures and turn them into Documents the way the CLI would."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scraper.document import from_bytes
from scraper.models import Document

PARSER_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "parsers"
SIDECARS = (".expected.json", ".hints.json")


@dataclass(frozen=True)
class Fixture:
    parser: str
    path: Path

    @property
    def expected_path(self) -> Path:
        return self.path.with_name(self.path.name + ".expected.json")

    @property
    def hints(self) -> dict[str, Any]:
        hints_path = self.path.with_name(self.path.name + ".hints.json")
        return json.loads(hints_path.read_text(encoding="utf-8")) if hints_path.is_file() else {}

    def document(self) -> Document:
        hints = self.hints
        url = hints.get("url") or hints.get("base_url") or self.path.resolve().as_uri()
        return from_bytes(url, self.path.read_bytes(), content_type=hints.get("media_type"),
                          timezone=hints.get("timezone"), base_url=hints.get("base_url") or url)

    def __str__(self) -> str:
        return f"{self.parser}/{self.path.name}"


def fixtures() -> list[Fixture]:
    """Every fixture file under tests/fixtures/parsers/<parser>/ (sidecars excluded)."""
    found = []
    if PARSER_FIXTURES.is_dir():
        for folder in sorted(p for p in PARSER_FIXTURES.iterdir() if p.is_dir()):
            for path in sorted(folder.iterdir()):
                if path.is_file() and not path.name.endswith(SIDECARS) and not path.name.startswith("."):
                    found.append(Fixture(folder.name, path))
    return found
