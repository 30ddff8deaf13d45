"""Sched's keyed API export, ``api/session/list?format=csv`` (and its ``format=json`` twin).

Rows carry ``id`` (the /event/ID of the session page), ``name``, naive local
``event_start``/``event_end``, ``venue``, ``event_type`` and comma-separated person
columns (``speakers``, ``moderators``, ``artists``) with HTML entities.
"""

from __future__ import annotations

import csv
import html
import io
import json
import logging
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from scraper.errors import ParseError
from scraper.models import Document, ParseResult, Session, stable_uid
from scraper.parsers import markup
from scraper.text import clean, clean_or_none
from scraper.timeparse import parse_iso, zone_name

log = logging.getLogger(__name__)

#: Columns that identify the export; ``name`` and ``event_start`` are required to parse.
MARKERS = ("event_key", "event_start", "event_end")
_TAG = re.compile(r"<(?:[a-zA-Z][a-zA-Z0-9]*\b[^>]*|/[a-zA-Z][a-zA-Z0-9]*\s*)>")


def header_matches(first_line: str) -> bool:
    """True when a CSV header line has Sched's export columns."""
    columns = {c.strip().strip('"').lower() for c in first_line.split(",")}
    return all(marker in columns for marker in MARKERS) and "name" in columns


def parse_csv(doc: Document, parser: str) -> ParseResult:
    """Sessions of a Sched CSV export."""
    _check_size(doc)
    text = doc.text.lstrip("\ufeff")
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        fields = [f.strip().lower() for f in next(reader, [])]
        if "name" not in fields or "event_start" not in fields:
            raise ParseError(
                f"{doc.url}: not a Sched session export (no name/event_start columns)",
                hint="export with api/session/list?format=csv, or choose another parser",
            )
        rows = [_record(fields, row) for row in reader if row]
    except csv.Error as exc:
        raise ParseError(f"{doc.url}: broken CSV: {exc}", hint="fetch the export again") from exc
    return _sessions(doc, parser, rows)


def _record(fields: list[str], row: list[str]) -> dict[str, Any]:
    """One CSV row keyed by the header's lowercased names, as csv.DictReader would key it:
    missing cells None, surplus cells a list under ''."""
    record: dict[str, Any] = dict(zip(fields, row, strict=False))
    if len(row) > len(fields):
        record[""] = row[len(fields) :]
    elif len(row) < len(fields):
        record.update(dict.fromkeys(fields[len(row) :]))
    return record


