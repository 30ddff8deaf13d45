"""Crawls over real loopback hosts: targets, follow patterns and caps, failures, due-ness."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import urldefrag

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive import Archive
from scraper.config import Config, Target
from scraper.crawl import Crawl, canonical, is_due, matches
from scraper.fetch import FetchSettings
from scraper.report import SAMPLE
from tests.loopback import LoopbackServer, send
from tests.sitegen import BASE, Item, changed, ics

FAST = FetchSettings(timeout=2.0, retries=1, backoff=0.0, delay_per_host=0.0, concurrency_per_host=4, workers=4,
                     total_timeout=10.0, max_retry_wait=0.1)


def run(db: Path, *targets: Target, fetch: FetchSettings = FAST, fail_fast: bool = False,  # type: ignore[no-untyped-def]
        keep_changes: bool = True):
    config = Config(source=None, archive_path=db, fetch=fetch, targets=targets)
    with Archive(db) as archive:
        run_id = archive.start_run("crawl", ["test"])
        summary = Crawl(archive, config, run_id=run_id, fail_fast=fail_fast,
                        keep_changes=keep_changes).run(list(targets))
        archive.finish_run(run_id, ok=summary.ok, counts=summary.counts())
    return summary


def link_page(links: list[str]) -> str:
    items = "".join(f'<li><a href="{href}">talk {i}</a></li>' for i, href in enumerate(links))
    return f"<html><body><ul>{items}</ul></body></html>"


@pytest.fixture
def hosts() -> Iterator[list[LoopbackServer]]:
    servers = [LoopbackServer().start() for _ in range(3)]
    yield servers
    for server in servers:
        server.stop()


def test_several_targets_on_several_hosts(hosts: list[LoopbackServer], db_path: Path) -> None:
    for i, server in enumerate(hosts):
        server.add_page("/all.ics", ics(BASE, name=f"Summit {i}"), "text/calendar")
    targets = [Target(name=f"t{i}", urls=(s.url("/all.ics"),), timezone="UTC") for i, s in enumerate(hosts)]
    summary = run(db_path, *targets)
    assert summary.ok
    assert summary.counts()["sessions_added"] == 3 * len(BASE)
    assert [s.hits["/all.ics"] for s in hosts] == [1, 1, 1]
    with Archive(db_path, readonly=True) as archive:
        assert len(archive.sessions()) == 3 * len(BASE)
        assert archive.last_run("t0") is not None


def test_without_a_reader_for_every_change_the_summary_keeps_counts_and_a_sample(
        http_server: LoopbackServer, db_path: Path) -> None:
    many = tuple(Item(f"u{i}", f"Talk number {i}", "20260512T0900", "20260512T0945", "Hall A") for i in range(70))
    http_server.add_page("/all.ics", ics(many), "text/calendar")
    target = Target(name="s", urls=(http_server.url("/all.ics"),), timezone="UTC")
    summary = run(db_path, target, keep_changes=False)
    assert summary.counts()["sessions_added"] == summary.change_total == 70
    assert [c["uid"] for c in summary.changes] == [f"u{i}" for i in range(SAMPLE)]
    assert summary.pages[0].changes == []  # the page's records were dropped once counted
    with Archive(db_path, readonly=True) as archive:  # every change is in the archive all the same
        assert len(archive.changes()) == 70


def test_changes_between_crawls_and_identical_refetch(http_server: LoopbackServer, db_path: Path) -> None:
    target = Target(name="s", urls=(http_server.url("/all.ics"),), timezone="America/Los_Angeles")
    http_server.add_page("/all.ics", ics(BASE), "text/calendar")
    first = run(db_path, target)
    assert first.counts()["sessions_added"] == 4
    http_server.add_page("/all.ics", ics(changed(), stamp="20260408T000000Z"), "text/calendar")
    second = run(db_path, target)
    kinds = sorted((c["kind"], c["uid"]) for c in second.changes)
    assert kinds == [("added", "e5"), ("changed", "b2"), ("changed", "c3"), ("removed", "d4")]
    third = run(db_path, target)  # same bytes again: a fetch row, nothing else
    assert third.changes == []
    assert third.pages[0].outcome == "unchanged"


def test_follow_patterns_depth_and_page_cap(http_server: LoopbackServer, db_path: Path) -> None:
    talks = [http_server.url(f"/event/{i}") for i in range(10)]
    http_server.add_page("/post", link_page([*talks, "https://elsewhere.example/x", talks[0] + "#frag"]))
    for i in range(len(talks)):
        http_server.add_page(f"/event/{i}", link_page([http_server.url(f"/deeper/{i}")]))
    target = Target(name="p", urls=(http_server.url("/post"),), follow=(http_server.url("/event/*"),
                                                                         http_server.url("/deeper/*")),
                    max_depth=1, max_pages=6)
    summary = run(db_path, target)
    fetched = sorted(p.url for p in summary.pages)
    assert len(fetched) == 6  # the post and five event pages: max_pages
    assert sum(http_server.hits[f"/event/{i}"] for i in range(10)) == 5
    assert not any(http_server.hits[f"/deeper/{i}"] for i in range(10))  # depth 2 is beyond max_depth
    assert all("#" not in url for url in fetched)


def revalidating(server: LoopbackServer, path: str, body: str) -> None:
    """Serve ``body`` with an ETag; answer 304 when the crawler sends that ETag back."""

    def handler(req: BaseHTTPRequestHandler) -> None:
        if req.headers.get("If-None-Match") == '"1"':
            req.send_response(304)
            req.send_header("ETag", '"1"')
            req.end_headers()
            return
        send(req, 200, body.encode(), headers={"ETag": '"1"'})

    server.routes[path] = handler


def linked_site(server: LoopbackServer, *, etag: bool) -> Target:
    """A post naming two event pages (three exist), and a target following them one level deep."""
    events = [server.url(f"/event/{i}") for i in range(3)]
    for i in range(3):
        server.add_page(f"/event/{i}", f"<html><body><p>talk {i}</p></body></html>")
    post = link_page([events[0], events[1] + "#top", "mailto:x@example.org"])
    if etag:
        revalidating(server, "/post", post)
    else:
        server.add_page("/post", post)
    return Target(name="p", urls=(server.url("/post"),), follow=(server.url("/event/*"),), max_depth=1)


@pytest.mark.parametrize("etag", [True, False], ids=["304", "same body"])
def test_a_recrawl_follows_the_links_recorded_at_first_parse(http_server: LoopbackServer, db_path: Path,
                                                              etag: bool) -> None:
    target = linked_site(http_server, etag=etag)
    post, events = http_server.url("/post"), [http_server.url(f"/event/{i}") for i in range(3)]
    run(db_path, target)
    with Archive(db_path) as archive:
        assert archive.page_links(post) == events[:2]  # absolute, no fragment, http(s) only
        # Make the record name a page the body does not: following it proves the body is not read.
        archive.record_page({"url": post, "fetched_at": "2026-01-01T00:00:00+00:00", "status": 304,
                             "not_modified": True}, links=events)
    again = run(db_path, target)
    assert again.pages[0].outcome == ("not_modified" if etag else "unchanged")
    assert [http_server.hits[f"/event/{i}"] for i in range(3)] == [2, 2, 1]


def test_a_page_without_recorded_links_is_read_again_once(http_server: LoopbackServer, db_path: Path) -> None:
    target = linked_site(http_server, etag=True)
    post, events = http_server.url("/post"), [http_server.url(f"/event/{i}") for i in range(3)]
    run(db_path, target)
    with Archive(db_path) as archive:  # as an archive written before links were kept
        archive.db.execute("UPDATE pages SET links = NULL")
        archive.db.conn.commit()
    again = run(db_path, target)
    assert again.pages[0].outcome == "not_modified"
    assert [http_server.hits[f"/event/{i}"] for i in range(3)] == [2, 2, 0]
    with Archive(db_path, readonly=True) as archive:
        assert archive.page_links(post) == events[:2]  # found in the stored body, kept for next time


def test_failures_are_archived_and_crawl_goes_on(http_server: LoopbackServer, db_path: Path) -> None:
    http_server.add_page("/all.ics", ics(BASE), "text/calendar")
    http_server.routes["/gone"] = lambda req: send(req, 404, b"gone", "text/plain")
    dead = Target(name="dead", urls=("http://127.0.0.1:9/all.ics",))
    gone = Target(name="gone", urls=(http_server.url("/gone"),))
    good = Target(name="good", urls=(http_server.url("/all.ics"),), timezone="UTC")
    summary = run(db_path, dead, gone, good)
    assert not summary.ok
    assert {p.target for p in summary.failures} == {"dead", "gone"}
    assert summary.counts()["sessions_added"] == 4
    with Archive(db_path, readonly=True) as archive:
        failed = archive.snapshots(http_server.url("/gone"))
        assert len(failed) == 1 and failed[0]["status"] == 404 and failed[0]["error"]


def test_fail_fast_stops_early(http_server: LoopbackServer, db_path: Path) -> None:
    http_server.routes["/gone"] = lambda req: send(req, 404, b"gone", "text/plain")
    pages = [http_server.url(f"/p{i}") for i in range(20)]
    for i in range(20):
        http_server.add_page(f"/p{i}", "<html><body>nothing</body></html>")
    slow = FetchSettings(**{**FAST.__dict__, "delay_per_host": 0.05, "concurrency_per_host": 1})
    summary = run(db_path, Target(name="g", urls=(http_server.url("/gone"), *pages), max_pages=50),
                  fetch=slow, fail_fast=True)
    assert not summary.ok
    assert len(summary.pages) < 21


def test_is_due() -> None:
    now = datetime(2026, 5, 1, 12, tzinfo=UTC)
    target = Target(name="t", urls=("https://x.example/",), every=timedelta(hours=6))
    assert is_due(target, None, now)
    assert not is_due(target, now - timedelta(hours=5, minutes=59), now)
    assert is_due(target, now - timedelta(hours=6), now)
    assert is_due(Target(name="u", urls=("https://x.example/",)), now, now)


def test_matches_and_canonical() -> None:
    assert matches("https://a.sched.org/event/abc", ["https://*.sched.org/event/*"])
    assert not matches("https://a.sched.org/list/", ["https://*.sched.org/event/*"])
    assert matches("https://x.example/talk/12", [r"re:/talk/\d+$"])
    several = ["https://a.example/list/*", r"re:/talk/\d+$", "https://b.example/event/*"]
    assert matches("https://b.example/event/7", several)  # any glob, not only the first
    assert matches("https://c.example/talk/7", several)
    assert not matches("https://b.example/event", several)  # a glob matches the whole URL
    assert not matches("https://c.example/talk/7/x", several)
    assert not matches("https://x.example/", [])
    assert canonical("https://a.example/event/1#.UU8vJ") == "https://a.example/event/1"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="htps:/[]#?.a1 \t%", max_size=40) | st.from_regex(r"https?://[a-z.\[\]:0-9]+/[a-z/#?=]*"))
def test_canonical_equals_urldefrag_of_the_stripped_url(url: str) -> None:
    try:
        expected: str | type[ValueError] = urldefrag(url.strip())[0]
    except ValueError:
        expected = ValueError
    try:
        got: str | type[ValueError] = canonical(url)
    except ValueError:
        got = ValueError
    assert got == expected
