"""backfill against a loopback Wayback Machine: the CDX API and id_ replay, over real sockets."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from archive import Archive
from scraper import parsers
from scraper.backfill import Backfill, CdxCapture, cdx_url, distinct, parse_cdx
from scraper.document import from_bytes
from scraper.errors import SchedarcError
from scraper.fetch import Fetcher, FetchSettings
from scraper.ingest import Hints, Ingest
from tests.archive.records import fetch
from tests.interop import ZONE, jsonld_page
from tests.loopback import LoopbackServer, send
from tests.sitegen import BASE, changed

PAGE = "http://summit.example/schedule.html"
A = jsonld_page(BASE, stamp="2012-03-01").encode()
B = jsonld_page(changed(), stamp="2013-01-15").encode()
C = jsonld_page([replace(i, room="Hall Z") if i.uid == "a1" else i for i in changed()], stamp="2014").encode()
# timestamp, digest, status, body: what the Wayback Machine holds for PAGE.
CAPTURES = [
    ("20120301101500", "DIGA", "200", A),
    ("20120601000000", "DIGA", "200", A),  # the same bytes again: not fetched
    ("20130115120000", "DIGB", "200", B),
    ("20130201000000", "DIGR", "301", b""),  # a redirect capture: not a page
    ("20130501080000", "DIGA", "200", A),  # back to the first version: a change, fetched
    ("20130502080000", "DIGA", "-", A),  # a revisit record of it: not fetched
    ("20140101000000", "DIGC", "200", C),
]
KEPT = ["20120301101500", "20130115120000", "20130501080000", "20140101000000"]


class Wayback:
    """CDX API (JSON, from/to by year) and id_ replay routes on a LoopbackServer."""

    def __init__(self, server: LoopbackServer) -> None:
        self.server = server
        self.queries: list[dict[str, list[str]]] = []
        self.cdx_body: bytes | None = None  # override the answer
        server.routes["/cdx/search/cdx"] = self.cdx
        for stamp, _digest, status, body in CAPTURES:
            if status in ("200", "-"):
                server.add_page(self.path(stamp), body)

    @staticmethod
    def path(stamp: str) -> str:
        return f"/web/{stamp}id_/{PAGE}"

    @property
    def api(self) -> str:
        return self.server.base

    def cdx(self, req: BaseHTTPRequestHandler) -> None:
        query = parse_qs(urlsplit(req.path).query)
        self.queries.append(query)
        if self.cdx_body is not None:
            send(req, 200, self.cdx_body, "application/json")
            return
        first, last = query.get("from", ["0000"])[0], query.get("to", ["9999"])[0]
        fields = query["fl"][0].split(",")
        rows = [fields]
        for stamp, digest, status, _ in CAPTURES:
            if query["url"] == [PAGE] and first <= stamp[: len(first)] and stamp[: len(last)] <= last:
                values = {"timestamp": stamp, "original": PAGE, "digest": digest, "statuscode": status,
                          "mimetype": "text/html" if status != "-" else "warc/revisit"}
                rows.append([values[name] for name in fields])
        send(req, 200, json.dumps(rows).encode(), "application/json")

    def replays(self) -> dict[str, int]:
        return {stamp: self.server.hits[self.path(stamp)] for stamp, *_ in CAPTURES}


@pytest.fixture
def wayback() -> Iterator[Wayback]:
    with LoopbackServer() as server:
        yield Wayback(server)


def _hints(_url: str, target: str | None) -> Hints:
    return Hints(target=target, timezone=ZONE)


def _backfill(db_path: Path, wayback: Wayback, **options: int) -> dict[str, object]:
    settings = FetchSettings(retries=2, backoff=0.0, delay_per_host=0.0, timeout=5.0)
    with Archive(db_path) as archive, Fetcher(settings) as fetcher:
        job = Backfill(archive, fetcher, Ingest(archive, run_id=None, hints=_hints), api=wayback.api)
        return job.run(PAGE, **options)


def test_distinct_captures_are_archived_oldest_first(wayback: Wayback, db_path: Path) -> None:
    summary = _backfill(db_path, wayback)
    assert summary["listed"] == len(CAPTURES) and summary["fetched"] == 4 and summary["failed"] == []
    assert wayback.replays() == {stamp: int(stamp in KEPT) for stamp, *_ in CAPTURES}
    assert wayback.server.hits["/cdx/search/cdx"] == 1
    (query,) = wayback.queries
    assert query["url"] == [PAGE] and query["output"] == ["json"] and query["collapse"] == ["digest"]
    assert query["fl"] == ["timestamp,original,digest,statuscode,mimetype"]
    with Archive(db_path) as archive:
        fetches = archive.snapshots(PAGE)
        assert [f["fetched_at"] for f in fetches] == [
            "2012-03-01T10:15:00+00:00", "2013-01-15T12:00:00+00:00", "2013-05-01T08:00:00+00:00",
            "2014-01-01T00:00:00+00:00"]
        assert fetches[0]["body_sha256"] == fetches[2]["body_sha256"]  # the revert is one stored body
        assert archive.stats()["bodies"] == 3
        rooms = [v["room"] for v in archive.history("https://summit.example/session/b2")["versions"]]
        assert rooms == ["Room A", "Room B", "Room A", "Room B"]
        keynote = archive.history("https://summit.example/session/a1")["versions"]
        assert [(v["fetched_at"][:4], v["room"]) for v in keynote] == [("2012", "Hall A"), ("2014", "Hall Z")]


def test_from_and_to_years_go_to_the_cdx_api(wayback: Wayback, db_path: Path) -> None:
    summary = _backfill(db_path, wayback, from_year=2013, to_year=2013)
    (query,) = wayback.queries
    assert query["from"] == ["2013"] and query["to"] == ["2013"]
    assert summary["listed"] == 4 and summary["fetched"] == 2
    assert [stamp for stamp, hits in wayback.replays().items() if hits] == ["20130115120000", "20130501080000"]


def test_a_second_backfill_fetches_nothing_again(wayback: Wayback, db_path: Path) -> None:
    _backfill(db_path, wayback)
    again = _backfill(db_path, wayback)
    assert again["fetched"] == 0 and again["already"] == 4
    assert all(hits <= 1 for hits in wayback.replays().values())
    assert wayback.server.hits["/cdx/search/cdx"] == 2
    with Archive(db_path) as archive:
        assert len(archive.snapshots(PAGE)) == 4


def test_replays_are_retried(wayback: Wayback, db_path: Path) -> None:
    calls = {"n": 0}

    def flaky(req: BaseHTTPRequestHandler) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            send(req, 503, b"busy", "text/plain")
        else:
            send(req, 200, B)

    wayback.server.routes[Wayback.path("20130115120000")] = flaky
    summary = _backfill(db_path, wayback)
    assert summary["fetched"] == 4 and summary["failed"] == []
    assert wayback.replays()["20130115120000"] == 2


def test_a_failed_capture_is_reported_and_the_rest_archived(wayback: Wayback, db_path: Path) -> None:
    wayback.server.add_page(Wayback.path("20130115120000"), b"not here", status=404)
    summary = _backfill(db_path, wayback)
    failed = summary["failed"]
    assert isinstance(failed, list) and [f["timestamp"] for f in failed] == ["20130115120000"]
    with Archive(db_path) as archive:
        assert len(archive.snapshots(PAGE)) == 3


def test_a_redirect_to_a_nearby_capture_takes_its_time(wayback: Wayback, db_path: Path) -> None:
    nearby = Wayback.path("20120302000000")
    wayback.server.add_page(nearby, A)
    wayback.server.add_page(Wayback.path("20120301101500"), b"", status=302, headers={"Location": nearby})
    _backfill(db_path, wayback, limit=1)
    with Archive(db_path) as archive:
        assert [f["fetched_at"] for f in archive.snapshots(PAGE)] == ["2012-03-02T00:00:00+00:00"]


def test_backfill_before_the_first_crawl_keeps_the_current_state(wayback: Wayback, db_path: Path) -> None:
    now = jsonld_page(changed(), stamp="2026").encode()
    sessions = [s.to_dict() for s in parsers.parse(from_bytes(PAGE, now, content_type="text/html",
                                                              timezone=ZONE)).sessions]
    with Archive(db_path) as archive:
        archive.record_page(fetch(PAGE, now, fetched_at="2026-04-20T08:00:00+00:00", media_type="text/html",
                                  etag='"2026"'), sessions=sessions)
    summary = _backfill(db_path, wayback)
    assert summary["replayed_pages"] == [PAGE]
    with Archive(db_path) as archive:
        state = archive.page_state(PAGE)
        assert state is not None and state["etag"] == '"2026"' and state["last_fetched"].startswith("2026-04-20")
        versions = archive.history("https://summit.example/session/a1")["versions"]
        assert [(v["fetched_at"][:4], v["room"]) for v in versions] == [
            ("2012", "Hall A"), ("2014", "Hall Z"), ("2026", "Hall A")]
        assert {s["title"] for s in archive.sessions()} == {i.title for i in changed()}


def test_cdx_answers_nothing_or_nonsense(wayback: Wayback, db_path: Path) -> None:
    wayback.cdx_body = b""
    summary = _backfill(db_path, wayback)
    assert summary["listed"] == 0 and not any(wayback.replays().values())
    wayback.cdx_body = b"<html>maintenance</html>"
    with pytest.raises(SchedarcError, match="did not answer JSON"):
        _backfill(db_path, wayback)


def test_cdx_helpers() -> None:
    url = cdx_url("https://web.archive.org/", PAGE, from_year=2012, to_year=2014)
    assert url == ("https://web.archive.org/cdx/search/cdx?url=http%3A%2F%2Fsummit.example%2Fschedule.html"
                   "&output=json&fl=timestamp%2Coriginal%2Cdigest%2Cstatuscode%2Cmimetype&collapse=digest"
                   "&from=2012&to=2014")
    rows = parse_cdx(json.dumps([["timestamp", "original", "digest", "statuscode", "mimetype"],
                                 ["20130101000000", PAGE, "X", "200", "text/html"],
                                 ["20120101000000", PAGE, "X", "200", "text/html"],
                                 ["bad", PAGE, "Y", "200", "text/html"]]).encode(), source="test")
    assert [c.timestamp for c in distinct(rows)] == ["20120101000000"]
    assert distinct([CdxCapture("20120101000000", PAGE, "X", "404", "text/html")]) == []
    with pytest.raises(SchedarcError, match="lacks the fields"):
        parse_cdx(b'[["urlkey"]]', source="test")
