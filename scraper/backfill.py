"""History from before the first crawl: a page's captures in a Wayback Machine, archived oldest first.

The CDX API lists the captures of a URL (timestamp, original URL, digest, status, media
type). Consecutive captures with the same digest are the same bytes and are fetched
once (``collapse=digest`` asks the server to drop them; we drop them again in case it
does not). A later return to an earlier digest is a change (a revert) and is kept. Each
remaining capture is fetched in raw ``id_`` mode, which replays the archived bytes
without the Wayback banner or rewritten links, through the Fetcher (robots.txt,
per-host pacing, retries), and archived with the capture time as its fetch time.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode

from archive import Archive
from archive.backdate import has_capture
from scraper.errors import FetchError, SchedarcError
from scraper.fetch import Fetcher, FetchSettings
from scraper.ingest import Capture, Ingest

log = logging.getLogger(__name__)

DEFAULT_CDX_API = "https://web.archive.org"
FIELDS = ("timestamp", "original", "digest", "statuscode", "mimetype")
_REPLAY_STAMP = re.compile(r"/web/(\d{14})id_/")


@dataclass(frozen=True)
class CdxCapture:
    """One row of a CDX answer."""

    timestamp: str  # 14 digits, UTC
    original: str
    digest: str
    status: str  # "200", "301", "-" (a revisit record), ...
    mimetype: str

    @property
    def moment(self) -> datetime:
        return datetime.strptime(self.timestamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)


def _base(api: str) -> str:
    return api.rstrip("/")


def cdx_url(api: str, url: str, *, from_year: int | None = None, to_year: int | None = None) -> str:
    """The CDX query for every capture of exactly ``url`` in the years given, as JSON."""
    params: list[tuple[str, str]] = [("url", url), ("output", "json"), ("fl", ",".join(FIELDS)),
                                     ("collapse", "digest")]
    if from_year is not None:
        params.append(("from", str(from_year)))
    if to_year is not None:
        params.append(("to", str(to_year)))
    return f"{_base(api)}/cdx/search/cdx?{urlencode(params)}"


def replay_url(api: str, capture: CdxCapture) -> str:
    """The raw (``id_``) replay of a capture: the archived bytes as the site sent them."""
    return f"{_base(api)}/web/{capture.timestamp}id_/{capture.original}"


def parse_cdx(body: bytes, *, source: str) -> list[CdxCapture]:
    """The JSON array-of-arrays answer (a header row, then one row per capture)."""
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return []  # the CDX server answers nothing at all when there are no captures
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise SchedarcError(f"{source}: the CDX API did not answer JSON ({text[:60]!r})",
                            hint="check --cdx-api points at a Wayback Machine (e.g. https://web.archive.org)") \
            from None
    if not isinstance(data, list) or not data:
        return []
    header = data[0]
    if not isinstance(header, list) or not set(FIELDS) <= set(header):
        raise SchedarcError(f"{source}: the CDX answer lacks the fields {', '.join(FIELDS)} (got {header!r})",
                            hint="the server must support output=json and fl=")
    where = {name: header.index(name) for name in FIELDS}
    found = []
    for row in data[1:]:
        if not isinstance(row, list) or len(row) < len(header):
            continue
        values = {name: str(row[i]) for name, i in where.items()}
        if not re.fullmatch(r"\d{14}", values["timestamp"]):
            continue
        found.append(CdxCapture(values["timestamp"], values["original"], values["digest"],
                                values["statuscode"], values["mimetype"]))
    return found


def distinct(captures: list[CdxCapture]) -> list[CdxCapture]:
    """Oldest first; captures that only repeat the previous one's digest, and non-200s, dropped."""
    kept: list[CdxCapture] = []
    last: str | None = None
    for capture in sorted(captures, key=lambda c: c.timestamp):
        # "-" is a revisit record in the Wayback's own WARCs: the same bytes as an earlier 200.
        if capture.status not in ("200", "-"):
            continue
        if capture.digest == last:
            continue
        kept.append(capture)
        last = capture.digest
    return kept


def _capture_time(capture: CdxCapture, final_url: str, headers: dict[str, str]) -> datetime:
    """When the replayed bytes were captured: a redirect to a nearby capture says so in its URL."""
    match = _REPLAY_STAMP.search(final_url)
    if match:
        return datetime.strptime(match.group(1), "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    stamp = next((v for k, v in headers.items() if k.lower() == "memento-datetime"), None)
    if stamp:
        try:
            return parsedate_to_datetime(stamp).astimezone(UTC)
        except (TypeError, ValueError):
            pass
    return capture.moment


@dataclass
class Backfill:
    """Archive the Wayback history of one page."""

    archive: Archive
    fetcher: Fetcher
    ingest: Ingest
    api: str = DEFAULT_CDX_API
    settings: FetchSettings | None = None

    def captures(self, url: str, *, from_year: int | None = None, to_year: int | None = None) -> list[CdxCapture]:
        """Every capture of ``url`` the CDX API lists, as it lists them (one request)."""
        query = cdx_url(self.api, url, from_year=from_year, to_year=to_year)
        result = self.fetcher.fetch(query, settings=self.settings)
        return parse_cdx(result.body, source=query)

    def run(self, url: str, *, from_year: int | None = None, to_year: int | None = None,
            limit: int | None = None) -> dict[str, Any]:
        """Fetch and archive each distinct capture; a failed capture is counted, not fatal."""
        listed = self.captures(url, from_year=from_year, to_year=to_year)
        found = distinct(listed)
        chosen = found[:limit] if limit is not None else found
        failed: list[dict[str, str]] = []
        fetched = 0
        for capture in chosen:
            if has_capture(self.archive, url, capture.moment.isoformat()):
                self.ingest.summary.counts["already"] += 1
                continue
            try:
                result = self.fetcher.fetch(replay_url(self.api, capture), settings=self.settings)
            except FetchError as exc:
                log.warning("%s: capture %s: %s", url, capture.timestamp, exc)
                failed.append({"timestamp": capture.timestamp, "error": str(exc)})
                continue
            fetched += 1
            headers = dict(result.headers)
            moment = _capture_time(capture, result.final_url, headers)
            self.ingest.add(Capture(url=url, fetched_at=moment, status=result.status, headers=headers,
                                    body=result.body, final_url=capture.original))
        summary = self.ingest.finish().to_dict()
        summary.update({"listed": len(listed), "distinct": len(found), "fetched": fetched, "failed": failed})
        return summary

