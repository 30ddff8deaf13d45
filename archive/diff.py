"""Comparing two versions of a session, where noise is not change.

A source re-rendering the same schedule must not look like an edit. Two values are the
same when they differ only in whitespace, HTML entities or Unicode spelling (NFKC),
when two times are the same instant, when speaker lists differ only in order, and when
URLs differ only in their fragment or in cache-busting and tracking query parameters.
Values that change on every fetch (iCal DTSTAMP, generated-at stamps) never reach a
session in the first place; parsers leave them out.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from archive.errors import ArchiveError
from archive.times import instant_key, session_time

# The fields of a session that are versioned, in the order change lists use.
FIELDS: tuple[str, ...] = (
    "title",
    "speakers",
    "start",
    "end",
    "timezone",
    "room",
    "track",
    "url",
    "description",
    "event",
)

_BIT = {name: 1 << index for index, name in enumerate(FIELDS)}
_SPEAKERS = FIELDS.index("speakers")


def pack_changed(names: list[str]) -> int:
    """A list of changed fields as stored in ``version_rows.changed_mask``: bit i for FIELDS[i]."""
    mask = 0
    for name in names:
        mask |= _BIT[name]
    return mask


def unpack_changed(mask: int) -> list[str]:
    """``changed_mask`` back to the list of field names, in FIELDS order."""
    return [name for bit, name in enumerate(FIELDS) if mask >> bit & 1]


def changed_sql(column: str) -> str:
    """SQL giving a ``changed_mask`` column as the JSON text ``json.dumps(unpack_changed(mask))``."""
    parts = " ||\n       ".join(f"""CASE WHEN {column} & {1 << bit} THEN ', "{name}"' ELSE '' END"""
                        for bit, name in enumerate(FIELDS))
    return f"'[' || substr({parts}, 3) || ']'"


# Query parameters that only ever bust caches or track clicks.
_NOISE_PARAMS = frozenset(
    {"_", "cb", "cachebust", "cachebuster", "nocache", "fbclid", "gclid", "dclid", "msclkid",
     "mc_cid", "mc_eid", "_ga", "_gl"}
)
# Parameters that are noise only when their value looks like a stamp or version number:
# ``?v=1712345678`` busts a cache, ``watch?v=dQw4w9WgXcQ`` names a video.
_STAMP_PARAMS = frozenset({"v", "ver", "ts", "t", "timestamp", "rand", "rnd"})
_STAMP_VALUE = re.compile(r"[\d.:_-]*")

Fields = dict[str, Any]


def text_key(value: object) -> str:
    """Text as compared: entities decoded, NFKC, whitespace collapsed; None is empty."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", html.unescape(str(value)))
    return " ".join(text.split())


# The same names come back on every page that lists their talks: each key is worked out once.
@lru_cache(maxsize=4096)
def person_key(name: str) -> str:
    """The identity of a person's name: ``text_key``, casefolded."""
    return text_key(name).casefold()


def is_noise_param(name: str, value: str) -> bool:
    """Whether a URL query parameter is a cache buster or tracker."""
    key = name.lower()
    if key.startswith("utm_") or key in _NOISE_PARAMS:
        return True
    return key in _STAMP_PARAMS and _STAMP_VALUE.fullmatch(value) is not None


def url_key(value: str | None) -> str:
    """A URL as compared: no fragment, no noise parameters, scheme and host lowercased."""
    if not value:
        return ""
    text = html.unescape(value.strip())
    try:
        parts = urlsplit(text)
    except ValueError:
        return text
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_noise_param(k, v)]
    path = parts.path or ("/" if parts.netloc else "")
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, urlencode(query), ""))


def field_key(name: str, value: Any) -> Any:
    """The comparison form of one field's stored value."""
    if name == "speakers":
        # A list of people: order and letter case do not make it another list.
        return sorted(text_key(person).casefold() for person in (value or []))
    if name in ("start", "end"):
        return instant_key(value)
    if name == "url":
        return url_key(value)
    return text_key(value)


def _one_line(value: object) -> str | None:
    if value is None:
        return None
    text = " ".join((value if type(value) is str else str(value)).split())
    return text or None


