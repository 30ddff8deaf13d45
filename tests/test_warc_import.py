"""import-warc: WARCs from other tools (warcio written like wget, real wget) become fetches and sessions."""

from __future__ import annotations

import gzip
import shutil
import subprocess
from pathlib import Path

import pytest

from archive import Archive
from scraper.errors import SchedarcError
from scraper.ingest import Hints, Ingest
from scraper.warc_import import check_gzip, import_warcs, plan
from tests.archive.records import fetch
from tests.interop import ZONE, Exchange, chunked_gzip, jsonld_page, write_wget_style
from tests.loopback import LoopbackServer
from tests.sitegen import BASE, changed

SITE = "http://summit.example/schedule.html"


def _hints(_url: str, target: str | None) -> Hints:
    return Hints(target=target, timezone=ZONE)


def _import(db_path: Path, *paths: Path) -> dict[str, object]:
    with Archive(db_path) as archive:
        return import_warcs(list(paths), Ingest(archive, run_id=None, hints=_hints))


def _two_weeks(path: Path) -> None:
    """The later capture first in the file (tools write in any order), plus records to pass over."""
    week1 = jsonld_page(BASE).encode()
    write_wget_style(path, [
        Exchange(SITE, "2026-04-08T09:30:00Z", jsonld_page(changed(), stamp="2026-04-08").encode()),
        Exchange(SITE, "2026-04-01T09:30:00Z", week1, raw=chunked_gzip(week1),
                 headers=[("Content-Type", "text/html"), ("Content-Encoding", "gzip"),
                          ("Transfer-Encoding", "chunked")]),
        Exchange("http://summit.example/robots.txt", "2026-04-01T09:29:59Z", b"User-agent: *\n",
                 headers=[("Content-Type", "text/plain")]),
        Exchange("http://summit.example/missing.html", "2026-04-01T09:31:00Z", b"gone", status="404 Not Found"),
        Exchange("http://summit.example/logo.png", "2026-04-01T09:32:00Z", b"\x89PNG....",
                 headers=[("Content-Type", "image/png")]),
    ])


def test_wget_style_warc_is_imported_oldest_first(tmp_path: Path, db_path: Path) -> None:
    path = tmp_path / "crawl.warc.gz"
    _two_weeks(path)
    summary = _import(db_path, path)
    assert summary["captures"] == 2 and summary["pages"] == 1
    assert summary["replayed_pages"] == []  # read oldest first: nothing arrived out of order
    assert summary["skipped"] == {"HTTP 404": 1, "not a schedule media type": 1, "robots.txt": 1}
    with Archive(db_path) as archive:
        fetches = archive.snapshots(SITE)
        assert [f["fetched_at"] for f in fetches] == ["2026-04-01T09:30:00+00:00", "2026-04-08T09:30:00+00:00"]
        # The chunked, gzip-encoded capture is stored as the page itself.
        assert archive.fetch_body(fetches[0]["fetch_id"]) == jsonld_page(BASE).encode()
        assert {c["kind"] for c in archive.changes(since="2026-04-08")} == {"changed", "removed", "added"}
        moved = archive.history("https://summit.example/session/b2")["versions"]
        assert [(v["version"], v["start"], v["room"]) for v in moved] == [
            (1, "2026-05-12T15:20:00-07:00", "Room A"), (2, "2026-05-12T16:10:00-07:00", "Room B")]
        assert [s["title"] for s in archive.sessions(removed=True)] == ["Networking is NOT Free"]


def test_several_files_are_merged_oldest_first(tmp_path: Path, db_path: Path) -> None:
    later, earlier = tmp_path / "later.warc", tmp_path / "earlier.warc.gz"
    write_wget_style(later, [Exchange(SITE, "2026-04-08T09:30:00Z", jsonld_page(changed()).encode())], gzip=False)
    write_wget_style(earlier, [Exchange(SITE, "2026-04-01T09:30:00Z", jsonld_page(BASE).encode())])
    summary = _import(db_path, later, earlier)
    assert summary["captures"] == 2 and summary["replayed_pages"] == []
    with Archive(db_path) as archive:
        assert [f["fetched_at"][:10] for f in archive.snapshots(SITE)] == ["2026-04-01", "2026-04-08"]
        assert [s["title"] for s in archive.sessions(removed=True)] == ["Networking is NOT Free"]


def test_a_schedarc_warc_keeps_pages_and_targets(tmp_path: Path, db_path: Path) -> None:
    """A redirected fetch is filed under the page that was asked for, with its target, not the final URL."""
    from archive.warc import write_warc

    source = tmp_path / "source.db"
    body = jsonld_page(BASE).encode()
    with Archive(source) as archive:
        archive.record_page(fetch(SITE, body, fetched_at="2026-04-01T09:30:00+00:00", media_type="text/html",
                                  final_url="https://summit.example/schedule/", target="summit"))
        warc = tmp_path / "out.warc.gz"
        with warc.open("wb") as out:
            write_warc(archive.db, out, filename=warc.name, software="test")
    _import(db_path, warc)
    with Archive(db_path) as archive:
        (only,) = archive.snapshots(SITE)
        assert only["final_url"] == "https://summit.example/schedule/"
        assert archive.query("select target from pages")[1] == [("summit",)]
        assert len(archive.sessions(page=SITE)) == len(BASE)


