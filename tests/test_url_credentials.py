"""A user and password written in a source's url: sent as Basic auth, never printed."""

from __future__ import annotations

import base64
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import ClassVar

import pytest

from archive import ConfigError
from crawler.config import load_config
from tests.conftest import Served, answer, archive_files, feedvault, rss_feed, rss_item

SECRET = "s3cret-pw"


class _AuthSite(BaseHTTPRequestHandler):
    """A private feed behind Basic auth: 401 without the right Authorization header."""

    seen: ClassVar[list[tuple[str, str | None]]] = []

    def do_GET(self) -> None:
        auth = self.headers.get("Authorization")
        type(self).seen.append((self.path, auth))
        expected = "Basic " + base64.b64encode(f"reader:{SECRET}".encode()).decode()
        if self.path == "/robots.txt":
            answer(self, 404, [("Content-Type", "text/plain")], b"")
        elif auth != expected:
            answer(self, 401, [("WWW-Authenticate", 'Basic realm="feed"')], b"")
        else:
            feed = rss_feed([rss_item(1, guid="urn:private-1")])
            answer(self, 200, [("Content-Type", "application/rss+xml")], feed.encode())

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_a_feed_behind_basic_auth_is_archived_and_the_password_is_printed_nowhere(
        tmp_path: Path) -> None:
    _AuthSite.seen = []
    served = Served(_AuthSite)
    try:
        host = served.base.removeprefix("http://")
        config = tmp_path / "feedvault.toml"
        config.write_text(f"""\
[archive]
path = "posts"

[[sources]]
name = "private"
url = "http://reader:${{FV_FEED_PASSWORD}}@{host}/feed.xml"
full_text = false
""", encoding="utf-8")
        result = feedvault("-vv", "crawl", "--config", config, "--report",
                           tmp_path / "report.json", env={"FV_FEED_PASSWORD": SECRET})
    finally:
        served.stop()
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert len(archive_files(tmp_path / "posts")) == 1
    assert ("/feed.xml", "Basic " + base64.b64encode(f"reader:{SECRET}".encode()).decode()
            ) in _AuthSite.seen
    assert SECRET not in result.stdout + result.stderr
    for written in tmp_path.rglob("*"):
        if written.is_file():
            assert SECRET.encode() not in written.read_bytes(), written


def test_the_url_loses_its_credentials_and_the_header_replaces_crawl_defaults(
        tmp_path: Path) -> None:
    config = tmp_path / "feedvault.toml"
    config.write_text("""\
[archive]
path = "posts"

[crawl]
headers = { Authorization = "Bearer default-token", X-Other = "1" }

[[sources]]
name = "private"
url = "https://us%40er:p%3Ass@feeds.example/feed.xml"
""", encoding="utf-8")
    [source] = load_config(config).sources
    assert source.url == "https://feeds.example/feed.xml"
    expected = "Basic " + base64.b64encode(b"us@er:p:ss").decode()
    assert dict(source.http.headers) == {"Authorization": expected, "X-Other": "1"}


@pytest.mark.parametrize(("source", "message"), [
    ('url = "https://reader:hunter2@feeds.example/feed.xml"\n'
     'headers = { authorization = "Bearer x" }\n', "keep one of them"),
    ('url = "https://feeds.example/feed.xml"\n\n[sources.backfill]\n'
     'sitemap = "https://reader:hunter2@feeds.example/sitemap.xml"\n', "would not be sent"),
], ids=["twice", "in-a-backfill-url"])
def test_credentials_written_twice_or_in_a_backfill_url_are_clear_errors(
        tmp_path: Path, source: str, message: str) -> None:
    config = tmp_path / "feedvault.toml"
    config.write_text('[archive]\npath = "posts"\n\n[[sources]]\nname = "private"\n' + source,
                      encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as refused:
        load_config(config)
    assert "hunter2" not in str(refused.value)
