"""Commands that get pages now: ``parse`` (no archive) and ``fetch`` (archive and show)."""

from __future__ import annotations

import sys
from urllib.parse import urlsplit

import click

from scraper import parsers
from scraper.cli import App, check_timezone, cli, pass_app
from scraper.errors import SchedarcError
from scraper.output import emit_json, sessions_table


def require_http(url: str) -> None:
    """Refuse non-http(s) URLs before any I/O, saying what is accepted."""
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise SchedarcError(f"{url}: unsupported URL scheme {scheme or '(none)'!r}",
                            hint="schedarc fetches http:// and https:// URLs only")


@cli.command()
@click.argument("source", metavar="PATH|URL|-")
@click.option("--parser", "parser_name", default="auto", show_default=True, metavar="NAME",
              help="Force a parser (see `schedarc parsers`).")
@click.option("--timezone", callback=check_timezone, metavar="TZ",
              help="IANA zone for times the page gives without one, e.g. America/Los_Angeles.")
@click.option("--base-url", metavar="URL", help="Resolve relative links against URL (files and stdin).")
@click.option("--json", "as_json", is_flag=True, help="Print sessions as a JSON array (the documented contract).")
@pass_app
def parse(app: App, source: str, parser_name: str, timezone: str | None, base_url: str | None,
          as_json: bool) -> None:
    """Parse a file, URL or stdin and print its sessions; nothing is archived.

    \b
    Examples:
      schedarc parse post.md --timezone America/Los_Angeles
      curl -s https://example.sched.com/all.ics | schedarc parse - --json
    """
    from scraper.document import from_fetch, from_path

    if source.startswith(("http://", "https://")) or "://" in source:
        from scraper.fetch import Fetcher

        require_http(source)
        with Fetcher(app.config.fetch) as fetcher:
            doc = from_fetch(fetcher.fetch(source), timezone=timezone)
    else:
        doc = from_path(source, timezone=timezone, base_url=base_url)
    parser = parsers.pick(doc, parser_name)
    result = parser.parse(doc)
    sessions = [s.to_dict() for s in result.sessions]
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if as_json:
        emit_json([{k: v for k, v in s.items() if k != "event"} for s in sessions])
    elif sessions:
        click.echo(sessions_table(sessions))
    if not sessions:
        raise SchedarcError(f"{source}: no sessions found (parser {parser.name})",
                            hint="force another format with --parser NAME; `schedarc parsers` lists them")
    click.echo(f"{len(sessions)} sessions (parser {parser.name})", err=True)


@cli.command()
@click.argument("urls", nargs=-1, required=True, metavar="URL...")
@click.option("--parser", "parser_name", default="auto", show_default=True, metavar="NAME",
              help="Force a parser for these URLs.")
@click.option("--timezone", callback=check_timezone, metavar="TZ", help="IANA zone for naive times.")
@click.option("--follow", multiple=True, metavar="PATTERN",
              help="Also fetch links matching this glob (or re:REGEX); repeatable.")
@click.option("--json", "as_json", is_flag=True, help="Print sessions as JSON (each with its page).")
@pass_app
def fetch(app: App, urls: tuple[str, ...], parser_name: str, timezone: str | None, follow: tuple[str, ...],
          as_json: bool) -> None:
    """Fetch URLs now, archive every snapshot, parse and print their sessions.

    Fetches use the [fetch] settings of config.toml: retries, robots.txt, per-host
    pacing. Exit 1 when a URL failed or no page held sessions.
    """
    from scraper.config import Target
    from scraper.crawl import Crawl
    from scraper.memory import cap_malloc_arenas
    from scraper.progress import Progress

    for url in urls:
        require_http(url)
    if parser_name != "auto":
        parsers.get(parser_name)
    target = Target(name="", urls=tuple(urls), parser=parser_name, timezone=timezone, follow=follow,
                    max_depth=1 if follow else 0, max_pages=max(100, len(urls)))
    cap_malloc_arenas()  # before the worker threads start
    with app.archive() as archive:
        run_id = archive.start_run("fetch", sys.argv[1:])
        with Progress() as progress:
            crawl = Crawl(archive, app.config, run_id=run_id, on_page=progress.page, on_queue=progress.queue)
            summary = crawl.run([target])
        archive.finish_run(run_id, ok=summary.ok, counts=summary.counts())
        shown = []
        for page in summary.pages:
            if page.outcome != "failed":
                shown += [dict(s, page=page.url) for s in archive.sessions(page=page.url)]
    if as_json:
        emit_json(shown)
    elif shown:
        click.echo(sessions_table(shown))
    for failure in summary.failures:
        click.echo(f"Error: {failure.error}", err=True)
    if summary.failures:
        sys.exit(1)
    if not shown:
        raise SchedarcError(f"{', '.join(urls)}: archived, but no sessions found",
                            hint="the snapshot is kept; try --parser NAME, or check the page lists a schedule")
    click.echo(f"{len(shown)} sessions from {len(summary.pages)} pages archived in {app.db_path}", err=True)
