"""Shared machinery of the structured-feed parsers (iCalendar, frab XML/JSON, Sessionize, Indico).

Feeds differ in shape but share chores: naming the source in errors, loading JSON and
XML safely and within memory, placing times in the right zone, tidying descriptions and
person names, and keeping uids unique on a page.
"""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime, tzinfo
from typing import Any
from urllib.parse import urljoin

from scraper.errors import ConfigError, ParseError
from scraper.models import Document, Session
from scraper.text import clean
from scraper.timeparse import zone

log = logging.getLogger(__name__)

#: Bigger JSON documents are refused: ``json.loads`` holds the whole tree in memory.
MAX_JSON_BYTES = 64 * 1024 * 1024
#: Estimated bytes of Python objects a JSON document may turn into before it is refused.
MAX_JSON_OBJECT_BYTES = 768 * 1024 * 1024
#: How much of a document ``detect`` looks at.
SNIFF_CHARS = 16_384


def source_name(doc: Document) -> str:
    """How errors name the document: its URL, or a placeholder for piped input."""
    return doc.url or "<input>"


def failure(doc: Document, problem: str, hint: str) -> ParseError:
    """A ParseError that names the source and the problem."""
    return ParseError(f"{source_name(doc)}: {problem}", hint=hint)


def head(doc: Document, size: int = SNIFF_CHARS) -> str:
    """The first ``size`` characters, without BOM and leading whitespace: what detect() reads."""
    text = doc.text[:size] if doc.text else doc.body[:size].decode("utf-8", "replace")
    return text.lstrip("\ufeff \t\r\n")


def url_has(doc: Document, *needles: str) -> bool:
    """Whether the document URL contains any of ``needles`` (case-insensitive)."""
    lowered = (doc.url or "").lower()
    return any(needle in lowered for needle in needles)


# --- JSON -------------------------------------------------------------------------------


def load_json(doc: Document, what: str) -> Any:
    """The decoded JSON of ``doc``; ParseError for invalid, hostile or oversized input.

    The object estimate counts braces, brackets and quotes (a C-speed scan) so that a
    document of millions of tiny objects is refused before it is built.
    """
    text = doc.text if doc.text else doc.body.decode("utf-8", "replace")
    size = len(text)
    if size > MAX_JSON_BYTES:
        raise failure(
            doc,
            f"{what} JSON is {size / 1e6:.0f} MB, over the {MAX_JSON_BYTES // 2**20} MB limit",
            "split the export (per day or per track) or raise MAX_JSON_BYTES",
        )
    containers = text.count("{") + text.count("[")
    strings = text.count('"') // 2
    if containers * 100 + strings * 60 > MAX_JSON_OBJECT_BYTES:
        raise failure(
            doc,
            f"{what} JSON holds too many values ({containers} objects/arrays, {strings} strings)",
            "this does not look like a schedule export; check the URL",
        )
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise failure(
            doc,
            f"invalid {what} JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            "the file is truncated or not JSON; fetch it again or check the URL",
        ) from None
    except RecursionError:
        raise failure(doc, f"{what} JSON is nested too deeply", "this is not a schedule export") from None


def as_dict(value: object) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty dict (feeds leave fields out)."""
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list[Any]:
    """``value`` when it is a JSON array, else an empty list."""
    return value if isinstance(value, list) else []


def text_of(value: object) -> str:
    """A JSON scalar as text ('' for null, lists and objects)."""
    if value is None or isinstance(value, (dict, list)):
        return ""
    return str(value)


# --- XML --------------------------------------------------------------------------------

_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)


def refuse_entities(doc: Document, data: bytes) -> None:
    """ParseError when the DTD declares entities (billion laughs, external entities).

    The XML parser never expands them anyway; refusing says plainly why nothing came out.
    """
    match = _DOCTYPE.search(data, 0, 65_536)
    if match is None:
        return
    end = data.find(b"]>", match.end())
    subset = data[match.end() : end if end >= 0 else match.end() + 65_536]
    if b"<!ENTITY" in subset:
        raise failure(
            doc,
            "XML declares entities in its DTD (refused: entity expansion is off)",
            "schedule exports never need DTD entities; this file is hostile or not a schedule",
        )


# --- time -------------------------------------------------------------------------------


def zone_or_none(name: str | None) -> tzinfo | None:
    """The IANA zone ``name``, or None when it is empty or unknown."""
    if not name:
        return None
    try:
        return zone(name.strip())
    except ConfigError:
        return None


class Clock:
    """Places a feed's times in one zone: the feed's own, else the configured one.

    Naive times are read as wall-clock time in that zone; with no zone at all they are
    read as UTC and a warning is recorded once, since a silent guess would shift talks.
    """

    def __init__(self, doc: Document, *feed_zones: str | None) -> None:
        self.name: str | None = None
        self.tz: tzinfo | None = None
        self.warnings: list[str] = []
        self._guessed = False
        for candidate in (*feed_zones, doc.timezone):
            found = zone_or_none(candidate)
            if found is not None:
                self.name, self.tz = candidate.strip() if candidate else None, found
                break
            if candidate:
                self.warnings.append(f"unknown time zone {candidate!r} ignored")

    def place(self, moment: datetime | None) -> datetime | None:
        """``moment`` as an aware datetime in this clock's zone (None passes through)."""
        if moment is None:
            return None
        if moment.tzinfo is None:
            if self.tz is not None:
                return moment.replace(tzinfo=self.tz)
            if not self._guessed:
                self._guessed = True
                self.warnings.append("times without a zone were read as UTC; pass --timezone")
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(self.tz) if self.tz is not None else moment

    def zone_name(self, moment: datetime | None) -> str | None:
        """The IANA name to store with ``moment``."""
        if self.name:
            return self.name
        if moment is not None and moment.tzinfo is not None and moment.utcoffset() == UTC.utcoffset(None):
            return "UTC"
        return None


