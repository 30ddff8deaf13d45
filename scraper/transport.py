"""The Fetcher's connections: a watchdog that enforces the whole-fetch deadline on the
socket itself, and (for ``allow_private = false``) a peer-address check after connecting.

Per-read timeouts cannot bound a server that drips one byte a second, in its headers
or its body: every read returns in time, and the response never ends. So each request
runs under a :class:`Deadline` known to its thread; the connection pool records which
connection serves it, and when the deadline passes the watchdog shuts that socket down.
The blocked read returns, the request fails, and the Fetcher reports the time budget.
Requests through a proxy use urllib3's own pools and get per-read timeouts only.
"""

from __future__ import annotations

import logging
import math
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.request import getproxies

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from scraper.addresses import check_peer

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Deadline:
    """One request's time limit (a ``time.monotonic()`` value) and the connection serving it."""

    at: float
    connection: Any = None
    expired: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def expire(self) -> None:
        """Mark expired and cut the connection's socket so a blocked read returns."""
        with self._lock:
            self.expired = True
            sock = getattr(self.connection, "sock", None)
            if sock is not None:
                try:
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the raw fd, also under TLS
                except (OSError, TypeError):
                    pass

    def serve(self, connection: object) -> None:
        """``connection`` now carries this request (cut at once if the deadline has passed)."""
        with self._lock:
            self.connection = connection
        if self.expired:
            self.expire()

    def release(self, connection: object) -> None:
        """``connection`` went back to the pool: no longer ours to cut."""
        with self._lock:
            if self.connection is connection:
                self.connection = None


_local = threading.local()


def current() -> Deadline | None:
    """The deadline of the request this thread is making, if any."""
    deadline: Deadline | None = getattr(_local, "deadline", None)
    return deadline


class Watchdog:
    """One thread expiring the deadlines of requests in flight."""

    def __init__(self) -> None:
        self._active: set[Deadline] = set()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False
        # When the sleeping watchdog wakes on its own (-inf while it is awake: it reads
        # _active before it sleeps). A new deadline no sooner than that, the usual case
        # since every fetch gets the same budget, need not wake it: a thread switch less per request.
        self._wakes_at = -math.inf

    @contextmanager
    def watch(self, at: float) -> Iterator[Deadline]:
        """Run the block as a request limited to ``at``; the deadline is this thread's meanwhile."""
        deadline = Deadline(at)
        if not math.isfinite(at):
            yield deadline
            return
        with self._changed:
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(target=self._run, name="schedarc-watchdog", daemon=True)
                self._thread.start()
            self._active.add(deadline)
            if at < self._wakes_at:  # asleep past this deadline (an awake watchdog reads _active anyway)
                self._changed.notify()
        previous, _local.deadline = current(), deadline
        try:
            yield deadline
        finally:
            _local.deadline = previous
            with self._changed:
                self._active.discard(deadline)

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify()

    def _run(self) -> None:
        while True:
            with self._changed:
                if self._closed:
                    return
                now = time.monotonic()
                due = [d for d in self._active if d.at <= now]
                for deadline in due:
                    self._active.discard(deadline)
                if not due:
                    soonest = min((d.at for d in self._active), default=now + 3600.0)
                    self._wakes_at = min(soonest, now + 3600.0)
                    self._changed.wait(self._wakes_at - now)
                    self._wakes_at = -math.inf
                    continue
            for deadline in due:
                log.debug("request past its deadline: cutting its connection")
                deadline.expire()


class _Checked:
    """Connection mixin: optionally refuse a non-public peer right after connecting."""

    public_only = False
    host: str

    def _new_conn(self) -> socket.socket:
        sock: socket.socket = super()._new_conn()  # type: ignore[misc]
        if self.public_only:
            check_peer(sock, self.host)
        return sock


class _HTTP(_Checked, HTTPConnection):
    pass


class _HTTPS(_Checked, HTTPSConnection):
    pass


