"""A fast loopback server for the benchmark site: nginx when installed, else threaded Python.

Either way the server runs in its own process on 127.0.0.1 (one port per simulated host),
so its CPU time is never counted against the crawler being measured. Both send ETag and
Last-Modified and answer If-None-Match / If-Modified-Since with 304, which is what
schedarc's re-crawl path relies on, and ``Cache-Control: max-age=0`` so that Scrapy's
RFC 2616 cache revalidates every page too. nginx is preferred (it is what a real site runs
and it costs the shared two cores least); CI needs nothing but Python.

``python -m bench.server ROOT PORT [PORT ...]`` runs the Python server in the foreground.
"""

from __future__ import annotations

import argparse
import email.utils
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

from bench.sitegen import Site, build

log = logging.getLogger(__name__)

_TYPES = {".ics": "text/calendar; charset=utf-8", ".xml": "application/xml", ".txt": "text/plain; charset=utf-8"}
_HTML = "text/html; charset=utf-8"


def free_ports(count: int) -> list[int]:
    """``count`` loopback ports free right now (the kernel picks them)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for sock in sockets:
            sock.close()


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)


def _nginx_conf(root: Path, ports: list[int], work: Path) -> str:
    listens = "\n".join(f"    listen 127.0.0.1:{port};" for port in ports)
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read a 0700 temp dir
    return f"""{user}worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {work}/body; proxy_temp_path {work}/proxy; fastcgi_temp_path {work}/fcgi;
  uwsgi_temp_path {work}/uwsgi; scgi_temp_path {work}/scgi;
  types {{ text/html html; text/calendar ics; application/xml xml; text/plain txt; }}
  default_type text/html;
  charset utf-8;
  charset_types text/html text/calendar text/plain;
  sendfile on; tcp_nopush on; tcp_nodelay on;
  keepalive_requests 1000000; keepalive_timeout 60s;
  open_file_cache max=10000 inactive=60s; open_file_cache_valid 0s;
  server {{
{listens}
    root {root};
    etag on;
    add_header Cache-Control max-age=0;
  }}
}}
"""


class SiteServer:
    """Serve ``root`` on ``ports`` in a child process; ``kind`` says which server runs."""

    def __init__(self, root: Path, ports: list[int], *, prefer: str = "auto") -> None:
        if prefer not in ("auto", "nginx", "python"):
            raise ValueError("prefer must be auto, nginx or python")
        self.root = root.resolve()
        self.ports = ports
        self.kind = "nginx" if prefer != "python" and nginx_binary() else "python"
        if prefer == "nginx" and self.kind != "nginx":
            raise RuntimeError("nginx is not installed (apt-get install -y nginx), or use --server python")
        self._process: subprocess.Popen[bytes] | None = None
        self._work: tempfile.TemporaryDirectory[str] | None = None

    @property
    def hosts(self) -> tuple[str, ...]:
        return tuple(f"http://127.0.0.1:{port}" for port in self.ports)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def version(self) -> str:
        if self.kind == "nginx":
            done = subprocess.run([str(nginx_binary()), "-v"], capture_output=True, text=True, check=False)
            return done.stderr.strip().replace("nginx version: ", "")
        return f"python {sys.version.split()[0]} ThreadingHTTPServer"

    def start(self) -> SiteServer:
        if self.kind == "nginx":
            self._work = tempfile.TemporaryDirectory(prefix="bench-nginx-")
            work = Path(self._work.name)
            conf = work / "nginx.conf"
            conf.write_text(_nginx_conf(self.root, self.ports, work))
            command = [str(nginx_binary()), "-p", str(work), "-c", str(conf), "-e", str(work / "error.log")]
        else:
            command = [sys.executable, "-m", "bench.server", str(self.root), *map(str, self.ports)]
        self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                         cwd=Path(__file__).resolve().parents[1])
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        pending = list(self.ports)
        while pending:
            assert self._process is not None
            if self._process.poll() is not None:
                error = self._process.stderr.read().decode(errors="replace") if self._process.stderr else ""
                raise RuntimeError(f"{self.kind} server exited at start: {error.strip()}")
            try:
                with socket.create_connection(("127.0.0.1", pending[0]), timeout=0.5):
                    pending.pop(0)
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"{self.kind} server did not listen on port {pending[0]}") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            # nginx: SIGQUIT is a graceful stop; the Python server exits on SIGTERM
            self._process.send_signal(signal.SIGQUIT if self.kind == "nginx" else signal.SIGTERM)
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
        if self._work is not None:
            self._work.cleanup()
            self._work = None

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


class _Cache:
    """Files in memory, reloaded when their mtime or size changes (the site is mutated between crawls)."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._lock = threading.Lock()
        self._files: dict[str, tuple[int, int, bytes, str, str, str]] = {}

    def get(self, path: str) -> tuple[bytes, str, str, str, float] | None:
        """(body, content type, etag, last-modified, mtime) or None."""
        target = (self.root / unquote(path).lstrip("/")).resolve()
        if self.root not in target.parents or not target.is_file():
            return None
        stat = target.stat()
        with self._lock:
            hit = self._files.get(path)
        if hit is None or hit[0] != stat.st_mtime_ns or hit[1] != stat.st_size:
            body = target.read_bytes()
            etag = f'"{int(stat.st_mtime):x}-{len(body):x}"'  # nginx's form
            modified = email.utils.formatdate(stat.st_mtime, usegmt=True)
            hit = (stat.st_mtime_ns, stat.st_size, body, _TYPES.get(target.suffix, _HTML), etag, modified)
            with self._lock:
                self._files[path] = hit
        return hit[2], hit[3], hit[4], hit[5], hit[0] / 1e9


