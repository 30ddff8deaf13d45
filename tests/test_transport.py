"""The deadline watchdog on real sockets: a blocked read is cut at the deadline; a connection
already handed back to the pool is left alone."""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass

from scraper.transport import Watchdog, current


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


def test_no_deadline_no_watch() -> None:
    watchdog = Watchdog()
    with watchdog.watch(float("inf")) as deadline:
        assert not deadline.expired
    watchdog.close()