class _PublicHTTP(_HTTP):
    public_only = True


class _PublicHTTPS(_HTTPS):
    public_only = True


class _Watched:
    """Pool mixin: hand each connection to the deadline of the request about to use it."""

    def _get_conn(self, timeout: float | None = None) -> Any:
        conn = super()._get_conn(timeout)  # type: ignore[misc]
        deadline = current()
        if deadline is not None:
            deadline.serve(conn)
        return conn

    def _put_conn(self, conn: Any) -> None:
        deadline = current()
        if deadline is not None:
            deadline.release(conn)
        super()._put_conn(conn)  # type: ignore[misc]


class _HTTPPool(_Watched, HTTPConnectionPool):
    ConnectionCls = _HTTP


class _HTTPSPool(_Watched, HTTPSConnectionPool):
    ConnectionCls = _HTTPS


class _PublicHTTPPool(_Watched, HTTPConnectionPool):
    ConnectionCls = _PublicHTTP


class _PublicHTTPSPool(_Watched, HTTPSConnectionPool):
    ConnectionCls = _PublicHTTPS


class Adapter(HTTPAdapter):
    """requests' adapter over our pools; ``public_only`` refuses non-public peers."""

    def __init__(self, *, public_only: bool = False, **kwargs: Any) -> None:
        self.public_only = public_only
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        if self.public_only:
            pools: dict[str, type[HTTPConnectionPool]] = {"http": _PublicHTTPPool, "https": _PublicHTTPSPool}
        else:
            pools = {"http": _HTTPPool, "https": _HTTPSPool}
        self.poolmanager.pool_classes_by_scheme = pools


# What requests looks up in the environment on every request when ``trust_env`` is on,
# that cannot be settled once for the session: proxies (no_proxy is per URL) and netrc.
_PER_REQUEST_KEYS = ("NETRC",)


def environment_matters() -> bool:
    """Whether proxies or a netrc file are configured, which requests must consult per request.

    With ``trust_env`` on, requests looks these up again for every request (about 0.4 ms
    each, a third of a 304's cost). When none is set, that lookup can only find nothing,
    so the session is told not to look; the CA bundle it would also read is set on the
    session once (:func:`ca_bundle`).
    """
    if getproxies() or any(os.environ.get(key) for key in _PER_REQUEST_KEYS):
        return True
    home = Path("~").expanduser()
    return (home / ".netrc").exists() or (home / "_netrc").exists()


def ca_bundle() -> str | None:
    """The CA bundle requests would take from the environment: REQUESTS_CA_BUNDLE, else CURL_CA_BUNDLE."""
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or None


def new_session(workers: int, *, public_only: bool) -> requests.Session:
    """A requests Session over our pools, sized so no worker waits for or discards a connection."""
    session = requests.Session()
    session.trust_env = environment_matters()
    bundle = ca_bundle()
    if not session.trust_env and bundle:
        session.verify = bundle  # what trust_env would have read per request, read once
    adapter = Adapter(public_only=public_only, pool_connections=64, pool_maxsize=max(10, workers), max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def send_get(session: requests.Session, url: str, headers: dict[str, str], timeout: float) -> requests.Response:
    """``session.get(url, stream=True, allow_redirects=False)`` for a session with ``trust_env`` off.

    Session.request merges the request's settings with the session's and the environment's
    on every call (a third of requests' own cost per 304 here: its runtime Protocol checks
    alone are ~15 us each). With nothing to find in the environment, what remains is the
    session's headers, cookies and hooks, applied here directly; send() still stores the
    response's cookies in the session.
    """
    merged = CaseInsensitiveDict(session.headers)
    merged.update(headers)
    prepared = requests.PreparedRequest()
    prepared.prepare(method="GET", url=url, headers=merged, cookies=session.cookies, hooks=session.hooks)
    return session.send(prepared, stream=True, allow_redirects=False, timeout=(timeout, timeout),
                        proxies=session.proxies)
