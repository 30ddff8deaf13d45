"""Reading one HTTP exchange safely: the body under a byte cap, Retry-After, and what a
failed request means (requests' and urllib3's exceptions become ours).

The body is read from urllib3's raw stream *without* its content decoding, and inflated
here chunk by chunk with ``zlib``'s ``max_length``, so the cap bounds the decompressed
size as it grows: a gzip bomb stops at ``cap`` bytes of output having used about ``cap``
bytes of memory, whatever its ratio.
"""

from __future__ import annotations

import http.client
import math
import socket
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Protocol

import requests
import urllib3

from scraper.addresses import ALLOW_PRIVATE_HINT, NonPublicPeer
from scraper.errors import FetchError, PermanentFetchError, TransientFetchError

CHUNK_BYTES = 65_536
# Decompressed output is produced this much at a time, so a refused bomb costs about cap + this.
PIECE_BYTES = 262_144
# Error pages are read (so the connection can be reused) but only this much is kept.
ERROR_BODY_BYTES = 65_536
# zlib's wbits: 47 accepts gzip and zlib headers; -15 is raw deflate (some servers' "deflate").
_WBITS = {"gzip": 47, "x-gzip": 47, "deflate": 15}


class RawStream(Protocol):
    """The part of ``urllib3.HTTPResponse`` we use."""

    def stream(self, amt: int | None = ..., decode_content: bool | None = ...) -> object: ...


@dataclass(frozen=True)
class Body:
    """Bytes read; ``complete`` False when we stopped early (truncate mode) or the read failed."""

    data: bytes
    complete: bool


class Inflater:
    """Incremental Content-Encoding decoder (gzip, deflate, identity) that decodes only on demand."""

    def __init__(self, coding: str, url: str) -> None:
        self.coding = coding
        self.url = url
        self.eof = coding == "identity"
        self._wbits = _WBITS.get(coding, 0)
        self._obj = zlib.decompressobj(self._wbits) if self._wbits else None
        self._fresh = True  # nothing decoded yet: a zlib error may mean raw deflate

    @classmethod
    def for_headers(cls, headers: dict[str, str], url: str) -> Inflater:
        value = headers.get("Content-Encoding") or headers.get("content-encoding") or ""
        codings = [c.strip().lower() for c in value.split(",") if c.strip().lower() not in ("", "identity")]
        if not codings:
            return cls("identity", url)
        if len(codings) > 1 or codings[0] not in _WBITS:
            raise PermanentFetchError(f"{url}: unsupported Content-Encoding {value!r}", url=url,
                                      hint="the server ignored our Accept-Encoding: gzip, deflate")
        return cls(codings[0], url)

    def feed(self, data: bytes) -> Iterator[bytes]:
        """Decode ``data`` lazily, in pieces of at most PIECE_BYTES; stop iterating and no more is made."""
        if self._obj is None:
            if data:
                yield data
            return
        while data:
            if self.eof:
                if self.coding == "deflate" or data[:2] != b"\x1f\x8b":
                    return  # junk after a complete stream: ignored, as browsers do
                self._obj = zlib.decompressobj(self._wbits)  # the next member of a multi-member gzip
                self.eof = False
            try:
                piece = self._obj.decompress(data, PIECE_BYTES)
            except zlib.error as exc:
                if self._fresh and self.coding == "deflate" and self._wbits > 0:
                    self._wbits = -15
                    self._obj = zlib.decompressobj(self._wbits)
                    continue
                raise PermanentFetchError(f"{self.url}: body is not valid {self.coding} ({exc})",
                                          url=self.url, hint="the server sent a corrupt body") from exc
            self._fresh = False
            self.eof = self._obj.eof
            data = self._obj.unused_data if self.eof else self._obj.unconsumed_tail
            if piece:
                yield piece

    def finish(self) -> bytes:
        """Output zlib still holds after the last input (at most a window's worth)."""
        return self._obj.flush() if self._obj is not None and not self.eof else b""


def _truncation(exc: BaseException) -> bool:
    """Whether urllib3's error wraps an IncompleteRead (fewer bytes than announced)."""
    seen: set[int] = set()
    stack: list[object] = [exc]
    while stack:
        item = stack.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, http.client.IncompleteRead):
            return True
        stack.extend([*item.args, item.__cause__, item.__context__])
    return False


def _content_length(headers: dict[str, str]) -> int | None:
    value = headers.get("Content-Length") or headers.get("content-length")
    if value is None or "chunked" in headers.get("Transfer-Encoding", "").lower():
        return None
    try:
        return int(value)
    except ValueError:
        return None


