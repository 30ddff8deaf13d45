"""How fast the sched parser reads big list pages (MB/s), on generated pages of ~500 KB.

    .venv/bin/python bench/sched_html_bench.py [--kb 500] [--repeat 7]

Two shapes: /list/descriptions/ (details and a description per session) and
/list/simple/ (anchors under time-slot headings: many more sessions per byte).
CPU time (process_time) is reported, best of --repeat, so other load on the machine
disturbs it less than wall time would.
"""

from __future__ import annotations

import argparse
import time

from scraper.models import Document
from scraper.parsers.sched import SchedParser

DAYS = ("Monday, May 6", "Tuesday, May 7", "Wednesday, May 8")


def descriptions_page(target: int) -> str:
    parts = ['<html><head><title>Big Conf 2024: Schedule</title></head><body><div id="sched-content-inner">']
    number = 0
    while sum(len(p) for p in parts) < target:
        day = DAYS[number // 400 % 3]
        if number % 400 == 0:
            parts.append(f'<div class="sched-container-header">{day}</div>')
        hour = 9 + number // 4 % 8
        clock = f"{(hour - 1) % 12 + 1}:{number % 4 * 15:02d}{'am' if hour < 12 else 'pm'}"
        if number % 4 == 0:
            parts.append(f'<h3>{clock} <span class="tz">EDT</span></h3>')
        line = f"{day.replace(',', '')}, 2024 {clock} - {clock} EDT"
        parts.append(
            f'<div class="sched-container"><div class="sched-container-inner"><span class="event ev_{number % 9}">'
            f'<a class="name" href="event/{number:032x}#.x" id="x{number}">Session {number} on distributed '
            f"systems - Jane Roe, Acme Corp &amp; John Doe, Example Inc</a></span>"
            f'<div class="sched-event-details-container"><div class="tip-description">A description of session '
            f"{number}, long enough to look real.<br/>With a second line about the subject.</div>"
            f'<div class="sched-event-details-timeandplace">{line}<br/><a href="venue/R{number % 6}">Room '
            f"{number % 6}</a></div></div></div></div>"
        )
        number += 1
    parts.append("</div></body></html>")
    return "".join(parts)


def simple_page(target: int) -> str:
    parts = ['<html><head><title>Big Conf 2024: Schedule</title></head><body><div id="sched-content-inner">']
    number = 0
    while sum(len(p) for p in parts) < target:
        if number % 600 == 0:
            parts.append(f"<h2>{DAYS[number // 600 % 3]}</h2>")
        if number % 8 == 0:
            hour = 9 + number // 8 % 9
            parts.append(f"<h3>{(hour - 1) % 12 + 1}:00{'am' if hour < 12 else 'pm'} <span class='tz'>EDT</span></h3>")
        parts.append(
            f'<div class="sched-container"><div class="sched-container-inner"><span class="event ev_{number % 9}">'
            f'<a class="name" href="/event/{number:x}Zq/session-{number}">Session {number} on systems - '
            f"Jane Roe, Acme Corp</a></span></div></div>"
        )
        number += 1
    parts.append("</div></body></html>")
    return "".join(parts)


def measure(name: str, text: str, repeat: int) -> None:
    doc = Document(url="https://big2024.sched.com/list/", text=text, timezone="America/New_York")
    parser = SchedParser()
    count = len(parser.parse(doc).sessions)
    best = min(_timed(parser, doc) for _ in range(repeat))
    speed = len(text) / 1e6 / best
    print(f"{name:13} {len(text) / 1e3:7.0f} KB  {count:5d} sessions  {best * 1e3:6.1f} ms  {speed:5.1f} MB/s")


def _timed(parser: SchedParser, doc: Document) -> float:
    start = time.process_time()
    parser.parse(doc)
    return time.process_time() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kb", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    measure("descriptions", descriptions_page(args.kb * 1000), args.repeat)
    measure("simple", simple_page(args.kb * 1000), args.repeat)


if __name__ == "__main__":
    main()
