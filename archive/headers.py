"""Response headers as a fetch row keeps them: JSON, zstd-compressed with a built-in dictionary.

Every fetch, 304s included, keeps its response headers (the WARC export writes them back),
and as JSON text they were half of a fetch row: ~200 bytes, most of it header names and
values every server sends. Compressed alone they hardly shrink; against a dictionary of
such names and values (zstd "raw content") they take a third: 1.03 MB -> 0.38 MB over the
bench's 5,000 fetches. A stored value is one version byte, then the zstd frame.

The dictionary must never change: stored headers need it to be read. A better one gets
the next version byte. Rows written before this (JSON text) are read as they are.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from functools import cache

import zstandard

from archive.errors import ArchiveError

_V1 = 1
_DICTIONARY_V1 = (
    '{"Date":"Mon, 01 Jan 2026 00:00:00 GMT","Server":"nginx","Content-Type":"text/html; charset=utf-8",'
    '"Content-Length":"1","Last-Modified":"Wed, 01 Apr 2026 00:00:00 GMT","Connection":"keep-alive",'
    '"ETag":"\\"0-0\\"","Cache-Control":"max-age=0, no-cache, no-store, must-revalidate, private, public",'
    '"Accept-Ranges":"bytes","Vary":"Accept-Encoding","Content-Encoding":"gzip","Transfer-Encoding":"chunked",'
    '"Expires":"Thu, 01 Jan 1970 00:00:00 GMT","Strict-Transport-Security":"max-age=31536000; includeSubDomains;'
    ' preload","X-Frame-Options":"SAMEORIGIN","X-Content-Type-Options":"nosniff","X-XSS-Protection":"1; mode=block",'
    '"Referrer-Policy":"strict-origin-when-cross-origin","Set-Cookie":"; path=/; HttpOnly; Secure; SameSite=Lax",'
    '"Pragma":"no-cache","Age":"0","Via":"1.1 varnish","X-Cache":"HIT","Access-Control-Allow-Origin":"*",'
    '"Link":"<>; rel=","Location":"https://","Content-Security-Policy":"default-src \'self\'",'
    '"Alt-Svc":"h3=\\":443\\"; ma=86400","cf-cache-status":"DYNAMIC","CF-RAY":"","Server":"cloudflare",'
    '"Keep-Alive":"timeout=5, max=100","Content-Type":"text/calendar; charset=utf-8",'
    '"Content-Type":"application/json","Content-Type":"application/xml"}'
)


@cache
def _dictionary() -> zstandard.ZstdCompressionDict:
    return zstandard.ZstdCompressionDict(_DICTIONARY_V1.encode(), dict_type=zstandard.DICT_TYPE_RAWCONTENT)


# Making a (de)compressor digests the dictionary (~15 us): one of each per thread, reused.
_local = threading.local()


def _packer() -> zstandard.ZstdCompressor:
    if not hasattr(_local, "packer"):
        _local.packer = zstandard.ZstdCompressor(level=9, dict_data=_dictionary(), write_dict_id=False)
    packer: zstandard.ZstdCompressor = _local.packer
    return packer


def _unpacker() -> zstandard.ZstdDecompressor:
    if not hasattr(_local, "unpacker"):
        _local.unpacker = zstandard.ZstdDecompressor(dict_data=_dictionary())
    unpacker: zstandard.ZstdDecompressor = _local.unpacker
    return unpacker


def pack_headers(headers: Mapping[str, str]) -> bytes | None:
    """Headers as a fetch row stores them (None when there are none)."""
    if not headers:
        return None
    text = json.dumps(dict(headers), ensure_ascii=False, separators=(",", ":"))
    return bytes([_V1]) + _packer().compress(text.encode())


def unpack_headers(stored: str | bytes | None) -> dict[str, str]:
    """A fetch row's headers back to a dict: packed, JSON text (older rows) or none."""
    if not stored:
        return {}
    try:
        if isinstance(stored, str):
            loaded = json.loads(stored)
        elif stored[0] == _V1:
            loaded = json.loads(_unpacker().decompress(stored[1:]))
        else:
            raise ArchiveError(
                f"stored headers have the unknown format {stored[0]}",
                hint="the archive was written by a newer schedarc; upgrade schedarc",
            )
    except (zstandard.ZstdError, ValueError) as exc:
        raise ArchiveError(f"stored headers cannot be read ({exc})", hint="run `schedarc check`") from exc
    return {str(key): str(value) for key, value in dict(loaded).items()}
