"""export, import-warc and backfill end to end through the CLI: data on stdout, one Error line on failure."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import icalendar
import pytest
from click.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator

from scraper.cli import cli
from tests.interop import Exchange, fast_config, jsonld_page, write_wget_style
from tests.loopback import LoopbackServer, send
from tests.sitegen import BASE, Item, changed
from tests.test_backfill import KEPT, PAGE, Wayback


def invoke(*args: str, db: Path | None = None) -> tuple[int, str, str, bytes]:
    runner = CliRunner()
    result = runner.invoke(cli, [*(["--db", str(db)] if db else []), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr, result.stdout_bytes


def one_error(err: str) -> bool:
    return err.startswith("Error: ") and err.count("\n") == 1 and "Traceback" not in err


@pytest.fixture(autouse=True)
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = fast_config(tmp_path / "config.toml")
    monkeypatch.setenv("SCHEDARC_CONFIG", str(path))
    return path


class Site:
    """A schedule page with an ETag: 304 to a matching If-None-Match, new bytes when ``items`` change."""

    def __init__(self, server: LoopbackServer) -> None:
        self.server = server
        self.version = 1
        self.items: tuple[Item, ...] = BASE
        server.routes["/schedule.html"] = self.serve

    def serve(self, req: BaseHTTPRequestHandler) -> None:
        etag = f'"v{self.version}"'
        if req.headers.get("If-None-Match") == etag:
            send(req, 304, b"", "text/html", {"ETag": etag})
            return
        send(req, 200, jsonld_page(self.items, stamp=f"v{self.version}").encode(), "text/html; charset=utf-8",
             {"ETag": etag})

    @property
    def url(self) -> str:
        return self.server.url("/schedule.html")


@pytest.fixture
def site() -> Iterator[Site]:
    with LoopbackServer() as server:
        yield Site(server)


@pytest.fixture
def crawled(site: Site, db_path: Path) -> Path:
    """Four fetches: 200, 304, 200 (a week of changes), 304."""
    for version, items in ((1, BASE), (1, BASE), (2, changed()), (2, changed())):
        site.version, site.items = version, items
        code, _, err, _ = invoke("fetch", site.url, "--timezone", "America/Los_Angeles", db=db_path)
        assert code == 0, err
    return db_path


def _history_without_fetch_ids(db: Path) -> list[dict[str, str]]:
    code, out, _, _ = invoke("export", "--format", "csv", "--history", db=db)
    assert code == 0
    return [{k: v for k, v in row.items() if k != "fetch_id"} for row in csv.DictReader(io.StringIO(out))]


def test_export_then_import_gives_the_same_sessions(crawled: Path, tmp_path: Path) -> None:
    warc, cdx = tmp_path / "out.warc.gz", tmp_path / "out.cdxj"
    code, _, err, _ = invoke("export", "--format", "warc", "-o", str(warc), "--cdx", str(cdx), db=crawled)
    assert code == 0 and "2 responses, 0 revisits and 2 not-modified as 9 WARC records" in err
    assert len(cdx.read_text().splitlines()) == 4
    copy = tmp_path / "copy.db"
    code, _, err, _ = invoke("import-warc", str(warc), "--timezone", "America/Los_Angeles", db=copy)
    assert code == 0, err
    assert "4 captures of 1 pages archived" in err
    for fmt in ("json", "ics"):
        assert invoke("export", "--format", fmt, db=copy)[3] == invoke("export", "--format", fmt, db=crawled)[3]
    assert _history_without_fetch_ids(copy) == _history_without_fetch_ids(crawled)
    snapshots = [json.loads(invoke("snapshots", url, "--json", db=db)[1]) for db in (crawled, copy)
                 for url in [json.loads(invoke("sessions", "--json", db=crawled)[1])[0]["page"]]]
    assert [(s["fetched_at"], s["status"], s["not_modified"], s["body_sha256"]) for s in snapshots[0]] == \
        [(s["fetched_at"], s["status"], s["not_modified"], s["body_sha256"]) for s in snapshots[1]]


def test_text_exports_to_stdout_and_file(crawled: Path, tmp_path: Path) -> None:
    code, out, err, _ = invoke("export", "--format", "json", db=crawled)
    assert code == 0 and {s["title"] for s in json.loads(out)} == {i.title for i in changed()}
    assert err == f"exported {len(changed())} sessions as json\n"
    code, out, _, _ = invoke("export", "--format", "csv", "--history", "--event", "test summit", db=crawled)
    assert code == 0 and len(list(csv.DictReader(io.StringIO(out)))) == len(BASE) + 4  # moved, retitled, gone, new
    target = tmp_path / "summit.ics"
    code, out, _, _ = invoke("export", "--format", "ics", "-o", str(target), db=crawled)
    assert code == 0 and out == ""
    events = icalendar.Calendar.from_ical(target.read_bytes()).walk("VEVENT")
    assert sorted(str(e["STATUS"]) for e in events) == ["CANCELLED"] + ["CONFIRMED"] * len(changed())
    assert list(tmp_path.glob("*.part")) == []


def test_warc_to_stdout(crawled: Path) -> None:
    code, _, _, data = invoke("export", "--format", "warc", "--since", "2000-01-01", db=crawled)
    assert code == 0
    kinds = [r.rec_type for r in ArchiveIterator(io.BytesIO(data))]
    assert kinds == ["warcinfo"] + ["request", "response", "request", "revisit"] * 2


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "ics", "--history"], "--history works with --format json or csv"),
    (["--format", "json", "--cdx", "x.cdxj"], "--cdx works with --format warc"),
    (["--format", "warc", "--cdx", "x.cdxj"], "--cdx needs -o FILE"),
    (["--format", "pdf"], "'pdf' is not one of"),
])
def test_export_usage_errors(crawled: Path, args: list[str], message: str) -> None:
    code, _, err, _ = invoke("export", *args, db=crawled)
    assert code == 2 and message in err


def test_bad_since_is_a_usage_error_and_keeps_the_old_file(crawled: Path, tmp_path: Path) -> None:
    old = tmp_path / "out.json"
    old.write_text("[]")
    code, _, err, _ = invoke("export", "--format", "json", "--since", "last tuesday", "-o", str(old), db=crawled)
    assert code == 2 and one_error(err) and "--since" in err
    assert old.read_text() == "[]"


def test_unwritable_output(crawled: Path, tmp_path: Path) -> None:
    code, _, err, _ = invoke("export", "--format", "json", "-o", str(tmp_path / "no-such-dir" / "x.json"), db=crawled)
    assert code == 1 and one_error(err) and "cannot write" in err and "no-such-dir" in err
    folder = tmp_path / "folder"
    folder.mkdir()
    code, _, err, _ = invoke("export", "--format", "csv", "-o", str(folder), db=crawled)
    assert code == 1 and one_error(err) and folder.is_dir()
    assert list(tmp_path.glob(".*.part")) == []


def test_a_failing_warc_export_leaves_the_old_file(crawled: Path, tmp_path: Path) -> None:
    old = tmp_path / "out.warc.gz"
    old.write_bytes(b"yesterday's export")
    with sqlite3.connect(crawled) as conn:
        conn.execute("UPDATE bodies SET data = x'28b52ffd00' WHERE encoding = 'zstd'")  # damage every body
    code, _, err, _ = invoke("export", "--format", "warc", "-o", str(old), db=crawled)
    assert code == 1 and one_error(err) and "cannot be decompressed" in err
    assert old.read_bytes() == b"yesterday's export" and list(tmp_path.glob(".*.part")) == []


def _runs(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("select count(*) from runs").fetchone()[0])


def test_import_refuses_bad_files_and_changes_nothing(crawled: Path, tmp_path: Path) -> None:
    runs = _runs(crawled)
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n")
    good = tmp_path / "good.warc.gz"
    write_wget_style(good, [Exchange("http://summit.example/s.html", "2026-04-01T00:00:00Z",
                                     jsonld_page(BASE).encode())] * 2)
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(good.read_bytes()[:-40])
    for path, message in ((notes, "not a readable WARC file"), (cut, "truncated"),
                          (tmp_path / "missing.warc", "cannot read")):
        code, _, err, _ = invoke("import-warc", str(good), str(path), db=crawled)
        assert code == 1 and one_error(err) and message in err and str(path) in err
    assert _runs(crawled) == runs
    fresh = tmp_path / "fresh.db"
    assert invoke("import-warc", str(notes), db=fresh)[0] == 1 and not fresh.exists()


def test_import_json_counts(tmp_path: Path, db_path: Path) -> None:
    path = tmp_path / "a.warc.gz"
    write_wget_style(path, [Exchange("http://summit.example/s.html", "2026-04-01T00:00:00Z",
                                     jsonld_page(BASE).encode()),
                            Exchange("http://summit.example/x.css", "2026-04-01T00:00:01Z", b"p {}",
                                     headers=[("Content-Type", "text/css")])])
    code, out, _, _ = invoke("import-warc", str(path), "--json", db=db_path)
    counts = json.loads(out)
    assert code == 0 and counts["captures"] == 1 and counts["changes"] == len(BASE)
    assert counts["skipped"] == {"not a schedule media type": 1}
    runs = json.loads(invoke("query", "select command, ok from runs", "--json", db=db_path)[1])
    assert runs == [{"command": "import-warc", "ok": 1}]


@pytest.fixture
def wayback() -> Iterator[Wayback]:
    with LoopbackServer() as server:
        yield Wayback(server)


def test_backfill_command(wayback: Wayback, db_path: Path) -> None:
    code, out, err, _ = invoke("backfill", PAGE, "--cdx-api", wayback.api, "--timezone", "America/Los_Angeles",
                               "--json", db=db_path)
    assert code == 0, err
    summary = json.loads(out)
    assert (summary["listed"], summary["distinct"], summary["fetched"], summary["captures"]) == (7, 4, 4, 4)
    assert [stamp for stamp, hits in wayback.replays().items() if hits] == KEPT
    code, out, _, _ = invoke("snapshots", PAGE, "--json", db=db_path)
    assert [s["fetched_at"][:4] for s in json.loads(out)] == ["2012", "2013", "2013", "2014"]


def test_backfill_errors(wayback: Wayback, db_path: Path) -> None:
    code, _, err, _ = invoke("backfill", PAGE, "--from", "2014", "--to", "2012", db=db_path)
    assert code == 2 and "--from 2014 is after --to 2012" in err
    code, _, err, _ = invoke("backfill", "ftp://summit.example/", db=db_path)
    assert code == 1 and one_error(err)
    wayback.cdx_body = b""
    code, _, err, _ = invoke("backfill", PAGE, "--cdx-api", wayback.api, "--from", "2019", db=db_path)
    assert code == 1 and err.splitlines()[-1].startswith("Error: ") and "no captures" in err


def test_the_backfill_default_is_the_backfill_modules() -> None:
    from scraper import backfill, cli_export  # cli_export spells it out to start without backfill's imports

    assert cli_export.DEFAULT_CDX_API == backfill.DEFAULT_CDX_API
