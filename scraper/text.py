"""Text normalisation shared by the parsers: whitespace, entities, speaker names."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterable


def clean(text: str | None) -> str:
    """Unescape entities, NFC, collapse whitespace (NBSP included), strip."""
    if not text:
        return ""
    # Parsers call this for every field: skip what cannot apply (isascii is O(1)), and
    # str.split() collapses the same whitespace as a \s+ regex (NBSP included), faster.
    value = html.unescape(text) if "&" in text else text
    if not value.isascii():
        value = unicodedata.normalize("NFC", value)
    return " ".join(value.split())


def clean_or_none(text: str | None) -> str | None:
    """:func:`clean`, with the empty string turned into None."""
    value = clean(text)
    return value or None


# "A and B", "A, B & C", "A; B", "A / B"; roles "(Moderator)" and "[Company]" dropped.
_SEPARATORS = re.compile(r"\s*(?:;|&|\band\b|\bund\b|\s/\s|\|)\s*", re.IGNORECASE)
#: Whether a value holds the words _SEPARATORS splits at: a cheap search (no leading ``\s*``
#: tried at every position) for names that merely contain "and" (Alexander, Vandelay).
AND_WORD = re.compile(r"\b(?:and|und)\b", re.IGNORECASE)
_BRACKETED = re.compile(r"\s*[\(\[][^\)\]]*[\)\]]")


def _unbracketed(value: str) -> str:
    return _BRACKETED.sub("", value) if "(" in value or "[" in value else value


def split_groups(value: str) -> list[str]:
    """``value`` split at the separators of speaker lines (';', '&', 'and', 'und', ' / ', '|');
    without words or slashes no regex runs."""
    if "/" in value or "|" in value:
        return _SEPARATORS.split(value)
    low = value.lower()
    if ("and" in low or "und" in low) and AND_WORD.search(value):
        return _SEPARATORS.split(value)
    return split_marks(value)  # what _SEPARATORS makes of a value without words or slashes


def split_marks(value: str) -> list[str]:
    r"""``re.split(r"\s*[;&]\s*", value)`` by str methods: sre tries a leading ``\s*`` at
    every position, which made splitting speaker lines the costliest step of some feeds."""
    if ";" not in value and "&" not in value:
        return [value]
    parts = value.replace("&", ";").split(";")
    last = len(parts) - 1
    return [p.rstrip() if i == 0 else p.lstrip() if i == last else p.strip() for i, p in enumerate(parts)]


def split_speakers(text: str | None) -> list[str]:
    """Split a speaker line into names, in order, without duplicates.

    Commas separate names unless every comma-part after the first looks like an
    affiliation; callers with a "Name, Company" convention use :func:`split_people`.
    """
    value = clean(text)
    if not value:
        return []
    return distinct_names(part for chunk in split_groups(_unbracketed(value)) for part in chunk.split(","))


def split_people(text: str | None) -> list[str]:
    """Split "NAME, ROLE, COMPANY; NAME & NAME, COMPANY" (the Sched convention) into names.

    Groups are separated by ';', '&' or ' and '; within a group the first comma-part is
    the name and the rest is role or company.
    """
    return distinct_names(group.split(",", 1)[0] for group in split_groups(_unbracketed(clean(text))))


def distinct_names(parts: Iterable[str]) -> list[str]:
    """The names among the parts of a speaker line: trimmed of stray punctuation, in order,
    once each, without blanks or stand-ins for nobody ("TBA")."""
    names: list[str] = []
    for part in parts:
        name = part.strip(" .-–—:")
        if name and name not in names and not is_placeholder(name):
            names.append(name)
    return names


# Words that open a phrase standing for nobody in particular ("and anyone else who wants
# to join", "TBA", "and friends"): never a speaker's name.
_NOBODY = frozenset({
    "anyone", "anybody", "everyone", "everybody", "others", "other", "more", "someone", "somebody",
    "you", "tba", "tbd", "tbc", "n/a", "guests", "guest", "friends", "special", "many", "various",
    "several"
})  # fmt: skip
# Lowercase words that belong inside names (van Rossum, da Silva, bin Laden).
_PARTICLES = frozenset({
    "van", "von", "der", "den", "de", "da", "di", "du", "del", "della", "des", "la", "le", "bin", "al",
    "ter", "ten", "dos", "das", "y"
})  # fmt: skip
# Capitalised words that make a phrase a title part rather than a person ("Part Two").
_NOT_NAME_WORDS = frozenset({
    "part", "day", "session", "workshop", "panel", "keynote", "intro", "introduction", "track", "room",
    "lab", "talk", "demo", "edition", "level", "beginners", "advanced", "overview", "update", "q&a",
    "tutorial", "lightning", "the", "a", "an", "of", "and", "for", "in", "on", "with", "to"
})  # fmt: skip
#: Words that never occur in a speaker's name: title parts and stand-ins for nobody.
NON_NAME_WORDS = _NOT_NAME_WORDS | _NOBODY


def is_placeholder(text: str | None) -> bool:
    """True for phrases that stand in for people without naming one ("anyone else", "TBA")."""
    words = clean(text).casefold().split()
    return not words or words[0].strip(".,") in _NOBODY or " ".join(words) in ("et al", "et al.")


def looks_like_name(text: str | None) -> bool:
    """A stricter test: does ``text`` read as a person's name ("Randy Bias", "Guido van Rossum")?

    One to five words, no digits, every word capitalised except name particles, and
    none of the words that mark a title part.
    """
    words = clean(text).split()
    if not 1 <= len(words) <= 5 or is_placeholder(text):
        return False
    for word in words:
        bare = word.strip(".,'’\"")
        if not bare or any(ch.isdigit() for ch in bare) or bare.casefold() in _NOT_NAME_WORDS:
            return False
        if not bare[0].isupper() and bare not in _PARTICLES:
            return False
    return True


_TITLE_SPEAKER_DASH = re.compile(r"\s+[—–]\s*|\s*[—–]\s+|\s+-{1,2}\s+")


def split_title_speakers(
    text: str | None, people: Callable[[str], list[str]] | None = None
) -> tuple[str, list[str]]:
    """Split "TITLE — SPEAKER and SPEAKER" into the title and the names.

    The split is at the last spaced dash (em, en or hyphen) whose tail reads as people;
    a title that merely contains a dash ("RAs -> battle", "Scale-out") is kept whole.
    ``people`` splits the tail (default :func:`split_speakers`; Sched's "NAME, COMPANY"
    convention wants :func:`split_people`).
    """
    value = clean(text)
    splitter = people or split_speakers
    for match in reversed(list(_TITLE_SPEAKER_DASH.finditer(value))):
        head, tail = value[: match.start()].strip(), value[match.end() :].strip()
        names = splitter(tail)
        if head and names and all(looks_like_name(name) for name in names):
            return head, names
    return value, []