def _speakers(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        raise ArchiveError(
            f"session speakers must be a list of names, not {type(value).__name__}",
            hint="pass speakers as a list of strings",
        )
    names: list[str] = []
    seen: set[str] = set()
    for person in value:
        name = _one_line(person)
        if name:
            key = person_key(name)
            if key not in seen:
                seen.add(key)
                names.append(name)
    return names


def canonical(session: Mapping[str, Any], *, default_event: str | None = None) -> tuple[str, Fields]:
    """A parser's session dict as the archive stores it: (uid, fields).

    Titles, rooms, tracks and names lose stray whitespace; times get an offset when the
    zone is known; the description keeps its line breaks.
    """
    uid = _one_line(session.get("uid"))
    if not uid:
        raise ArchiveError(
            f"session {session.get('title')!r} has no uid",
            hint="parsers must give every session a uid (the source's id or a stable hash)",
        )
    zone = _one_line(session.get("timezone"))
    description = session.get("description")
    description = str(description).strip() if description is not None else ""
    fields: Fields = {
        "title": _one_line(session.get("title")) or "",
        "speakers": _speakers(session.get("speakers")),
        "start": session_time(session.get("start"), zone),
        "end": session_time(session.get("end"), zone),
        "timezone": zone,
        "room": _one_line(session.get("room")),
        "track": _one_line(session.get("track")),
        "url": _one_line(session.get("url")),
        "description": description or None,
        "event": _one_line(session.get("event")) or default_event,
    }
    return uid, fields


def changed_fields(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """The fields whose values really differ, in FIELDS order."""
    return [name for name in FIELDS if field_key(name, old.get(name)) != field_key(name, new.get(name))]


def carry_forward(old: Mapping[str, Any], new: Mapping[str, Any], changed: list[str]) -> Fields:
    """The next stored version: new values where they changed, the old spelling elsewhere.

    Keeping the old spelling of an unchanged field means consecutive versions differ
    exactly in their ``changed`` list.
    """
    return {name: (new.get(name) if name in changed else old.get(name)) for name in FIELDS}


def added_fields(fields: Mapping[str, Any]) -> list[str]:
    """What a first version 'changed': every field that has a value."""
    return [name for name in FIELDS if fields.get(name) not in (None, "", [])]


# json.dumps(..., ensure_ascii=False) without building an encoder at each call.
_speakers_json = json.JSONEncoder(ensure_ascii=False).encode


def to_row(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Fields as SQLite columns (speakers as JSON text)."""
    row = {name: fields.get(name) for name in FIELDS}
    row["speakers"] = _speakers_json(list(fields.get("speakers") or []))
    return row


def row_values(fields: Mapping[str, Any]) -> list[Any]:
    """``to_row``'s values, in FIELDS order: a payload's stored values."""
    get = fields.get
    values = [get(name) for name in FIELDS]
    values[_SPEAKERS] = _speakers_json(list(values[_SPEAKERS] or []))
    return values


def unchanged(fields: Sequence[Any], row: Mapping[str, Any]) -> bool:
    """Whether stored ``row_values`` are those of a row read back (column name per field)."""
    return all(value == row[name] for name, value in zip(FIELDS, fields, strict=True))


def from_row(row: Mapping[str, Any]) -> Fields:
    """SQLite columns back to fields."""
    fields = {name: row[name] for name in FIELDS}
    fields["speakers"] = json.loads(row["speakers"]) if row["speakers"] else []
    return fields


def change_record(
    *,
    kind: str,
    uid: str,
    page: str,
    fetched_at: str,
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any],
    changed: Sequence[str] = (),
) -> dict[str, Any]:
    """One entry of a changelog: what happened to which session, with old and new values."""
    before = old or {}
    return {
        "kind": kind,
        "uid": uid,
        "title": new.get("title") or before.get("title") or "",
        "page": page,
        "fields": {name: {"old": before.get(name), "new": new.get(name)} for name in changed},
        "fetched_at": fetched_at,
    }


def brief_record(
    *, kind: str, uid: str, page: str, fetched_at: str, old: Mapping[str, Any] | None, new: Mapping[str, Any]
) -> dict[str, Any]:
    """A ``change_record`` without its ``fields``: what happened to which session."""
    return {
        "kind": kind,
        "uid": uid,
        "title": new.get("title") or (old or {}).get("title") or "",
        "page": page,
        "fetched_at": fetched_at,
    }
