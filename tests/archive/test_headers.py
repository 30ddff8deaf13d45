"""Fetch headers kept compressed against a built-in dictionary; older JSON rows still read."""

from __future__ import annotations

import json

import pytest

from archive import Archive, ArchiveError
from archive.headers import pack_headers, unpack_headers
from tests.archive.records import at, fetch

NGINX = {"Server": "nginx/1.22.1", "Date": "Wed, 25 Nov 2026 14:52:32 GMT", "Content-Type": "text/html; charset=utf-8",
         "Content-Length": "12781", "Last-Modified": "Wed, 01 Apr 2026 00:00:00 GMT", "Connection": "keep-alive",
         "ETag": '"69cc6000-31ed"', "Cache-Control": "max-age=0", "Accept-Ranges": "bytes"}


def test_round_trip_keeps_order_and_text_and_is_small() -> None:
    odd = {**NGINX, "X-Ünïcode": "naïve ✓", "Link": '<https://a.example/>; rel="canonical"'}
    for headers in (NGINX, odd, {"X": ""}):
        packed = pack_headers(headers)
        assert packed is not None and list(unpack_headers(packed).items()) == list(headers.items())
    compact = len(json.dumps(NGINX, separators=(",", ":")))
    assert len(pack_headers(NGINX) or b"") < compact / 2  # the common names and values cost little
    assert pack_headers({}) is None and unpack_headers(None) == {}


def test_rows_written_as_json_text_still_read() -> None:
    assert unpack_headers(json.dumps(NGINX)) == NGINX


def test_unreadable_headers_say_so() -> None:
    with pytest.raises(ArchiveError, match="newer schedarc"):
        unpack_headers(b"\x07abc")
    with pytest.raises(ArchiveError, match="cannot be read"):
        unpack_headers(b"\x01not zstd")


def test_a_fetch_keeps_its_headers_packed(archive: Archive) -> None:
    url = "https://summit.example/schedule"
    archive.record_page(fetch(url, b"body", fetched_at=at(1), headers=NGINX))
    (stored,) = archive.db.execute("SELECT headers FROM fetches").fetchone()
    assert isinstance(stored, bytes) and unpack_headers(stored) == NGINX
