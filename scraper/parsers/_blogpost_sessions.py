"""The reading half of the ``blogpost`` parser: a post's blocks and drafts become sessions.

Kept apart from :mod:`scraper.parsers.blogpost` (detection) so that BeautifulSoup and
markdown-it are imported only when a post is parsed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from scraper.models import Document, ParseResult, Session, stable_uid
from scraper.parsers._blogpost_blocks import Block, blocks
from scraper.parsers._blogpost_details import (
    Details,
    SectionIndex,
    describing,
    read_details,
    sections,
    title_and_people,
)
from scraper.parsers._blogpost_extract import Draft, block_drafts
from scraper.parsers._blogpost_page import Post, load_post
from scraper.parsers._blogpost_tables import table_drafts
from scraper.timeparse import zone_name

_SCHED_EVENT = re.compile(r"^/event/([A-Za-z0-9]+)")


def read_post(doc: Document, parser: str, markdown: bool) -> ParseResult:
    """Sessions, links and the event's name of a post (``markdown``: a Markdown source)."""
    post = load_post(doc, markdown)
    found = blocks(post)
    drafts = block_drafts(post, found, lambda block, day: table_drafts(post, block, day))
    sessions = _sessions(post, found, drafts)
    warnings = []
    unzoned = sum(1 for d in drafts if d.when is not None and d.when.unzoned)
    if unzoned:
        warnings.append(
            f"{doc.url}: {unzoned} time(s) without a time zone left without a start; "
            "pass --timezone (or set the target's timezone)"
        )
    return ParseResult(parser, sessions, post.links(), post.event_name(), warnings)


def _sessions(post: Post, found: Sequence[Block], drafts: list[Draft]) -> list[Session]:
    heading_sections = SectionIndex(sections(found))
    anchors = {d.order for d in drafts} | {d.details_from - 1 for d in drafts if d.details_from}
    by_uid: dict[str, Session] = {}
    for draft in drafts:
        session = _session(post, found, draft, heading_sections, anchors)
        if session is None:
            continue
        earlier = by_uid.get(session.uid)
        if earlier is None:
            by_uid[session.uid] = session
        else:
            _merge(earlier, session)
    return list(by_uid.values())


def _session(
    post: Post, found: Sequence[Block], draft: Draft, heading_sections: SectionIndex, anchors: set[int]
) -> Session | None:
    title, named = title_and_people(draft.title)
    if not title:
        return None
    own = read_details(_body(found, draft.details_from, anchors)) if draft.details_from else Details()
    section = heading_sections.find(draft.url, title)
    joined = read_details(section.body) if section is not None else Details()
    if section is not None and not named:
        named = title_and_people(section.heading.text)[1]
    speakers: list[str] = []
    for name in [*named, *draft.speakers, *own.speakers, *joined.speakers]:
        if name not in speakers:
            speakers.append(name)
    if not speakers and draft.first_person and post.author:
        speakers = [post.author]
    when = draft.when
    start, end = (when.start, when.end) if when is not None else (None, None)
    return Session(
        title=title,
        uid=_uid(post, draft.url, title),
        speakers=speakers,
        start=start,
        end=end,
        timezone=post.context.timezone or zone_name(start),
        room=draft.room or own.room or joined.room,
        track=draft.track or own.track or joined.track,
        url=draft.url,
        description=draft.description or own.description or joined.description,
    )


def _body(found: Sequence[Block], start: int, anchors: set[int]) -> list[Block]:
    """The blocks after a session's title and time that describe it."""
    body: list[Block] = []
    for block in found[start:]:
        if block.kind not in ("text", "item") or block.index in anchors:
            break
        body.append(block)
    return describing(body)


def _uid(post: Post, url: str | None, title: str) -> str:
    if url:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        match = _SCHED_EVENT.match(parts.path)
        if match and host.endswith(("sched.com", "sched.org")):
            return match.group(1)
    return stable_uid(post.source, title)


def _merge(kept: Session, other: Session) -> None:
    """The same talk listed twice (a summary table and a section): fill the gaps."""
    for name in ("start", "end", "room", "track", "url", "description"):
        if getattr(kept, name) is None:
            setattr(kept, name, getattr(other, name))
    kept.speakers.extend(n for n in other.speakers if n not in kept.speakers)
