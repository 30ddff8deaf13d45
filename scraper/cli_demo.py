"""``schedarc demo``: the bundled conference, served and crawled on 127.0.0.1."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from scraper.cli import App, cli, pass_app


@cli.command()
@pass_app
def demo(app: App) -> None:
    """Crawl a bundled demo conference twice on 127.0.0.1 and show what changed.

    Works offline: the site is served from this process on a free loopback port.
    The archive goes to ./schedarc-demo.db unless --db is given.
    """
    from scraper.demo.run import run_demo

    db_path = Path(app.db_option) if app.db_option else Path("schedarc-demo.db")
    ok = run_demo(db_path, click.echo, lambda line: click.echo(line, err=True))
    if not ok:
        sys.exit(1)
