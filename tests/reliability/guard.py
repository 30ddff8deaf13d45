"""A hang guard: code that runs longer than a generous bound fails instead of hanging CI.

The bound is not a speed assertion (bench/ measures speed); it only turns "never
returns" into a failure that names what hung.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class Hang(Exception):
    """The guarded block did not finish within its bound."""


@contextmanager
def bounded(seconds: float, what: str) -> Iterator[None]:
    """Raise Hang inside the block if it runs past ``seconds`` (main thread only; else no guard)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(_signum: int, _frame: FrameType | None) -> None:
        raise Hang(f"{what} ran for more than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
