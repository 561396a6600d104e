"""Hostile subscription files: one clear line, never a traceback (found by the s6 audit)."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive import ConfigError
from crawler.sources.opml import read_opml
from crawler.sources.rsshub_page import read_route_list
from tests.conftest import feedvault

OPML = ('<?xml version="1.0"?><opml version="2.0" xmlns:feedvault="https://feedvault.dev/opml/1">'
        '<body><outline type="rss" text="deep" xmlUrl="https://example.com/feed" '
        'feedvault:interval="{value}"/>'
        '<outline type="rss" text="fine" xmlUrl="https://example.com/other"/></body></opml>')


@pytest.mark.parametrize("value", ["[" * 5000 + "]" * 5000, "1" * 5000])
def test_an_opml_setting_too_deep_or_too_long_skips_its_outline(value: str) -> None:
    # tomllib raised RecursionError for the nested arrays: `sources import` crashed
    found = read_opml(OPML.format(value=value).encode(), "subs.opml")
    assert [p.table["url"] for p in found.sources] == ["https://example.com/other"]
    [line] = found.problems
    assert line.startswith('subs.opml: outline "deep": not imported: feedvault:interval=')
    assert line.endswith("is not a TOML value") and len(line) < 400


def test_a_route_list_with_a_huge_number_is_refused_in_one_line(tmp_path: Path) -> None:
    data = ("diy:\n  - link: " + "1" * 5000 + "\n").encode()
    with pytest.raises(ConfigError, match="the diy: list is not valid YAML"):
        read_route_list(data, "user_config.yml")
    (tmp_path / "feedvault.toml").write_text('[archive]\npath = "posts"\n', encoding="utf-8")
    (tmp_path / "user_config.yml").write_bytes(data)
    result = feedvault("sources", "import", "user_config.yml", "--dry-run", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "user_config.yml: the diy: list is not valid YAML" in result.stderr
