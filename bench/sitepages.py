"""Render the benchmark programme as the pages a real schedule site serves.

Markup follows ../shared/formats/sched.md (and what scraper/parsers/sched_html.py reads):
list views in the 2012 descriptions markup (``.sched-container`` > ``span.event.ev_N`` >
``a.name`` "TITLE - NAME, COMPANY & NAME, COMPANY", then ``.tip-description`` and
``.sched-event-details-timeandplace``), session pages in today's markup
(``.list-single__event``, ``.list-single__date``, ``.list-single__location``,
``.sched-person-session``, ``.sched-event-type``). Pages carry the inline CSS and script
a real site ships, so a list or session page weighs about 30 KB. Feeds: Sched-style
``all.ics`` (UTC times, speakers in SUMMARY) and a frab ``schedule.xml``.
"""

from __future__ import annotations

import html
import zlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bench.sitedata import EVENT, TIMEZONE, ZONE_WORD, Talk

Link = Callable[[Talk], str]  # a talk -> the absolute URL of its session page

_ZONE = ZoneInfo(TIMEZONE)


def clock(moment: datetime) -> str:
    """Sched's clock: 9:30am."""
    return f"{moment.hour % 12 or 12}:{moment:%M}{'am' if moment.hour < 12 else 'pm'}"


def when_line(talk: Talk) -> str:
    """Sched's date line: Tuesday May 12, 2026 9:30am - 10:10am CDT."""
    start = talk.start
    return f"{start:%A} {start:%B} {start.day}, {start.year} {clock(start)} - {clock(talk.end)} {ZONE_WORD}"


def anchor_text(talk: Talk) -> str:
    """TITLE - NAME, COMPANY & NAME, COMPANY (Sched's list anchor)."""
    people = " & ".join(f"{s.name}, {s.company}" for s in talk.speakers)
    return f"{talk.title} - {people}" if people else talk.title


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def chrome_script(size: int) -> str:
    """Deterministic inline script of about ``size`` bytes, like the settings blob Sched inlines."""
    lines = ["window.SCHED_SETTINGS = {"]
    used, key = len(lines[0]), 0
    while used < size:
        line = f'  "i18n_{key:04d}": "Label number {key} for the {("list", "grid", "map", "people")[key % 4]} view",'
        lines.append(line)
        used += len(line) + 1
        key += 1
    lines.append("};")
    return "\n".join(lines)


_CSS = "\n".join(
    f".sched-{name} {{ margin: {i % 7}px {i % 5}px; padding: {i % 3}px; color: #{(i * 2654435761) % 0xFFFFFF:06x}; }}"
    for i, name in enumerate(
        f"{part}-{n}" for part in ("container", "event", "list", "person", "venue", "nav") for n in range(12)
    )
)


def _head(title: str, script_bytes: int) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n"
        f'<meta property="og:site_name" content="{_e(EVENT)}">\n'
        f'<link rel="alternate" type="text/calendar" href="/all.ics">\n'
        f"<style>\n{_CSS}\n</style>\n<script>\n{chrome_script(script_bytes)}\n</script>\n</head>\n"
    )


def _header(days: Sequence[datetime]) -> str:
    items = "".join(f'<li><a href="/{d:%Y-%m-%d}">{d:%a, %b} {d.day}</a></li>' for d in days)
    return (f'<body class="sched-body">\n<div id="sched-page-header">\n<h1 id="sched-page-title">'
            f'<a href="/">{_e(EVENT)}</a></h1>\n<ul id="sched-dates-menu">{items}</ul>\n</div>\n')


_FOOTER = ('<div id="sched-footer">&copy; 2026 Sched LLC &middot; <a href="/mobile">Mobile</a> &middot; '
           '<a href="/privacy">Privacy</a></div>\n</body>\n</html>\n')


def _days(talks: Sequence[Talk]) -> list[datetime]:
    return sorted({t.start.replace(hour=0, minute=0) for t in talks})


def _list_item(talk: Talk, link: Link) -> str:
    description = "<br />".join(_e(p) for p in talk.description)
    return (
        f'<div class="sched-container">\n  <div class="sched-container-inner">\n'
        f'    <span class="event ev_{talk.kind}"><a class="name" href="{link(talk)}" id="a{talk.uid}">'
        f"{_e(anchor_text(talk))}</a></span>\n"
        f'    <div class="sched-event-details-container">\n'
        f'      <div class="tip-description">{description}</div>\n'
        f'      <div class="sched-event-details-timeandplace">{when_line(talk)}<br />'
        f'<a href="/venue/{_e(talk.room.replace(" ", "+"))}">{_e(talk.room)}</a></div>\n'
        f"    </div>\n  </div>\n</div>\n"
    )


