"""Text helpers: normalisation, speaker splitting, "Title — Speaker" lines."""

from __future__ import annotations

import re

import pytest

from scraper.text import (
    clean,
    clean_or_none,
    is_placeholder,
    looks_like_name,
    split_marks,
    split_people,
    split_speakers,
    split_title_speakers,
)


def test_clean_unescapes_and_collapses() -> None:
    assert clean("  Rock&amp;Roll\u00a0 &#8211;\n live ") == "Rock&Roll – live"
    assert clean(None) == "" and clean_or_none("  ") is None


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("Randy Bias and Eric Windisch", ["Randy Bias", "Eric Windisch"]),
        ("A. Person, B. Person & C. Person", ["A. Person", "B. Person", "C. Person"]),
        ("Jane Doe; John Roe", ["Jane Doe", "John Roe"]),
        ("Kenji Watanabe (Sample Guild)", ["Kenji Watanabe"]),
        ("Tomás Ortega [Acme], Mei Chen (Moderator)", ["Tomás Ortega", "Mei Chen"]),
        ("Everett Toews and anyone else who wants to join", ["Everett Toews"]),
        ("Jane Doe and friends", ["Jane Doe"]),
        ("TBA", []),
        ("Jane Doe, Jane Doe", ["Jane Doe"]),
        ("", []),
    ],
)
def test_split_speakers(line: str, names: list[str]) -> None:
    assert split_speakers(line) == names


@pytest.mark.parametrize(
    "value", ["", "Ann", "Ann; Bob", " Ann  &\tBob ; ", "a ; ; b", ";", "&&", "Q&A\u3000;\u00a0x", "\nAnn;Bob\n"]
)
def test_split_marks_splits_like_the_regex_it_replaces(value: str) -> None:
    assert split_marks(value) == re.split(r"\s*[;&]\s*", value)


def test_split_people_keeps_names_and_drops_companies() -> None:
    assert split_people("Jane Doe, CTO, Acme; John Roe & Ann Lee, Initech") == ["Jane Doe", "John Roe", "Ann Lee"]
    assert split_people("TBD, Somewhere") == []


@pytest.mark.parametrize(
    ("text", "title", "names"),
    [
        ("PANEL: Vendor discussion about RAs -> battle for a winner — Randy Bias",
         "PANEL: Vendor discussion about RAs -> battle for a winner", ["Randy Bias"]),
        ("Scale-out Block Storage: There's a Reason AWS EBS Looks the Way it Does — Randy Bias and Eric Windisch ",
         "Scale-out Block Storage: There's a Reason AWS EBS Looks the Way it Does", ["Randy Bias", "Eric Windisch"]),
        ("Keynote – Guido van Rossum", "Keynote", ["Guido van Rossum"]),
        ("Zero-copy parsing - Marco Bianchi & Julia Nowak", "Zero-copy parsing", ["Marco Bianchi", "Julia Nowak"]),
        # the tail is not people: the title stays whole
        ("Intro - Part Two", "Intro - Part Two", []),
        ("Rust — the good parts", "Rust — the good parts", []),
        ("Day 2 — Room 4", "Day 2 — Room 4", []),
        ("Scale-out storage", "Scale-out storage", []),
    ],
)  # fmt: skip
def test_split_title_speakers(text: str, title: str, names: list[str]) -> None:
    assert split_title_speakers(text) == (title, names)


def test_split_title_speakers_with_the_sched_convention() -> None:
    text = "Cloud Native Storage - Jane Doe, Acme & John Roe, Initech"
    assert split_title_speakers(text, split_people) == ("Cloud Native Storage", ["Jane Doe", "John Roe"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Randy Bias", True), ("Guido van Rossum", True), ("Inês Duarte", True), ("Madonna", True),
     ("Part Two", False), ("the good parts", False), ("Room 4", False), ("anyone else", False),
     ("A Very Long Name With Too Many Words", False), ("", False)],
)  # fmt: skip
def test_looks_like_name(text: str, expected: bool) -> None:
    assert looks_like_name(text) is expected


def test_is_placeholder() -> None:
    assert is_placeholder("anyone else who wants to join")
    assert is_placeholder("et al.") and is_placeholder("TBD") and is_placeholder("")
    assert not is_placeholder("Everett Toews")
