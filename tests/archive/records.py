"""Plain records for archive tests: what the crawl hands to ``Archive.record_page``."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import requests

from tests.sitegen import Item

ZONE = "America/Los_Angeles"


def at(day: int, hour: int = 8) -> str:
    """Fetch times a day apart, in UTC, as the crawl writes them."""
    return f"2026-04-{day:02d}T{hour:02d}:00:00+00:00"


def local(stamp: str, zone: str = ZONE) -> str:
    """sitegen's "20260512T0900" in the event's zone, as ISO with offset."""
    return datetime.strptime(stamp, "%Y%m%dT%H%M").replace(tzinfo=ZoneInfo(zone)).isoformat()


def session(uid: str, title: str, **fields: Any) -> dict[str, Any]:
    """A parser's session dict (Session.to_dict() shape)."""
    base: dict[str, Any] = {
        "uid": uid,
        "title": title,
        "speakers": [],
        "start": None,
        "end": None,
        "timezone": ZONE,
        "room": None,
        "track": None,
        "url": None,
        "description": None,
        "event": None,
    }
    base.update(fields)
    return base


def from_items(items: tuple[Item, ...]) -> list[dict[str, Any]]:
    """What an iCal parser makes of sitegen's items."""
    return [
        session(
            i.uid, i.title, speakers=list(i.speakers), start=local(i.start), end=local(i.end), room=i.room
        )
        for i in items
    ]


def fetch(
    url: str, body: bytes | None, *, fetched_at: str, status: int | None = 200, **extra: Any
) -> dict[str, Any]:
    """A fetch record for a response (or a failure when body is None and error given)."""
    record: dict[str, Any] = {
        "run_id": None,
        "url": url,
        "target": "summit",
        "fetched_at": fetched_at,
        "status": status,
        "final_url": url,
        "headers": {"Content-Type": "text/calendar"},
        "attempts": 1,
        "elapsed_ms": 3,
        "error_class": None,
        "error": None,
        "body": body,
        "media_type": "text/calendar",
        "not_modified": False,
        "etag": None,
        "last_modified": None,
    }
    record.update(extra)
    return record


def from_response(url: str, response: requests.Response, *, fetched_at: str) -> dict[str, Any]:
    """A fetch record for a real HTTP response."""
    not_modified = response.status_code == 304
    return fetch(
        url,
        None if not_modified else response.content,
        fetched_at=fetched_at,
        status=response.status_code,
        headers=dict(response.headers),
        not_modified=not_modified,
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
        media_type=response.headers.get("Content-Type", "").split(";")[0],
    )


def json_schedule(sessions: list[dict[str, Any]], *, generated: str) -> bytes:
    """A JSON schedule body; ``generated`` changes every time, like real feeds' stamps."""
    return json.dumps({"generated_at": generated, "sessions": sessions}, sort_keys=True).encode()


def parse_json_schedule(stored: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The parser reparse uses for json_schedule bodies (None for anything else)."""
    try:
        data = json.loads(stored["body"])
    except ValueError:
        return None
    sessions: list[dict[str, Any]] = data["sessions"]
    return sessions
