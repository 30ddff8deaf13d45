"""End to end: `schedarc crawl` against the Scrapy spider on the same served site, whole processes.

Each tool runs as its own process, alternately, several times; the table gets the medians
of pages/s (pages fetched / process wall time, start-up included), CPU seconds and peak
RSS. schedarc runs with politeness off (no delay, 8 requests per host, 8 workers, no
robots.txt: Scrapy obeys none either). Then the unchanged site is crawled again: schedarc
with the archive of its last first crawl (conditional GETs, 304s, links re-read from
stored bodies), Scrapy with its RFC 2616 HTTP cache primed by one crawl (conditional
GETs, 304s, cached bodies parsed again).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import sys
from dataclasses import dataclass, field
from pathlib import Path

from bench.measure import Run, median_of, run_process
from bench.report import Row, fmt
from bench.sitedata import TIMEZONE
from bench.sitegen import Site

REPO = Path(__file__).resolve().parents[1]
SECTION = "end to end"
WORKERS = 8  # the product's default; Scrapy runs 8 in flight too (a sweep: 16 is no faster, 1.3 MiB larger)
SCRAPY_CONCURRENCY = 8


@dataclass
class Tally:
    """The runs of one tool in one mode, with what each run fetched and stored."""

    name: str
    runs: list[Run] = field(default_factory=list)
    pages: list[int] = field(default_factory=list)
    not_modified: list[int] = field(default_factory=list)
    sessions: int = 0

    def add(self, run: Run, pages: int, not_modified: int = 0) -> None:
        self.runs.append(run)
        self.pages.append(pages)
        self.not_modified.append(not_modified)

    @property
    def rate(self) -> float:
        return median_of([p / r.wall for p, r in zip(self.pages, self.runs, strict=True)])

    @property
    def cpu(self) -> float:
        return median_of([r.cpu for r in self.runs])

    @property
    def rss(self) -> float:
        return median_of([r.rss_mb for r in self.runs])

    @property
    def wall(self) -> float:
        return median_of([r.wall for r in self.runs])

    def summary(self) -> str:
        pages = int(median_of(self.pages))
        return (f"{fmt(self.rate)} pages/s ({pages} pages, {fmt(self.wall, 2)} s wall, {fmt(self.cpu, 2)} s CPU, "
                f"{fmt(self.rss)} MiB peak RSS)")


def schedarc_config(site: Site, db: Path, *, workers: int = WORKERS) -> str:
    follow = ", ".join(json.dumps(p) for p in site.follow)
    return f"""# bench: politeness off on loopback
[archive]
path = "{db}"

[fetch]
delay_per_host = 0.0
concurrency_per_host = {workers}
workers = {workers}
obey_robots = false
retries = 0

[[targets]]
name = "bench"
url = "{site.start_url}"
timezone = "{TIMEZONE}"
follow = [{follow}]
max_depth = 2
max_pages = {len(site.pages) + 10}
"""


def child_env() -> dict[str, str]:
    """The environment for measured processes: byte-code caching on, as on a user's machine."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def schedarc_repo() -> Path:
    """The checkout whose `scraper` package is measured (BENCH_SCHEDARC_REPO: compare another one)."""
    return Path(os.environ.get("BENCH_SCHEDARC_REPO") or REPO)


def schedarc_crawl(workdir: Path, site: Site, db: Path, *, workers: int = WORKERS) -> tuple[Run, int, int]:
    """One `schedarc crawl` process; (run, pages fetched, pages not modified) from the archive."""
    config = workdir / "schedarc.toml"
    config.write_text(schedarc_config(site, db, workers=workers))
    run = run_process([sys.executable, "-m", "scraper", "--config", str(config), "crawl", "-q"],
                      cwd=schedarc_repo(), env=child_env()).check()
    with sqlite3.connect(db) as conn:
        last = conn.execute("SELECT max(id) FROM runs").fetchone()[0]
        pages, not_modified = conn.execute(
            "SELECT count(*), coalesce(sum(not_modified), 0) FROM fetches WHERE run_id = ? AND status IS NOT NULL",
            (last,)).fetchone()
    return run, int(pages), int(not_modified)


