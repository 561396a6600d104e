"""`feedvault sources check` on RSSHub sources: the route on each instance in the crawl's
order, with the access key, which is never printed."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.conftest import Served, answer, feedvault, rss_feed, rss_item

KEY = "s3cret-key"
HTML_ERROR = (b"<!DOCTYPE html><html><head><title>Error</title></head><body><h1>Looks like "
              b"something went wrong</h1><p>Route requested: /example/route</p></body></html>")
ARTICLE = "<html><body><article><h1>Route article</h1>" + "<p>Words of the article.</p>" * 40 \
    + "</article></body></html>"


class Instance:
    """A local RSSHub stand-in: failing with 503, or serving the route's feed for the key."""

    def __init__(self, healthy: bool, *, html: bool = False) -> None:
        self.paths: list[str] = []
        instance = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                instance.paths.append(self.path)
                if not healthy:
                    answer(self, 503, [("Content-Type", "text/plain")], b"busy")
                elif html:  # what RSSHub answers for some errors: 200 and an HTML page
                    answer(self, 200, [("Content-Type", "text/html; charset=utf-8")],
                           HTML_ERROR)
                elif self.path == "/article":
                    answer(self, 200, [("Content-Type", "text/html")], ARTICLE.encode())
                elif self.path == f"/example/route?key={KEY}":
                    item = rss_item(1, link=f"{instance.url}/article", description="teaser")
                    answer(self, 200, [("Content-Type", "application/rss+xml")],
                           rss_feed([item]).encode())
                else:
                    answer(self, 403, [("Content-Type", "text/plain")], b"no key")

        self.served = Served(Handler)
        self.url = self.served.base

    def stop(self) -> None:
        self.served.stop()


@pytest.fixture
def instances() -> Iterator[tuple[Instance, Instance]]:
    down, up = Instance(healthy=False), Instance(healthy=True)
    yield down, up
    down.stop()
    up.stop()


def test_check_falls_over_to_the_next_instance_with_the_key(
        tmp_path: Path, instances: tuple[Instance, Instance]) -> None:
    down, up = instances
    config = tmp_path / "feedvault.toml"
    config.write_text(
        f'[archive]\npath = "posts"\n\n[rsshub]\ninstances = ["{down.url}", "{up.url}"]\n'
        f'access_key = "{KEY}"\n\n[[sources]]\nname = "route"\nrsshub = "/example/route"\n',
        encoding="utf-8")
    result = feedvault("sources", "check", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "route: ok" in result.stdout
    assert f"{down.url}/example/route: not fetched (HTTP 503); trying the next RSSHub " \
           "instance" in result.stdout
    assert "feed: 1 items" in result.stdout and "'Route article'" in result.stdout
    assert [p for p in down.paths if p != "/robots.txt"] == [f"/example/route?key={KEY}"]
    assert f"/example/route?key={KEY}" in up.paths
    assert KEY not in result.stdout + result.stderr


def _check(tmp_path: Path, *bases: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "feedvault.toml"
    config.write_text(
        '[archive]\npath = "posts"\n\n[rsshub]\ninstances = ['
        + ", ".join(f'"{b}"' for b in bases) + f']\naccess_key = "{KEY}"\n\n'
        '[[sources]]\nname = "route"\nrsshub = "/example/route"\n', encoding="utf-8")
    return feedvault("sources", "check", "--config", config)


def test_an_instance_answering_an_html_error_page_is_not_a_feed(tmp_path: Path) -> None:
    # RSSHub answers some errors with 200 and an HTML page: the check says so, with the
    # status, and falls over to the next instance as a crawl does
    broken, up = Instance(healthy=True, html=True), Instance(healthy=True)
    try:
        alone = _check(tmp_path, broken.url)
        assert alone.returncode == 1, alone.stdout + alone.stderr
        assert "route: BROKEN" in alone.stdout
        assert f"WARNING: feed: {broken.url}/example/route: not a feed (an HTML page, " \
               "HTTP 200)" in alone.stdout
        assert KEY not in alone.stdout + alone.stderr

        over = _check(tmp_path, broken.url, up.url)
        assert over.returncode == 0, over.stdout + over.stderr
        assert "route: ok" in over.stdout
        assert f"feed: {broken.url}/example/route: not a feed (an HTML page, HTTP 200); " \
               "trying the next RSSHub instance" in over.stdout
        assert "feed: 1 items" in over.stdout
    finally:
        broken.stop()
        up.stop()
