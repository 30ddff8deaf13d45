"""What a crawl reports: one PageReport per page, a CrawlSummary for the run."""

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


@dataclass
class CrawlSummary:
    """The end-of-run account, printed for people and as JSON for scripts."""

    targets: list[str] = field(default_factory=list)
    pages: list[PageReport] = field(default_factory=list)
    stopped_early: bool = False

    @property
    def failures(self) -> list[PageReport]:
        return [p for p in self.pages if p.outcome in ("failed", "parse_error")]

    @property
    def changes(self) -> list[dict[str, Any]]:
        return [c for p in self.pages for c in p.changes]

    @property
    def ok(self) -> bool:
        return not self.failures and not self.stopped_early

    def counts(self) -> dict[str, int]:
        outcomes = Counter(p.outcome for p in self.pages)
        kinds = Counter(c["kind"] for c in self.changes)
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
