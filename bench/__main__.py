"""``python -m bench``: every benchmark, one table. ``python -m bench --quick``: the e2e comparison only.

The last line is always ``schedarc/scrapy pages/s ratio: X.XX`` (when the end-to-end
section ran), so scripts can pick it up.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from bench import archive, e2e, floors, parse
from bench.report import Row, misses, render
from bench.server import served_site

SECTIONS = ("e2e", "floors", "parse", "archive")
DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine(server: str) -> list[str]:
    """Lines describing where and with what the numbers were measured."""
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                 if line.startswith("model name")]
        cpu = names[0] if names else cpu
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split("MemTotal:", 1)[1].split()[0])
        memory = f", {kib / 2**20:.0f} GiB RAM"
    curl = shutil.which("curl")
    curl_version = subprocess.run([curl, "--version"], capture_output=True, text=True, check=False).stdout.split(
        " (", 1)[0] if curl else "no curl"
    packages = ", ".join(f"{name} {_version(name)}" for name in
                         ("schedarc", "scrapy", "parsel", "twisted", "lxml", "selectolax", "requests", "urllib3",
                          "sqlite-utils", "zstandard"))
    return [
        f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"machine: {platform.platform()}; {cpu}; {len(__import__('os').sched_getaffinity(0))} cores{memory}",
        f"python {platform.python_version()}; SQLite {sqlite3.sqlite_version}; server: {server}; {curl_version}",
        f"packages: {packages}",
    ]


def other_scripts() -> list[str]:
    """Output of the single-purpose scripts other helpers keep in bench/ (*_bench.py)."""
    out = []
    for script in sorted(Path(__file__).resolve().parent.glob("*_bench.py")):
        done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=False,
                              cwd=Path(__file__).resolve().parents[1])
        out += [f"## {script.name} (exit {done.returncode})", done.stdout.rstrip(), done.stderr.rstrip()[-2000:]]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="only the e2e comparison, smaller (under 3 minutes)")
    parser.add_argument("--pages", type=int, help="pages on the site (default 500; --quick 300)")
    parser.add_argument("--hosts", type=int, default=4, help="loopback ports the site is spread over")
    parser.add_argument("--runs", type=int, help="runs per tool for medians (default 5; --quick 3)")
    parser.add_argument("--server", choices=("auto", "nginx", "python"), default="auto",
                        help="site server: nginx if installed (auto), or the threaded Python server")
    parser.add_argument("--only", help=f"comma-separated sections: {','.join(SECTIONS)}")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="real files for the parse section")
    parser.add_argument("--sessions", type=int, default=archive.SESSIONS, help="sessions for the FTS bench")
    parser.add_argument("--results", type=Path, help="also write the machine lines and the table here (Markdown)")
    parser.add_argument("--scripts", action="store_true", help="also run bench/*_bench.py and print their output")
    args = parser.parse_args(argv)
    sections = ("e2e",) if args.quick else tuple(args.only.split(",")) if args.only else SECTIONS
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s) {', '.join(sorted(unknown))}; choose from {', '.join(SECTIONS)}")
    pages = args.pages or (300 if args.quick else 500)
    runs = args.runs or (3 if args.quick else 5)
    started = time.monotonic()
    rows: list[Row] = []
    ratio: float | None = None
    server_name = args.server
    with tempfile.TemporaryDirectory(prefix="schedarc-bench-") as tmp:
        workdir = Path(tmp)
        if "e2e" in sections or "floors" in sections:
            with served_site(workdir / "e2e", pages, args.hosts, prefer=args.server) as (site, server):
                server_name = f"{server.kind} ({server.version()})"
                print(f"bench: {len(site.pages)} pages on {len(site.hosts)} ports, {server_name}", file=sys.stderr)
                if "floors" in sections:
                    rows += floors.rows(workdir, site)
                if "e2e" in sections:
                    result = e2e.compare(workdir / "e2e", site, runs=runs, recrawl_runs=max(2, runs - 2))
                    rows += e2e.rows(result, site)
                    ratio = result.ratio
                    rows += floors.requests_floor_rows(workdir, workdir / "e2e" / "schedarc.db", e2e.WORKERS,
                                                       result.first["schedarc"].rate)
        if "parse" in sections:
            rows += parse.rows(args.corpus)
        if "archive" in sections:
            rows += archive.rows(workdir, pages, args.hosts, args.server, args.sessions)
    table = render(rows)
    header = [*machine(server_name), f"run: {' '.join(sys.argv[1:]) or '(full)'}; {time.monotonic() - started:.0f} s"]
    print("\n".join(header) + "\n\n" + table)
    missed = misses(rows)
    if missed:
        print("\nmissed targets: " + "; ".join(f"{r.name} ({r.value.split(';')[0]}, target {r.target})"
                                               for r in missed))
    if args.results:
        body = "\n".join(f"- {line}" for line in header)
        args.results.write_text(f"# schedarc benchmark results\n\n{body}\n\n{table}\n")
    if args.scripts:
        print("\n" + "\n".join(other_scripts()))
    if ratio is not None:
        print(f"schedarc/scrapy pages/s ratio: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
