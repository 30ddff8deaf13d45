"""Being a polite client: robots.txt per origin, pacing per host, and a dispatcher that
runs many hosts in parallel while each host sees at most its share of traffic.

Three pieces, all thread-safe:

- :class:`RobotsCache` asks a loader for each origin's robots.txt once and keeps the verdict.
- :class:`Pacer` spaces request *starts* to one host by a delay (raised to the site's
  Crawl-delay, or for a while by a Retry-After) and caps requests in flight per host.
- :class:`Dispatcher` runs jobs on a fixed pool of workers but hands a job to a worker
  only when its host is ready, so a backlog on one slow host never occupies the workers
  another host's requests are waiting for.

A host is ``hostname:port``: two virtual hosts on one address are paced separately, as
are http and https of one name (they rarely share a rate limit anyway).
"""

from __future__ import annotations

import itertools
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import SplitResult

from protego import Protego

log = logging.getLogger(__name__)

T = TypeVar("T")

# RFC 9309 asks parsers to read at least 500 KiB; the rest of a larger file is ignored.
ROBOTS_MAX_BYTES = 512_000

DEFAULT_PORTS = {"http": 80, "https": 443}


def host_key(parts: SplitResult) -> str:
    """The pacing key of a URL: lowercased hostname and port (the scheme's default when absent)."""
    port = parts.port or DEFAULT_PORTS.get(parts.scheme, 0)
    return f"{(parts.hostname or '').lower()}:{port}"


def origin_of(parts: SplitResult) -> str:
    """scheme://host[:port], the unit robots.txt applies to."""
    return f"{parts.scheme}://{parts.netloc.lower().rsplit('@', 1)[-1]}"


# --- robots.txt ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RobotsRules:
    """What one origin's robots.txt says; ``parser`` None means everything is allowed."""

    origin: str
    parser: Protego | None
    reason: str

    def allows(self, url: str, user_agent: str) -> bool:
        return self.parser is None or bool(self.parser.can_fetch(url, user_agent))

    def crawl_delay(self, user_agent: str) -> float | None:
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(user_agent)
        return float(delay) if delay is not None else None

    @classmethod
    def from_response(cls, origin: str, status: int, body: bytes) -> RobotsRules:
        """Interpret a robots.txt response as RFC 9309 and our policy say.

        2xx: obey it. 4xx (404 above all): no rules, allow all. 5xx and anything else:
        the RFC would disallow all, but an archive that silently stops over a flaky
        robots.txt loses snapshots, so we allow, with a WARNING (we depart from the RFC).
        """
        if 200 <= status < 300:
            return cls(origin, Protego.parse(body.decode("utf-8", "replace")), f"HTTP {status}")
        if 400 <= status < 500:
            log.info("%s/robots.txt: HTTP %d, treating the site as allowing everything", origin, status)
            return cls(origin, None, f"HTTP {status}: no robots.txt, all allowed")
        log.warning("%s/robots.txt: HTTP %d, fetching anyway as if it allowed everything", origin, status)
        return cls(origin, None, f"HTTP {status}: robots.txt unavailable, all allowed")

    @classmethod
    def unreachable(cls, origin: str, why: str) -> RobotsRules:
        # INFO, not WARNING: if the host is down, the page's own error follows and says so.
        log.info("%s/robots.txt unreachable (%s), fetching anyway as if it allowed everything", origin, why)
        return cls(origin, None, f"unreachable ({why}), all allowed")


@dataclass
class _Pending:
    done: threading.Event = field(default_factory=threading.Event)
    rules: RobotsRules | None = None


