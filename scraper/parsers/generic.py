"""The last resort: HTML pages in no known format, read as repeated blocks with times.

Used only when forced (``--parser generic``) or when no other parser claims a page,
so ``detect`` stays low. It finds the largest group of sibling blocks that show times
(:mod:`scraper.parsers.generic_blocks`), takes the day from the block or the last dated
heading above it, and reads title, speakers, room and link from the block's parts: a
table's header row names its columns; otherwise class names ("speaker", "room") and
headings, links and bold text do. A page with nothing schedule-like gives no sessions
and a warning, never an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from scraper.errors import ParseError
from scraper.models import Document, ParseResult, Session, stable_uid
from scraper.parsers import datetext, markup, register
from scraper.parsers.generic_blocks import Group, best_group, block_text, has_time
from scraper.text import split_speakers, split_title_speakers
from scraper.timeparse import zone_name

_HEADINGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6", "caption", "dt", "th"))
_TITLE_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6", "strong", "b")
# Column and class words, by the field they mark.
_ROLES = {  # the first that matches wins: "slot-room" is a room, "Talk title" a title
    "time": re.compile(r"\b(?:time|when|start|hour|uhrzeit|zeit|heure)\b", re.IGNORECASE),
    "speakers": re.compile(r"speaker|presenter|author|person|people|\bwho\b|\bhost|referent", re.IGNORECASE),
    "room": re.compile(r"room|location|where|venue|\bhall\b|stage|place|raum|\bort\b|salle", re.IGNORECASE),
    "description": re.compile(r"desc|abstract|summary|teaser|details", re.IGNORECASE),
    "title": re.compile(r"title|talk|session|topic|subject|\bwhat\b|event|programme|program|vortrag", re.IGNORECASE),
}
_SEPARATORS = " \u00a0,.;:|-–—•·@()[]"


@dataclass(frozen=True)
class _Context:
    doc: Document
    base: str
    year: int | None


@register
class GenericParser:
    name: ClassVar[str] = "generic"
    description: ClassVar[str] = "last resort for HTML in no known format: repeated blocks with a time and a title"

    def detect(self, doc: Document) -> float:
        return 0.1 if markup.looks_like_html(doc) else 0.0

    def parse(self, doc: Document) -> ParseResult:
        result = ParseResult(parser=self.name)
        if not markup.looks_like_html(doc):
            result.warnings.append(f"{doc.url}: not an HTML page, and no parser recognises it")
            return result
        try:
            root = markup.load(doc, self.name)
        except ParseError as exc:
            result.warnings.append(str(exc))
            return result
        group = best_group(root)
        if group is None:
            result.warnings.append(
                f"{doc.url}: nothing schedule-like (no repeated blocks with times); try --parser NAME"
            )
            return result
        context = _Context(doc, markup.base_url(doc, root), _year(doc, root))
        days = _days_in_force(root, group, context.year)
        columns = _columns(group)
        seen: set[str] = set()
        for member in group.members:
            session = _session(member, member.getnext(), days.get(member), columns, context)
            if session is not None and session.uid not in seen:
                seen.add(session.uid)
                result.sessions.append(session)
        kind = f"<{group.members[0].tag}>"
        result.warnings.append(f"{doc.url}: layout guessed from {len(group.members)} repeated {kind} blocks")
        return result


def _year(doc: Document, root: markup.Element) -> int | None:
    if doc.year:
        return doc.year
    heading = root.find(".//h1")
    for text in (markup.title_of(root), markup.text_of(heading) if heading is not None else ""):
        found = markup.year_in(text)
        if found:
            return found
    return doc.fetched_at.year if doc.fetched_at else None


def _days_in_force(root: markup.Element, group: Group, year: int | None) -> dict[markup.Element, date]:
    """For each member block, the day named by the last dated heading above it."""
    members = set(group.members)
    days: dict[markup.Element, date] = {}
    current: date | None = None
    for node in root.iter():
        if node in members:
            if current is not None:
                days[node] = current
            continue
        tag = str(node.tag)
        cls = str(node.get("class") or "")
        if tag in _HEADINGS or "day" in cls or "date" in cls:
            text = markup.text_of(node)
            if text and len(text) <= 80:
                current = datetext.day_of(text, year) or current
    return days


def _columns(group: Group) -> dict[int, str]:
    """Roles of table columns by their header text ({0: "time", 1: "title", ...})."""
    if group.members[0].tag != "tr":
        return {}
    table = group.parent if group.parent.tag == "table" else group.parent.getparent()
    if table is None:
        return {}
    for row in table.iter("tr"):
        cells = [c for c in row if c.tag in ("th", "td")]
        if cells and all(c.tag == "th" for c in cells):
            roles: dict[int, str] = {}
            for number, cell in enumerate(cells):
                role = _role(markup.text_of(cell))
                if role and role not in roles.values():
                    roles[number] = role
            return roles
    return {}


def _role(text: str) -> str | None:
    for role, pattern in _ROLES.items():
        if pattern.search(text):
            return role
    return None


def _session(
    block: markup.Element,
    following: markup.Element | None,
    day: date | None,
    columns: dict[int, str],
    context: _Context,
) -> Session | None:
    text = block_text(block)
    if not text:
        return None
    span = datetext.when(text, context.year, day)
    if span is None or not span.has_time:
        return None
    start, end = datetext.place(span, context.doc.timezone) if span.local_start else (None, None)
    parts = _parts(block, columns)
    rest = (text[: span.pos] + " " + text[span.endpos :]).strip(_SEPARATORS)
    title, anchor = parts.get("title", ("", None))
    speakers = split_speakers(parts["speakers"][0]) if "speakers" in parts else []
    if not title:
        title, speakers = split_title_speakers(rest) if not speakers else (rest, speakers)
        for field in ("room", "speakers", "description"):
            value = parts.get(field, ("", None))[0]
            if value and value in title:
                title = title.replace(value, " ").strip(_SEPARATORS)
    if not title and following is not None and not has_time(following):
        title = block_text(following)  # "<dt>10:00</dt><dd>Title</dd>"
    title = markup.squeeze(title).strip(_SEPARATORS)
    if not title:
        return None
    if anchor is None:
        anchor = next((a for a in block.iter("a") if a.get("href")), None)
    url = markup.absolute(context.base, str(anchor.get("href"))) if anchor is not None else None
    return Session(
        title=title,
        uid=url or stable_uid(context.doc.url, title),
        speakers=speakers,
        start=start,
        end=end,
        timezone=zone_name(start, context.doc.timezone) if start else context.doc.timezone,
        room=parts.get("room", ("", None))[0] or None,
        url=url,
        description=parts.get("description", ("", None))[0] or None,
    )


def _parts(block: markup.Element, columns: dict[int, str]) -> dict[str, tuple[str, markup.Element | None]]:
    """Field -> (text, its link) from table columns, or from class names and markup."""
    found: dict[str, tuple[str, markup.Element | None]] = {}
    if columns:
        cells = [c for c in block if c.tag in ("td", "th")]
        for number, column in columns.items():
            if number < len(cells) and column != "time":
                link = next(cells[number].iter("a"), None)
                found[column] = (markup.text_of(cells[number]), link)
        return found
    for node in block.iterdescendants():
        cls = str(node.get("class") or "")
        role = _role(cls) if cls else None
        if role and role != "time" and role not in found:
            text = markup.text_of(node)
            if text and not datetext.is_clock_only(text):
                found[role] = (text, node if node.tag == "a" else next(node.iter("a"), None))
    if "title" not in found:
        for node in block.iterdescendants(*_TITLE_TAGS, "a"):
            text = markup.text_of(node)
            if text and not datetext.is_clock_only(text) and not _only_date(text):
                found["title"] = (text, node if node.tag == "a" else next(node.iter("a"), None))
                break
    return found


def _only_date(text: str) -> bool:
    span = datetext.when(text, None)
    if span is None:
        return False
    rest = text[: span.pos] + text[span.endpos :]
    return not rest.strip(_SEPARATORS)
