"""Commands that read or maintain the archive: sessions, search, changes, history, ..."""

from __future__ import annotations

import sys
from datetime import date, datetime
from typing import Any

import click

from scraper.cli import App, cli, pass_app
from scraper.errors import ConfigError, SchedarcError
from scraper.output import describe_change, emit_json, sessions_table, short_time, table


def _date(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    try:
        (datetime if "T" in value else date).fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{option}: not a date: {value!r}", hint="write YYYY-MM-DD, e.g. 2026-04-16") from None
    return value


@cli.command()
@click.option("--event", help="Only sessions of this event (name as stored).")
@click.option("--speaker", help="Only sessions with this speaker (substring, case-insensitive).")
@click.option("--on", "on_date", metavar="YYYY-MM-DD", help="Only sessions starting on this date.")
@click.option("--room", help="Only sessions in this room.")
@click.option("--page", metavar="URL", help="Only sessions listed on this page.")
@click.option("--removed", is_flag=True, help="Show removed (cancelled) sessions instead of current ones.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many.")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_app
def sessions(app: App, event: str | None, speaker: str | None, on_date: str | None, room: str | None,
             page: str | None, removed: bool, limit: int | None, as_json: bool) -> None:
    """List archived sessions (current ones unless --removed)."""
    with app.archive(readonly=True) as archive:
        rows = archive.sessions(event=event, speaker=speaker, on=_date(on_date, "--on"), room=room, page=page,
                                removed=removed, limit=limit)
    if as_json:
        emit_json(rows)
    elif rows:
        click.echo(sessions_table(rows))
    else:
        click.echo("no sessions match", err=True)


@cli.command()
@click.argument("text")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_app
def search(app: App, text: str, limit: int, as_json: bool) -> None:
    """Full-text search over titles, speakers and descriptions."""
    with app.archive(readonly=True) as archive:
        rows = archive.search(text, limit=limit)
    if as_json:
        emit_json(rows)
    elif rows:
        click.echo(sessions_table(rows))
    else:
        click.echo(f"nothing matches {text!r}", err=True)


@cli.command()
@click.option("--since", metavar="DATE", help="Only changes fetched on or after DATE (YYYY-MM-DD or ISO time).")
@click.option("--page", metavar="URL", help="Only changes on this page.")
@click.option("--json", "as_json", is_flag=True, help="Print change records as JSON.")
@pass_app
def changes(app: App, since: str | None, page: str | None, as_json: bool) -> None:
    """What moved, appeared, was retitled or vanished, oldest first."""
    with app.archive(readonly=True) as archive:
        rows = archive.changes(since=_date(since, "--since"), page=page)
    if as_json:
        emit_json(rows)
        return
    for change in rows:
        click.echo(f"{short_time(change.get('fetched_at'))}  {describe_change(change)}")
    if not rows:
        click.echo("no changes recorded", err=True)


@cli.command()
@click.argument("key", metavar="UID|URL")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_app
def history(app: App, key: str, as_json: bool) -> None:
    """Versions of a session (by uid), or fetches of a page (by URL)."""
    with app.archive(readonly=True) as archive:
        found = archive.history(key)
    if as_json:
        emit_json(found)
        return
    versions: list[dict[str, Any]] = found.get("versions") or []
    fetches: list[dict[str, Any]] = found.get("fetches") or []
    if versions:
        rows: list[tuple[object, ...]] = [
            (v.get("version"), short_time(v.get("fetched_at")), ", ".join(v.get("changed") or []) or "-",
             short_time(v.get("start")), v.get("room") or "", v.get("title") or "") for v in versions]
        click.echo(table(("version", "fetched", "changed", "start", "room", "title"), rows))
    if fetches:
        rows = [(f.get("fetch_id"), short_time(f.get("fetched_at")), f.get("status") or "-",
                 "304" if f.get("not_modified") else (f.get("body_sha256") or "")[:12], f.get("error") or "")
                for f in fetches]
        click.echo(table(("fetch", "when", "status", "body", "error"), rows))
    if not versions and not fetches:
        raise SchedarcError(f"nothing archived for {key!r}",
                            hint="give a session uid (see `schedarc sessions --json`) or a fetched page URL")


@cli.command()
@click.argument("url")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_app
def snapshots(app: App, url: str, as_json: bool) -> None:
    """Every archived fetch of URL: when, status, body digest and size."""
    with app.archive(readonly=True) as archive:
        rows = archive.snapshots(url)
    if as_json:
        emit_json(rows)
        return
    if not rows:
        raise SchedarcError(f"no snapshots of {url}", hint="fetch it first: schedarc fetch URL")
    click.echo(table(("fetch", "when", "status", "size", "body"), [
        (r.get("fetch_id"), short_time(r.get("fetched_at")), r.get("status") or "-",
         r.get("size") or "", "not modified" if r.get("not_modified") else (r.get("body_sha256") or r.get("error")
                                                                            or "")) for r in rows]))


@cli.command()
@click.argument("fetch_id", type=int)
@pass_app
def show(app: App, fetch_id: int) -> None:
    """Write the raw body of archived fetch FETCH_ID to stdout, decompressed."""
    with app.archive(readonly=True) as archive:
        body = archive.fetch_body(fetch_id)
    sys.stdout.buffer.write(body)
    sys.stdout.flush()


@cli.command()
@pass_app
def check(app: App) -> None:
    """Verify the archive: SQLite integrity, foreign keys, every body's sha256. Exit 1 on any fault."""
    with app.archive(readonly=True) as archive:
        faults = archive.check()
        stats = archive.stats()
    for fault in faults:
        click.echo(f"fault: {fault}", err=True)
    if faults:
        raise SchedarcError(f"{len(faults)} faults in {app.db_path}", hint="restore from a backup or re-fetch")
    click.echo(f"ok: {app.db_path}: " + ", ".join(f"{v} {k}" for k, v in stats.items()))


@cli.command()
@click.argument("sql")
@click.option("--json", "as_json", is_flag=True, help="Print rows as a JSON array of objects.")
@pass_app
def query(app: App, sql: str, as_json: bool) -> None:
    """Run read-only SQL against the archive (opened read-only: writes fail, nothing changes)."""
    with app.archive(readonly=True) as archive:
        columns, rows = archive.query(sql)
    if as_json:
        emit_json([dict(zip(columns, row, strict=False)) for row in rows])
    else:
        click.echo(table(columns, rows) if columns else "")


@cli.command()
@click.option("--page", metavar="URL", help="Only this page.")
@click.option("--timezone", metavar="TZ", help="IANA zone for naive times (default: each target's own).")
@click.option("--json", "as_json", is_flag=True, help="Print counts as JSON.")
@pass_app
def reparse(app: App, page: str | None, timezone: str | None, as_json: bool) -> None:
    """Rebuild sessions and versions from stored bodies with today's parsers (no network)."""
    from scraper.crawl import parse_stored

    # A target's forced parser applies to its own URLs; every other page is detected.
    choices = {(t.name, url): t for t in app.config.targets for url in t.urls}
    zones = {t.name: t.timezone for t in app.config.targets}

    def parse_one(stored: dict[str, Any]) -> list[dict[str, Any]] | None:
        target = stored.get("target") or ""
        seed = choices.get((target, stored["url"]))
        return parse_stored(stored, timezone=timezone or zones.get(target),
                            parser=seed.parser if seed else "auto")

    with app.archive() as archive:
        counts = archive.reparse(parse_one, page=page)
    if as_json:
        emit_json(counts)
    else:
        click.echo(", ".join(f"{v} {k}" for k, v in counts.items()))