# --- text -------------------------------------------------------------------------------

_HTML_TAG = re.compile(r"</?(?:p|br|div|span|a|ul|ol|li|em|strong|b|i|h[1-6]|blockquote|code|pre)\b[^>]*>", re.I)
_BREAK_TAG = re.compile(r"<(?:br\s*/?|/p|/div|/li|/h[1-6]|/blockquote)\s*>", re.I)
_ANY_TAG = re.compile(r"<[^<>]{1,1000}>")


def prose(*parts: str | None) -> str | None:
    """A description: the non-empty, distinct ``parts`` joined by blank lines.

    HTML tags are dropped (line breaks kept), entities decoded, indentation and runs of
    spaces collapsed, paragraphs kept.
    """
    found: list[str] = []
    for part in parts:
        if not part:
            continue
        text = part
        if "<" in text and _HTML_TAG.search(text):
            text = _ANY_TAG.sub("", _BREAK_TAG.sub("\n", text))
        if "&" in text:
            text = html.unescape(text)
        text = tidy_lines(text) if untidy(text) else text.strip()
        if text and text not in found:
            found.append(text)
    return "\n\n".join(found) or None


def untidy(text: str) -> bool:
    """Whether ``text`` has whitespace other than single spaces (plain ``in`` beats a regex)."""
    # _UNTIDY_MARKS spelled out: any(<generator>) cost more than the scans, once per description
    return (
        "\n" in text or "  " in text or "\t" in text or "\r" in text or "\xa0" in text or "\f" in text
        or "\v" in text or "\u2028" in text or "\u2029" in text or "\x85" in text
    )  # fmt: skip


_UNTIDY_MARKS = ("\n", "  ", "\t", "\r", "\xa0", "\f", "\v", "\u2028", "\u2029", "\x85")  # likeliest first


def _not_tidy(text: str) -> bool:
    """Whether ASCII ``text`` (unpadded) has double spaces, blank or padded lines, or whitespace other
    than spaces and line breaks (spelled out: plain ``in`` scans beat any(<generator>))."""
    return (
        "  " in text or "\n\n" in text or "\n " in text or " \n" in text or "\t" in text or "\r" in text
        or "\v" in text or "\f" in text or "\x1c" in text or "\x1d" in text or "\x1e" in text or "\x1f" in text
    )  # fmt: skip


def tidy_lines(text: str) -> str:
    """Collapse spaces within lines and runs of blank lines; strip the ends.

    str.split() beats regexes several times over on non-ASCII text, which feeds are full of.
    """
    plain = text.isascii() and text[:1] not in " \n" and text[-1:] not in " \n"
    if plain and not _not_tidy(text):
        return text  # already tidy: most descriptions are paragraphs of plain lines
    return retidy(text)


def retidy(text: str) -> str:
    """:func:`tidy_lines` without its shortcut for text that is tidy already."""
    lines: list[str] = []
    blank = False
    for line in text.splitlines():
        words = line.split()
        if words:
            if blank and lines:
                lines.append("")
            lines.append(" ".join(words))
            blank = False
        else:
            blank = True
    return "\n".join(lines)


_TRAILING_BRACKET = re.compile(r"\s*\[[^\[\]]*\]\s*$")


def person_name(text: str | None) -> str:
    """A person's display name: cleaned, without a trailing "[Affiliation]" (pretalx)."""
    name = clean(text)
    if name.endswith("]"):
        stripped = _TRAILING_BRACKET.sub("", name)
        name = stripped or name
    return name


def people(names: Iterable[str | None]) -> list[str]:
    """Person names, cleaned, in order, without empties and duplicates."""
    found: list[str] = []
    for raw in names:
        name = person_name(raw)
        if name and name not in found:
            found.append(name)
    return found


def turn_round(name: str) -> str:
    """'Last, First' -> 'First Last'; other names unchanged."""
    if name.count(",") == 1:
        last, first = (part.strip() for part in name.split(","))
        if last and first:
            return f"{first} {last}"
    return name


def absolute(url: str | None, base: str | None) -> str | None:
    """``url`` resolved against ``base`` (relative links in feeds); None when empty."""
    value = (url or "").strip()
    if not value:
        return None
    if base and "://" not in value[:12]:
        try:
            return urljoin(base, value)
        except ValueError:  # "//[oops": not a URL anyone can follow
            return None
    return value


def link_base(doc: Document, feed_base: str | None) -> str:
    """What relative links resolve against: a base URL given by the user, else the
    feed's own (frab's ``base_url``), else the document URL."""
    if doc.base_url and doc.base_url != doc.url:
        return doc.base_url
    return feed_base or doc.base_url or doc.url


def unique_uids(sessions: list[Session]) -> None:
    """Suffix repeated uids ("~2", "~3") so that (page, uid) stays a key."""
    seen: dict[str, int] = {}
    for session in sessions:
        count = seen.get(session.uid, 0) + 1
        seen[session.uid] = count
        if count > 1:
            session.uid = f"{session.uid}~{count}"
