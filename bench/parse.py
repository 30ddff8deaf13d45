"""Parse speed: every parser on its largest real files and on generated pages, beside a floor.

Each page is decoded once into a Document; the timed call is ``parser.parse(doc)`` with the
parser forced (detection is timed separately, per page, because a crawl pays it for every
page whose target says ``parser = "auto"``). Rates are medians over repeats, so the
parsers' small caches are warm, as they are a few pages into a crawl.

The floor beside each page is the least any parser must do to it: for HTML, build a tree
and find every anchor (selectolax's lexbor, and lxml); for XML, an lxml tree; for JSON,
``json.loads``; for iCalendar, unfolding and splitting the lines; for CSV, ``csv.reader``;
for Markdown, markdown-it's token stream.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import lxml.etree

from bench.measure import best_rate
from bench.report import Row, fmt
from bench.sitegen import MEDIA_TYPES, build
from scraper import parsers
from scraper.document import from_bytes
from scraper.errors import SchedarcError
from scraper.models import Document

SECTION = "parse"
TARGET_MB_S = 20.0
LARGE = 100_000  # bytes: the target applies to pages over this
PER_PARSER = 2  # largest real files per parser
SKIPPED = {"README.md", "SOURCES.tsv"}


@dataclass(frozen=True)
class Sample:
    label: str
    doc: Document
    parser: str

    @property
    def size(self) -> int:
        return len(self.doc.body)


def _selectolax(text: str) -> object:
    from selectolax.lexbor import LexborHTMLParser

    return LexborHTMLParser(text).css("a")


def _lxml_html(text: str) -> object:
    root = lxml.etree.fromstring(text, lxml.etree.HTMLParser(no_network=True))
    return list(root.iter("a")) if root is not None else []


def _ics(text: str) -> object:
    return [line.split(":", 1) for line in text.replace("\r\n ", "").replace("\n ", "").splitlines()]


def _markdown(text: str) -> object:
    from markdown_it import MarkdownIt

    return MarkdownIt().parse(text)


def floors(doc: Document) -> list[tuple[str, Callable[[], object]]]:
    """The floor operations that fit this document's format."""
    text, head = doc.text, doc.text[:200].lstrip().lower()
    if head.startswith("begin:vcalendar"):
        return [("unfold+split", lambda: _ics(text))]
    if head.startswith(("{", "[")):
        return [("json.loads", lambda: json.loads(text))]
    if head.startswith("<?xml") or doc.media_type in ("application/xml", "text/xml"):
        return [("lxml XML", lambda: lxml.etree.fromstring(doc.body))]
    if doc.media_type == "text/csv" or doc.url.endswith(".csv"):
        return [("csv.reader", lambda: list(csv.reader(io.StringIO(text))))]
    if head.startswith("<"):
        return [("selectolax", lambda: _selectolax(text)), ("lxml", lambda: _lxml_html(text))]
    return [("markdown-it", lambda: _markdown(text))]


def corpus_samples(corpus: Path) -> list[Sample]:
    """The largest real files each parser claims, with the corpus's own hints."""
    claimed: dict[str, list[Sample]] = {}
    for path in sorted(p for p in corpus.glob("*") if p.is_file() and p.name not in SKIPPED):
        hints: dict[str, str] = {}
        expected = corpus / "expected" / f"{path.name}.json"
        if expected.exists():
            hints = json.loads(expected.read_text()).get("hints") or {}
        media = MEDIA_TYPES.get({"ics": "ics", "xml": "xml"}.get(path.suffix.lstrip("."), ""), None)
        if path.suffix == ".json":
            media = "application/json"
        elif path.suffix == ".csv":
            media = "text/csv"
        elif path.suffix in (".md", ".markdown"):
            media = "text/markdown"
        doc = from_bytes(hints.get("base_url") or path.as_uri(), path.read_bytes(), content_type=media,
                         timezone=hints.get("timezone"), base_url=hints.get("base_url"))
        try:
            name = parsers.pick(doc).name
        except SchedarcError:
            continue
        label = path.name if len(path.name) <= 40 else path.name[:37] + "..."
        claimed.setdefault(name, []).append(Sample(f"{label} (real)", doc, name))
    out: list[Sample] = []
    for name in sorted(claimed):
        out += sorted(claimed[name], key=lambda s: -s.size)[:PER_PARSER]
    return out


def generated_samples() -> list[Sample]:
    """One page of each kind from the benchmark site."""
    site = build(500, ("http://127.0.0.1:8000",))
    wanted = {"full": "sched", "list": "sched", "event": "sched", "ics": "ical", "frab": "frab", "post": "blogpost"}
    out = []
    for kind, parser in wanted.items():
        page = next(p for p in site.pages if p.kind == kind)
        doc = from_bytes(site.url(page), site.render(page), content_type=MEDIA_TYPES[page.file_type],
                         timezone="America/Chicago")
        out.append(Sample(f"{kind} page (generated)", doc, parser))
    return out


def measure(sample: Sample) -> Row:
    parser = parsers.get(sample.parser)
    try:
        sessions = len(parser.parse(sample.doc).sessions)
    except SchedarcError as exc:
        return Row(SECTION, f"{sample.parser}: {sample.label}", f"parse failed: {exc}")
    mb = sample.size / 1e6
    rate = best_rate(lambda: parser.parse(sample.doc), size=mb)
    detect = best_rate(lambda: parsers.scores(sample.doc), size=1.0)
    floor = ", ".join(f"{name} {fmt(best_rate(action, size=mb))}" for name, action in floors(sample.doc))
    value = (f"{fmt(rate)} MB/s, {fmt(rate / mb * sessions, 0)} sessions/s ({sessions} sessions); "
             f"floor MB/s: {floor}; detect all parsers {fmt(1e3 / detect, 2)} ms")
    large = sample.size > LARGE
    return Row(SECTION, f"{sample.parser}: {sample.label}, {sample.size / 1e3:.0f} KB", value,
               f">= {TARGET_MB_S:g} MB/s" if large else "", rate >= TARGET_MB_S if large else None)


def rows(corpus: Path | None) -> list[Row]:
    logging.getLogger("scraper").setLevel(logging.ERROR)  # parser warnings are not the point here
    samples = generated_samples()
    if corpus is not None and corpus.is_dir():
        samples = corpus_samples(corpus) + samples
    else:
        samples_note = Row(SECTION, "real corpus", f"not found at {corpus}; generated pages only")
        return [samples_note, *map(measure, samples)]
    return [measure(s) for s in samples]
