"""WARC export: records read back with warcio, checked by `warcio check`, indexed by `warcio index` and CDXJ."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive import Archive
from archive.warc import NOT_MODIFIED_PROFILE, PAGE_FIELD, WarcSummary, surt, write_cdxj, write_warc
from tests.archive.records import at, fetch

PAGE = "https://summit.example/schedule"
MIRROR = "https://mirror.example/schedule"
WARCIO = Path(sys.executable).parent / "warcio"
V1 = b"<html><body>schedule, first version</body></html>"
V2 = b"<html><body>schedule, second version</body></html>"


@pytest.fixture
def history(archive: Archive) -> Archive:
    """A page fetched five times (new body, same body, 304, failure, new body) and a mirror of it."""
    html = {"Content-Type": "text/html; charset=utf-8"}
    archive.record_page(fetch(PAGE, V1, fetched_at="2026-04-01T08:00:00.250000+00:00",
                              headers={**html, "Content-Encoding": "gzip", "Content-Length": "31",
                                       "ETag": '"v1"'}, media_type=html["Content-Type"]))
    archive.record_page(fetch(PAGE, V1, fetched_at=at(2), headers=html, media_type=html["Content-Type"]))
    archive.record_page(fetch(PAGE, None, fetched_at=at(3), status=304, not_modified=True, headers={"ETag": '"v1"'}))
    archive.record_page(fetch(PAGE, None, fetched_at=at(4), status=503, error="HTTP 503", error_class="Transient"))
    archive.record_page(fetch(MIRROR, V1, fetched_at=at(5), final_url="https://mirror.example/schedule/",
                              headers=html, media_type=html["Content-Type"]))
    archive.record_page(fetch(PAGE, V2, fetched_at=at(6), headers=html, media_type=html["Content-Type"]))
    return archive


def _export(archive: Archive, path: Path, **options: object) -> WarcSummary:
    with path.open("wb") as out:
        return write_warc(archive.db, out, filename=path.name, software="schedarc/test",
                          gzip=not path.name.endswith(".warc"), **options)  # type: ignore[arg-type]


def _records(path: Path) -> list[tuple[str, str, bytes, dict[str, str]]]:
    found = []
    with path.open("rb") as handle:
        for record in ArchiveIterator(handle):
            uri = record.rec_headers.get_header("WARC-Target-URI") or ""
            body = record.content_stream().read()
            found.append((record.rec_type, uri, body, dict(record.rec_headers.headers)))
    return found


def test_every_fetch_becomes_records_read_back_by_warcio(history: Archive, tmp_path: Path) -> None:
    path = tmp_path / "out.warc.gz"
    summary = _export(history, path)
    records = _records(path)
    assert [(kind, uri) for kind, uri, _, _ in records] == [
        ("warcinfo", ""),
        ("request", PAGE), ("response", PAGE),  # first body
        ("request", PAGE), ("revisit", PAGE),  # same body again
        ("request", PAGE), ("revisit", PAGE),  # 304
        ("request", "https://mirror.example/schedule/"), ("revisit", "https://mirror.example/schedule/"),
        ("request", PAGE), ("response", PAGE),  # second body
    ]
    assert (summary.responses, summary.revisits, summary.not_modified, summary.failed_skipped) == (2, 2, 1, 1)
    assert summary.records == len(records) and summary.payload_bytes == len(V1) + len(V2)
    _, _, body, headers = records[2]
    assert body == V1 and headers["WARC-Date"] == "2026-04-01T08:00:00.250000Z"
    assert records[10][2] == V2


def test_response_headers_describe_the_stored_body(history: Archive, tmp_path: Path) -> None:
    path = tmp_path / "out.warc.gz"
    _export(history, path)
    with path.open("rb") as handle:
        response = next(r for r in ArchiveIterator(handle) if r.rec_type == "response")
        http = response.http_headers
        assert http.get_statuscode() == "200"
        assert http.get_header("Content-Encoding") is None  # stored decoded: the encoding no longer applies
        assert http.get_header("Content-Length") == str(len(V1))
        assert http.get_header("ETag") == '"v1"'


def test_revisits_point_at_the_first_response(history: Archive, tmp_path: Path) -> None:
    path = tmp_path / "out.warc.gz"
    _export(history, path)
    records = _records(path)
    first = records[2][3]
    same, not_modified, mirror = records[4][3], records[6][3], records[8][3]
    assert same["WARC-Profile"].endswith("/revisit/identical-payload-digest")
    assert same["WARC-Refers-To"] == first["WARC-Record-ID"]
    assert same["WARC-Payload-Digest"] == first["WARC-Payload-Digest"]
    assert same["WARC-Refers-To-Date"] == first["WARC-Date"]
    assert mirror["WARC-Refers-To-Target-URI"] == PAGE and mirror[PAGE_FIELD] == MIRROR
    assert not_modified["WARC-Profile"] == NOT_MODIFIED_PROFILE
    assert records[4][2] == b"" and records[6][2] == b""  # revisits carry no payload


@pytest.mark.parametrize("name", ["out.warc.gz", "out.warc"])
def test_warcio_check_passes_and_index_lists_every_record(history: Archive, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    summary = _export(history, path)
    check = subprocess.run([str(WARCIO), "check", "-v", str(path)], capture_output=True, text=True, timeout=60,
                           check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count("digest pass") == summary.records - summary.revisits - summary.not_modified
    index = subprocess.run([str(WARCIO), "index", str(path)], capture_output=True, text=True, timeout=60,
                           check=True)
    lines = [json.loads(line) for line in index.stdout.splitlines()]
    assert len(lines) == summary.records == 11
    assert [line["warc-type"] for line in lines].count("request") == 5


def test_cdxj_offsets_lead_to_their_records(history: Archive, tmp_path: Path) -> None:
    path = tmp_path / "out.warc.gz"
    summary = _export(history, path)
    index = tmp_path / "out.cdxj"
    with index.open("w") as out:
        assert write_cdxj(summary.entries, out) == 5
    lines = index.read_text().splitlines()
    assert lines == sorted(lines)
    with path.open("rb") as handle:
        for line in lines:
            key, stamp, raw = line.split(" ", 2)
            fields = json.loads(raw)
            assert key == surt(fields["url"]) and len(stamp) == 14 and fields["filename"] == "out.warc.gz"
            handle.seek(int(fields["offset"]))
            record = next(iter(ArchiveIterator(handle)))
            assert record.rec_headers.get_header("WARC-Target-URI") == fields["url"]
            expected = "response" if fields["mime"] == "text/html" else "revisit"
            assert record.rec_type == expected
    first = json.loads(lines[0].split(" ", 2)[2])
    assert lines[0].startswith("example,mirror)/schedule 20260405080000 ")
    assert first["status"] == "200" and first["digest"].startswith("sha1:")


def test_filters_page_and_since(history: Archive, tmp_path: Path) -> None:
    only_mirror = _export(history, tmp_path / "a.warc.gz", page=MIRROR)
    # The mirror's body was first written for the other page, which is filtered out: a full response here.
    assert (only_mirror.responses, only_mirror.revisits) == (1, 0)
    recent = _export(history, tmp_path / "b.warc.gz", since="2026-04-05")
    assert (recent.responses, recent.revisits, recent.not_modified) == (2, 0, 0)


def test_surt_keys() -> None:
    assert surt("http://www.Example.org/Path/?b=2&a=1") == "org,example)/path?a=1&b=2"
    assert surt("https://example.org:443/") == "org,example)/"
    assert surt("http://example.org:8080/x") == "org,example:8080)/x"
    assert surt("http://127.0.0.1:8000/a") == "127.0.0.1:8000)/a"
