"""The Fetcher against a scripted, misbehaving loopback server.

Every test asserts the outcome and how many requests the server saw. Waits are shrunk
through FetchSettings (backoff 0, small timeouts), never real minutes.
"""

from __future__ import annotations

import gzip
import logging
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler

import pytest

from scraper import __version__
from scraper.encoding import decode
from scraper.errors import ConfigError, PermanentFetchError, TransientFetchError
from scraper.fetch import DEFAULT_USER_AGENT, Fetcher, FetchRequest, FetchSettings
from tests.loopback import (
    LoopbackServer,
    Recorder,
    Route,
    close_mid_body,
    endless,
    reset_connection,
    send,
    stall,
)

GIB = 2**30


def quick(**overrides: object) -> FetchSettings:
    """Settings for tests: no backoff, no pacing, short timeouts."""
    base = FetchSettings(backoff=0.0, delay_per_host=0.0, timeout=5.0, max_retry_wait=5.0)
    return base.merged(overrides)


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as srv:  # no static root: robots.txt is a 404 unless a test adds one
        yield srv


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(quick()) as f:
        yield f


def failing(times: int, status: int = 503, headers: dict[str, str] | None = None,
            then: Route | None = None) -> Route:
    """Answer ``status`` the first ``times`` requests, then ``then`` (default: 200 'ok')."""
    count = [0]

    def handler(req: BaseHTTPRequestHandler) -> None:
        count[0] += 1
        if count[0] <= times:
            send(req, status, b"busy", "text/plain", headers)
        elif then is not None:
            then(req)
        else:
            send(req, 200, b"<p>ok</p>")

    return handler


def first(times: int, route: Route) -> Route:
    """``route`` for the first ``times`` requests, then 200 'ok'."""
    count = [0]

    def handler(req: BaseHTTPRequestHandler) -> None:
        count[0] += 1
        if count[0] <= times:
            route(req)
        else:
            send(req, 200, b"<p>ok</p>")

    return handler


# --- success ------------------------------------------------------------------------------------


def test_result_carries_the_exchange(server: LoopbackServer, fetcher: Fetcher) -> None:
    server.add_page("/page", "<p>hello</p>", headers={"ETag": '"v1"'})
    result = fetcher.fetch(server.url("/page"))
    assert (result.status, result.body, result.attempts) == (200, b"<p>hello</p>", 1)
    assert result.url == result.final_url == server.url("/page")
    assert result.header("etag") == '"v1"' and result.media_type == "text/html"
    assert result.fetched_at.tzinfo is not None and result.fetched_at.utcoffset() == timedelta(0)
    assert result.elapsed >= 0 and not result.not_modified and result.encoding == "utf-8"
    assert server.hits["/page"] == 1 and server.hits["/robots.txt"] == 1


def test_user_agent_names_schedarc_and_its_version(server: LoopbackServer, fetcher: Fetcher) -> None:
    server.add_page("/page", "ok")
    fetcher.fetch(server.url("/page"))
    fetcher.fetch(server.url("/page"), settings=quick(user_agent="otherbot/2.0"))
    agents = [r["headers"]["User-Agent"] for r in server.requests if r["path"] == "/page"]
    assert agents == [DEFAULT_USER_AGENT, "otherbot/2.0"]
    assert f"schedarc/{__version__} (+https://github.com/schedarc/schedarc)" == DEFAULT_USER_AGENT


def test_connections_are_kept_alive(server: LoopbackServer, fetcher: Fetcher) -> None:
    recorder = Recorder()
    server.routes["/page"] = recorder
    for _ in range(3):
        fetcher.fetch(server.url("/page"))
    assert server.hits["/page"] == 3
    assert len(set(recorder.ports)) == 1  # one TCP connection carried all three


# --- retries ------------------------------------------------------------------------------------


def test_503_twice_then_success_is_retried(server: LoopbackServer, fetcher: Fetcher) -> None:
    server.routes["/flaky"] = failing(2, 503)
    result = fetcher.fetch(server.url("/flaky"))
    assert (result.status, result.attempts) == (200, 3)
    assert server.hits["/flaky"] == 3


def test_gives_up_after_the_configured_retries(server: LoopbackServer) -> None:
    server.routes["/down"] = failing(99, 503)
    with Fetcher(quick(retries=2)) as f, pytest.raises(TransientFetchError) as info:
        f.fetch(server.url("/down"))
    assert (info.value.status, info.value.attempts, info.value.url) == (503, 3, server.url("/down"))
    assert "HTTP 503" in info.value.message and info.value.hint
    assert server.hits["/down"] == 3


