"""What a post says around a session: "Speakers:" lines, rooms, descriptions, sections.

A session announced in one place (a table row, a link followed by a time) is often
described in another: a heading further down with the same link or title, followed by
paragraphs and "Speaker: ..." lines. Sections are found by heading and joined to
sessions by URL or title.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urldefrag

from scraper.models import normalise_title
from scraper.parsers._blogpost_blocks import Block
from scraper.text import clean, looks_like_name, split_speakers, split_title_speakers
from scraper.timeparse import TimeSpan, find_times

_LABEL = re.compile(
    r"^(?P<label>speakers?|presenters?|moderators?|panell?ists?|hosts?|facilitators?|instructors?|"
    r"trainers?|with|room|location|where|venue|place|track|when|time|date)\s*:\s*(?P<value>.+)$"
    r"|^(?P<verb>presented|moderated|hosted|led|facilitated) by\s+(?P<named>.+)$",
    re.IGNORECASE,
)
_PEOPLE_LABELS = frozenset({
    "speaker", "speakers", "presenter", "presenters", "moderator", "moderators", "panelist",
    "panelists", "panellist", "panellists", "host", "hosts", "facilitator", "facilitators",
    "instructor", "instructors", "trainer", "trainers", "with",
})  # fmt: skip
_ROOM_LABELS = frozenset({"room", "location", "where", "venue", "place"})
_TIME_LABELS = frozenset({"when", "time", "date"})
# First person plus a speaking role in one sentence: "I will be one of the panelists".
_FIRST_PERSON = re.compile(r"\b(?:I|I'm|I’m|I'll|I’ll|I've|I’ve|me|my)\b")
_ROLE = re.compile(
    r"\b(?:speak\w*|present\w*|panel\w*|moderat\w*|talk\w*|giving|keynot\w*|host\w*|teach\w*|"
    r"lead\w*|run\w*|deliver\w*|workshop\w*|lightning)\b",
    re.IGNORECASE,
)
# Connectors left when a time is cut out of a line: "at", "on", ":", "—", "(", "|".
_EDGE = " \t\n,;:|·•@-–—"
_CONNECTORS = re.compile(
    r"^(?:(?:at|on|from|when|time|date)\b\s*:?\s*)+|(?:\s+(?:at|on|from))+$", re.IGNORECASE
)
_TRAILING_PEOPLE = re.compile(r"^(?P<title>.+?)\s*\((?P<people>[^()]+)\)$")


@dataclass
class Details:
    """Fields read from the lines around a session."""

    speakers: list[str] = field(default_factory=list)
    room: str | None = None
    track: str | None = None
    description: str | None = None


def label_of(line: str) -> tuple[str, str] | None:
    """("people"|"room"|"track"|"when", value) for a labelled line, else None."""
    match = _LABEL.match(line.strip())
    if not match:
        return None
    if match.group("verb"):
        return "people", clean(match.group("named"))
    label, value = match.group("label").casefold(), clean(match.group("value"))
    if label in _PEOPLE_LABELS:
        return "people", value
    if label in _ROOM_LABELS:
        return "room", value
    if label == "track":
        return "track", value
    return "when", value


def is_label_block(block: Block) -> bool:
    """True when every line of ``block`` is a labelled line."""
    lines = block.lines()
    return bool(lines) and all(label_of(line) for line in lines)


def read_details(body: Sequence[Block]) -> Details:
    """Speakers, room, track and description from ``body`` (labelled lines and prose)."""
    details = Details()
    paragraphs: list[str] = []
    for block in body:
        kept: list[str] = []
        for line in block.lines():
            label = label_of(line)
            if label is None:
                if not is_time_line(line):
                    kept.append(line)
            elif label[0] == "people":
                details.speakers.extend(n for n in split_speakers(label[1]) if n not in details.speakers)
            elif label[0] == "room":
                details.room = details.room or label[1]
            elif label[0] == "track":
                details.track = details.track or label[1]
        if kept:
            paragraphs.append(("- " if block.kind == "item" else "") + "\n".join(kept))
    details.description = "\n\n".join(paragraphs) or None
    return details


def describing(body: Sequence[Block]) -> list[Block]:
    """The blocks of ``body`` that still describe the session: labelled lines ("Speaker:",
    "Room:") close a session's description, so prose after them belongs to the post."""
    kept: list[Block] = []
    labelled = False
    for block in body:
        is_label = is_label_block(block)
        if labelled and not is_label:
            break
        labelled = labelled or is_label
        kept.append(block)
    return kept


