"""Hostile input: each case is one `schedarc crawl` of one hostile URL, in a subprocess whose
peak RSS is measured. Each must end (the subprocess timeout is the hang guard), stay under
the memory bound, fail with a clear error or parse with a clear error or warning (never a
parser crash), and leave an archive that passes every integrity check.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest

from archive import Archive
from scraper import parsers
from scraper.config import Config, Target
from scraper.crawl import Crawl
from scraper.fetch import FetchSettings
from scraper.models import Document, ParseResult
from tests.loopback import LoopbackServer, send
from tests.reliability import hostile, state
from tests.reliability.figures import record
from tests.reliability.procs import run, schedarc
from tests.sitegen import BASE, ics

#: Peak RSS bound of one hostile crawl (max_bytes is the default 20 MB). A process with
#: schedarc imported takes ~45 MB; measured figures are in RELIABILITY.md.
RSS_BOUND_MB = 150
#: A page that is one 10 MB run of small elements is parsed into a DOM of ~20x its size.
BIG_PAGE_RSS_BOUND_MB = 350
FAST = "retries = 0\ndelay_per_host = 0.0\ntimeout = 5.0\ntotal_timeout = 3.0\nobey_robots = false"


@dataclass(frozen=True)
class Case:
    name: str
    path: str
    expect: str  # "failed: <text in the error>" or "parsed" (archived; sessions or a parse error)
    parser: str = "auto"
    follow: bool = False
    max_pages: int = 100
    rss_bound_mb: int = RSS_BOUND_MB


CASES = [
    Case("gzip bomb (1 GiB inflated)", "/bomb", "failed: over max_bytes"),
    Case("1 GiB body (Content-Length)", "/gigabyte", "failed: over max_bytes"),
    Case("endless chunked stream", "/endless", "failed: over max_bytes"),
    Case("slow drip of the body (1 byte/s)", "/drip-body", "failed: total_timeout"),
    Case("slow drip of the headers (1 byte/s)", "/drip-headers", "failed: total_timeout"),
    Case("redirect loop", "/loop", "failed: max_redirects"),
    Case("10,000 links on a page", "/links", "parsed", follow=True, max_pages=31),
    Case("HTML nested 100,000 deep", "/deep.html", "parsed"),
    Case("JSON nested 100,000 deep", "/deep.json", "parsed"),
    Case("malformed HTML", "/bad.html", "parsed"),
    Case("malformed XML (frab)", "/bad.xml", "parsed", parser="frab"),
    Case("malformed JSON (frab_json)", "/bad.json", "parsed", parser="frab_json"),
    Case("malformed ICS", "/bad.ics", "parsed", parser="ical"),
    Case("billion laughs XML", "/laughs.xml", "parsed", parser="frab"),
    Case("external entities XML", "/xxe.xml", "parsed", parser="frab"),
    Case("invalid UTF-8", "/utf8.html", "parsed"),
    Case("NUL bytes", "/nul.html", "parsed"),
    Case("10 MB single-line page", "/oneline.html", "parsed", rss_bound_mb=BIG_PAGE_RSS_BOUND_MB),
]


@dataclass
class HostileSite:
    server: LoopbackServer
    tallies: dict[str, hostile.Tally]
    bodies: dict[str, bytes]  # what fixed routes served, for comparison with the archive
    secret: str


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileSite]:
    secret_file = tmp_path_factory.mktemp("secret") / "secret.txt"
    secret = "XXE-SECRET-" + hashlib.sha256(str(secret_file).encode()).hexdigest()[:12]
    secret_file.write_text(secret)
    server = LoopbackServer().start()
    tallies = {name: hostile.Tally() for name in ("/bomb", "/gigabyte", "/endless", "/drip-body", "/drip-headers")}
    server.routes["/bomb"] = hostile.gzip_bomb(tallies["/bomb"])
    server.routes["/gigabyte"] = hostile.declared(tallies["/gigabyte"])
    server.routes["/endless"] = hostile.endless_chunked(tallies["/endless"])
    server.routes["/drip-body"] = hostile.drip(tallies["/drip-body"], where="body")
    server.routes["/drip-headers"] = hostile.drip(tallies["/drip-headers"], where="headers")
    server.routes["/loop"] = hostile.redirect_loop
    server.routes["/t"] = lambda req: send(req, 200, b"<html><body><p>a talk</p></body></html>")
    bad = hostile.malformed()
    fixed: dict[str, tuple[bytes, str]] = {
        "/links": (hostile.many_links(), "text/html; charset=utf-8"),
        "/deep.html": (hostile.deep_html(), "text/html; charset=utf-8"),
        "/deep.json": (hostile.deep_json(), "application/json"),
        "/bad.html": bad["html"], "/bad.xml": bad["xml"], "/bad.json": bad["json"], "/bad.ics": bad["ics"],
        "/laughs.xml": (hostile.billion_laughs(), "application/xml"),
        "/xxe.xml": (hostile.external_entities(str(secret_file), server.url("/xxe-probe")), "application/xml"),
        "/utf8.html": (hostile.invalid_utf8(), "text/html; charset=utf-8"),
        "/nul.html": (hostile.nul_bytes(), "text/html"),
        "/oneline.html": (hostile.one_line(), "text/html; charset=utf-8"),
    }
    for path, (body, content_type) in fixed.items():
        server.add_page(path, body, content_type)
    yield HostileSite(server, tallies, {path: body for path, (body, _) in fixed.items()}, secret)
    server.stop()


def _config(tmp_path: Path, site: HostileSite, case: Case) -> Path:
    url = site.server.url(case.path)
    follow = f'follow = ["{site.server.base}/t*"]\n' if case.follow else ""
    config = tmp_path / "config.toml"
    config.write_text(f"""[archive]
