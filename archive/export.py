"""Sessions out of the archive as JSON, CSV and iCalendar, with stable documented columns.

The rows are read here (plain SQL over the archive) and turned into text by pure
functions, so the same rows can be written in any format. Column names and their order
are a contract (README, "Export and interop"): new columns may be appended, none renamed.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar

from archive import query as q
from archive.db import Db
from archive.diff import FIELDS
from archive.times import from_utc_text, parse_utc

# Current sessions: the `parse --json` contract, then where and when the archive saw them.
COLUMNS: tuple[str, ...] = (
    "uid", "title", "speakers", "start", "end", "timezone", "room", "track", "url", "description",
    "event", "page", "version", "first_seen", "last_changed",
)
# Every version of every session: which one, what changed, the fetch that showed it, the fields.
HISTORY_COLUMNS: tuple[str, ...] = (
    "uid", "page", "version", "kind", "changed", "fetch_id", "fetched_at", *FIELDS,
)
# Lists in CSV cells are joined with this: names hold commas ("Smith, Jr.") but hardly semicolons.
LIST_SEPARATOR = "; "
PRODID = "-//schedarc//schedarc export//EN"


def _like(text: str) -> str:
    """A LIKE pattern for ``text`` anywhere, its own % and _ literal (as `sessions --event`)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _since(value: datetime | date | str | None) -> datetime | None:
    text = parse_utc(value, what="--since")
    return from_utc_text(text)


def _after(stamp: str | None, since: datetime | None) -> bool:
    if since is None:
        return True
    moment = from_utc_text(stamp)
    return moment is not None and moment >= since


def _instant(value: str | None) -> tuple[int, str]:
    """Sort key for a session time: undated last, instants in time order."""
    if not value:
        return (1, "")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return (0, value)
    if moment.tzinfo is None:
        return (0, moment.isoformat())
    return (0, moment.astimezone(UTC).isoformat())


def _order(row: Mapping[str, Any]) -> tuple[Any, ...]:
    return (_instant(row.get("start")), row.get("title") or "", row.get("uid") or "", row.get("page") or "")


def current_rows(
    db: Db,
    *,
    event: str | None = None,
    page: str | None = None,
    since: datetime | date | str | None = None,
    removed: bool = False,
) -> list[dict[str, Any]]:
    """Sessions as their pages list them now (or, with ``removed``, those no longer listed).

    ``since`` keeps sessions added or changed at or after that moment. Each row has every
    stored column (``removed_at`` included), ordered by start, title, uid, page.
    """
    cutoff = _since(since)
    rows = [row for row in q.sessions(db, event=event, page=page, removed=removed)
            if _after(row.get("last_changed"), cutoff)]
    return sorted(rows, key=_order)


def history_rows(
    db: Db,
    *,
    event: str | None = None,
    page: str | None = None,
    since: datetime | date | str | None = None,
) -> list[dict[str, Any]]:
    """Every version of every session, in the order they were recorded."""
    columns = ", ".join(f'v."{name}"' for name in FIELDS)
    where: list[str] = []
    params: list[Any] = []
    if event:
        where.append("v.event LIKE ? ESCAPE '\\'")
        params.append(_like(event))
    if page:
        where.append("p.url = ?")
        params.append(page)
    sql = (
        f"SELECT s.uid, p.url AS page, v.version, v.kind, v.changed, v.fetch_id, f.fetched_at, {columns}"
        " FROM session_versions v JOIN session_rows s ON s.id = v.session_id JOIN pages p ON p.id = s.page_id"
        f" JOIN fetches f ON f.id = v.fetch_id {'WHERE ' + ' AND '.join(where) if where else ''}"
        " ORDER BY f.fetched_at, p.url, s.uid, v.version"
    )
    cutoff = _since(since)
    rows = []
    cursor = db.execute(sql, params)
    names = [d[0] for d in cursor.description]
    for values in cursor:
        row = dict(zip(names, values, strict=True))
        if not _after(row["fetched_at"], cutoff):
            continue
        row["speakers"] = json.loads(row["speakers"]) if row["speakers"] else []
        row["changed"] = json.loads(row["changed"]) if row["changed"] else []
        rows.append(row)
    return rows


