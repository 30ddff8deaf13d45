"""A crawl: targets -> fetch -> archive -> parse -> follow links, with one archive writer.

Fetching runs on the Fetcher's pool (per-host pacing, global worker cap); everything
that touches the archive happens here, on the calling thread, so SQLite only ever sees
one writer and "database is locked" cannot happen inside a crawl.
"""

from __future__ import annotations

import fnmatch
import functools
import hashlib
import logging
import re
from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urldefrag, urlsplit

from archive import Archive
from archive.errors import ArchiveError as StoreError
from scraper import parsers
from scraper.config import Config, Target
from scraper.document import from_bytes, from_fetch
from scraper.errors import FetchError, ParseError, SchedarcError
from scraper.fetch import Fetcher, FetchRequest, FetchSettings
from scraper.links import extract_links
from scraper.models import Document, FetchResult, ParseResult
from scraper.politeness import host_key
from scraper.report import SAMPLE, CrawlSummary, PageReport

__all__ = ["Crawl", "CrawlSummary", "PageJob", "PageReport", "canonical", "is_due", "matches"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PageJob:
    """One URL to fetch on behalf of a target, at some link depth."""

    url: str
    target: Target
    depth: int = 0

    @property
    def parser(self) -> str:
        # A forced parser applies to the target's own URLs; followed pages are detected.
        return self.target.parser if self.depth == 0 else "auto"


#: Fetches handed to the Fetcher ahead of the archive writer: per worker, and per host per
#: request that host may have in flight. Enough to keep every worker and host busy; few
#: enough that fetched bodies do not pile up in memory while the single writer catches up.
AHEAD_PER_WORKER = 2
AHEAD_PER_HOST_SLOT = 2


def canonical(url: str) -> str:
    """The URL without its fragment: the fetch unit."""
    url = url.strip()
    # Most links carry no fragment, and urldefrag returns those unchanged: every link of
    # every page comes through here (55 a page on a Sched site), so skip its parse.
    return urldefrag(url)[0] if "#" in url else url


def followable(links: Sequence[str]) -> list[str]:
    """The http(s) fetch units among ``links``, in order, once each: what a page leads to."""
    found: dict[str, None] = {}
    for link in links:
        try:
            url = canonical(link)
        except ValueError:  # "http://[oops": nothing to follow
            continue
        if url.startswith(("http://", "https://")):
            found[url] = None
    return list(found)


def _following(job: PageJob) -> bool:
    """Whether links found on this job's page are followed at all."""
    return bool(job.target.follow) and job.depth < job.target.max_depth


def matches(url: str, patterns: Sequence[str]) -> bool:
    """Glob patterns match the whole URL; "re:" patterns are regular expressions (search)."""
    globs, regexes = _compiled(tuple(patterns))
    return bool(globs and globs.match(url)) or any(regex.search(url) for regex in regexes)


@functools.lru_cache(maxsize=64)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str] | None, tuple[re.Pattern[str], ...]]:
    """A target's globs as one regular expression (every link is matched), and its "re:" patterns."""
    globs = [fnmatch.translate(p) for p in patterns if not p.startswith("re:")]
    regexes = tuple(re.compile(p[3:]) for p in patterns if p.startswith("re:"))
    return (re.compile("|".join(globs)) if globs else None), regexes


