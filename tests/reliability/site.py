"""Loopback sites for the reliability suite: many schedule pages, and a fault plan.

A :class:`ScheduleSite` spreads ``pages`` iCalendar pages over one or more loopback
hosts, linked from an index page on the first host. Each page lists ``per_page``
sessions with unique UIDs, so a complete archive holds exactly pages x per_page sessions.
A :class:`FaultPlan` decides, per path and before the crawl, which transient failures the
first requests for that path meet; the server counts what it injected, so a test can
compare the crawler's retry count with the exact number of faults served.
"""

from __future__ import annotations

import gzip
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler

from tests.loopback import LoopbackServer, Route, close_mid_body, reset_connection, send

# Transient faults, each costing the client exactly one failed attempt.
FAULT_KINDS = ("503", "429", "429-date", "reset", "truncated", "truncated-gzip", "stall")


@dataclass
class FaultPlan:
    """Per path, the faults its first requests meet (then it is served normally).

    ``rate`` is the chance that a request fails given that the previous one for the path
    did too, capped at ``max_run`` faults in a row, which makes about ``rate`` of all
    requests fail. ``stall`` must exceed the client's read timeout. ``slow_429`` of the 429s
    carry ``Retry-After: 1``; the rest ask for 0 s (one host-wide hold of a second each).
    """

    seed: int = 9
    rate: float = 0.3
    max_run: int = 3
    stall: float = 1.0
    slow_429: float = 0.1
    plans: dict[str, list[str]] = field(default_factory=dict)
    served: Counter[str] = field(default_factory=Counter)  # faults served, by kind
    requests: Counter[str] = field(default_factory=Counter)  # requests seen, by path
    retry_after: dict[str, list[tuple[float, float]]] = field(default_factory=dict)  # path -> (at, asked)
    arrivals: dict[str, list[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def plan(self, paths: list[str]) -> None:
        rng = random.Random(self.seed)
        for path in paths:
            faults: list[str] = []
            while len(faults) < self.max_run and rng.random() < self.rate:
                kind = rng.choice(FAULT_KINDS)
                if kind == "429" and rng.random() < self.slow_429:
                    kind = "429-slow"
                faults.append(kind)
            self.plans[path] = faults

    @property
    def planned(self) -> int:
        return sum(len(f) for f in self.plans.values())

    def wrap(self, path: str, route: Route) -> Route:
        """``route`` behind this plan's faults for ``path``."""

        def handler(req: BaseHTTPRequestHandler) -> None:
            with self._lock:
                index = self.requests[path]
                self.requests[path] += 1
                self.arrivals.setdefault(path, []).append(time.monotonic())
                faults = self.plans.get(path, [])
                kind = faults[index] if index < len(faults) else None
                if kind:
                    self.served[kind] += 1
            if kind is None:
                route(req)
            else:
                self._fail(req, path, kind)

        return handler

    def _fail(self, req: BaseHTTPRequestHandler, path: str, kind: str) -> None:
        if kind == "503":
            send(req, 503, b"<h1>Service Unavailable</h1>")
        elif kind.startswith("429"):
            asked = 1.0 if kind == "429-slow" else 0.0
            value = formatdate(time.time(), usegmt=True) if kind == "429-date" else f"{asked:.0f}"
            with self._lock:
                self.retry_after.setdefault(path, []).append((time.monotonic(), asked))
            send(req, 429, b"slow down", "text/plain", {"Retry-After": value})
        elif kind == "reset":
            reset_connection(req)
        elif kind == "truncated":
            close_mid_body(req)
        elif kind == "truncated-gzip":
            whole = gzip.compress(b"BEGIN:VCALENDAR\r\n" * 400)
            req.close_connection = True
            req.send_response(200)
            req.send_header("Content-Type", "text/calendar; charset=utf-8")
            req.send_header("Content-Encoding", "gzip")
            req.send_header("Connection", "close")  # no length: the body ends when the socket closes
            req.end_headers()
            req.wfile.write(whole[: len(whole) // 2])
            req.wfile.flush()
        elif kind == "stall":
            req.close_connection = True
            time.sleep(self.stall)
        else:  # pragma: no cover - a typo in FAULT_KINDS
            raise AssertionError(kind)


def page_ics(page: int, per_page: int, *, link: str = "") -> str:
    """One page's schedule: ``per_page`` sessions with page-unique UIDs, times and rooms."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//schedarc reliability//EN",
             f"X-WR-CALNAME:Reliability Summit track {page}"]
    for n in range(per_page):
        day, slot = 10 + n // 20 % 20, n % 20  # 20 half-hour slots a day from 08:00
        start, end = 8 * 60 + slot * 30, 8 * 60 + slot * 30 + 25
        lines += ["BEGIN:VEVENT", f"UID:p{page}-s{n}@reliability.test", "DTSTAMP:20260401T000000Z",
                  f"DTSTART;TZID=Europe/Berlin:202605{day:02d}T{start // 60:02d}{start % 60:02d}00",
                  f"DTEND;TZID=Europe/Berlin:202605{day:02d}T{end // 60:02d}{end % 60:02d}00",
                  f"SUMMARY:Talk {n} of track {page}: reliable archives and hostile servers",
                  f"LOCATION:Room {n % 7}",
                  f"DESCRIPTION:Session {n} on page {page}. Crash consistency\\, fault injection\\, "
                  f"fuzzing and the promise that what was archived stays archived ({'x' * (n % 50)}).",
                  f"ORGANIZER;CN=Speaker {page}-{n}:mailto:s{page}-{n}@reliability.test"]
        if link:
            lines.append(f"URL:{link}/event/p{page}-s{n}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


@dataclass
class ScheduleSite:
    """``pages`` schedule pages over ``servers``, an index on the first, optional faults."""

    servers: list[LoopbackServer]
    pages: int
    per_page: int = 5
    faults: FaultPlan | None = None

    def __post_init__(self) -> None:
        paths = ["/index.html", *(f"/p/{i}.ics" for i in range(self.pages))]
        if self.faults is not None:
            self.faults.plan(paths)
        links = "".join(f'<li><a href="{self.page_url(i)}">track {i}</a></li>' for i in range(self.pages))
        self._add(self.servers[0], "/index.html", f"<html><body><h1>Tracks</h1><ul>{links}</ul></body></html>",
                  "text/html; charset=utf-8")
        for i in range(self.pages):
            self._add(self.host(i), f"/p/{i}.ics", page_ics(i, self.per_page), "text/calendar; charset=utf-8")
        for server in self.servers:
            server.add_page("/robots.txt", "User-agent: *\nAllow: /\n", "text/plain")

    def host(self, page: int) -> LoopbackServer:
        return self.servers[page % len(self.servers)]

    def page_url(self, page: int) -> str:
        return self.host(page).url(f"/p/{page}.ics")

    @property
    def index_url(self) -> str:
        return self.servers[0].url("/index.html")

    @property
    def sessions(self) -> int:
        return self.pages * self.per_page

    def _add(self, server: LoopbackServer, path: str, body: str, content_type: str) -> None:
        data = body.encode("utf-8")

        def route(req: BaseHTTPRequestHandler) -> None:
            send(req, 200, data, content_type)

        server.routes[path] = self.faults.wrap(path, route) if self.faults else route

    def page_hits(self) -> int:
        """Requests for schedule pages so far, over every host (server side)."""
        return sum(n for server in self.servers for path, n in list(server.hits.items()) if path.startswith("/p/"))


def config_text(db: str, site: ScheduleSite, *, fetch: str, max_pages: int | None = None) -> str:
    """A config.toml crawling ``site``: the index, following every schedule page."""
    follow = ", ".join(f'"{s.base}/p/*"' for s in site.servers)
    return f"""[archive]
path = "{db}"

[fetch]
{fetch}

[[targets]]
name = "site"
url = "{site.index_url}"
timezone = "Europe/Berlin"
follow = [{follow}]
max_depth = 1
max_pages = {max_pages or site.pages + 1}
"""
