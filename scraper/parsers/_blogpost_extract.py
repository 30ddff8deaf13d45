"""Finding sessions in a post's blocks: the shapes real announcement posts take.

- a title block (heading, or a paragraph that is mostly one link or bold text) followed
  by a line that is only a time: "[Title — Speaker](url)" then "April 16, 1:50 pm";
- a block holding both a title and a time: "## 11:15 am — Keynote", "- Tuesday May 13,
  2:50pm-4:20pm: [Title](url)";
- a time slot (a heading or line that is only a time) over the title blocks below it;
- a talk in running prose: a sentence with a link and a time ("I will be one of the
  panelists on the [Governance Policy Panel](url) Tuesday at 4pm");
- a line that is only a date ("## Tuesday, Nov. 5") sets the day for bare times below.
Tables are read by :mod:`_blogpost_tables`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from scraper.parsers._blogpost_blocks import Block, Link
from scraper.parsers._blogpost_details import first_person, is_label_block, label_of, remainder, trim
from scraper.parsers._blogpost_page import Post
from scraper.text import split_title_speakers
from scraper.timeparse import TimeSpan, find_times

# Link texts that name an action, not a talk.
_GENERIC_LINK = re.compile(
    r"^(?:here|link|this|click here|more|read more|details|register|registration|slides|video|"
    r"map|directions|website|site|schedule|full schedule|tickets|rsvp|sign up)$",
    re.IGNORECASE,
)
# Hrefs that point at one session's own page (sched, pretalx, sessionize, generic /talk/).
_SESSION_HREF = re.compile(r"/(?:event|talk|session|speaker-session|presentation)s?/[^/]+")
_ROOM_TAIL = re.compile(
    r"(?:^(?:in\s+)?|[,;|–—(]\s*|\s+in\s+)(?P<room>(?:Room|Rm\.?|Hall|Stage|Auditorium|Ballroom|Salon|Theat(?:er|re))"
    r"\s+[\w.-]+(?:\s+[A-Z0-9][\w.-]*)?)\)?$"
)
# Headings that label a part of the post rather than name a talk.
_GENERIC_HEADING = re.compile(
    r"^\W*(?:when|where|time|date|dates|schedule|agenda|program|programme|details|location|venue|"
    r"tickets|registration|about|summary|update|updates|more|coda|links|slides|videos?)\W*$",
    re.IGNORECASE,
)
_SHORT = 160
_PROSE_WORDS = 5
_MAX_PER_BLOCK = 50


@dataclass
class Draft:
    """A session as first found, before details and identity are settled."""

    title: str
    url: str | None
    when: TimeSpan | None
    order: int
    speakers: list[str] = field(default_factory=list)
    room: str | None = None
    track: str | None = None
    description: str | None = None
    first_person: bool = False
    details_from: int | None = None  # the first block that may describe it


@dataclass
class _Walk:
    post: Post
    blocks: Sequence[Block]
    day: TimeSpan | None = None
    slot: TimeSpan | None = None
    slot_level: int = 8
    pending: Block | None = None
    drafts: list[Draft] = field(default_factory=list)


#: Reads a table block, given the day in force above it.
TableReader = Callable[[Block, TimeSpan | None], list[Draft]]


def block_drafts(post: Post, blocks: Sequence[Block], read_table: TableReader) -> list[Draft]:
    """Sessions announced by the post's blocks, in order; tables go to ``read_table``."""
    walk = _Walk(post, blocks)
    for block in blocks:
        if block.kind in ("rule", "table"):
            walk.pending, walk.slot = None, None
            if block.kind == "table":
                walk.drafts.extend(read_table(block, walk.day))
            continue
        _step(walk, block)
    return walk.drafts


