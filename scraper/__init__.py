"""schedarc: a faithful, queryable archive of conference schedules.

The public API: :func:`parse` a document, :class:`Session` and friends, ``__version__``.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from scraper.models import Document, FetchResult, ParseResult, Session

try:
    __version__ = version("schedarc")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"


def parse(doc: Document, parser: str | None = None) -> ParseResult:
    """Parse ``doc`` with the named parser, or the one that recognises it."""
    from scraper import parsers

    return parsers.parse(doc, parser)


__all__ = ["Document", "FetchResult", "ParseResult", "Session", "__version__", "parse"]
