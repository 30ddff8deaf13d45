"""Commands that move the archive in and out: ``export``, ``import-warc``, ``backfill``."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import click

from scraper import __version__
from scraper.cli import App, check_timezone, cli, pass_app
from scraper.cli_fetch import require_http
from scraper.errors import ConfigError, SchedarcError
from scraper.output import emit_json

FORMATS = ("json", "csv", "ics", "warc")
# scraper.backfill.DEFAULT_CDX_API, spelled here so that the CLI starts without the import stack
# (icalendar, warcio, ingest) these commands need; a test keeps the two equal.
DEFAULT_CDX_API = "https://web.archive.org"


def _since(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        (datetime if "T" in value else date).fromisoformat(value)
    except ValueError:
        raise ConfigError(f"--since: not a date: {value!r}", hint="write YYYY-MM-DD, e.g. 2026-04-16") from None
    return value


@contextmanager
def _output(path: str | None) -> Iterator[IO[bytes]]:
    """stdout, or a file that appears only when complete (a failed export leaves the old one)."""
    if path is None or path == "-":
        stream = sys.stdout.buffer
        yield stream
        stream.flush()
        return
    target = Path(path)
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent or ".")
    except OSError as exc:
        raise SchedarcError(f"cannot write {path}: {exc.strerror or exc}",
                            hint="give -o a path in an existing, writable directory") from None
    try:
        with os.fdopen(handle, "wb") as out:
            yield out
        Path(temp).replace(target)
    except OSError as exc:
        raise SchedarcError(f"cannot write {path}: {exc.strerror or exc}",
                            hint="give -o a path in an existing, writable directory") from None
    finally:
        if Path(temp).exists():
            Path(temp).unlink()


def _text_export(app: App, fmt: str, *, event: str | None, page: str | None, since: str | None,
                 history: bool, output: str | None) -> None:
    from archive import export

    with app.archive(readonly=True) as archive:
        if fmt == "ics":
            rows = [*export.current_rows(archive.db, event=event, page=page, since=since),
                    *export.current_rows(archive.db, event=event, page=page, since=since, removed=True)]
        elif history:
            rows = export.history_rows(archive.db, event=event, page=page, since=since)
        else:
            rows = export.current_rows(archive.db, event=event, page=page, since=since)
    count, skipped = len(rows), 0
    if fmt == "ics":
        data, count, skipped = export.to_ics(rows)
    else:
        columns = export.HISTORY_COLUMNS if history else export.COLUMNS
        text = export.to_json(rows, columns) if fmt == "json" else export.to_csv(rows, columns)
        data = text.encode("utf-8")
    with _output(output) as out:
        out.write(data)
    what = "versions" if history else "sessions"
    note = f" ({skipped} without a start time left out)" if skipped else ""
    click.echo(f"exported {count} {what} as {fmt}{' to ' + output if output else ''}{note}",
               err=True)


def _warc_export(app: App, *, event: str | None, page: str | None, since: str | None, output: str | None,
                 cdx: str | None) -> None:
    from archive.warc import write_cdxj, write_warc

    gzip = not (output or "").endswith(".warc")
    filename = Path(output).name if output else "stdout.warc.gz"
    with app.archive(readonly=True) as archive, _output(output) as out:
        summary = write_warc(archive.db, out, filename=filename, software=f"schedarc/{__version__}", gzip=gzip,
                             page=page, since=since, event=event)
    if cdx:
        with _output(cdx) as index:
            wrapper = _Utf8(index)
            write_cdxj(summary.entries, wrapper)
    click.echo(f"exported {summary.responses} responses, {summary.revisits} revisits and {summary.not_modified}"
               f" not-modified as {summary.records} WARC records ({summary.warc_bytes} bytes"
               f"{' to ' + output if output else ''}); {summary.failed_skipped} failed fetches have no response",
               err=True)


class _Utf8:
    """A text writer over a binary stream (CDXJ is UTF-8 lines)."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out

    def write(self, text: str) -> int:
        self.out.write(text.encode("utf-8"))
        return len(text)


@cli.command("export")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True,
              help="json/csv: sessions (or versions); ics: a calendar; warc: every archived fetch.")
@click.option("--event", help="Only sessions (or pages) of this event (substring, case-insensitive).")
@click.option("--page", metavar="URL", help="Only sessions listed on (or fetches of) this page.")
@click.option("--since", metavar="DATE", help="Only what changed (or was fetched) on or after DATE.")
@click.option("--history", is_flag=True, help="json/csv: every version of every session, not the current state.")
@click.option("-o", "--output", metavar="FILE", help="Write to FILE (written whole or not at all); default stdout.")
@click.option("--cdx", metavar="FILE", help="warc: also write a CDXJ index of the WARC to FILE (needs -o).")
@pass_app
def export_command(app: App, fmt: str, event: str | None, page: str | None, since: str | None, history: bool,
                   output: str | None, cdx: str | None) -> None:
    """Export sessions as JSON, CSV or iCalendar, or every archived fetch as a WARC file.

    \b
    Examples:
      schedarc export --format ics -o summit.ics
      schedarc export --format csv --history --since 2026-04-01 > changes.csv
      schedarc export --format warc -o archive.warc.gz --cdx archive.cdxj
    """
    if history and fmt not in ("json", "csv"):
        raise click.UsageError("--history works with --format json or csv")
    if cdx and fmt != "warc":
        raise click.UsageError("--cdx works with --format warc")
    if cdx and not output:
        raise click.UsageError("--cdx needs -o FILE: the index points into that file")
    since = _since(since)
    if fmt == "warc":
        _warc_export(app, event=event, page=page, since=since, output=output, cdx=cdx)
    else:
        _text_export(app, fmt, event=event, page=page, since=since, history=history, output=output)


