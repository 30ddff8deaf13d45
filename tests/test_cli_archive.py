"""Archive commands through the CLI: history, search, snapshots, show, check, reparse."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from scraper.cli import cli
from tests.loopback import LoopbackServer
from tests.sitegen import BASE, changed, ics


def invoke(db: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def archived(http_server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    """An archive with two editions of one feed fetched: changes recorded."""
    config = tmp_path / "config.toml"
    config.write_text("[fetch]\nretries = 0\nbackoff = 0.0\ndelay_per_host = 0.0\ntimeout = 2.0\n")
    monkeypatch.setenv("SCHEDARC_CONFIG", str(config))
    db = tmp_path / "a.db"
    url = http_server.url("/all.ics")
    http_server.add_page("/all.ics", ics(BASE), "text/calendar")
    assert invoke(db, "fetch", url, "--timezone", "America/Los_Angeles")[0] == 0
    http_server.add_page("/all.ics", ics(changed(), stamp="20260409T000000Z"), "text/calendar")
    assert invoke(db, "fetch", url, "--timezone", "America/Los_Angeles")[0] == 0
    return db, url


def test_history_of_session_and_page(archived: tuple[Path, str]) -> None:
    db, url = archived
    code, out, _ = invoke(db, "history", "b2", "--json")
    assert code == 0
    versions = json.loads(out)["versions"]
    assert [v["version"] for v in versions] == [1, 2]
    assert set(versions[1]["changed"]) >= {"start", "end", "room"}
    code, out, _ = invoke(db, "history", url)
    assert code == 0 and out.count("\n") >= 3  # header and two fetches
    code, _, err = invoke(db, "history", "no-such-uid")
    assert code == 1 and err.startswith("Error: ")


def test_search_and_filters(archived: tuple[Path, str]) -> None:
    db, _ = archived
    code, out, _ = invoke(db, "search", "folsom", "--json")
    assert code == 0 and [s["title"] for s in json.loads(out)] == ["Folsom Security in Review"]
    code, out, _ = invoke(db, "sessions", "--removed", "--json")
    assert [s["title"] for s in json.loads(out)] == ["Networking is NOT Free"]
    code, out, _ = invoke(db, "sessions", "--room", "Hall A", "--json")
    assert {s["title"] for s in json.loads(out)} == {"Opening Keynote", "Closing Panel"}
    code, out, _ = invoke(db, "sessions", "--on", "2026-05-13", "--json")
    assert [s["title"] for s in json.loads(out)] == ["Closing Panel"]
    code, _, err = invoke(db, "sessions", "--on", "May 13")
    assert code == 2 and "--on: not a date" in err


def test_snapshots_and_show_return_raw_bytes(archived: tuple[Path, str]) -> None:
    db, url = archived
    code, out, _ = invoke(db, "snapshots", url, "--json")
    snaps = json.loads(out)
    assert code == 0 and len(snaps) == 2
    shown = CliRunner().invoke(cli, ["--db", str(db), "show", str(snaps[0]["fetch_id"])])
    assert shown.exit_code == 0 and shown.stdout_bytes == ics(BASE).encode()


def test_check_finds_a_corrupted_body(archived: tuple[Path, str]) -> None:
    db, _ = archived
    code, out, _ = invoke(db, "check")
    assert code == 0 and out.startswith("ok: ")
    with sqlite3.connect(db) as conn:
        conn.execute("update bodies set sha256 = 'ff' || substr(sha256, 3) where rowid = 1")
    code, _, err = invoke(db, "check")
    assert code == 1 and "fault: " in err and "Error: " in err


def test_reparse_is_idempotent_and_offline(archived: tuple[Path, str], http_server: LoopbackServer) -> None:
    db, _ = archived
    before = invoke(db, "query", "select uid, title, start, room, removed_at from sessions order by uid", "--json")[1]
    versions = invoke(db, "query", "select count(*) as n from session_versions", "--json")[1]
    hits = sum(http_server.hits.values())
    for _ in range(2):
        code, _, err = invoke(db, "reparse", "--timezone", "America/Los_Angeles")
        assert code == 0, err
    assert sum(http_server.hits.values()) == hits  # no network
    assert invoke(db, "query", "select uid, title, start, room, removed_at from sessions order by uid",
                  "--json")[1] == before
    assert invoke(db, "query", "select count(*) as n from session_versions", "--json")[1] == versions
