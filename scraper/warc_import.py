"""Reading WARC files written by any tool (wget, ArchiveBox, Browsertrix, schedarc) into the archive.

Two passes. The first reads every record of every file without keeping bodies: it
checks the file is whole (each gzip member complete, each record as long as it says)
and notes where each usable response sits. Only then does the second pass seek to those
records, oldest ``WARC-Date`` first, and hand them to :class:`scraper.ingest.Ingest`.
A broken file therefore fails before anything is written.

Used: ``response`` records with a 2xx status, ``revisit`` records that repeat an earlier
response (identical-payload-digest, resolved within the same files) and 304 revisits
(server-not-modified), for http(s) URLs whose media type can hold a schedule. Skipped and
counted: other statuses, images, stylesheets, scripts, robots.txt, and revisits whose
original is not in the files.
"""

from __future__ import annotations

import logging
import zlib
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from archive.warc import PAGE_FIELD, TARGET_FIELD
from scraper.errors import SchedarcError
from scraper.ingest import Capture, Ingest

log = logging.getLogger(__name__)

# Media types a schedule can come in; '' is a response without Content-Type.
_SCHEDULE_TYPES = ("html", "xml", "json", "calendar", "text/plain", "markdown", "csv")
_NOT_SCHEDULES = ("text/css", "javascript")
_IDENTICAL = "identical-payload-digest"
_NOT_MODIFIED = "server-not-modified"
_CHUNK = 1 << 16


@dataclass(frozen=True)
class _Spot:
    """Where one usable record sits, and what it says about itself."""

    file: int
    offset: int
    order: int
    date: datetime
    uri: str
    page: str
    target: str | None
    status: int
    not_modified: bool = False
    original: tuple[int, int] | None = None  # (file, offset) of the response a revisit repeats


@dataclass
class _Scan:
    spots: list[_Spot] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    # payload digest / record id -> (file, offset) of the response that carried it
    responses: dict[str, tuple[int, int]] = field(default_factory=dict)
    pending: list[tuple[_Spot, str, str]] = field(default_factory=list)  # revisits: (spot, id, digest)