def _not_modified(headers: Any, etag: str, mtime: float) -> bool:
    match = headers.get("If-None-Match")
    if match is not None:
        return etag in (tag.strip() for tag in match.split(",")) or match.strip() == "*"
    since = headers.get("If-Modified-Since")
    if since:
        try:
            return int(mtime) <= email.utils.parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError):
            return False
    return False


def python_server(root: Path, ports: list[int]) -> list[ThreadingHTTPServer]:
    """Start one threaded server per port (daemon threads); returns them for shutdown."""
    cache = _Cache(root)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            found = cache.get(urlsplit(self.path).path)
            if found is None:
                self._send(404, b"not found\n", "text/plain", {})
                return
            body, media, etag, modified, mtime = found
            validators = {"ETag": etag, "Last-Modified": modified, "Cache-Control": "max-age=0"}
            if _not_modified(self.headers, etag, mtime):
                self._send(304, b"", None, validators)
            else:
                self._send(200, body, media, validators)

        def _send(self, status: int, body: bytes, media: str | None, headers: dict[str, str]) -> None:
            self.send_response(status)
            if media:
                self.send_header("Content-Type", media)
            for key, value in headers.items():
                self.send_header(key, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body and self.command != "HEAD":
                self.wfile.write(body)

        do_HEAD = do_GET

    servers = []
    for port in ports:
        httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        httpd.daemon_threads = True
        httpd.request_queue_size = 128
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers.append(httpd)
    return servers


@contextmanager
def served_site(workdir: Path, pages: int, hosts: int = 4, *,
                prefer: str = "auto") -> Iterator[tuple[Site, SiteServer]]:
    """Generate a site of ``pages`` pages over ``hosts`` loopback ports under ``workdir`` and serve it."""
    ports = free_ports(hosts)
    site = build(pages, tuple(f"http://127.0.0.1:{port}" for port in ports))
    root = workdir / "site"
    site.write(root)
    with SiteServer(root, ports, prefer=prefer) as server:
        yield site, server


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve a directory on loopback ports (bench's Python server).")
    parser.add_argument("root", type=Path)
    parser.add_argument("ports", type=int, nargs="+")
    args = parser.parse_args()
    servers = python_server(args.root, args.ports)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(0.5):
        pass
    for httpd in servers:
        httpd.shutdown()


if __name__ == "__main__":
    main()
