"""Editing feedvault.toml's `[[sources]]` blocks: the rest of the file stays byte for byte."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archive import ConfigError
from crawler.sources import with_sources, without_source
from crawler.sources.blocks import source_blocks
from tests.conftest import feedvault

PATH = Path("/nowhere/feedvault.toml")

TRICKY = '''\
# top
[archive]
path = "posts"  # [[sources]] in a comment

[[sources]]
# a: first
name = "a"
url = "https://a.example/feed"
author = """
[[sources]]
name = "fake"
"""
[sources.backfill]
sitemap = "https://a.example/sitemap.xml"

# about b, right above its header
[[sources]]
name = "b"
url = 'https://b.example/feed'
remove = [
  ".x",
  "[data-ad]",
]

# crawl settings

[crawl]
interval = "1h"

[[ sources ]]  # c comes after [crawl]
name = "c"
url = "https://c.example/feed"
'''


def test_blocks_skip_strings_arrays_and_comments() -> None:
    blocks = source_blocks(TRICKY)
    assert [TRICKY[b.start:b.end].split("\n")[0:3] for b in blocks] == [
        ["[[sources]]", "# a: first", 'name = "a"'],
        ["# about b, right above its header", "[[sources]]", 'name = "b"'],
        ["[[ sources ]]  # c comes after [crawl]", 'name = "c"', 'url = "https://c.example/feed"'],
    ]


@pytest.mark.parametrize(("name", "expected"), [
    ("a", TRICKY.replace(TRICKY[TRICKY.index("[[sources]]\n# a"):TRICKY.index("# about b")], "")),
    ("b", TRICKY.replace(TRICKY[TRICKY.index("# about b"):TRICKY.index("# crawl")], "")),
    ("c", TRICKY[:TRICKY.index("\n[[ sources ]]")]),
])
def test_remove_cuts_exactly_the_block(name: str, expected: str) -> None:
    new = without_source(TRICKY, PATH, name)
    assert new == expected
    assert [s["name"] for s in tomllib.loads(new)["sources"]] == \
        [n for n in "abc" if n != name]


def test_add_goes_after_the_last_block() -> None:
    new = with_sources(TRICKY, PATH, [{"name": "d", "url": "https://d.example/f",
                                       "categories": ["x \"y\""]}])
    assert new == TRICKY + '\n[[sources]]\nname = "d"\nurl = "https://d.example/f"\n' \
        'categories = ["x \\"y\\""]\n'
    text = TRICKY.split("\n# crawl")[0] + "\n"  # sources last but one table follows
    middle = with_sources(text + "[scrapy]\nX = 1\n", PATH, [{"name": "d", "url": "https://d/"}])
    assert middle == text + '[[sources]]\nname = "d"\nurl = "https://d/"\n\n[scrapy]\nX = 1\n'


def test_inline_sources_are_refused_with_a_way_out() -> None:
    with pytest.raises(ConfigError, match="inline array"):
        with_sources('sources = [{name = "a", url = "https://a/"}]\n[archive]\npath = "p"\n',
                     PATH, [{"name": "d", "url": "https://d/"}])


_COMMENT = st.text(st.characters(codec="utf-8", exclude_characters="\r\n\x00\x7f",
                                 exclude_categories=("Cc", "Cs")), max_size=12)


@given(st.lists(st.tuples(st.booleans(), _COMMENT, st.booleans()), min_size=1, max_size=5),
       st.data())
def test_remove_leaves_the_other_blocks_as_they_were(shapes: list[tuple[bool, str, bool]],
                                                     data: st.DataObject) -> None:
    blocks = []
    for number, (commented, comment, blank) in enumerate(shapes):
        above = f"# {comment}\n" if commented else ""
        blocks.append(f'{above}[[sources]]\nname = "s{number}"\nurl = "https://s{number}/"\n'
                      + ("\n" if blank else ""))
    head = '[archive]\npath = "p"\n\n'
    victim = data.draw(st.integers(0, len(blocks) - 1))
    new = without_source(head + "".join(blocks), PATH, f"s{victim}")
    kept = "".join(b for i, b in enumerate(blocks) if i != victim)
    if victim == len(blocks) - 1:  # the last block: no blank lines left at the end
        assert new == (head + kept).rstrip("\n") + "\n"
    else:
        assert new == head + kept


def test_remove_keeps_the_archive_and_says_so(tmp_path: Path) -> None:
    config = tmp_path / "feedvault.toml"
    config.write_text(TRICKY, encoding="utf-8")
    config.chmod(0o600)
    result = feedvault("sources", "remove", "b", "--config", config)
    assert result.returncode == 0, result.stderr
    assert "its archived files are kept; --purge deletes them" in result.stdout
    assert config.read_text(encoding="utf-8") == without_source(TRICKY, PATH, "b")
    assert config.stat().st_mode & 0o777 == 0o600  # a file with cookies stays private
    result = feedvault("sources", "remove", "b", "--config", config)
    assert result.returncode == 2 and "no source named 'b'" in result.stderr
