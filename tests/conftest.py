"""Shared fixtures: a real loopback HTTP server, temp archives, the CLI runner, the corpus."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.loopback import LoopbackServer

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-goldens", action="store_true", help="rewrite parser golden files")
    parser.addoption("--soak", action="store_true", help="run long soak tests")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--soak"):
        return
    skip = pytest.mark.skip(reason="soak test: run with --soak")
    for item in items:
        if "soak" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


@pytest.fixture
def http_server() -> Iterator[LoopbackServer]:
    """A threaded HTTP server on 127.0.0.1:<free port>, serving tests/fixtures/site."""
    server = LoopbackServer(root=FIXTURES / "site")
    with server:
        yield server


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where a test's archive lives: a real SQLite file in a temp dir."""
    return tmp_path / "archive.db"


def shared_dir(kind: str = "corpus") -> Path:
    """../shared/<kind> relative to the repo; skip (or fail under CI=true) when absent."""
    path = SHARED / kind
    if not path.is_dir():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{path} is missing; CI must run with ../shared beside the repo")
        pytest.skip(f"{path} is absent (a clone without ../shared)")
    return path


@pytest.fixture
def corpus() -> Path:
    return shared_dir("corpus")
