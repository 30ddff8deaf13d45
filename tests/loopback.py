"""A real HTTP server on 127.0.0.1 for tests: static files plus scripted routes.

Tests register routes (path -> handler) and read ``server.hits`` to assert how many
requests the server saw. Nothing here mocks requests: bytes cross a real socket.
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# A handler gets the request handler and returns nothing: it writes the response itself.
Route = Callable[[BaseHTTPRequestHandler], None]

MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".markdown": "text/markdown; charset=utf-8",
    ".ics": "text/calendar; charset=utf-8",
    ".xml": "application/xml",
    ".json": "application/json",
    ".csv": "text/csv; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}


@dataclass
class LoopbackServer:
    """A threaded HTTP server; ``routes`` win over files under ``root``."""

    root: Path | None = None
    routes: dict[str, Route] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)
    requests: list[dict[str, Any]] = field(default_factory=list)
    _httpd: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # How often serve_forever checks for shutdown: stop() waits up to this long.
    poll_interval: float = 0.05

    @property
    def port(self) -> int:
        assert self._httpd is not None
        return int(self._httpd.server_address[1])

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + (path if path.startswith("/") else "/" + path)

    def route(self, path: str) -> Callable[[Route], Route]:
        """Decorator registering a scripted route for an exact path (query ignored)."""

        def add(handler: Route) -> Route:
            self.routes[path] = handler
            return handler

        return add

    def add_page(self, path: str, body: bytes | str, content_type: str = "text/html; charset=utf-8",
                 headers: dict[str, str] | None = None, status: int = 200) -> None:
        """Serve fixed bytes at ``path``."""
        data = body.encode("utf-8") if isinstance(body, str) else body

        def handler(req: BaseHTTPRequestHandler) -> None:
            send(req, status, data, content_type, headers)

        self.routes[path] = handler

    def start(self) -> LoopbackServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                with server._lock:
                    server.hits[path] += 1
                    server.requests.append({"path": self.path, "headers": dict(self.headers)})
                handler = server.routes.get(path)
                if handler is not None:
                    handler(self)
                    return
                server._serve_file(self, path)

            def do_POST(self) -> None:
                self.do_GET()

            do_HEAD = do_GET

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(self.poll_interval,),
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def _serve_file(self, req: BaseHTTPRequestHandler, path: str) -> None:
        if self.root is None:
            send(req, 404, b"not found", "text/plain")
            return
        target = (self.root / path.lstrip("/")).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_relative_to(self.root.resolve()) or not target.is_file():
            send(req, 404, b"not found", "text/plain")
            return
        send(req, 200, target.read_bytes(), MEDIA_TYPES.get(target.suffix, "application/octet-stream"))

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def send(req: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str = "text/html; charset=utf-8",
         headers: dict[str, str] | None = None) -> None:
    """Write a complete response with Content-Length."""
    req.send_response(status)
    req.send_header("Content-Type", content_type)
    req.send_header("Content-Length", str(len(body)))
    for key, value in (headers or {}).items():
        req.send_header(key, value)
    req.end_headers()
    if req.command != "HEAD":
        req.wfile.write(body)


# --- misbehaving routes (raw socket behaviour for fetcher tests) ---------------------------------
# Each builder returns a Route. They write bytes by hand where a well-behaved server would not.


def reset_connection(req: BaseHTTPRequestHandler) -> None:
    """Abort the connection with a TCP RST (SO_LINGER 0) before any response byte."""
    import socket
    import struct

    req.close_connection = True
    req.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    req.rfile.close()  # the makefile() reference would keep the socket open; wfile holds none
    req.connection.close()


def close_mid_body(req: BaseHTTPRequestHandler, length: int = 1000, sent: int = 100) -> None:
    """Announce ``length`` bytes, send ``sent`` of them, then close."""
    req.close_connection = True
    req.send_response(200)
    req.send_header("Content-Type", "text/html; charset=utf-8")
    req.send_header("Content-Length", str(length))
    req.end_headers()
    req.wfile.write(b"x" * sent)
    req.wfile.flush()


def stall(seconds: float) -> Route:
    """Accept the request, then say nothing for ``seconds`` (past a client's read timeout)."""

    def handler(req: BaseHTTPRequestHandler) -> None:
        import time

        req.close_connection = True
        time.sleep(seconds)
        try:
            send(req, 200, b"too late", "text/plain")
        except OSError:
            pass

    return handler


def endless(total: int, *, content_length: bool, chunk: bytes = b"\0" * 65536,
            sent: list[int] | None = None, encoding: str | None = None,
            done: threading.Event | None = None) -> Route:
    """Stream ``total`` bytes made on the fly (never held in memory); stop when the client hangs up.

    ``sent`` (a one-item list) receives how many body bytes went out; ``done`` is set after.
    """

    def handler(req: BaseHTTPRequestHandler) -> None:
        req.close_connection = True
        req.send_response(200)
        req.send_header("Content-Type", "application/octet-stream")
        if content_length:
            req.send_header("Content-Length", str(total))
        if encoding:
            req.send_header("Content-Encoding", encoding)
        req.send_header("Connection", "close")
        req.end_headers()
        written = 0
        try:
            while written < total:
                piece = chunk[: total - written]
                req.wfile.write(piece)
                written += len(piece)
        except OSError:
            pass
        finally:
            if sent is not None:
                sent[0] = written
            if done is not None:
                done.set()

    return handler


@dataclass
class Recorder:
    """A route that answers 200 and records, server-side, when each request arrived, how many
    were in flight at once, and which client port (connection) carried it."""

    body: bytes = b"<p>ok</p>"
    sleep: float = 0.0
    times: list[float] = field(default_factory=list)
    ports: list[int] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, req: BaseHTTPRequestHandler) -> None:
        import time

        with self._lock:
            self.times.append(time.monotonic())
            self.ports.append(int(req.client_address[1]))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.sleep:
                time.sleep(self.sleep)
            send(req, 200, self.body)
        finally:
            with self._lock:
                self.in_flight -= 1

    def gaps(self) -> list[float]:
        """Seconds between consecutive request arrivals."""
        ordered = sorted(self.times)
        return [b - a for a, b in itertools.pairwise(ordered)]
