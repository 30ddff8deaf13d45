"""``Db``: the archive's SQLite connection, as the rest of the package uses it.

The archive needs sqlite-utils for one thing: applying migrations (``schema``). Its
import (with dateutil and pluggy) costs ~13 MiB and ~50 ms, paid by every command and
every cron run, so day-to-day work goes through this thin wrapper over ``sqlite3`` and
sqlite-utils is imported only when a file has migrations pending.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

Params = Sequence[Any] | Mapping[str, Any]


class Db:
    """An open archive file: ``execute`` like sqlite-utils' ``Database``, ``conn`` beneath.

    The connection is in autocommit mode (``connection.py``): a statement outside an
    explicit transaction commits at once, as sqlite-utils' ``execute`` made it do.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, parameters: Params = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, parameters)

    @property
    def schema(self) -> str:
        """Every CREATE statement, in sqlite_master order (as sqlite-utils' ``schema`` gives it)."""
        statements = []
        for (sql,) in self.conn.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL"):
            text = str(sql)
            statements.append(text if text.strip().endswith(";") else text + ";")
        return "\n".join(statements)

    def close(self) -> None:
        self.conn.close()
