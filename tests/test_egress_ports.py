"""Trust by host and port: a host trusted because feedvault.toml names one of its URLs is
trusted on that URL's port only; `[crawl] allow_hosts` / `allow_networks` entries on every
port unless they name one. The policy directly, with name resolution stubbed, then real
crawls and `extract` against two loopback servers (the second plays a private service)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import frontmatter
import pytest
from scrapy import Request

from archive import ConfigError
from crawler.config import load_config
from crawler.egress import EgressPolicy, EgressRefused
from crawler.egress.blocking import _guarded_connect
from crawler.egress.resolver import EgressResolver
from tests.conftest import archive_files, feedvault, rss_feed, write_config
from tests.test_egress import _connect_to, _StubNames
from tests.test_hostile_network import Server


def _config(tmp_path: Path, crawl: str = "", extra: str = "") -> Any:
    path = tmp_path / "feedvault.toml"
    path.write_text(f'[archive]\npath = "posts"\n[crawl]\n{crawl}\n'
                    '[[sources]]\nname = "hub"\nurl = "http://rsshub.lan:1200/feed"\n'
                    '[sources.backfill]\nsitemap = "http://10.1.1.1/sitemap.xml"\n'
                    '[[sources]]\nname = "intra"\nurl = "https://intranet.corp.example/feed"\n'
                    f"{extra}")
    return load_config(path)


def test_a_written_url_trusts_its_host_on_its_port_only(tmp_path: Path) -> None:
    policy = EgressPolicy.from_config(_config(tmp_path))
    assert policy.check_addresses("rsshub.lan", ["10.0.0.5"], 1200) is None
    assert policy.check_addresses("rsshub.lan", ["127.0.0.1"], 6379) == (
        "refused: the host rsshub.lan resolves to 127.0.0.1, a loopback address, and port 6379 "
        "of it is not trusted (only port 1200 is); allow it with [crawl] allow_hosts = "
        '["rsshub.lan:6379"]')
    # no port written: the scheme's default
    assert policy.check_url("http://10.1.1.1/anything") is None
    assert policy.check_url("http://10.1.1.1:80/anything") is None
    assert policy.check_url("http://10.1.1.1:9200/_shutdown") == (
        "refused: 10.1.1.1 is a private-network address, and port 9200 of it is not trusted "
        '(only port 80 is); allow it with [crawl] allow_hosts = ["10.1.1.1:9200"]')
    assert policy.check_url("https://10.1.1.1/") is not None  # 443, not 80
    assert policy.check_addresses("intranet.corp.example", ["10.0.0.9"], 443) is None
    assert policy.check_addresses("intranet.corp.example", ["10.0.0.9"], 80) is not None
    # a host trusted on no port at all: the refusal as before
    assert policy.check_url("http://10.1.1.2:9200/") == (
        "refused: 10.1.1.2 is a private-network address; allow it with [crawl] allow_networks "
        "or allow_hosts")


def test_public_addresses_stay_reachable_on_any_port(tmp_path: Path) -> None:
    policy = EgressPolicy.from_config(_config(tmp_path))
    assert policy.check_url("http://93.184.216.34:6379/") is None
    assert policy.check_addresses("rsshub.lan", ["93.184.216.34"], 6379) is None
    assert policy.check_addresses("news.example", ["2606:2800::1"], 8080) is None


def test_a_lookup_without_a_port_trusts_the_host_on_some_port(tmp_path: Path) -> None:
    """Twisted's connectTCP asks the resolver with port 0: the middleware has checked the
    URL's port already."""
    policy = EgressPolicy.from_config(_config(tmp_path))
    assert policy.check_addresses("rsshub.lan", ["10.0.0.5"]) is None
    assert policy.check_addresses("other.lan", ["10.0.0.5"]) is not None


