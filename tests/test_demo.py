"""`schedarc demo` works offline on loopback and shows the week's changes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner

from scraper.cli import cli


def test_demo_crawls_twice_and_reports_changes(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    result = CliRunner().invoke(cli, ["--db", str(db), "demo"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "moved: Archiving the Ephemeral Web, May 12 13:50 -> 15:20, Room Alder -> Room Cedar" in out
    assert "retitled: Scheduling Without Tears -> Scheduling Without Tears (or Spreadsheets)" in out
    assert "removed: Time Zones Are a Social Construct" in out
    assert "added: Closing Remarks, 2026-05-13 17:00, Harbor Hall" in out
    assert "first crawl" in result.stderr and "0 failed" in result.stderr
    with sqlite3.connect(db) as conn:
        not_modified = conn.execute("select count(*) from fetches where not_modified").fetchone()[0]
        assert not_modified >= 1  # the unchanged blog post came back as 304 the second time
        pages = conn.execute("select count(*) from pages").fetchone()[0]
        assert pages >= 2 + 3  # post, feed, and the event pages it links to
