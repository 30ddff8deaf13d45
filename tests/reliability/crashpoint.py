"""Run the schedarc CLI, pausing at a named point of the archive's write path so that a
test can kill -9 it exactly there. The instrumentation lives here, in the test's child
process; the product has no hooks.

    CRASHPOINT=version:37 CRASHPOINT_MARKER=/tmp/at python tests/reliability/crashpoint.py crawl ...

Points (all inside a page's open write transaction): ``body`` after a body is stored,
``version`` after a session version is written (the session row and its FTS entry are
already written too), ``speakers`` after a session's speakers are linked, ``commit``
just before COMMIT. On the Nth time the point is reached the marker file is written and
the process sleeps until killed.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

POINTS = ("body", "version", "speakers", "commit")


def _pauser(point: str, nth: int, marker: Path) -> Callable[[], None]:
    seen = 0

    def reached() -> None:
        nonlocal seen
        seen += 1
        if seen == nth:
            marker.write_text(f"{point}:{nth}\n")
            time.sleep(600)  # the test kills us here

    return reached


def _after(function: Callable[..., Any], reached: Callable[[], None]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        reached()
        return result

    return wrapper


def install(point: str, nth: int, marker: Path) -> None:
    from archive import core, store

    reached = _pauser(point, nth, marker)
    if point == "body":
        vars(store)["put_body"] = _after(vars(store)["put_body"], reached)
    elif point == "version":
        vars(store)["_insert_version"] = _after(store._insert_version, reached)
    elif point == "speakers":
        vars(store)["link_speakers"] = _after(vars(store)["link_speakers"], reached)
    elif point == "commit":
        original = vars(core)["write_transaction"]

        @contextmanager
        def paused(db: Any, path: Path) -> Iterator[None]:
            with original(db, path):
                yield
                reached()  # every write of the transaction done, COMMIT not yet sent

        vars(core)["write_transaction"] = paused
    else:
        raise SystemExit(f"unknown CRASHPOINT {point!r}; use one of {', '.join(POINTS)}")


def main() -> None:
    point, _, nth = os.environ["CRASHPOINT"].partition(":")
    install(point, int(nth or 1), Path(os.environ["CRASHPOINT_MARKER"]))
    from scraper.cli import cli

    sys.argv[0] = "schedarc"
    cli.main(prog_name="schedarc", windows_expand_args=False)


if __name__ == "__main__":
    main()
