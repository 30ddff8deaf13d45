"""config.toml: defaults, targets, and errors that name the file, the key and the fix."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from scraper.config import load, parse_every
from scraper.errors import ConfigError

REPO = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load(write(tmp_path, text), required=True)
    assert caught.value.exit_code == 2
    return str(caught.value)


def test_bundled_config_is_valid_and_matches_defaults() -> None:
    config = load(REPO / "config.toml", required=True)
    assert config.targets == ()
    assert config.fetch.delay_per_host == 1.0
    assert config.fetch.workers == 8
    assert config.archive_path == REPO / "schedarc.db"


def test_missing_default_file_gives_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load(None)
    assert config.source is None
    assert str(config.archive_path) == "schedarc.db"


def test_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load(tmp_path / "nope.toml", required=True)


def test_targets_and_overrides(tmp_path: Path) -> None:
    path = write(tmp_path, """
[archive]
path = "data/arc.db"
[fetch]
delay_per_host = 0.5
[[targets]]
name = "summit"
url = "https://example.org/post"
timezone = "America/Los_Angeles"
every = "6h"
follow = ["https://*.sched.org/event/*", "re:^https://example\\\\.org/talk/"]
max_depth = 2
[targets.fetch]
retries = 1
[[targets]]
name = "feed"
urls = ["https://a.example/all.ics", "https://b.example/all.ics"]
""")
    config = load(path, required=True)
    assert config.archive_path == tmp_path / "data" / "arc.db"
    summit, feed = config.targets
    assert summit.every == timedelta(hours=6)
    assert summit.max_depth == 2
    assert config.fetch_for(summit).retries == 1
    assert config.fetch_for(summit).delay_per_host == 0.5
    assert config.fetch_for(feed).retries == 3
    assert feed.urls == ("https://a.example/all.ics", "https://b.example/all.ics")
    assert config.target("feed") is feed


@pytest.mark.parametrize(("text", "message"), [
    ('[fetch]\ntimeot = 3\n', "[fetch]: timeot: unknown key (remove it, or use one of:"),
    ('[fetch]\ntimeout = "3"\n',
     "[fetch]: timeout: expected an integer or a number, got str '3' (write timeout = 30.0)"),
    ('[fetch]\nobey_robots = 1\n', "[fetch]: obey_robots: expected true or false, got int 1"),
    ('[[targets]]\nname = "a"\nurl = "https://x.example/"\nevery = "soon"\n',
     "[[targets]] 'a': every: not a duration: 'soon' (write a number and a unit, e.g. every = \"15m\""),
    ('[[targets]]\nname = "a"\nurl = "https://x.example/"\ntimezone = "Mars/Olympus"\n',
     "[[targets]] 'a': timezone: unknown time zone 'Mars/Olympus'"),
    ('[[targets]]\nname = "a"\nurl = "https://x.example/"\n[[targets]]\nname = "a"\nurl = "https://y.example/"\n',
     "[[targets]]: duplicate name 'a' (give every target its own name)"),
    ('[[targets]]\nname = "a"\n', "[[targets]] 'a': url: missing"),
    ('[[targets]]\nname = "a"\nurl = "ftp://x.example/"\n', "not an http(s) URL: 'ftp://x.example/'"),
    ('[[targets]]\nname = "a"\nurl = "https://x.example/"\nfollow = ["re:("]\n', "follow: bad regular expression"),
    ('[notify]\ncommand = "mail me"\n',
     '[notify]: command: expected a list (run without a shell) (write command = ["mail", "me"])'),
    ('[archive]\npth = "x.db"\n', "[archive]: pth: unknown key"),
    ('[fetch]\nworkers = 0\n', "[fetch]: workers: must be at least 1"),
    ('[fetch]\ntimeout = -1\n', "[fetch]: timeout: must not be negative"),
    ('[fetch\n', "not valid TOML"),
    ('surprise = 1\n', "surprise: unknown key"),
])
def test_errors_name_file_key_and_fix(tmp_path: Path, text: str, message: str) -> None:
    error = error_of(tmp_path, text)
    assert str(tmp_path / "config.toml") in error
    assert message in error


@pytest.mark.parametrize(("text", "seconds"), [("15m", 900), ("6h", 21600), ("1d", 86400), ("90s", 90),
                                               ("1w", 604800), ("1.5h", 5400)])
def test_parse_every(text: str, seconds: int) -> None:
    assert parse_every(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["", "0m", "6", "h", "6 hours", "-1h"])
def test_parse_every_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_every(text)