def list_page(talks: Sequence[Talk], link: Link, *, title: str, script_bytes: int = 4_000) -> bytes:
    """A /list/descriptions view: day headings, slot headings, one container per session."""
    ordered = sorted(talks, key=lambda t: (t.start, t.index))
    parts = [_head(f"{EVENT}: {title}", script_bytes), _header(_days(ordered)), '<div id="sched-content-inner">\n']
    day = slot = None
    for talk in ordered:
        if talk.start.date() != day:
            day, slot = talk.start.date(), None
            parts.append(f'<div class="sched-container-header" id="{day:%Y-%m-%d}">'
                         f"{talk.start:%A, %B} {talk.start.day}</div>\n")
        if talk.start != slot:
            slot = talk.start
            parts.append(f"\n<h3>{clock(talk.start)} <span class='tz'>{ZONE_WORD}</span></h3>\n")
        parts.append(_list_item(talk, link))
    parts += ["</div>\n", _FOOTER]
    return "".join(parts).encode()


def event_page(talk: Talk, related: Sequence[Talk], link: Link, *, script_bytes: int = 21_000) -> bytes:
    """A session page (/event/ID/slug) in today's markup, with its speakers and related sessions."""
    people = "\n".join(
        f'<div class="sched-person-session">\n'
        f'  <a class="sched-avatar" href="/speaker/{_e(s.name.lower().replace(" ", "."))}" title="{_e(s.name)}">'
        f'<img src="https://avatars.sched.co/{s.name[0].lower()}/{i}.jpg" alt=""></a>\n'
        f'  <h2><a href="/speaker/{_e(s.name.lower().replace(" ", "."))}">{_e(s.name)}</a></h2>\n'
        f'  <div class="sched-event-details-role-company">{_e(s.role)}, {_e(s.company)}</div>\n</div>'
        for i, s in enumerate(talk.speakers)
    )
    more = "\n".join(
        f'<span class="event ev_{r.kind}"><a class="name" href="{link(r)}">{_e(r.title)}</a></span>' for r in related
    )
    paragraphs = "".join(f"<p>{_e(p)}</p>" for p in talk.description)
    body = (
        f'<div id="sched-content-inner">\n<div class="sched-container-inner list-single">\n'
        f'<span class="event ev_{talk.kind}">\n<span class="list-single__event">'
        f'<a href="{link(talk)}" class="name">{_e(talk.title)}</a></span>\n</span>\n'
        f'<div class="list-single__date">{when_line(talk)}</div>\n'
        f'<div class="list-single__location"><a href="/venue/{_e(talk.room.replace(" ", "+"))}">'
        f"{_e(talk.room)}</a></div>\n"
        f'<div class="tip-description">{paragraphs}</div>\n'
        f'<div class="sched-event-type"><a href="/type/{_e(talk.track.replace(" ", "+"))}">{_e(talk.track)}</a></div>\n'
        f'<div class="sched-event-details-roles">\n<h3>Speakers</h3>\n{people}\n</div>\n</div>\n'
        f'<div class="sched-related">\n<h3>More from this track</h3>\n{more}\n</div>\n</div>\n'
    )
    return (_head(f"{EVENT}: {talk.title}", script_bytes) + _header(_days([talk])) + body + _FOOTER).encode()


def post(picks: Sequence[Talk], link: Link, index: Sequence[tuple[str, str]]) -> bytes:
    """A WordPress announcement post: a few talks with their times, then links to every view and feed."""
    items = "\n".join(
        f'<p><a href="{link(t)}">{_e(t.title)} — {_e(" and ".join(s.name for s in t.speakers))}</a></p>\n'
        f"<p>{t.start:%B} {t.start.day}, {clock(t.start).replace('am', ' am').replace('pm', ' pm')}</p>\n"
        f"<p>{_e(t.description[0])}</p>"
        for t in picks
    )
    links = "\n".join(f'<li><a href="{url}">{_e(label)}</a></li>' for url, label in index)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>The {_e(EVENT)} schedule is out | Bench Foundation blog</title>