def _step(walk: _Walk, block: Block) -> None:
    day = walk.day.day if walk.day else None
    spans = find_times(block.text, walk.post.context.with_day(day))
    timed = [s for s in spans if s.has_time]
    dated = [s for s in spans if s.has_date and s.day is not None]
    if block.kind == "heading" and block.level <= walk.slot_level:
        walk.slot = None
    if not timed:
        if dated and _is_date_line(block, spans):
            walk.day, walk.pending, walk.slot = dated[0], None, None
        elif is_label_block(block):
            pass  # "Speaker: ..." between a title and its time keeps the title waiting
        elif _is_titleish(block):
            if walk.slot is not None and (block.kind != "heading" or block.level > walk.slot_level):
                walk.drafts.append(_titled(walk, block, walk.slot, block.index))
            else:
                walk.pending = block
        else:
            walk.pending = None
        return
    if dated:
        walk.day = dated[-1]
    rest = remainder(block.text, spans)
    if not rest or _only_room(rest) or label_of(rest):
        # A line that is only a time: it belongs to the title above, or opens a slot.
        if walk.pending is not None:
            draft = _titled(walk, walk.pending, timed[0], block.index)
            draft.room = _only_room(rest)
            walk.drafts.append(draft)
        else:
            walk.slot, walk.slot_level = timed[0], block.level if block.kind == "heading" else 7
        walk.pending = None
        return
    walk.pending = None
    _inline(walk, block, timed, spans)


def _titled(walk: _Walk, block: Block, when: TimeSpan, last: int) -> Draft:
    """A draft titled by a whole title block (heading, link line, bold line)."""
    link = best_link(block.links)
    text = block.text.replace("\n", " ")
    return Draft(
        title=text,
        url=link.href if link else None,
        when=when,
        order=block.index,
        first_person=first_person(text),
        details_from=last + 1,
    )


def _inline(walk: _Walk, block: Block, timed: list[TimeSpan], spans: list[TimeSpan]) -> None:
    """Sessions whose title sits in the same block as their time."""
    short = block.kind in ("heading", "item") or not _is_prose(block, spans)
    used: set[int] = set()
    # A short block is one session however many times it names ("2pm, again at 4pm");
    # no real paragraph announces more than a few dozen talks.
    for span in timed[:1] if short else timed[:_MAX_PER_BLOCK]:
        lo, hi = _sentence(block.text, span) if not short else (0, len(block.text))
        links = [
            (i, k) for i, k in enumerate(block.links)
            if lo <= k.pos and k.endpos <= hi and i not in used and _good_link(k, spans)
        ]  # fmt: skip
        chosen = _nearest(links, span)
        if short:
            title, room = _short_title(block.text, spans)
        elif chosen is not None:
            title, room = chosen[1].text, None
        else:
            marks = [(a, b) for a, b in block.marks if lo <= a and b <= hi and not _overlaps(a, b, spans)]
            if not marks:
                continue
            a, b = min(marks, key=lambda m: abs(m[0] - span.pos))
            title, room = block.text[a:b], None
        if chosen is not None:
            used.add(chosen[0])
        if not title or not any(ch.isalpha() for ch in title):
            continue
        sentence = block.text[lo:hi]
        walk.drafts.append(
            Draft(
                title=title.replace("\n", " "),
                url=chosen[1].href if chosen else _best_href(block.links, spans),
                when=span,
                order=block.index,
                room=room,
                first_person=first_person(sentence),
                details_from=block.index + 1 if short else None,
            )
        )


def _is_prose(block: Block, spans: list[TimeSpan]) -> bool:
    """Running text rather than a title line: long, or many words outside links and times."""
    if len(block.text) > _SHORT:
        return True
    cut = sorted([(k.pos, k.endpos) for k in block.links] + [(s.pos, s.endpos) for s in spans])
    words, last = 0, 0
    for a, b in cut:
        words += len(block.text[last:a].split()) if a > last else 0
        last = max(last, b)
    words += len(block.text[last:].split())
    return words > _PROSE_WORDS


def _nearest(links: list[tuple[int, Link]], span: TimeSpan) -> tuple[int, Link] | None:
    """The session-like link if any, else the nearest link before the time, else after."""
    session = [item for item in links if item[1].href and _SESSION_HREF.search(item[1].href)]
    pool = session or links
    before = [item for item in pool if item[1].endpos <= span.pos]
    if before:
        return before[-1]
    after = [item for item in pool if item[1].pos >= span.endpos]
    return after[0] if after else None


