"""What a crawl reports: one PageReport per page, a CrawlSummary for the run.

Every change is in the archive already; the summary holds them all only for a reader who
gets them all (``--json``, a notifier). Otherwise it keeps a count by kind and the first
few for the summary text: a first crawl of a big site adds thousands of sessions, and
holding a record of each (old and new value of every field) cost a 500-page crawl 8 MiB.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields
from typing import Any


@dataclass
class PageReport:
    """What happened to one page in this run."""

    url: str
    target: str
    outcome: str  # changed | unchanged | not_modified | failed | parse_error
    status: int | None = None
    fetch_id: int | None = None
    parser: str | None = None
    changes: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    attempts: int = 0  # requests made for this page; each one past the first is a retry


#: Change records a summary keeps when nobody reads them all: enough for the summary text.
SAMPLE = 50


@dataclass
class CrawlSummary:
    """The end-of-run account, printed for people and as JSON for scripts.

    ``keep_changes`` False: pages' change records are dropped once counted, but for the
    first :data:`SAMPLE` (``changes`` is then that sample; ``change_total`` counts all).
    """

    targets: list[str] = field(default_factory=list)
    pages: list[PageReport] = field(default_factory=list)
    stopped_early: bool = False
    keep_changes: bool = True
    _kinds: Counter[str] = field(default_factory=Counter, repr=False)
    _sample: list[dict[str, Any]] = field(default_factory=list, repr=False)

    def add(self, report: PageReport) -> None:
        """Account for one page (after its progress line, which reads its changes)."""
        self._kinds.update(c["kind"] for c in report.changes)
        if not self.keep_changes:
            self._sample += report.changes[: SAMPLE - len(self._sample)]
            report.changes = []
        self.pages.append(report)

    @property
    def change_total(self) -> int:
        return sum(self._kinds.values())

    @property
    def failures(self) -> list[PageReport]:
        return [p for p in self.pages if p.outcome in ("failed", "parse_error")]

    @property
    def changes(self) -> list[dict[str, Any]]:
        return [c for p in self.pages for c in p.changes] if self.keep_changes else list(self._sample)

    @property
    def ok(self) -> bool:
        return not self.failures and not self.stopped_early

    def counts(self) -> dict[str, int]:
        outcomes = Counter(p.outcome for p in self.pages)
        kinds = self._kinds
        return {
            "targets": len(self.targets),
            "pages": len(self.pages),
            "fetched": sum(1 for p in self.pages if p.outcome != "failed"),
            "not_modified": outcomes["not_modified"],
            "unchanged": outcomes["unchanged"],
            "changed": outcomes["changed"],
            "failed": len(self.failures),
            "retries": sum(max(0, p.attempts - 1) for p in self.pages),
            "sessions_added": kinds["added"] + kinds["restored"],
            "sessions_changed": kinds["changed"],
            "sessions_removed": kinds["removed"],
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "targets": self.targets,
            "counts": self.counts(),
            "failures": [{"url": p.url, "target": p.target, "error": p.error} for p in self.failures],
            "changes": self.changes,
            # field by field: asdict() would deep-copy every page's change records only to drop them
            "pages": [{name: getattr(p, name) for name in _REPORT_FIELDS} for p in self.pages],
        }


_REPORT_FIELDS = tuple(f.name for f in fields(PageReport) if f.name != "changes")
