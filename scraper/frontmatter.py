"""Front matter: the metadata block at the top of a Markdown post (Jekyll, Hugo, Pelican).

YAML between ``---`` lines (Jekyll, Hugo), TOML between ``+++`` lines (Hugo). YAML is read
with ``safe_load`` only: a post is untrusted input. A block that opens but is malformed
is a :class:`ParseError` naming the source and the problem, because silently treating
it as prose would lose the post's date and author.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from scraper.errors import ParseError

_YAML_BLOCK = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S | re.M)
_TOML_BLOCK = re.compile(r"\A\ufeff?\+\+\+[ \t]*\r?\n(.*?)^\+\+\+[ \t]*(?:\r?\n|\Z)", re.S | re.M)
# "key: value" on the first line after an opening "---": a front matter block that never closes.
_LOOKS_LIKE_YAML = re.compile(r"\A\ufeff?---[ \t]*\r?\n[A-Za-z_][\w-]*:", re.S)


@dataclass(frozen=True)
class FrontMatter:
    """The metadata of a post and the Markdown body after it."""

    meta: Mapping[str, Any] = field(default_factory=dict)
    body: str = ""
    present: bool = False

    def text(self, key: str) -> str | None:
        """A metadata value as text: strings as they are, lists joined, names of mappings."""
        return _as_text(self.meta.get(key))

    def moment(self, key: str = "date") -> datetime | None:
        """A metadata value as a datetime: YAML timestamps, dates (midnight) or ISO strings."""
        value = self.meta.get(key)
        if isinstance(value, datetime):
            return value
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day)
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                return None
        return None


def has_front_matter(text: str) -> bool:
    """True when ``text`` opens with a closed YAML or TOML front matter block."""
    return bool(_YAML_BLOCK.match(text) or _TOML_BLOCK.match(text))


def split_front_matter(text: str, source: str) -> FrontMatter:
    """Separate the front matter from the body; ParseError (naming ``source``) when malformed."""
    match = _YAML_BLOCK.match(text)
    if match:
        return FrontMatter(_load_yaml(match.group(1), source), text[match.end() :], True)
    match = _TOML_BLOCK.match(text)
    if match:
        return FrontMatter(_load_toml(match.group(1), source), text[match.end() :], True)
    if _LOOKS_LIKE_YAML.match(text):
        raise ParseError(
            f"{source}: front matter opens with '---' but never closes",
            hint="end the front matter with a line holding only '---'",
        )
    return FrontMatter(body=text.lstrip("\ufeff"))


def _load_yaml(block: str, source: str) -> Mapping[str, Any]:
    import yaml  # here, not at the top: only posts with front matter pay for importing it

    try:
        meta = yaml.safe_load(block)
    except (ValueError, OverflowError, RecursionError) as exc:  # a date like 2026-02-30, nesting too deep
        raise ParseError(f"{source}: front matter has a value YAML cannot read: {exc}",
                         hint="fix the YAML between the '---' lines (quote dates that are not real dates)") from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 2}" if where is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ParseError(
            f"{source}: front matter is not valid YAML{line}: {problem}",
            hint="fix the YAML between the '---' lines (quote values that contain ': ')",
        ) from None
    return _mapping(meta, source)


def _load_toml(block: str, source: str) -> Mapping[str, Any]:
    import tomllib  # here, not at the top: only posts with front matter pay for importing it

    try:
        meta = tomllib.loads(block)
    except RecursionError:
        raise ParseError(f"{source}: front matter TOML is nested too deeply", hint="this is not front matter") from None
    except tomllib.TOMLDecodeError as exc:
        raise ParseError(
            f"{source}: front matter is not valid TOML: {exc}", hint="fix the TOML between the '+++' lines"
        ) from None
    return _mapping(meta, source)


def _mapping(meta: object, source: str) -> Mapping[str, Any]:
    if meta is None:
        return {}
    if not isinstance(meta, Mapping):
        raise ParseError(
            f"{source}: front matter is a {type(meta).__name__}, not a set of 'key: value' lines",
            hint="write the front matter as 'key: value' lines (title, date, author)",
        )
    return {str(key): value for key, value in meta.items()}


def _as_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, Mapping):
        return _as_text(value.get("name") or value.get("display_name"))
    if isinstance(value, list | tuple):
        parts = [text for item in value if (text := _as_text(item))]
        return ", ".join(parts) or None
    return str(value)
