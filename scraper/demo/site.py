"""Render the demo conference as a small web site: a blog post, event pages, an ICS feed."""

from __future__ import annotations

import html
from datetime import datetime

from scraper.demo.program import EDITION_1, EVENT, TIMEZONE, Talk

Pages = dict[str, tuple[bytes, str]]  # path -> (body, content type)

HTML = "text/html; charset=utf-8"


def _local(day: str, clock: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}")


def _12h(day: str, clock: str) -> str:
    moment = _local(day, clock)
    return f"{moment:%B} {moment.day}, {moment.hour % 12 or 12}:{moment:%M} {'am' if moment.hour < 12 else 'pm'}"


def _event_path(talk: Talk) -> str:
    # Like Sched, the id alone identifies the session; a retitled talk keeps its URL.
    return f"/schedule/event/{talk.uid}"


def blog_post(talks: tuple[Talk, ...]) -> bytes:
    """A WordPress-style announcement post with a link, a time and an abstract per talk."""
    items = []
    for talk in talks:
        if not talk.ours:
            continue
        who = " and ".join(talk.speakers) if len(talk.speakers) < 3 else ", ".join(talk.speakers)
        items.append(
            f'<p><a href="{_event_path(talk)}">{html.escape(talk.title)} — {html.escape(who)}</a></p>\n'
            f"<p>{_12h(talk.day, talk.start)}</p>\n<p>{html.escape(talk.abstract)}</p>\n"
        )
    body = "\n".join(items)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Our talks at {EVENT} | Tidewater Labs blog</title>
<meta property="article:published_time" content="2026-04-20T09:00:00-05:00">
</head>
<body class="post-template-default single single-post">
<article class="post type-post status-publish">
<header><h1 class="entry-title">Our talks at {EVENT}</h1>
<time class="entry-date published" datetime="2026-04-20T09:00:00-05:00">April 20, 2026</time></header>
<div class="entry-content">
<p>We are heading to Duluth for {EVENT}, May 12-13. Here is where to find us.
The <a href="/schedule/">full schedule</a> is online.</p>
{body}
</div></article></body></html>""".encode()


def event_page(talk: Talk) -> bytes:
    """A single session page in the sched.com style of today."""
    start, end = _local(talk.day, talk.start), _local(talk.day, talk.end)
    when = (f"{start:%A} {start:%B} {start.day}, {start.year} {start.hour % 12 or 12}:{start:%M}"
            f"{'am' if start.hour < 12 else 'pm'} - {end.hour % 12 or 12}:{end:%M}{'am' if end.hour < 12 else 'pm'}"
            " CDT")
    people = "\n".join(
        f'<div class="sched-person-session"><h2><a href="/schedule/speaker/{i}">{html.escape(name)}</a></h2>'
        f'<div class="sched-event-details-role-company">Tidewater Labs</div></div>'
        for i, name in enumerate(talk.speakers)
    )
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{html.escape(talk.title)}</title></head>
<body><div id="sched-page-me-container"><div class="list-single">
<h1 class="list-single__event"><a href="{_event_path(talk)}" class="name">{html.escape(talk.title)}</a></h1>
<div class="list-single__date">{when}</div>
<div class="list-single__location"><a href="/schedule/venue/{talk.room.replace(' ', '+')}">{talk.room}</a></div>
<div class="sched-event-type"><a href="/schedule/type/{talk.track}">{talk.track}</a></div>
<div class="tip-description">{html.escape(talk.abstract)}</div>
{people}
</div></div></body></html>""".encode()


def _fold(line: str) -> str:
    """RFC 5545 line folding at 75 octets."""
    data = line.encode()
    if len(data) <= 75:
        return line
    out: list[str] = []
    chunk = b""
    for char in line:
        piece = char.encode()
        if len(chunk) + len(piece) > (75 if not out else 74):
            out.append(chunk.decode())
            chunk = b""
        chunk += piece
    out.append(chunk.decode())
    return "\r\n ".join(out)


def _ics_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def ics_feed(talks: tuple[Talk, ...], stamp: str, base: str) -> bytes:
    """The full schedule as iCalendar; DTSTAMP differs per edition and must not count as change."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Lakeside Summit//schedarc demo//EN",
             f"X-WR-CALNAME:{EVENT}", f"X-WR-TIMEZONE:{TIMEZONE}"]
    for talk in talks:
        # Sched's convention: "TITLE - NAME & NAME" (a comma would introduce a company)
        summary = talk.title + (f" - {' & '.join(talk.speakers)}" if talk.speakers else "")
        lines += [
            "BEGIN:VEVENT",
            f"UID:{talk.uid}@lakeside-summit.example",
            f"DTSTAMP:{stamp}",
            f"DTSTART;TZID={TIMEZONE}:{talk.day.replace('-', '')}T{talk.start.replace(':', '')}00",
            f"DTEND;TZID={TIMEZONE}:{talk.day.replace('-', '')}T{talk.end.replace(':', '')}00",
            f"SUMMARY:{_ics_text(summary)}",
            f"LOCATION:{_ics_text(talk.room)}",
            f"CATEGORIES:{_ics_text(talk.track)}",
            f"DESCRIPTION:{_ics_text(talk.abstract)}",
            f"URL:{base}{_event_path(talk)}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode()


def render(talks: tuple[Talk, ...], *, stamp: str, base: str) -> Pages:
    """Every page of one edition of the site. The post was written once, from edition 1."""
    pages: Pages = {
        "/blog/our-talks-at-lakeside-summit.html": (blog_post(EDITION_1), HTML),
        "/schedule/all.ics": (ics_feed(talks, stamp, base), "text/calendar; charset=utf-8"),
        "/robots.txt": (b"User-agent: *\nDisallow: /private/\n", "text/plain"),
    }
    for talk in talks:
        pages[_event_path(talk)] = (event_page(talk), HTML)
    return pages