@pytest.mark.parametrize("status", [408, 425, 429, 500, 502, 503, 504, 522, 524])
def test_every_transient_status_is_retried(server: LoopbackServer, fetcher: Fetcher, status: int) -> None:
    server.routes["/x"] = failing(1, status)
    assert fetcher.fetch(server.url("/x")).attempts == 2
    assert server.hits["/x"] == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 410, 418, 451, 501, 505])
def test_other_errors_are_not_retried(server: LoopbackServer, fetcher: Fetcher, status: int) -> None:
    server.routes["/x"] = failing(99, status)
    with pytest.raises(PermanentFetchError) as info:
        fetcher.fetch(server.url("/x"))
    assert (info.value.status, info.value.attempts) == (status, 1)
    assert server.hits["/x"] == 1


def test_each_retry_is_logged_with_reason_and_wait(server: LoopbackServer,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    server.routes["/flaky"] = failing(3, 503)
    with caplog.at_level(logging.INFO, logger="scraper.fetch"), Fetcher(quick(backoff=0.01)) as f:
        f.fetch(server.url("/flaky"))
    retries = [r for r in caplog.records if "retry" in r.getMessage()]
    assert [r.args[1] for r in retries] == [1, 2, 3]  # type: ignore[index]
    assert all("HTTP 503" in r.getMessage() for r in retries)
    # full jitter: each wait lies in [0, backoff * 2**(n-1)]
    waits = [float(r.args[3]) for r in retries]  # type: ignore[index,arg-type]
    assert all(0 <= w <= 0.01 * 2**n for n, w in enumerate(waits))
    assert server.hits["/flaky"] == 4


def test_retry_after_seconds_is_honoured(server: LoopbackServer, fetcher: Fetcher) -> None:
    recorder = Recorder()
    server.routes["/busy"] = failing(1, 429, {"Retry-After": "1"}, then=recorder)
    started = time.monotonic()
    assert fetcher.fetch(server.url("/busy")).attempts == 2
    assert recorder.times[0] - started >= 0.95
    assert server.hits["/busy"] == 2


def test_retry_after_http_date_is_honoured(server: LoopbackServer, fetcher: Fetcher) -> None:
    recorder = Recorder()
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=2), usegmt=True)
    server.routes["/busy"] = failing(1, 503, {"Retry-After": when}, then=recorder)
    started = time.monotonic()
    assert fetcher.fetch(server.url("/busy")).attempts == 2
    assert recorder.times[0] - started >= 0.9  # the date has one-second resolution
    assert server.hits["/busy"] == 2


@pytest.mark.parametrize("form", ["seconds", "date"])
def test_retry_after_beyond_the_cap_fails_saying_when_to_come_back(server: LoopbackServer, form: str) -> None:
    value = "120" if form == "seconds" else format_datetime(datetime.now(UTC) + timedelta(seconds=121),
                                                              usegmt=True)
    server.routes["/busy"] = failing(99, 429, {"Retry-After": value})
    with Fetcher(quick(max_retry_wait=5)) as f, pytest.raises(TransientFetchError) as info:
        f.fetch(server.url("/busy"))
    err = info.value
    assert err.retry_after is not None and 115 <= err.retry_after <= 121
    assert "come back in" in err.message and "max_retry_wait=5" in err.message
    assert err.hint is not None and err.hint.startswith("try again after 20")
    assert (err.attempts, server.hits["/busy"]) == (1, 1)


def test_retry_after_that_outlasts_the_budget_is_not_waited_for(server: LoopbackServer) -> None:
    server.routes["/busy"] = failing(99, 503, {"Retry-After": "3"})
    with Fetcher(quick(total_timeout=1.0)) as f, pytest.raises(TransientFetchError) as info:
        f.fetch(server.url("/busy"))
    # waiting 3 s would overrun the 1 s budget: no second request, no pointless wait
    assert info.value.retry_after == 3 and info.value.attempts == 1 and server.hits["/busy"] == 1


def test_connection_reset_is_retried(server: LoopbackServer) -> None:
    server.routes["/reset"] = reset_connection
    with Fetcher(quick(retries=2)) as f, pytest.raises(TransientFetchError) as info:
        f.fetch(server.url("/reset"))
    assert "reset" in info.value.message or "closed the connection" in info.value.message
    assert info.value.attempts == 3 and server.hits["/reset"] == 3


