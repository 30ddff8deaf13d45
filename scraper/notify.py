"""Tell someone when a crawl changed something: a command (JSON on stdin) and/or a webhook.

A notifier that fails is logged and reported; it never undoes or loses the crawl's data,
which is already committed by the time notifiers run.
"""

from __future__ import annotations

import json
import logging
import subprocess
from typing import Any

import requests

from scraper import __version__
from scraper.config import Notify

log = logging.getLogger(__name__)


def notify(settings: Notify, summary: dict[str, Any], *, webhook_attempts: int = 3,
           webhook_wait: float = 1.0) -> list[str]:
    """Run the configured notifiers with ``summary``; return one message per failure."""
    if not settings.command and not settings.webhook:
        return []  # nobody to tell: the JSON of a first crawl's changes is megabytes
    payload = json.dumps(summary, ensure_ascii=False, default=str)
    problems: list[str] = []
    if settings.command:
        problem = _run_command(settings.command, payload, settings.timeout)
        if problem:
            problems.append(problem)
    if settings.webhook:
        problem = _post(settings.webhook, payload, settings.timeout, webhook_attempts, webhook_wait)
        if problem:
            problems.append(problem)
    for problem in problems:
        log.warning("notify: %s", problem)
    return problems


def _run_command(argv: tuple[str, ...], payload: str, timeout: float) -> str | None:
    try:
        done = subprocess.run(list(argv), input=payload, text=True, capture_output=True, timeout=timeout,
                              check=False)
    except FileNotFoundError:
        return f"command {argv[0]!r} not found (check [notify] command)"
    except subprocess.TimeoutExpired:
        return f"command {argv[0]!r} ran longer than {timeout:g} s and was stopped"
    except OSError as exc:
        return f"command {argv[0]!r} could not run: {exc.strerror}"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [""])[-1][:200]
        return f"command {argv[0]!r} exited {done.returncode}" + (f": {last}" if last else "")
    return None


class _Retryable(Exception):
    pass


def _post(url: str, payload: str, timeout: float, attempts: int, wait: float) -> str | None:
    headers = {"Content-Type": "application/json", "User-Agent": f"schedarc/{__version__}"}

    def once() -> None:
        try:
            response = requests.post(url, data=payload.encode("utf-8"), headers=headers, timeout=timeout,
                                     allow_redirects=False)
        except requests.RequestException as exc:
            raise _Retryable(f"webhook {url} unreachable: {type(exc).__name__}") from None
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise _Retryable(f"webhook {url} answered {response.status_code}")
        if response.status_code >= 400:
            raise ValueError(f"webhook {url} answered {response.status_code}")

    # Imported here: most crawls post no webhook, and every cron run would pay for it.
    from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

    retrying = Retrying(stop=stop_after_attempt(max(1, attempts)), wait=wait_exponential(multiplier=wait, max=30),
                        retry=retry_if_exception_type(_Retryable), reraise=True)
    try:
        retrying(once)
    except (_Retryable, ValueError) as exc:
        return str(exc)
    return None
