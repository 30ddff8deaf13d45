"""Charset sniffing: BOM, Content-Type, in-document declarations, then detection."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from scraper.encoding import decode, sniff

FRENCH = ("<html><body><p>Café au lait à Zürich : première journée du congrès, ouverture à 9h, "
          "déjeuner à midi, clôture à 18h.</p></body></html>")
RUSSIAN = ("<html><body><p>Расписание конференции: доклад в главном зале в десять часов утра, "
           "затем обед и вечерняя секция о базах данных.</p></body></html>")


def test_header_charset_is_used() -> None:
    text = "<p>Zażółć gęślą jaźń</p>"
    assert decode(text.encode("iso-8859-2"), "text/html; charset=ISO-8859-2") == (text, "iso8859-2")
    assert decode(text.encode("utf-8"), 'text/html; charset="utf-8"') == (text, "utf-8")


def test_header_beats_a_contradicting_meta() -> None:
    body = '<meta charset="utf-8"><p>Grüße</p>'.encode("cp1252")
    assert decode(body, "text/html; charset=windows-1252")[0] == '<meta charset="utf-8"><p>Grüße</p>'


def test_latin1_label_means_windows_1252_as_in_browsers() -> None:
    body = "“Keynote” – Zürich".encode("cp1252")
    assert decode(body, "text/html; charset=iso-8859-1") == ("“Keynote” – Zürich", "cp1252")
    # bytes windows-1252 leaves undefined pass through as C1 controls, not U+FFFD
    assert decode(b"a\x81b", "text/plain; charset=latin1")[0] == "a\x81b"


@pytest.mark.parametrize("bom, codec", [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                                        (codecs.BOM_UTF16_BE, "utf-16-be")])
def test_bom_wins_and_is_stripped(bom: bytes, codec: str) -> None:
    text = "<p>Zażółć — 東京</p>"
    body = bom + text.encode(codec)
    assert decode(body, None) == (text, codec)
    assert decode(body, "text/html; charset=iso-8859-1") == (text, codec)  # a BOM cannot lie


@pytest.mark.parametrize("head", [
    '<html><head><meta charset="iso-8859-2">',
    "<html><head><meta charset=iso-8859-2 />",
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-2">',
    '<?xml version="1.0" encoding="ISO-8859-2"?>',
])
def test_in_document_declarations(head: str) -> None:
    text = head + "<p>Zażółć gęślą jaźń</p>"
    assert decode(text.encode("iso-8859-2"), "text/html") == (text, "iso8859-2")


def test_meta_claiming_utf16_means_utf8() -> None:
    text = '<meta charset="utf-16"><p>Grüße</p>'
    assert decode(text.encode("utf-8"), None) == (text, "utf-8")


def test_unknown_label_falls_through_to_the_next_clue() -> None:
    text = '<meta charset="iso-8859-2"><p>Zażółć</p>'
    assert decode(text.encode("iso-8859-2"), "text/html; charset=klingon") == (text, "iso8859-2")


@pytest.mark.parametrize("text, codec, expected", [
    (FRENCH, "latin-1", "cp1252"),
    (RUSSIAN, "cp1251", "cp1251"),
    ("<p>plain ascii</p>", "ascii", "utf-8"),
    ("<p>Grüße aus München — 東京</p>", "utf-8", "utf-8"),
])
def test_detection_without_any_declaration(text: str, codec: str, expected: str) -> None:
    body = text.encode(codec)
    assert decode(body, "text/html") == (text, expected)
    assert sniff(body, None) == expected


def test_never_raises_on_bad_bytes() -> None:
    text, codec = decode(b"<p>\xff\xfe broken \xc3</p>", "text/html; charset=utf-8")
    assert codec == "utf-8" and "\ufffd" in text and text.startswith("<p>")
    assert decode(b"", None) == ("", "utf-8")


def test_corpus_files_decode(corpus: Path) -> None:
    files = [p for p in sorted(corpus.iterdir()) if p.is_file()]
    assert files
    for path in files:
        body = path.read_bytes()
        text, codec = decode(body, None)
        try:
            expected = body.decode("utf-8-sig")
        except UnicodeDecodeError:
            continue  # not UTF-8: decoding without an exception is all we ask
        assert (text, codec) == (expected, "utf-8"), path.name
