"""Hostile responses for the loopback server: bombs, endless and dripping streams, loops,
and bodies built to hurt parsers. Every stream is made on the fly (never held whole) and
stops when the client hangs up; ``Tally`` records how many bytes went out.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from tests.loopback import Route, send

GIB = 1 << 30


@dataclass
class Tally:
    """Bytes a streaming route wrote before it stopped, and whether the client hung up."""

    sent: int = 0
    hung_up: bool = False
    done: threading.Event = field(default_factory=threading.Event)


def _stream(req: BaseHTTPRequestHandler, headers: dict[str, str], pieces: Iterable[bytes], tally: Tally) -> None:
    """Send 200 + ``headers``, then each piece until exhausted or the client hangs up."""
    req.close_connection = True
    try:
        req.send_response(200)
        for key, value in headers.items():
            req.send_header(key, value)
        req.send_header("Connection", "close")
        req.end_headers()
        for piece in pieces:
            req.wfile.write(piece)
            tally.sent += len(piece)
        req.wfile.flush()
    except OSError:
        tally.hung_up = True
    finally:
        tally.done.set()


def gzip_bomb(tally: Tally, *, total: int = GIB) -> Route:
    """``total`` bytes of zeros once inflated, sent as 16 MiB gzip members (~16 KB each)."""
    member = gzip.compress(b"\0" * (16 << 20), 9)

    def handler(req: BaseHTTPRequestHandler) -> None:
        count = total // (16 << 20)
        _stream(req, {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"},
                (member for _ in range(count)), tally)

    return handler


def declared(tally: Tally, *, total: int = GIB) -> Route:
    """A body announced with Content-Length ``total`` and streamed (zeros)."""
    chunk = b"<p>" + b"x" * 65533

    def handler(req: BaseHTTPRequestHandler) -> None:
        _stream(req, {"Content-Type": "text/html; charset=utf-8", "Content-Length": str(total)},
                (chunk for _ in range(total // len(chunk))), tally)

    return handler


def endless_chunked(tally: Tally, *, limit: int = 4 * GIB) -> Route:
    """Transfer-Encoding: chunked that never sends its last chunk (stops at ``limit``)."""
    data = b"<p>endless</p>" * 4096
    chunk = f"{len(data):x}\r\n".encode() + data + b"\r\n"

    def handler(req: BaseHTTPRequestHandler) -> None:
        _stream(req, {"Content-Type": "text/html; charset=utf-8", "Transfer-Encoding": "chunked"},
                (chunk for _ in range(limit // len(data))), tally)

    return handler


def drip(tally: Tally, *, where: str, every: float = 1.0, seconds: float = 120.0) -> Route:
    """One byte every ``every`` seconds, in the headers (``where="headers"``) or the body."""

    def handler(req: BaseHTTPRequestHandler) -> None:
        req.close_connection = True
        try:
            if where == "headers":
                req.wfile.write(b"HTTP/1.1 200 OK\r\n")
                payload = b"X-Slow: " + b"s" * 10_000 + b"\r\n\r\n"
            else:
                req.send_response(200)
                req.send_header("Content-Type", "text/html; charset=utf-8")
                req.send_header("Content-Length", "100000")
                req.end_headers()
                payload = b"<p>" + b"d" * 99_997
            req.wfile.flush()
            stop = time.monotonic() + seconds
            for byte in payload:
                if time.monotonic() > stop:
                    break
                req.wfile.write(bytes([byte]))
                req.wfile.flush()
                tally.sent += 1
                time.sleep(every)
        except OSError:
            tally.hung_up = True
        finally:
            tally.done.set()

    return handler


def redirect_loop(req: BaseHTTPRequestHandler) -> None:
    """302 to the same path with one more ?n: a loop a URL cache cannot spot."""
    n = int(req.path.rpartition("n=")[2] or 0) if "n=" in req.path else 0
    send(req, 302, b"", "text/plain", {"Location": f"/loop?n={n + 1}"})


def many_links(count: int = 10_000) -> bytes:
    items = "".join(f'<li><a href="/t?i={i}">talk {i}</a></li>' for i in range(count))
    return f"<html><body><h1>{count} links</h1><ul>{items}</ul></body></html>".encode()


def deep_html(depth: int = 100_000) -> bytes:
    return b"<html><body>" + b"<div>" * depth + b"<p>9:00 am Deep talk</p>" + b"</div>" * depth + b"</body></html>"


def deep_json(depth: int = 100_000) -> bytes:
    return b'{"schedule": ' + b"[" * depth + b"]" * depth + b"}"


def billion_laughs() -> bytes:
    entities = b"".join(b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, 10))
    return (b'<?xml version="1.0"?><!DOCTYPE schedule [<!ENTITY lol0 "lol">' + entities + b"]>"
            b"<schedule><conference><title>&lol9;</title></conference><day date='2026-05-12' index='1'>"
            b"<room name='A'><event guid='a' id='1'><date>2026-05-12T10:00:00+02:00</date><start>10:00</start>"
            b"<duration>00:30</duration><title>&lol9;</title></event></room></day></schedule>")


def external_entities(secret_path: str, probe_url: str) -> bytes:
    return (f'<?xml version="1.0"?><!DOCTYPE schedule [<!ENTITY file SYSTEM "file://{secret_path}">'
            f'<!ENTITY net SYSTEM "{probe_url}">]>'
            "<schedule><conference><title>XXE</title></conference><day date='2026-05-12' index='1'>"
            "<room name='A'><event guid='x' id='1'><date>2026-05-12T10:00:00+02:00</date><start>10:00</start>"
            "<duration>00:30</duration><title>&file;&net;</title><abstract>&file;</abstract></event></room></day>"
            "</schedule>").encode()


def malformed() -> dict[str, tuple[bytes, str]]:
    """Broken documents of each format: (body, content type)."""
    return {
        "html": (b"<html><body><table><tr><td>9:00 am<td><b><i>Talk</b></i><p><div></table></span>" * 2000
                 + b"<script>if (a < b) {</script><!-- unclosed", "text/html; charset=utf-8"),
        "xml": (b"<?xml version='1.0'?><schedule><day date='2026-05-12'><room name='A'><event guid='a'>"
                b"<title>Broken</title><start>10:00</room></day>", "application/xml"),
        "json": (b'{"schedule": {"conference": {"title": "Broken", "days": [{"date": "2026-05-12", "rooms": '
                 b'{"A": [{"guid": "a", "title": "T", "start": "10:00", "duration": "00:30"', "application/json"),
        "ics": (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART:2026XX12T100000Z\r\n"
                b"SUMMARY:Broken\r\nBEGIN:VEVENT\r\nEND:VCALENDAR\r\n", "text/calendar; charset=utf-8"),
    }


def invalid_utf8() -> bytes:
    return (b"<html><body><h1>Schedule \xff\xfe</h1><ul>"
            + b"".join(b"<li>May 12, %d:00 am: Talk \xc3\x28 caf\xe9 \xed\xa0\x80 %d</li>" % (9 + i % 8, i)
                       for i in range(200)) + b"</ul></body></html>")


def nul_bytes() -> bytes:
    return (b"<html><body>\0<h1>Schedule\0</h1>"
            + b"".join(b"<p>May 12, 10:00 am\0: Talk\0 %d</p>\0" % i for i in range(200)) + b"</body></html>")


def one_line(size: int = 10_000_000) -> bytes:
    unit = b"<span>May 12, 9:00 am Talk</span> "
    return b"<html><body>" + unit * (size // len(unit)) + b"</body></html>"
