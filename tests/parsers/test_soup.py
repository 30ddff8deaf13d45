"""bs4 loads without soupsieve, and CSS selection still works when something asks for it."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.conftest import REPO

_PROBE = textwrap.dedent("""
    import sys
    from scraper.models import Document
    from scraper.parsers import get
    post = Document(url="https://blog.example.org/2026/04/our-talks",
                    text="<html><body><article><h1>Our talks</h1><p>April 16, 1:50 pm:"
                         " <a href='https://x.sched.com/event/1'>Scaling the archive</a>,"
                         " Ada Lovelace</p></article></body></html>",
                    media_type="text/html", timezone="UTC", year=2026)
    sessions = get("blogpost").parse(post).sessions
    print(len(sessions), "soupsieve" in sys.modules)
    from scraper.parsers._soup import BeautifulSoup
    soup = BeautifulSoup("<p class='a'>x</p><p>y</p>", "lxml")
    print(len(soup.select("p.a")), "soupsieve" in sys.modules)
""")


def test_a_blog_post_parses_without_loading_soupsieve_and_select_loads_it_on_demand() -> None:
    done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, cwd=REPO,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["1 False", "1 True"]
    assert "soupsieve" not in done.stderr  # no "soupsieve is not installed" warning leaks out


def test_bs4_loaded_first_the_ordinary_way_is_left_alone() -> None:
    probe = "import bs4, sys\nimport scraper.parsers._soup as s\nprint(type(bs4.css.soupsieve).__name__)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "module"
