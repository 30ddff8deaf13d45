"""schedarc: a faithful, queryable archive of conference schedules.

The public API: :func:`parse` a document, :class:`Session` and friends, ``__version__``.
"""

from __future__ import annotations

from scraper.models import Document, FetchResult, ParseResult, Session

# The one place the version is written; pyproject.toml reads it from here. A literal
# rather than importlib.metadata, which costs every command start ~40 ms.
__version__ = "0.1.0"


def parse(doc: Document, parser: str | None = None) -> ParseResult:
    """Parse ``doc`` with the named parser, or the one that recognises it."""
    from scraper import parsers

    return parsers.parse(doc, parser)


__all__ = ["Document", "FetchResult", "ParseResult", "Session", "__version__", "parse"]
