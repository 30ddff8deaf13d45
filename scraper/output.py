"""What the commands print: JSON for scripts, plain aligned tables for people.

stdout carries data only; progress and errors go to stderr (see scraper.progress).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import click


def emit_json(data: Any) -> None:
    """Pretty, stable JSON on stdout (non-ASCII kept readable)."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def short_time(value: str | None) -> str:
    """ISO 8601 -> "2013-04-18 15:20" in the time's own offset; '' for None."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return moment.strftime("%Y-%m-%d %H:%M")


def table(headers: Sequence[str], rows: Iterable[Sequence[object]], *, width: int | None = None) -> str:
    """Columns padded to their widest cell; the last column is cut to the terminal width."""
    cells = [[("" if c is None else str(c)).replace("\n", " ") for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, cell in enumerate(row[:-1]):
            widths[i] = min(max(widths[i], len(cell)), 60)
    total = width or shutil.get_terminal_size((120, 24)).columns
    lines = []
    for row in [list(headers), *cells]:
        parts = [cell[: widths[i]].ljust(widths[i]) for i, cell in enumerate(row[:-1])]
        prefix = "  ".join(parts) + ("  " if parts else "")
        room = max(total - len(prefix), 20)
        last = row[-1] if len(row[-1]) <= room else row[-1][: room - 1] + "…"
        lines.append((prefix + last).rstrip())
    return "\n".join(lines)


def sessions_table(sessions: Sequence[dict[str, Any]]) -> str:
    """The human view of sessions: when, where, what, who."""
    rows = [
        (short_time(s.get("start")), s.get("room") or "", _title(s), ", ".join(s.get("speakers") or []))
        for s in sessions
    ]
    return table(("start", "room", "title", "speakers"), rows)


def _title(session: dict[str, Any]) -> str:
    title = str(session.get("title") or "")
    return f"{title} [removed]" if session.get("removed_at") else title


def _moment(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _when(old: object, new: object) -> str:
    """"Apr 18 15:20 -> 16:10" (the date repeated only when it changed)."""
    a, b = _moment(old), _moment(new)
    if a is None or b is None:
        return f"{old or '-'} -> {new or '-'}"
    right = b.strftime("%H:%M") if a.date() == b.date() else b.strftime("%b %d %H:%M")
    return f"{a.strftime('%b %d %H:%M')} -> {right}"


def change_kind(change: dict[str, Any]) -> str:
    """added / removed / restored, or for changes: moved, retitled, or changed."""
    kind = str(change.get("kind"))
    if kind != "changed":
        return kind
    fields = change.get("fields") or {}
    if {"start", "end", "room"} & set(fields):
        return "moved"
    if "title" in fields:
        return "retitled"
    return "changed"


def describe_change(change: dict[str, Any]) -> str:
    """One readable changelog line, e.g. "moved: Folsom Security, Apr 18 15:20 -> 16:10, Room A -> Room B"."""
    fields: dict[str, dict[str, Any]] = change.get("fields") or {}
    kind = change_kind(change)
    title = change.get("title") or change.get("uid")
    if kind == "retitled":  # "old -> new" names the session and says what it became
        title = f"{fields['title'].get('old')} -> {fields['title'].get('new')}"
    parts = [f"{kind}: {title}"]
    if kind not in ("moved", "retitled", "changed"):
        # added / removed / restored: say when and where, not every field
        start = change.get("start") or (fields.get("start") or {}).get("new")
        room = change.get("room") or (fields.get("room") or {}).get("new")
        return ", ".join(parts + [short_time(str(start))] * bool(start) + [str(room)] * bool(room))
    for name in ("start", "end", "room", "title", "speakers", "track", "url", "description"):
        if name not in fields or (name == "end" and "start" in fields) or (name == "title" and kind == "retitled"):
            continue
        old, new = fields[name].get("old"), fields[name].get("new")
        if name in ("start", "end"):
            parts.append(_when(old, new))
        elif name == "speakers":
            parts.append(f"speakers {', '.join(old or []) or '-'} -> {', '.join(new or []) or '-'}")
        elif name == "description":
            parts.append("description changed")
        else:
            parts.append(f"{old or '-'} -> {new or '-'}")
    return ", ".join(parts)
