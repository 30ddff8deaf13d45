"""The plain records that flow between fetcher, parsers and archive."""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class FetchResult:
    """One HTTP exchange that produced a response (2xx, or 304 when ``not_modified``)."""

    url: str
    final_url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    elapsed: float
    attempts: int
    fetched_at: datetime
    not_modified: bool = False
    encoding: str | None = None

    @property
    def media_type(self) -> str:
        """The Content-Type without parameters, lowercased ('' when absent)."""
        for key, value in self.headers.items():
            if key.lower() == "content-type":
                return value.split(";", 1)[0].strip().lower()
        return ""

    def header(self, name: str) -> str | None:
        """A response header, looked up case-insensitively."""
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return None


@dataclass(frozen=True)
class Document:
    """What a parser sees: decoded text plus hints. Parsers never touch network or disk.

    ``body`` keeps the raw bytes for formats (XML) whose own declaration names the
    encoding; ``text`` is the decoded text every parser can use.
    """

    url: str
    text: str
    body: bytes = b""
    media_type: str = ""
    fetched_at: datetime | None = None
    timezone: str | None = None
    year: int | None = None
    base_url: str | None = None

    @property
    def data(self) -> bytes:
        """Raw bytes when known, else the text as UTF-8."""
        return self.body if self.body else self.text.encode("utf-8")


@dataclass
class Session:
    """One session (talk, panel, workshop) as a page lists it.

    ``start``/``end`` are timezone-aware datetimes (or None); ``timezone`` is the IANA
    zone name they are expressed in when known.
    """

    title: str
    uid: str = ""
    speakers: list[str] = field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None
    timezone: str | None = None
    room: str | None = None
    track: str | None = None
    url: str | None = None
    description: str | None = None
    event: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of ``schedarc parse --json`` (DESIGN.md section 4), plus ``event``."""
        return {
            "uid": self.uid,
            "title": self.title,
            "speakers": list(self.speakers),
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "timezone": self.timezone,
            "room": self.room,
            "track": self.track,
            "url": self.url,
            "description": self.description,
            "event": self.event,
        }


CONTRACT_KEYS = (
    "uid",
    "title",
    "speakers",
    "start",
    "end",
    "timezone",
    "room",
    "track",
    "url",
    "description",
)


@dataclass
class ParseResult:
    """What a parser returns: sessions, links worth following, and the event's name."""

    parser: str
    sessions: list[Session] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    event_name: str | None = None
    warnings: list[str] = field(default_factory=list)


def normalise_title(title: str) -> str:
    """Casefolded, NFKC, single-spaced: the form used for identity, not for display."""
    return " ".join(unicodedata.normalize("NFKC", title).casefold().split())


def stable_uid(page_url: str, title: str) -> str:
    """A uid for sessions whose source gives none: hash of page URL + normalised title.

    The start is left out on purpose, so that a moved talk keeps its identity.
    """
    digest = hashlib.sha256(f"{page_url}\n{normalise_title(title)}".encode()).hexdigest()
    return f"h-{digest[:20]}"