def _uri(value: str | None) -> str:
    # WARC/1.0 writers (wget among them) put the URI in angle brackets.
    return (value or "").strip().removeprefix("<").removesuffix(">")


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _media_ok(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if not media:
        return True
    if any(kind in media for kind in _NOT_SCHEDULES):
        return False
    return any(kind in media for kind in _SCHEDULE_TYPES)


def _broken(path: Path, what: str) -> SchedarcError:
    return SchedarcError(f"{path}: {what}", hint="nothing was imported; get a complete copy of the file, "
                                                 "or check it with `warcio check`")


def check_gzip(path: Path) -> None:
    """Every gzip member of a .warc.gz is complete (warcio itself stops quietly at a cut member)."""
    with path.open("rb") as handle:
        if handle.read(2) != b"\x1f\x8b":
            return
        handle.seek(0)
        pending = b""
        while True:
            inflater = zlib.decompressobj(wbits=31)
            data = pending
            while not inflater.eof:
                if not data:
                    data = handle.read(_CHUNK)
                    if not data:
                        raise _broken(path, "the gzip data is truncated (the last record is cut off)")
                try:
                    inflater.decompress(data)
                except zlib.error as exc:
                    raise _broken(path, f"the gzip data is corrupt ({exc})") from None
                data = inflater.unconsumed_tail or b""
            pending = inflater.unused_data
            if not pending:
                pending = handle.read(_CHUNK)
                if not pending:
                    return


def _drain(record: Any) -> int:
    size = 0
    while True:
        piece = record.raw_stream.read(_CHUNK)
        if not piece:
            return size
        size += len(piece)


def _scan_file(index: int, path: Path, scan: _Scan) -> None:
    check_gzip(path)
    with path.open("rb") as handle:
        records = ArchiveIterator(handle, arc2warc=True)
        for order, record in enumerate(records):
            expected = record.payload_length if record.payload_length >= 0 else record.length
            got = _drain(record)
            if expected is not None and got < int(expected):
                raise _broken(path, f"record {order + 1} is truncated ({got} of {expected} bytes)")
            _note(index, records.get_record_offset(), order, record, scan)


def _note(index: int, offset: int, order: int, record: Any, scan: _Scan) -> None:
    """Keep a record that can become a capture; count why others are left out."""
    kind = record.rec_type
    if kind not in ("response", "revisit"):
        return
    headers = record.rec_headers
    uri = _uri(headers.get_header("WARC-Target-URI"))
    http = record.http_headers
    parts = urlsplit(uri)
    date = _date(headers.get_header("WARC-Date"))
    if parts.scheme not in ("http", "https") or http is None or date is None:
        scan.skipped["not an HTTP capture"] += 1
        return
    try:
        status = int(http.get_statuscode())
    except (TypeError, ValueError):
        scan.skipped["no HTTP status"] += 1
        return
    digest = headers.get_header("WARC-Payload-Digest") or ""
    record_id = headers.get_header("WARC-Record-ID") or ""
    profile = headers.get_header("WARC-Profile") or ""
    spot = _Spot(index, offset, order, date, uri, _uri(headers.get_header(PAGE_FIELD)) or uri,
                 headers.get_header(TARGET_FIELD), status)
    if parts.path == "/robots.txt":
        scan.skipped["robots.txt"] += 1
    elif kind == "revisit" and (status == 304 or profile.endswith(_NOT_MODIFIED)):
        scan.spots.append(_replace(spot, status=304, not_modified=True))
    elif not 200 <= status < 300:
        scan.skipped[f"HTTP {status}"] += 1
    elif not _media_ok(http.get_header("Content-Type")):
        scan.skipped["not a schedule media type"] += 1
    elif kind == "revisit":
        if not profile.endswith(_IDENTICAL):
            scan.skipped["revisit of an unknown profile"] += 1
            return
        scan.pending.append((spot, _uri(headers.get_header("WARC-Refers-To")), digest))
    else:
        scan.spots.append(spot)
        for key in (digest, record_id):
            if key:
                scan.responses.setdefault(key, (index, offset))


def _replace(spot: _Spot, **changes: Any) -> _Spot:
    values = {**vars(spot), **changes}
    return _Spot(**values)


def scan(paths: Sequence[Path]) -> tuple[list[_Spot], Counter[str]]:
    """Pass one: check every file and list its usable records, oldest first."""
    found = _Scan()
    for index, path in enumerate(paths):
        try:
            _scan_file(index, path, found)
        except ArchiveLoadFailed as exc:
            first = str(exc).strip().splitlines()
            raise SchedarcError(f"{path}: not a readable WARC file ({first[-1] if first else exc})",
                                hint="give a .warc or .warc.gz file; a single-stream .warc.gz can be "
                                     "fixed with `warcio recompress IN OUT`") from None
        except (EOFError, zlib.error, ValueError) as exc:
            raise _broken(path, f"cannot be read as WARC ({exc})") from None
        except OSError as exc:
            raise SchedarcError(f"{path}: cannot read: {exc.strerror or exc}",
                                hint="check the path and its permissions") from None
    for spot, refers_to, digest in found.pending:
        original = found.responses.get(refers_to) or found.responses.get(digest)
        if original is None:
            found.skipped["revisit whose original is in another file"] += 1
            continue
        found.spots.append(_replace(spot, original=original))
    found.spots.sort(key=lambda s: (s.date, s.file, s.order))
    return found.spots, found.skipped


def _read_at(handle: BinaryIO, offset: int) -> Any:
    handle.seek(offset)
    return next(iter(ArchiveIterator(handle, arc2warc=True)))


def _headers(http: Any) -> dict[str, str]:
    merged: dict[str, str] = {}
    for name, value in http.headers:
        merged[name] = f"{merged[name]}, {value}" if name in merged else value
    return merged


def captures(paths: Sequence[Path], spots: Sequence[_Spot], skipped: Counter[str]) -> Iterator[Capture]:
    """Pass two: each usable record as a Capture, in the order of ``spots``."""
    with ExitStack() as stack:
        handles = [stack.enter_context(path.open("rb")) for path in paths]
        for spot in spots:
            record = _read_at(handles[spot.file], spot.offset)
            headers = _headers(record.http_headers)
            body: bytes | None = None
            if not spot.not_modified:
                source = record
                if spot.original is not None:
                    source = _read_at(handles[spot.original[0]], spot.original[1])
                try:
                    # content_stream undoes chunking and Content-Encoding: the archive keeps bodies decoded.
                    body = source.content_stream().read()
                except (zlib.error, OSError, ValueError) as exc:
                    log.warning("%s: %s: cannot decode the body (%s); skipped", paths[spot.file], spot.uri, exc)
                    skipped["undecodable body"] += 1
                    continue
            yield Capture(url=spot.page, fetched_at=spot.date, status=spot.status, headers=headers, body=body,
                          final_url=spot.uri, target=spot.target)


@dataclass
class Plan:
    """What pass one found: the files, their usable records oldest first, what was left out."""

    paths: list[Path]
    spots: list[_Spot]
    skipped: Counter[str]


def plan(paths: Sequence[Path]) -> Plan:
    """Check the files and plan the import; raises SchedarcError when there is nothing to import."""
    spots, skipped = scan(paths)
    if not spots:
        reasons = ", ".join(f"{n} {why}" for why, n in sorted(skipped.items())) or "no response records"
        raise SchedarcError(f"{', '.join(map(str, paths))}: nothing to import ({reasons})",
                            hint="import-warc reads the HTTP response records of web pages")
    return Plan(list(paths), spots, skipped)


def import_plan(planned: Plan, ingest: Ingest) -> dict[str, Any]:
    """Pass two: archive every planned record oldest first; returns the counts."""
    for capture in captures(planned.paths, planned.spots, planned.skipped):
        ingest.add(capture)
    summary = ingest.finish().to_dict()
    summary["skipped"] = dict(sorted(planned.skipped.items()))
    return summary


def import_warcs(paths: Sequence[Path], ingest: Ingest) -> dict[str, Any]:
    """Check, then import every usable record of ``paths`` oldest first; returns the counts."""
    return import_plan(plan(paths), ingest)