class RobotsCache:
    """One robots.txt verdict per origin for the life of the cache (a run).

    ``load(origin)`` fetches and interprets robots.txt; it runs once per origin even when
    many threads ask at the same moment (the others wait for the first).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, _Pending] = {}

    def rules(self, origin: str, load: Callable[[str], RobotsRules]) -> RobotsRules:
        with self._lock:
            entry = self._entries.get(origin)
            owner = entry is None
            if entry is None:
                entry = self._entries[origin] = _Pending()
        if not owner:
            entry.done.wait()
            if entry.rules is not None:
                return entry.rules
            return self.rules(origin, load)  # the loader failed outright: try ourselves
        try:
            entry.rules = load(origin)
            return entry.rules
        finally:
            if entry.rules is None:
                with self._lock:
                    del self._entries[origin]
            entry.done.set()

    def known(self, origin: str) -> RobotsRules | None:
        """The verdict if already loaded (no I/O)."""
        with self._lock:
            entry = self._entries.get(origin)
        return entry.rules if entry is not None else None


# --- pacing -------------------------------------------------------------------------------------


@dataclass
class _Host:
    in_flight: int = 0
    last_start: float = -math.inf
    hold_until: float = -math.inf
    floor: float = 0.0  # the site's Crawl-delay
    waiters: int = 0


@dataclass
class Slot:
    """Permission for one request to ``host``; give it back with :meth:`Pacer.release`."""

    host: str
    started: float
    previous_start: float
    released: bool = False


class Pacer:
    """Per-host request spacing and concurrency. All methods are thread-safe.

    A request may start when fewer than ``concurrency`` are in flight to its host, at
    least ``max(delay, Crawl-delay)`` seconds after the previous start, and not before a
    host-wide hold (from Retry-After) expires.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.lock = threading.RLock()
        self.condition = threading.Condition(self.lock)
        self._clock = clock
        self._hosts: dict[str, _Host] = {}
        self._closed = False
        # Conditions on ``lock`` (a Dispatcher's idle workers) woken once per change, beside
        # ``condition``'s waiters, who are all woken.
        self._listeners: list[threading.Condition] = []

    def listen(self, condition: threading.Condition) -> None:
        """Wake one waiter of ``condition`` (made on :attr:`lock`) whenever a host may have become ready."""
        with self.lock:
            self._listeners.append(condition)

    def _changed(self) -> None:
        self.condition.notify_all()
        for listener in self._listeners:
            listener.notify()

    def _host(self, host: str) -> _Host:
        state = self._hosts.get(host)
        if state is None:
            state = self._hosts[host] = _Host()
        return state

    @staticmethod
    def _wait(state: _Host, delay: float, concurrency: int, now: float) -> float:
        if state.in_flight >= concurrency:
            return math.inf
        ready = max(state.last_start + max(delay, state.floor), state.hold_until)
        return max(0.0, ready - now)

    def _take(self, host: str, state: _Host, now: float) -> Slot:
        slot = Slot(host, now, state.last_start)
        state.in_flight += 1
        state.last_start = now
        return slot

    def try_acquire(self, host: str, delay: float, concurrency: int) -> Slot | float:
        """A slot now, or how many seconds until one might be free (inf: wait for a release).

        Threads blocked in :meth:`acquire` for this host go first.
        """
        with self.condition:
            state = self._host(host)
            now = self._clock()
            wait = self._wait(state, delay, concurrency, now)
            if wait > 0 or state.waiters:
                return wait if wait > 0 else math.inf
            return self._take(host, state, now)

    def acquire(self, host: str, delay: float, concurrency: int, deadline: float = math.inf) -> Slot | None:
        """Block until a slot is free; None if that cannot happen before ``deadline`` or on close."""
        with self.condition:
            state = self._host(host)
            state.waiters += 1
            try:
                while not self._closed:
                    now = self._clock()
                    wait = self._wait(state, delay, concurrency, now)
                    if wait <= 0:
                        return self._take(host, state, now)
                    if (now + wait > deadline and not math.isinf(wait)) or now >= deadline:
                        return None
                    limit = min(wait, deadline - now)
                    self.condition.wait(None if math.isinf(limit) else limit)
                return None
            finally:
                state.waiters -= 1
                self._changed()

    def release(self, slot: Slot, *, used: bool = True) -> None:
        """Give a slot back; ``used=False`` when no request was made, so it costs no delay."""
        with self.condition:
            if slot.released:
                return
            slot.released = True
            state = self._host(slot.host)
            state.in_flight -= 1
            if not used and state.last_start == slot.started:
                state.last_start = slot.previous_start
            self._changed()

    def hold(self, host: str, seconds: float) -> None:
        """No new request to ``host`` for ``seconds`` (the server asked, e.g. by Retry-After)."""
        with self.condition:
            state = self._host(host)
            state.hold_until = max(state.hold_until, self._clock() + seconds)
            self._changed()

    def set_floor(self, host: str, seconds: float) -> None:
        """The smallest delay between request starts to ``host`` (its robots.txt Crawl-delay)."""
        with self.condition:
            self._host(host).floor = max(0.0, seconds)
            self._changed()

    def delay_for(self, host: str, delay: float) -> float:
        """The spacing ``host`` gets for a requested ``delay``, after Crawl-delay."""
        with self.condition:
            return max(delay, self._host(host).floor)

    def close(self) -> None:
        """Wake every waiter; blocked :meth:`acquire` calls return None."""
        with self.condition:
            self._closed = True
            self.condition.notify_all()
            for listener in self._listeners:
                listener.notify_all()


