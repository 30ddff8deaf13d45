"""One fetch in progress: its settings, time budget, attempts and pacing slot, and the retry
policy tenacity applies to it (exponential backoff with full jitter, Retry-After honoured
up to a cap, never past the total budget)."""

from __future__ import annotations

import logging
import math
import random
import time
from typing import TYPE_CHECKING

from scraper.errors import FetchError, TransientFetchError
from scraper.fetchspec import ACCEPT, FetchRequest, FetchSettings
from scraper.politeness import Slot

if TYPE_CHECKING:
    from tenacity import RetryCallState

log = logging.getLogger("scraper.fetch")  # retries are the Fetcher's story; logged under its name


class FetchCall:
    """The state of one fetch in progress: settings, budget, attempts, the reserved slot."""

    def __init__(self, request: FetchRequest, settings: FetchSettings, reserved: Slot | None) -> None:
        self.request = request
        self.settings = settings
        self.reserved = reserved
        self.started: float | None = None  # the budget starts with the first request
        self.attempts = 0
        self.headers = {"User-Agent": settings.agent, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"}
        if request.etag:
            self.headers["If-None-Match"] = request.etag
        if request.last_modified:
            self.headers["If-Modified-Since"] = request.last_modified

    @property
    def deadline(self) -> float:
        return math.inf if self.started is None else self.started + self.settings.total_timeout

    def elapsed(self) -> float:
        return 0.0 if self.started is None else time.monotonic() - self.started

    def timeout(self) -> float:
        """This request's connect/read timeout: the setting, cut to what the budget has left."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TransientFetchError(f"{self.request.url}: total_timeout of "
                                      f"{self.settings.total_timeout:g} s used up", url=self.request.url,
                                      hint="the server is slow; raise total_timeout or try later")
        return min(self.settings.timeout, left)

    # --- the retry policy, as tenacity asks for it ---------------------------------------------

    def worth_retry(self, exc: BaseException) -> bool:
        if not isinstance(exc, TransientFetchError):
            return False
        return exc.retry_after is None or exc.retry_after <= self.settings.max_retry_wait

    def wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        if isinstance(exc, TransientFetchError) and exc.retry_after is not None:
            return exc.retry_after
        ceiling = min(self.settings.max_retry_wait, self.settings.backoff * 2 ** (state.attempt_number - 1))
        return random.uniform(0.0, ceiling)  # full jitter: spreads retries from many clients

    def stop(self, state: RetryCallState) -> bool:
        """Out of attempts, or the next wait would end past the total budget."""
        if state.attempt_number > self.settings.retries:
            return True
        return time.monotonic() + state.upcoming_sleep >= self.deadline

    def log_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome is not None else None
        reason = exc.message if isinstance(exc, FetchError) else repr(exc)
        log.info("%s; retry %d of %d in %.2f s", reason, state.attempt_number, self.settings.retries,
                 state.upcoming_sleep)
