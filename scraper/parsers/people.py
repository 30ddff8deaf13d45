"""Sched's "TITLE - NAME, COMPANY & NAME, COMPANY" anchors, split quickly.

:func:`scraper.text.split_title_speakers` is the rule; it costs tens of microseconds a
call, which list pages of thousands of anchors cannot afford. The fast path here accepts
only the plain case (one spaced hyphen, every name two to four capitalised words) and
hands anything else to the rule, so it can only agree with it.
"""

from __future__ import annotations

import re

from scraper.text import NON_NAME_WORDS, clean, split_groups, split_people, split_title_speakers

_WORD = r"(?:[A-Z][a-z'’\-]+|[A-Z]\.|[A-Z][a-z]*[A-Z][a-z]+)"
_NAME = re.compile(rf"^{_WORD}(?: {_WORD}){{1,3}}$")


def split_title(text: str) -> tuple[str, list[str], str]:
    """(title, speaker names, the tail they were read from) for an anchor's text."""
    dashes = text.count(" - ")
    if not dashes and "\u2013" not in text and "\u2014" not in text:
        return text, [], ""
    if dashes == 1 and "\u2013" not in text and "\u2014" not in text and "(" not in text:
        at = text.index(" - ")
        tail = text[at + 3 :].strip()
        names = _plain_people(tail)
        if names:
            return text[:at].strip(), names, tail
    title, names = split_title_speakers(text, split_people)
    return title, names, clean(text)[len(title) :] if names else ""


def _plain_people(tail: str) -> list[str] | None:
    """Names when every group of ``tail`` starts with a plain 2-4 word name; else None."""
    names: list[str] = []
    for group in split_groups(tail):
        name = group.split(",", 1)[0].strip()
        if not _NAME.match(name) or not NON_NAME_WORDS.isdisjoint(name.lower().split()):
            return None
        if name not in names:
            names.append(name)
    return names or None