def test_proxies_are_trusted_on_their_port(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    monkeypatch.setenv("http_proxy", "envproxy.lan:8888")  # no scheme, as often written
    policy = EgressPolicy.from_config(_config(tmp_path, crawl='proxy = "http://proxy.lan:3128"'))
    assert policy.check_addresses("proxy.lan", ["10.0.0.9"], 3128) is None
    assert policy.check_addresses("proxy.lan", ["10.0.0.9"], 80) is not None
    assert policy.check_addresses("envproxy.lan", ["10.0.0.8"], 8888) is None
    assert policy.check_addresses("envproxy.lan", ["10.0.0.8"], 6379) is not None


def test_allow_entries_name_a_port_or_mean_every_port(tmp_path: Path) -> None:
    config = _config(tmp_path, crawl=(
        'allow_hosts = ["redis.lan:6379", "*.corp.example", "127.0.0.1:9200", "[::1]:8080", '
        '"[FD00::5]"]\n'
        'allow_networks = ["192.168.0.0/16:443", "[fd00::/8]:8080", "172.16.0.0/12"]'))
    assert [str(h) for h in config.allow_hosts] == [
        "redis.lan:6379", "*.corp.example", "127.0.0.1:9200", "[::1]:8080", "[fd00::5]"]
    assert [str(n) for n in config.allow_networks] == [
        "192.168.0.0/16:443", "[fd00::/8]:8080", "172.16.0.0/12"]
    policy = EgressPolicy.from_config(config)
    assert policy.check_addresses("redis.lan", ["10.0.0.1"], 6379) is None
    assert policy.check_addresses("redis.lan", ["10.0.0.1"], 6380) == (
        "refused: the host redis.lan resolves to 10.0.0.1, a private-network address, and port "
        "6380 of it is not trusted (only port 6379 is); allow it with [crawl] allow_hosts = "
        '["redis.lan:6380"]')
    assert policy.check_addresses("a.corp.example", ["10.0.0.1"], 4444) is None  # every port
    assert policy.check_url("http://127.0.0.1:9200/") is None
    assert policy.check_url("http://127.0.0.1:9300/") is not None
    assert policy.check_url("http://[::1]:8080/") is None
    assert policy.check_url("http://[0:0::1]:8080/") is None  # the same address
    assert policy.check_url("http://[::1]:8081/").endswith(  # type: ignore[union-attr]
        'allow it with [crawl] allow_hosts = ["[::1]:8081"]')
    assert policy.check_url("http://[fd00::5]:1/") is None
    assert policy.check_url("https://192.168.3.4/") is None
    assert policy.check_url("http://192.168.3.4/") == (
        "refused: 192.168.3.4 is a private-network address, and port 80 of it is not trusted "
        '(only port 443 is); allow it with [crawl] allow_hosts = ["192.168.3.4:80"]')
    assert policy.check_addresses("lab.example", ["fd00::7"], 8080) is None
    assert policy.check_addresses("lab.example", ["fd00::7"], 80) is not None
    assert policy.check_url("http://172.20.0.1:1234/") is None  # a network on every port
    # images in bodies: kept when the host is allowed on some port (downloads check the port)
    assert policy.allows_host("redis.lan") and policy.allows_host("192.168.3.4")
    assert not policy.allows_host("10.9.9.9")


def test_a_non_ascii_host_the_owner_wrote_is_trusted_as_the_crawl_requests_it(
        tmp_path: Path) -> None:
    # Scrapy and the resolver carry bücher.example as xn--bcher-kva.example
    policy = EgressPolicy.from_config(_config(
        tmp_path, crawl='allow_hosts = ["*.Größe.example"]',
        extra='[[sources]]\nname = "b"\nurl = "http://Bücher.example.:8080/feed.xml"\n'))
    assert policy.check_addresses("xn--bcher-kva.example", ["10.0.0.7"], 8080) is None
    assert policy.check_addresses("bücher.example", ["10.0.0.7"], 8080) is None
    assert policy.check_url("http://xn--bcher-kva.example:8080/x") is None
    assert policy.check_addresses("xn--bcher-kva.example", ["10.0.0.7"], 80) is not None
    requested = urlsplit(Request("https://wiki.größe.example/feed").url).hostname
    assert requested is not None and requested.isascii()
    assert policy.check_addresses(requested, ["10.0.0.8"], 443) is None


@pytest.mark.parametrize(("crawl", "message"), [
    ('allow_hosts = ["rsshub.lan:99999"]', "crawl.allow_hosts: 'rsshub.lan:99999' is not a host"),
    ('allow_hosts = ["rsshub.lan:"]', "crawl.allow_hosts: 'rsshub.lan:' is not a host"),
    ('allow_hosts = ["rsshub.lan:http"]', "crawl.allow_hosts: 'rsshub.lan:http' is not a host"),
    ('allow_hosts = ["[::1"]', "crawl.allow_hosts: '[::1' is not a host"),
    ('allow_hosts = ["[::1]8080"]', "crawl.allow_hosts: '[::1]8080' is not a host"),
    ('allow_hosts = ["[intranet]:80"]', "crawl.allow_hosts: '[intranet]:80' is not a host"),
    ('allow_networks = ["10.0.0.0/8:0"]', "crawl.allow_networks: '10.0.0.0/8:0' is not a network"),
    ('allow_networks = ["[fd00::/8]x"]', "crawl.allow_networks: '[fd00::/8]x' is not a network"),
    ('allow_networks = ["intranet:80"]', "crawl.allow_networks: 'intranet:80' is not a network"),
])
def test_a_bad_entry_says_what_to_write(tmp_path: Path, crawl: str, message: str) -> None:
    with pytest.raises(ConfigError, match=r"feedvault\.toml:4: ") as caught:
        _config(tmp_path, crawl=crawl)
    assert message in str(caught.value)
    assert ('"rsshub.lan:1200"' in str(caught.value)) or ('"10.0.0.0/8:443"' in str(caught.value))


def test_the_resolver_checks_the_port_it_is_given() -> None:
    names = _StubNames({"corp.example": ["10.1.1.1"]})
    resolver = EgressResolver(None, EgressPolicy(trusted=frozenset({("corp.example", 8443)})),
                              inner=names)
    assert _connect_to(resolver, "corp.example") == []  # _connect_to asks for port 443
    receiver_port = EgressResolver(None, EgressPolicy(trusted=frozenset({("corp.example", 443)})),
                                   inner=names)
    assert _connect_to(receiver_port, "corp.example") == [("10.1.1.1", 443)]


def test_the_blocking_fetch_checks_the_port(monkeypatch: pytest.MonkeyPatch) -> None:
    sockets: list[object] = []
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, port, *a: [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.8", port))])
    monkeypatch.setattr(socket, "socket", lambda *a: sockets.append(a))
    monkeypatch.setattr(socket, "create_connection", lambda *a: sockets.append(a))
    policy = EgressPolicy(trusted=frozenset({("inside.example", 80)}))
    with pytest.raises(EgressRefused, match="port 6379 of it is not trusted"):
        _guarded_connect(policy, "inside.example")(("inside.example", 6379), 5)
    assert sockets == []
    _guarded_connect(policy, "inside.example")(("inside.example", 80), 5)
    assert sockets == [(("inside.example", 80), 5, None)]


# Real crawls: the feed's server and a "private service" on another port of the same host.
SECRET = "PRIVATE-SERVICE-5e1f"


@pytest.fixture
def hosts() -> Iterator[tuple[Server, Server]]:
    secret = (200, {"Content-Type": "text/html"},
              f"<html><body><article><p>{SECRET} {'internal words ' * 60}</p></article>"
              "</body></html>".encode())
    feed, service = Server("127.0.0.1", (404, {}, b"")), Server("127.0.0.1", secret)
    yield feed, service
    feed.stop()
    service.stop()


def _feeds(feed: Server, service: Server) -> dict[str, str]:
    """Two sources on the feed server's port, by address and by the name localhost; each
    links to the service's port directly and through a redirect."""
    links = {"literal": f"{service.base}/_shutdown",
             "byname": f"http://localhost:{service.port}/flushall",
             "redirect": feed.redirect("/go", f"{service.base}/redirected", 302)}
    items = [{"title": f"Item {name}", "link": url, "guid": name,
              "pubDate": f"Mon, {n + 1:02d} Jan 2024 10:00:00 +0000",
              "description": f"<p>Teaser of {name}</p>"} for n, (name, url) in enumerate(links.items())]
    feed.page("/feed.xml", rss_feed(items[::2]), "application/rss+xml")
    feed.page("/named.xml", rss_feed(items[1:2]), "application/rss+xml")
    return links


def _crawl(tmp_path: Path, feed: Server, extra: str = "") -> Any:
    sources = [{"name": "addr", "url": f"{feed.base}/feed.xml", "full_text": True},
               {"name": "named", "url": f"http://localhost:{feed.port}/named.xml",
                "full_text": True}]
    config = write_config(tmp_path, sources, extra="[scrapy]\nAUTOTHROTTLE_ENABLED = false\n"
                          + extra)
    return feedvault("crawl", "--config", config)


def test_links_to_another_port_of_a_feed_host_are_refused(hosts: tuple[Server, Server],
                                                          tmp_path: Path) -> None:
    feed, service = hosts
    links = _feeds(feed, service)
    result = _crawl(tmp_path, feed)
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert service.log == []  # not even robots.txt
    a, b = feed.port, service.port
    assert (f"addr: {links['literal']}: page not fetched (refused: 127.0.0.1 is a loopback "
            f"address, and port {b} of it is not trusted (only port {a} is); allow it with "
            f'[crawl] allow_hosts = ["127.0.0.1:{b}"]); kept the feed\'s text') in result.stdout
    assert (f"addr: {service.base}/redirected: page not fetched (refused: 127.0.0.1 is a "
            f"loopback address, and port {b} of it is not trusted") in result.stdout
    byname = [line for line in result.stdout.splitlines() if links["byname"] in line]
    assert len(byname) == 1, result.stdout  # one line, never retried
    assert "page not fetched (refused: the host localhost resolves to " in byname[0]
    assert (f"and port {b} of it is not trusted (only port {a} is); allow it with [crawl] "
            f'allow_hosts = ["localhost:{b}"])') in byname[0]
    posts = {frontmatter.load(p)["title"]: frontmatter.load(p).content
             for p in archive_files(tmp_path / "posts")}
    assert all(f"Teaser of {name}" in posts[f"Item {name}"] for name in links)
    assert SECRET not in "".join(posts.values())


def test_allow_hosts_with_a_port_reaches_the_other_port(hosts: tuple[Server, Server],
                                                        tmp_path: Path) -> None:
    feed, service = hosts
    links = _feeds(feed, service)
    b = service.port
    result = _crawl(tmp_path, feed, f'[crawl]\nallow_hosts = ["127.0.0.1:{b}", "localhost:{b}"]\n')
    assert "Traceback" not in result.stdout + result.stderr
    assert {"/_shutdown", "/flushall", "/redirected"} <= set(service.log)
    assert f"{links['literal']}: page not fetched" not in result.stdout
    assert "not trusted" not in result.stdout


def test_extract_trusts_the_typed_url_on_its_port_only(hosts: tuple[Server, Server],
                                                       tmp_path: Path) -> None:
    feed, service = hosts
    config = write_config(tmp_path, [{"name": "addr", "url": f"{feed.base}/feed.xml",
                                      "next_page": "a.next"}])
    page = feed.page("/article", "<html><head><title>A</title></head><body><article><p>"
                     + "Words of the article on the feed host. " * 20
                     + f'</p><a class="next" href="{service.base}/page2">next</a></article>'
                     "</body></html>")
    go = feed.redirect("/go-service", f"{service.base}/typed-redirect", 302)
    first = feedvault("extract", "--config", config, "--source", "addr", page)
    second = feedvault("extract", go)
    assert service.log == []
    assert "Words of the article on the feed host." in first.stdout
    assert (f"{service.base}/page2: refused: 127.0.0.1 is a loopback address, and port "
            f"{service.port} of it is not trusted") in first.stderr
    assert second.returncode == 1
    assert (f"{service.base}/typed-redirect: refused: 127.0.0.1 is a loopback address, and "
            f"port {service.port} of it is not trusted") in second.stdout + second.stderr


def test_download_mode_images_on_another_port_are_refused(hosts: tuple[Server, Server],
                                                          tmp_path: Path) -> None:
    feed, service = hosts
    image = f"{service.base}/admin.png"
    feed.page("/feed.xml", rss_feed([{"title": "Pictures", "link": f"{feed.base}/p",
                                      "guid": "p", "description": f'<p>one</p><img src="{image}">'}]),
              "application/rss+xml")
    config = write_config(tmp_path, [{"name": "pics", "url": f"{feed.base}/feed.xml"}],
                          extra='[images]\nmode = "download"\n')
    result = feedvault("crawl", "--config", config)
    assert "Traceback" not in result.stdout + result.stderr
    assert service.log == []
    assert (f"image {image} not downloaded (refused: 127.0.0.1 is a loopback address, and "
            f"port {service.port} of it is not trusted") in result.stdout
    [post] = archive_files(tmp_path / "posts")
    assert image in frontmatter.load(post).content  # kept its remote URL
