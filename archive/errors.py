"""The one error the archive raises: something about the SQLite file is wrong.

``archive`` never imports ``scraper``, so this is its own class; the CLI catches it
beside ``SchedarcError`` and prints it the same way: ``Error: message (hint)``.
"""

from __future__ import annotations


class ArchiveError(Exception):
    """The archive cannot be opened, written, read or trusted."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message
