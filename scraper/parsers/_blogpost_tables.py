"""Tables of talks: "Date/Time | Session | Location" and the like.

Columns are given roles by their header words; without a header, the column holding
times is the time and the first column with a link (or text) is the title. Row and
column spans are expanded so that a time cell spanning three rows times all three.
A row holding only a date sets the day for the bare times below it.
"""

from __future__ import annotations

import re

from scraper.parsers._blogpost_blocks import Block, cell_block
from scraper.parsers._blogpost_extract import Draft, best_link
from scraper.parsers._blogpost_page import Post
from scraper.parsers._soup import Tag
from scraper.text import clean_or_none, split_speakers
from scraper.timeparse import TimeContext, TimeSpan, find_times

# Checked in this order: "Date/Time" is a time, "Event type" a track, "Event" a title.
_ROLES = (
    ("time", re.compile(r"\b(?:date|time|when|day|hour|slot|starts?)\b", re.I)),
    ("room", re.compile(r"\b(?:location|room|where|venue|place|stage|hall)\b", re.I)),
    ("speakers", re.compile(r"\b(?:speakers?|presenters?|who|by|hosts?|moderators?|panell?ists?)\b", re.I)),
    ("track", re.compile(r"\b(?:track|category|type|format)\b", re.I)),
    ("title", re.compile(r"\b(?:session|talk|title|topic|what|presentation|event|programm?e?|agenda)", re.I)),
)
_MAX_SPAN = 50  # a rowspan/colspan larger than this is a typo or an attack, not a layout


def table_drafts(post: Post, block: Block, day: TimeSpan | None) -> list[Draft]:
    """Sessions in the table of ``block``; ``day`` is the date in force above the table."""
    assert block.node is not None
    grid = _grid(post, block.node)
    if not grid:
        return []
    roles: dict[int, str] = {}
    if _is_header(block.node, grid[0]):
        roles = _roles(grid.pop(0))
    drafts: list[Draft] = []
    for row in grid:
        cells = [(i, c) for i, c in enumerate(row) if c is not None and c.text]
        if not cells:
            continue
        ctx = post.context.with_day(day.day if day else None)
        time_cols = [i for i, _ in cells if roles.get(i) == "time"] or _timed_columns(cells, ctx)
        text = "\n".join(c.text for i, c in cells if i in time_cols)
        spans = find_times(text, ctx) if text else []
        timed = [s for s in spans if s.has_time]
        dated = [s for s in spans if s.has_date and s.day is not None]
        if dated:
            day = dated[-1]
        title_cell = _title_cell(cells, roles, time_cols)
        spanning = title_cell is not None and any(title_cell is c for i, c in cells if i in time_cols)
        if title_cell is None or spanning or not (timed or dated):
            continue  # no title, or one cell across the row ("Thursday, May 16"): a date row
        link = best_link(title_cell.links)
        drafts.append(
            Draft(
                title=title_cell.text.replace("\n", " "),
                url=link.href if link else None,
                when=timed[0] if timed else dated[0],
                order=block.index,
                speakers=[n for i, c in cells if roles.get(i) == "speakers" for n in split_speakers(c.text)],
                room=_role_text(cells, roles, "room"),
                track=_role_text(cells, roles, "track"),
            )
        )
    return drafts


def _grid(post: Post, table: Tag) -> list[list[Block | None]]:
    """The table's rows as lists of cells by column, spans expanded."""
    rows: list[list[Block | None]] = []
    carried: dict[int, tuple[Block, int]] = {}  # column -> (cell, rows still to fill)
    for number, tr in enumerate(table.find_all("tr")):
        if tr.find_parent("table") is not table:
            continue  # a row of a nested table
        row: list[Block | None] = []
        cells = iter(tr.find_all(("td", "th"), recursive=False))
        column = 0
        while True:
            if column in carried:
                cell, left = carried[column]
                row.append(cell)
                if left > 1:
                    carried[column] = (cell, left - 1)
                else:
                    del carried[column]
                column += 1
                continue
            tag = next(cells, None)
            if tag is None:
                break
            cell = cell_block(post, tag, number)
            for _ in range(_span(tag, "colspan")):
                rowspan = _span(tag, "rowspan")
                if rowspan > 1:
                    carried[column] = (cell, rowspan - 1)
                row.append(cell)
                column += 1
        rows.append(row)
    return rows


def _span(tag: Tag, attribute: str) -> int:
    try:
        return max(1, min(int(str(tag.get(attribute) or 1)), _MAX_SPAN))
    except ValueError:
        return 1


def _is_header(table: Tag, first: list[Block | None]) -> bool:
    head = table.find("thead")
    if isinstance(head, Tag) and head.find("tr"):
        return True
    tr = table.find("tr")
    return isinstance(tr, Tag) and not tr.find("td") and bool(tr.find("th"))


def _roles(header: list[Block | None]) -> dict[int, str]:
    roles: dict[int, str] = {}
    for i, cell in enumerate(header):
        for role, pattern in _ROLES:
            if cell is not None and pattern.search(cell.text):
                roles[i] = role
                break
    return roles


def _timed_columns(cells: list[tuple[int, Block]], ctx: TimeContext) -> list[int]:
    for i, cell in cells:
        if any(s.has_time for s in find_times(cell.text, ctx)):
            return [i]
    return []


def _title_cell(cells: list[tuple[int, Block]], roles: dict[int, str], time_cols: list[int]) -> Block | None:
    titled = [c for i, c in cells if roles.get(i) == "title"]
    if titled:
        return titled[0]
    free = [(i, c) for i, c in cells if i not in time_cols and roles.get(i) is None]
    linked = [c for _, c in free if c.links]
    texts = [c for _, c in free if any(ch.isalpha() for ch in c.text)]
    best = linked or texts
    return best[0] if best else None


def _role_text(cells: list[tuple[int, Block]], roles: dict[int, str], role: str) -> str | None:
    return next((clean_or_none(c.text) for i, c in cells if roles.get(i) == role), None)
