"""The demo conference: Lakeside Open Source Summit 2026 (fictional), in two editions.

Edition 1 is what the organisers first publish; edition 2 is the schedule a week later:
one talk moved in time and room, one retitled, one cancelled, one added. The same
data renders the announcement post, the sched-style event pages and the iCalendar
feed, so the three always agree with each other.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

TIMEZONE = "America/Chicago"
EVENT = "Lakeside Open Source Summit 2026"


@dataclass(frozen=True)
class Talk:
    uid: str
    title: str
    speakers: tuple[str, ...]
    day: str  # YYYY-MM-DD, local
    start: str  # HH:MM, local
    end: str
    room: str
    track: str
    abstract: str
    ours: bool = False  # announced in the blog post


EDITION_1: tuple[Talk, ...] = (
    Talk("8f3a2c", "Keynote: Twenty Years of Lake Data", ("Maribel Ostrander",), "2026-05-12", "09:00", "09:45",
         "Harbor Hall", "Keynotes", "Where open data on freshwater came from, and where it is going."),
    Talk("1b7d90", "Scheduling Without Tears", ("Ines Kowalczyk", "Tobiah Renner"), "2026-05-12", "10:30",
         "11:15", "Room Birch", "Tooling", "How we replaced a spreadsheet of 400 talks with a small, boring "
         "service, and what broke on the way.", ours=True),
    Talk("4c11e8", "Archiving the Ephemeral Web", ("Dario Fenwick",), "2026-05-12", "13:50", "14:35",
         "Room Alder", "Archives", "Conference pages vanish within a year. A field guide to keeping them, with "
         "WARC, SQLite and patience.", ours=True),
    Talk("77e0a1", "PANEL: Who Owns the Program?", ("Ruth Achebe", "Lena Marsh", "Okko Virtanen"), "2026-05-13",
         "11:00", "11:50", "Harbor Hall", "Community", "Organisers, speakers and attendees argue about who "
         "decides what a conference is about.", ours=True),
    Talk("c2d4f6", "Time Zones Are a Social Construct", ("Priya Natarajan",), "2026-05-13", "14:00", "14:30",
         "Room Birch", "Tooling", "Daylight saving, floating times and the 1:30 am that happens twice."),
    Talk("e9a0b3", "Lightning Talks", (), "2026-05-13", "16:00", "17:00", "Harbor Hall", "Community",
         "Five minutes each, sign up at the registration desk."),
)


def _edition_2() -> tuple[Talk, ...]:
    talks = {t.uid: t for t in EDITION_1}
    # moved in time and room
    talks["4c11e8"] = replace(talks["4c11e8"], start="15:20", end="16:05", room="Room Cedar")
    # retitled
    talks["1b7d90"] = replace(talks["1b7d90"], title="Scheduling Without Tears (or Spreadsheets)")
    # cancelled
    del talks["c2d4f6"]
    # added
    talks["5aa7d2"] = Talk("5aa7d2", "Closing Remarks", ("Maribel Ostrander",), "2026-05-13", "17:00", "17:15",
                           "Harbor Hall", "Keynotes", "Thanks, numbers, and next year's lake.")
    return tuple(talks.values())


EDITION_2 = _edition_2()
