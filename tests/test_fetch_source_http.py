"""`feedvault sources check` fetches as the crawl does: the source's headers and cookies on
its own origins only, and through its proxy."""

from __future__ import annotations

import base64
import http.client
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.commands._fetch import Fetcher
from crawler.egress import EgressPolicy, EgressRefused
from tests.conftest import Served, answer, feedvault, rss_feed, rss_item

ARTICLE = ("<html><body><article><h1>Keyed article</h1>" + "<p>Words of the article.</p>" * 40
           + "</article></body></html>").encode()


class Site:
    """A loopback server recording each request's path and headers. /feed.xml answers 403
    without the API key and the session cookie; /hop redirects to `hop`."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, dict[str, str]]] = []
        self.hop = ""
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                headers = {k.lower(): v for k, v in self.headers.items()}
                site.seen.append((self.path, headers))
                if self.path == "/feed.xml":
                    if headers.get("x-api-key") != "key-42" or \
                            headers.get("cookie") != "session=abc123":
                        answer(self, 403, [("Content-Type", "text/plain")], b"no key")
                        return
                    feed = rss_feed([rss_item(1, link=f"{site.base}/hop", guid="urn:1",
                                              description="teaser")])
                    answer(self, 200, [("Content-Type", "application/rss+xml")], feed.encode())
                elif self.path == "/hop":
                    answer(self, 302, [("Location", site.hop)], b"")
                elif self.path == "/article":
                    answer(self, 200, [("Content-Type", "text/html")], ARTICLE)
                else:
                    answer(self, 404, [("Content-Type", "text/plain")], b"")

        self.served = Served(Handler)
        self.base = self.served.base
        self.port = self.served.server.server_address[1]

    def headers_of(self, path: str) -> list[dict[str, str]]:
        return [h for p, h in self.seen if urlsplit(p).path == path]


class Proxy:
    """A forward proxy on loopback: records `GET http://127.0.0.1:port/path` and its headers,
    fetches it from that loopback port (never elsewhere) and answers with it."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, dict[str, str]]] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                proxy.seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                target = urlsplit(self.path)
                if target.hostname != "127.0.0.1":  # loopback only, never further
                    answer(self, 502, [("Content-Type", "text/plain")], b"not forwarded")
                    return
                upstream = http.client.HTTPConnection("127.0.0.1", target.port, timeout=10)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in (
                    "proxy-authorization", "proxy-connection", "connection")}
                upstream.request("GET", target.path or "/", headers=headers)
                reply = upstream.getresponse()
                body = reply.read()
                upstream.close()
                answer(self, reply.status, [(k, v) for k, v in reply.getheaders() if k.lower()
                                            not in ("connection", "transfer-encoding",
                                                    "content-length")], body)

        self.served = Served(Handler)
        self.base = self.served.base


@pytest.fixture
def sites() -> Iterator[tuple[Site, Site, Proxy]]:
    """The feed's site, another server on another port of 127.0.0.1, a proxy."""
    feed, other, proxy = Site(), Site(), Proxy()
    yield feed, other, proxy
    for served in (feed.served, other.served, proxy.served):
        served.stop()


def _config(tmp_path: Path, feed: Site, other: Site, extra: str = "") -> Path:
    config = tmp_path / "feedvault.toml"
    config.write_text(f"""\
[archive]
path = "posts"

[crawl]
allow_hosts = ["127.0.0.1:{other.port}"]

[[sources]]
name = "keyed"
url = "{feed.base}/feed.xml"
headers = {{ X-Api-Key = "key-42" }}
cookies = {{ session = "abc123" }}
{extra}
""", encoding="utf-8")
    return config


def test_check_sends_the_keys_a_feed_needs_to_its_origin_only(
        tmp_path: Path, sites: tuple[Site, Site, Proxy]) -> None:
    """The feed answers 403 without its key and cookie: `sources check` sends them, as the
    crawl does, but not to another port of the host its article redirects to."""
    feed, other, _ = sites
    feed.hop = f"{other.base}/article"
    result = feedvault("sources", "check", "--config", _config(tmp_path, feed, other))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "keyed: ok" in result.stdout
    assert "'Keyed article'" in result.stdout
    for path in ("/feed.xml", "/hop"):
        [seen] = feed.headers_of(path)
        assert seen["x-api-key"] == "key-42" and seen["cookie"] == "session=abc123", path
    [seen] = other.headers_of("/article")
    assert "x-api-key" not in seen and "cookie" not in seen, seen
    assert "key-42" not in result.stdout + result.stderr


def test_check_goes_through_the_sources_proxy(
        tmp_path: Path, sites: tuple[Site, Site, Proxy]) -> None:
    feed, other, proxy = sites
    feed.hop = f"{feed.base}/article"
    config = _config(tmp_path, feed, other,
                     f'proxy = "http://fv-user:pr0xy-s3cret@127.0.0.1:'
                     f'{proxy.served.server.server_address[1]}"')
    result = feedvault("sources", "check", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "keyed: ok" in result.stdout
    through = [p for p, _ in proxy.seen]
    assert f"{feed.base}/feed.xml" in through and f"{feed.base}/article" in through
    credentials = base64.b64encode(b"fv-user:pr0xy-s3cret").decode()
    assert all(h["proxy-authorization"] == f"Basic {credentials}" for _, h in proxy.seen)
    [seen] = feed.headers_of("/feed.xml")  # the keys still reach the feed, via the proxy
    assert seen["x-api-key"] == "key-42" and "proxy-authorization" not in seen
    assert "pr0xy-s3cret" not in result.stdout + result.stderr


def test_the_crawl_proxy_applies_and_an_empty_proxy_goes_direct(
        tmp_path: Path, sites: tuple[Site, Site, Proxy]) -> None:
    feed, other, proxy = sites
    feed.hop = f"{feed.base}/article"
    config = tmp_path / "feedvault.toml"
    config.write_text(_config(tmp_path, feed, other).read_text(encoding="utf-8").replace(
        "[crawl]\n", f'[crawl]\nproxy = "{proxy.base}"\n'), encoding="utf-8")
    result = feedvault("sources", "check", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{feed.base}/feed.xml" in [p for p, _ in proxy.seen]

    proxy.seen.clear()
    config.write_text(config.read_text(encoding="utf-8") + 'proxy = ""\n', encoding="utf-8")
    result = feedvault("sources", "check", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert proxy.seen == []


def test_a_name_sent_through_a_proxy_is_still_checked_here(
        sites: tuple[Site, Site, Proxy]) -> None:
    """The proxy resolves the name, not feedvault; feedvault resolves it too, as a crawl
    does, and refuses a name that resolves to a non-public address before the proxy sees it."""
    feed, _, proxy = sites
    fetcher = Fetcher(EgressPolicy().trusting([proxy.base]), robots=False, proxy=proxy.base)
    with pytest.raises(EgressRefused, match=r"resolves to (127\.0\.0\.1|::1)"):
        fetcher.fetch(f"http://localhost:{feed.port}/feed.xml")
    assert proxy.seen == []
