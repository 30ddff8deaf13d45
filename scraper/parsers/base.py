"""The parser protocol: a pure function of a Document (no network, no disk, no clock)."""

from __future__ import annotations

from typing import ClassVar, Protocol, runtime_checkable

from scraper.models import Document, ParseResult


@runtime_checkable
class Parser(Protocol):
    """A schedule format.

    ``detect`` returns a confidence: 0 means "not mine", 1 "certainly mine"; it must be
    cheap (look at media type, URL and the first few KB) and must never raise.
    ``parse`` raises :class:`scraper.errors.ParseError` on malformed input.
    """

    name: ClassVar[str]
    description: ClassVar[str]

    def detect(self, doc: Document) -> float: ...

    def parse(self, doc: Document) -> ParseResult: ...
