"""Downloads outside a crawl (`feedvault extract URL`, `feedvault sources check`) have the
crawl's manners: the User-Agent with `[crawl] contact`, robots.txt, the egress policy."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from archive.errors import ExtractError
from crawler.commands._fetch import Fetcher, RobotsRefused
from crawler.config import load_config
from tests.conftest import answer, feedvault, rss_feed, rss_item, write_config

ROBOTS = b"User-agent: *\nDisallow: /private/\n"
PAGE = (b"<html><head><title>Hello</title></head><body><article><p>"
        + b"A page long enough to be an article, with words. " * 5 + b"</p></article></body></html>")
CONTACT = "mailto:owner@example.invalid"


class Site:
    """A loopback server that remembers the User-Agent of every request."""

    def __init__(self) -> None:
        self.agents: list[tuple[str, str]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.agents.append((self.path, self.headers.get("User-Agent", "")))
                if self.path == "/robots.txt":
                    answer(self, 200, [("Content-Type", "text/plain")], ROBOTS)
                elif self.path.endswith(".xml"):
                    feed = rss_feed([rss_item(1, link=f"{site.base}/posts/1")]).encode()
                    answer(self, 200, [("Content-Type", "application/rss+xml")], feed)
                else:
                    answer(self, 200, [("Content-Type", "text/html; charset=utf-8")], PAGE)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site() -> Iterator[Site]:
    server = Site()
    yield server
    server.close()


def _config(tmp_path: Path, site: Site, **source: object) -> Path:
    return write_config(tmp_path, [{"name": "blog", "url": f"{site.base}/feed.xml", **source}],
                        extra=f'[crawl]\ncontact = "{CONTACT}"\n')


def test_the_fetcher_says_who_we_are_and_obeys_robots(tmp_path: Path, site: Site) -> None:
    config = load_config(_config(tmp_path, site))
    fetcher = Fetcher.from_config(config, config.source("blog"))
    body, _, _ = fetcher.fetch(f"{site.base}/posts/1")
    assert b"Hello" in body
    assert all(CONTACT in agent for _, agent in site.agents)
    assert [path for path, _ in site.agents] == ["/robots.txt", "/posts/1"]
    with pytest.raises(RobotsRefused, match=r"robots\.txt"):
        fetcher.fetch(f"{site.base}/private/secret")
    assert "/private/secret" not in [path for path, _ in site.agents]  # never asked for
    fetcher.fetch(f"{site.base}/posts/2")
    assert [p for p, _ in site.agents].count("/robots.txt") == 1  # read once per site


def test_a_source_with_robots_false_is_not_held_to_it(tmp_path: Path, site: Site) -> None:
    config = load_config(_config(tmp_path, site, robots=False))
    body, _, _ = Fetcher.from_config(config, config.source("blog")).fetch(
        f"{site.base}/private/secret")
    assert b"Hello" in body and "/robots.txt" not in [p for p, _ in site.agents]


def test_robots_refusal_is_an_extract_error(tmp_path: Path, site: Site) -> None:
    assert issubclass(RobotsRefused, ExtractError)  # the commands report it in one line


def test_extract_url_sends_the_contact_and_refuses_a_disallowed_url(tmp_path: Path,
                                                                    site: Site) -> None:
    config = _config(tmp_path, site)
    result = feedvault("extract", "--config", config, f"{site.base}/posts/1")
    assert result.returncode == 0, result.stderr
    assert "/posts/1" in [p for p, _ in site.agents]
    assert all(CONTACT in agent for _, agent in site.agents)
    refused = feedvault("extract", "--config", config, f"{site.base}/private/secret")
    assert refused.returncode != 0
    assert "robots.txt" in refused.stderr and "Traceback" not in refused.stderr
    assert "/private/secret" not in [p for p, _ in site.agents]


def test_sources_check_sends_the_contact(tmp_path: Path, site: Site) -> None:
    result = feedvault("sources", "check", "--config", _config(tmp_path, site))
    assert "blog: ok" in result.stdout, result.stdout + result.stderr
    assert {p for p, _ in site.agents} >= {"/robots.txt", "/feed.xml", "/posts/1"}
    assert all(CONTACT in agent for _, agent in site.agents)
