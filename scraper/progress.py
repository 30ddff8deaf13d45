"""Progress on stderr: a live bar on a terminal, plain log lines otherwise (cron, pipes)."""

from __future__ import annotations

import logging
import sys
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scraper.crawl import PageReport

log = logging.getLogger("scraper.crawl")


class Progress:
    """Counts queued and finished pages; draws a rich bar only when stderr is a TTY."""

    def __init__(self, *, enabled: bool = True) -> None:
        self.queued = 0
        self.done = 0
        self._bar: Any = None
        self._task: Any = None
        if enabled and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                     TimeElapsedColumn(), console=Console(stderr=True), transient=True)

    def __enter__(self) -> Progress:
        if self._bar is not None:
            self._bar.start()
            self._task = self._bar.add_task("crawling", total=0)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.stop()

    def queue(self, count: int) -> None:
        self.queued += count
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, total=self.queued)

    def page(self, report: PageReport) -> None:
        self.done += 1
        detail = report.error if report.error else f"{len(report.changes)} changes" if report.changes else ""
        line = f"[{self.done}/{self.queued}] {report.outcome:12} {report.url}" + (f"  {detail}" if detail else "")
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, advance=1, description=report.url[-60:])
            if report.outcome in ("failed", "parse_error"):
                self._bar.console.print(line, markup=False, highlight=False)
        else:
            # Failures are repeated in the command's summary; per-page lines are for -v.
            log.info("%s", line)
