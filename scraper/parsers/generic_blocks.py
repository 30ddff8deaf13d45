"""Finding the repeated blocks of a schedule page nobody recognises.

A schedule is a list: siblings of one kind (the same tag and class under one parent;
table rows; list items) most of which show a time. The group with the most such members
wins. Cost is bounded: a block over :data:`MAX_BLOCK_CHARS` of text is no session, and
only the first :data:`SAMPLE` members of a group are tried before it is judged.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from scraper.parsers import markup

MAX_BLOCK_CHARS = 3000
SAMPLE = 60
_CLOCKISH = re.compile(r"\d{1,2}[:.h]\d\d(?!\d)|\d\s*[ap]\.?\s?m\b|\bnoon\b", re.IGNORECASE)
_SKIP = frozenset(("script", "style", "head", "nav", "footer", "select", "svg", "form", "noscript", "template"))


@dataclass
class Group:
    """Sibling blocks of one kind, and the texts of those that show a time."""

    parent: markup.Element
    members: list[markup.Element]
    timed: int = 0

    @property
    def score(self) -> tuple[int, float]:
        return self.timed, self.timed / max(1, len(self.members))


def signature(node: markup.Element) -> tuple[str, str]:
    """What makes siblings "of one kind": their tag and their classes."""
    return str(node.tag), " ".join(sorted(markup.classes(node)))


def best_group(root: markup.Element) -> Group | None:
    """The group of sibling blocks with the most timed members (at least two, most of them).

    Siblings of one kind under parents of one kind count as one group: a programme
    split into one list per day is still one programme.
    """
    best: Group | None = None
    sizes = _text_sizes(root)
    kinds: dict[tuple[tuple[str, str], tuple[str, str]], list[markup.Element]] = defaultdict(list)
    parents: dict[tuple[tuple[str, str], tuple[str, str]], markup.Element] = {}
    for parent in _parents(root):
        for child in parent:
            if isinstance(child.tag, str) and child.tag not in _SKIP:
                key = (signature(parent), signature(child))
                kinds[key].append(child)
                parents.setdefault(key, parent)
    for key, members in kinds.items():
        parent = parents[key]
        if len(members) < 2:
            continue
        sample = (m for m in members[:SAMPLE] if sizes.get(m, 0) <= MAX_BLOCK_CHARS)
        group = Group(parent, members, sum(1 for m in sample if has_time(m)))
        if group.timed >= 2 and group.score[1] >= 0.5 and (best is None or group.score > best.score):
            best = group
    return best


def _text_sizes(root: markup.Element) -> dict[markup.Element, int]:
    """How many characters of text each element holds, in one pass (no serialising)."""
    sizes: dict[markup.Element, int] = {}
    for event, node in markup.walk(root):
        if event == "end":
            total = len(node.text or "")
            for child in node:
                total += sizes.get(child, 0) + len(child.tail or "")
            sizes[node] = total
    return sizes


def _parents(root: markup.Element) -> list[markup.Element]:
    """Elements with two or more element children, outside page furniture."""
    found: list[markup.Element] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if len(node) >= 2:
            found.append(node)
        children = [child for child in node if isinstance(child.tag, str) and child.tag not in _SKIP]
        stack.extend(reversed(children))  # popped in document order
    return found


def has_time(block: markup.Element) -> bool:
    """True when the block's text is short enough for one session and shows a clock time."""
    text = block_text(block)
    return bool(text) and _CLOCKISH.search(text) is not None


def block_text(block: markup.Element) -> str:
    """The block's text, parts spaced apart (table cells), or '' when too long to be one session."""
    text = markup.squeeze(" ".join(str(part) for part in block.itertext()))
    return text if len(text) <= MAX_BLOCK_CHARS else ""
