"""What must stay out stays out: only http(s), also across redirects; allow_private = false;
`query` cannot write; `export` writes only where told; notify commands get no shell."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import socket
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from archive import Archive
from archive.errors import ArchiveError
from scraper import addresses
from scraper.config import from_mapping
from scraper.errors import ConfigError, PermanentFetchError
from scraper.fetch import Fetcher, FetchSettings
from tests.loopback import LoopbackServer, send
from tests.reliability.procs import run, schedarc
from tests.sitegen import BASE, ics

QUICK = FetchSettings(retries=0, delay_per_host=0.0, timeout=2.0, total_timeout=5.0)
PUBLIC_ONLY = dataclasses.replace(QUICK, allow_private=False)


# --- only http and https ---------------------------------------------------------------------


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "data:text/html,<p>x</p>",
                                 "gopher://127.0.0.1:70/", "javascript:alert(1)", "//127.0.0.1/x", "/etc/passwd"])
def test_other_schemes_are_refused_before_any_io(url: str) -> None:
    with Fetcher(QUICK) as fetcher, pytest.raises(PermanentFetchError) as caught:
        fetcher.fetch(url)
    assert "scheme" in caught.value.message or "no host" in caught.value.message
    assert caught.value.attempts == 0


@pytest.mark.parametrize("location", ["file:///etc/passwd", "ftp://127.0.0.1/x", "data:text/html,hi",
                                      "gopher://127.0.0.1:70/"])
def test_redirects_to_other_schemes_are_refused(http_server: LoopbackServer, location: str) -> None:
    http_server.routes["/r"] = lambda req: send(req, 302, b"", "text/plain", {"Location": location})
    with Fetcher(QUICK) as fetcher, pytest.raises(PermanentFetchError) as caught:
        fetcher.fetch(http_server.url("/r"))
    assert "unsupported URL scheme" in caught.value.message and "redirected from" in caught.value.message
    assert http_server.hits["/r"] == 1


def test_cli_and_config_refuse_other_schemes(tmp_path: Path) -> None:
    done = run(schedarc("--db", str(tmp_path / "a.db"), "fetch", "file:///etc/passwd"), tmp_path)
    assert done.returncode != 0 and "unsupported URL scheme" in done.stderr
    assert not (tmp_path / "a.db").exists()
    with pytest.raises(ConfigError, match="not an http"):
        from_mapping({"targets": [{"name": "t", "url": "file:///etc/passwd"}]})


# --- allow_private = false ------------------------------------------------------------------


@pytest.mark.parametrize(("address", "reason"), [
    ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("::1", "loopback"),
    ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("192.168.1.1", "private"),
    ("169.254.169.254", "link-local"), ("fe80::1", "link-local"), ("fe80::1%eth0", "link-local"),
    ("fc00::1", "unique-local"), ("fd00::2", "unique-local"), ("224.0.0.1", "multicast"), ("ff02::1", "multicast"),
    ("0.0.0.0", "unspecified"), ("::", "unspecified"), ("100.64.0.1", "reserved"), ("240.0.0.1", "reserved"),
    ("::ffff:127.0.0.1", "loopback"), ("::ffff:10.0.0.1", "private"), ("2002:7f00:1::1", "loopback"),
    ("64:ff9b::a00:1", "private"), ("192.0.2.1", "private"),
    ("8.8.8.8", None), ("1.1.1.1", None), ("2606:4700:4700::1111", None), ("2001:4860:4860::8888", None),
])
def test_addresses_are_judged(address: str, reason: str | None) -> None:
    found = addresses.refusal(address)
    assert (found is None) if reason is None else (found is not None and found.startswith(reason)), found


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "2130706433", "0x7f.1"])
def test_private_targets_are_refused_before_connecting(http_server: LoopbackServer, host: str) -> None:
    """After DNS (2130706433 and 0x7f.1 are 127.0.0.1 in disguise), before robots.txt or the page."""
    http_server.add_page("/s.ics", ics(BASE), "text/calendar")
    url = f"http://{host}:{http_server.port}/s.ics"
    with Fetcher(PUBLIC_ONLY) as fetcher, \
            pytest.raises(PermanentFetchError) as caught:
        fetcher.fetch(url)
    assert "refused" in caught.value.message and "loopback address" in caught.value.message
    assert "allow_private" in (caught.value.hint or "")
    assert sum(http_server.hits.values()) == 0  # not even robots.txt


def test_private_targets_are_fetched_by_default(http_server: LoopbackServer) -> None:
    http_server.add_page("/s.ics", ics(BASE), "text/calendar")
    with Fetcher(QUICK) as fetcher:
        assert fetcher.fetch(http_server.url("/s.ics")).status == 200


@pytest.fixture
def inner() -> Iterator[tuple[ThreadingHTTPServer, list[str]]]:
    """A server on 127.0.0.2 (loopback too), standing for a host inside the network."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            send(self, 200, b"<p>internal</p>")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.2", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield server, hits
    server.shutdown()
    server.server_close()