def test_reset_once_then_success(server: LoopbackServer, fetcher: Fetcher) -> None:
    server.routes["/reset"] = first(1, reset_connection)
    assert fetcher.fetch(server.url("/reset")).body == b"<p>ok</p>"
    assert server.hits["/reset"] == 2


def test_truncated_body_is_retried(server: LoopbackServer, fetcher: Fetcher) -> None:
    server.routes["/cut"] = first(1, close_mid_body)
    result = fetcher.fetch(server.url("/cut"))
    assert (result.body, result.attempts) == (b"<p>ok</p>", 2)
    assert server.hits["/cut"] == 2


def test_always_truncated_body_fails_as_transient(server: LoopbackServer) -> None:
    server.routes["/cut"] = close_mid_body
    with Fetcher(quick(retries=1)) as f, pytest.raises(TransientFetchError) as info:
        f.fetch(server.url("/cut"))
    assert "truncated" in info.value.message and server.hits["/cut"] == 2


def test_stall_past_the_read_timeout_is_retried(server: LoopbackServer) -> None:
    server.routes["/stall"] = stall(1.0)
    with Fetcher(quick(timeout=0.3, retries=1)) as f, pytest.raises(TransientFetchError) as info:
        f.fetch(server.url("/stall"))
    assert "timed out" in info.value.message
    assert info.value.attempts == 2 and server.hits["/stall"] == 2


def test_total_timeout_bounds_the_whole_fetch(server: LoopbackServer) -> None:
    server.routes["/stall"] = stall(1.0)
    with Fetcher(quick(timeout=0.3, retries=20, total_timeout=0.5)) as f, \
            pytest.raises(TransientFetchError) as info:
        f.fetch(server.url("/stall"))
    assert 1 <= info.value.attempts <= 3 and server.hits["/stall"] == info.value.attempts


def test_dead_host_fails_as_transient_after_retries() -> None:
    with LoopbackServer() as srv:
        url = srv.url("/gone")
    with Fetcher(quick(retries=1)) as f, pytest.raises(TransientFetchError) as info:
        f.fetch(url)  # nobody listens on that port any more
    assert "connection refused" in info.value.message and info.value.attempts == 2


# --- conditional GET ----------------------------------------------------------------------------


def conditional(req: BaseHTTPRequestHandler) -> None:
    validators = (req.headers.get("If-None-Match"), req.headers.get("If-Modified-Since"))
    if validators[0] == '"v1"' or validators[1] == "Tue, 01 Apr 2025":
        req.send_response(304)
        req.send_header("ETag", '"v1"')
        req.end_headers()
        return
    send(req, 200, b"<p>schedule</p>", headers={"ETag": '"v1"', "Last-Modified": "Tue, 01 Apr 2025"})


@pytest.mark.parametrize("validators", [{"etag": '"v1"'}, {"last_modified": "Tue, 01 Apr 2025"}])
def test_conditional_get_gives_not_modified(server: LoopbackServer, fetcher: Fetcher,
                                            validators: dict[str, str]) -> None:
    server.routes["/sched"] = conditional
    first_result = fetcher.fetch(server.url("/sched"))
    assert first_result.status == 200 and not first_result.not_modified
    again = fetcher.fetch(server.url("/sched"), etag=validators.get("etag"),
                          last_modified=validators.get("last_modified"))
    assert (again.status, again.not_modified, again.body, again.encoding) == (304, True, b"", None)
    sent = server.requests[-1]["headers"]
    assert sent.get("If-None-Match") == validators.get("etag")
    assert sent.get("If-Modified-Since") == validators.get("last_modified")
    assert server.hits["/sched"] == 2


# --- bounds -------------------------------------------------------------------------------------


def test_body_over_max_bytes_by_content_length_is_refused_unread(server: LoopbackServer) -> None:
    sent = [0]
    done = threading.Event()
    server.routes["/huge"] = endless(GIB, content_length=True, sent=sent, done=done)
    with Fetcher(quick(max_bytes=1_000_000)) as f, pytest.raises(PermanentFetchError) as info:
        f.fetch(server.url("/huge"))
    assert f"{GIB} bytes is over max_bytes=1000000" in info.value.message
    assert done.wait(10) and sent[0] < 64 * 2**20  # the server gave up: nobody read its gigabyte
    assert server.hits["/huge"] == 1


