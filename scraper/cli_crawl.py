"""``schedarc crawl`` (the cron job) and ``schedarc config check|show``."""

from __future__ import annotations

import dataclasses
import json
import math
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from scraper.cli import App, cli, pass_app
from scraper.errors import ConfigError
from scraper.output import describe_change, emit_json
from scraper.report import SAMPLE, CrawlSummary

if TYPE_CHECKING:
    from scraper.config import Config, Target


def _select(config: Config, names: tuple[str, ...]) -> list[Target]:
    if not config.targets:
        where = config.source or "./config.toml (not found)"
        raise ConfigError(f"no [[targets]] defined in {where}",
                          hint="add a [[targets]] table with name and url, or pass --config PATH")
    return [config.target(n) for n in names] if names else list(config.targets)


def _now(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"--now: not an ISO time: {value!r}", hint="write e.g. 2026-04-16T09:00:00+00:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def summary_text(summary: CrawlSummary, problems: list[str]) -> str:
    c = summary.counts()
    lines = [
        f"crawl: {c['targets']} targets, {c['pages']} pages ({c['changed']} changed, {c['unchanged']} unchanged, "
        f"{c['not_modified']} not modified, {c['failed']} failed, {c['retries']} retries); "
        f"sessions: {c['sessions_added']} added, {c['sessions_changed']} changed, {c['sessions_removed']} removed"
    ]
    lines += [f"  {describe_change(change)}" for change in summary.changes[:SAMPLE]]
    if summary.change_total > SAMPLE:
        lines.append(f"  ... and {summary.change_total - SAMPLE} more (schedarc changes)")
    lines += [f"  failed: {p.error}" for p in summary.failures]
    if summary.stopped_early:
        lines.append("  stopped early (--fail-fast)")
    lines += [f"  notify failed: {p}" for p in problems]
    return "\n".join(lines)


@cli.command()
@click.option("--due", is_flag=True, help="Only targets whose `every` has passed since their last crawl.")
@click.option("--target", "names", multiple=True, metavar="NAME", help="Only this target (repeatable).")
@click.option("--fail-fast", is_flag=True, help="Stop at the first failed page (exit 1).")
@click.option("--dry-run", is_flag=True, help="List what would be fetched; fetch nothing, write nothing.")
@click.option("--wait", "wait", is_flag=True, help="If another crawl holds the archive, wait for it (else exit 3).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
@click.option("-q", "--quiet", is_flag=True, help="No summary on stderr unless something failed.")
@click.option("--now", hidden=True, help="Pretend the time is this ISO instant (for --due; testing).")
@pass_app
def crawl(app: App, due: bool, names: tuple[str, ...], fail_fast: bool, dry_run: bool, wait: bool,
          as_json: bool, quiet: bool, now: str | None) -> None:
    """Crawl the [[targets]] of config.toml: fetch, archive, parse, follow links.

    \b
    Exit codes (for cron and timers):
      0  every page fetched and parsed
      1  some page or target failed (the summary says which); data fetched is kept
      2  usage or configuration error
      3  another crawl holds this archive's lock (use --wait to queue)
    """
    config = app.config
    targets = _select(config, names)
    moment = _now(now)
    if due:
        targets = _due(app, targets, moment)
    if dry_run:
        _dry_run(targets, as_json)
        return
    if not targets:
        if as_json:
            emit_json({"ok": True, "targets": [], "counts": {}, "failures": [], "changes": []})
        elif not quiet:
            click.echo("crawl: no target is due", err=True)
        return
    from scraper.crawl import Crawl
    from scraper.lock import CrawlLock
    from scraper.memory import cap_malloc_arenas
    from scraper.notify import notify
    from scraper.progress import Progress

    cap_malloc_arenas()  # before the worker threads start
    with CrawlLock(app.db_path, wait=math.inf if wait else None), app.archive() as archive:
        run_id = archive.start_run("crawl", sys.argv[1:])
        notifiers = bool(config.notify.command or config.notify.webhook)
        with Progress() as progress:
            crawler = Crawl(archive, config, run_id=run_id, on_page=progress.page, on_queue=progress.queue,
                            fail_fast=fail_fast, keep_changes=as_json or notifiers)
            summary = crawler.run(targets)
        archive.finish_run(run_id, ok=summary.ok, counts=summary.counts())
    notifying = notifiers and summary.change_total > 0
    # The full summary (every change record) is built only for someone who reads it.
    result = summary.to_dict() if as_json or notifying else {}
    problems = notify(config.notify, result) if notifying else []
    if as_json:
        emit_json({**result, "notify_errors": problems})
    if not quiet or not summary.ok:
        click.echo(summary_text(summary, problems), err=True)
    if not summary.ok:
        sys.exit(1)


def _due(app: App, targets: list[Target], moment: datetime) -> list[Target]:
    from scraper.crawl import is_due

    if not app.db_path.exists():
        return targets
    with app.archive(readonly=True) as archive:
        return [t for t in targets if is_due(t, archive.last_run(t.name), moment)]


def _dry_run(targets: list[Target], as_json: bool) -> None:
    plan: list[dict[str, Any]] = [
        {"target": t.name, "urls": list(t.urls), "follow": list(t.follow), "max_depth": t.max_depth,
         "max_pages": t.max_pages} for t in targets]
    if as_json:
        emit_json(plan)
        return
    for item in plan:
        for url in item["urls"]:
            click.echo(f"{item['target']}\t{url}")
        if item["follow"]:
            click.echo(f"{item['target']}\t  + links matching {', '.join(item['follow'])} "
                       f"(depth {item['max_depth']}, at most {item['max_pages']} pages)")


@cli.group("config")
def config_group() -> None:
    """Validate or print the configuration."""


@config_group.command("check")
@pass_app
def config_check(app: App) -> None:
    """Validate config.toml; exit 2 with the file, key and fix when something is wrong."""
    config = app.config
    where = config.source or "built-in defaults (no config.toml found)"
    click.echo(f"ok: {where}: {len(config.targets)} targets, archive {config.archive_path}")


def _plain(value: Any) -> Any:
    if isinstance(value, timedelta):
        return f"{int(value.total_seconds())}s"
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


@config_group.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON (default: TOML-like text).")
@pass_app
def config_show(app: App, as_json: bool) -> None:
    """Print the effective configuration, defaults filled in."""
    config = app.config
    data = {
        "source": str(config.source) if config.source else None,
        "archive": {"path": str(app.db_path)},
        "fetch": _plain(dataclasses.asdict(config.fetch)),
        "notify": _plain(dataclasses.asdict(config.notify)),
        "targets": [_plain({**dataclasses.asdict(t), "fetch": dict(t.fetch)}) for t in config.targets],
    }
    if as_json:
        emit_json(data)
        return
    click.echo(f"# effective configuration from {data['source'] or 'built-in defaults'}")
    for section in ("archive", "fetch", "notify"):
        click.echo(f"\n[{section}]")
        for key, value in data[section].items():
            click.echo(f"{key} = {json.dumps(value)}")
    for target in data["targets"]:
        click.echo("\n[[targets]]")
        for key, value in target.items():
            click.echo(f"{key} = {json.dumps(value)}")
    if not data["targets"]:
        click.echo("\n# no [[targets]]")