def test_importing_twice_changes_nothing(tmp_path: Path, db_path: Path) -> None:
    path = tmp_path / "crawl.warc.gz"
    _two_weeks(path)
    _import(db_path, path)
    with Archive(db_path) as archive:
        before = archive.stats()
    again = _import(db_path, path)
    assert again["already"] == 2 and again.get("captures", 0) == 0
    with Archive(db_path) as archive:
        assert archive.stats() == before


def test_earlier_captures_are_replayed_into_a_crawled_page(tmp_path: Path, db_path: Path) -> None:
    """A page crawled on April 20 gets its April 1 capture: history starts earlier, state stays current."""
    from scraper import parsers
    from scraper.document import from_bytes

    now = jsonld_page(changed(), stamp="2026-04-20").encode()
    doc = from_bytes(SITE, now, content_type="text/html", timezone=ZONE)
    crawled = [s.to_dict() for s in parsers.parse(doc).sessions]
    with Archive(db_path) as archive:
        archive.record_page(fetch(SITE, now, fetched_at="2026-04-20T08:00:00+00:00", media_type="text/html",
                                  headers={"Content-Type": "text/html", "ETag": '"now"'}, etag='"now"'),
                            sessions=crawled)
    path = tmp_path / "old.warc.gz"
    write_wget_style(path, [Exchange(SITE, "2026-04-01T09:30:00Z", jsonld_page(BASE).encode())])
    summary = _import(db_path, path)
    assert summary["replayed_pages"] == [SITE]
    with Archive(db_path) as archive:
        state = archive.page_state(SITE)
        assert state is not None and state["etag"] == '"now"' and state["last_fetched"].startswith("2026-04-20")
        versions = archive.history("https://summit.example/session/b2")["versions"]
        assert [(v["fetched_at"][:10], v["kind"], v["room"]) for v in versions] == [
            ("2026-04-01", "added", "Room A"), ("2026-04-20", "changed", "Room B")]
        assert {s["title"] for s in archive.sessions()} == {i.title for i in changed()}
        assert archive.check() == []


def test_revisit_without_its_original_is_skipped(tmp_path: Path, db_path: Path) -> None:
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path = tmp_path / "dedup.warc.gz"
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        head = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        writer.write_record(writer.create_revisit_record(SITE, "sha1:AAAA", SITE, "2026-01-01T00:00:00Z",
                                                         http_headers=head))
        body = jsonld_page(BASE).encode()
        writer.write_record(writer.create_warc_record("http://summit.example/other.html", "response",
                                                      payload=BytesIO(body), length=len(body), http_headers=head))
    summary = _import(db_path, path)
    assert summary["captures"] == 1
    assert summary["skipped"] == {"revisit whose original is in another file": 1}


def _cut(path: Path, keep: int) -> Path:
    cut = path.with_name("cut-" + path.name)
    cut.write_bytes(path.read_bytes()[:keep])
    return cut


@pytest.mark.parametrize("drop", [10, 300])
def test_truncated_gzip_is_refused_before_anything_is_written(tmp_path: Path, db_path: Path, drop: int) -> None:
    path = tmp_path / "crawl.warc.gz"
    _two_weeks(path)
    cut = _cut(path, path.stat().st_size - drop)
    with pytest.raises(SchedarcError, match="truncated"):
        check_gzip(cut)
    with pytest.raises(SchedarcError, match="truncated"):
        plan([cut])


def test_truncated_uncompressed_warc_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "crawl.warc"
    write_wget_style(path, [Exchange(SITE, "2026-04-01T09:30:00Z", jsonld_page(BASE).encode())], gzip=False)
    data = path.read_bytes()
    cut = _cut(path, data.index(b"</html>"))
    with pytest.raises(SchedarcError, match="truncated"):
        plan([cut])


def test_not_a_warc(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("just some notes\n")
    with pytest.raises(SchedarcError, match="not a readable WARC"):
        plan([text])
    single = tmp_path / "single.warc.gz"  # one gzip stream around several records: warcio cannot seek it
    plain = tmp_path / "plain.warc"
    write_wget_style(plain, [Exchange(SITE, "2026-04-01T09:30:00Z", b"<p>x</p>")] * 2, gzip=False)
    single.write_bytes(gzip.compress(plain.read_bytes()))
    with pytest.raises(SchedarcError, match="recompress"):
        plan([single])


@pytest.mark.skipif(shutil.which("wget") is None, reason="wget is not installed; the warcio-written WARCs "
                                                          "above cover the same record layout")
def test_wget_warc_from_a_loopback_site(tmp_path: Path, db_path: Path) -> None:
    with LoopbackServer() as server:
        server.add_page("/schedule.html", jsonld_page(BASE))
        done = subprocess.run(["wget", "--quiet", "--tries=1", "--timeout=10", "-e", "robots=off",
                               f"--warc-file={tmp_path / 'wget'}", "--no-warc-keep-log", "-O", str(tmp_path / "page"),
                               server.url("/schedule.html")], capture_output=True, text=True, timeout=60,
                              check=False)
        url = server.url("/schedule.html")
    assert done.returncode == 0, done.stderr
    summary = _import(db_path, tmp_path / "wget.warc.gz")
    assert summary["captures"] == 1 and summary["pages"] == 1
    with Archive(db_path) as archive:
        assert {s["title"] for s in archive.sessions(page=url)} == {i.title for i in BASE}
        (only,) = archive.snapshots(url)
        assert only["status"] == 200 and only["body_sha256"] is not None
