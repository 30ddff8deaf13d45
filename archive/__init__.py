"""The schedarc archive: SQLite, one transaction per page, every snapshot kept.

``Archive`` is the one entry point; ``ArchiveError`` the one error it raises.
"""

from __future__ import annotations

from archive.core import Archive
from archive.errors import ArchiveError
from archive.schema import SCHEMA_VERSION

__all__ = ["SCHEMA_VERSION", "Archive", "ArchiveError"]