def _report(summary: dict[str, Any], as_json: bool, what: str) -> None:
    if as_json:
        emit_json(summary)
        return
    skipped = summary.get("skipped") or {}
    left = "; skipped " + ", ".join(f"{n} {why}" for why, n in skipped.items()) if skipped else ""
    click.echo(f"{what}: {summary.get('captures', 0)} captures of {summary.get('pages', 0)} pages archived,"
               f" {summary.get('already', 0)} already there, {summary.get('changes', 0)} session changes,"
               f" {len(summary.get('replayed_pages') or [])} pages replayed in time order{left}", err=True)


def _counts(summary: dict[str, Any]) -> dict[str, int]:
    return {k: v for k, v in summary.items() if isinstance(v, int)}


@cli.command("import-warc")
@click.argument("files", nargs=-1, required=True, metavar="FILE.warc[.gz]...")
@click.option("--timezone", callback=check_timezone, metavar="TZ",
              help="IANA zone for times pages give without one (default: the matching target's).")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@pass_app
def import_warc(app: App, files: tuple[str, ...], timezone: str | None, as_json: bool) -> None:
    """Archive the web pages in WARC files (wget, ArchiveBox, Browsertrix, schedarc) and parse them.

    Each response keeps its WARC-Date as its fetch time and is imported oldest first;
    the files are checked whole before anything is written.
    """
    from scraper.ingest import Ingest, config_hints
    from scraper.warc_import import import_plan, plan

    planned = plan([Path(name) for name in files])
    hints = config_hints(app.config, timezone=timezone)
    with app.archive() as archive:
        run_id = archive.start_run("import-warc", sys.argv[1:])
        try:
            summary = import_plan(planned, Ingest(archive, run_id=run_id, hints=hints))
        except BaseException:
            archive.finish_run(run_id, ok=False, counts={})
            raise
        archive.finish_run(run_id, ok=True, counts=_counts(summary))
    _report(summary, as_json, ", ".join(files))


@cli.command()
@click.argument("url")
@click.option("--from", "from_year", type=click.IntRange(1990, 9999), metavar="YYYY", help="First year.")
@click.option("--to", "to_year", type=click.IntRange(1990, 9999), metavar="YYYY", help="Last year.")
@click.option("--cdx-api", default=DEFAULT_CDX_API, show_default=True, metavar="URL",
              help="Base URL of the Wayback Machine (its /cdx/search/cdx and /web/ replay).")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many captures (oldest first).")
@click.option("--timezone", callback=check_timezone, metavar="TZ", help="IANA zone for naive times.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@pass_app
def backfill(app: App, url: str, from_year: int | None, to_year: int | None, cdx_api: str, limit: int | None,
             timezone: str | None, as_json: bool) -> None:
    """Archive a page's history from a Wayback Machine, oldest capture first.

    Each distinct capture is fetched raw (id_ mode) politely, with retries, and archived
    with its capture time, so the page's history starts before the first crawl.
    """
    from scraper.backfill import Backfill
    from scraper.fetch import Fetcher
    from scraper.ingest import Ingest, config_hints

    require_http(url)
    require_http(cdx_api)
    if from_year is not None and to_year is not None and from_year > to_year:
        raise click.UsageError(f"--from {from_year} is after --to {to_year}")
    hints = config_hints(app.config, timezone=timezone)
    with app.archive() as archive, Fetcher(app.config.fetch) as fetcher:
        run_id = archive.start_run("backfill", sys.argv[1:])
        job = Backfill(archive, fetcher, Ingest(archive, run_id=run_id, hints=hints), api=cdx_api)
        try:
            summary = job.run(url, from_year=from_year, to_year=to_year, limit=limit)
        except BaseException:
            archive.finish_run(run_id, ok=False, counts={})
            raise
        archive.finish_run(run_id, ok=not summary["failed"], counts=_counts(summary))
    _report(summary, as_json, url)
    if not summary["listed"]:
        years = f" in {from_year or '...'}-{to_year or '...'}" if from_year or to_year else ""
        raise SchedarcError(f"{url}: no captures in {cdx_api}{years}",
                            hint="check the URL is exactly the archived one (scheme, www, trailing slash)")
    for failure in summary["failed"]:
        click.echo(f"Error: capture {failure['timestamp']}: {failure['error']}", err=True)
    if summary["failed"]:
        sys.exit(1)