<meta property="article:published_time" content="2026-04-20T09:00:00-05:00">
</head>
<body class="post-template-default single single-post">
<article class="post type-post status-publish">
<header><h1 class="entry-title">The {_e(EVENT)} schedule is out</h1>
<time class="entry-date published" datetime="2026-04-20T09:00:00-05:00">April 20, 2026</time></header>
<div class="entry-content">
<p>The programme for {_e(EVENT)} is online. Here are a few talks we are looking forward to.</p>
{items}
<h2>Every view of the schedule</h2>
<ul>
{links}
</ul>
</div></article></body></html>""".encode()


def _fold(line: str) -> str:
    """RFC 5545 folding at 75 octets (ASCII content here)."""
    if len(line) <= 75:
        return line
    chunks = [line[:75]] + [line[i:i + 74] for i in range(75, len(line), 74)]
    return "\r\n ".join(chunks)


def _ics_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _utc(moment: datetime) -> str:
    return moment.replace(tzinfo=_ZONE).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def ics_feed(talks: Sequence[Talk], link: Link, *, stamp: str = "20260420T090000Z") -> bytes:
    """Sched's all.ics: UTC times, speakers appended to SUMMARY, the session page as URL."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"X-WR-CALNAME:{EVENT}", "X-WR-CALDESC:Event Calendar",
             "PRODID:-//Sched.com Bench Summit 2026//EN", "METHOD:PUBLISH", "CALSCALE:GREGORIAN"]
    for talk in talks:
        people = "; ".join(f"{s.name}, {s.role}, {s.company}" for s in talk.speakers)
        lines += [
            "BEGIN:VEVENT", f"DTSTAMP:{stamp}", f"DTSTART:{_utc(talk.start)}", f"DTEND:{_utc(talk.end)}",
            f"SUMMARY:{_ics_text(talk.title + (' - ' + people if people else ''))}",
            f"DESCRIPTION:{_ics_text(chr(10).join(talk.description))}",
            f"CATEGORIES:{_ics_text(talk.track)}", f"LOCATION:{_ics_text(talk.room)}",
            "SEQUENCE:0", f"UID:{talk.uid}", f"URL:{link(talk)}", "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode()


def frab_feed(talks: Sequence[Talk], link: Link) -> bytes:
    """A frab schedule.xml: days, rooms, events with persons."""
    by_day: dict[str, dict[str, list[Talk]]] = {}
    for talk in sorted(talks, key=lambda t: (t.start, t.index)):
        by_day.setdefault(f"{talk.start:%Y-%m-%d}", {}).setdefault(talk.room, []).append(talk)
    days = sorted(by_day)
    out = ["<?xml version='1.0' encoding='utf-8' ?>\n<schedule>\n<version>1.0</version>\n<conference>\n",
           f"<acronym>bench26</acronym>\n<title>{_e(EVENT)}</title>\n<start>{days[0]}</start>\n",
           f"<end>{days[-1]}</end>\n<days>{len(days)}</days>\n<timeslot_duration>00:05</timeslot_duration>\n",
           f"<time_zone_name>{TIMEZONE}</time_zone_name>\n</conference>\n"]
    for number, day in enumerate(days, 1):
        out.append(f"<day date='{day}' index='{number}'>\n")
        for room, held in by_day[day].items():
            out.append(f"<room name='{_e(room)}'>\n")
            for t in held:
                offset = t.start.replace(tzinfo=_ZONE).isoformat()
                persons = "".join(f"<person id='{zlib.crc32(s.name.encode()) % 100000}'>{_e(s.name)}</person>\n"
                                  for s in t.speakers)
                out.append(
                    f"<event guid='{t.uid}-bench26' id='{t.index + 1000}'>\n<date>{offset}</date>\n"
                    f"<start>{t.start:%H:%M}</start>\n<duration>{t.minutes // 60:02d}:{t.minutes % 60:02d}"
                    f"</duration>\n<room>{_e(t.room)}</room>\n<slug>bench26-{t.index}-{t.slug}</slug>\n"
                    f"<url>{_e(link(t))}</url>\n<title>{_e(t.title)}</title>\n<subtitle></subtitle>\n"
                    f"<track>{_e(t.track)}</track>\n<type>lecture</type>\n<language>en</language>\n"
                    f"<abstract>{_e(t.description[0])}</abstract>\n<description>{_e(t.description[1])}"
                    f"</description>\n<persons>\n{persons}</persons>\n<links>\n</links>\n</event>\n"
                )
            out.append("</room>\n")
        out.append("</day>\n")
    out.append("</schedule>\n")
    return "".join(out).encode()
