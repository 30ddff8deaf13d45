"""The one place where dates and times are resolved into aware datetimes.

Sources give times in many shapes: ISO 8601 with an offset, UTC ``Z`` stamps, naive
local times ("2019-05-03 20:00:00"), and prose ("April 16, 1:50 pm"). Everything is
turned into a timezone-aware ``datetime``; naive values are placed in the configured
IANA zone, and a missing year comes from the page's date.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scraper.errors import ConfigError

UTC = timezone.utc


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; ConfigError saying what to write instead when unknown."""
    try:
        if not name or name != name.strip() or ".." in name or name.startswith("/"):
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ConfigError(
            f"unknown time zone {name!r}",
            hint="use an IANA name such as Europe/Berlin, America/Los_Angeles or UTC",
        ) from None


def localize(moment: datetime, tz: str | tzinfo | None) -> datetime:
    """Attach ``tz`` to a naive datetime (wall-clock time in that zone); aware ones pass.

    A naive time with no zone to resolve it stays naive: callers decide whether that is
    acceptable. DST gaps and folds follow zoneinfo's PEP 495 rules (fold=0: the first
    of two repeated wall times; a time in a gap keeps the offset from before it).
    """
    if moment.tzinfo is not None or tz is None:
        return moment
    info = zone(tz) if isinstance(tz, str) else tz
    return moment.replace(tzinfo=info)


_ISO_BASIC = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})?)?(Z)?$")


def parse_iso(value: str | None, tz: str | tzinfo | None = None) -> datetime | None:
    """ISO 8601 (extended or basic form, ``Z`` or offset, or naive) -> datetime.

    Naive results are localized with ``tz``. Returns None for empty input; raises
    ValueError for text that is not a date.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    basic = _ISO_BASIC.match(text)
    if basic:
        y, mo, d, h, mi, s, z = basic.groups()
        moment = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0))
        return moment.replace(tzinfo=UTC) if z else localize(moment, tz)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
    return localize(moment, tz)


def parse_duration(value: str | None) -> timedelta | None:
    """frab/pretalx durations ("01:30", "0:45", "1:00:00", "2d 01:00") -> timedelta."""
    if not value:
        return None
    text = value.strip()
    days = 0
    match = re.match(r"^(\d+)d\s*(.*)$", text)
    if match:
        days, text = int(match.group(1)), match.group(2) or "0:00"
    parts = text.split(":")
    if not 1 <= len(parts) <= 3 or not all(p.strip().isdigit() for p in parts):
        raise ValueError(f"not a duration: {value!r}")
    nums = [int(p) for p in parts]
    while len(nums) < 3:
        nums.append(0)
    hours, minutes, seconds = nums
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def zone_name(moment: datetime | None, fallback: str | None = None) -> str | None:
    """The IANA name of ``moment``'s zone when it has one (ZoneInfo), else ``fallback``."""
    if moment is not None and isinstance(moment.tzinfo, ZoneInfo):
        return moment.tzinfo.key
    if moment is not None and moment.tzinfo is not None and moment.utcoffset() == timedelta(0) and not fallback:
        return "UTC"
    return fallback
