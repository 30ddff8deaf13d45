"""Politeness: robots.txt, per-host pacing and the dispatcher, alone and through the Fetcher.

Spacing is asserted as a lower bound measured on the server (a polite client is never
early); nothing asserts that something is fast.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import wait
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

import pytest

from scraper.errors import PermanentFetchError
from scraper.fetch import Fetcher, FetchRequest, FetchSettings
from scraper.politeness import Dispatcher, Pacer, RobotsCache, RobotsRules, Slot, host_key, origin_of
from tests.loopback import LoopbackServer, Recorder, reset_connection, send

UA = "schedarc/1.0 (+https://github.com/schedarc/schedarc)"
# Arrival times are taken on the server, after scheduling jitter that can shorten one gap a
# little; an impolite client would show gaps near zero, so a generous slack still discriminates.
SLACK = 0.75


def quick(**overrides: object) -> FetchSettings:
    return FetchSettings(backoff=0.0, delay_per_host=0.0, timeout=5.0, max_retry_wait=5.0).merged(overrides)


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as srv:
        yield srv


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


# --- keys ---------------------------------------------------------------------------------------


def test_host_key_and_origin() -> None:
    assert host_key(urlsplit("https://Example.org/a")) == "example.org:443"
    assert host_key(urlsplit("http://example.org:8080/a")) == "example.org:8080"
    assert origin_of(urlsplit("https://user:pw@Example.org:8443/x?y")) == "https://example.org:8443"


# --- Pacer --------------------------------------------------------------------------------------


def test_pacer_spaces_request_starts_by_the_delay() -> None:
    clock = Clock()
    pacer = Pacer(clock)
    slot = pacer.try_acquire("h:80", 2.0, 4)
    assert isinstance(slot, Slot)
    pacer.release(slot)
    assert pacer.try_acquire("h:80", 2.0, 4) == 2.0
    clock.now += 1.5
    assert pacer.try_acquire("h:80", 2.0, 4) == pytest.approx(0.5)
    clock.now += 0.5
    assert isinstance(pacer.try_acquire("h:80", 2.0, 4), Slot)
    assert isinstance(pacer.try_acquire("other:80", 2.0, 4), Slot)  # hosts are independent


def test_pacer_caps_requests_in_flight_per_host() -> None:
    pacer = Pacer(Clock())
    first, second = pacer.try_acquire("h:80", 0.0, 2), pacer.try_acquire("h:80", 0.0, 2)
    assert isinstance(first, Slot) and isinstance(second, Slot)
    assert pacer.try_acquire("h:80", 0.0, 2) == math.inf
    pacer.release(first)
    assert isinstance(pacer.try_acquire("h:80", 0.0, 2), Slot)


def test_unused_slot_costs_no_delay() -> None:
    pacer = Pacer(Clock())
    slot = pacer.try_acquire("h:80", 5.0, 1)
    assert isinstance(slot, Slot)
    pacer.release(slot, used=False)
    assert isinstance(pacer.try_acquire("h:80", 5.0, 1), Slot)


def test_crawl_delay_floor_and_retry_after_hold() -> None:
    clock = Clock()
    pacer = Pacer(clock)
    pacer.set_floor("h:80", 3.0)
    assert pacer.delay_for("h:80", 1.0) == 3.0 and pacer.delay_for("h:80", 5.0) == 5.0
    slot = pacer.try_acquire("h:80", 1.0, 1)
    assert isinstance(slot, Slot)
    pacer.release(slot)
    assert pacer.try_acquire("h:80", 1.0, 1) == 3.0
    pacer.hold("g:80", 10.0)
    assert pacer.try_acquire("g:80", 0.0, 1) == 10.0


def test_blocked_acquire_gives_up_at_its_deadline_and_on_close() -> None:
    pacer = Pacer()
    held = pacer.acquire("h:80", 0.0, 1)
    assert held is not None
    assert pacer.acquire("h:80", 0.0, 1, deadline=time.monotonic() + 0.05) is None
    result: list[Slot | None] = []
    waiter = threading.Thread(target=lambda: result.append(pacer.acquire("h:80", 0.0, 1)))
    waiter.start()
    time.sleep(0.05)
    pacer.close()
    waiter.join(5)
    assert result == [None]


# --- robots.txt ---------------------------------------------------------------------------------


def test_robots_rules_from_responses(caplog: pytest.LogCaptureFixture) -> None:
    text = b"User-agent: *\nDisallow: /private\nCrawl-delay: 2\n\nUser-agent: schedarc\nDisallow: /drafts\n"
    rules = RobotsRules.from_response("http://h", 200, text)
    assert rules.allows("http://h/public", "otherbot") and not rules.allows("http://h/private/x", "otherbot")
    assert not rules.allows("http://h/drafts/1", UA) and rules.allows("http://h/private/x", UA)  # our group
    assert rules.crawl_delay("otherbot") == 2.0 and rules.crawl_delay(UA) is None
    with caplog.at_level(logging.INFO, logger="scraper.politeness"):
        for status in (404, 401, 403, 500, 503):
            assert RobotsRules.from_response("http://h", status, b"User-agent: *\nDisallow: /").allows(
                "http://h/x", UA)
    warned = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 2 and all("robots.txt" in r.getMessage() for r in warned)


def test_robots_cache_loads_each_origin_once_under_contention() -> None:
    cache = RobotsCache()
    calls: list[str] = []

    def load(origin: str) -> RobotsRules:
        calls.append(origin)
        time.sleep(0.05)
        return RobotsRules(origin, None, "test")

    threads = [threading.Thread(target=cache.rules, args=("http://a", load)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    cache.rules("http://b", load)
    assert calls == ["http://a", "http://b"]
    assert cache.known("http://a") is not None and cache.known("http://c") is None


def test_robots_cache_retries_a_loader_that_crashed() -> None:
    cache = RobotsCache()

    def broken(origin: str) -> RobotsRules:
        raise RuntimeError("bug")

    with pytest.raises(RuntimeError):
        cache.rules("http://a", broken)
    assert cache.rules("http://a", lambda o: RobotsRules(o, None, "ok")).reason == "ok"


ROBOTS = "User-agent: *\nDisallow: /private\n"


def test_disallowed_url_is_never_requested(server: LoopbackServer) -> None:
    server.add_page("/robots.txt", ROBOTS, "text/plain")
    server.add_page("/public", "<p>ok</p>")
    server.add_page("/private/page", "<p>secret</p>")
    with Fetcher(quick()) as f:
        with pytest.raises(PermanentFetchError) as info:
            f.fetch(server.url("/private/page"))
        f.fetch(server.url("/public"))
        f.fetch(server.url("/public"))
    assert "robots.txt" in info.value.message and info.value.hint and "obey_robots" in info.value.hint
    assert server.hits["/private/page"] == 0 and server.hits["/public"] == 2
    assert server.hits["/robots.txt"] == 1  # once per host per Fetcher


def test_obey_robots_false_skips_robots_entirely(server: LoopbackServer) -> None:
    server.add_page("/robots.txt", ROBOTS, "text/plain")
    server.add_page("/private/page", "<p>secret</p>")
    with Fetcher(quick(obey_robots=False)) as f:
        assert f.fetch(server.url("/private/page")).status == 200
    assert server.hits["/private/page"] == 1 and server.hits["/robots.txt"] == 0


def test_redirect_into_a_disallowed_path_is_refused(server: LoopbackServer) -> None:
    server.add_page("/robots.txt", ROBOTS, "text/plain")
    server.add_page("/go", b"", headers={"Location": "/private/page"}, status=302)
    with Fetcher(quick()) as f, pytest.raises(PermanentFetchError, match=r"robots\.txt"):
        f.fetch(server.url("/go"))
    assert server.hits["/go"] == 1 and server.hits["/private/page"] == 0


@pytest.mark.parametrize("status", [404, 500])
def test_missing_or_failing_robots_allows_all(server: LoopbackServer, status: int,
                                              caplog: pytest.LogCaptureFixture) -> None:
    server.add_page("/robots.txt", "User-agent: *\nDisallow: /", "text/plain", status=status)
    server.add_page("/page", "<p>ok</p>")
    with caplog.at_level(logging.INFO), Fetcher(quick()) as f:
        assert f.fetch(server.url("/page")).status == 200
    assert server.hits["/robots.txt"] == 1 and server.hits["/page"] == 1
    if status == 500:
        assert any(r.levelno == logging.WARNING and "robots.txt" in r.getMessage() for r in caplog.records)


def test_unreachable_robots_allows_all_and_says_so(server: LoopbackServer,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    server.routes["/robots.txt"] = reset_connection
    server.add_page("/page", "<p>ok</p>")
    with caplog.at_level(logging.INFO), Fetcher(quick(retries=3)) as f:
        assert f.fetch(server.url("/page")).status == 200
    assert server.hits["/robots.txt"] == 1 and server.hits["/page"] == 1  # robots.txt is not retried
    assert any("unreachable" in r.getMessage() for r in caplog.records)


def test_crawl_delay_is_a_floor_under_delay_per_host(server: LoopbackServer) -> None:
    server.add_page("/robots.txt", "User-agent: *\nCrawl-delay: 0.3\n", "text/plain")
    recorder = Recorder()
    server.routes["/page"] = recorder
    with Fetcher(quick(delay_per_host=0.0)) as f:
        for _ in range(3):
            f.fetch(server.url("/page"))
    assert server.hits["/page"] == 3 and server.hits["/robots.txt"] == 1
    assert all(gap >= 0.3 * SLACK for gap in recorder.gaps())


def test_huge_crawl_delay_is_capped_by_max_retry_wait(server: LoopbackServer,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    server.add_page("/robots.txt", "User-agent: *\nCrawl-delay: 86400\n", "text/plain")
    recorder = Recorder()
    server.routes["/page"] = recorder
    with caplog.at_level(logging.WARNING), Fetcher(quick(max_retry_wait=0.3, total_timeout=0.2)) as f:
        for _ in range(2):
            assert f.fetch(server.url("/page")).status == 200  # the budget starts after robots.txt
    assert server.hits["/page"] == 2 and all(gap >= 0.3 * SLACK for gap in recorder.gaps())
    assert any("Crawl-delay 86400" in r.getMessage() for r in caplog.records)


def test_robots_is_fetched_once_by_concurrent_requests(server: LoopbackServer) -> None:
    server.add_page("/robots.txt", ROBOTS, "text/plain")
    server.routes["/page"] = Recorder(sleep=0.05)
    with Fetcher(quick(concurrency_per_host=4)) as f:  # the test server's listen backlog is 5
        futures = [f.submit(FetchRequest(server.url("/page"))) for _ in range(8)]
        assert all(fut.result(10).status == 200 for fut in futures)
    assert server.hits["/robots.txt"] == 1 and server.hits["/page"] == 8


# --- pacing through the Fetcher -----------------------------------------------------------------


def test_submitted_requests_to_one_host_are_spaced(server: LoopbackServer) -> None:
    recorder = Recorder()
    server.routes["/page"] = recorder
    with Fetcher(quick(delay_per_host=0.2, workers=4)) as f:
        futures = [f.submit(FetchRequest(server.url("/page"), tag=i)) for i in range(4)]
        assert [fut.result(10).status for fut in futures] == [200] * 4
    assert server.hits["/page"] == 4 and recorder.max_in_flight == 1
    assert all(gap >= 0.2 * SLACK for gap in recorder.gaps())


def test_synchronous_fetches_are_paced_too(server: LoopbackServer) -> None:
    recorder = Recorder()
    server.routes["/page"] = recorder
    with Fetcher(quick(delay_per_host=0.2)) as f:
        for _ in range(3):
            f.fetch(server.url("/page"))
    assert server.hits["/page"] == 3 and all(gap >= 0.2 * SLACK for gap in recorder.gaps())


def test_concurrency_per_host_caps_requests_in_flight(server: LoopbackServer) -> None:
    recorder = Recorder(sleep=0.3)
    server.routes["/slow"] = recorder
    with Fetcher(quick(concurrency_per_host=2, workers=8)) as f:
        wait([f.submit(FetchRequest(server.url("/slow"))) for _ in range(6)], timeout=10)
    assert server.hits["/slow"] == 6 and recorder.max_in_flight == 2


def test_a_backlog_on_one_host_does_not_starve_another() -> None:
    order: list[str] = []
    lock = threading.Lock()

    def logged(name: str) -> object:
        def handler(req: BaseHTTPRequestHandler) -> None:
            with lock:
                order.append(name)
            send(req, 200, b"<p>ok</p>")

        return handler

    with LoopbackServer() as busy, LoopbackServer() as other:
        busy.routes["/page"] = logged("busy")  # type: ignore[assignment]
        other.routes["/page"] = logged("other")  # type: ignore[assignment]
        # Two workers, a polite 0.3 s per host: a naive pool would give both workers to the backlog.
        with Fetcher(quick(delay_per_host=0.3, workers=2)) as f:
            backlog = [f.submit(FetchRequest(busy.url("/page"))) for _ in range(5)]
            lone = f.submit(FetchRequest(other.url("/page")))
            assert lone.result(10).status == 200
            wait(backlog, timeout=10)
        assert busy.hits["/page"] == 5 and other.hits["/page"] == 1
    assert order.index("other") <= 1  # served at once, not after the backlog


def test_close_cancels_queued_requests(server: LoopbackServer) -> None:
    server.add_page("/page", "<p>ok</p>")
    f = Fetcher(quick(delay_per_host=30.0, obey_robots=False))  # robots.txt would take the first turn
    futures = [f.submit(FetchRequest(server.url("/page"))) for _ in range(3)]
    assert futures[0].result(10).status == 200
    f.close()
    assert all(fut.cancelled() for fut in futures[1:])
    assert server.hits["/page"] == 1
    with pytest.raises(RuntimeError):
        f.submit(FetchRequest(server.url("/page")))


def test_dispatcher_runs_ready_hosts_first_and_releases_unused_slots() -> None:
    pacer = Pacer()
    dispatcher = Dispatcher(pacer, workers=2)
    try:
        def job(number: int) -> Callable[[Slot], tuple[str, int]]:
            return lambda slot: (slot.host, number)

        results = [dispatcher.submit("h:80", 0.0, 1, job(i)) for i in range(3)]
        assert [fut.result(5) for fut in results] == [("h:80", 0), ("h:80", 1), ("h:80", 2)]
        failing = dispatcher.submit("h:80", 0.0, 1, lambda slot: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            failing.result(5)
        assert isinstance(pacer.try_acquire("h:80", 0.0, 1), Slot)  # every slot came back
    finally:
        dispatcher.close()


def test_a_slot_freed_mid_job_starts_the_hosts_next_job_on_an_idle_worker() -> None:
    pacer = Pacer()
    dispatcher = Dispatcher(pacer, workers=2)
    second_started = threading.Event()
    try:
        def first(slot: Slot) -> bool:
            time.sleep(0.2)  # the other worker has looked, found the host busy, and sleeps
            pacer.release(slot)  # done with the host (a retry's back-off, say), still running
            return second_started.wait(5)  # True only if the idle worker took the next job meanwhile

        def second(slot: Slot) -> bool:
            second_started.set()
            return True

        one = dispatcher.submit("h:80", 0.0, 1, first)
        two = dispatcher.submit("h:80", 0.0, 1, second)
        assert one.result(10) is True and two.result(10) is True
    finally:
        dispatcher.close()


def test_many_idle_workers_run_a_burst_of_jobs_on_many_hosts() -> None:
    pacer = Pacer()
    dispatcher = Dispatcher(pacer, workers=8)
    try:
        running = 0
        most = 0
        lock = threading.Lock()

        def job(slot: Slot) -> str:
            nonlocal running, most
            with lock:
                running += 1
                most = max(most, running)
            time.sleep(0.05)
            with lock:
                running -= 1
            return slot.host

        time.sleep(0.05)  # every worker idle
        futures = [dispatcher.submit(f"h{i % 4}:80", 0.0, 2, job) for i in range(40)]
        assert sorted(f.result(10) for f in futures) == sorted(f"h{i % 4}:80" for i in range(40))
        assert most == 8  # four hosts, two each: every worker busy at once
    finally:
        dispatcher.close()
