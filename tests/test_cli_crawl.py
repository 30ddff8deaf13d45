"""`schedarc crawl` and `schedarc config` as cron sees them: exit codes, summary, lock, due-ness."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from click.testing import CliRunner

from scraper.cli import cli
from tests.loopback import LoopbackServer, send
from tests.sitegen import BASE, Item, changed, ics

FAST = "[fetch]\nretries = 0\nbackoff = 0.0\ndelay_per_host = 0.0\ntimeout = 2.0\nconcurrency_per_host = 4\n"


def make_config(tmp_path: Path, server: LoopbackServer, extra: str = "") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f"""[archive]
path = "arc.db"
{FAST}
[[targets]]
name = "summit"
url = "{server.url('/all.ics')}"
timezone = "America/Los_Angeles"
every = "6h"
{extra}
""")
    return path


def invoke(config: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_a_big_first_crawl_lists_fifty_changes_then_the_rest_as_a_count(http_server: LoopbackServer,
                                                                        tmp_path: Path) -> None:
    many = tuple(Item(f"u{i}", f"Talk number {i}", "20260512T0900", "20260512T0945", "Hall A") for i in range(80))
    http_server.add_page("/all.ics", ics(many), "text/calendar")
    config = make_config(tmp_path, http_server)
    code, out, err = invoke(config, "crawl")
    assert code == 0 and out == ""
    assert "sessions: 80 added, 0 changed, 0 removed" in err
    assert err.count("added: Talk number") == 50
    assert "... and 30 more (schedarc changes)" in err
    http_server.add_page("/all.ics", ics(many, stamp="20260409T000000Z", name="Renamed"), "text/calendar")
    code, out, err = invoke(config, "crawl", "--json")  # --json: every change, not the sample
    assert code == 0 and [c["kind"] for c in json.loads(out)["changes"]] == ["changed"] * 80


def test_crawl_summary_json_and_changes(http_server: LoopbackServer, tmp_path: Path) -> None:
    http_server.add_page("/all.ics", ics(BASE), "text/calendar")
    config = make_config(tmp_path, http_server)
    code, out, err = invoke(config, "crawl", "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["ok"] and summary["counts"]["sessions_added"] == 4
    assert "crawl: 1 targets, 1 pages" in err
    http_server.add_page("/all.ics", ics(changed(), stamp="20260409T000000Z"), "text/calendar")
    code, out, err = invoke(config, "crawl", "--json")
    counts = json.loads(out)["counts"]
    assert (counts["sessions_added"], counts["sessions_changed"], counts["sessions_removed"]) == (1, 2, 1)
    code, out, _ = invoke(config, "changes")
    assert "moved: Folsom Security in Review, May 12 15:20 -> 16:10, Room A -> Room B" in out
    assert "retitled: State of the Stack -> State of the Stack 2026" in out
    assert "removed: Networking is NOT Free" in out
    code, out, _ = invoke(config, "changes", "--json")
    records = json.loads(out)
    moved = next(r for r in records if r["uid"] == "b2" and r["kind"] == "changed")
    assert moved["fields"]["room"] == {"old": "Room A", "new": "Room B"}


def test_due_uses_last_run(http_server: LoopbackServer, tmp_path: Path) -> None:
    http_server.add_page("/all.ics", ics(BASE), "text/calendar")
    config = make_config(tmp_path, http_server)
    assert invoke(config, "crawl", "--due", "-q")[0] == 0
    assert http_server.hits["/all.ics"] == 1
    code, _, err = invoke(config, "crawl", "--due")
    assert code == 0 and "no target is due" in err and http_server.hits["/all.ics"] == 1
    later = "2999-01-01T00:00:00+00:00"
    assert invoke(config, "crawl", "--due", "--now", later)[0] == 0
    assert http_server.hits["/all.ics"] == 2


def test_failed_target_exits_1_and_names_it(http_server: LoopbackServer, tmp_path: Path) -> None:
    http_server.routes["/all.ics"] = lambda req: send(req, 404, b"", "text/plain")
    config = make_config(tmp_path, http_server)
    code, _, err = invoke(config, "crawl")
    assert code == 1
    assert "failed: " in err and "404" in err


def test_dry_run_fetches_nothing(http_server: LoopbackServer, tmp_path: Path) -> None:
    config = make_config(tmp_path, http_server)
    code, out, _ = invoke(config, "crawl", "--dry-run")
    assert code == 0 and out.startswith(f"summit\t{http_server.url('/all.ics')}")
    assert http_server.hits["/all.ics"] == 0 and not (tmp_path / "arc.db").exists()


def test_config_errors_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "config.toml"
    bad.write_text('[[targets]]\nname = "x"\nurl = "https://x.example/"\nevery = "often"\n')
    code, _, err = invoke(bad, "config", "check")
    assert code == 2
    assert err == (f"Error: {bad}: [[targets]] 'x': every: not a duration: 'often' "
                   "(write a number and a unit, e.g. every = \"15m\", \"6h\" or \"1d\")\n")
    code, _, err = invoke(bad, "crawl")
    assert code == 2


def test_config_show_and_unknown_target(http_server: LoopbackServer, tmp_path: Path) -> None:
    config = make_config(tmp_path, http_server)
    code, out, _ = invoke(config, "config", "show", "--json")
    shown = json.loads(out)
    assert code == 0 and shown["targets"][0]["name"] == "summit" and shown["fetch"]["retries"] == 0
    code, _, err = invoke(config, "crawl", "--target", "nope")
    assert code == 2 and "no target named 'nope'" in err


def test_notify_command_runs_only_on_change(http_server: LoopbackServer, tmp_path: Path) -> None:
    http_server.add_page("/all.ics", ics(BASE), "text/calendar")
    out = tmp_path / "notified.json"
    script = f"import sys; open({str(out)!r}, 'a').write(sys.stdin.read() + chr(10))"
    config = make_config(tmp_path, http_server, "")
    config.write_text(config.read_text() + f"\n[notify]\ncommand = {json.dumps([sys.executable, '-c', script])}\n")
    assert invoke(config, "crawl", "-q")[0] == 0
    assert invoke(config, "crawl", "-q")[0] == 0  # nothing changed: no notification
    lines = out.read_text().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["counts"]["sessions_added"] == 4


def test_second_crawl_process_exits_3(http_server: LoopbackServer, tmp_path: Path) -> None:
    release = {"go": False}

    def slow(req: BaseHTTPRequestHandler) -> None:
        deadline = time.monotonic() + 20
        while not release["go"] and time.monotonic() < deadline:
            time.sleep(0.05)
        send(req, 200, ics(BASE).encode(), "text/calendar")

    http_server.routes["/all.ics"] = slow
    config = make_config(tmp_path, http_server)
    exe = Path(sys.executable).parent / "schedarc"
    argv = [str(exe)] if exe.exists() else [sys.executable, "-m", "scraper"]
    env = {**os.environ, "SCHEDARC_CONFIG": str(config)}
    first = subprocess.Popen([*argv, "crawl", "-q"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 15
        while http_server.hits["/all.ics"] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        second = subprocess.run([*argv, "crawl"], env=env, capture_output=True, text=True, timeout=30, check=False)
        assert second.returncode == 3
        assert second.stderr.startswith("Error: another crawl is running on this archive (pid ")
    finally:
        release["go"] = True
        first.wait(timeout=30)
    assert first.returncode == 0


@pytest.mark.parametrize("flag", ["--help"])
def test_crawl_help_documents_exit_codes(flag: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["crawl", flag])
    assert result.exit_code == 0 and "3  another crawl holds" in result.stdout
