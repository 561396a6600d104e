"""Per-source headers, cookies, User-Agent and proxy, as a local site and a local proxy see them."""

from __future__ import annotations

import base64
import http.client
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from scrapy import Request

from archive import ConfigError
from crawler.config import HttpConfig, parse_config
from crawler.egress.keys import key_origins
from crawler.middlewares.http import SourceHttpMiddleware
from tests.conftest import answer, archive_files, feedvault, rss_feed, rss_item


class _Recorder(ThreadingHTTPServer):
    """A loopback server on port 0 that records each request's path and headers."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.seen: list[tuple[str, dict[str, str]]] = []
        self.files: dict[str, tuple[bytes, str]] = {}
        self.base = f"http://127.0.0.1:{self.server_address[1]}"
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def headers_of(self, path: str) -> list[dict[str, str]]:
        return [h for p, h in self.seen if urlsplit(p).path == path]


class _SiteHandler(BaseHTTPRequestHandler):
    server: _Recorder

    def do_GET(self) -> None:
        self.server.seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        body, ctype = self.server.files.get(self.path, (b"", ""))
        if ctype == "redirect":  # body: the Location
            answer(self, 302, [("Location", body.decode())], b"")
            return
        answer(self, 200 if ctype else 404, [("Content-Type", ctype or "text/plain")], body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _ProxyHandler(BaseHTTPRequestHandler):
    """A forward proxy: records `GET http://127.0.0.1:port/path`, fetches it, answers."""

    server: _Recorder

    def do_GET(self) -> None:
        self.server.seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        target = urlsplit(self.path)
        assert target.hostname == "127.0.0.1", self.path  # loopback only, never further
        upstream = http.client.HTTPConnection("127.0.0.1", target.port, timeout=10)
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("proxy-authorization", "proxy-connection", "connection")}
        upstream.request("GET", target.path or "/", headers=headers)
        reply = upstream.getresponse()
        body = reply.read()
        upstream.close()
        answer(self, reply.status, [(k, v) for k, v in reply.getheaders() if k.lower() not in (
            "connection", "transfer-encoding", "content-length")], body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def servers() -> Iterator[tuple[_Recorder, _Recorder, _Recorder]]:
    """Site A (direct), site B (reached through the proxy), and the proxy."""
    running = [_Recorder(_SiteHandler), _Recorder(_SiteHandler), _Recorder(_ProxyHandler)]
    yield running[0], running[1], running[2]
    for server in running:
        server.stop()


def _serve_source(site: _Recorder, name: str) -> None:
    """A summary-only feed whose article has two pages (next page: a.next)."""
    page = ("<html><body><article><h1>{t}</h1>" + "<p>Paragraph of the {t} page, long "
            "enough to be the article's text and not a teaser of it.</p>" * 6
            + "{more}</article></body></html>")
    site.files["/p1.html"] = (page.format(t=f"{name} one", more='<a class="next" '
                              'href="/p2.html">next</a>').encode(), "text/html")
    site.files["/p2.html"] = (page.format(t=f"{name} two", more="").encode(), "text/html")
    feed = rss_feed([rss_item(1, link=f"{site.base}/p1.html", guid=f"urn:{name}",
                              description="Teaser…")])
    site.files["/feed.xml"] = (feed.encode(), "application/rss+xml")


def test_headers_cookies_user_agent_and_proxy_reach_the_wire(
        servers: tuple[_Recorder, _Recorder, _Recorder], tmp_path: Path) -> None:
    site_a, site_b, proxy = servers
    _serve_source(site_a, "a")
    _serve_source(site_b, "b")
    config = tmp_path / "feedvault.toml"
    config.write_text(f"""\
[archive]
path = "posts"

[crawl]
user_agent = "DefaultAgent/1.0 (+https://example.org/bot)"
headers = {{ X-Api-Key = "${{FV_TEST_API_KEY}}", Accept-Language = "pt-BR" }}
cookies = {{ consent = "yes" }}

[[sources]]
name = "a"
url = "{site_a.base}/feed.xml"
full_text = true
next_page = "a.next"
headers = {{ accept-language = "de", X-Only-A = "1" }}
cookies = {{ session = "${{FV_TEST_SESSION}}" }}

