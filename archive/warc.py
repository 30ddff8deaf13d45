"""Archived fetches as a WARC file (ISO 28500, WARC/1.1, written with warcio) and a CDXJ index.

Each fetch with a body becomes a request record and a response record. A body already
written (same sha256, on any page) becomes a revisit record in the identical-payload-digest
profile pointing at the first response, and a 304 a revisit in the server-not-modified
profile, so a year of unchanged re-fetches costs a few hundred bytes each. Failed fetches
had no response and are left out (counted in the summary).

The archive keeps bodies decoded, so the response headers are written without
Content-Encoding and Transfer-Encoding, with the Content-Length of the bytes that follow:
a WARC response must be the HTTP message its payload belongs to. The request record is
rebuilt from the URL (the archive does not keep the headers we sent).
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from http import HTTPStatus
from ipaddress import ip_address
from typing import IO, Any, Protocol
from urllib.parse import parse_qsl, urlsplit

import zstandard
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from archive.bodies import get_body
from archive.db import Db
from archive.errors import ArchiveError
from archive.headers import unpack_headers
from archive.times import from_utc_text, parse_utc

log = logging.getLogger(__name__)

WARC_VERSION = "WARC/1.1"
NOT_MODIFIED_PROFILE = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
# Extension fields (the WARC- prefix is the standard's own): which archived page and
# target a record belongs to, so a schedarc WARC imports back into the same pages.
PAGE_FIELD = "Schedarc-Page"
TARGET_FIELD = "Schedarc-Target"
# Describe the bytes as they were sent; ours are stored decoded, so these no longer apply.
_DROPPED_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})


class TextOut(Protocol):
    def write(self, text: str, /) -> int: ...


@dataclass(frozen=True)
class CdxEntry:
    """One line of a CDXJ index: where a capture of a URL sits in the WARC file."""

    url: str
    timestamp: str  # 14 digits, UTC
    mime: str
    status: str
    digest: str
    length: int
    offset: int
    filename: str

    def line(self) -> str:
        fields = {"url": self.url, "mime": self.mime, "status": self.status, "digest": self.digest,
                  "length": str(self.length), "offset": str(self.offset), "filename": self.filename}
        return f"{surt(self.url)} {self.timestamp} {json.dumps(fields, ensure_ascii=False)}"


@dataclass
class WarcSummary:
    """What went into the WARC."""

    records: int = 0
    responses: int = 0
    revisits: int = 0
    not_modified: int = 0
    failed_skipped: int = 0
    payload_bytes: int = 0
    warc_bytes: int = 0
    entries: list[CdxEntry] = field(default_factory=list)


class _Counting:
    """A write-only stream that knows its offset, for CDX (stdout cannot tell())."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.offset = 0

    def write(self, data: bytes) -> int:
        self.out.write(data)
        self.offset += len(data)
        return len(data)

    def flush(self) -> None:
        self.out.flush()

    def tell(self) -> int:
        return self.offset


@dataclass(frozen=True)
class _Written:
    """A response record that later revisits refer to."""

    record_id: str
    uri: str
    date: str
    digest: str


def surt(url: str) -> str:
    """The SURT sort key of a URL as CDX indexes use it: 'org,example)/path?a=1&b=2'.

    Host reversed without a leading www, default ports dropped, path and query lowercased,
    query parameters sorted, a trailing slash dropped except for the root.
    """
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").rstrip(".")
        port = parts.port
    except ValueError:
        return url
    host = re.sub(r"^www\d*\.", "", host)
    try:
        ip_address(host)
        key = host  # addresses are not names: no reversal
    except ValueError:
        key = ",".join(reversed(host.split(".")))
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    if port is not None and port != default:
        key += f":{port}"
    path = (parts.path or "/").lower()
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    query = "&".join(sorted(f"{k}={v}" if v else k for k, v in parse_qsl(parts.query.lower(),
                                                                       keep_blank_values=True)))
    return f"{key}){path}" + (f"?{query}" if query else "")


def _warc_date(stored: str) -> str:
    moment = from_utc_text(stored) or datetime.now(UTC)
    return str(datetime_to_iso_date(moment.astimezone(UTC).replace(tzinfo=None), use_micros=True))


