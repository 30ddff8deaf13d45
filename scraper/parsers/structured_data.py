"""Structured data in HTML: JSON-LD scripts, microdata and RDFa Lite, as plain dicts.

All three come out in one shape, close to JSON-LD's own: ``{"@type": [...], "@id": ...,
"name": [...], ...}`` with nested items as dicts. Microdata and RDFa items also carry
``"@text"``: their visible text without the text of nested items (a Place whose name is
only the text of its link has nothing else to name it by).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import lxml.etree

from scraper.parsers import markup

log = logging.getLogger(__name__)

_WRAPPERS = (("<!--", "-->"), ("<![CDATA[", "]]>"), ("//<![CDATA[", "//]]>"), ("/*<![CDATA[*/", "/*]]>*/"))
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
_URL_TAGS = {"a": "href", "area": "href", "link": "href", "img": "src", "audio": "src", "video": "src"}
_URL_TAGS |= {"embed": "src", "iframe": "src", "source": "src", "track": "src", "object": "data"}


def json_ld(root: markup.Element, source: str) -> tuple[list[Any], list[str]]:
    """Every JSON value in the page's ``application/ld+json`` scripts, and what was skipped."""
    values: list[Any] = []
    warnings: list[str] = []
    for number, script in enumerate(root.iter("script"), start=1):
        kind = str(script.get("type") or "").lower()
        if "ld+json" not in kind:
            continue
        found, problem = loads_lenient(script.text or "")
        values.extend(found)
        if problem:
            warnings.append(f"{source}: JSON-LD script {number}: {problem}")
    return values, warnings


def loads_lenient(text: str) -> tuple[list[Any], str | None]:
    """JSON values in ``text``, tolerating what pages do to their JSON-LD.

    HTML comment or CDATA wrappers, control characters inside strings, trailing commas,
    several values one after another, and junk after the last one. Returns the values and
    a note on what was wrong (None when nothing was).
    """
    body = _unwrap(text)
    if not body:
        return [], None
    decoder = json.JSONDecoder(strict=False)
    for attempt, candidate in enumerate((body, _TRAILING_COMMA.sub(r"\1", body))):
        values: list[Any] = []
        at = 0
        try:
            while at < len(candidate):
                value, at = decoder.raw_decode(candidate, at)
                values.append(value)
                while at < len(candidate) and candidate[at] in " \t\r\n;,":
                    at += 1
                if at < len(candidate) and candidate[at] not in "{[":
                    rest = candidate[at : at + 20]
                    return values, f"ignored trailing text {rest!r}"
        except json.JSONDecodeError as exc:
            if values:
                return values, f"ignored text after the first value ({exc.msg})"
            if attempt == 1:
                return [], f"not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
            continue
        except RecursionError:
            return values, "JSON nested too deeply; skipped"
        return values, "removed trailing commas" if attempt else None
    return [], None


def _unwrap(text: str) -> str:
    body = text.strip()
    changed = True
    while changed:
        changed = False
        for opening, closing in _WRAPPERS:
            if body.startswith(opening):
                body = body[len(opening) :].lstrip()
                changed = True
            if body.endswith(closing):
                body = body[: -len(closing)].rstrip()
                changed = True
    return body


@dataclass(frozen=True)
class _Syntax:
    """The attributes one HTML syntax for items uses."""

    scope: str  # marks an item
    prop: str  # names a property
    kind: str  # the item's type(s)
    ident: tuple[str, ...]  # the item's id
    ref: str | None = None  # microdata's itemref


MICRODATA = _Syntax(scope="itemscope", prop="itemprop", kind="itemtype", ident=("itemid",), ref="itemref")
RDFA = _Syntax(scope="typeof", prop="property", kind="typeof", ident=("resource", "about"))


def items(root: markup.Element, syntax: _Syntax, base: str) -> list[dict[str, Any]]:
    """The top-level items of ``syntax`` (microdata or RDFa Lite) in the page."""
    reader = _Reader(root, syntax, base)
    return [reader.item(node) for node in reader.tops()]


class _Reader:
    def __init__(self, root: markup.Element, syntax: _Syntax, base: str) -> None:
        self.root = root
        self.syntax = syntax
        self.base = base
        self._ids: dict[str, markup.Element] | None = None

    def tops(self) -> Iterator[markup.Element]:
        for node in self.root.iter():
            if node.get(self.syntax.scope) is not None and node.get(self.syntax.prop) is None:
                yield node

    def item(self, node: markup.Element, depth: int = 0) -> dict[str, Any]:
        found: dict[str, Any] = {"@type": self._types(node)}
        for attribute in self.syntax.ident:
            if node.get(attribute):
                found["@id"] = markup.absolute(self.base, str(node.get(attribute)), keep_fragment=True) or ""
                break
        if depth > 20:  # a page that nests items this deep is broken or hostile
            return found
        for child in node:
            self._collect(child, found, depth)
        if self.syntax.ref and node.get(self.syntax.ref):
            for ident in str(node.get(self.syntax.ref)).split():
                target = self._by_id(ident)
                if target is not None:
                    self._collect(target, found, depth)
        found["@text"] = markup.squeeze(" ".join(self._own_text(node)))
        return found

    def _collect(self, start: markup.Element, found: dict[str, Any], depth: int) -> None:
        # an explicit stack: page nesting must not reach Python's recursion limit
        stack = [start]
        while stack:
            node = stack.pop()
            names = node.get(self.syntax.prop)
            nested = node.get(self.syntax.scope) is not None
            if names:
                value: Any = self.item(node, depth + 1) if nested else self._value(node)
                for name in str(names).split():
                    found.setdefault(local_name(name), []).append(value)
            if not nested:
                stack.extend(reversed(list(node)))

    def _types(self, node: markup.Element) -> list[str]:
        return [local_name(kind) for kind in str(node.get(self.syntax.kind) or "").split()]

    def _value(self, node: markup.Element) -> str:
        tag = str(node.tag).lower()
        if node.get("content") is not None:
            return markup.squeeze(str(node.get("content")))
        if tag in _URL_TAGS and node.get(_URL_TAGS[tag]) is not None:
            return markup.absolute(self.base, str(node.get(_URL_TAGS[tag])), keep_fragment=True) or ""
        if self.syntax is RDFA and node.get("resource"):
            return markup.absolute(self.base, str(node.get("resource"))) or ""
        if tag == "time" and node.get("datetime"):
            return str(node.get("datetime")).strip()
        if tag in ("data", "meter") and node.get("value") is not None:
            return str(node.get("value")).strip()
        return markup.text_of(node)

    def _own_text(self, node: markup.Element) -> Iterator[str]:
        """Text of ``node`` without nested items, scripts and metadata elements."""
        skipping: markup.Element | None = None
        for event, current in lxml.etree.iterwalk(node, events=("start", "end")):
            if skipping is not None:
                if event == "start" or current is not skipping:
                    continue
                skipping = None
            elif event == "start":
                hidden = str(current.tag) in ("script", "style", "meta", "template")
                if current is not node and (hidden or current.get(self.syntax.scope) is not None):
                    skipping = current
                elif current.text:
                    yield current.text
                continue
            if current is not node and current.tail:
                yield current.tail

    def _by_id(self, ident: str) -> markup.Element | None:
        if self._ids is None:
            self._ids = {str(n.get("id")): n for n in self.root.iter() if n.get("id")}
        return self._ids.get(ident)


def local_name(name: str) -> str:
    """ "http://schema.org/Event", "schema:Event", "Event" -> "Event"."""
    for mark in ("#", "/", ":"):
        if mark in name:
            name = name.rsplit(mark, 1)[1]
    return name
