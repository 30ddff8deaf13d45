"""Issue 6's crawl figure: 1,000 pages across 4 loopback hosts, polite and not.

Runs `schedarc crawl` as a whole process against 4 threaded servers (4 ports = 4 hosts),
each serving an index page that links 250 sched-style session pages, and prints pages/s,
CPU seconds and peak RSS of the crawl process.

    python -m bench.crawl_hosts            # politeness off, then default politeness (~4.5 min)
    python -m bench.crawl_hosts --fast     # politeness off only
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from scraper.demo.program import EDITION_1, Talk
from scraper.demo.site import event_page

HOSTS = 4
PER_HOST = 250


def site() -> dict[str, bytes]:
    pages: dict[str, bytes] = {}
    links = []
    for i in range(PER_HOST - 1):
        base = EDITION_1[i % len(EDITION_1)]
        talk = Talk(f"{i:06x}", f"{base.title} #{i}", base.speakers, base.day, base.start, base.end, base.room,
                    base.track, base.abstract * 250)
        pages[f"/schedule/event/{talk.uid}"] = event_page(talk)
        links.append(f'<li><a href="/schedule/event/{talk.uid}">{talk.title}</a></li>')
    pages["/index.html"] = f"<html><body><ul>{''.join(links)}</ul></body></html>".encode()
    pages["/robots.txt"] = b"User-agent: *\nAllow: /\n"
    return pages


def serve(pages: dict[str, bytes]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            body = pages.get(self.path.split("?")[0])
            status = 200 if body is not None else 404
            body = body if body is not None else b"not found"
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8" if status == 200 else "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    class Server(ThreadingHTTPServer):
        request_queue_size = 128
        daemon_threads = True

    httpd = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def config(ports: list[int], polite: bool, db: Path) -> str:
    fetch = "" if polite else "[fetch]\ndelay_per_host = 0.0\nconcurrency_per_host = 4\nworkers = 8\n"
    targets = "".join(
        f'\n[[targets]]\nname = "host{i}"\nurl = "http://127.0.0.1:{port}/index.html"\n'
        f'timezone = "America/Chicago"\nfollow = ["http://127.0.0.1:{port}/schedule/event/*"]\nmax_pages = 300\n'
        for i, port in enumerate(ports))
    return f'[archive]\npath = "{db}"\n{fetch}{targets}'


def crawl(ports: list[int], polite: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "config.toml"
        cfg.write_text(config(ports, polite, Path(tmp) / "bench.db"))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "scraper", "--config", str(cfg), "crawl", "--json", "-q"],
                              capture_output=True, text=True, check=False)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        summary = json.loads(done.stdout)
        pages = summary["counts"]["pages"]
        return {"pages": pages, "failed": summary["counts"]["failed"], "wall_s": wall, "pages_per_s": pages / wall,
                "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
                "peak_rss_mib": after.ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fast", action="store_true", help="politeness off only")
    args = parser.parse_args()
    pages = site()
    servers = [serve(pages) for _ in range(HOSTS)]
    ports = [int(s.server_address[1]) for s in servers]
    size = sum(len(b) for b in pages.values()) / len(pages)
    print(f"{HOSTS} hosts x {PER_HOST} pages ({size / 1024:.1f} KB average)", flush=True)
    modes = [False] if args.fast else [False, True]
    for polite in modes:
        result = crawl(ports, polite)
        label = "default politeness (1 s/host)" if polite else "politeness off"
        print(f"{label:32} {result['pages']:5.0f} pages  {result['failed']:.0f} failed  {result['wall_s']:7.1f} s  "
              f"{result['pages_per_s']:7.1f} pages/s  cpu {result['cpu_s']:5.1f} s  "
              f"peak RSS {result['peak_rss_mib']:.0f} MiB", flush=True)
    for server in servers:
        server.shutdown()


if __name__ == "__main__":
    main()
