"""Archiving responses captured elsewhere (WARC records, Wayback captures) as if we had fetched them.

Each capture keeps its own capture time as the fetch time and is parsed the way a crawl
parses a page. A capture older than what the archive already holds for its page is kept
as history only (``archive.backdate``), and at the end such pages are replayed in time
order with ``Archive.reparse``, so session versions always run forwards. A capture the
archive already has (same page, same moment, same body) is skipped: importing twice
changes nothing.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from archive import Archive
from archive.backdate import has_fetch, latest_fetch, record_earlier
from scraper import parsers
from scraper.config import Config
from scraper.crawl import parse_stored
from scraper.document import from_bytes
from scraper.errors import ParseError
from scraper.models import ParseResult

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Capture:
    """One HTTP response someone else captured: a 2xx with its body, or a 304 without."""

    url: str  # the page it belongs to
    fetched_at: datetime  # aware; when it was captured
    status: int
    headers: Mapping[str, str]
    body: bytes | None
    final_url: str | None = None  # where the bytes came from, when not ``url``
    target: str | None = None

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return None


@dataclass(frozen=True)
class Hints:
    """How to parse a page: what a crawl of its target would have used."""

    target: str | None = None
    timezone: str | None = None
    parser: str = "auto"


# (page url, target named by the capture) -> hints
HintsFor = Callable[[str, str | None], Hints]


def config_hints(config: Config, *, timezone: str | None = None) -> HintsFor:
    """Hints from config.toml: a target's zone for its pages, its forced parser for its own URLs.

    ``timezone`` (the command's --timezone) wins over the target's zone.
    """
    by_url = {url: target for target in config.targets for url in target.urls}
    by_name = {target.name: target for target in config.targets}

    def hints(url: str, named: str | None) -> Hints:
        seed = by_url.get(url)
        target = seed or (by_name.get(named) if named else None)
        if target is None:
            return Hints(target=named, timezone=timezone)
        return Hints(target=target.name, timezone=timezone or target.timezone,
                     parser=target.parser if seed is not None else "auto")

    return hints


@dataclass
class IngestSummary:
    """Counts for the closing line: what was archived, skipped, replayed."""

    counts: Counter[str] = field(default_factory=Counter)
    pages: set[str] = field(default_factory=set)
    replayed: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"pages": len(self.pages), **dict(sorted(self.counts.items())),
                "replayed_pages": sorted(self.replayed)}


class Ingest:
    """Feeds captures into one archive; call :meth:`finish` once at the end."""

    def __init__(self, archive: Archive, *, run_id: int | None, hints: HintsFor) -> None:
        self.archive = archive
        self.run_id = run_id
        self.hints = hints
        self.summary = IngestSummary()
        self._replay: dict[str, Hints] = {}

    def add(self, capture: Capture) -> str:
        """Archive one capture; returns what happened: archived, earlier, already or parse_error."""
        hints = self.hints(capture.url, capture.target)
        body = capture.body
        digest = hashlib.sha256(body).hexdigest() if body is not None else None
        moment = capture.fetched_at.astimezone(UTC).isoformat()
        if has_fetch(self.archive, capture.url, moment, digest):
            self.summary.counts["already"] += 1
            return "already"
        latest = latest_fetch(self.archive, capture.url)
        earlier = latest is not None and datetime.fromisoformat(latest) > capture.fetched_at
        record = self._record(capture, hints, moment)
        parsed, error = self._parse(capture, hints, digest, earlier)
        event = parsed.event_name if parsed else None
        parser = parsed.parser if parsed else None
        if earlier:
            record_earlier(self.archive, record, event=event, parser=parser, parse_error=error)
            self._replay[capture.url] = hints
            outcome = "earlier"
        else:
            sessions = [s.to_dict() for s in parsed.sessions] if parsed else None
            result = self.archive.record_page(record, sessions=sessions, event=event, parser=parser,
                                              parse_error=error)
            self.summary.counts["changes"] += len(result.get("changes", []))
            outcome = "archived"
        self.summary.pages.add(capture.url)
        self.summary.counts["captures"] += 1
        if capture.body is None:
            self.summary.counts["not_modified"] += 1
        if error:
            self.summary.counts["parse_errors"] += 1
        return outcome

    def _record(self, capture: Capture, hints: Hints, moment: str) -> dict[str, Any]:
        not_modified = capture.body is None
        return {
            "run_id": self.run_id,
            "url": capture.url,
            "target": hints.target,
            "fetched_at": moment,
            "status": capture.status,
            "final_url": capture.final_url or capture.url,
            "headers": dict(capture.headers),
            "attempts": None,
            "elapsed_ms": None,
            "error_class": None,
            "error": None,
            "body": capture.body,
            "media_type": capture.header("content-type"),
            "not_modified": not_modified,
            "etag": capture.header("etag"),
            "last_modified": capture.header("last-modified"),
        }

    def _parse(self, capture: Capture, hints: Hints, digest: str | None,
               earlier: bool) -> tuple[ParseResult | None, str | None]:
        """Parse like a crawl; a body identical to the page's current one needs no parse."""
        if capture.body is None:
            return None, None
        if not earlier:
            state = self.archive.page_state(capture.url) or {}
            if state.get("body_sha256") == digest:
                return None, None
        url = capture.final_url or capture.url
        doc = from_bytes(url, capture.body, content_type=capture.header("content-type"),
                         fetched_at=capture.fetched_at, timezone=hints.timezone)
        try:
            return parsers.parse(doc, hints.parser), None
        except ParseError as exc:
            log.info("%s: %s", capture.url, exc)
            return None, str(exc)

    def finish(self) -> IngestSummary:
        """Replay every page that received earlier captures, so its versions run in time order."""
        for url, hints in sorted(self._replay.items()):
            counts = self.archive.reparse(_stored_parser(hints), page=url)
            self.summary.replayed[url] = counts
            log.info("%s: replayed with earlier captures: %s", url, counts)
        self._replay.clear()
        return self.summary


def _stored_parser(hints: Hints) -> Callable[[dict[str, Any]], list[dict[str, Any]] | None]:
    """The parse callback ``Archive.reparse`` wants, with this page's hints."""

    def parse(stored: dict[str, Any]) -> list[dict[str, Any]] | None:
        return parse_stored(stored, timezone=hints.timezone, parser=hints.parser)

    return parse