def read_body(raw: RawStream, headers: dict[str, str], *, url: str, cap: int, truncate: bool,
              deadline: float = math.inf) -> Body:
    """Read the body of a response, decoded, within ``cap`` bytes.

    Over the cap: PermanentFetchError, or (``truncate``) the first ``cap`` bytes. Fewer
    bytes than Content-Length, a broken connection or a read timeout: TransientFetchError
    (in ``truncate`` mode what arrived is returned instead, marked incomplete).
    """
    declared = _content_length(headers)
    if declared is not None and declared > cap and not truncate:
        raise PermanentFetchError(f"{url}: body of {declared} bytes is over max_bytes={cap}", url=url,
                                  hint="raise max_bytes for this target if the page really is that large")
    inflater = Inflater.for_headers(headers, url)
    parts: list[bytes] = []
    size = received = 0
    try:
        for chunk in raw.stream(CHUNK_BYTES, decode_content=False):  # type: ignore[attr-defined]
            received += len(chunk)
            for data in inflater.feed(chunk):
                if size + len(data) > cap:
                    if truncate:
                        parts.append(data[: cap - size])
                        return Body(b"".join(parts), complete=False)
                    raise _over(url, cap)
                parts.append(data)
                size += len(data)
            if time.monotonic() > deadline:
                raise TransientFetchError(f"{url}: total_timeout ran out while reading the body", url=url,
                                          hint="the server is slow; raise total_timeout or try later")
    except (urllib3.exceptions.HTTPError, http.client.HTTPException, OSError) as exc:
        if truncate:
            return Body(b"".join(parts), complete=False)
        if isinstance(exc, urllib3.exceptions.ReadTimeoutError | TimeoutError):
            raise TransientFetchError(f"{url}: timed out reading the body", url=url,
                                      hint="the server is slow; raise timeout or try later") from exc
        if _truncation(exc):
            raise TransientFetchError(f"{url}: body truncated (connection closed before Content-Length "
                                      "bytes arrived)", url=url, hint="the server or network is flaky; "
                                      "try again later") from exc
        raise TransientFetchError(f"{url}: connection broken while reading the body", url=url,
                                  hint="the server or network is flaky; try again later") from exc
    if (declared is not None and received < declared) or (received and not inflater.eof):
        if truncate:
            return Body(b"".join(parts), complete=False)
        raise TransientFetchError(f"{url}: body truncated ({received} of {declared or 'unknown'} bytes, "
                                  f"{inflater.coding})", url=url, hint="the server or network is flaky; "
                                  "try again later")
    tail = inflater.finish()
    if size + len(tail) > cap:
        if truncate:
            return Body(b"".join(parts) + tail[: cap - size], complete=False)
        raise _over(url, cap)
    parts.append(tail)
    return Body(b"".join(parts), complete=True)


def _over(url: str, cap: int) -> PermanentFetchError:
    return PermanentFetchError(f"{url}: body is over max_bytes={cap} (decoded; stopped reading)", url=url,
                               hint="raise max_bytes for this target if the page really is that large")


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if absent or bad."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # HTTP-dates are GMT
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and every exception inside it (args, causes, contexts), outermost first."""
    found: list[BaseException] = []
    stack: list[object] = [exc]
    while stack:
        item = stack.pop(0)
        if isinstance(item, BaseException) and all(item is not f for f in found):
            found.append(item)
            stack.extend([*item.args, item.__cause__, item.__context__])
    return found


_FLAKY = "the server or network is flaky; try again later"
_REASONS: tuple[tuple[type[BaseException], str, str], ...] = (
    (socket.gaierror, "cannot resolve the host name", "check the host name and your network connection"),
    (ConnectionRefusedError, "connection refused", "is the server up? check the host and port"),
    (ConnectionResetError, "connection reset by the server", _FLAKY),
    (http.client.RemoteDisconnected, "the server closed the connection without answering", _FLAKY),
)


def request_error(exc: Exception, url: str, requested: str) -> FetchError:
    """Our error for a requests/urllib3 exception raised before the response headers arrived."""
    causes = _causes(exc)
    refused = next((c for c in causes if isinstance(c, NonPublicPeer)), None)
    if refused is not None:
        return PermanentFetchError(f"{url}: {refused}", url=requested, hint=ALLOW_PRIVATE_HINT)
    if isinstance(exc, requests.exceptions.SSLError):
        return PermanentFetchError(f"{url}: TLS error: {causes[-1]}", url=requested,
                                   hint="the site's certificate or TLS setup could not be verified")
    if isinstance(exc, requests.Timeout):
        what = "timed out connecting" if isinstance(exc, requests.ConnectTimeout) else "timed out"
        return TransientFetchError(f"{url}: {what}", url=requested,
                                   hint="the server is slow or unreachable; raise timeout or try later")
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.InvalidSchema |
                  requests.exceptions.MissingSchema | ValueError):
        return PermanentFetchError(f"{url}: invalid URL ({exc})", url=requested, hint="check the URL")
    for kind, what, hint in _REASONS:
        if any(isinstance(c, kind) for c in causes):
            return TransientFetchError(f"{url}: {what}", url=requested, hint=hint)
    return TransientFetchError(f"{url}: request failed ({causes[-1]!r})", url=requested,
                               hint="the server or network is flaky; try again later")
