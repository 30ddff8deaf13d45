"""Archive fixtures: a fresh archive file per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from archive import Archive


@pytest.fixture
def archive(db_path: Path) -> Iterator[Archive]:
    with Archive(db_path) as opened:
        yield opened