def title_and_people(text: str) -> tuple[str, list[str]]:
    """"Title — A and B" or "Title (A, B)" -> the title and the names; otherwise the text."""
    title, names = split_title_speakers(text)
    if names:
        return title, names
    match = _TRAILING_PEOPLE.match(clean(text))
    if match:
        people = split_speakers(match.group("people"))
        # One-word parentheses are roles or labels ("(Keynote)"), not people.
        if people and all(looks_like_name(n) and " " in n for n in people):
            return match.group("title").strip(), people
    return clean(text), []


def first_person(text: str) -> bool:
    """True when a sentence of ``text`` has the author speaking: "I'm on the panel"."""
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        if _FIRST_PERSON.search(sentence) and _ROLE.search(sentence):
            return True
    return False


@dataclass
class Section:
    """A heading and the blocks under it, up to the next heading of its level or above."""

    heading: Block
    body: list[Block]


class SectionIndex:
    """Sections found by the link in their heading or by their heading's title."""

    def __init__(self, found: Sequence[Section]) -> None:
        self.by_url: dict[str, Section] = {}
        self.by_title: dict[str, Section] = {}
        for section in found:
            for link in section.heading.links:
                key = url_key(link.href)
                if key:
                    self.by_url.setdefault(key, section)
            title = title_and_people(section.heading.text)[0]
            self.by_title.setdefault(normalise_title(title), section)

    def find(self, url: str | None, title: str) -> Section | None:
        """The section about the session at ``url`` or called ``title``."""
        key = url_key(url)
        return (self.by_url.get(key) if key else None) or self.by_title.get(normalise_title(title))


def sections(blocks: Sequence[Block]) -> list[Section]:
    """Every heading's section."""
    found: list[Section] = []
    for i, block in enumerate(blocks):
        if block.kind != "heading":
            continue
        body: list[Block] = []
        for later in blocks[i + 1 :]:
            if later.kind == "rule" or (later.kind == "heading" and later.level <= block.level):
                break
            if later.kind in ("text", "item"):
                body.append(later)
        found.append(Section(block, describing(body)))
    return found


def url_key(url: str | None) -> str | None:
    """A URL as compared for identity: no fragment, no trailing slash, scheme-less."""
    if not url:
        return None
    bare = urldefrag(url).url.rstrip("/")
    return bare.split("://", 1)[-1].casefold() or None


def remainder(text: str, spans: list[TimeSpan]) -> str:
    """``text`` without its dates and times and the connectors around them."""
    kept, last = [], 0
    for span in spans:
        kept.append(text[last : span.pos])
        last = span.endpos
    kept.append(text[last:])
    pieces = [trim(_CONNECTORS.sub("", trim(piece))) for piece in kept]
    return " ".join(piece for piece in pieces if piece)


def trim(piece: str) -> str:
    """Strip separators, and brackets left unbalanced by the cut ("(11:15 am" -> "")."""
    while True:
        before = piece
        piece = piece.strip(_EDGE)
        if piece.startswith(("(", "[")) and not any(c in piece for c in ")]"):
            piece = piece[1:]
        if piece.endswith((")", "]")) and not any(c in piece for c in "(["):
            piece = piece[:-1]
        if piece == before:
            return piece


def is_time_line(text: str) -> bool:
    """True for a line that holds a date or time and nothing else ("April 16, 1:50 pm")."""
    spans = find_times(text)
    return bool(spans) and not remainder(text, spans)
