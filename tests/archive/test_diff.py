"""Noise rules: what counts as a change to a session and what does not."""

from __future__ import annotations

import html
import json
import sqlite3
from contextlib import closing

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archive.diff import (
    FIELDS,
    added_fields,
    canonical,
    carry_forward,
    changed_fields,
    changed_sql,
    is_noise_param,
    pack_changed,
    text_key,
    unpack_changed,
    url_key,
)
from archive.errors import ArchiveError


def fields(**values: object) -> dict[str, object]:
    return canonical({"uid": "x", "title": "T", **values})[1]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("https://e.org/talk/7", "https://e.org/talk/7#details"),
        ("https://e.org/talk/7?utm_source=x&utm_medium=rss", "https://e.org/talk/7"),
        ("https://e.org/s.ics?_=1712345678", "https://e.org/s.ics?_=1712349999"),
        ("https://e.org/a?id=1&v=3", "https://e.org/a?id=1&v=4.0.1"),
        ("https://e.org/a?cb=abc&ts=20260401", "https://e.org/a"),
        ("https://E.org/a?fbclid=zzz", "https://e.org/a"),
        ("https://e.org", "https://e.org/"),
        ("https://e.org/a?x=1&amp;y=2", "https://e.org/a?x=1&y=2"),
    ],
)
def test_url_noise(old: str, new: str) -> None:
    assert url_key(old) == url_key(new)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://www.youtube.com/watch?v=oHg5SJYRHA0"),
        ("https://e.org/talk?id=7", "https://e.org/talk?id=8"),
        ("https://e.org/talk/7", "https://e.org/talk/8"),
        ("http://e.org/a", "https://e.org/a"),
    ],
)
def test_url_changes_that_matter(old: str, new: str) -> None:
    assert url_key(old) != url_key(new)


def test_noise_params() -> None:
    assert is_noise_param("utm_campaign", "spring")
    assert is_noise_param("v", "1712345678") and not is_noise_param("v", "dQw4w9WgXcQ")
    assert not is_noise_param("id", "1")


def test_text_noise() -> None:
    assert text_key("Ops &amp; Scale") == text_key(" Ops  &  Scale\n") == "Ops & Scale"
    assert text_key("ﬁle") == text_key("file")  # NFKC
    assert text_key(None) == text_key("") == ""
    assert text_key("Keynote") != text_key("KEYNOTE")  # a recased title is an edit


def test_changed_fields_ignore_noise_and_see_edits() -> None:
    old = fields(
        title="State of the Stack",
        speakers=["Randy Bias", "Eric Windisch"],
        start="2026-05-12T11:00:00-07:00",
        room="Room B",
        description="Line one.\n\nLine two.",
    )
    noisy = fields(
        title="State of the  Stack",
        speakers=["eric windisch", "Randy Bias"],
        start="2026-05-12T18:00:00+00:00",
        room="Room&#160;B".replace("&#160;", " "),
        description="Line one. Line two.",
    )
    assert changed_fields(old, noisy) == []
    edited = fields(
        title="State of the Stack",
        speakers=["Randy Bias"],
        start="2026-05-12T11:30:00-07:00",
        room="Room C",
        description="Line one.\n\nLine two.",
    )
    assert changed_fields(old, edited) == ["speakers", "start", "room"]


def test_carry_forward_keeps_old_spelling_of_unchanged_fields() -> None:
    old = fields(title="Ops &amp; Scale", room="A")
    new = fields(title="Ops & Scale", room="B")
    stored = carry_forward(old, new, changed_fields(old, new))
    assert (stored["title"], stored["room"]) == ("Ops &amp; Scale", "B")
    assert changed_fields(old, stored) == ["room"]


def test_canonical_session() -> None:
    uid, got = canonical(
        {
            "uid": " 42 ",
            "title": "  Opening\n Keynote ",
            "speakers": ["Ada  Park", "", "ADA PARK", "Bo Li"],
            "start": "2026-05-12T09:00:00",
            "end": "2026-05-12T16:45:00Z",
            "timezone": "America/Los_Angeles",
            "room": " ",
            "description": "  First line.\nSecond line.  ",
            "extra": "ignored",
        },
        default_event="Summit",
    )
    assert uid == "42"
    assert got == {
        "title": "Opening Keynote",
        "speakers": ["Ada Park", "Bo Li"],
        "start": "2026-05-12T09:00:00-07:00",
        "end": "2026-05-12T16:45:00+00:00",
        "timezone": "America/Los_Angeles",
        "room": None,
        "track": None,
        "url": None,
        "description": "First line.\nSecond line.",
        "event": "Summit",
    }
    assert added_fields(got) == ["title", "speakers", "start", "end", "timezone", "description", "event"]


def test_times_without_zone_or_iso_are_kept() -> None:
    assert fields(start="2026-05-12")["start"] == "2026-05-12"
    assert fields(start="2026-05-12T09:00:00")["start"] == "2026-05-12T09:00:00"  # no zone to resolve it
    assert fields(start="Tuesday 9am")["start"] == "Tuesday 9am"
    assert fields(start="2026-05-12T09:00:00", timezone="Not/AZone")["start"] == "2026-05-12T09:00:00"


def test_sessions_need_a_uid_and_list_speakers() -> None:
    with pytest.raises(ArchiveError, match="no uid"):
        canonical({"title": "T"})
    with pytest.raises(ArchiveError, match="list of names"):
        canonical({"uid": "1", "title": "T", "speakers": 3})
    assert canonical({"uid": 7, "title": "T", "speakers": "Solo Person"})[1]["speakers"] == ["Solo Person"]


# "&" is left out: a literal "&amp;" in a title is text, and escaping it again is a real edit.
printable = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="&"), min_size=1, max_size=40
)


@given(title=printable, room=printable, speaker=printable)
def test_whitespace_and_entities_never_change_a_session(title: str, room: str, speaker: str) -> None:
    plain = fields(title=title, room=room, speakers=[speaker])
    respelled = fields(
        title=f"  {html.escape(title)}\n",
        room=" \t".join(room.split(" ")),
        speakers=[f" {html.escape(speaker, quote=True)} "],
    )
    assert changed_fields(plain, respelled) == []


@given(a=printable, b=printable)
def test_different_titles_are_a_change(a: str, b: str) -> None:
    if text_key(a) != text_key(b):
        assert changed_fields(fields(title=a), fields(title=b)) == ["title"]
    assert set(changed_fields(fields(title=a), fields(title=b))) <= set(FIELDS)


@pytest.mark.parametrize("names", [[], ["title"], ["start", "room"], list(FIELDS)])
def test_changed_fields_pack_into_a_mask_that_views_read_as_json(names: list[str]) -> None:
    mask = pack_changed(names)
    assert unpack_changed(mask) == names
    with closing(sqlite3.connect(":memory:")) as conn:
        assert conn.execute(f"SELECT {changed_sql('?1')}", [mask]).fetchone()[0] == json.dumps(names)
