"""Front matter: YAML and TOML blocks, their dates and authors, and malformed ones."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scraper.errors import ParseError
from scraper.frontmatter import has_front_matter, split_front_matter


def test_yaml_front_matter_and_body() -> None:
    text = "---\ntitle: Plans\ndate: 2013-03-26 14:35:39+00:00\nauthor: Teri Elniski\n---\n\nHello\n"
    front = split_front_matter(text, "post.md")
    assert front.present and front.body == "\nHello\n"
    assert front.text("title") == "Plans" and front.text("author") == "Teri Elniski"
    assert front.moment() == datetime(2013, 3, 26, 14, 35, 39, tzinfo=UTC)


def test_dates_as_dates_strings_and_missing() -> None:
    assert split_front_matter("---\ndate: 2024-02-20\n---\n", "a").moment() == datetime(2024, 2, 20)
    assert split_front_matter("---\ndate: '2019-05-02T09:12:00Z'\n---\n", "a").moment() == datetime(
        2019, 5, 2, 9, 12, tzinfo=UTC
    )
    assert split_front_matter("---\ndate: soon\n---\n", "a").moment() is None
    assert split_front_matter("---\ntitle: x\n---\n", "a").moment() is None


def test_author_as_mapping_or_list() -> None:
    assert split_front_matter("---\nauthor:\n  name: Siobhán Kelly\n---\n", "a").text("author") == "Siobhán Kelly"
    assert split_front_matter("---\nauthor: [A B, C D]\n---\n", "a").text("author") == "A B, C D"


def test_toml_front_matter() -> None:
    front = split_front_matter('+++\ntitle = "Hugo post"\ndate = 2020-01-02T03:04:05Z\n+++\nBody', "b.md")
    assert front.text("title") == "Hugo post" and front.body == "Body"
    assert front.moment() == datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_no_front_matter_is_all_body() -> None:
    front = split_front_matter("# Title\n\ntext", "c.md")
    assert not front.present and front.body == "# Title\n\ntext" and dict(front.meta) == {}
    assert not has_front_matter("---\n\nJust a rule above a paragraph.\n")
    assert split_front_matter("---\n\nJust a rule.\n", "c.md").body.startswith("---")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("---\ntitle: [unclosed\ndate: 2013-03-26\n---\nbody", r"post\.md: front matter is not valid YAML at line \d+"),
        ("---\ntitle: a: b: c\n---\nbody", "post.md: front matter is not valid YAML"),
        ("---\n- just\n- a list\n---\nbody", "post.md: front matter is a list"),
        ("---\ntitle: never closed\n\nbody text\n", "post.md: front matter opens with '---' but never closes"),
        ('+++\ntitle = "x\n+++\nbody', "post.md: front matter is not valid TOML"),
    ],
)
def test_malformed_front_matter_is_a_parse_error(text: str, problem: str) -> None:
    with pytest.raises(ParseError, match=problem) as caught:
        split_front_matter(text, "post.md")
    assert caught.value.hint


def test_yaml_is_loaded_safely() -> None:
    with pytest.raises(ParseError, match="not valid YAML"):
        split_front_matter("---\nx: !!python/object/apply:os.system ['true']\n---\n", "evil.md")
