"""The parser registry: ``register`` a class, ``pick`` the best one for a document.

Built-in parsers are the modules of this package; each registers itself with the
``@register`` decorator on import. Third-party parsers can register through the
``schedarc.parsers`` entry-point group.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from typing import TypeVar

from scraper.errors import ParseError
from scraper.models import Document, ParseResult
from scraper.parsers.base import Parser

log = logging.getLogger(__name__)

#: Scores at or above this are a claim; below it a parser is only guessing.
CONFIDENT = 0.5
#: The parser used when nothing claims an HTML page (or when forced).
FALLBACK = "generic"

_REGISTRY: dict[str, Parser] = {}
_loaded = False

P = TypeVar("P", bound=type)


def register(cls: P) -> P:
    """Class decorator: instantiate and register a parser under ``cls.name``."""
    name = cls.name  # type: ignore[attr-defined]
    if name in _REGISTRY and type(_REGISTRY[name]) is not cls:
        raise ValueError(f"parser name {name!r} registered twice")
    _REGISTRY[name] = cls()
    return cls


def _load() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    from importlib.metadata import entry_points  # here: 20-35 ms to import, and a crawl of 304s never parses

    for module in pkgutil.iter_modules(__path__):
        if module.name != "base" and not module.name.startswith("_"):
            importlib.import_module(f"{__name__}.{module.name}")
    for entry in entry_points(group="schedarc.parsers"):
        try:
            entry.load()
        except Exception as exc:  # a broken plug-in must not break the tool
            log.warning("could not load parser plug-in %s: %s", entry.name, exc)


def names() -> list[str]:
    """The names of every registered parser, sorted."""
    _load()
    return sorted(_REGISTRY)


def get(name: str) -> Parser:
    """The parser called ``name``; ParseError naming the known ones otherwise."""
    _load()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ParseError(
            f"unknown parser {name!r}", hint=f"choose one of: {', '.join(sorted(_REGISTRY))}"
        ) from None


def scores(doc: Document) -> list[tuple[float, str]]:
    """Every parser's confidence for ``doc``, best first."""
    _load()
    found: list[tuple[float, str]] = []
    for name, parser in _REGISTRY.items():
        try:
            score = float(parser.detect(doc))
        except Exception as exc:  # detect must not raise; treat a crash as "not mine"
            log.warning("parser %s crashed in detect on %s: %s", name, doc.url, exc)
            score = 0.0
        found.append((score, name))
    found.sort(key=lambda item: (-item[0], item[1]))
    return found


def pick(doc: Document, name: str | None = None) -> Parser:
    """The parser for ``doc``: the forced ``name``, else the single most confident one.

    Refuses to guess between equally confident parsers; falls back to ``generic`` for
    pages nobody claims.
    """
    if name and name != "auto":
        return get(name)
    ranked = scores(doc)
    if ranked and ranked[0][0] >= CONFIDENT:
        best, runner_up = ranked[0], ranked[1] if len(ranked) > 1 else (0.0, "")
        if runner_up[0] == best[0]:
            raise ParseError(
                f"{doc.url}: parsers {best[1]!r} and {runner_up[1]!r} both claim this page",
                hint="choose one with --parser NAME",
            )
        return _REGISTRY[best[1]]
    if FALLBACK in _REGISTRY:
        return _REGISTRY[FALLBACK]
    raise ParseError(f"{doc.url}: no parser recognises this page", hint="choose one with --parser NAME")


def parse(doc: Document, name: str | None = None) -> ParseResult:
    """Pick a parser for ``doc`` and run it."""
    return pick(doc, name).parse(doc)


def describe() -> list[tuple[str, str]]:
    """(name, what it detects) for every parser, for ``schedarc parsers``."""
    _load()
    return [(name, _REGISTRY[name].description) for name in sorted(_REGISTRY)]