def project(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> list[dict[str, Any]]:
    """Rows cut to exactly ``columns``, in that order (missing ones are None)."""
    return [{name: row.get(name) for name in columns} for row in rows]


def to_json(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """A JSON array of objects with exactly ``columns`` as keys; lists stay lists."""
    return json.dumps(project(rows, columns), indent=2, ensure_ascii=False) + "\n"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(str(item) for item in value)
    return str(value)


def to_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """RFC 4180 CSV with a header row; None is an empty cell, lists are joined with '; '."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(name)) for name in columns])
    return buffer.getvalue()


# --- iCalendar -----------------------------------------------------------------------------


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _when(value: str | None, zone: ZoneInfo | None) -> datetime | date | None:
    """A stored session time as iCalendar wants it: in its named zone, else UTC, else floating."""
    if not value:
        return None
    if len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None  # text the source gave that is no time: nothing a calendar can place
    if moment.tzinfo is None:
        return moment.replace(tzinfo=zone) if zone else moment
    # Same instant, written in the session's own zone so DTSTART carries its TZID.
    return moment.astimezone(zone or UTC)


def _pick_per_uid(sessions: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """One session per uid: a calendar cannot hold two events with one UID.

    The same talk listed on two pages is one event; a listed one beats a removed one,
    then the most recently changed wins.
    """
    best: dict[str, Mapping[str, Any]] = {}
    for session in sessions:
        uid = str(session.get("uid") or "")
        if not uid:
            continue
        rank = (session.get("removed_at") is None, str(session.get("last_changed") or ""))
        held = best.get(uid)
        if held is None or rank > (held.get("removed_at") is None, str(held.get("last_changed") or "")):
            best[uid] = session
    return sorted(best.values(), key=_order)


def _description(session: Mapping[str, Any]) -> str | None:
    parts = []
    speakers = session.get("speakers") or []
    if speakers:
        parts.append("Speakers: " + ", ".join(str(s) for s in speakers))
    if session.get("description"):
        parts.append(str(session["description"]))
    return "\n\n".join(parts) or None


def _event(session: Mapping[str, Any]) -> icalendar.Event | None:
    zone = _zone(session.get("timezone"))
    start = _when(session.get("start"), zone)
    if start is None:
        return None
    end = _when(session.get("end"), zone)
    # An end of another kind (date vs time) or before the start says nothing a calendar can use.
    if end is not None and (type(end) is not type(start) or _later(start, end)):
        end = None
    event = icalendar.Event()
    event.add("uid", str(session["uid"]))
    # DTSTAMP from the archive, not the clock: exporting twice gives the same bytes.
    stamp = from_utc_text(session.get("last_changed")) or datetime(1970, 1, 1, tzinfo=UTC)
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    if end is not None:
        event.add("dtend", end)
    event.add("summary", session.get("title") or "")
    if session.get("room"):
        event.add("location", session["room"])
    description = _description(session)
    if description:
        event.add("description", description)
    if session.get("url"):
        event.add("url", session["url"])
    if session.get("track"):
        event.add("categories", [session["track"]])
    event.add("sequence", int(session.get("version") or 0))
    event.add("status", "CANCELLED" if session.get("removed_at") else "CONFIRMED")
    first_seen = from_utc_text(session.get("first_seen"))
    if first_seen is not None:
        event.add("created", first_seen)
    event.add("last-modified", stamp)
    return event


def _later(start: datetime | date, end: datetime | date) -> bool:
    try:
        return bool(start > end)
    except TypeError:  # a floating time beside an aware one
        return True


def _span(sessions: Sequence[Mapping[str, Any]]) -> tuple[date, date]:
    """First and last day the calendar covers, for VTIMEZONE transitions (kept short)."""
    days = []
    for session in sessions:
        for key in ("start", "end"):
            value = session.get(key)
            if value:
                try:
                    days.append(date.fromisoformat(str(value)[:10]))
                except ValueError:
                    continue
    if not days:
        today = datetime.now(UTC).date()
        return today, today + timedelta(days=1)
    return date(min(days).year, 1, 1), date(max(days).year + 1, 1, 1)


def to_ics(sessions: Iterable[Mapping[str, Any]], *, name: str | None = None) -> tuple[bytes, int, int]:
    """An RFC 5545 calendar of sessions: (bytes, events written, sessions left out for want of a start).

    UID is the session uid, SEQUENCE its version (so calendar clients take a moved talk
    as an update), removed sessions are STATUS:CANCELLED, and every zone used gets a
    VTIMEZONE built from the zoneinfo database.
    """
    chosen = _pick_per_uid(sessions)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    events = {str(s.get("event")) for s in chosen if s.get("event")}
    title = name or (events.pop() if len(events) == 1 else "schedarc export")
    calendar.add("x-wr-calname", title)
    skipped = 0
    for session in chosen:
        event = _event(session)
        if event is None:
            skipped += 1
            continue
        calendar.add_component(event)
    first, last = _span(chosen)
    calendar.add_missing_timezones(first_date=first, last_date=last)
    data: bytes = calendar.to_ical()
    return data, len(chosen) - skipped, skipped
