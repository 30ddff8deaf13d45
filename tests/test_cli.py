"""The CLI end to end: through click's CliRunner and as a real subprocess."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from scraper.cli import cli
from tests.conftest import CORPUS, shared_dir
from tests.loopback import LoopbackServer
from tests.sitegen import BASE, ics

POST = "cloudscaling_2013-03-26-making-plans-for-openstack-summit.markdown"


def invoke(*args: str, db: Path | None = None) -> tuple[int, str, str]:
    runner = CliRunner()
    argv = (["--db", str(db)] if db else []) + list(args)
    result = runner.invoke(cli, argv, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def site(http_server: LoopbackServer) -> LoopbackServer:
    http_server.add_page("/all.ics", ics(BASE), "text/calendar")
    http_server.add_page("/empty.html", "<html><body><p>Nothing to see.</p></body></html>")
    return http_server


@pytest.fixture
def fast_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    path.write_text("[fetch]\nretries = 1\nbackoff = 0.0\ndelay_per_host = 0.0\ntimeout = 2.0\n")
    monkeypatch.setenv("SCHEDARC_CONFIG", str(path))
    return path


def test_parse_blog_post_contract(corpus: Path) -> None:
    code, out, err = invoke("parse", str(corpus / POST), "--timezone", "America/Los_Angeles", "--json")
    assert code == 0, err
    sessions = json.loads(out)
    assert len(sessions) == 6
    assert list(sessions[0]) == ["uid", "title", "speakers", "start", "end", "timezone", "room",
                                              "track", "url", "description"]
    panel = sessions[0]
    assert panel["title"] == "PANEL: Vendor discussion about RAs -> battle for a winner"
    assert panel["start"] == "2013-04-16T13:50:00-07:00"
    assert panel["url"] == "http://openstacksummitapril2013.sched.org/event/f75b118404a89ede6f91efb2ff5a83a7#"
    assert sessions[2]["speakers"] == ["Randy Bias", "Eric Windisch"]


def test_fetch_twice_stores_one_body_and_two_fetches(site: LoopbackServer, db_path: Path, fast_config: Path) -> None:
    for _ in range(2):
        code, out, err = invoke("fetch", site.url("/all.ics"), "--timezone", "UTC", db=db_path)
        assert code == 0, err
        assert "Folsom Security in Review" in out
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("select count(*) from bodies").fetchone()[0] == 1
        assert conn.execute("select count(*) from fetches").fetchone()[0] == 2
    assert site.hits["/all.ics"] == 2


def test_fetch_json_and_sessions(site: LoopbackServer, db_path: Path, fast_config: Path) -> None:
    code, out, _ = invoke("fetch", site.url("/all.ics"), "--json", db=db_path)
    assert code == 0
    assert {s["title"] for s in json.loads(out)} == {i.title for i in BASE}
    code, out, _ = invoke("sessions", "--json", db=db_path)
    assert code == 0 and len(json.loads(out)) == len(BASE)


@pytest.mark.parametrize(("args", "code", "message"), [
    (["fetch", "ftp://example.org/x"], 1,
     "Error: ftp://example.org/x: unsupported URL scheme 'ftp' (schedarc fetches http:// and https:// URLs only)\n"),
    (["parse", "nope.ics"], 1, "Error: nope.ics: no such file (give a file path, a URL or - for stdin)\n"),
    (["parse", "-", "--timezone", "Mars/Olympus"], 2,
     "Error: --timezone: unknown time zone 'Mars/Olympus' (use an IANA name such as Europe/Berlin or "
     "America/Los_Angeles)\n"),
    (["parse", "-", "--parser", "nosuch"], 1, "Error: unknown parser 'nosuch' (choose one of: "),
])
def test_bad_input_gives_one_error_line(args: list[str], code: int, message: str, tmp_path: Path) -> None:
    got, _, err = invoke(*args, db=tmp_path / "a.db")
    assert got == code
    assert err.startswith(message)
    assert err.count("\n") == 1 and "Traceback" not in err


def test_malformed_front_matter_is_one_error_line(tmp_path: Path) -> None:
    post = tmp_path / "post.md"
    post.write_text("---\ntitle: [unclosed\ndate: 2026-01-01\n---\n\nApril 16, 1:50 pm\n", encoding="utf-8")
    code, out, err = invoke("parse", str(post), "--timezone", "UTC", db=tmp_path / "a.db")
    assert code == 1 and out == ""
    assert err.startswith(f"Error: {post.as_uri()}: front matter is not valid YAML at line 3")
    assert err.count("\n") == 1


def test_dead_host_keeps_archive(site: LoopbackServer, db_path: Path, fast_config: Path) -> None:
    assert invoke("fetch", site.url("/all.ics"), db=db_path)[0] == 0
    code, _, err = invoke("fetch", "http://127.0.0.1:9/all.ics", db=db_path)
    assert code == 1
    assert err.startswith("Error: ") and "127.0.0.1:9" in err and "Traceback" not in err
    code, out, _ = invoke("sessions", "--json", db=db_path)
    assert len(json.loads(out)) == len(BASE)
    with sqlite3.connect(db_path) as conn:  # the failed fetch is a row too
        assert conn.execute("select count(*) from fetches where error is not null").fetchone()[0] == 1


def test_page_without_sessions(site: LoopbackServer, db_path: Path, fast_config: Path) -> None:
    code, _, err = invoke("fetch", site.url("/empty.html"), db=db_path)
    assert code == 1
    assert "no sessions found" in err and err.count("Error:") == 1
    with sqlite3.connect(db_path) as conn:  # the snapshot is kept all the same
        assert conn.execute("select count(*) from fetches").fetchone()[0] == 1


def test_unwritable_db_path(site: LoopbackServer, tmp_path: Path, fast_config: Path) -> None:
    code, _, err = invoke("fetch", site.url("/all.ics"), db=tmp_path / "missing-dir" / "a.db")
    assert code == 1
    assert err.startswith("Error: ") and "missing-dir" in err and "Traceback" not in err


def test_query_is_read_only(site: LoopbackServer, db_path: Path, fast_config: Path) -> None:
    invoke("fetch", site.url("/all.ics"), db=db_path)
    code, out, _ = invoke("query", "select count(*) as n from sessions", "--json", db=db_path)
    assert code == 0 and json.loads(out) == [{"n": len(BASE)}]
    code, _, err = invoke("query", "delete from sessions", db=db_path)
    assert code == 1 and err.startswith("Error: ") and "read-only" in err
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("select count(*) from sessions").fetchone()[0] == len(BASE)


def test_parsers_lists_every_parser() -> None:
    code, out, _ = invoke("parsers", "--json")
    names = {p["name"] for p in json.loads(out)}
    assert code == 0 and {"blogpost", "ical", "frab", "sched", "jsonld", "generic"} <= names


def test_subprocess_entry_point_and_help(tmp_path: Path) -> None:
    shared_dir("corpus")
    exe = Path(sys.executable).parent / "schedarc"
    argv = [str(exe)] if exe.exists() else [sys.executable, "-m", "scraper"]
    done = subprocess.run([*argv, "parse", str(CORPUS / POST), "--timezone", "America/Los_Angeles", "--json"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)) == 6
    helped = subprocess.run([*argv, "--help"], capture_output=True, text=True, timeout=60, check=False)
    assert helped.returncode == 0 and "Exit codes" in helped.stdout


def test_start_up_loads_only_what_the_command_needs() -> None:
    # Every cron run pays for start-up: commands import their heavy stacks when they run.
    probe = ("import sys, scraper.cli; heavy = ('requests', 'sqlite_utils', 'icalendar', 'warcio', 'lxml', 'bs4',"
             " 'rich', 'charset_normalizer', 'scraper.crawl', 'scraper.ingest');"
             " print(sorted(m for m in heavy if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]"


def test_the_crawl_stack_loads_tenacity_only_when_a_fetch_is_retried() -> None:
    # A cron re-crawl whose fetches all succeed at once never needs the retry machinery.
    probe = "import sys, scraper.crawl, scraper.notify, scraper.cli_crawl; print('tenacity' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "False"