# --- dispatching --------------------------------------------------------------------------------


@dataclass
class _Job:
    seq: int
    host: str
    delay: float
    concurrency: int
    run: Callable[[Slot], Any]
    future: Future[Any]


class Dispatcher:
    """``workers`` threads that each take the oldest job whose host can take a request now.

    Each job receives the :class:`Slot` reserved for its first request and must release
    it (:meth:`Pacer.release`); the dispatcher releases it, unused, if the job did not.
    Among ready hosts the oldest job goes first.

    Workers take jobs themselves: a busy worker goes from one job to the next without a
    hand-off, and an idle one sleeps until a job is submitted or a host's slot frees
    (one worker woken per event, not all of them), so a request costs no thread switch
    beyond the one that brings its result back.
    """

    def __init__(self, pacer: Pacer, workers: int, name: str = "schedarc-fetch") -> None:
        self._pacer = pacer
        self._lock = pacer.lock
        self._work = threading.Condition(pacer.lock)  # idle workers wait here
        pacer.listen(self._work)
        self._queues: dict[str, deque[_Job]] = {}
        self._seq = itertools.count()
        self._closed = False
        self._threads = [threading.Thread(target=self._serve, name=f"{name}-{number}", daemon=True)
                         for number in range(max(1, workers))]
        for thread in self._threads:
            thread.start()

    def submit(self, host: str, delay: float, concurrency: int, run: Callable[[Slot], T]) -> Future[T]:
        future: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot submit to a closed Fetcher")
            job = _Job(next(self._seq), host, delay, concurrency, run, future)
            self._queues.setdefault(host, deque()).append(job)
            self._work.notify()
        return future

    def pending(self) -> int:
        with self._lock:
            return sum(len(q) for q in self._queues.values())

    def close(self, *, wait: bool = True) -> None:
        """Cancel jobs not yet started, stop taking jobs, and (optionally) wait for running ones."""
        with self._lock:
            self._closed = True
            for queue in self._queues.values():
                for job in queue:
                    job.future.cancel()
                    job.future.set_running_or_notify_cancel()  # wakes wait()/as_completed()
            self._queues.clear()
            self._work.notify_all()
        if wait:
            current = threading.current_thread()
            for thread in self._threads:
                if thread is not current:
                    thread.join()

    def _next_ready(self) -> tuple[_Job, Slot] | float:
        """The oldest job whose host has a slot now (slot reserved), else seconds to wait."""
        soonest = math.inf
        for host, queue in sorted(self._queues.items(), key=lambda item: item[1][0].seq):
            job = queue[0]
            got = self._pacer.try_acquire(host, job.delay, job.concurrency)
            if isinstance(got, Slot):
                queue.popleft()
                if not queue:
                    del self._queues[host]
                return job, got
            soonest = min(soonest, got)
        return soonest

    def _take(self) -> tuple[_Job, Slot] | None:
        """Block until a job can start (its slot reserved); None once closed."""
        with self._lock:
            while not self._closed:
                ready = self._next_ready() if self._queues else math.inf
                if isinstance(ready, float):
                    self._work.wait(None if math.isinf(ready) else ready)
                    continue
                job, slot = ready
                if job.future.set_running_or_notify_cancel():
                    if self._queues:
                        self._work.notify()  # more may be ready: an idle worker looks
                    return job, slot
                self._pacer.release(slot, used=False)
            return None

    def _serve(self) -> None:
        while (taken := self._take()) is not None:
            self._run(*taken)

    def _run(self, job: _Job, slot: Slot) -> None:
        try:
            job.future.set_result(job.run(slot))
        except BaseException as exc:  # the future carries it to whoever waits
            job.future.set_exception(exc)
        finally:
            self._pacer.release(slot, used=False)