class Crawl:
    """One run over some targets into one archive."""

    def __init__(self, archive: Archive, config: Config, *, run_id: int, fetcher: Fetcher | None = None,
                 on_page: Callable[[PageReport], None] | None = None,
                 on_queue: Callable[[int], None] | None = None, fail_fast: bool = False,
                 keep_changes: bool = True) -> None:
        self.archive = archive
        self.config = config
        self.run_id = run_id
        self.fetcher = fetcher or Fetcher(config.fetch)
        self._own_fetcher = fetcher is None
        self.on_page = on_page
        self.on_queue = on_queue
        self.fail_fast = fail_fast
        self.keep_changes = keep_changes
        self._seen: set[str] = set()
        self._per_target: Counter[str] = Counter()
        self._pending: dict[Future[FetchResult], PageJob] = {}
        # Jobs not yet handed to the Fetcher, per host (see AHEAD_PER_WORKER).
        self._waiting: dict[str, deque[tuple[PageJob, FetchRequest]]] = {}
        self._in_flight: Counter[str] = Counter()
        self._ahead = AHEAD_PER_WORKER * self.fetcher.settings.workers

    def run(self, targets: Sequence[Target]) -> CrawlSummary:
        summary = CrawlSummary(targets=[t.name for t in targets if t.name], keep_changes=self.keep_changes)
        try:
            for target in targets:
                for url in target.urls:
                    self._enqueue(PageJob(canonical(url), target, 0))
            while self._pending:
                done, _ = wait(list(self._pending), return_when=FIRST_COMPLETED)
                for future in done:
                    job = self._pending.pop(future)
                    self._in_flight[_host(job.url)] -= 1
                    report = self._handle(job, future)
                    if self.on_page:
                        self.on_page(report)
                    summary.add(report)
                    if self.fail_fast and report.outcome in ("failed", "parse_error"):
                        summary.stopped_early = bool(self._pending or self._waiting)
                        self._cancel()
                        return summary
                self._submit_waiting()
        finally:
            self._cancel()
            if self._own_fetcher:
                self.fetcher.close()
        return summary

    def _cancel(self) -> None:
        for future in self._pending:
            future.cancel()
        self._pending.clear()
        self._waiting.clear()

    def _enqueue(self, job: PageJob) -> None:
        if job.url in self._seen:
            return
        if self._per_target[job.target.name] >= job.target.max_pages:
            log.info("%s: max_pages (%d) reached, not fetching %s", job.target.name, job.target.max_pages, job.url)
            return
        self._seen.add(job.url)
        self._per_target[job.target.name] += 1
        state = self.archive.page_state(job.url) or {}
        settings: FetchSettings = self.config.fetch_for(job.target)
        request = FetchRequest(job.url, etag=state.get("etag"), last_modified=state.get("last_modified"),
                               settings=settings, tag=job)
        self._waiting.setdefault(_host(job.url), deque()).append((job, request))
        self._submit_waiting()
        if self.on_queue:
            self.on_queue(1)

    def _submit_waiting(self) -> None:
        """Hand waiting jobs to the Fetcher, hosts in turn, within the look-ahead limits."""
        moved = True
        while moved and self._waiting:
            moved = False
            for host in list(self._waiting):
                if len(self._pending) >= self._ahead:
                    return
                queue = self._waiting[host]
                job, request = queue[0]
                per_host = (request.settings or self.fetcher.settings).concurrency_per_host
                if self._in_flight[host] >= AHEAD_PER_HOST_SLOT * per_host:
                    continue  # this host's results make room later; other hosts go on
                queue.popleft()
                if not queue:
                    del self._waiting[host]
                self._in_flight[host] += 1
                self._pending[self.fetcher.submit(request)] = job
                moved = True

    def _handle(self, job: PageJob, future: Future[FetchResult]) -> PageReport:
        name = job.target.name
        try:
            result = future.result()
        except FetchError as exc:
            self.archive.record_page(self._failed_record(job, exc))
            log.info("%s: %s", job.url, exc)
            return PageReport(job.url, name, "failed", status=exc.status, error=str(exc), attempts=exc.attempts)
        report = self._handle_result(job, result)
        report.attempts = result.attempts
        return report

    def _handle_result(self, job: PageJob, result: FetchResult) -> PageReport:
        name = job.target.name
        record = self._record(job, result)
        following = _following(job)
        if result.not_modified:
            links, found_again = self._stored_links(job) if following else ([], False)
            # Links found again in the stored body are kept with the page for next time.
            outcome = self.archive.record_page(record, links=links if found_again else None)
            self._follow(job, links)
            return PageReport(job.url, name, "not_modified", status=result.status, fetch_id=outcome["fetch_id"])
        state = self.archive.page_state(job.url) or {}
        same_body = state.get("body_sha256") == hashlib.sha256(result.body).hexdigest()
        if same_body and not following:
            # Identical bytes: nothing to parse, nothing to follow; the fetch row is the record.
            outcome = self.archive.record_page(record)
            return PageReport(job.url, name, "unchanged", status=result.status, fetch_id=outcome["fetch_id"])
        if same_body and state.get("has_links") and not state.get("parse_error"):
            # Identical bytes whose links were recorded: follow them without parsing again.
            outcome = self.archive.record_page(record, event=state.get("event"), parser=state.get("parser"))
            self._follow(job, self.archive.page_links(job.url) or [])
            return PageReport(job.url, name, "unchanged", status=result.status, fetch_id=outcome["fetch_id"],
                              parser=state.get("parser"))
        doc = from_fetch(result, timezone=job.target.timezone)
        anchors = extract_links(doc) if following else []
        self._follow(job, anchors)  # before parsing, so the fetcher gets on with them meanwhile
        try:
            parsed = _parse(doc, job.parser)
        except ParseError as exc:
            outcome = self.archive.record_page(record, parse_error=str(exc),
                                               links=followable(anchors) if following else None)
            log.info("%s: %s", job.url, exc)
            return PageReport(job.url, name, "parse_error", status=result.status, fetch_id=outcome["fetch_id"],
                              error=str(exc))
        sessions = [s.to_dict() for s in parsed.sessions]
        found = [*parsed.links, *(s.url for s in parsed.sessions if s.url)]
        outcome = self.archive.record_page(record, sessions=None if same_body else sessions,
                                           event=parsed.event_name, parser=parsed.parser,
                                           links=followable([*anchors, *found]) if following else None,
                                           change_fields=None if self.keep_changes else SAMPLE)
        self._follow(job, found)
        for warning in parsed.warnings:
            log.info("%s: %s", job.url, warning)
        kind = "unchanged" if same_body else "changed"
        return PageReport(job.url, name, kind, status=result.status, fetch_id=outcome["fetch_id"],
                          parser=parsed.parser, changes=list(outcome.get("changes", [])))

    def _stored_links(self, job: PageJob) -> tuple[list[str], bool]:
        """Links of a 304 page: those recorded with its body, else (True) found again in it."""
        try:
            links = self.archive.page_links(job.url)
        except StoreError as exc:
            log.info("%s: stored links unreadable, reading the body again: %s", job.url, exc)
            links = None
        if links is not None:
            return links, False
        # Recorded before links were kept, or while not following: parse the stored body once.
        state = self.archive.page_state(job.url) or {}
        if not state.get("fetch_id"):
            return [], False
        try:
            body = self.archive.fetch_body(int(state["fetch_id"]))
        except (SchedarcError, StoreError) as exc:
            log.info("%s: cannot re-read stored body for links: %s", job.url, exc)
            return [], False
        doc = from_bytes(job.url, body, content_type=state.get("media_type"), timezone=job.target.timezone)
        anchors = extract_links(doc)
        # The same bytes went through detection when they were stored: reuse its answer.
        parser = state.get("parser") if job.parser == "auto" and state.get("parser") else job.parser
        try:
            parsed = _parse(doc, parser)
        except ParseError:
            return followable(anchors), True
        return followable([*anchors, *parsed.links, *(s.url for s in parsed.sessions if s.url)]), True

    def _follow(self, job: PageJob, links: list[str]) -> None:
        target = job.target
        if not target.follow or job.depth >= target.max_depth:
            return
        for link in links:
            try:
                url = canonical(link)
            except ValueError:  # "http://[oops" in a feed's URL field: nothing to follow
                continue
            # Most links name pages already queued: the set lookup spares their pattern match.
            if url not in self._seen and url.startswith(("http://", "https://")) and matches(url, target.follow):
                self._enqueue(PageJob(url, target, job.depth + 1))

    def _record(self, job: PageJob, result: FetchResult) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "url": job.url,
            "target": job.target.name or None,
            "fetched_at": result.fetched_at.isoformat(),
            "status": result.status,
            "final_url": result.final_url,
            "headers": dict(result.headers),
            "attempts": result.attempts,
            "elapsed_ms": round(result.elapsed * 1000),
            "error_class": None,
            "error": None,
            "body": None if result.not_modified else result.body,
            "media_type": result.header("content-type"),
            "not_modified": result.not_modified,
            "etag": result.header("etag"),
            "last_modified": result.header("last-modified"),
        }

    def _failed_record(self, job: PageJob, exc: FetchError) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "url": job.url,
            "target": job.target.name or None,
            "fetched_at": datetime.now(UTC).isoformat(),
            "status": exc.status,
            "final_url": None,
            "headers": {},
            "attempts": exc.attempts,
            "elapsed_ms": round(exc.elapsed * 1000),
            "error_class": type(exc).__name__,
            "error": str(exc),
            "body": None,
            "media_type": None,
            "not_modified": False,
            "etag": None,
            "last_modified": None,
        }