path = "arc.db"

[[targets]]
name = "hostile"
url = "{url}"
parser = "{case.parser}"
timezone = "UTC"
max_pages = {case.max_pages}
{follow}
[targets.fetch]
{FAST}
""")
    return config


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_hostile_input_is_bounded_and_reported(site: HostileSite, tmp_path: Path, case: Case) -> None:
    config = _config(tmp_path, site, case)
    done = run(schedarc("--config", str(config), "crawl", "--json"), tmp_path, timeout=120)

    assert done.returncode in (0, 1), done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert done.peak_rss_mb < case.rss_bound_mb, f"{case.name}: peak RSS {done.peak_rss_mb:.0f} MB"
    summary = done.json()
    page = next(p for p in summary["pages"] if p["url"] == site.server.url(case.path))
    if case.expect.startswith("failed: "):
        assert page["outcome"] == "failed", page
        assert case.expect.removeprefix("failed: ") in (page["error"] or ""), page
    else:
        assert page["outcome"] in ("changed", "unchanged", "parse_error"), page
        assert "crashed" not in (page["error"] or ""), page
    db = tmp_path / "arc.db"
    assert state.faults(db) == []
    with Archive(db, readonly=True) as archive:
        assert archive.check() == []
        _case_checks(case, site, archive, page)
    record("hostile", case=case.name, outcome=page["outcome"], error=(page["error"] or "")[:160],
           wall_s=round(done.wall, 2), peak_rss_mb=round(done.peak_rss_mb, 1),
           server_sent=site.tallies[case.path].sent if case.path in site.tallies else None)


def _case_checks(case: Case, site: HostileSite, archive: Archive, page: dict[str, Any]) -> None:
    """What each case must also show beyond its outcome."""
    path, tally = case.path, site.tallies.get(case.path)
    if path in site.bodies and page["outcome"] != "failed":
        # The raw bytes are archived exactly as served, whatever the parsers made of them.
        assert archive.fetch_body(page["fetch_id"]) == site.bodies[path]
    if path in ("/bomb", "/endless", "/gigabyte"):
        assert tally is not None and tally.done.wait(30), "the server never saw the client hang up"
        assert tally.sent < 200 << 20, f"{tally.sent} bytes were sent before the client stopped"
    if path.startswith("/drip"):
        assert tally is not None and tally.done.wait(30) and tally.hung_up
        assert tally.sent < 60, tally.sent  # a few seconds' worth of bytes, not the whole drip
    if path == "/loop":
        fetches = archive.snapshots(site.server.url(path))
        assert len(fetches) == 1
    if path == "/links":
        assert site.server.hits["/t"] == case.max_pages - 1  # the page cap held against 10,000 links
    if path in ("/laughs.xml", "/xxe.xml"):
        text = json.dumps(archive.sessions())
        assert "lollollol" not in text  # entities were not expanded
        assert site.secret not in text  # no local file was read
        assert site.server.hits["/xxe-probe"] == 0  # no URL was fetched by the XML parser


class Crasher:
    """A parser with a bug: what a page no fuzzer thought of would do."""

    name: ClassVar[str] = "crasher"
    description: ClassVar[str] = "raises RecursionError"

    def detect(self, doc: Document) -> float:
        return 0.0

    def parse(self, doc: Document) -> ParseResult:
        raise RecursionError("maximum recursion depth exceeded")


def test_a_crashing_parser_costs_its_page_not_the_crawl(http_server: LoopbackServer, db_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    parsers.names()  # the built-in parsers are registered first
    monkeypatch.setitem(parsers._REGISTRY, "crasher", Crasher())
    http_server.add_page("/a.ics", ics(BASE), "text/calendar")
    http_server.add_page("/b.ics", ics(BASE, name="Other"), "text/calendar")
    targets = (Target(name="buggy", urls=(http_server.url("/a.ics"),), parser="crasher", timezone="UTC"),
               Target(name="fine", urls=(http_server.url("/b.ics"),), timezone="UTC"))
    settings = FetchSettings(retries=0, delay_per_host=0.0, obey_robots=False)
    with Archive(db_path) as archive:
        run_id = archive.start_run("crawl", [])
        summary = Crawl(archive, Config(None, db_path, settings, targets), run_id=run_id).run(list(targets))
        buggy, fine = sorted(summary.pages, key=lambda p: p.target)
        assert buggy.outcome == "parse_error" and "crasher parser crashed (RecursionError" in (buggy.error or "")
        assert fine.outcome == "changed" and len(archive.sessions(page=fine.url)) == len(BASE)
        assert archive.fetch_body(buggy.fetch_id or 0) == ics(BASE).encode()  # kept for a reparse
        assert archive.check() == []
