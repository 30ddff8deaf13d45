"""A post's content as a flat list of blocks: headings, paragraphs, list items, rules, tables.

Each block keeps its text (whitespace collapsed, ``<br>`` as a line break) and where
each link and emphasis sits in that text, so that a time can be paired with the link
nearest to it. Loose inline content between blocks (old WordPress posts) becomes a
block of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from bs4.element import Comment, Declaration, Doctype, NavigableString, ProcessingInstruction, Tag

from scraper.parsers.blogpost_page import Post

HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_LEAVES = frozenset({"p", "dt", "dd", "figcaption", "address", "summary", "caption"})
_CONTAINERS = frozenset({
    "div", "section", "article", "main", "blockquote", "ul", "ol", "dl", "body", "html",
    "details", "center", "figure", "hgroup",
})  # fmt: skip
_BLOCKISH = HEADINGS | _LEAVES | _CONTAINERS | {"li", "table", "hr", "pre"}
_SKIPPED = frozenset({"script", "style", "noscript", "template", "img", "svg", "iframe", "video", "audio"})
_EMPHASIS = frozenset({"strong", "b", "em", "i"})
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Link:
    """An anchor inside a block: its text, absolute href (or None) and position."""

    text: str
    href: str | None
    pos: int
    endpos: int


@dataclass
class Block:
    """One block of the post, in document order."""

    index: int
    kind: str  # "heading", "text", "item", "rule", "table"
    text: str = ""
    level: int = 7  # 1-6 for headings; 7 sorts below every heading
    links: list[Link] = field(default_factory=list)
    marks: list[tuple[int, int]] = field(default_factory=list)
    node: Tag | None = None  # the <table> of a table block

    def lines(self) -> list[str]:
        """The block's lines (``<br>`` separated), stripped, empty ones dropped."""
        return [line.strip() for line in self.text.split("\n") if line.strip()]


class _Buffer:
    """Collects text with collapsed whitespace, remembering link and emphasis spans."""

    def __init__(self, post: Post) -> None:
        self.post = post
        self.text = ""
        self.links: list[Link] = []
        self.marks: list[tuple[int, int]] = []

    def add(self, piece: str) -> None:
        piece = _SPACES.sub(" ", piece)
        if not self.text or self.text.endswith((" ", "\n")):
            piece = piece.lstrip(" ")
        self.text += piece

    def newline(self) -> None:
        self.text = self.text.rstrip(" ")
        if self.text and not self.text.endswith("\n"):
            self.text += "\n"

    def walk(self, nodes: Iterable[object], skip_lists: bool = False) -> None:
        for node in nodes:
            if isinstance(node, Comment | Declaration | Doctype | ProcessingInstruction):
                continue
            if isinstance(node, NavigableString):
                self.add(str(node))
            elif isinstance(node, Tag):
                self._tag(node, skip_lists)

    def _tag(self, tag: Tag, skip_lists: bool) -> None:
        name = tag.name
        if name in _SKIPPED or (skip_lists and name in ("ul", "ol")):
            return
        if name == "br":
            self.newline()
            return
        start = len(self.text)
        self.walk(tag.children, skip_lists)
        end = len(self.text.rstrip())
        start += len(self.text[start:end]) - len(self.text[start:end].lstrip())
        if name == "a" and end > start:
            href = tag.get("href")
            url = self.post.absolute(str(href)) if href else None
            self.links.append(Link(self.text[start:end], url, start, end))
        elif name in _EMPHASIS and end > start:
            self.marks.append((start, end))
        elif name in ("p", "div", "li"):
            self.newline()

    def block(self, index: int, kind: str, level: int = 7) -> Block:
        text = self.text.strip()
        shift = len(self.text) - len(self.text.lstrip())
        links = [
            Link(k.text.strip(), k.href, k.pos - shift, min(k.endpos - shift, len(text))) for k in self.links
        ]
        marks = [(a - shift, min(b - shift, len(text))) for a, b in self.marks]
        return Block(index, kind, text, level, links, marks)


def blocks(post: Post) -> list[Block]:
    """The blocks of ``post.root`` in document order; empty ones are left out."""
    found: list[Block] = []
    for kind, level, nodes, skip_lists in _visit(post.root):
        if kind == "rule":
            found.append(Block(len(found), "rule"))
            continue
        if kind == "table":
            table = nodes[0]
            assert isinstance(table, Tag)
            found.append(Block(len(found), "table", node=table))
            continue
        buffer = _Buffer(post)
        buffer.walk(nodes, skip_lists)
        block = buffer.block(len(found), kind, level)
        if any(ch.isalnum() for ch in block.text):
            found.append(block)
        elif block.text:
            found.append(Block(len(found), "rule"))  # "* * *", "****": a separator drawn in text
    return found


def _visit(node: Tag) -> Iterator[tuple[str, int, list[object], bool]]:
    """(kind, level, nodes, skip_lists) for each block under ``node``."""
    loose: list[object] = []
    for child in node.children:
        if isinstance(child, Tag) and child.name in _BLOCKISH:
            if loose:
                yield "text", 7, loose, False
                loose = []
            yield from _visit_block(child)
        elif isinstance(child, Tag | NavigableString):
            loose.append(child)
    if loose:
        yield "text", 7, loose, False


def _visit_block(tag: Tag) -> Iterator[tuple[str, int, list[object], bool]]:
    name = tag.name
    if name == "hr":
        yield "rule", 7, [], False
    elif name == "table":
        yield "table", 7, [tag], False
    elif name in HEADINGS:
        yield "heading", int(name[1]), [tag], False
    elif name == "li":
        yield "item", 7, [tag], True
        for sub in tag.find_all(("ul", "ol"), recursive=False):
            yield from _visit(sub)
    elif name in _LEAVES or name == "pre" or not _has_blocks(tag):
        yield "text", 7, [tag], False
    else:
        yield from _visit(tag)


def _has_blocks(tag: Tag) -> bool:
    return tag.find(_BLOCKISH) is not None


def cell_block(post: Post, cell: Tag, index: int) -> Block:
    """A table cell read like a block (text, links, emphasis)."""
    buffer = _Buffer(post)
    buffer.walk(cell.children)
    return buffer.block(index, "cell")
