"""`feedvault sources check` on RSSHub sources: the route on each instance in the crawl's
order, with the access key, which is never printed."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.conftest import Served, answer, feedvault, rss_feed, rss_item

KEY = "s3cret-key"
ARTICLE = "<html><body><article><h1>Route article</h1>" + "<p>Words of the article.</p>" * 40 \
    + "</article></body></html>"


class Instance:
    """A local RSSHub stand-in: failing with 503, or serving the route's feed for the key."""

    def __init__(self, healthy: bool) -> None:
        self.paths: list[str] = []
        instance = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                instance.paths.append(self.path)
                if not healthy:
                    answer(self, 503, [("Content-Type", "text/plain")], b"busy")
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
