"""The "Title - Speaker, Speaker" SUMMARY convention of some iCalendar producers.

pretalx always writes ``<title> - <names joined by ", ">`` (ending in " - " when a talk
has no speakers), names possibly followed by "[Affiliation]". Some Sched organisers
append ``NAME, ROLE, COMPANY; NAME & NAME, COMPANY``; others (and most calendars) never
put people in SUMMARY, and their titles contain " - " too ("Port of Call - Tortola").
So a feed is judged as a whole: it follows the convention when it is pretalx, or when
most of its summaries end in something that reads as people. Within such a feed, a
title is split at the first " - " after which only people follow.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from scraper.parsers._feed import person_name
from scraper.text import clean, split_people, split_speakers

#: Share of summaries that must read "title - people" before a feed counts as using it.
CONVENTION_SHARE = 0.4

_PARTICLES = frozenset(
    {"van", "von", "de", "der", "den", "da", "di", "du", "la", "le", "del", "della", "dos", "das", "do"}
    | {"bin", "ibn", "al", "el", "y", "zu", "ten", "ter", "st"}
)
_BRACKETS = re.compile(r"\s*(?:\[[^\]]*\]|\([^)]*\))")
_NOT_NAME = re.compile(r"[:?!\"“”„@#|/\\]|\d{3,}|\s[-–—]\s")
_GROUPS = re.compile(r"\s*(?:;|&|\band\b|\bund\b)\s*", re.IGNORECASE)


def dashes(summary: str) -> list[int]:
    """Positions of " - " outside brackets and parentheses, left to right."""
    found: list[int] = []
    if " -" not in summary:
        return found
    depth = 0
    for i, char in enumerate(summary):
        if char in "[(":
            depth += 1
        elif char in "])":
            depth = max(0, depth - 1)
        elif char == "-" and depth == 0 and summary[i - 1 : i] == " " and summary[i + 1 : i + 2] in (" ", ""):
            found.append(i - 1)
    return found


def _is_name(text: str) -> bool:
    name = _BRACKETS.sub("", text).strip(" .,")
    if not name or len(name) > 60 or _NOT_NAME.search(name):
        return False
    words = name.split()
    if len(words) > 5:
        return False
    return all(word[0].isupper() or not word[0].isalpha() or word in _PARTICLES for word in words)


def reads_as_people(tail: str, sched: bool) -> bool:
    """Whether ``tail`` is a list of people in the producer's style."""
    groups = [group for group in _GROUPS.split(clean(tail)) if group.strip()]
    if not groups:
        return False
    for group in groups:
        names = [group.split(",", 1)[0]] if sched else group.split(",")
        if not all(_is_name(name) for name in names if name.strip()):
            return False
    return True


def uses_convention(summaries: Sequence[str], producer: str) -> bool:
    """Whether a feed puts speakers in SUMMARY (judged over all its summaries)."""
    if "pretalx" in producer:
        return True
    if not summaries:
        return False
    sched = "sched" in producer
    hits = sum(1 for summary in summaries if split_at(summary, sched) is not None)
    return hits >= CONVENTION_SHARE * len(summaries)


def split_at(summary: str, sched: bool) -> int | None:
    """Index of the first " - " followed only by people, or None."""
    for index in dashes(summary):
        title, tail = summary[:index].strip(), summary[index + 3 :]
        if title and tail.strip() and reads_as_people(tail, sched):
            return index
    return None


def title_and_speakers(summary: str, producer: str) -> tuple[str, list[str]]:
    """Split one SUMMARY of a feed that uses the convention."""
    if "pretalx" in producer:
        return _pretalx(summary)
    sched = "sched" in producer
    index = split_at(summary, sched)
    if index is None:
        return clean(summary), []
    title, tail = summary[:index], summary[index + 3 :]
    return clean(title), split_people(tail) if sched else split_speakers(tail)


def _pretalx(summary: str) -> tuple[str, list[str]]:
    """pretalx: the last " - " outside brackets; names are separated by ", "."""
    text = summary.rstrip()
    if text.endswith(" -"):
        return clean(text[:-2]), []
    found = dashes(text)
    if not found:
        return clean(text), []
    index = found[-1]
    names: list[str] = []
    depth, current = 0, list[str]()
    for char in text[index + 3 :] + ",":
        if char in "[(":
            depth += 1
        elif char in "])":
            depth = max(0, depth - 1)
        if char == "," and depth == 0:
            name = person_name("".join(current))
            if name and name not in names:
                names.append(name)
            current = []
        else:
            current.append(char)
    return clean(text[:index]), names
