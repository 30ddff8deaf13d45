"""The benchmark site: N pages of a Sched-like conference, written as static files.

Layout for N pages (default 500): one announcement post (the crawl's start) that links
every list view, the full-schedule pages and both feeds, and a few session pages;
list views (/list/descriptions/page-NNN, about 30 KB, 20 sessions each, every session on
several views); session pages (/event/ID/slug, about 30 KB); a few full-schedule pages
(/list/descriptions/by-*, every session, about 500 KB); /all.ics and /schedule.xml.
Every page is reachable from the post within two links, and the link graph holds
exactly N pages, so every tool fetches the same N.

Pages are spread over the given hosts (ports) and link each other by absolute URL. Files
get a fixed mtime, so a server derives stable ETag/Last-Modified validators and answers
conditional GETs with 304; :meth:`Site.mutate` edits a share of the pages and moves
their mtime, as a schedule changing between two crawls does.

Run ``python -m bench.sitegen DIR [--pages N] [--ports 8001,8002]`` to write a site by hand.
"""

from __future__ import annotations

import argparse
import os
import random
from dataclasses import dataclass, field
from pathlib import Path

from bench import sitepages
from bench.sitedata import Talk, program

#: Last-Modified of a freshly generated site (2026-04-01T00:00:00Z); mutation round r adds r hours.
BASE_MTIME = 1_775_001_600
LIST_SIZE = 20  # sessions per list view
RELATED = 10  # related sessions linked from a session page
PICKS = 8  # talks the post announces
MEDIA_TYPES = {"html": "text/html; charset=utf-8", "ics": "text/calendar; charset=utf-8", "xml": "application/xml"}


@dataclass(frozen=True)
class Page:
    """One URL of the site: its path, what it shows, and which host serves it."""

    path: str
    kind: str  # post | list | full | event | ics | frab
    host: int
    talks: tuple[int, ...]  # indices into Site.talks, in the order shown

    @property
    def file_type(self) -> str:
        return {"ics": "ics", "frab": "xml"}.get(self.kind, "html")


@dataclass
class Site:
    """The generated site: the programme, its pages, and the edits applied so far."""

    hosts: tuple[str, ...]
    talks: list[Talk]
    pages: list[Page]
    edits: dict[str, int] = field(default_factory=dict)  # path -> times edited

    def url(self, page: Page) -> str:
        return self.hosts[page.host] + page.path

    def link(self, talk: Talk) -> str:
        """The absolute URL of a talk's session page."""
        return f"{self.hosts[talk.index % len(self.hosts)]}/event/{talk.uid}/{talk.slug}"

    @property
    def start_url(self) -> str:
        return self.url(self.pages[0])

    @property
    def urls(self) -> list[str]:
        return [self.url(p) for p in self.pages]

    @property
    def follow(self) -> list[str]:
        """Glob patterns (config.toml `follow`) matching exactly the site's pages, not its /speaker/ links."""
        return [f"{host}{path}" for host in self.hosts
                for path in ("/event/*", "/list/*", "/all.ics", "/schedule.xml")]

    @property
    def follow_regex(self) -> str:
        """The same set of URLs as one regular expression (for Scrapy)."""
        hosts = "|".join(h.replace(".", r"\.") for h in self.hosts)
        return rf"^(?:{hosts})/(?:event/|list/|all\.ics$|schedule\.xml$)"

    def expected_sessions(self) -> int:
        """Sessions the pages hold in total (the post's picks included)."""
        return sum(len(p.talks) for p in self.pages)

    def render(self, page: Page) -> bytes:
        edit = self.edits.get(page.path, 0)
        shown = [self.talks[i] for i in page.talks]
        if shown and edit:
            shown[0] = shown[0].moved(edit)  # the organisers moved one session on this page
        if page.kind == "event":
            talk = shown[0]
            related = [self.talks[(talk.index + k * 7) % len(self.talks)] for k in range(1, RELATED + 1)]
            return sitepages.event_page(talk, related, self.link)
        if page.kind == "list":
            return sitepages.list_page(shown, self.link, title=f"Schedule, page {page.path.rsplit('-', 1)[-1]}")
        if page.kind == "full":
            return sitepages.list_page(shown, self.link, title=f"Full schedule {page.path.rsplit('/', 1)[-1]}",
                                       script_bytes=50_000)
        if page.kind == "ics":
            return sitepages.ics_feed(shown, self.link)
        if page.kind == "frab":
            return sitepages.frab_feed(shown, self.link)
        index = [(self.url(p), _label(p)) for p in self.pages if p.kind in ("list", "full", "ics", "frab")]
        return sitepages.post(shown, self.link, index)

    def file_of(self, root: Path, page: Page) -> Path:
        return root / page.path.lstrip("/")

    def write(self, root: Path, pages: list[Page] | None = None, *, mtime: int = BASE_MTIME) -> int:
        """Write ``pages`` (default: all) under ``root``; returns the bytes written."""
        total = 0
        root.mkdir(parents=True, exist_ok=True)
        robots = root / "robots.txt"
        if not robots.exists():
            robots.write_text("User-agent: *\nDisallow: /private/\n")
            os.utime(robots, (BASE_MTIME, BASE_MTIME))
        for page in self.pages if pages is None else pages:
            path = self.file_of(root, page)
            path.parent.mkdir(parents=True, exist_ok=True)
            data = self.render(page)
            path.write_bytes(data)
            os.utime(path, (mtime, mtime))
            total += len(data)
        return total

    def mutate(self, root: Path, round_number: int, fraction: float = 0.05) -> list[Page]:
        """Edit ``fraction`` of the pages (a seeded choice per round) and rewrite them with a new mtime."""
        rng = random.Random(round_number * 7919)
        chosen = rng.sample(self.pages, max(1, round(len(self.pages) * fraction)))
        for page in chosen:
            self.edits[page.path] = self.edits.get(page.path, 0) + 1
        self.write(root, chosen, mtime=BASE_MTIME + 3600 * round_number)
        return chosen

    def sizes(self) -> dict[str, list[int]]:
        """Body sizes by page kind, rendered now."""
        out: dict[str, list[int]] = {}
        for page in self.pages:
            out.setdefault(page.kind, []).append(len(self.render(page)))
        return out


