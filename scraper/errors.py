"""One exception tree: everything schedarc expects and explains to its user.

The CLI catches :class:`SchedarcError` in one place and prints ``Error: <message>``;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class SchedarcError(Exception):
    """Base of every error we expect and explain to the user.

    ``hint`` says what to do about it; the CLI prints ``Error: message (hint)``.
    """

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class FetchError(SchedarcError):
    """A URL could not be fetched. Carries what we know about the attempt."""

    def __init__(
        self,
        message: str,
        *,
        url: str = "",
        hint: str | None = None,
        status: int | None = None,
        attempts: int = 0,
        elapsed: float = 0.0,
    ) -> None:
        super().__init__(message, hint=hint)
        self.url = url
        self.status = status
        self.attempts = attempts
        self.elapsed = elapsed


class TransientFetchError(FetchError):
    """Timeouts, resets, 408/429/5xx: worth another attempt."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.retry_after = retry_after


class PermanentFetchError(FetchError):
    """4xx, robots.txt disallow, body over the size cap, bad scheme: retrying will not help."""


class ParseError(SchedarcError):
    """A document could not be parsed (malformed, truncated, hostile)."""


class ConfigError(SchedarcError):
    """config.toml or a command-line option is wrong. Exit code 2, like other usage errors."""

    exit_code = 2


class ArchiveError(SchedarcError):
    """The SQLite archive cannot be opened, written or trusted."""


class LockHeldError(SchedarcError):
    """Another crawl holds the archive's crawl lock. Exit code 3."""

    exit_code = 3