def test_streamed_gigabyte_stops_at_max_bytes(server: LoopbackServer) -> None:
    sent = [0]
    done = threading.Event()
    server.routes["/huge"] = endless(GIB, content_length=False, sent=sent, done=done)
    with Fetcher(quick(max_bytes=1_000_000, retries=3)) as f, pytest.raises(PermanentFetchError) as info:
        f.fetch(server.url("/huge"))
    assert "over max_bytes=1000000" in info.value.message and info.value.attempts == 1
    assert done.wait(10) and 1_000_000 <= sent[0] < 64 * 2**20
    assert server.hits["/huge"] == 1


def gzip_member(size: int) -> bytes:
    return gzip.compress(b"\0" * size, compresslevel=9)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """One gzip member of 64 MiB of zeros: about 64 KB on the wire."""
    return gzip_member(64 * 2**20)


def test_gzip_bomb_stops_at_max_bytes(server: LoopbackServer, bomb: bytes) -> None:
    server.add_page("/bomb", bomb, "text/html", headers={"Content-Encoding": "gzip"})
    with Fetcher(quick(max_bytes=1_000_000)) as f, pytest.raises(PermanentFetchError) as info:
        f.fetch(server.url("/bomb"))
    assert "over max_bytes=1000000 (decoded" in info.value.message
    assert len(bomb) < 100_000 and server.hits["/bomb"] == 1


def test_multi_member_gzip_bomb_of_a_gigabyte_stops_at_max_bytes(server: LoopbackServer) -> None:
    member = gzip_member(2**20)  # concatenated gzip members are one valid gzip stream
    sent = [0]
    server.routes["/bomb"] = endless(len(member) * 1024, content_length=True, chunk=member, sent=sent,
                                     encoding="gzip")
    with Fetcher(quick(max_bytes=5_000_000)) as f, pytest.raises(PermanentFetchError):
        f.fetch(server.url("/bomb"))
    assert server.hits["/bomb"] == 1


def test_deflate_bomb_stops_at_max_bytes(server: LoopbackServer) -> None:
    server.add_page("/bomb", zlib.compress(b"\0" * 32 * 2**20, 9), headers={"Content-Encoding": "deflate"})
    with Fetcher(quick(max_bytes=1_000_000)) as f, pytest.raises(PermanentFetchError):
        f.fetch(server.url("/bomb"))
    assert server.hits["/bomb"] == 1


def raw_deflate(data: bytes) -> bytes:
    obj = zlib.compressobj(wbits=-15)
    return obj.compress(data) + obj.flush()


@pytest.mark.parametrize("coding, encode", [("gzip", gzip.compress), ("deflate", zlib.compress),
                                            ("deflate", raw_deflate)])
def test_compressed_bodies_are_decoded(server: LoopbackServer, fetcher: Fetcher, coding: str,
                                       encode: Callable[[bytes], bytes]) -> None:
    page = b"<p>" + b"schedule " * 1000 + b"</p>"
    server.add_page("/z", encode(page), headers={"Content-Encoding": coding})
    assert fetcher.fetch(server.url("/z")).body == page
    assert server.hits["/z"] == 1


def test_max_bytes_is_inclusive(server: LoopbackServer) -> None:
    server.add_page("/exact", b"x" * 1000)
    server.add_page("/over", b"x" * 1001)
    with Fetcher(quick(max_bytes=1000)) as f:
        assert len(f.fetch(server.url("/exact")).body) == 1000
        with pytest.raises(PermanentFetchError):
            f.fetch(server.url("/over"))
    assert server.hits["/exact"] == server.hits["/over"] == 1


def test_unsupported_content_encoding_is_permanent(server: LoopbackServer, fetcher: Fetcher) -> None:
    server.add_page("/br", b"\x1b\x00\x00", headers={"Content-Encoding": "br"})
    with pytest.raises(PermanentFetchError) as info:
        fetcher.fetch(server.url("/br"))
    assert "Content-Encoding" in info.value.message and server.hits["/br"] == 1


def redirect(to: str, status: int = 302) -> Route:
    def handler(req: BaseHTTPRequestHandler) -> None:
        send(req, status, b"", "text/plain", {"Location": to})

    return handler


def test_redirects_are_followed_to_the_final_url(server: LoopbackServer, fetcher: Fetcher) -> None:
    server.routes["/old"] = redirect("/older", 301)
    server.routes["/older"] = redirect(server.url("/new"), 308)
    server.add_page("/new", "<p>here</p>")
    result = fetcher.fetch(server.url("/old"))
    assert (result.url, result.final_url) == (server.url("/old"), server.url("/new"))
    assert result.body == b"<p>here</p>"
    assert server.hits["/old"] == server.hits["/older"] == server.hits["/new"] == 1