def _label(page: Page) -> str:
    return {"ics": "iCalendar feed (all.ics)", "frab": "frab schedule.xml"}.get(
        page.kind, page.path.rsplit("/", 1)[-1].replace("-", " "))


def build(pages: int = 500, hosts: tuple[str, ...] = ("http://127.0.0.1:8000",), *, seed: int = 2026) -> Site:
    """The layout of a site of exactly ``pages`` pages (at least 20) over ``hosts``."""
    if pages < 20:
        raise ValueError("the benchmark site needs at least 20 pages")
    fulls = max(1, min(4, pages // 125))
    rest = pages - 3 - fulls  # the post and two feeds are fixed
    lists = rest // 5
    events = rest - lists
    talks = program(events, seed=seed)
    every = tuple(range(events))
    layout: list[Page] = [Page("/blog/2026/04/bench-summit-schedule-is-out", "post", 0,
                               tuple(range(0, events, max(1, events // PICKS)))[:PICKS])]
    layout += [Page(f"/list/descriptions/page-{i:03d}", "list", i % len(hosts),
                    tuple(sorted({(i * LIST_SIZE + j) % events for j in range(LIST_SIZE)}))) for i in range(lists)]
    orders = ("time", "venue", "type", "speaker")
    layout += [Page(f"/list/descriptions/by-{orders[k]}", "full", k % len(hosts), every[k:] + every[:k])
               for k in range(fulls)]
    layout += [Page(f"/event/{t.uid}/{t.slug}", "event", t.index % len(hosts), (t.index,)) for t in talks]
    layout += [Page("/all.ics", "ics", 0, every), Page("/schedule.xml", "frab", 0, every)]
    return Site(hosts, talks, layout)


def main() -> None:
    parser = argparse.ArgumentParser(description="Write the benchmark site as static files.")
    parser.add_argument("root", type=Path)
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--ports", default="8000", help="comma-separated loopback ports, one per host")
    args = parser.parse_args()
    hosts = tuple(f"http://127.0.0.1:{int(p)}" for p in args.ports.split(","))
    site = build(args.pages, hosts)
    total = site.write(args.root)
    print(f"{len(site.pages)} pages, {total / 1e6:.1f} MB under {args.root}; start at {site.start_url}")


if __name__ == "__main__":
    main()