[[sources]]
name = "b"
url = "{site_b.base}/feed.xml"
full_text = true
next_page = "a.next"
user_agent = "SourceB/2.0"
proxy = "http://fv-user:${{FV_TEST_PROXY_PASSWORD}}@127.0.0.1:{proxy.server_address[1]}"
""", encoding="utf-8")
    result = feedvault("-vv", "crawl", "--config", config, env={
        "FV_TEST_API_KEY": "key-42", "FV_TEST_SESSION": "abc123",
        "FV_TEST_PROXY_PASSWORD": "pr0xy-s3cret"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(archive_files(tmp_path / "posts")) == 2

    # source a: direct; its own Accept-Language and cookie on top of the defaults
    for path in ("/robots.txt", "/feed.xml", "/p1.html", "/p2.html"):
        assert len(site_a.headers_of(path)) == 1, (path, site_a.seen)
    for path in ("/feed.xml", "/p1.html", "/p2.html"):
        seen = site_a.headers_of(path)[0]
        assert seen["user-agent"] == "DefaultAgent/1.0 (+https://example.org/bot)"
        assert seen["x-api-key"] == "key-42"
        assert seen["accept-language"] == "de"
        assert seen["x-only-a"] == "1"
        assert sorted(seen["cookie"].split("; ")) == ["consent=yes", "session=abc123"]
    assert site_a.headers_of("/robots.txt")[0]["user-agent"].startswith("DefaultAgent/1.0")

    # source b: every request, robots.txt included, through the proxy with its credentials
    via_proxy = [urlsplit(p).path for p, _ in proxy.seen]
    assert sorted(via_proxy) == ["/feed.xml", "/p1.html", "/p2.html", "/robots.txt"]
    assert all(p.startswith(site_b.base + "/") for p, _ in proxy.seen)
    credentials = base64.b64encode(b"fv-user:pr0xy-s3cret").decode()
    for _, seen in proxy.seen:
        assert seen["proxy-authorization"] == f"Basic {credentials}"
        assert seen["user-agent"] == "SourceB/2.0"
    for path in ("/feed.xml", "/p1.html", "/p2.html"):
        seen = site_b.headers_of(path)[0]
        assert seen["user-agent"] == "SourceB/2.0"
        assert seen["x-api-key"] == "key-42"
        assert seen["accept-language"] == "pt-BR"
        assert "x-only-a" not in seen
        assert seen["cookie"] == "consent=yes"  # a's session cookie stays with a
        assert "proxy-authorization" not in seen
    assert not any(urlsplit(p).path == "/feed.xml" and site_a.base in p for p, _ in proxy.seen)

    # the proxy password appears in no output (debug logs included) and no file written
    assert "pr0xy-s3cret" not in result.stdout + result.stderr
    assert "Crawled (200)" in result.stderr  # -vv: Scrapy's debug log was checked too
    for written in (tmp_path / "posts").rglob("*"):
        if written.is_file():
            assert b"pr0xy-s3cret" not in written.read_bytes(), written


def test_keys_and_cookies_never_go_to_a_host_a_feed_links_to(
        servers: tuple[_Recorder, _Recorder, _Recorder], tmp_path: Path) -> None:
    """A feed is hostile input: its item links to another host (here `localhost`, allowed
    by the egress policy) get the source's User-Agent but none of its keys or cookies."""
    site_a, elsewhere, _ = servers
    port = elsewhere.server_address[1]
    page = ("<html><body><article>" + "<p>A paragraph long enough to be the article's "
            "text and not a teaser of it.</p>" * 6 + "</article></body></html>").encode()
    elsewhere.files["/steal.html"] = (page, "text/html")
    feed = rss_feed([rss_item(1, link=f"http://localhost:{port}/steal.html", guid="urn:x",
                              description="Teaser…")])
    site_a.files["/feed.xml"] = (feed.encode(), "application/rss+xml")
    config = tmp_path / "feedvault.toml"
    config.write_text(f"""\
[archive]
path = "posts"

[crawl]
allow_hosts = ["localhost"]

[[sources]]
name = "a"
url = "{site_a.base}/feed.xml"
full_text = true
user_agent = "SourceA/1.0"
headers = {{ X-Api-Key = "key-42" }}
cookies = {{ session = "abc123" }}
""", encoding="utf-8")
    result = feedvault("crawl", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    [feed_seen] = site_a.headers_of("/feed.xml")
    assert feed_seen["x-api-key"] == "key-42" and feed_seen["cookie"] == "session=abc123"
    [seen] = elsewhere.headers_of("/steal.html")
    assert seen["user-agent"] == "SourceA/1.0"
    assert "x-api-key" not in seen and "cookie" not in seen, seen


def test_keys_and_cookies_go_to_the_feeds_origin_not_another_port_of_its_host(
        servers: tuple[_Recorder, _Recorder, _Recorder], tmp_path: Path) -> None:
    """Same host name, other port: another server, which gets the User-Agent but neither
    the source's keys nor its cookies; not even through a redirect from the feed's origin."""
    site, other, _ = servers
    port = other.server_address[1]
    page = ("<html><body><article><h1>{t}</h1>" + "<p>A paragraph long enough to be the "
            "article's text and not a teaser of it.</p>" * 6 + "</article></body></html>")
    for path in ("/own.html", "/steal.html", "/landed.html"):
        (site if path == "/own.html" else other).files[path] = (
            page.format(t=path).encode(), "text/html")
    site.files["/hop.html"] = (f"{other.base}/landed.html".encode(), "redirect")
    feed = rss_feed([rss_item(1, link=f"{other.base}/steal.html", guid="urn:1",
                              description="Teaser…"),
                     rss_item(2, link=f"{site.base}/own.html", guid="urn:2",
                              description="Teaser…"),
                     rss_item(3, link=f"{site.base}/hop.html", guid="urn:3",
                              description="Teaser…")])
    site.files["/feed.xml"] = (feed.encode(), "application/rss+xml")
    config = tmp_path / "feedvault.toml"
    config.write_text(f"""\
[archive]
path = "posts"

[crawl]
allow_hosts = ["127.0.0.1:{port}"]

[[sources]]
name = "a"
url = "{site.base}/feed.xml"
full_text = true
user_agent = "SourceA/1.0"
headers = {{ X-Api-Key = "key-42", Authorization = "Bearer t0ken" }}
cookies = {{ session = "abc123" }}
""", encoding="utf-8")
    result = feedvault("crawl", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    for path in ("/feed.xml", "/own.html", "/hop.html"):
        [seen] = site.headers_of(path)
        assert seen["x-api-key"] == "key-42", path
        assert seen["authorization"] == "Bearer t0ken", path
        assert seen["cookie"] == "session=abc123", path
    for path in ("/steal.html", "/landed.html"):
        [seen] = other.headers_of(path)
        assert seen["user-agent"] == "SourceA/1.0", path
        assert not {"x-api-key", "authorization", "cookie"} & set(seen), (path, seen)


def _keyed(request_url: str, written: str) -> Request:
    """A request of source "a", whose feed is at written, after SourceHttpMiddleware."""
    middleware = SourceHttpMiddleware(
        {"a": HttpConfig(headers=(("X-Api-Key", "key-42"),), cookies=(("session", "s"),),
                         user_agent="A/1")},
        {"a": key_origins([written])})
    request = Request(request_url, meta={"feedvault_source": "a"})
    middleware.process_request(request)
    assert request.headers.get("User-Agent") == b"A/1"  # the User-Agent goes everywhere
    return request


@pytest.mark.parametrize(("request_url", "written", "keyed"), [
    ("https://example.com/x", "https://example.com/feed", True),
    ("https://EXAMPLE.com:443/x", "https://example.com/feed", True),
    ("http://example.com/x", "https://example.com/feed", False),  # no downgrade to clear text
    ("https://example.com:8443/x", "https://example.com/feed", False),  # another port
    ("http://example.com:443/x", "https://example.com/feed", False),
    ("https://example.com/x", "http://example.com/feed", True),  # the upgrade of http://
    ("https://example.com/x", "http://example.com:80/feed", True),
    # http on another port is another service: its https upgrade is not on 443
    ("https://example.com/x", "http://example.com:8080/feed", False),
    ("https://example.com:8080/x", "http://example.com:8080/feed", False),
    ("http://example.com/x", "http://example.com:8080/feed", False),
    ("http://example.com:8080/x", "http://example.com:8080/feed", True),
    ("https://www.example.com/x", "https://example.com/feed", False),
])
def test_keys_go_to_the_written_origins_only(request_url: str, written: str,
                                             keyed: bool) -> None:
    request = _keyed(request_url, written)
    assert (request.headers.get("X-Api-Key") == b"key-42") is keyed
    assert bool(request.cookies) is keyed
    assert ("cookiejar" in request.meta) is keyed


@pytest.mark.parametrize("request_url", ["http://xn--bcher-kva.example:8080/feed.xml",
                                         "http://Bücher.example:8080/x",
                                         "http://BÜCHER.example.:8080/x"])
def test_a_sources_keys_reach_its_own_non_ascii_host(request_url: str) -> None:
    # feedvault.toml keeps the name as written; Scrapy requests its IDNA form
    request = _keyed(request_url, "http://bücher.example:8080/feed.xml")
    assert request.headers.get("X-Api-Key") == b"key-42"
    assert bool(request.cookies)


def test_keys_written_for_a_non_ascii_host_go_nowhere_else() -> None:
    request = _keyed("http://xn--bcher-kva.example.net:8080/x", "http://bücher.example:8080/f")
    assert request.headers.get("X-Api-Key") is None


def test_without_settings_requests_look_as_before(
        servers: tuple[_Recorder, _Recorder, _Recorder], tmp_path: Path) -> None:
    site_a, _, proxy = servers
    _serve_source(site_a, "a")
    config = tmp_path / "feedvault.toml"
    config.write_text(f'[archive]\npath = "posts"\n\n[[sources]]\nname = "a"\n'
                      f'url = "{site_a.base}/feed.xml"\nfull_text = false\n', encoding="utf-8")
    result = feedvault("crawl", "--config", config)
    assert result.returncode == 0, result.stderr[-3000:]
    seen = site_a.headers_of("/feed.xml")[0]
    assert seen["user-agent"].startswith("feedvault/")
    assert "cookie" not in seen and "x-api-key" not in seen
    assert proxy.seen == []


def _parse(crawl: str, source: str = "") -> object:
    text = (f'[archive]\npath = "posts"\n[crawl]\n{crawl}\n[[sources]]\nname = "a"\n'
            f'url = "https://example.org/feed.xml"\n{source}\n')
    return parse_config(text, Path("/srv/feedvault.toml"), {})


def test_source_values_merge_with_and_override_the_crawl_defaults() -> None:
    config = _parse('headers = { Referer = "https://r.example/", X-Key = "d" }\n'
                    'cookies = { a = "1", b = "2" }\nuser_agent = "D/1"\n'
                    'proxy = "http://proxy.example:3128"',
                    'headers = { x-key = "s" }\ncookies = { b = "3" }\nproxy = ""')
    http = config.source("a").http  # type: ignore[attr-defined]
    assert {k.lower(): v for k, v in http.headers} == {
        "referer": "https://r.example/", "x-key": "s"}
    assert dict(http.cookies) == {"a": "1", "b": "3"}
    assert hash(config.source("a"))  # type: ignore[attr-defined]  # still a hashable value
    assert http.user_agent == "D/1"
    assert http.proxy == ""  # direct, despite the default
    assert config.http.proxy == "http://proxy.example:3128"  # type: ignore[attr-defined]


@pytest.mark.parametrize(("crawl", "source", "expected"), [
    ('proxy = "socks5://u:hunter2@127.0.0.1:1080"', "", ["crawl.proxy", "SOCKS", "***@"]),
    ("", 'proxy = "ftp://proxy.example"', ["sources[0].proxy", "http:// or https://"]),
    ("", 'proxy = "http://u:hunter2@proxy.example/path"', ["sources[0].proxy", "***@"]),
    ("", 'proxy = "http://proxy.example:99999"', ["sources[0].proxy"]),
    ("", 'proxy = "http://u:hunter2@proxy.example:3128\\n"', ["sources[0].proxy", "one-line"]),
    ("", "proxy = 3128", ["sources[0].proxy", "one-line"]),
    ('headers = { "X-Bad" = "one\\ntwo" }', "", ["crawl.headers.X-Bad", "one-line"]),
    ("", 'headers = { "Bad Name" = "x" }', ["sources[0].headers.Bad Name", "header name"]),
    ("", 'headers = { User-Agent = "x" }', ["sources[0].headers.User-Agent", "user_agent"]),
    ("", 'headers = { Cookie = "a=b" }', ["sources[0].headers.Cookie", "cookies"]),
    ("", 'cookies = { session = "a; b=c" }', ["sources[0].cookies.session", "';'"]),
    ("", 'user_agent = ""', ["sources[0].user_agent", "one-line"]),
    ('headers = "X-Key: 1"', "", ["crawl.headers", "table"]),
])
def test_bad_http_settings_name_the_key(crawl: str, source: str, expected: list[str]) -> None:
    with pytest.raises(ConfigError) as error:
        _parse(crawl, source)
    for part in expected:
        assert part in str(error.value)
    assert "hunter2" not in str(error.value)


def test_backfill_requests_carry_the_source_settings(
        servers: tuple[_Recorder, _Recorder, _Recorder], tmp_path: Path) -> None:
    from tests._history import article_page, sitemap

    site, _, _ = servers
    _serve_source(site, "blog")
    for n in range(3):
        site.files[f"/posts/{n}.html"] = (article_page(n).encode(), "text/html")
    site.files["/sitemap.xml"] = (sitemap(site.base, range(3)).encode(), "application/xml")
    config = tmp_path / "feedvault.toml"
    config.write_text(f"""\
[archive]
path = "posts"

[crawl]
headers = {{ X-Api-Key = "key-7" }}

[[sources]]
name = "blog"
url = "{site.base}/feed.xml"
user_agent = "Backfiller/3"
cookies = {{ paywall = "open" }}

[sources.backfill]
sitemap = "{site.base}/sitemap.xml"
""", encoding="utf-8")
    result = feedvault("backfill", "blog", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert len(archive_files(tmp_path / "posts")) == 3
    fetched = [(p, h) for p, h in site.seen if p.startswith(("/sitemap", "/posts/"))]
    assert len(fetched) == 4
    for path, seen in fetched:
        assert seen["user-agent"] == "Backfiller/3", path
        assert seen["x-api-key"] == "key-7", path
        assert seen["cookie"] == "paywall=open", path
