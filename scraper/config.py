"""config.toml -> frozen dataclasses. Unknown keys, wrong types and bad values are errors.

Every error names the file, the key and what to write instead, so that a cron job's
mail says exactly how to fix it.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from scraper.errors import ConfigError
from scraper.fetchspec import FetchSettings
from scraper.timeparse import zone

DEFAULT_CONFIG_NAME = "config.toml"
DEFAULT_ARCHIVE = "schedarc.db"

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_every(value: str) -> timedelta:
    """ "15m", "6h", "1d", "90s", "1w" -> timedelta; ValueError otherwise."""
    match = _DURATION.match(value)
    if not match or float(match.group(1)) <= 0:
        raise ValueError(value)
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


@dataclass(frozen=True)
class Target:
    """One [[targets]] entry: what to watch and how."""

    name: str
    urls: tuple[str, ...]
    parser: str = "auto"
    timezone: str | None = None
    every: timedelta | None = None
    follow: tuple[str, ...] = ()
    max_depth: int = 1
    max_pages: int = 100
    fetch: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Notify:
    """[notify]: a command (argv list, JSON on stdin) and/or a webhook URL (JSON POST)."""

    command: tuple[str, ...] = ()
    webhook: str | None = None
    timeout: float = 30.0


@dataclass(frozen=True)
class Config:
    """The whole effective configuration."""

    source: Path | None
    archive_path: Path
    fetch: FetchSettings
    targets: tuple[Target, ...] = ()
    notify: Notify = Notify()

    def target(self, name: str) -> Target:
        for target in self.targets:
            if target.name == name:
                return target
        known = ", ".join(t.name for t in self.targets) or "none defined"
        raise ConfigError(f"no target named {name!r} in {self.source or 'the configuration'}",
                          hint=f"targets: {known}")

    def fetch_for(self, target: Target) -> FetchSettings:
        return self.fetch.merged(target.fetch) if target.fetch else self.fetch


class _Reader:
    """Pulls typed values out of one TOML table, remembering which keys were used."""

    def __init__(self, source: str, table: Mapping[str, Any], where: str) -> None:
        self.source, self.table, self.where, self.used = source, table, where, set[str]()

    def fail(self, key: str, problem: str, hint: str) -> ConfigError:
        return ConfigError(f"{self.source}: {self.where}{key}: {problem}", hint=hint)

    def get(self, key: str, kind: type | tuple[type, ...], default: Any, hint: str) -> Any:
        self.used.add(key)
        if key not in self.table:
            return default
        value = self.table[key]
        # bool is an int in Python; a number key given `true` is still wrong
        if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _as_tuple(kind)):
            raise self.fail(key, f"expected {_kind_name(kind)}, got {type(value).__name__} {value!r}", hint)
        return value

    def reject_unknown(self, allowed_extra: tuple[str, ...] = ()) -> None:
        for key in self.table:
            if key not in self.used and key not in allowed_extra:
                known = ", ".join(sorted(self.used | set(allowed_extra)))
                raise self.fail(key, "unknown key", f"remove it, or use one of: {known}")


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {"str": "a string", "int": "an integer", "float": "a number", "bool": "true or false",
             "list": "a list", "dict": "a table"}
    return " or ".join(dict.fromkeys(names.get(k.__name__, k.__name__) for k in _as_tuple(kind)))


def _fetch_settings(source: str, table: Mapping[str, Any], where: str, base: FetchSettings) -> dict[str, Any]:
    """Validate a [fetch] table against FetchSettings' fields; return the overrides."""
    reader = _Reader(source, table, where)
    overrides: dict[str, Any] = {}
    for spec in dataclasses.fields(FetchSettings):
        default = getattr(base, spec.name)
        if isinstance(default, bool):
            kind: type | tuple[type, ...] = bool
        elif isinstance(default, float):
            kind = (int, float)
        elif isinstance(default, int):
            kind = int
        else:
            kind = str
        value = reader.get(spec.name, kind, None, f"write {spec.name} = {default!r}" if default is not None
                           else f'write {spec.name} = "..."')
        if value is None:
            continue
        if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
            raise reader.fail(spec.name, f"must not be negative, got {value!r}", f"write {spec.name} = {default!r}")
        overrides[spec.name] = float(value) if kind == (int, float) else value
    reader.reject_unknown()
    for key in ("workers", "concurrency_per_host"):
        if overrides.get(key) == 0:
            raise reader.fail(key, "must be at least 1", f"write {key} = 1")
    return overrides


