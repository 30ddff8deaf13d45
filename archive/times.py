"""Timestamps as the archive stores them: ISO 8601 strings that sort as they compare.

Fetch times are kept in UTC with a ``+00:00`` offset so that SQL string comparison
(``fetched_at >= ?``) orders them correctly. Session times keep their own offset and
zone name, because "14:00 in Vancouver" is what the schedule said.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from archive.errors import ArchiveError


def utc_now() -> str:
    """Now, as the archive writes it."""
    return to_utc_text(datetime.now(UTC))


def to_utc_text(moment: datetime) -> str:
    """An aware (or naive-means-UTC) datetime as UTC ISO text."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def parse_utc(value: datetime | date | str | None, *, what: str = "time") -> str | None:
    """Any accepted spelling of a moment (datetime, date, ISO text) as UTC ISO text.

    A bare date means its midnight in UTC; naive times are taken as UTC.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return to_utc_text(value)
    if isinstance(value, date):
        return to_utc_text(datetime.combine(value, time.min, tzinfo=UTC))
    text = value.strip()
    try:
        return to_utc_text(datetime.fromisoformat(text))
    except ValueError as exc:
        raise ArchiveError(
            f"{what} {value!r} is not an ISO 8601 date or time",
            hint="write it like 2024-04-10 or 2024-04-10T14:00:00+00:00",
        ) from exc


def from_utc_text(value: str | None) -> datetime | None:
    """Stored text back to an aware datetime."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# ``datetime.isoformat()`` of an aware time in whole seconds: parsed and written again it
# is itself, so a parser's output skips both. (An offset of -00:00 would become +00:00.)
_ISO_AWARE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9][+-](?:[01][0-9]|2[0-3]):[0-5][0-9]"
)


def session_time(value: object, zone_name: str | None) -> str | None:
    """A session's start or end as stored: ISO with offset when the source allows it.

    Naive times get the session's zone (when it names a real zone); a bare date stays a
    date (an all-day item); text that is no ISO time is kept verbatim rather than lost.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        return value.isoformat()
    else:
        text = str(value).strip()
        if not text:
            return None
        if len(text) == 10:
            return text
        if len(text) == 25 and _ISO_AWARE.fullmatch(text) and not text.endswith("-00:00"):
            return text
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return text
    if moment.tzinfo is None and zone_name:
        try:
            moment = moment.replace(tzinfo=ZoneInfo(zone_name))
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return moment.isoformat()


def instant_key(value: str | None) -> str | None:
    """What two session times are compared by: the same instant is the same time."""
    if value is None or len(value) == 10:
        return value
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        return moment.isoformat()
    return moment.astimezone(UTC).isoformat()