def test_redirect_loop_stops_at_max_redirects(server: LoopbackServer) -> None:
    server.routes["/loop"] = redirect("/loop")
    with Fetcher(quick(max_redirects=3)) as f, pytest.raises(PermanentFetchError) as info:
        f.fetch(server.url("/loop"))
    assert "max_redirects=3" in info.value.message and info.value.attempts == 1
    assert server.hits["/loop"] == 4  # the first request and three redirects followed


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://127.0.0.1/x", "data:text/plain,hi"])
def test_redirect_to_another_scheme_is_refused(server: LoopbackServer, fetcher: Fetcher, target: str) -> None:
    server.routes["/trap"] = redirect(target)
    with pytest.raises(PermanentFetchError) as info:
        fetcher.fetch(server.url("/trap"))
    assert "unsupported URL scheme" in info.value.message and target in info.value.message
    assert server.hits["/trap"] == 1


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/x", "data:text/plain,hi",
                                 "example.org/schedule", "http:///nohost", "http://[::1/x", "http://h:99999/"])
def test_only_http_and_https_before_any_io(url: str) -> None:
    with Fetcher(quick()) as f:
        with pytest.raises(PermanentFetchError) as info:
            f.fetch(url)
        assert info.value.attempts == 0 and info.value.elapsed == 0 and info.value.hint
        with pytest.raises(PermanentFetchError):
            f.submit(FetchRequest(url)).result(timeout=5)


# --- encodings ----------------------------------------------------------------------------------


LATIN1_PAGE = ("<html><head><title>Programme</title></head><body><p>Café au lait à Zürich : première "
               "journée du congrès, ouverture à 9h, déjeuner à midi, clôture à 18h.</p></body></html>")


def test_latin1_page_without_charset_is_decoded(server: LoopbackServer, fetcher: Fetcher) -> None:
    server.add_page("/latin1", LATIN1_PAGE.encode("latin-1"), "text/html")
    result = fetcher.fetch(server.url("/latin1"))
    assert result.encoding == "cp1252" and result.body == LATIN1_PAGE.encode("latin-1")  # raw bytes kept
    assert decode(result.body, result.header("content-type"))[0] == LATIN1_PAGE
    assert server.hits["/latin1"] == 1


def test_utf8_bom_page_without_charset_is_decoded(server: LoopbackServer, fetcher: Fetcher) -> None:
    page = "<p>Zażółć gęślą jaźń — 東京</p>"
    server.add_page("/bom", b"\xef\xbb\xbf" + page.encode("utf-8"), "text/html")
    result = fetcher.fetch(server.url("/bom"))
    assert result.encoding == "utf-8" and result.body.startswith(b"\xef\xbb\xbf")
    assert decode(result.body, result.header("content-type")) == (page, "utf-8")
    assert server.hits["/bom"] == 1


# --- settings -----------------------------------------------------------------------------------


def test_settings_merge_overrides_and_refuse_unknown_keys() -> None:
    base = FetchSettings()
    merged = base.merged({"timeout": 5, "obey_robots": False, "user_agent": "x/1"})
    assert (merged.timeout, merged.obey_robots, merged.agent) == (5.0, False, "x/1")
    assert isinstance(merged.timeout, float) and base.timeout == 30.0 and base.agent == DEFAULT_USER_AGENT
    with pytest.raises(ConfigError, match="unknown fetch setting"):
        base.merged({"timeuot": 5})
    for bad in ({"retries": -1}, {"workers": 0}, {"timeout": "fast"}, {"obey_robots": 1}, {"retries": 2.5},
                {"timeout": 0}, {"max_bytes": 0}):
        with pytest.raises(ConfigError):
            base.merged(bad)


def test_cookies_a_site_sets_are_sent_back_and_headers_are_ours(server: LoopbackServer, fetcher: Fetcher) -> None:
    """A consent or session cookie set by the first response goes with the next request."""
    def set_cookie(req: BaseHTTPRequestHandler) -> None:
        send(req, 200, b"<p>welcome</p>", headers={"Set-Cookie": "consent=yes; Path=/"})

    server.routes["/first"] = set_cookie
    server.add_page("/second", "<p>schedule</p>")
    fetcher.fetch(server.url("/first"))
    fetcher.fetch(server.url("/second"))
    first, second = server.requests[-2]["headers"], server.requests[-1]["headers"]
    assert "Cookie" not in first and second.get("Cookie") == "consent=yes"
    assert second["User-Agent"] == DEFAULT_USER_AGENT and "gzip" in second["Accept-Encoding"]
