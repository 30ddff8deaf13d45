"""atheris (libFuzzer) target: the first byte picks a parser and a media type, the rest is
the body. Anything but ParseError escaping is a crash libFuzzer records.

Run by tests/reliability/test_fuzz.py; by hand: ``python tests/reliability/atheris_target.py -runs=100000``.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports(include=["scraper"]):
    from scraper import parsers
    from scraper.document import from_bytes
    from scraper.errors import ParseError
    from scraper.links import extract_links

NAMES = ["auto", *parsers.names()]
MEDIA = ["", "text/html", "application/xml", "application/json", "text/calendar", "text/plain"]


def one_input(data: bytes) -> None:
    if not data:
        return
    selector, body = data[0], data[1:]
    name = NAMES[selector % len(NAMES)]
    media = MEDIA[(selector // len(NAMES)) % len(MEDIA)]
    doc = from_bytes("https://fuzz.example.org/s/", body, content_type=media or None, timezone="UTC")
    extract_links(doc)
    if name != "auto":
        score = parsers.get(name).detect(doc)
        if not 0.0 <= score <= 1.0:
            raise AssertionError(f"{name}.detect gave {score!r}")
    try:
        parsers.parse(doc, name)
    except ParseError:
        pass


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