def _timestamp(stored: str) -> str:
    moment = from_utc_text(stored) or datetime.now(UTC)
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _http_headers(status: int, stored: str | bytes | None, media_type: str | None, length: int) -> StatusAndHeaders:
    """The response head as it describes the archived (decoded) body."""
    headers = unpack_headers(stored)
    pairs = [(str(k), str(v)) for k, v in headers.items() if str(k).lower() not in _DROPPED_HEADERS]
    if media_type and not any(k.lower() == "content-type" for k, _ in pairs):
        pairs.append(("Content-Type", media_type))
    if status != 304:
        pairs.append(("Content-Length", str(length)))
    return StatusAndHeaders(f"{status} {_reason(status)}".rstrip(), pairs, protocol="HTTP/1.1")


def _request_headers(uri: str) -> StatusAndHeaders:
    parts = urlsplit(uri)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return StatusAndHeaders(f"GET {target} HTTP/1.1", [("Host", parts.netloc)], is_http_request=True)


def fetch_rows(
    db: Db,
    *,
    page: str | None = None,
    since: datetime | date | str | None = None,
    event: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Fetches in the order they happened, with their page; bodies are read one at a time."""
    where: list[str] = []
    params: list[Any] = []
    if page:
        where.append("p.url = ?")
        params.append(page)
    if since is not None:
        where.append("f.fetched_at >= ?")
        params.append(parse_utc(since, what="--since"))
    if event:
        pattern = "%" + event.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append("(f.event LIKE ? ESCAPE '\\' OR p.id IN"
                     " (SELECT page_id FROM sessions WHERE event LIKE ? ESCAPE '\\'))")
        params += [pattern, pattern]
    cursor = db.execute(
        "SELECT f.id, p.url AS page, p.target, f.fetched_at, f.status, f.final_url, f.headers,"
        " f.body_sha256, f.media_type, f.not_modified, f.error"
        " FROM fetches f JOIN pages p ON p.id = f.page_id"
        f" {'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY f.fetched_at, f.id",
        params,
    )
    names = [d[0] for d in cursor.description]
    for values in cursor.fetchall():
        yield dict(zip(names, values, strict=True))


class _Writer:
    """Turns fetch rows into records, remembering what revisits can refer to."""

    def __init__(self, db: Db, out: IO[bytes], *, filename: str, gzip: bool) -> None:
        self.db = db
        self.out = _Counting(out)
        self.filename = filename
        self.warc = WARCWriter(self.out, gzip=gzip, warc_version=WARC_VERSION)
        self.by_body: dict[str, _Written] = {}
        self.by_page: dict[str, _Written] = {}
        self.summary = WarcSummary()

    def _write(self, record: Any) -> tuple[int, int]:
        start = self.out.offset
        self.warc.write_record(record)
        self.summary.records += 1
        return start, self.out.offset - start

    def warcinfo(self, info: dict[str, str]) -> None:
        self._write(self.warc.create_warcinfo_record(self.filename, info))

    def _extensions(self, row: dict[str, Any], uri: str) -> dict[str, str]:
        fields = {"WARC-Date": _warc_date(row["fetched_at"])}
        if row["page"] != uri:
            fields[PAGE_FIELD] = row["page"]
        if row["target"]:
            fields[TARGET_FIELD] = row["target"]
        return fields

    def _pair(self, row: dict[str, Any], uri: str, record: Any, *, mime: str, status: int) -> None:
        """Write the request, then the response or revisit it was answered with; index the latter."""
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        request = self.warc.create_warc_record(uri, "request", http_headers=_request_headers(uri),
                                               warc_headers_dict={"WARC-Date": _warc_date(row["fetched_at"]),
                                                                  "WARC-Concurrent-To": record_id})
        self._write(request)
        offset, length = self._write(record)
        self.summary.entries.append(CdxEntry(
            url=uri, timestamp=_timestamp(row["fetched_at"]), mime=mime, status=str(status),
            digest=record.rec_headers.get_header("WARC-Payload-Digest") or "-",
            length=length, offset=offset, filename=self.filename))

    def fetch(self, row: dict[str, Any]) -> None:
        uri = row["final_url"] or row["page"]
        digest = row["body_sha256"]
        fields = self._extensions(row, uri)
        if row["not_modified"]:
            self._not_modified(row, uri, fields)
        elif digest is None:
            self.summary.failed_skipped += 1
        elif digest in self.by_body:
            self._revisit(row, uri, fields, self.by_body[digest])
        else:
            self._response(row, uri, fields, digest)

    def _response(self, row: dict[str, Any], uri: str, fields: dict[str, str], digest: str) -> None:
        try:
            body = get_body(self.db, digest)
        except zstandard.ZstdError as exc:
            raise ArchiveError(f"the stored body of fetch {row['id']} cannot be decompressed ({exc})",
                               hint="run `schedarc check`; export with --page or --since to leave it out") from exc
        status = int(row["status"] or 200)
        head = _http_headers(status, row["headers"], row["media_type"], len(body))
        record = self.warc.create_warc_record(uri, "response", payload=io.BytesIO(body), length=len(body),
                                              http_headers=head, warc_headers_dict=fields)
        mime = (head.get_header("Content-Type") or "").split(";", 1)[0].strip() or "unk"
        self._pair(row, uri, record, mime=mime, status=status)
        written = _Written(record.rec_headers.get_header("WARC-Record-ID"), uri, fields["WARC-Date"],
                           record.rec_headers.get_header("WARC-Payload-Digest"))
        self.by_body[digest] = written
        self.by_page[row["page"]] = written
        self.summary.responses += 1
        self.summary.payload_bytes += len(body)

    def _revisit(self, row: dict[str, Any], uri: str, fields: dict[str, str], first: _Written) -> None:
        status = int(row["status"] or 200)
        size = int(self.db.execute("SELECT size FROM bodies WHERE sha256 = ?", [row["body_sha256"]]).fetchone()[0])
        head = _http_headers(status, row["headers"], row["media_type"], size)
        record = self.warc.create_revisit_record(uri, first.digest, first.uri, first.date, http_headers=head,
                                                 warc_headers_dict={**fields, "WARC-Refers-To": first.record_id})
        self._pair(row, uri, record, mime="warc/revisit", status=status)
        self.by_page[row["page"]] = first
        self.summary.revisits += 1

    def _not_modified(self, row: dict[str, Any], uri: str, fields: dict[str, str]) -> None:
        head = _http_headers(304, row["headers"], None, 0)
        extra = {**fields, "WARC-Profile": NOT_MODIFIED_PROFILE}
        earlier = self.by_page.get(row["page"])
        if earlier is not None:
            extra.update({"WARC-Refers-To": earlier.record_id, "WARC-Refers-To-Target-URI": earlier.uri,
                          "WARC-Refers-To-Date": earlier.date})
        record = self.warc.create_warc_record(uri, "revisit", http_headers=head, warc_headers_dict=extra)
        self._pair(row, uri, record, mime="warc/revisit", status=304)
        self.summary.not_modified += 1


def write_warc(
    db: Db,
    out: IO[bytes],
    *,
    filename: str,
    software: str,
    gzip: bool = True,
    page: str | None = None,
    since: datetime | date | str | None = None,
    event: str | None = None,
) -> WarcSummary:
    """Write every archived fetch (filtered) to ``out`` as WARC records, oldest first.

    ``filename`` names the file in the warcinfo record and the CDX entries; ``gzip``
    compresses each record as its own gzip member (a .warc.gz that tools can seek in).
    """
    writer = _Writer(db, out, filename=filename, gzip=gzip)
    writer.warcinfo({"software": software, "format": "WARC File Format 1.1",
                     "conformsTo": "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
                     "description": "schedarc archive export: every archived fetch of a conference schedule"})
    for row in fetch_rows(db, page=page, since=since, event=event):
        writer.fetch(row)
    writer.summary.warc_bytes = writer.out.offset
    log.info("WARC %s: %s", filename, {k: v for k, v in vars(writer.summary).items() if k != "entries"})
    return writer.summary


def write_cdxj(entries: Iterable[CdxEntry], out: TextOut) -> int:
    """A CDXJ index (sorted by SURT key and time, as pywb reads it); returns the line count."""
    lines = sorted(entry.line() for entry in entries)
    for line in lines:
        out.write(line + "\n")
    return len(lines)
