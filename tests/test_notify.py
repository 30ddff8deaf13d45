"""Notifiers: a command gets the JSON on stdin; a webhook gets it by POST, with retries."""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from scraper.config import Notify
from scraper.notify import notify
from tests.loopback import LoopbackServer, send

SUMMARY = {"ok": True, "changes": [{"kind": "added", "uid": "x", "title": "T"}]}


def test_command_receives_summary_on_stdin(tmp_path: Path) -> None:
    out = tmp_path / "got.json"
    script = f"import sys; open({str(out)!r}, 'w').write(sys.stdin.read())"
    problems = notify(Notify(command=(sys.executable, "-c", script)), SUMMARY)
    assert problems == []
    assert json.loads(out.read_text()) == SUMMARY


def test_failing_command_is_reported_not_raised() -> None:
    problems = notify(Notify(command=(sys.executable, "-c", "import sys; sys.exit('boom')")), SUMMARY)
    assert len(problems) == 1 and "exited 1: boom" in problems[0]
    missing = notify(Notify(command=("/nonexistent/notifier",)), SUMMARY)
    assert missing == ["command '/nonexistent/notifier' not found (check [notify] command)"]


def test_webhook_retries_then_delivers(http_server: LoopbackServer) -> None:
    bodies: list[bytes] = []

    def hook(req: BaseHTTPRequestHandler) -> None:
        length = int(req.headers.get("Content-Length", 0))
        bodies.append(req.rfile.read(length))
        send(req, 503 if len(bodies) == 1 else 204, b"")

    http_server.routes["/hook"] = hook
    problems = notify(Notify(webhook=http_server.url("/hook")), SUMMARY, webhook_wait=0)
    assert problems == []
    assert http_server.hits["/hook"] == 2
    assert json.loads(bodies[-1]) == SUMMARY


def test_webhook_gives_up_with_reason(http_server: LoopbackServer) -> None:
    http_server.routes["/hook"] = lambda req: send(req, 500, b"")
    problems = notify(Notify(webhook=http_server.url("/hook")), SUMMARY, webhook_attempts=3, webhook_wait=0)
    assert problems == [f"webhook {http_server.url('/hook')} answered 500"]
    assert http_server.hits["/hook"] == 3


def test_nothing_configured_does_nothing() -> None:
    circular: dict[str, object] = {"ok": True}
    circular["self"] = circular  # would fail to serialise: proves the summary is not even encoded
    assert notify(Notify(), circular) == []
