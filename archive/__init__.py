"""The schedarc archive: SQLite, one transaction per page, every snapshot kept.

``Archive`` is the one entry point; ``ArchiveError`` the one error it raises.
``Archive`` and ``SCHEMA_VERSION`` load on first use: code that only catches
``ArchiveError`` (the CLI, for every command) need not import SQLite's stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from archive.errors import ArchiveError

if TYPE_CHECKING:
    from archive.core import Archive
    from archive.tables import SCHEMA_VERSION

__all__ = ["SCHEMA_VERSION", "Archive", "ArchiveError"]


def __getattr__(name: str) -> Any:
    if name == "Archive":
        from archive.core import Archive

        return Archive
    if name == "SCHEMA_VERSION":
        from archive.tables import SCHEMA_VERSION

        return SCHEMA_VERSION
    raise AttributeError(f"module 'archive' has no attribute {name!r}")
