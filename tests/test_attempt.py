"""The retry policy of one fetch, as tenacity consults it."""

from __future__ import annotations

import time

from tenacity import RetryCallState, Retrying

from scraper.attempt import FetchCall
from scraper.errors import PermanentFetchError, TransientFetchError
from scraper.fetchspec import FetchRequest, FetchSettings

SETTINGS = FetchSettings(retries=3, backoff=0.5, max_retry_wait=4.0, total_timeout=10.0)


def _state(attempt: int, exc: BaseException, upcoming: float = 0.0) -> RetryCallState:
    state = RetryCallState(Retrying(), fn=None, args=(), kwargs={})
    state.attempt_number = attempt
    state.set_exception((type(exc), exc, None))
    state.upcoming_sleep = upcoming
    return state


def test_only_transient_failures_within_the_retry_after_cap_are_retried() -> None:
    call = FetchCall(FetchRequest("https://example.org/"), SETTINGS, None)
    assert call.worth_retry(TransientFetchError("503"))
    assert call.worth_retry(TransientFetchError("429", retry_after=4.0))
    assert not call.worth_retry(TransientFetchError("429", retry_after=60.0))  # past max_retry_wait
    assert not call.worth_retry(PermanentFetchError("404"))


def test_waits_follow_retry_after_else_full_jitter_under_the_doubling_ceiling() -> None:
    call = FetchCall(FetchRequest("https://example.org/"), SETTINGS, None)
    assert call.wait(_state(1, TransientFetchError("429", retry_after=2.5))) == 2.5
    waits = [call.wait(_state(3, TransientFetchError("503"))) for _ in range(200)]
    assert all(0.0 <= w <= 2.0 for w in waits) and max(waits) > 1.0  # ceiling 0.5 * 2**2


def test_stops_after_the_last_retry_or_before_a_wait_that_ends_past_the_budget() -> None:
    call = FetchCall(FetchRequest("https://example.org/"), SETTINGS, None)
    call.started = time.monotonic()
    assert not call.stop(_state(3, TransientFetchError("503"), upcoming=1.0))
    assert call.stop(_state(4, TransientFetchError("503"), upcoming=0.0))  # retries=3 used up
    assert call.stop(_state(1, TransientFetchError("503"), upcoming=30.0))  # would end past 10 s


def test_conditional_headers_come_from_what_the_archive_knows() -> None:
    call = FetchCall(FetchRequest("https://example.org/", etag='"v1"', last_modified="Wed, 01 Apr 2026 00:00:00 GMT"),
                     SETTINGS, None)
    assert call.headers["If-None-Match"] == '"v1"'
    assert call.headers["If-Modified-Since"] == "Wed, 01 Apr 2026 00:00:00 GMT"
    assert "If-None-Match" not in FetchCall(FetchRequest("https://example.org/"), SETTINGS, None).headers
