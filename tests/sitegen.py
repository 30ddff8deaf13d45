"""Schedules for tests, written as real iCalendar and HTML that the parsers read."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Item:
    uid: str
    title: str
    start: str  # local "20260512T0900"
    end: str
    room: str
    speakers: tuple[str, ...] = ()


BASE = (
    Item("a1", "Opening Keynote", "20260512T0900", "20260512T0945", "Hall A", ("Ada Park",)),
    Item("b2", "Folsom Security in Review", "20260512T1520", "20260512T1600", "Room A", ("Matt Joyce",)),
    Item("c3", "State of the Stack", "20260512T1100", "20260512T1130", "Room B", ("Randy Bias",)),
    Item("d4", "Networking is NOT Free", "20260513T1010", "20260513T1050", "Room C", ("Dan Sneddon",)),
)


def changed() -> tuple[Item, ...]:
    """BASE a week later: one moved (time and room), one retitled, one cancelled, one added."""
    items = {i.uid: i for i in BASE}
    items["b2"] = replace(items["b2"], start="20260512T1610", end="20260512T1650", room="Room B")
    items["c3"] = replace(items["c3"], title="State of the Stack 2026")
    del items["d4"]
    items["e5"] = Item("e5", "Closing Panel", "20260513T1700", "20260513T1745", "Hall A", ("Eric Windisch",))
    return tuple(items.values())


def ics(items: tuple[Item, ...], *, stamp: str = "20260401T000000Z", name: str = "Test Summit",
        zone: str = "America/Los_Angeles", link_base: str = "") -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//schedarc tests//EN", f"X-WR-CALNAME:{name}"]
    for item in items:
        summary = item.title
        lines += ["BEGIN:VEVENT", f"UID:{item.uid}", f"DTSTAMP:{stamp}",
                  f"DTSTART;TZID={zone}:{item.start}00", f"DTEND;TZID={zone}:{item.end}00",
                  f"SUMMARY:{summary}", f"LOCATION:{item.room}"]
        if link_base:
            lines.append(f"URL:{link_base}/event/{item.uid}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"
