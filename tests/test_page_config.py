"""The source keys for full text: valid values load, invalid ones name file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive import ConfigError
from crawler.config import load_config
from tests.conftest import write_config


def test_page_keys_load(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, [{
        "name": "a", "url": "https://example.org/feed", "full_text": True,
        "content_selector": "article .body", "next_page": "xpath://a[@rel='next']",
        "prefer_page": True}]))
    source = config.source("a")
    assert (source.full_text, source.content_selector, source.next_page, source.prefer_page) \
        == (True, "article .body", "xpath://a[@rel='next']", True)
    plain = load_config(write_config(tmp_path, [{"name": "b", "url": "https://e.org/f"}],
                                     follow_pages=True))
    assert plain.source("b").full_text is None and plain.source("b").prefer_page is False


@pytest.mark.parametrize(("key", "value", "message"), [
    ("full_text", "yes", "full_text: expected true or false"),
    ("prefer_page", 1, "prefer_page: expected true or false"),
    ("content_selector", "div[", "content_selector: 'div[' is not a CSS selector"),
    ("next_page", "xpath://a[", "next_page: 'xpath://a[' is not an XPath expression"),
    ("content_selector", "", "content_selector: expected a non-empty string"),
])
def test_bad_page_key_names_file_line_and_key(tmp_path: Path, key: str, value: object,
                                              message: str) -> None:
    path = write_config(tmp_path, [{"name": "a", "url": "https://example.org/feed",
                                    key: value}])
    with pytest.raises(ConfigError) as error:
        load_config(path)
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1)
                if text.startswith(f"{key} ="))
    assert f"{path}:{line}: sources[0].{message}" in str(error.value)
