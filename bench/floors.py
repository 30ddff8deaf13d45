"""This machine's floors on the same site: how fast could any tool fetch, hash and compress it?

curl fetches every page of the served site with ``--parallel`` (one process, no parsing,
bodies to /dev/null): the network-and-server ceiling for pages/s. sha256 and zstd (at
the archive's level and at level 3) run over the same bytes: what content addressing
and body compression cost per MB at best. And the floor of a re-crawl through requests
(bench/requests_floor.py): conditional GETs alone, in a process of their own, through
requests and through urllib3 beneath it.
"""

from __future__ import annotations

import functools
import hashlib
import shutil
import sqlite3
import sys
from pathlib import Path

import zstandard

from archive.bodies import LEVEL
from bench.measure import best_rate, median_of, run_process
from bench.report import Row, fmt
from bench.sitegen import Site

SECTION = "floors"
PARALLEL = 16


def curl_rows(workdir: Path, site: Site, runs: int = 3) -> list[Row]:
    curl = shutil.which("curl")
    if curl is None:
        return [Row(SECTION, "curl --parallel", "curl not installed; skipped")]
    config = workdir / "curl.conf"
    config.write_text("".join(f'url = "{url}"\noutput = "/dev/null"\n' for url in site.urls))
    argv = [curl, "--parallel", "--parallel-max", str(PARALLEL), "--silent", "--show-error", "--fail",
            "--config", str(config)]
    results = [run_process(argv).check() for _ in range(runs)]
    wall = median_of([r.wall for r in results])
    version = run_process([curl, "--version"]).stdout.split("\n", 1)[0].split(" (", 1)[0]
    return [Row(SECTION, f"{version} --parallel-max {PARALLEL}, same {len(site.urls)} pages",
                f"{fmt(len(site.urls) / wall)} pages/s ({fmt(wall, 2)} s wall, "
                f"{fmt(median_of([r.cpu for r in results]), 2)} s CPU, {fmt(median_of([r.rss_mb for r in results]))} "
                "MiB peak RSS)")]


def requests_floor_rows(workdir: Path, db: Path, threads: int, first_crawl_rate: float, runs: int = 3) -> list[Row]:
    """Conditional GETs of every page schedarc archived in ``db``, through requests alone, then urllib3 alone.

    Beside each, that rate over schedarc's first-crawl rate: the most a re-crawl through
    that client could score on the "re-crawl / first crawl" measure on this machine.
    """
    with sqlite3.connect(db) as conn:
        pages = conn.execute("SELECT url, coalesce(etag, ''), coalesce(last_modified, '') FROM pages").fetchall()
    listing = workdir / "revalidate.tsv"
    listing.write_text("".join(f"{url}\t{etag}\t{modified}\n" for url, etag, modified in pages))
    rows = []
    for client, note in (("requests", "the re-crawl ratio's ceiling through requests"),
                         ("urllib3", "the ceiling below requests' layer")):
        argv = [sys.executable, "-m", "bench.requests_floor", str(listing), str(threads), client]
        results = [run_process(argv, cwd=Path(__file__).resolve().parents[1]).check() for _ in range(runs)]
        not_modified = results[-1].stdout.split()[0]
        wall = median_of([r.wall for r in results])
        rate = len(pages) / wall
        rows += [Row(SECTION, f"{client} alone: {len(pages)} conditional GETs, {threads} threads, keep-alive, "
                              "whole process",
                     f"{fmt(rate)} pages/s ({fmt(wall, 2)} s wall, {fmt(median_of([r.cpu for r in results]), 2)}"
                     f" s CPU, {fmt(median_of([r.rss_mb for r in results]))} MiB peak RSS), {not_modified} x 304"),
                 Row(SECTION, f"{client}-alone re-crawl / schedarc first crawl pages/s ({note})",
                     f"{rate / first_crawl_rate:.2f}x")]
    return rows


def _compress_all(packer: zstandard.ZstdCompressor, bodies: list[bytes]) -> list[bytes]:
    return [packer.compress(b) for b in bodies]


def hash_rows(site: Site) -> list[Row]:
    bodies = [site.render(page) for page in site.pages]
    mb = sum(len(b) for b in bodies) / 1e6
    rows = [Row(SECTION, f"sha256 over the site's {mb:.1f} MB",
                f"{fmt(best_rate(lambda: [hashlib.sha256(b).digest() for b in bodies], size=mb))} MB/s")]
    for level in sorted({LEVEL, 3}):
        packer = zstandard.ZstdCompressor(level=level)
        rate = best_rate(functools.partial(_compress_all, packer, bodies), size=mb)
        packed = sum(len(packer.compress(b)) for b in bodies) / 1e6
        note = " (the archive's level)" if level == LEVEL else ""
        rows.append(Row(SECTION, f"zstd level {level}{note}, page by page",
                        f"{fmt(rate)} MB/s, ratio {mb / packed:.2f}"))
    return rows


def rows(workdir: Path, site: Site) -> list[Row]:
    return curl_rows(workdir, site) + hash_rows(site)