def _only_127_0_0_2_is_private(monkeypatch: pytest.MonkeyPatch) -> None:
    """No public address is reachable from a test box, so 127.0.0.1 plays the public web here."""
    real = addresses.refusal
    monkeypatch.setattr(addresses, "refusal", lambda a: None if str(a) == "127.0.0.1" else real(a))


def test_every_redirect_hop_is_checked(http_server: LoopbackServer, inner: tuple[ThreadingHTTPServer, list[str]],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    server, hits = inner
    _only_127_0_0_2_is_private(monkeypatch)
    target = f"http://127.0.0.2:{server.server_address[1]}/admin"
    http_server.routes["/go"] = lambda req: send(req, 302, b"", "text/plain", {"Location": target})
    with Fetcher(PUBLIC_ONLY) as fetcher, \
            pytest.raises(PermanentFetchError) as caught:
        fetcher.fetch(http_server.url("/go"))
    assert "127.0.0.2 is a loopback address" in caught.value.message
    assert http_server.hits["/go"] == 1 and hits == []
    with Fetcher(QUICK) as fetcher:
        assert fetcher.fetch(http_server.url("/go")).body == b"<p>internal</p>"  # allowed by default


def test_dns_that_changes_its_answer_meets_the_peer_check(http_server: LoopbackServer,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """DNS rebinding: a public answer to the check, a private one to the connection."""
    http_server.add_page("/s.ics", ics(BASE), "text/calendar")
    monkeypatch.setattr(addresses, "resolve", lambda host, port: ["93.184.215.14"])
    with Fetcher(PUBLIC_ONLY) as fetcher, \
            pytest.raises(PermanentFetchError) as caught:
        fetcher.fetch(http_server.url("/s.ics"))
    assert "connected to 127.0.0.1, a loopback address" in caught.value.message
    assert sum(http_server.hits.values()) == 0


def test_peer_check_on_a_real_socket(http_server: LoopbackServer) -> None:
    sock = socket.create_connection(("127.0.0.1", http_server.port))
    with pytest.raises(addresses.NonPublicPeer, match="loopback"):
        addresses.check_peer(sock, "example.org")
    assert sock.fileno() == -1  # closed before anything was sent


def test_allow_private_in_config(tmp_path: Path) -> None:
    base = {"name": "t", "url": "https://example.org/s"}
    config = from_mapping({"fetch": {"allow_private": False}, "targets": [base]})
    assert config.fetch_for(config.targets[0]).allow_private is False
    config = from_mapping({"targets": [{**base, "allow_private": False}, {**base, "name": "u"},
                                       {**base, "name": "v", "fetch": {"allow_private": False}}]})
    assert [config.fetch_for(t).allow_private for t in config.targets] == [False, True, False]
    with pytest.raises(ConfigError, match="allow_private: expected true or false"):
        from_mapping({"targets": [{**base, "allow_private": "no"}]})
    with pytest.raises(ConfigError, match="disagrees"):
        from_mapping({"targets": [{**base, "allow_private": False, "fetch": {"allow_private": True}}]})


def test_crawl_of_a_private_target_fails_cleanly(http_server: LoopbackServer, tmp_path: Path) -> None:
    http_server.add_page("/s.ics", ics(BASE), "text/calendar")
    config = tmp_path / "config.toml"
    config.write_text(f'[archive]\npath = "a.db"\n[[targets]]\nname = "user-url"\n'
                      f'url = "{http_server.url("/s.ics")}"\nallow_private = false\n')
    done = run(schedarc("--config", str(config), "crawl", "--json"), tmp_path)
    assert done.returncode == 1
    failure = done.json()["failures"][0]
    assert "127.0.0.1 is a loopback address" in failure["error"] and "allow_private" in failure["error"]
    assert sum(http_server.hits.values()) == 0


# --- query cannot write -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("query") / "a.db"
    with Archive(db) as archive:
        archive.record_page({"url": "https://example.org/s.ics", "fetched_at": "2026-04-01T00:00:00+00:00",
                             "status": 200, "body": ics(BASE).encode(), "media_type": "text/calendar"},
                            sessions=[{"uid": i.uid, "title": i.title, "speakers": list(i.speakers)} for i in BASE])
    return db


def _digest(db: Path) -> str:
    """The database and its WAL (the -shm file is readers' shared memory, not content)."""
    parts = [db, db.with_name(db.name + "-wal")]
    return hashlib.sha256(b"".join(p.read_bytes() for p in parts if p.exists())).hexdigest()


WRITES = [
    "INSERT INTO runs (command, started_at) VALUES ('x', 'y')",
    "WITH r AS (SELECT 1) INSERT INTO runs (command, started_at) SELECT 'x', 'y' FROM r",
    "UPDATE session_payloads SET title = 'pwned'", "DELETE FROM bodies", "DROP TABLE fetches", "CREATE TABLE t (x)",
    "CREATE TEMP TABLE t (x)", "CREATE TRIGGER t AFTER INSERT ON runs BEGIN DELETE FROM pages; END",
    "ATTACH DATABASE '{dir}/attached.db' AS other", "VACUUM", "VACUUM INTO '{dir}/copy.db'", "REINDEX", "ANALYZE",
    "PRAGMA journal_mode = DELETE", "PRAGMA user_version = 99", "PRAGMA query_only = 0", "PRAGMA foreign_keys = OFF",
    "PRAGMA wal_checkpoint(TRUNCATE)", "PRAGMA writable_schema = 1", "SELECT load_extension('{dir}/evil.so')",
    "SELECT 1; DELETE FROM runs", "INSERT INTO sessions_fts(sessions_fts) VALUES ('delete-all')",
]


@pytest.mark.parametrize("sql", WRITES)
def test_query_cannot_write(filled: Path, sql: str) -> None:
    before = _digest(filled)
    statement = sql.format(dir=filled.parent)
    for readonly in (True, False):  # `schedarc query` opens read-only; the API refuses writes either way
        with Archive(filled, readonly=readonly) as archive, pytest.raises(ArchiveError) as caught:
            archive.query(statement)
        assert caught.value.hint
    assert _digest(filled) == before, statement
    assert not (filled.parent / "attached.db").exists() and not (filled.parent / "copy.db").exists()
    with Archive(filled, readonly=True) as archive:
        assert archive.check() == [] and len(archive.sessions()) == len(BASE)


def test_query_command_refuses_writes_and_still_reads(filled: Path) -> None:
    before = _digest(filled)
    for statement in ("DELETE FROM session_rows", "SELECT load_extension('/nonexistent/evil')",
                      f"VACUUM INTO '{filled.parent}/copy.db'", "PRAGMA query_only = 0"):
        done = run(schedarc("--db", str(filled), "query", statement), filled.parent)
        assert done.returncode == 1 and done.stderr.startswith("Error: "), (statement, done.stderr)
    done = run(schedarc("--db", str(filled), "query", "SELECT count(*) AS n FROM sessions", "--json"), filled.parent)
    assert done.returncode == 0 and done.json() == [{"n": len(BASE)}]
    assert _digest(filled) == before and not (filled.parent / "copy.db").exists()


# --- export writes only where told -----------------------------------------------------------


def _files(root: Path) -> set[str]:
    """Files under ``root``, but for the archive's own (a.db, -wal, -shm) and the test's logs."""
    return {str(p.relative_to(root)) for p in root.rglob("*")
            if p.is_file() and not p.name.startswith("a.db") and "logs" not in p.parts}


def test_export_writes_only_the_named_files(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with Archive(db) as archive:  # page URLs and uids that look like paths
        archive.record_page({"url": "http://evil.test/../../../../tmp/evil", "fetched_at": "2026-04-01T00:00:00+00:00",
                             "status": 200, "body": b"BEGIN:VCALENDAR", "media_type": "text/calendar"},
                            sessions=[{"uid": "../../../etc/cron.d/x", "title": "../../owned", "speakers": [],
                                       "start": "2026-05-12T09:00:00+00:00", "timezone": "UTC",
                                       "url": "file:///etc/passwd"}])
    work, logs = tmp_path / "work", tmp_path / "logs"
    (work / "out").mkdir(parents=True)
    logs.mkdir()
    decoy = tmp_path / "decoy.txt"
    decoy.write_text("untouched")
    (work / "out" / "link.json").symlink_to(decoy)
    before = _files(tmp_path)

    for argv, made in [
        (["export", "--format", "json", "-o", "out/s.json"], {"work/out/s.json"}),
        (["export", "--format", "csv", "-o", "out/s.csv"], {"work/out/s.csv"}),
        (["export", "--format", "ics", "-o", "out/s.ics"], {"work/out/s.ics"}),
        (["export", "--format", "warc", "-o", "out/a.warc.gz", "--cdx", "out/a.cdxj"],
         {"work/out/a.warc.gz", "work/out/a.cdxj"}),
        (["export", "--format", "json"], set()),  # stdout
        (["export", "--format", "json", "-o", "out/link.json"], set()),  # replaces the link, not its target
    ]:
        done = run(schedarc("--db", str(db), *argv), work, logs=logs)
        assert done.returncode == 0, done.stderr
        before |= made
        assert _files(tmp_path) == before, argv
    assert decoy.read_text() == "untouched" and not (work / "out" / "link.json").is_symlink()
    done = run(schedarc("--db", str(db), "export", "--format", "json", "-o", "missing/dir/s.json"), work, logs=logs)
    assert done.returncode == 1 and "cannot write missing/dir/s.json" in done.stderr
    assert _files(tmp_path) == before


# --- notify without a shell -----------------------------------------------------------------

RECORDER = """import json, sys
json.dump({"argv": sys.argv[1:], "stdin": sys.stdin.read()}, open(sys.argv[1], "w"))
"""


def test_notify_command_gets_untrusted_text_on_stdin_only(http_server: LoopbackServer, tmp_path: Path) -> None:
    hostile = "Talk $(touch PWNED1) `touch PWNED2`; touch PWNED3 | touch PWNED4 && touch PWNED5 > PWNED6"
    body = ics(BASE).replace("SUMMARY:Opening Keynote", f"SUMMARY:{hostile}")
    http_server.add_page("/s.ics", body, "text/calendar")
    script = tmp_path / "record.py"
    script.write_text(RECORDER)
    seen = tmp_path / "seen.json"
    config = tmp_path / "config.toml"
    config.write_text(f"""[archive]
path = "a.db"
[fetch]
retries = 0
delay_per_host = 0.0
[notify]
command = [{json.dumps(sys.executable)}, {json.dumps(str(script))}, {json.dumps(str(seen))}, "$(touch PWNED7)", ";"]
[[targets]]
name = "t"
url = "{http_server.url('/s.ics')}"
timezone = "UTC"
""")
    done = run(schedarc("--config", str(config), "crawl"), tmp_path)
    assert done.returncode == 0, done.stderr
    record = json.loads(seen.read_text())
    assert record["argv"] == [str(seen), "$(touch PWNED7)", ";"]  # argv exactly as configured
    assert hostile in record["stdin"]  # the untrusted title arrives as data, on stdin
    assert json.loads(record["stdin"])["counts"]["sessions_added"] == len(BASE)
    leftovers = [*tmp_path.rglob("PWNED*"), *Path.cwd().glob("PWNED*")]
    assert leftovers == []


def test_notify_command_as_a_string_is_refused() -> None:
    with pytest.raises(ConfigError, match="run without a shell"):
        from_mapping({"notify": {"command": "notify-send 'changed' | sh"}})
