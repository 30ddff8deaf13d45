"""The ``schedarc`` command line: a click group whose commands are thin glue.

Errors we expect (SchedarcError, ArchiveError) become one ``Error: ...`` line on stderr
here and nowhere else; usage and config errors exit 2, a held crawl lock 3, others 1.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from archive.errors import ArchiveError as StoreError
from scraper import __version__, parsers
from scraper.errors import ConfigError, SchedarcError

if TYPE_CHECKING:
    from archive import Archive
    from scraper.config import Config

log = logging.getLogger(__name__)


@dataclass
class App:
    """What every command can reach: options, the config (read lazily), the archive."""

    db_option: str | None = None
    config_option: str | None = None
    verbose: int = 0
    _config: Config | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        if self._config is None:
            from scraper.config import load  # the fetch stack behind it: only for commands that read config

            self._config = load(self.config_option, required=bool(self.config_option))
        return self._config

    @property
    def db_path(self) -> Path:
        return Path(self.db_option) if self.db_option else self.config.archive_path

    def archive(self, *, readonly: bool = False) -> Archive:
        from archive import Archive

        return Archive(self.db_path, readonly=readonly)


pass_app = click.make_pass_decorator(App)


class SchedarcGroup(click.Group):
    """Turns expected errors into one line and an exit code, in one place."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (SchedarcError, StoreError) as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(getattr(exc, "exit_code", 1))
        except KeyboardInterrupt:
            click.echo("Error: interrupted (everything fetched so far is archived)", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            # `schedarc sessions | head`: the reader went away; that is not an error.
            sys.stderr.close()
            ctx.exit(0)


def check_timezone(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """Validate --timezone early: ConfigError (exit 2) naming what to write instead."""
    if value is not None:
        from scraper.timeparse import zone

        try:
            zone(value)
        except ConfigError:
            raise ConfigError(f"--timezone: unknown time zone {value!r}",
                              hint="use an IANA name such as Europe/Berlin or America/Los_Angeles") from None
    return value


def setup_logging(verbose: int) -> None:
    level = logging.WARNING if verbose <= 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s" if verbose
                                           else "%(levelname)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    if verbose < 2:  # urllib3's chatter (and its warnings on broken headers: we report the fetch) only at -vv
        logging.getLogger("urllib3").setLevel(logging.ERROR)


@click.group(cls=SchedarcGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "db", metavar="PATH", envvar="SCHEDARC_DB",
              help="Archive database (default: [archive] path in config.toml, else ./schedarc.db). Env: SCHEDARC_DB.")
@click.option("--config", "config_path", metavar="PATH", envvar="SCHEDARC_CONFIG",
              help="Configuration file (default: ./config.toml when present). Env: SCHEDARC_CONFIG.")
@click.option("-v", "--verbose", count=True, help="More detail on stderr: -v each fetch and retry, -vv debug.")
@click.version_option(__version__, prog_name="schedarc")
@click.pass_context
def cli(ctx: click.Context, db: str | None, config_path: str | None, verbose: int) -> None:
    """Keep a faithful, queryable archive of conference schedules.

    schedarc fetches schedule pages politely, parses every session (sched, pretalx,
    frab, iCalendar, Sessionize, Indico, schema.org, blog posts), keeps every snapshot
    in SQLite and records how each session changed over time.

    \b
    Exit codes: 0 ok, 1 something failed (see stderr), 2 usage or config error,
    3 another crawl holds the archive's lock.
    """
    setup_logging(verbose)
    ctx.obj = App(db_option=db, config_option=config_path, verbose=verbose)


@cli.command("parsers")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def parsers_command(as_json: bool) -> None:
    """List the parsers and what each one detects."""
    from scraper.output import emit_json, table

    rows = parsers.describe()
    if as_json:
        emit_json([{"name": name, "detects": text} for name, text in rows])
    else:
        click.echo(table(("parser", "detects"), rows))


def main() -> None:
    """Console-script entry point."""
    cli.main(prog_name="schedarc", windows_expand_args=False)


# The command modules decorate `cli`; importing them last registers their commands. They import
# what their commands need inside the commands, so start-up (every cron run) loads only that.
from scraper import cli_archive, cli_crawl, cli_demo, cli_export, cli_fetch  # noqa: E402, F401