def _parse(doc: Document, parser: str | None) -> ParseResult:
    """parsers.parse, with a parser's crash turned into a ParseError: one hostile page must
    not end a crawl of many targets, and its body stays archived for a reparse."""
    chosen = parsers.pick(doc, parser)
    try:
        return chosen.parse(doc)
    except ParseError:
        raise
    except Exception as exc:
        log.warning("%s: parser %s crashed: %s: %s", doc.url, chosen.name, type(exc).__name__, exc, exc_info=True)
        raise ParseError(f"{doc.url}: the {chosen.name} parser crashed ({type(exc).__name__}: {exc})",
                         hint="this is a schedarc bug; please report it with the page. The body is archived, "
                              "so `schedarc reparse` will retry it after an upgrade") from exc


def parse_stored(stored: Mapping[str, Any], *, timezone: str | None, parser: str | None) -> list[dict[str, Any]] | None:
    """Sessions of a body kept in the archive (the record ``Archive.reparse`` hands over),
    or None when it does not parse. Used by ``reparse`` and by WARC and Wayback imports."""
    fetched = stored.get("fetched_at")
    doc = from_bytes(stored.get("final_url") or stored["url"], stored["body"], content_type=stored.get("media_type"),
                     fetched_at=datetime.fromisoformat(fetched) if fetched else None, timezone=timezone)
    try:
        return [s.to_dict() for s in _parse(doc, parser).sessions]
    except ParseError:
        return None


def _host(url: str) -> str:
    try:
        return host_key(urlsplit(url))
    except ValueError:  # a malformed port: the Fetcher fails the job; any key will do
        return url


def is_due(target: Target, last_run: datetime | None, now: datetime) -> bool:
    """A target is due when it never ran, has no `every`, or `every` has passed."""
    if last_run is None or target.every is None:
        return True
    return now - last_run >= target.every