def _good_link(link: Link, spans: list[TimeSpan]) -> bool:
    text = link.text.strip()
    return (
        len(text) >= 3
        and any(ch.isalpha() for ch in text)
        and not _GENERIC_LINK.match(text)
        and not text.startswith(("http://", "https://", "www."))
        and not _overlaps(link.pos, link.endpos, spans)
    )


def best_link(links: list[Link]) -> Link | None:
    """The link naming a session page if any, else the first link with an href."""
    usable = [k for k in links if k.href]
    session = [k for k in usable if _SESSION_HREF.search(k.href or "")]
    best = session or usable
    return best[0] if best else None


def _best_href(links: list[Link], spans: list[TimeSpan]) -> str | None:
    link = best_link([k for k in links if _good_link(k, spans)])
    return link.href if link else None


def _overlaps(a: int, b: int, spans: list[TimeSpan]) -> bool:
    return any(a < s.endpos and s.pos < b for s in spans)


def _sentence(text: str, span: TimeSpan) -> tuple[int, int]:
    """The bounds of the sentence holding ``span`` ("Nov. 5" does not end one)."""
    lo = 0
    for match in re.finditer(r"[.!?](?=\s+[A-Z\"“(])|\n", text):
        if match.end() <= span.pos:
            lo = match.end()
        elif match.start() >= span.endpos:
            return lo, match.end()
    return lo, len(text)


def _short_title(text: str, spans: list[TimeSpan]) -> tuple[str, str | None]:
    """Title and room of a short block, line by line: times cut out, a room line set aside."""
    parts: list[str] = []
    room: str | None = None
    lo = 0
    for line in text.split("\n"):
        hi = lo + len(line)
        clipped = [
            replace(s, pos=max(s.pos, lo) - lo, endpos=min(s.endpos, hi) - lo)
            for s in spans if s.pos < hi and s.endpos > lo
        ]  # fmt: skip
        lo = hi + 1
        rest = remainder(line, clipped)
        if not rest:
            continue
        line_room = _only_room(rest)
        if line_room:
            room = room or line_room
            continue
        tail = _ROOM_TAIL.search(rest)
        if tail and tail.start() > 0:
            room = room or tail.group("room")
            rest = trim(rest[: tail.start()])
        parts.append(rest)
    return " ".join(parts), room


def _only_room(text: str) -> str | None:
    """The room when ``text`` is nothing but one ("Room 204", "Where: Hall B"), else None."""
    label = label_of(text)
    if label is not None:
        return label[1] if label[0] == "room" else None
    match = _ROOM_TAIL.fullmatch(text.strip())
    return match.group("room") if match else None


def _is_date_line(block: Block, spans: list[TimeSpan]) -> bool:
    """Only a date, perhaps with a short label: "Tuesday, Nov. 5", "Day 1 — Monday, October 9"."""
    rest = remainder(block.text, spans)
    return not rest or (len(rest.split()) <= 3 and not block.links)


def _is_titleish(block: Block) -> bool:
    """A heading, or a short line that is mostly one link or bold text."""
    text = block.text
    if not any(ch.isalpha() for ch in text):
        return False
    if block.kind == "heading":
        return _GENERIC_HEADING.match(text) is None
    if len(text) > _SHORT:
        return False
    # "[Talk](url) — Ann Lee": the names after the title do not count against it.
    head, names = split_title_speakers(text)
    limit = len(head) if names else len(text)  # block text is already whitespace-collapsed
    letters = sum(1 for ch in text[:limit] if not ch.isspace())
    covered = sum(1 for a, b in _spans_of(block) for ch in text[a : min(b, limit)] if not ch.isspace())
    return covered >= 0.6 * letters


def _spans_of(block: Block) -> list[tuple[int, int]]:
    spans = sorted([(k.pos, k.endpos) for k in block.links] + list(block.marks))
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged
