"""lxml helpers: finding elements by id."""

from __future__ import annotations

import lxml.etree

from scraper.parsers import markup

PAGE = (
    '<html><body><a name="x">anchor</a><div id="outer"><p id="x">first x</p><div id="x">second x</div>'
    '<span id="inner">in</span></div><p id="late">late</p><div id="d">one</div><div id="d">two</div></body></html>'
)


def tree() -> markup.Element:
    return lxml.etree.fromstring(PAGE, lxml.etree.HTMLParser())


def test_by_id_finds_the_first_element_with_that_id_and_not_an_anchor_name() -> None:
    root = tree()
    found = markup.by_id(root, "x")
    assert found is not None and (found.tag, found.text) == ("p", "first x")
    duplicate = markup.by_id(root, "d")
    assert duplicate is not None and duplicate.text == "one"
    assert markup.by_id(root, "missing") is None and markup.by_id(root, "a b") is None


def test_by_id_looks_only_inside_the_element_given() -> None:
    root = tree()
    outer = markup.by_id(root, "outer")
    assert outer is not None
    inner = markup.by_id(outer, "inner")
    assert inner is not None and inner.text == "in"
    assert markup.by_id(outer, "late") is None  # in the document, not inside outer
    assert markup.by_id(outer, "outer") is None  # the element itself is not inside itself
