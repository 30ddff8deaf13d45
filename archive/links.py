"""The links a page's current body leads to, kept so a re-crawl need not parse it again.

A 304 or an identical body still has to be followed, and finding its links means
decompressing and parsing the body: most of a re-crawl's time. So the crawl hands the
followable links over at first parse and the page row keeps them (``pages.links``),
as zstd-compressed JSON: a schedule page's URLs share long prefixes.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence

import zstandard

from archive.errors import ArchiveError

# Links are small and read back on every re-crawl: speed over the last few bytes.
LEVEL = 3
# A compressor costs more to make (~9 us) than a page's links to compress: one per thread, reused.
_local = threading.local()


def pack_links(links: Sequence[str]) -> bytes:
    """Links as stored: zstd over a JSON array."""
    if isinstance(links, str) or not all(isinstance(link, str) for link in links):
        raise ArchiveError("page links must be a list of URLs", hint="pass links as a list of strings")
    text = json.dumps(list(links), ensure_ascii=False, separators=(",", ":"))
    if not hasattr(_local, "packer"):
        _local.packer = zstandard.ZstdCompressor(level=LEVEL)
    packer: zstandard.ZstdCompressor = _local.packer
    return packer.compress(text.encode())


def unpack_links(stored: bytes) -> list[str]:
    """Stored links back to their list."""
    try:
        links = json.loads(zstandard.ZstdDecompressor().decompress(stored))
    except (zstandard.ZstdError, ValueError) as exc:
        raise ArchiveError(f"stored page links cannot be read ({exc})", hint="run `schedarc check`") from exc
    if not isinstance(links, list):
        raise ArchiveError("stored page links are not a list", hint="run `schedarc check`")
    return [str(link) for link in links]