def parse_json(doc: Document, parser: str) -> ParseResult:
    """Sessions of a Sched JSON export (a list of the same records)."""
    _check_size(doc)
    try:
        data = json.loads(doc.text.lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        raise ParseError(f"{doc.url}: invalid JSON: {exc}", hint="fetch the export again") from exc
    except RecursionError:
        raise ParseError(f"{doc.url}: JSON nested too deeply for a Sched export",
                         hint="choose another parser") from None
    if isinstance(data, dict):
        data = next((v for v in data.values() if isinstance(v, list)), [])
    if not isinstance(data, list):
        raise ParseError(f"{doc.url}: expected a list of sessions", hint="choose another parser")
    return _sessions(doc, parser, [row for row in data if isinstance(row, dict)])


def _check_size(doc: Document) -> None:
    if markup.too_large(doc):
        raise ParseError(
            f"{doc.url}: {len(doc.text) / 1e6:.0f} MB is far beyond any Sched export",
            hint="check that this is api/session/list output",
        )


def _sessions(doc: Document, parser: str, rows: Iterable[Mapping[str, Any]]) -> ParseResult:
    result = ParseResult(parser=parser)
    site = _site(doc)
    seen: set[str] = set()
    inactive = undated = 0
    # An export repeats a few dozen start times, rooms, types and speaker lines: each is
    # read once per export (parse_iso's ValueError is not cached, so every bad row warns).
    times: dict[str, datetime | None] = {}
    labels: dict[str, str | None] = {}
    people: dict[tuple[str, str, str], list[str]] = {}
    tz = doc.timezone
    for number, row in enumerate(rows, start=2):
        if _text(row.get("active")).upper() == "N":
            inactive += 1  # unpublished or deleted on Sched; not on the public schedule
            continue
        title = clean(_text(row.get("name")))
        if not title:
            continue
        first, last = _text(row.get("event_start")), _text(row.get("event_end"))
        try:
            start = times[first] if first in times else times.setdefault(first, parse_iso(first, tz))
            end = times[last] if last in times else times.setdefault(last, parse_iso(last, tz))
        except ValueError:
            result.warnings.append(f"{doc.url}: row {number}: unreadable time; session kept without it")
            start = end = None
        if start is not None and start.tzinfo is None:
            undated += 1
        ident = _text(row.get("id")).strip()
        uid = ident or stable_uid(doc.url, title)
        if uid in seen:
            continue
        seen.add(uid)
        url = f"{site}/event/{ident}" if site and ident else _absolute_or_none(_text(row.get("url")))
        if url and url not in result.links and site:
            result.links.append(url)
        who = (_text(row.get("speakers")), _text(row.get("moderators")), _text(row.get("artists")))
        names = people.get(who)
        if names is None:
            names = people[who] = _people(who)
        venue, kind = _text(row.get("venue")), _text(row.get("event_type"))
        room = labels[venue] if venue in labels else labels.setdefault(venue, clean_or_none(venue))
        track = labels[kind] if kind in labels else labels.setdefault(kind, clean_or_none(kind))
        result.sessions.append(
            Session(
                title=title,
                uid=uid,
                speakers=list(names),  # a list of its own per session
                start=start,
                end=end,
                timezone=zone_name(start, tz),
                room=room,
                track=track,
                url=url,
                description=_description(_text(row.get("description"))),
            )
        )
    if inactive:
        result.warnings.append(f"{doc.url}: skipped {inactive} inactive rows (active=N)")
    if undated:
        result.warnings.append(f"{doc.url}: times have no zone; pass --timezone to place them")
    if not result.sessions:
        result.warnings.append(f"{doc.url}: the export holds no sessions")
    return result


def _text(value: Any) -> str:
    if type(value) is str:  # nearly every cell: skip the isinstance chain
        return value
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return _text(value.get("name"))
    return str(value)


def _people(columns: Iterable[str]) -> list[str]:
    """Names of the speakers, moderators and artists columns (in that order): comma-separated,
    entities decoded."""
    names: list[str] = []
    for value in columns:
        if not value:  # most rows name nobody in most columns
            continue
        for part in html.unescape(value).split(","):
            name = clean(part)
            if name and name not in names:
                names.append(name)
    return names


def _description(value: str) -> str | None:
    """Plain text; descriptions written in HTML keep their line breaks."""
    if _TAG.search(value):
        fragment = markup.fragment(value)
        if fragment is not None:
            return markup.block_text(fragment) or None
    text = html.unescape(value)
    if "\n" not in text and "\r" not in text:  # one line: what the loop below makes of it
        return clean(text) or None
    lines = (clean(line) for line in text.replace("\r", "\n").split("\n"))
    text = "\n".join(line for line in lines if line)
    return text or None


def _site(doc: Document) -> str | None:
    """https://NAME.sched.com for an export from a Sched site (or any host's api/session/list)."""
    for candidate in (doc.base_url, doc.url):
        parts = urlsplit(candidate or "")
        on_sched = parts.netloc.endswith((".sched.com", ".sched.org"))
        if parts.scheme in ("http", "https") and (on_sched or "/api/session/list" in parts.path):
            return f"{parts.scheme}://{parts.netloc}"
    return None


def _absolute_or_none(value: str) -> str | None:
    value = value.strip()
    return value if value.startswith(("http://", "https://")) else None
