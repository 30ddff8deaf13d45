"""Build parser Documents from what was fetched, read from a file, or stored in the archive."""

from __future__ import annotations

import mimetypes
import sys
from datetime import datetime
from pathlib import Path

from scraper.encoding import decode
from scraper.errors import SchedarcError
from scraper.models import Document, FetchResult

# Files are read whole; past this, a "schedule" is almost surely something else.
MAX_FILE_BYTES = 200_000_000


def from_bytes(url: str, body: bytes, *, content_type: str | None = None, fetched_at: datetime | None = None,
               timezone: str | None = None, base_url: str | None = None, year: int | None = None) -> Document:
    """A Document over raw bytes: decoded text plus the bytes themselves."""
    text, _encoding = decode(body, content_type)
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    return Document(url=url, text=text, body=body, media_type=media_type, fetched_at=fetched_at,
                    timezone=timezone, year=year, base_url=base_url or url)


def from_fetch(result: FetchResult, *, timezone: str | None = None) -> Document:
    """The Document for a successful fetch; links resolve against the final URL."""
    return from_bytes(result.final_url, result.body, content_type=result.header("content-type"),
                      fetched_at=result.fetched_at, timezone=timezone, base_url=result.final_url)


def from_path(source: str, *, timezone: str | None = None, base_url: str | None = None) -> Document:
    """A Document read from a file path, or from stdin when ``source`` is '-'."""
    if source == "-":
        body = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
        url, content_type = base_url or "stdin:", None
    else:
        path = Path(source)
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise SchedarcError(f"{source}: {size} bytes is too large to parse",
                                    hint=f"schedarc parses files up to {MAX_FILE_BYTES} bytes")
            body = path.read_bytes()
        except FileNotFoundError:
            raise SchedarcError(f"{source}: no such file", hint="give a file path, a URL or - for stdin") from None
        except IsADirectoryError:
            raise SchedarcError(f"{source}: is a directory", hint="give a file path, a URL or - for stdin") from None
        except OSError as exc:
            raise SchedarcError(f"{source}: cannot read: {exc.strerror}", hint="check the path and permissions") \
                from None
        url = base_url or path.resolve().as_uri()
        # A hint only: every parser still looks at the content before claiming it.
        content_type = mimetypes.guess_type(path.name)[0]
    if len(body) > MAX_FILE_BYTES:
        raise SchedarcError(f"{source}: input too large", hint=f"schedarc parses up to {MAX_FILE_BYTES} bytes")
    return from_bytes(url, body, content_type=content_type, timezone=timezone, base_url=base_url)