def _target(source: str, table: Any, index: int, base: FetchSettings) -> Target:
    where = f"[[targets]] #{index + 1}: "
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: targets: expected a table per target", hint='write [[targets]] then name = "..."')
    reader = _Reader(source, table, where)
    name = reader.get("name", str, None, 'write name = "my-conference"')
    if not name:
        raise reader.fail("name", "missing", 'every target needs a name, e.g. name = "my-conference"')
    reader.where = f"[[targets]] {name!r}: "
    url = reader.get("url", str, None, 'write url = "https://..."')
    urls = reader.get("urls", list, [], 'write urls = ["https://...", "https://..."]')
    all_urls = ([url] if url else []) + list(urls)
    if not all_urls:
        raise reader.fail("url", "missing", 'write url = "https://..." (or urls = [...])')
    for item in all_urls:
        if not isinstance(item, str) or not re.match(r"^https?://[^/\s]+", item):
            raise reader.fail("url", f"not an http(s) URL: {item!r}", 'write url = "https://example.org/schedule"')
    parser = reader.get("parser", str, "auto", 'write parser = "auto" or a name from `schedarc parsers`')
    tz = reader.get("timezone", str, None, 'write timezone = "Europe/Berlin"')
    if tz is not None:
        try:
            zone(tz)
        except ConfigError:
            raise reader.fail("timezone", f"unknown time zone {tz!r}",
                              'use an IANA name, e.g. timezone = "America/Los_Angeles"') from None
    every_text = reader.get("every", str, None, 'write every = "6h" (s, m, h, d or w)')
    every = None
    if every_text is not None:
        try:
            every = parse_every(every_text)
        except ValueError:
            raise reader.fail("every", f"not a duration: {every_text!r}",
                              'write a number and a unit, e.g. every = "15m", "6h" or "1d"') from None
    follow = reader.get("follow", list, [], 'write follow = ["https://*.sched.com/event/*"]')
    if not all(isinstance(p, str) and p for p in follow):
        raise reader.fail("follow", "expected a list of patterns (strings)",
                          'write follow = ["https://*.sched.com/event/*"] or ["re:^https://..."]')
    max_depth = reader.get("max_depth", int, 1, "write max_depth = 1")
    max_pages = reader.get("max_pages", int, 100, "write max_pages = 100")
    if max_depth < 0 or max_pages < 1:
        raise reader.fail("max_pages" if max_pages < 1 else "max_depth", "out of range",
                          "max_depth must be >= 0 and max_pages >= 1")
    fetch_table = reader.get("fetch", dict, {}, "write [targets.fetch] with keys from [fetch]")
    overrides = _fetch_settings(source, fetch_table, f"[targets.fetch] of {name!r}: ", base)
    # Shorthand: allow_private = false right in [[targets]], as it is about what the target may reach.
    allow_private = reader.get("allow_private", bool, None, "write allow_private = false (or true)")
    if allow_private is not None:
        if overrides.get("allow_private", allow_private) != allow_private:
            raise reader.fail("allow_private", "disagrees with allow_private in [targets.fetch]",
                              "write allow_private once, in [[targets]] or in [targets.fetch]")
        overrides["allow_private"] = allow_private
    reader.reject_unknown()
    _check_patterns(reader, follow)
    return Target(name=name, urls=tuple(all_urls), parser=parser, timezone=tz, every=every,
                  follow=tuple(follow), max_depth=max_depth, max_pages=max_pages, fetch=overrides)


def _check_patterns(reader: _Reader, patterns: list[str]) -> None:
    for pattern in patterns:
        if pattern.startswith("re:"):
            try:
                re.compile(pattern[3:])
            except re.error as exc:
                raise reader.fail("follow", f"bad regular expression {pattern!r}: {exc}",
                                  "fix the expression, or use a glob such as https://*.sched.com/event/*") from None


def _notify(source: str, table: Mapping[str, Any]) -> Notify:
    reader = _Reader(source, table, "[notify]: ")
    command = reader.get("command", (list, str), [], 'write command = ["/usr/local/bin/tell-me", "--json"]')
    if isinstance(command, str):
        raise reader.fail("command", "expected a list (run without a shell)",
                          f'write command = {[*command.split()]!r}'.replace("'", '"'))
    webhook = reader.get("webhook", str, None, 'write webhook = "https://hooks.example.org/schedarc"')
    if webhook is not None and not re.match(r"^https?://", webhook):
        raise reader.fail("webhook", f"not an http(s) URL: {webhook!r}", 'write webhook = "https://..."')
    timeout = reader.get("timeout", (int, float), 30.0, "write timeout = 30")
    reader.reject_unknown()
    return Notify(command=tuple(str(c) for c in command), webhook=webhook, timeout=float(timeout))


def load(path: str | os.PathLike[str] | None = None, *, required: bool = False) -> Config:
    """Read ``path`` (or ./config.toml when present); defaults when there is none.

    ``required`` makes a missing file an error (an explicit --config must exist).
    """
    candidate = Path(path) if path else Path(DEFAULT_CONFIG_NAME)
    if not candidate.is_file():
        if path and required:
            raise ConfigError(f"config file {candidate} not found",
                              hint="check --config / SCHEDARC_CONFIG, or create it from the bundled config.toml")
        return Config(source=None, archive_path=Path(DEFAULT_ARCHIVE), fetch=FetchSettings())
    source = str(candidate)
    try:
        data = tomllib.loads(candidate.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}", hint="fix the syntax at that line") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{source}: cannot read: {exc}", hint="check the file's permissions and encoding") from None
    return from_mapping(data, source=candidate)


def from_mapping(data: Mapping[str, Any], *, source: Path | None = None) -> Config:
    """Build a Config from already-parsed TOML (``source`` names the file in errors)."""
    name = str(source or "config")
    top = _Reader(name, data, "")
    archive = top.get("archive", dict, {}, '[archive] is a table: write [archive] then path = "schedarc.db"')
    arc = _Reader(name, archive, "[archive]: ")
    archive_path = Path(arc.get("path", str, DEFAULT_ARCHIVE, 'write path = "schedarc.db"'))
    arc.reject_unknown()
    if source is not None and not archive_path.is_absolute():
        archive_path = source.resolve().parent / archive_path  # relative to the config file, as cron expects
    fetch = FetchSettings().merged(_fetch_settings(name, top.get("fetch", dict, {}, "[fetch] is a table"), "[fetch]: ",
                                                   FetchSettings()))
    notify = _notify(name, top.get("notify", dict, {}, "[notify] is a table"))
    raw_targets = top.get("targets", list, [], "write each target as [[targets]]")
    targets = tuple(_target(name, t, i, fetch) for i, t in enumerate(raw_targets))
    seen: set[str] = set()
    for target in targets:
        if target.name in seen:
            raise ConfigError(f"{name}: [[targets]]: duplicate name {target.name!r}",
                              hint="give every target its own name")
        seen.add(target.name)
    top.reject_unknown()
    return Config(source=source, archive_path=archive_path, fetch=fetch, targets=targets, notify=notify)
