"""Fetcher numbers: crawl wall time with and without pacing, peak memory refusing huge bodies.

    .venv/bin/python bench/fetch_bench.py             # paced crawl measured on 20 pages, extrapolated
    .venv/bin/python bench/fetch_bench.py --paced 100 # the full 100 pages (about 100 s)

Everything runs against a loopback server in this process; each peak-RSS figure comes from a
fresh child process (VmHWM from /proc/self/status, or ru_maxrss elsewhere) so the server's
memory and earlier runs do not count.
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import socket
import subprocess
import sys
import time
import zlib
from http.server import BaseHTTPRequestHandler
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scraper.errors import FetchError  # noqa: E402
from scraper.fetch import Fetcher, FetchRequest, FetchSettings  # noqa: E402
from tests.loopback import LoopbackServer, endless, send  # noqa: E402

GIB = 2**30
PAGE = (b"<html><body>" + b"<div class='session'><a href='/event/x'>A talk</a> 10:00 Room A</div>\n" * 440
        + b"</body></html>")  # ~31 KB, the size of a typical schedule page


def peak_rss_kib() -> int:
    """This process's peak resident set size in KiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def page(req: BaseHTTPRequestHandler) -> None:
    # http.server writes headers and body separately; without NODELAY, Nagle plus delayed
    # ACKs add 40 ms per response, which is the test server's cost, not the fetcher's.
    req.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    send(req, 200, PAGE)


def start_server() -> LoopbackServer:
    server = LoopbackServer()
    server.start()
    assert server._httpd is not None
    server._httpd.socket.listen(128)  # the default backlog of 5 drops SYNs under 8 parallel connects
    server.routes["/page"] = page
    server.add_page("/small", "<p>warm-up</p>")
    server.routes["/huge"] = endless(GIB, content_length=False)
    server.routes["/huge-declared"] = endless(GIB, content_length=True)
    member = gzip.compress(b"\0" * 2**20, 9)
    server.routes["/gzip-bomb"] = endless(len(member) * 1024, content_length=True, chunk=member,
                                          encoding="gzip")
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # one gzip member of 1 GiB of zeros
    zeros = b"\0" * 2**20
    single = b"".join([*(compressor.compress(zeros) for _ in range(1024)), compressor.flush()])
    server.add_page("/gzip-bomb-single", single, "text/html", headers={"Content-Encoding": "gzip"})
    return server


def crawl(server: LoopbackServer, pages: int, settings: FetchSettings) -> float:
    """Seconds to fetch ``pages`` distinct URLs of one host through submit()."""
    started = time.monotonic()
    with Fetcher(settings) as fetcher:
        futures = [fetcher.submit(FetchRequest(server.url(f"/page?n={i}"))) for i in range(pages)]
        for future in futures:
            assert future.result().status == 200
    return time.monotonic() - started


def child(url: str, max_bytes: int) -> None:
    """Run in a fresh process: refuse ``url`` and print peak RSS before and after, in KiB."""
    with Fetcher(FetchSettings(max_bytes=max_bytes, delay_per_host=0.0, obey_robots=False)) as fetcher:
        fetcher.fetch(url.rsplit("/", 1)[0] + "/small")  # imports and pools warmed up
        before = peak_rss_kib()
        started = time.monotonic()
        try:
            fetcher.fetch(url)
            outcome = "fetched?!"
        except FetchError as exc:
            outcome = f"{type(exc).__name__}: {exc.message.split(': ', 1)[-1]}"
        print(json.dumps({"before": before, "after": peak_rss_kib(), "outcome": outcome,
                          "seconds": time.monotonic() - started}))


def rss(url: str, max_bytes: int) -> dict[str, object]:
    out = subprocess.run([sys.executable, __file__, "--child", url, str(max_bytes)], check=True,
                         capture_output=True, text=True, timeout=300).stdout
    result: dict[str, object] = json.loads(out)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--paced", type=int, default=20, help="pages for the paced crawl (default 20)")
    parser.add_argument("--pages", type=int, default=100, help="pages for the unpaced crawl (default 100)")
    parser.add_argument("--child", nargs=2, metavar=("URL", "MAX_BYTES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]))
        return
    server = start_server()
    try:
        print(f"page size {len(PAGE)} bytes, one loopback host, robots.txt a 404")
        paced = crawl(server, args.paced, FetchSettings())
        note = "" if args.paced == 100 else f" -> {paced / args.paced * 100:.1f} s per 100 pages (extrapolated)"
        print(f"default pacing (delay_per_host=1.0, concurrency 1): {args.paced} pages in {paced:.2f} s{note}")
        unpaced = crawl(server, args.pages, FetchSettings(delay_per_host=0.0, concurrency_per_host=8, workers=8))
        print(f"pacing off (delay 0, concurrency 8, workers 8): {args.pages} pages in {unpaced:.2f} s "
              f"({args.pages / unpaced:.0f} pages/s)")
        for path, max_bytes in (("/huge", 20_000_000), ("/huge-declared", 20_000_000),
                                ("/gzip-bomb", 20_000_000), ("/gzip-bomb-single", 20_000_000),
                                ("/gzip-bomb-single", 5_000_000)):
            r = rss(server.url(path), max_bytes)
            before, after = int(r["before"]), int(r["after"])  # type: ignore[call-overload]
            print(f"refusing {path} (1 GiB) with max_bytes={max_bytes}: peak RSS {after / 1024:.1f} MiB "
                  f"(+{(after - before) / 1024:.1f} MiB over the warmed-up fetcher), "
                  f"{float(r['seconds']):.2f} s, {r['outcome']}")  # type: ignore[arg-type]
    finally:
        server.stop()


if __name__ == "__main__":
    main()