def schedarc_sessions(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM sessions WHERE removed_at IS NULL").fetchone()[0])


def scrapy_crawl(site: Site, db: Path, *, cache: Path | None = None,
                 concurrency: int = SCRAPY_CONCURRENCY) -> tuple[Run, dict[str, int]]:
    argv = [sys.executable, "-m", "bench.scrapy_spider", site.start_url, "--allow", site.follow_regex,
            "--db", str(db), "--timezone", TIMEZONE, "--concurrency", str(concurrency)]
    if cache is not None:
        argv += ["--cache", str(cache)]
    run = run_process(argv, cwd=REPO, env=child_env()).check()
    counts: dict[str, int] = json.loads(run.stdout.strip().splitlines()[-1])
    return run, counts


def scrapy_sessions(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM sessions").fetchone()[0])


def _fresh(path: Path) -> Path:
    if path.is_dir():
        shutil.rmtree(path)
    for suffix in ("", "-wal", "-shm", ".lock"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


@dataclass
class Comparison:
    first: dict[str, Tally]
    again: dict[str, Tally]

    @property
    def ratio(self) -> float:
        return self.first["schedarc"].rate / self.first["scrapy"].rate

    def pair_ratios(self) -> list[float]:
        """schedarc/Scrapy pages/s of each alternating pair of first crawls: the spread this machine gives."""
        ours, theirs = self.first["schedarc"], self.first["scrapy"]
        return sorted((p / r.wall) / (q / s.wall)
                      for p, r, q, s in zip(ours.pages, ours.runs, theirs.pages, theirs.runs, strict=True))


def compare(workdir: Path, site: Site, *, runs: int = 3, recrawl_runs: int = 3) -> Comparison:
    """First crawls (alternating tools), then re-crawls of the unchanged site."""
    first = {"schedarc": Tally("schedarc"), "scrapy": Tally("scrapy")}
    again = {"schedarc": Tally("schedarc"), "scrapy": Tally("scrapy")}
    schedarc_db, scrapy_db = workdir / "schedarc.db", workdir / "scrapy.db"
    # Warm-up, not measured: byte-code caches written, files in the page cache.
    schedarc_crawl(workdir, site, _fresh(schedarc_db))
    scrapy_crawl(site, _fresh(scrapy_db))
    for _ in range(runs):
        run, pages, _nm = schedarc_crawl(workdir, site, _fresh(schedarc_db))
        first["schedarc"].add(run, pages)
        run, counts = scrapy_crawl(site, _fresh(scrapy_db))
        first["scrapy"].add(run, counts["pages"])
    first["schedarc"].sessions = schedarc_sessions(schedarc_db)
    first["scrapy"].sessions = scrapy_sessions(scrapy_db)
    cache = _fresh(workdir / "scrapy-cache")
    scrapy_crawl(site, _fresh(scrapy_db), cache=cache)  # primes the cache; not measured
    for _ in range(recrawl_runs):
        run, pages, not_modified = schedarc_crawl(workdir, site, schedarc_db)
        again["schedarc"].add(run, pages, not_modified)
        run, counts = scrapy_crawl(site, _fresh(scrapy_db), cache=cache)
        again["scrapy"].add(run, counts["pages"], counts["not_modified"])
    return Comparison(first, again)


def rows(result: Comparison, site: Site) -> list[Row]:
    first, again = result.first, result.again
    ours, theirs = first["schedarc"], first["scrapy"]
    rss_ratio = ours.rss / theirs.rss
    recrawl_ratio = again["schedarc"].rate / ours.rate
    expected = site.expected_sessions()
    return [
        Row(SECTION, f"schedarc crawl, {len(site.pages)} pages, {len(site.hosts)} hosts", ours.summary()),
        Row(SECTION, "Scrapy + parsel + sqlite-utils, same pages", theirs.summary()),
        Row(SECTION, "sessions stored (schedarc / Scrapy rows / on the pages)",
            f"{ours.sessions} / {theirs.sessions} / {expected}"),
        Row(SECTION, "schedarc/scrapy pages/s", f"{result.ratio:.2f}x", ">= 2.5x", result.ratio >= 2.5),
        Row(SECTION, "schedarc/scrapy pages/s, each alternating pair (low to high)",
            ", ".join(f"{r:.2f}x" for r in result.pair_ratios())),
        Row(SECTION, "schedarc/scrapy peak RSS", f"{rss_ratio:.2f}x", "<= 0.5x", rss_ratio <= 0.5),
        Row(SECTION, "schedarc/scrapy CPU seconds", f"{ours.cpu / theirs.cpu:.2f}x"),
        Row(SECTION, "schedarc re-crawl, unchanged site",
            again["schedarc"].summary() + f", {int(median_of(again['schedarc'].not_modified))} x 304"),
        Row(SECTION, "Scrapy re-crawl (RFC2616 cache, revalidating)",
            again["scrapy"].summary() + f", {int(median_of(again['scrapy'].not_modified))} x 304"),
        Row(SECTION, "schedarc re-crawl / first crawl pages/s", f"{recrawl_ratio:.2f}x", ">= 5x", recrawl_ratio >= 5),
    ]
