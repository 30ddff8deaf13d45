"""Fixtures for the reliability suite: the budget (CI or --soak) and a hang guard."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.loopback import LoopbackServer


@dataclass(frozen=True)
class Budget:
    """How hard the reliability tests push: small in CI, large under ``--soak``."""

    soak: bool
    fuzz_examples: int  # hypothesis examples per parser and strategy
    pages: int  # fault-soak site size
    kills: int  # crash-consistency kill points
    atheris_runs: int


CI = Budget(soak=False, fuzz_examples=60, pages=150, kills=5, atheris_runs=3_000)
SOAK = Budget(soak=True, fuzz_examples=2_000, pages=500, kills=20, atheris_runs=200_000)


@pytest.fixture(scope="session")
def budget(request: pytest.FixtureRequest) -> Budget:
    return SOAK if request.config.getoption("--soak") else CI


@pytest.fixture
def hosts() -> Iterator[list[LoopbackServer]]:
    """Four loopback HTTP servers (four hosts to the crawler: host and port differ)."""
    servers = [LoopbackServer().start() for _ in range(4)]
    yield servers
    for server in servers:
        server.stop()
