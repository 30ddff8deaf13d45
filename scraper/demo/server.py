"""A tiny loopback web server for the demo: fixed pages, ETags, 304s, nothing else."""

from __future__ import annotations

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from scraper.demo.site import Pages


class DemoServer:
    """Serves ``pages`` on 127.0.0.1 at a free port until stopped; ``publish`` swaps editions."""

    def __init__(self) -> None:
        self._pages: Pages = {}
        self.requests = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the demo prints its own account

            def do_GET(self) -> None:
                owner.requests += 1
                found = owner._pages.get(urlsplit(self.path).path)
                if found is None:
                    self._reply(404, b"not found\n", "text/plain", None)
                    return
                body, content_type = found
                etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self._reply(304, b"", content_type, etag)
                else:
                    self._reply(200, body, content_type, etag)

            def _reply(self, status: int, body: bytes, content_type: str, etag: str | None) -> None:
                self.send_response(status)
                if status != 304:
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                else:
                    self.send_header("Content-Length", "0")
                if etag:
                    self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(body)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="demo-server", daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def publish(self, pages: Pages) -> None:
        self._pages = dict(pages)

    def __enter__(self) -> DemoServer:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
