"""Helpers for export/import tests: schedule pages as schema.org JSON-LD, WARCs written like wget's."""

from __future__ import annotations

import gzip as gzip_module
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.archive.records import local
from tests.sitegen import Item

ZONE = "America/Los_Angeles"


def jsonld_page(items: Sequence[Item], *, name: str = "Test Summit", stamp: str = "2026-04-01") -> str:
    """A schedule page the jsonld parser reads: one conference Event, its sessions as subEvents.

    ``stamp`` stands for a generated-at line that changes on every render.
    """
    sessions = [
        {"@type": "Event", "@id": f"https://summit.example/session/{i.uid}", "name": i.title,
         "startDate": local(i.start), "endDate": local(i.end),
         "location": {"@type": "Place", "name": i.room},
         "performer": [{"@type": "Person", "name": person} for person in i.speakers]}
        for i in items
    ]
    graph = {"@context": "https://schema.org", "@type": "Event", "name": name, "subEvent": sessions}
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Schedule</title>"
            f"<script type='application/ld+json'>{json.dumps(graph)}</script></head>"
            f"<body><h1>{name}</h1><p>Rendered {stamp}</p></body></html>")


@dataclass
class Exchange:
    """One request/response pair for a hand-made WARC."""

    uri: str
    date: str  # WARC-Date, e.g. 2026-04-01T08:00:00Z
    body: bytes
    status: str = "200 OK"
    headers: list[tuple[str, str]] = field(default_factory=lambda: [("Content-Type", "text/html; charset=utf-8")])
    raw: bytes | None = None  # the body as sent on the wire, when encoded (gzip, chunked)


def chunked_gzip(body: bytes) -> bytes:
    """``body`` gzip-compressed, then sent in two HTTP/1.1 chunks."""
    packed = gzip_module.compress(body)
    half = len(packed) // 2
    parts = [packed[:half], packed[half:]]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"


def write_wget_style(path: Path, exchanges: Sequence[Exchange], *, gzip: bool = True) -> None:
    """A WARC/1.0 as wget writes one: warcinfo, then request + response per URL, a gzip member each."""
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=gzip, warc_version="1.0")
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "Wget/1.21.3 (linux-gnu)"}))
        for item in exchanges:
            wire = item.raw if item.raw is not None else item.body
            headers = list(item.headers)
            if item.raw is None:
                headers.append(("Content-Length", str(len(wire))))
            response = writer.create_warc_record(
                item.uri, "response", payload=io.BytesIO(wire), length=len(wire),
                http_headers=StatusAndHeaders(item.status, headers, protocol="HTTP/1.1"),
                warc_headers_dict={"WARC-Date": item.date})
            host = item.uri.split("/")[2]
            path_part = "/" + item.uri.split("/", 3)[3] if item.uri.count("/") >= 3 else "/"
            request = writer.create_warc_record(
                item.uri, "request",
                http_headers=StatusAndHeaders(f"GET {path_part} HTTP/1.1",
                                              [("Host", host), ("User-Agent", "Wget/1.21.3")],
                                              is_http_request=True),
                warc_headers_dict={"WARC-Date": item.date})
            # wget's order: the request, then the response it got.
            request.rec_headers.add_header("WARC-Concurrent-To", response.rec_headers.get_header("WARC-Record-ID"))
            writer.write_record(request)
            writer.write_record(response)
        # wget ends with its log as a resource record; importers must pass over it.
        log = writer.create_warc_record("metadata://gnu.org/software/wget/warc/wget.log", "resource",
                                        payload=io.BytesIO(b"wget log"), length=8,
                                        warc_content_type="text/plain")
        writer.write_record(log)


def fast_config(path: Path) -> Path:
    """A config.toml with no waiting: one retry, no backoff, no pacing."""
    path.write_text("[fetch]\nretries = 1\nbackoff = 0.0\ndelay_per_host = 0.0\ntimeout = 5.0\n")
    return path
