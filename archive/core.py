"""``Archive``: the one entry point to the SQLite archive.

It takes and returns plain dicts, so the fetcher and parsers (``scraper``) never meet
SQLite and this package never imports them. Writes go through one transaction each.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from archive import query as q
from archive import reparse as replay
from archive import store
from archive.connection import explain, open_database, write_transaction
from archive.db import Db
from archive.errors import ArchiveError
from archive.sql import READ_ONLY_HINT, run_readonly

log = logging.getLogger(__name__)

Parse = Callable[[dict[str, Any]], list[dict[str, Any]] | None]


class Archive:
    """A schedarc archive file: every fetch, every body once, every session's history.

    ``readonly=True`` opens the file with SQLite's ``mode=ro``: nothing can be written,
    and a file that is missing or not yet migrated is an error rather than created.
    """

    def __init__(self, path: str | os.PathLike[str], *, readonly: bool = False) -> None:
        self._path = Path(path)
        self.readonly = readonly
        self.db: Db = open_database(self._path, readonly=readonly)

    # -- lifecycle -------------------------------------------------------------------

    @property
    def path(self) -> Path:
        return self._path

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Archive({str(self._path)!r}, readonly={self.readonly})"

    def _writable(self) -> None:
        if self.readonly:
            raise ArchiveError(f"the archive {self._path} is opened read-only", hint=READ_ONLY_HINT)

    def _read(self, doing: Callable[[], Any]) -> Any:
        try:
            return doing()
        except sqlite3.Error as exc:
            raise explain(exc, self._path, "read") from exc

    # -- writes ----------------------------------------------------------------------

    def start_run(self, command: str, argv: list[str]) -> int:
        """Record the start of a crawl or fetch command; returns the run id."""
        self._writable()
        with write_transaction(self.db, self._path):
            return store.start_run(self.db, command, argv)

    def finish_run(self, run_id: int, *, ok: bool, counts: dict[str, int]) -> None:
        self._writable()
        with write_transaction(self.db, self._path):
            store.finish_run(self.db, run_id, ok=ok, counts=counts)

    def record_page(
        self,
        fetch: Mapping[str, Any],
        *,
        sessions: Sequence[Mapping[str, Any]] | None = None,
        event: str | None = None,
        parse_error: str | None = None,
        parser: str | None = None,
        links: Sequence[str] | None = None,
        change_fields: int | None = None,
    ) -> dict[str, Any]:
        """Record one fetch of a page and, when ``sessions`` is given, what they became.

        One transaction: the page row, the fetch row, the body (stored once per sha256,
        compressed) and every session change commit together or not at all. A 304, a
        failed fetch, or a body identical to the last one parsed makes no versions.
        ``event`` is the event name for sessions that do not carry their own.
        ``links`` are the followable URLs of the page's body (see ``page_links``): kept with
        the page until its body changes; a 304 or the same body without them keeps the old.

        Returns ``{"fetch_id", "body_sha256", "new_body", "changes"}``; each change is
        ``{"kind", "uid", "title", "page", "fields": {name: {"old", "new"}}, "fetched_at"}``.
        ``change_fields``: only the first that many changes carry ``fields`` (the rest say
        what happened to which session, without old and new values: a first crawl's
        thousands of additions cost less when nobody reads them all); None: every change.
        """
        self._writable()
        with write_transaction(self.db, self._path):
            return store.record_page(
                self.db, fetch, sessions=sessions, event=event, parse_error=parse_error, parser=parser,
                links=links, change_fields=change_fields,
            )

    def reparse(self, parse: Parse, *, page: str | None = None) -> dict[str, int]:
        """Rebuild sessions and versions from stored bodies, oldest fetch first; no network.

        ``parse`` gets ``{"url", "final_url", "body", "media_type", "headers", "fetched_at",
        "target"}`` and returns session dicts, or None when the body cannot be parsed.
        All or nothing: if ``parse`` raises, the archive is left as it was.
        """
        self._writable()
        with write_transaction(self.db, self._path):
            counts = replay.reparse(self.db, parse, page=page)
        log.info("reparse: %s", counts)
        return counts

    # -- reads -----------------------------------------------------------------------

    def page_state(self, url: str) -> dict[str, Any] | None:
        """Validators and body hash of a page's last successful fetch (None if never)."""
        result: dict[str, Any] | None = self._read(lambda: q.page_state(self.db, url))
        return result

    def page_links(self, url: str) -> list[str] | None:
        """The links recorded for a page's current body; None when none were recorded."""
        result: list[str] | None = self._read(lambda: q.page_links(self.db, url))
        return result

    def sessions(
        self,
        *,
        event: str | None = None,
        speaker: str | None = None,
        on: date | str | None = None,
        room: str | None = None,
        page: str | None = None,
        removed: bool = False,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._read(
            lambda: q.sessions(self.db, event=event, speaker=speaker, on=on, room=room, page=page,
                               removed=removed, limit=limit)
        )
        return result

    def search(self, text: str, *, limit: int = 50) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._read(lambda: q.search(self.db, text, limit=limit))
        return result

    def changes(
        self, *, since: datetime | date | str | None = None, page: str | None = None
    ) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._read(lambda: q.changes(self.db, since=since, page=page))
        return result

    def history(self, key: str) -> dict[str, Any]:
        result: dict[str, Any] = self._read(lambda: q.history(self.db, key))
        return result

    def snapshots(self, url: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._read(lambda: q.snapshots(self.db, url))
        return result

    def fetch_body(self, fetch_id: int) -> bytes:
        result: bytes = self._read(lambda: q.fetch_body(self.db, fetch_id))
        return result

    def check(self) -> list[str]:
        """Every fault found ([] means healthy)."""
        result: list[str] = self._read(lambda: q.check(self.db))
        return result

    def query(
        self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """(columns, rows) of one read-only statement; a write raises ArchiveError and changes nothing."""
        return run_readonly(self.db.conn, sql, params)

    def last_run(self, target: str) -> datetime | None:
        result: datetime | None = self._read(lambda: q.last_run(self.db, target))
        return result

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self._read(lambda: q.stats(self.db))
        return result
