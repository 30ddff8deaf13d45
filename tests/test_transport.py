"""The deadline watchdog on real sockets: a blocked read is cut at the deadline; a connection
already handed back to the pool is left alone. And when requests need not consult the
environment on every request."""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from scraper.errors import PermanentFetchError
from scraper.fetch import Fetcher, FetchSettings
from scraper.transport import Watchdog, current, environment_matters, new_session
from tests.loopback import LoopbackServer


@dataclass
class Conn:
    """What the watchdog needs of a urllib3 connection: its socket."""

    sock: socket.socket


def test_a_blocked_read_is_cut_at_the_deadline() -> None:
    ours, theirs = socket.socketpair()
    watchdog = Watchdog()
    try:
        with watchdog.watch(time.monotonic() + 0.2) as deadline:
            assert current() is deadline
            deadline.serve(Conn(ours))
            theirs.sendall(b"x")  # a drip: one byte, then nothing
            assert ours.recv(1) == b"x"
            assert ours.recv(1) == b""  # would block forever; the watchdog shut the socket
        assert deadline.expired and current() is None
    finally:
        watchdog.close()
        ours.close()
        theirs.close()


def test_a_released_connection_is_not_cut() -> None:
    ours, theirs = socket.socketpair()
    watchdog = Watchdog()
    try:
        with watchdog.watch(time.monotonic() + 0.05) as deadline:
            conn = Conn(ours)
            deadline.serve(conn)
            deadline.release(conn)  # back in the pool: another request may own it now
            time.sleep(0.2)
        assert deadline.expired
        theirs.sendall(b"still open")
        assert ours.recv(64) == b"still open"
    finally:
        watchdog.close()
        ours.close()
        theirs.close()


def test_serving_after_expiry_cuts_at_once() -> None:
    ours, theirs = socket.socketpair()
    watchdog = Watchdog()
    try:
        with watchdog.watch(time.monotonic() - 1.0) as deadline:
            time.sleep(0.1)  # the watchdog expires it before any connection is known
            deadline.serve(Conn(ours))
            assert ours.recv(1) == b""
    finally:
        watchdog.close()
        ours.close()
        theirs.close()


def _cut_within(watchdog: Watchdog, seconds: float) -> bool:
    """Watch a blocked read limited to ``seconds``: whether the watchdog cut it (in this thread)."""
    ours, theirs = socket.socketpair()
    try:
        ours.settimeout(10.0)  # a watchdog that never wakes fails the test instead of hanging it
        with watchdog.watch(time.monotonic() + seconds) as deadline:
            deadline.serve(Conn(ours))
            try:
                cut = ours.recv(1) == b""
            except TimeoutError:
                cut = False
        return cut and deadline.expired
    finally:
        ours.close()
        theirs.close()


def test_a_sooner_deadline_wakes_a_watchdog_asleep_until_a_later_one() -> None:
    watchdog = Watchdog()
    try:
        with watchdog.watch(time.monotonic() + 60.0) as long_one:
            time.sleep(0.1)  # the watchdog now sleeps until the 60 s deadline
            assert _cut_within(watchdog, 0.2)
        assert not long_one.expired
    finally:
        watchdog.close()


def test_later_deadlines_are_cut_though_they_do_not_wake_the_watchdog() -> None:
    watchdog = Watchdog()
    try:
        with watchdog.watch(time.monotonic() + 0.1):
            time.sleep(0.05)  # asleep until 0.1 s; the next deadline is later and sends no wake-up
            assert _cut_within(watchdog, 0.3)
    finally:
        watchdog.close()


def test_no_deadline_no_watch() -> None:
    watchdog = Watchdog()
    with watchdog.watch(float("inf")) as deadline:
        assert not deadline.expired
    watchdog.close()


def test_no_proxy_ca_bundle_or_netrc_means_the_environment_does_not_matter(monkeypatch: pytest.MonkeyPatch,
                                                                             tmp_path: Path) -> None:
    for key in [*os.environ]:
        if key.lower().endswith("_proxy") or key in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "NETRC"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert environment_matters() is False
    (tmp_path / ".netrc").write_text("machine example.org login a password b\n")
    assert environment_matters() is True


@pytest.mark.parametrize("key", ["HTTP_PROXY", "https_proxy", "NETRC"])
def test_each_setting_requests_reads_makes_it_matter(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                     key: str) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv(key, "http://127.0.0.1:9" if key.lower().endswith("proxy") else str(tmp_path / "x"))
    assert environment_matters() is True


def test_a_proxy_in_the_environment_still_carries_the_request(monkeypatch: pytest.MonkeyPatch) -> None:
    """The per-request lookup is skipped only when there is nothing to find: a proxy is used."""
    with LoopbackServer() as proxy:
        proxy.add_page("/schedule", "<p>via the proxy</p>")
        monkeypatch.setenv("HTTP_PROXY", proxy.base)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        with Fetcher(FetchSettings(delay_per_host=0, obey_robots=False, retries=0)) as fetcher:
            result = fetcher.fetch("http://schedule.invalid/schedule")
    assert result.status == 200 and b"via the proxy" in result.body
    assert proxy.requests[0]["path"] == "http://schedule.invalid/schedule"


def test_a_ca_bundle_in_the_environment_is_read_once_and_still_used(monkeypatch: pytest.MonkeyPatch,
                                                                     tmp_path: Path) -> None:
    for key in [*os.environ]:
        if key.lower().endswith("_proxy") or key in ("CURL_CA_BUNDLE", "NETRC"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(tmp_path))
    missing = str(tmp_path / "no-such-ca.pem")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", missing)
    session = new_session(4, public_only=False)
    assert session.trust_env is False and session.verify == missing
    settings = FetchSettings(delay_per_host=0, obey_robots=False, retries=0)
    with Fetcher(settings) as fetcher, pytest.raises(PermanentFetchError) as caught:
        fetcher.fetch("https://127.0.0.1:9/schedule")  # refused before any connection
    assert "no-such-ca.pem" in str(caught.value) and "REQUESTS_CA_BUNDLE" in str(caught.value)
