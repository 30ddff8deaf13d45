"""Pieces of reading a response: Retry-After, incremental decompression, error mapping.

The whole path (sockets, caps, retries) is exercised in test_fetch.py.
"""

from __future__ import annotations

import gzip
import zlib
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests
import urllib3

from scraper.errors import PermanentFetchError, TransientFetchError
from scraper.response import PIECE_BYTES, Inflater, request_error, retry_after_seconds

NOW = datetime(2026, 4, 16, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize("value, seconds", [
    ("120", 120.0), (" 5 ", 5.0), ("0", 0.0), ("-3", 0.0), ("1.5", 1.5),
    (format_datetime(NOW + timedelta(seconds=90), usegmt=True), 90.0),
    ("Thu, 16 Apr 2026 12:01:00 GMT", 60.0),
    (format_datetime(NOW - timedelta(hours=1), usegmt=True), 0.0),  # in the past: go now
    (None, None), ("", None), ("soon", None), ("nan", None), ("inf", None),
])
def test_retry_after_both_forms(value: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(value, NOW) == seconds


def test_inflater_decodes_a_bomb_only_as_far_as_it_is_read() -> None:
    bomb = gzip.compress(b"\0" * 10_000_000)
    inflater = Inflater.for_headers({"Content-Encoding": "gzip"}, "http://h/")
    pieces = inflater.feed(bomb)
    assert len(next(pieces)) == PIECE_BYTES  # one piece made; the other 9.7 MB only if asked for
    assert sum(map(len, pieces)) + PIECE_BYTES + len(inflater.finish()) == 10_000_000


def test_inflater_reads_multi_member_gzip_and_ignores_trailing_junk() -> None:
    data = gzip.compress(b"one ") + gzip.compress(b"two") + b"\0\0\0"
    inflater = Inflater("gzip", "http://h/")
    assert b"".join([*inflater.feed(data[:7]), *inflater.feed(data[7:]), inflater.finish()]) == b"one two"
    assert inflater.eof


def test_inflater_accepts_zlib_and_raw_deflate() -> None:
    obj = zlib.compressobj(wbits=-15)
    raw = obj.compress(b"raw deflate") + obj.flush()
    assert b"".join(Inflater("deflate", "u").feed(raw)) == b"raw deflate"
    assert b"".join(Inflater("deflate", "u").feed(zlib.compress(b"zlib deflate"))) == b"zlib deflate"


def test_inflater_refuses_corrupt_and_unknown_codings() -> None:
    with pytest.raises(PermanentFetchError, match="not valid gzip"):
        list(Inflater("gzip", "u").feed(b"\x1f\x8b\x08\x00garbage-garbage-garbage"))
    for value in ("br", "zstd", "gzip, br"):
        with pytest.raises(PermanentFetchError, match="Content-Encoding"):
            Inflater.for_headers({"Content-Encoding": value}, "u")
    identity = Inflater.for_headers({"Content-Encoding": "identity"}, "u")
    assert list(identity.feed(b"as is")) == [b"as is"] and identity.eof


def test_request_errors_become_ours() -> None:
    reset = requests.ConnectionError(urllib3.exceptions.ProtocolError(
        "Connection aborted.", ConnectionResetError(104, "Connection reset by peer")))
    err = request_error(reset, "http://h/x", "http://h/")
    assert isinstance(err, TransientFetchError) and err.message == "http://h/x: connection reset by the server"
    assert err.url == "http://h/"
    timeout = request_error(requests.ReadTimeout("read timed out"), "http://h/x", "http://h/x")
    assert isinstance(timeout, TransientFetchError) and "timed out" in timeout.message
    tls = request_error(requests.exceptions.SSLError("certificate verify failed"), "https://h/", "https://h/")
    assert isinstance(tls, PermanentFetchError) and "TLS" in tls.message
    bad = request_error(requests.exceptions.InvalidURL("bad"), "http://h/", "http://h/")
    assert isinstance(bad, PermanentFetchError)
