"""`schedarc demo`: crawl the bundled conference site twice on 127.0.0.1 and show the changes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from archive import Archive
from scraper.config import Config, Target
from scraper.crawl import Crawl, CrawlSummary
from scraper.demo.program import EDITION_1, EDITION_2, EVENT, TIMEZONE
from scraper.demo.server import DemoServer
from scraper.demo.site import render
from scraper.fetch import FetchSettings
from scraper.output import describe_change, sessions_table

Echo = Callable[[str], None]

# Loopback and our own server: be quick, but still exercise robots.txt and pacing.
DEMO_FETCH = FetchSettings(timeout=10.0, retries=1, backoff=0.1, delay_per_host=0.02, concurrency_per_host=4,
                           workers=4, total_timeout=30.0)


def demo_target(base: str) -> Target:
    return Target(name="lakeside-summit-2026",
                  urls=(f"{base}/blog/our-talks-at-lakeside-summit.html", f"{base}/schedule/all.ics"),
                  timezone=TIMEZONE, follow=(f"{base}/schedule/event/*",), max_depth=1, max_pages=50)


def _crawl(archive: Archive, config: Config, target: Target, label: str) -> CrawlSummary:
    run_id = archive.start_run("demo", [label])
    summary = Crawl(archive, config, run_id=run_id).run([target])
    archive.finish_run(run_id, ok=summary.ok, counts=summary.counts())
    return summary


def run_demo(db_path: Path, out: Echo, err: Echo) -> bool:
    """Serve edition 1, crawl; publish edition 2, crawl again; print what the archive saw."""
    with DemoServer() as server, Archive(db_path) as archive:
        config = Config(source=None, archive_path=db_path, fetch=DEMO_FETCH)
        target = demo_target(server.base)
        err(f"demo: serving {EVENT} (fictional) at {server.base}, archive {db_path}")
        server.publish(render(EDITION_1, stamp="20260420T090000Z", base=server.base))
        first = _crawl(archive, config, target, "edition 1")
        _report(first, "first crawl", err)
        server.publish(render(EDITION_2, stamp="20260427T090000Z", base=server.base))
        second = _crawl(archive, config, target, "edition 2")
        _report(second, "second crawl, a week later", err)
        out(f"Sessions now in the archive ({EVENT}):")
        out(sessions_table(archive.sessions(page=target.urls[1])))
        out("")
        out("What changed between the two crawls:")
        # A talk seen on several pages (feed, event page) changes on each; say it once.
        for line in dict.fromkeys(describe_change(change) for change in second.changes):
            out(f"  {line}")
        stats = archive.stats()
    err("demo: " + ", ".join(f"{v} {k}" for k, v in stats.items()))
    err(f"demo: explore it: schedarc --db {db_path} sessions | changes | search lake | query 'select ...'")
    return first.ok and second.ok


def _report(summary: CrawlSummary, label: str, err: Echo) -> None:
    c = summary.counts()
    err(f"demo: {label}: {c['pages']} pages ({c['changed']} new or changed, {c['not_modified']} not modified, "
        f"{c['unchanged']} unchanged, {c['failed']} failed), {c['sessions_added']} sessions added, "
        f"{c['sessions_changed']} changed, {c['sessions_removed']} removed")
    for failure in summary.failures:
        err(f"demo:   failed: {failure.error}")
