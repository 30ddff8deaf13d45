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

from scraper.parsers._blogpost_page import Post
from scraper.parsers._soup import Comment, Declaration, Doctype, NavigableString, ProcessingInstruction, Tag

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
    """Collects text with collapsed whitespace, remembering link and emphasis spans.

    Iterative on purpose: a hostile page may nest tags thousands deep.
    """

    def __init__(self, post: Post) -> None:
        self.post = post
        self.parts: list[str] = []
        self.length = 0
        self.last = ""
        self.links: list[tuple[str | None, int, int]] = []
        self.marks: list[tuple[int, int]] = []

    def add(self, piece: str) -> None:
        piece = _SPACES.sub(" ", piece)
        if self.last in ("", " ", "\n"):
            piece = piece.lstrip(" ")
        if piece:
            self.parts.append(piece)
            self.length += len(piece)
            self.last = piece[-1]

    def newline(self) -> None:
        if self.last == " ":
            self.parts[-1] = self.parts[-1][:-1]
            self.length -= 1
            self.last = self.parts[-1][-1:] if self.parts[-1] else ""
        if self.length and self.last != "\n":
            self.parts.append("\n")
            self.length += 1
            self.last = "\n"

    def walk(self, nodes: Iterable[object], skip_lists: bool = False) -> None:
        stack: list[tuple[object, int | None]] = [(node, None) for node in reversed(list(nodes))]
        while stack:
            node, start = stack.pop()
            if start is not None:
                assert isinstance(node, Tag)
                self._close(node, start)
            elif isinstance(node, Comment | Declaration | Doctype | ProcessingInstruction):
                continue
            elif isinstance(node, NavigableString):
                self.add(str(node))
            elif isinstance(node, Tag):
                if node.name in _SKIPPED or (skip_lists and node.name in ("ul", "ol")):
                    continue
                if node.name == "br":
                    self.newline()
                    continue
                stack.append((node, self.length))
                stack.extend((child, None) for child in reversed(list(node.children)))

    def _close(self, tag: Tag, start: int) -> None:
        if tag.name == "a" and self.length > start:
            href = tag.get("href")
            self.links.append((self.post.absolute(str(href)) if href else None, start, self.length))
        elif tag.name in _EMPHASIS and self.length > start:
            self.marks.append((start, self.length))
        elif tag.name in ("p", "div", "li"):
            self.newline()

    def block(self, index: int, kind: str, level: int = 7) -> Block:
        raw = "".join(self.parts)
        text = raw.strip()
        shift = len(raw) - len(raw.lstrip())

        def inside(a: int, b: int) -> tuple[int, int]:
            a, b = max(a - shift, 0), min(b - shift, len(text))
            while a < b and text[a].isspace():
                a += 1
            while b > a and text[b - 1].isspace():
                b -= 1
            return a, b

        links = [Link(text[a:b], href, a, b) for href, *span in self.links for a, b in [inside(*span)] if b > a]
        marks = [span for a, b in self.marks if (span := inside(a, b))[1] > span[0]]
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


_Visited = tuple[str, int, list[object], bool]


def _visit(root: Tag) -> list[_Visited]:
    """(kind, level, nodes, skip_lists) for each block under ``root``, in document order."""
    blocky = _blocky(root)
    found: list[_Visited] = []
    frames: list[tuple[Iterator[object], list[object]]] = [(iter(list(root.children)), [])]
    while frames:
        children, loose = frames[-1]
        child = next(children, None)
        if child is None:
            frames.pop()
            if loose:
                found.append(("text", 7, loose, False))
            continue
        if not (isinstance(child, Tag) and child.name in _BLOCKISH):
            if isinstance(child, Tag | NavigableString):
                loose.append(child)
            continue
        if loose:
            found.append(("text", 7, list(loose), False))
            loose.clear()
        name = child.name
        if name == "hr":
            found.append(("rule", 7, [], False))
        elif name == "table":
            found.append(("table", 7, [child], False))
        elif name in HEADINGS:
            found.append(("heading", int(name[1]), [child], False))
        elif name == "li":
            found.append(("item", 7, [child], True))
            frames.append((iter(child.find_all(("ul", "ol"), recursive=False)), []))
        elif name in _LEAVES or name == "pre" or not blocky.get(id(child), False):
            found.append(("text", 7, [child], False))
        else:
            frames.append((iter(list(child.children)), []))
    return found


def _blocky(root: Tag) -> dict[int, bool]:
    """For every tag under ``root`` (by id): does it contain a block-level tag? One pass."""
    flags: dict[int, bool] = {}
    stack: list[tuple[Tag, bool]] = [(root, False)]
    while stack:
        tag, done = stack.pop()
        if done:
            flags[id(tag)] = any(
                isinstance(c, Tag) and (c.name in _BLOCKISH or flags.get(id(c), False)) for c in tag.children
            )
            continue
        stack.append((tag, True))
        stack.extend((c, False) for c in tag.children if isinstance(c, Tag))
    return flags


def cell_block(post: Post, cell: Tag, index: int) -> Block:
    """A table cell read like a block (text, links, emphasis)."""
    buffer = _Buffer(post)
    buffer.walk(cell.children)
    return buffer.block(index, "cell")
