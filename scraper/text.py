"""Text normalisation shared by the parsers: whitespace, entities, speaker names."""

from __future__ import annotations

import html
import re
import unicodedata

_SPACE = re.compile(r"\s+")


def clean(text: str | None) -> str:
    """Unescape entities, NFC, collapse whitespace (NBSP included), strip."""
    if not text:
        return ""
    value = unicodedata.normalize("NFC", html.unescape(text)).replace("\u00a0", " ")
    return _SPACE.sub(" ", value).strip()


def clean_or_none(text: str | None) -> str | None:
    """:func:`clean`, with the empty string turned into None."""
    value = clean(text)
    return value or None


# "A and B", "A, B & C", "A; B", "A / B"; roles "(Moderator)" and "[Company]" dropped.
_SEPARATORS = re.compile(r"\s*(?:;|&|\band\b|\bund\b|\s/\s|\|)\s*", re.IGNORECASE)
_BRACKETED = re.compile(r"\s*[\(\[][^\)\]]*[\)\]]")


def split_speakers(text: str | None) -> list[str]:
    """Split a speaker line into names, in order, without duplicates.

    Commas separate names unless every comma-part after the first looks like an
    affiliation; callers with a "Name, Company" convention use :func:`split_people`.
    """
    value = clean(text)
    if not value:
        return []
    value = _BRACKETED.sub("", value)
    names: list[str] = []
    for chunk in _SEPARATORS.split(value):
        for part in chunk.split(","):
            name = part.strip(" .-–—:")
            if name and name not in names:
                names.append(name)
    return names


def split_people(text: str | None) -> list[str]:
    """Split "NAME, ROLE, COMPANY; NAME & NAME, COMPANY" (the Sched convention) into names.

    Groups are separated by ';', '&' or ' and '; within a group the first comma-part is
    the name and the rest is role or company.
    """
    value = _BRACKETED.sub("", clean(text))
    names: list[str] = []
    for group in _SEPARATORS.split(value):
        name = group.split(",", 1)[0].strip(" .-–—:")
        if name and name not in names:
            names.append(name)
    return names
