"""One crawl per archive at a time: an flock on ``<archive>.lock``.

The kernel releases an flock when its process dies, so a lock left by a killed crawl
is taken over by the next one without any stale-PID guessing; the PID and start time
written into the file only serve the "held by" message.
"""

from __future__ import annotations

import fcntl
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO

from scraper.errors import ArchiveError, LockHeldError


class CrawlLock:
    """``with CrawlLock(db_path, wait=...):`` guards a crawl; LockHeldError when busy."""

    def __init__(self, archive_path: Path, *, wait: float | None = None) -> None:
        self.path = archive_path.with_name(archive_path.name + ".lock")
        self.wait = wait  # None: fail at once; a number: seconds to wait (inf: forever)
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        try:
            handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the lock's life
        except OSError as exc:
            raise ArchiveError(f"cannot create lock file {self.path}: {exc.strerror}",
                               hint="check that the archive's directory is writable") from None
        deadline = None if self.wait is None else time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if deadline is None or time.monotonic() >= deadline:
                    holder = self.holder()
                    handle.close()
                    raise LockHeldError(
                        f"another crawl is running on this archive ({holder})",
                        hint="wait for it to finish, or pass --wait to queue behind it",
                    ) from None
                time.sleep(0.2)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {datetime.now(UTC).isoformat(timespec='seconds')}\n")
        handle.flush()
        self._handle = handle

    def holder(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8").strip() or "holder unknown"
        except OSError:
            return "holder unknown"

    def release(self) -> None:
        if self._handle is not None:
            self._handle.seek(0)
            self._handle.truncate()
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None

    def __enter__(self) -> CrawlLock:
        self.acquire()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()
