"""What to fetch and how: the settings of config.toml's [fetch] table, one request, the URL rule.

Kept apart from the Fetcher so that configuration and callers can name these without
pulling in the HTTP machinery.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from scraper import __version__
from scraper.errors import ConfigError, PermanentFetchError

# Worth another attempt; every other 4xx/5xx is final.
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504, 522, 524})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
SCHEMES = frozenset({"http", "https"})
ACCEPT = ("text/html,application/xhtml+xml,application/xml;q=0.9,text/calendar;q=0.9,"
          "application/json;q=0.9,*/*;q=0.5")
DEFAULT_USER_AGENT = f"schedarc/{__version__} (+https://github.com/schedarc/schedarc)"


@dataclass(frozen=True)
class FetchSettings:
    """How to fetch; config.toml's [fetch] keys map 1:1 onto these fields."""

    timeout: float = 30.0  # connect and read timeout, seconds
    retries: int = 3  # retries after the first attempt
    max_retry_wait: float = 60.0  # cap on one wait; a longer Retry-After fails the fetch; caps Crawl-delay
    backoff: float = 1.0  # initial backoff for exponential backoff with full jitter
    delay_per_host: float = 1.0
    concurrency_per_host: int = 1
    workers: int = 8
    max_bytes: int = 20_000_000
    max_redirects: int = 10
    obey_robots: bool = True
    user_agent: str | None = None  # None: DEFAULT_USER_AGENT
    total_timeout: float = 300.0  # whole-fetch budget, retries and waits included
    allow_private: bool = True  # False: only public addresses, checked on every hop (scraper.addresses)

    def __post_init__(self) -> None:
        for spec in dataclasses.fields(self):
            value = getattr(self, spec.name)
            if spec.name == "user_agent":
                if value is not None and (not isinstance(value, str) or not value.strip()):
                    raise ConfigError("fetch setting user_agent must be a non-empty string",
                                      hint='write user_agent = "mybot/1.0 (+contact URL)" or leave it out')
                continue
            default = spec.default
            kind = bool if isinstance(default, bool) else int if isinstance(default, int) else float
            ok = isinstance(value, bool) if kind is bool else (
                isinstance(value, int | float) and not isinstance(value, bool)
                and (kind is float or isinstance(value, int)))
            if not ok or (kind is not bool and (value < 0 or not math.isfinite(value))):
                raise ConfigError(f"fetch setting {spec.name} must be a non-negative {kind.__name__}, "
                                  f"got {value!r}", hint=f"write {spec.name} = {default!r}")
        for name in ("workers", "concurrency_per_host", "max_bytes"):
            if getattr(self, name) < 1:
                raise ConfigError(f"fetch setting {name} must be at least 1", hint=f"write {name} = 1")
        for name in ("timeout", "total_timeout"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"fetch setting {name} must be more than 0 seconds",
                                  hint=f"write {name} = {getattr(FetchSettings, name)!r}")

    @property
    def agent(self) -> str:
        """The User-Agent header sent."""
        return self.user_agent or DEFAULT_USER_AGENT

    def merged(self, overrides: Mapping[str, object]) -> FetchSettings:
        """These settings with per-target ``overrides`` applied (unknown keys are errors)."""
        known = {spec.name for spec in dataclasses.fields(self)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ConfigError(f"unknown fetch setting(s): {', '.join(unknown)}",
                              hint=f"use only {', '.join(sorted(known))}")
        values = dict(overrides)
        for name, value in values.items():
            # TOML writes 5 for 5.0; a float field takes it.
            if isinstance(getattr(self, name), float) and type(value) is int:
                values[name] = float(value)
        return dataclasses.replace(self, **values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class FetchRequest:
    """One URL to fetch, with the validators of its last successful fetch."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    settings: FetchSettings | None = None  # per-target override; None: the Fetcher's
    tag: object = None  # opaque context for the caller


def check_url(url: str, *, hop: str | None = None) -> SplitResult:
    """The URL's parts if we may fetch it: http(s) with a host. Raises PermanentFetchError."""
    where = f"redirected from {hop} to {url}" if hop else url
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 -- raises ValueError for a port out of range
    except ValueError as exc:
        raise PermanentFetchError(f"{where}: invalid URL ({exc})", url=url, hint="check the URL") from None
    if parts.scheme.lower() not in SCHEMES:
        scheme = f"'{parts.scheme}:'" if parts.scheme else "no scheme"
        raise PermanentFetchError(f"{where}: unsupported URL scheme ({scheme})", url=url,
                                  hint="schedarc fetches only http:// and https:// URLs")
    if not parts.hostname:
        raise PermanentFetchError(f"{where}: no host in URL", url=url,
                                  hint="write a full URL such as https://example.org/schedule")
    return parts
