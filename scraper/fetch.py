"""The Fetcher: HTTP GET that is polite, resilient and bounded.

One shared ``requests.Session`` (its connection pool sized for the worker count) carries
every request. Each fetch: check the scheme before any I/O, consult robots.txt, wait for
the host's pacing slot, send a conditional GET, follow redirects by hand (checking every
hop), stream the body through :mod:`scraper.response` under a byte cap, and retry transient
failures with tenacity (exponential backoff, full jitter, Retry-After honoured up to a cap),
all within a total time budget. Errors are :mod:`scraper.errors` types, never requests'.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import requests

from scraper.addresses import require_public
from scraper.attempt import FetchCall
from scraper.encoding import sniff
from scraper.errors import FetchError, PermanentFetchError, TransientFetchError
from scraper.fetchspec import (  # re-exported: callers import these from scraper.fetch
    DEFAULT_USER_AGENT,
    REDIRECT_STATUSES,
    RETRY_STATUSES,
    SCHEMES,
    FetchRequest,
    FetchSettings,
    check_url,
)
from scraper.models import FetchResult
from scraper.politeness import (
    ROBOTS_MAX_BYTES,
    Dispatcher,
    Pacer,
    RobotsCache,
    RobotsRules,
    Slot,
    host_key,
    origin_of,
)
from scraper.response import ERROR_BODY_BYTES, read_body, request_error, retry_after_seconds
from scraper.transport import Watchdog, new_session, send_get

__all__ = ["DEFAULT_USER_AGENT", "RETRY_STATUSES", "SCHEMES", "FetchRequest", "FetchSettings", "Fetcher",
           "check_url"]

log = logging.getLogger(__name__)

_TEXTUAL = ("text/", "xml", "json", "javascript", "calendar", "markdown")


@dataclass
class _Response:
    """A response read completely (or refused); redirects carry ``location``."""

    url: str
    status: int
    reason: str
    headers: dict[str, str]
    body: bytes
    received_at: datetime
    location: str | None = None


class Fetcher:
    """Fetch URLs synchronously (:meth:`fetch`) or on the worker pool (:meth:`submit`)."""

    def __init__(self, settings: FetchSettings | None = None) -> None:
        self.settings = settings or FetchSettings()
        self.pacer = Pacer()
        self.robots = RobotsCache()
        self._closing = threading.Event()
        self._dispatcher: Dispatcher | None = None
        self._dispatcher_lock = threading.Lock()
        self._watchdog = Watchdog()
        # Two sessions: targets with allow_private = false use connections that check their peer.
        self._session = new_session(self.settings.workers, public_only=False)
        self._public_session = new_session(self.settings.workers, public_only=True)

    # --- public API ---------------------------------------------------------------------------

    def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
              settings: FetchSettings | None = None) -> FetchResult:
        """Fetch ``url`` now, in this thread, pacing and robots included. Raises FetchError."""
        request = FetchRequest(url, etag, last_modified, settings)
        check_url(url)
        return self._run(request, None)

    def submit(self, request: FetchRequest) -> Future[FetchResult]:
        """Queue ``request`` for the worker pool; the future gives a FetchResult or raises FetchError."""
        settings = request.settings or self.settings
        try:
            parts = check_url(request.url)
        except PermanentFetchError as exc:
            failed: Future[FetchResult] = Future()
            failed.set_exception(exc)
            return failed
        return self._pool().submit(host_key(parts), settings.delay_per_host, settings.concurrency_per_host,
                                   lambda slot: self._run(request, slot))

    def close(self) -> None:
        """Cancel queued requests, interrupt waits, finish running ones, close connections."""
        self._closing.set()
        self.pacer.close()
        if self._dispatcher is not None:
            self._dispatcher.close()
        self._session.close()
        self._public_session.close()
        self._watchdog.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # --- one fetch, with retries --------------------------------------------------------------

    def _pool(self) -> Dispatcher:
        with self._dispatcher_lock:
            if self._closing.is_set():
                raise RuntimeError("cannot submit to a closed Fetcher")
            if self._dispatcher is None:
                self._dispatcher = Dispatcher(self.pacer, self.settings.workers)
            return self._dispatcher

    def _run(self, request: FetchRequest, reserved: Slot | None) -> FetchResult:
        """One fetch (its URL already checked), retried by tenacity when an attempt fails."""
        call = FetchCall(request, request.settings or self.settings, reserved)
        try:
            try:
                return self._attempt(call)
            except TransientFetchError as exc:
                if not call.worth_retry(exc):
                    raise
                first_failure: TransientFetchError | None = exc
            # Most fetches succeed at once and skip tenacity's machinery (a tenth of a 304's
            # cost). After a failure, tenacity takes over from the start: its first attempt
            # replays the failure just seen, so waits and stops count exactly as before.

            def attempt() -> FetchResult:
                nonlocal first_failure
                if first_failure is not None:
                    seen, first_failure = first_failure, None
                    raise seen
                return self._attempt(call)

            from tenacity import Retrying, retry_if_exception  # only after a failure (~6 ms of start-up otherwise)

            retrying = Retrying(stop=call.stop, wait=call.wait, retry=retry_if_exception(call.worth_retry),
                                sleep=self._sleep, before_sleep=call.log_retry, reraise=True)
            result: FetchResult = retrying(attempt)
            return result
        except FetchError as exc:
            exc.url = exc.url or request.url
            exc.attempts = call.attempts
            exc.elapsed = call.elapsed()
            log.info("%s (gave up after %d attempt(s) in %.2f s)", exc.message, call.attempts, exc.elapsed)
            raise
        finally:
            if call.reserved is not None:
                self.pacer.release(call.reserved, used=False)

    def _sleep(self, seconds: float) -> None:
        if self._closing.wait(seconds):
            raise TransientFetchError("the fetcher was closed while waiting to retry",
                                      hint="run the crawl again to fetch what was left")

    # --- one attempt: a redirect chain --------------------------------------------------------

    def _attempt(self, call: FetchCall) -> FetchResult:
        call.attempts += 1
        url, settings = call.request.url, call.settings
        for hops in range(settings.max_redirects + 1):
            if not settings.allow_private:
                # Before robots.txt and before connecting; every hop, since a redirect may point inward.
                require_public(url, urlsplit(url), requested=call.request.url)
            if settings.obey_robots:
                self._check_robots(call, url)
            response = self._exchange(call, url, cap=settings.max_bytes, truncate=False)
            if response.location is None:
                return self._result(call, response)
            previous, url = url, urljoin(url, response.location)
            check_url(url, hop=previous)
            log.debug("GET %s: %d redirect %d to %s", previous, response.status, hops + 1, url)
        raise PermanentFetchError(f"{call.request.url}: more than max_redirects={settings.max_redirects} "
                                  f"redirects (last to {url})", url=call.request.url, status=response.status,
                                  hint="the site redirects in a loop; raise max_redirects if it is real")

    def _result(self, call: FetchCall, response: _Response) -> FetchResult:
        url, status = call.request.url, response.status
        if status == 304 or 200 <= status < 300:
            content_type = response.headers.get("Content-Type") or response.headers.get("content-type")
            media = (content_type or "").split(";", 1)[0].strip().lower()
            encoding = sniff(response.body, content_type) if not media or any(t in media for t in _TEXTUAL) \
                else None
            log.info("GET %s -> %d (%d bytes, %d attempt(s), %.2f s)", url, status, len(response.body),
                     call.attempts, call.elapsed())
            return FetchResult(url=url, final_url=response.url, status=status, headers=response.headers,
                               body=response.body, elapsed=call.elapsed(), attempts=call.attempts,
                               fetched_at=response.received_at, not_modified=status == 304,
                               encoding=encoding if status != 304 else None)
        where = url if response.url == url else f"{url} (at {response.url})"
        what = f"{where}: HTTP {status} {response.reason}".rstrip()
        if status in RETRY_STATUSES:
            wait = retry_after_seconds(response.headers.get("Retry-After"), datetime.now(UTC))
            if wait is None:
                raise TransientFetchError(what, url=url, status=status,
                                          hint="the server is failing or throttling; try again later")
            self.pacer.hold(host_key(urlsplit(response.url)), min(wait, call.settings.max_retry_wait))
            if wait <= call.settings.max_retry_wait:
                raise TransientFetchError(f"{what}, Retry-After {wait:.0f} s", url=url, status=status,
                                          retry_after=wait, hint="the server asked us to slow down")
            back = datetime.fromtimestamp(response.received_at.timestamp() + wait, UTC).replace(microsecond=0)
            raise TransientFetchError(
                f"{what}; the server asks us to come back in {wait:.0f} s (at {back.isoformat()}), "
                f"longer than max_retry_wait={call.settings.max_retry_wait:g} s",
                url=url, status=status, retry_after=wait,
                hint=f"try again after {back.isoformat()}, or raise max_retry_wait")
        hints = {404: "check the URL; the page may have moved or been removed", 410: "the page was removed",
                 401: "the page needs a login; schedarc does not log in", 403: "the server refuses us access"}
        hint = hints.get(status, "the server rejected the request; retrying will not help")
        raise PermanentFetchError(what, url=url, status=status, hint=hint)

    def _check_robots(self, call: FetchCall, url: str) -> None:
        parts = urlsplit(url)
        origin = origin_of(parts)
        rules = self.robots.rules(origin, lambda o: self._load_robots(call, o, host_key(parts)))
        if not rules.allows(url, call.settings.agent):
            raise PermanentFetchError(f"{url}: disallowed by {origin}/robots.txt", url=call.request.url,
                                      hint="the site asks crawlers to stay away; set obey_robots = false for "
                                           "this target only if you have permission")

    def _load_robots(self, call: FetchCall, origin: str, host: str) -> RobotsRules:
        url = f"{origin}/robots.txt"
        started = call.started
        try:
            for _hop in range(max(5, call.settings.max_redirects) + 1):  # RFC 9309: follow at least 5
                response = self._exchange(call, url, cap=ROBOTS_MAX_BYTES, truncate=True)
                if response.location is None:
                    break
                url = urljoin(url, response.location)
                check_url(url)
            else:
                return RobotsRules.unreachable(origin, "too many redirects")
        except FetchError as exc:
            return RobotsRules.unreachable(origin, exc.message)
        finally:
            call.started = started  # the page's time budget starts with the page, not robots.txt
        rules = RobotsRules.from_response(origin, response.status, response.body)
        delay = rules.crawl_delay(call.settings.agent)
        if delay:
            # A day-long Crawl-delay would hang a cron crawl: no single wait exceeds max_retry_wait.
            cap = call.settings.max_retry_wait
            if delay > cap:
                log.warning("%s: robots.txt asks for Crawl-delay %g s; waiting max_retry_wait=%g s instead",
                            origin, delay, cap)
            else:
                log.info("%s: robots.txt asks for Crawl-delay %g s", origin, delay)
            self.pacer.set_floor(host, min(delay, cap))
        return rules

    # --- one request --------------------------------------------------------------------------

    def _slot(self, call: FetchCall, host: str) -> Slot:
        if call.reserved is not None and call.reserved.host == host:
            slot, call.reserved = call.reserved, None
            return slot
        got = self.pacer.acquire(host, call.settings.delay_per_host, call.settings.concurrency_per_host,
                                 call.deadline)
        if got is None:
            if self._closing.is_set():
                raise TransientFetchError(f"{call.request.url}: the fetcher was closed", url=call.request.url,
                                          hint="run the crawl again to fetch what was left")
            raise TransientFetchError(f"{call.request.url}: total_timeout of {call.settings.total_timeout:g}"
                                      f" s would run out waiting for {host}", url=call.request.url,
                                      hint="lower delay_per_host or raise total_timeout")
        return got

    def _exchange(self, call: FetchCall, url: str, *, cap: int, truncate: bool) -> _Response:
        """One GET of ``url`` in the host's pacing slot, body read within ``cap`` bytes."""
        slot = self._slot(call, host_key(urlsplit(url)))
        try:
            if call.started is None:
                call.started = time.monotonic()
            timeout = call.timeout()
            session = self._session if call.settings.allow_private else self._public_session
            with self._watchdog.watch(call.deadline) as deadline:
                try:
                    try:
                        if session.trust_env:  # proxies or netrc to consult: requests' full path
                            response = session.get(url, headers=call.headers, stream=True, allow_redirects=False,
                                                   timeout=(timeout, timeout))
                        else:
                            response = send_get(session, url, call.headers, timeout)
                    except (requests.RequestException, ValueError) as exc:
                        raise request_error(exc, url, call.request.url) from exc
                    except OSError as exc:  # a setting of ours, not the server: a missing CA bundle, say
                        raise PermanentFetchError(f"{url}: {exc}", url=call.request.url,
                                                  hint="fix the local setting it names (REQUESTS_CA_BUNDLE, "
                                                       "CURL_CA_BUNDLE) and try again") from exc
                    answer = self._read(call, response, cap, truncate)
                except FetchError as exc:
                    if not deadline.expired:
                        raise
                    raise self._out_of_time(call, url) from exc
                if deadline.expired:
                    # Cut by the watchdog, yet it read as complete: a body that ends when the
                    # connection closes, or headers cut short, look whole. They are not.
                    raise self._out_of_time(call, url)
                return answer
        finally:
            self.pacer.release(slot)

    @staticmethod
    def _out_of_time(call: FetchCall, url: str) -> TransientFetchError:
        """The watchdog cut a response that outlived the budget (a slow drip, say)."""
        return TransientFetchError(f"{url}: total_timeout of {call.settings.total_timeout:g} s ran out during the "
                                   "request (the server sends too slowly)", url=call.request.url,
                                   hint="the server is slow; raise total_timeout or try later")

    def _read(self, call: FetchCall, response: requests.Response, cap: int, truncate: bool) -> _Response:
        received = datetime.now(UTC)
        status, headers = response.status_code, dict(response.headers)
        clean = False
        try:
            if status in REDIRECT_STATUSES and headers.get("Location"):
                return _Response(response.url, status, response.reason or "", headers, b"", received,
                                 location=headers["Location"])
            ok = status == 304 or 200 <= status < 300
            body = read_body(response.raw, headers, url=call.request.url,
                             cap=cap if ok or truncate else ERROR_BODY_BYTES,
                             truncate=truncate or not ok, deadline=call.deadline)
            clean = body.complete
            return _Response(response.url, status, response.reason or "", headers, body.data, received)
        finally:
            if clean:
                response.raw.release_conn()  # keep-alive: the connection goes back to the pool
            else:
                response.close()  # unread bytes: drop the connection rather than drain it


__all__ = ["FetchRequest", "FetchSettings", "Fetcher", "check_url"]
