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
from scraper.text import AND_WORD, clean, distinct_names, split_marks, split_people, split_speakers

#: Share of summaries that must read "title - people" before a feed counts as using it.
CONVENTION_SHARE = 0.4
#: Where a SUMMARY splits and the names after it.
Split = tuple[int, list[str]]
#: SUMMARY -> its split (None: nowhere), kept while one feed is read.
Splits = dict[str, Split | None]

_PARTICLES = frozenset(
    {"van", "von", "de", "der", "den", "da", "di", "du", "la", "le", "del", "della", "dos", "das", "do"}
    | {"bin", "ibn", "al", "el", "y", "zu", "ten", "ter", "st"}
)
_BRACKETS = re.compile(r"\s*(?:\[[^\]]*\]|\([^)]*\))")
_NOT_NAME = re.compile(r"[:?!\"“”„@#|/\\]|\d{3,}|\s[-–—]\s")
_DASH_OR_BRACKET = re.compile(r"[\[\]()]| -(?= |\Z)")
_GROUPS = re.compile(r"\s*(?:;|&|\band\b|\bund\b)\s*", re.IGNORECASE)


def dashes(summary: str) -> list[int]:
    """Positions of " - " outside brackets and parentheses, left to right."""
    found: list[int] = []
    at = summary.find(" -")
    if at < 0:
        return found
    if "[" not in summary and "(" not in summary and "]" not in summary and ")" not in summary:
        while at >= 0:  # the usual title: C-speed finds
            if summary[at + 2 : at + 3] in (" ", ""):
                found.append(at)
            at = summary.find(" -", at + 1)
        return found
    # With brackets, the regex skips to brackets and dashes at C speed; Python sees only those.
    depth = 0
    for match in _DASH_OR_BRACKET.finditer(summary):
        mark = match.group()
        if mark in "[(":
            depth += 1
        elif mark in "])":
            depth = max(0, depth - 1)
        elif depth == 0:
            found.append(match.start())
    return found


def _is_name(text: str) -> bool:
    name = (_BRACKETS.sub("", text) if "[" in text or "(" in text else text).strip(" .,")
    if not name or len(name) > 60 or _NOT_NAME.search(name):
        return False
    words = name.split()
    if len(words) > 5:
        return False
    for word in words:  # a loop, not all(<generator>): this runs for every name of every summary
        first = word[0]
        if not (first.isupper() or not first.isalpha() or word in _PARTICLES):
            return False
    return True


def _checked_names(value: str, sched: bool) -> list[str] | None:
    """The name parts of a cleaned tail ("NAME, ROLE" for Sched: only NAME), or None when
    one of them does not read as a name or there are none: the tail is not people."""
    found: list[str] = []
    for group in _groups(value):  # plain loops: this runs for every dash of every summary
        if not group.strip():
            continue
        if sched:
            name = group.split(",", 1)[0]
            if name.strip() and not _is_name(name):
                return None
            found.append(name)
            continue
        for name in group.split(","):
            if name.strip() and not _is_name(name):
                return None
            found.append(name)
    return found or None


def people_after(tail: str, sched: bool) -> list[str] | None:
    """The speakers of ``tail`` (the text after a dash) when it is a list of people in the
    producer's style, else None: ``split_people(tail)`` for Sched, ``split_speakers(tail)``
    for others.

    Checking and splitting clean and group the tail alike unless it holds brackets, or
    the slashes and bars only speaker lines split at: then the names checked are the
    names kept, and the tail is cleaned and grouped once.
    """
    value = clean(tail)
    parts = _checked_names(value, sched)
    if parts is None:
        return None
    if "(" in value or "[" in value or "/" in value or "|" in value:
        return split_people(tail) if sched else split_speakers(tail)
    return distinct_names(parts)  # as split_people/split_speakers would finish


def _groups(value: str) -> list[str]:
    """``value`` split at ';', '&', 'and', 'und' (the regex only when a word may split it)."""
    low = value.lower()
    if ("and" in low or "und" in low) and AND_WORD.search(value):
        return _GROUPS.split(value)
    return split_marks(value)  # what _GROUPS makes of a value without the words


def uses_convention(summaries: Sequence[str], producer: str, splits: Splits | None = None) -> bool:
    """Whether a feed puts speakers in SUMMARY (judged over all its summaries).

    ``splits`` keeps each summary's split for :func:`title_and_speakers`, so a
    feed's summaries are split once; reading stops as soon as the answer is certain.
    """
    if "pretalx" in producer:
        return True
    if not summaries:
        return False
    sched = "sched" in producer
    need = CONVENTION_SHARE * len(summaries)
    hits = misses = 0
    for summary in summaries:
        if _cached_split(summary, sched, splits) is None:
            misses += 1
            if len(summaries) - misses < need:
                return False
        else:
            hits += 1
            if hits >= need:
                return True
    return False


def _split(summary: str, sched: bool) -> Split | None:
    """(index of the first " - " followed only by people, their names), or None."""
    for index in dashes(summary):
        tail = summary[index + 3 :]
        if summary[:index].strip() and tail.strip():
            names = people_after(tail, sched)
            if names is not None:
                return index, names
    return None


def _cached_split(summary: str, sched: bool, splits: Splits | None) -> Split | None:
    if splits is None:
        return _split(summary, sched)
    if summary not in splits:
        splits[summary] = _split(summary, sched)
    return splits[summary]


def title_and_speakers(summary: str, producer: str, splits: Splits | None = None) -> tuple[str, list[str]]:
    """Split one SUMMARY of a feed that uses the convention (``splits``: see :func:`uses_convention`)."""
    if "pretalx" in producer:
        return _pretalx(summary)
    found = _cached_split(summary, "sched" in producer, splits)
    if found is None:
        return clean(summary), []
    index, names = found
    return clean(summary[:index]), list(names)  # a list of its own for each session


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
