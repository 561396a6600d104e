"""`${NAME}` in feedvault.toml: values from the environment, a clear error when one is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive import ConfigError
from crawler.config import parse_config
from tests.conftest import archive_files, feedvault, rss_feed, rss_item

CONFIG = """\
[archive]
path = "${FV_ROOT}/posts"

[crawl]
headers = { X-Api-Key = "${FV_KEY}" }

[[sources]]
name = "a"
url = "https://example.org/feed.xml"

[[sources]]
name = "b"
url = "https://${FV_HOST}/feed.xml?key=${FV_KEY}"
categories = ["${FV_CATEGORY}", "plain", "costs $${PRICE} and $5"]
cookies = { session = "${FV_SESSION}" }
"""

ENV = {"FV_ROOT": "archive", "FV_KEY": "k-123", "FV_HOST": "news.example",
       "FV_CATEGORY": "Notícias", "FV_SESSION": "s=3"}


def test_variables_are_read_in_nested_tables_and_arrays(tmp_path: Path) -> None:
    config = parse_config(CONFIG, tmp_path / "feedvault.toml", ENV)
    assert config.archive_path == (tmp_path / "archive" / "posts").resolve()
    b = config.source("b")
    assert b.url == "https://news.example/feed.xml?key=k-123"
    assert b.categories == ("Notícias", "plain", "costs ${PRICE} and $5")  # $${ is a literal ${
    assert dict(b.http.cookies) == {"session": "s=3"}
    assert dict(b.http.headers) == {"X-Api-Key": "k-123"}  # [crawl] default, expanded
    assert dict(config.source("a").http.headers) == {"X-Api-Key": "k-123"}


def test_missing_variable_names_it_the_key_and_the_line(tmp_path: Path) -> None:
    env = {k: v for k, v in ENV.items() if k != "FV_SESSION"}
    with pytest.raises(ConfigError) as error:
        parse_config(CONFIG, tmp_path / "feedvault.toml", env)
    message = str(error.value)
    assert "FV_SESSION" in message
    assert "sources[1].cookies.session" in message
    assert "feedvault.toml:15:" in message


@pytest.mark.parametrize("value", ["${}", "${1X}", "${FV KEY}", "${FV_KEY"])
def test_malformed_reference_is_an_error_that_says_how_to_write_a_literal(
        tmp_path: Path, value: str) -> None:
    text = f'[archive]\npath = "posts"\n[crawl]\ncontact = "{value}"\n'
    with pytest.raises(ConfigError, match=r"crawl\.contact.*\$\$\{"):
        parse_config(text, tmp_path / "feedvault.toml", ENV)


def test_command_line_reads_the_environment_and_reports_a_missing_variable(
        tmp_path: Path) -> None:
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    (feeds / "feed.xml").write_text(rss_feed([rss_item(1)]), encoding="utf-8")
    path = tmp_path / "feedvault.toml"
    path.write_text('[archive]\npath = "posts"\n\n[[sources]]\nname = "a"\n'
                    'url = "file://${FV_FEED_DIR}/feed.xml"\nfull_text = false\n',
                    encoding="utf-8")
    unset = feedvault("crawl", "--config", path)
    assert unset.returncode == 2
    assert "FV_FEED_DIR" in unset.stderr and "sources[0].url" in unset.stderr
    assert not (tmp_path / "posts").exists()
    ok = feedvault("crawl", "--config", path, env={"FV_FEED_DIR": str(feeds)})
    assert ok.returncode == 0, ok.stderr[-2000:]
    assert len(archive_files(tmp_path / "posts")) == 1
