"""The egress policy's parts: the address check, the policy from the config, the resolver
and the blocking fetch's connection guard, with name resolution stubbed (no packet leaves)."""

from __future__ import annotations

import socket
from ipaddress import ip_network
from pathlib import Path
from typing import Any

import pytest
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.interfaces import IResolutionReceiver
from zope.interface import implementer

from archive import ConfigError
from crawler.config import load_config
from crawler.egress import EgressPolicy, EgressRefused, literal_address, non_public
from crawler.egress.allowed import AllowedNetwork
from crawler.egress.blocking import _guarded_connect
from crawler.egress.resolver import EgressResolver
from pipelines._urls import is_private_host

NON_PUBLIC = {
    # every spelling of loopback
    "127.0.0.1": "a loopback address", "127.0.0.2": "a loopback address",
    "2130706433": "a loopback address", "2130706434": "a loopback address",
    "0177.0.0.1": "a loopback address", "0x7f000001": "a loopback address",
    "0x7f.0.0.1": "a loopback address", "127.1": "a loopback address",
    "017700000001": "a loopback address", "[::1]": "a loopback address",
    "localhost.": None,  # a name, not a literal: checked when resolved
    # private networks (RFC 1918, ULA)
    "10.1.2.3": "a private-network address", "172.16.0.1": "a private-network address",
    "172.31.255.254": "a private-network address", "192.168.0.9": "a private-network address",
    "fd12:3456::1": "a private-network address",
    # link-local, cloud metadata, CGNAT
    "169.254.169.254": "a link-local address", "fe80::1": "a link-local address",
    "100.64.0.1": "a carrier-grade NAT (100.64.0.0/10) address",
    "100.127.255.254": "a carrier-grade NAT (100.64.0.0/10) address",
    # multicast, unspecified, reserved
    "224.0.0.1": "a multicast address", "ff02::1": "a multicast address",
    "0.0.0.0": "an unspecified address", "0": "an unspecified address",
    "::": "an unspecified address", "240.0.0.1": "a reserved address",
    "255.255.255.255": "a reserved address",
    # IPv4 inside IPv6: mapped, 6to4, NAT64, IPv4-compatible
    "::ffff:127.0.0.1": "a loopback address (as 127.0.0.1)",
    "::ffff:169.254.169.254": "a link-local address (as 169.254.169.254)",
    "::ffff:a00:1": "a private-network address (as 10.0.0.1)",
    "2002:7f00:1::": "a loopback address (as 127.0.0.1)",
    "2002:c0a8:1::1": "a private-network address (as 192.168.0.1)",
    "64:ff9b::7f00:1": "a loopback address (as 127.0.0.1)",
    "64:ff9b::a9fe:a9fe": "a link-local address (as 169.254.169.254)",
    "::7f00:1": "a loopback address (as 127.0.0.1)",
    # documentation and benchmarking ranges: not on the internet either
    "192.0.2.1": "a special-use address", "198.18.0.1": "a special-use address",
}
PUBLIC = ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111",
          "::ffff:8.8.8.8", "2002:808:808::1", "64:ff9b::808:808", "100.128.0.1",
          "172.32.0.1", "11.0.0.1", "134744072"]  # the last is 8.8.8.8 in decimal


@pytest.mark.parametrize(("host", "why"), NON_PUBLIC.items())
def test_non_public_addresses_in_every_spelling(host: str, why: str | None) -> None:
    address = literal_address(host)
    if why is None:
        assert address is None
    else:
        assert address is not None and non_public(address) == why


@pytest.mark.parametrize("host", PUBLIC)
def test_public_addresses_are_allowed(host: str) -> None:
    address = literal_address(host)
    assert address is not None and non_public(address) is None
    assert EgressPolicy().check_url(f"http://[{host}]/a" if ":" in host
                                    else f"http://{host}/a") is None


@pytest.mark.parametrize("host", ["example.com", "1.2.3.4.5", "08.1.1.1", "0x1g", "1..2"])
def test_names_are_no_literals(host: str) -> None:
    assert literal_address(host) is None


@pytest.mark.parametrize("url", [
    "http://127.0.0.2/x", "http://2130706434/", "https://0x7f000001/", "http://127.1:8080/",
    "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://169.254.169.254/latest/meta-data/",
    "http://user@10.0.0.1/", "http://0177.0.0.1/", "HTTP://192.168.1.1/"])
def test_urls_with_private_literals_are_refused(url: str) -> None:
    why = EgressPolicy().check_url(url)
    assert why is not None and why.startswith("refused: ")
    assert why.endswith("allow it with [crawl] allow_networks or allow_hosts")


def test_the_refusal_names_the_address_behind_a_spelling() -> None:
    assert EgressPolicy().check_url("http://2130706434:8080/") == (
        "refused: 2130706434 (that is 127.0.0.2) is a loopback address; allow it with "
        "[crawl] allow_networks or allow_hosts")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "file:///dev/zero", "ftp://x.example/",
                                 "data:text/html,hi", "gopher://x.example/", "s3://bucket/key"])
def test_only_http_and_https_are_fetched(url: str) -> None:
    why = EgressPolicy().check_url(url)
    assert why is not None and "only http: and https: URLs are fetched" in why


def _config(tmp_path: Path, crawl: str = "", backfill: str = "") -> Any:
    (tmp_path / "feed.xml").write_text("<rss/>")
    path = tmp_path / "feedvault.toml"
    path.write_text(f'[archive]\npath = "posts"\n[crawl]\n{crawl}\n'
                    '[[sources]]\nname = "intra"\nurl = "http://intranet.corp.example/feed"\n'
                    '[[sources]]\nname = "local"\nurl = "file://feed.xml"\n'
                    '[[sources]]\nname = "blog"\nurl = "https://blog.example/feed"\n'
                    f"{backfill}")
    return load_config(path)


def test_owner_written_hosts_and_files_are_trusted(tmp_path: Path) -> None:
    policy = EgressPolicy.from_config(_config(tmp_path, backfill=(
        '[sources.backfill]\nsitemap = "http://10.1.1.1/sitemap.xml"\n'
        'feed_page = "http://pages.corp.example/feed?p={page}"\n')))
    assert policy.check_url((tmp_path / "feed.xml").as_uri()) is None  # a source's own url
    assert policy.check_url((tmp_path / "other.xml").as_uri()) is not None
    assert policy.check_url("http://10.1.1.1/anything") is None  # a backfill sitemap's host
    assert policy.check_addresses("intranet.corp.example", ["10.0.0.5"]) is None
    assert policy.check_addresses("pages.corp.example", ["192.168.1.1"]) is None
    assert policy.check_addresses("INTRANET.corp.example.", ["10.0.0.5"]) is None
    assert policy.check_addresses("other.corp.example", ["10.0.0.5"]) == (
        "refused: the host other.corp.example resolves to 10.0.0.5, a private-network address; "
        "allow it with [crawl] allow_hosts")
    assert policy.check_url("http://10.1.1.2/") is not None  # only the host written


def test_allow_hosts_and_allow_networks(tmp_path: Path) -> None:
    config = _config(tmp_path, crawl='allow_hosts = ["wiki.example", "*.corp.example"]\n'
                     'allow_networks = ["10.0.0.0/8", "fd00::/8", "192.168.5.7"]')
    assert [str(h) for h in config.allow_hosts] == ["wiki.example", "*.corp.example"]
    assert [n.network for n in config.allow_networks] == [
        ip_network("10.0.0.0/8"), ip_network("fd00::/8"), ip_network("192.168.5.7/32")]
    policy = EgressPolicy.from_config(config)
    assert policy.check_addresses("wiki.example", ["127.0.0.1"]) is None
    assert policy.check_addresses("a.b.corp.example", ["172.16.0.1"]) is None
    assert policy.check_addresses("elsewhere.example", ["10.9.8.7", "fd00::1"]) is None
    assert policy.check_addresses("elsewhere.example", ["10.9.8.7", "192.168.5.8"]) is not None
    assert policy.check_url("http://10.200.0.1/") is None
    assert policy.check_url("http://167772161/") is None  # 10.0.0.1 in decimal
    assert policy.check_url("http://[::ffff:10.0.0.1]/") is None
    assert policy.check_url("http://192.168.5.7/") is None
    assert policy.check_url("http://192.168.5.8/") is not None
    assert policy.check_url("http://169.254.169.254/") is not None
    assert policy.check_url("file:///etc/passwd") is not None  # files stay refused


def test_every_address_must_be_allowed(tmp_path: Path) -> None:
    policy = EgressPolicy()
    assert policy.check_addresses("mixed.example", ["93.184.216.34", "2606:2800::1"]) is None
    assert policy.check_addresses("mixed.example", ["93.184.216.34", "127.0.0.1"]) is not None
    assert policy.check_addresses("v6.example", ["::ffff:7f00:1"]) is not None


@pytest.mark.parametrize(("crawl", "message"), [
    ('allow_networks = ["10.0.0.0/33"]', "crawl.allow_networks: '10.0.0.0/33' is not a network"),
    ('allow_networks = ["intranet"]', "crawl.allow_networks: 'intranet' is not a network"),
    ('allow_networks = "10.0.0.0/8"', "crawl.allow_networks: expected a list of strings"),
    ('allow_hosts = ["http://intranet/"]', "crawl.allow_hosts: 'http://intranet/' is not a host"),
    ('allow_hosts = "intranet"', "crawl.allow_hosts: expected a list of strings"),
])
def test_bad_allow_entries_are_config_errors_naming_the_key(tmp_path: Path, crawl: str,
                                                            message: str) -> None:
    with pytest.raises(ConfigError, match=r"feedvault\.toml:4: ") as caught:
        _config(tmp_path, crawl=crawl)
    assert message in str(caught.value)


def test_is_private_host_uses_the_same_check() -> None:
    for host, why in NON_PUBLIC.items():
        assert is_private_host(host) is (why is not None or host == "localhost.")
    for host in PUBLIC:
        assert not is_private_host(host)


# The resolver: the address checked is the address connected to.
class _StubNames:
    """Name resolution stubbed: answers from a dict, counts lookups."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.lookups = 0

    def resolveHostName(self, receiver: Any, host: str, port: int = 0, *args: Any) -> None:
        self.lookups += 1
        receiver.resolutionBegan(None)
        for address in self.answers.get(host, []):
            kind = IPv6Address if ":" in address else IPv4Address
            receiver.addressResolved(kind("TCP", address, port))
        receiver.resolutionComplete()


@implementer(IResolutionReceiver)
class _Receiver:
    def __init__(self) -> None:
        self.addresses: list[tuple[str, int]] = []
        self.complete = False

    def resolutionBegan(self, resolution: Any) -> None:
        pass

    def addressResolved(self, address: Any) -> None:
        self.addresses.append((address.host, address.port))

    def resolutionComplete(self) -> None:
        self.complete = True


def _connect_to(resolver: EgressResolver, host: str) -> list[tuple[str, int]]:
    receiver = _Receiver()
    resolver.resolveHostName(receiver, host, 443)
    assert receiver.complete
    return receiver.addresses


def test_resolver_hands_over_only_allowed_answers() -> None:
    names = _StubNames({"public.example": ["93.184.216.34", "2606:2800::1"],
                        "rebind.example": ["127.0.0.1"], "mixed.example": ["8.8.8.8", "10.0.0.1"],
                        "metadata.example": ["169.254.169.254"], "corp.example": ["10.1.1.1"],
                        "lab.example": ["192.168.7.7"]})
    policy = EgressPolicy(trusted=frozenset({("corp.example", 443)}),
                          allow_networks=(AllowedNetwork(ip_network("192.168.7.0/24")),))
    resolver = EgressResolver(None, policy, inner=names)
    assert _connect_to(resolver, "public.example") == [("93.184.216.34", 443),
                                                       ("2606:2800::1", 443)]
    assert _connect_to(resolver, "rebind.example") == []
    assert _connect_to(resolver, "mixed.example") == []
    assert _connect_to(resolver, "metadata.example") == []
    assert _connect_to(resolver, "unknown.example") == []
    assert _connect_to(resolver, "corp.example") == [("10.1.1.1", 443)]  # trusted host
    assert _connect_to(resolver, "lab.example") == [("192.168.7.7", 443)]  # allowed network


def test_resolver_connects_with_the_answer_that_was_checked() -> None:
    names = _StubNames({"flip.example": ["93.184.216.34"]})
    resolver = EgressResolver(None, EgressPolicy(), inner=names)
    checked = []
    resolver.addresses("flip.example").addCallback(checked.extend)  # EgressMiddleware's check
    assert checked == ["93.184.216.34"]
    names.answers["flip.example"] = ["127.0.0.1"]  # the name now points inside
    assert _connect_to(resolver, "flip.example") == [("93.184.216.34", 443)]
    assert names.lookups == 1


def test_resolver_without_a_cache_refuses_a_name_that_turned_private() -> None:
    names = _StubNames({"flip.example": ["93.184.216.34"]})
    resolver = EgressResolver(None, EgressPolicy(), inner=names, cache_size=0)
    assert _connect_to(resolver, "flip.example") == [("93.184.216.34", 443)]
    names.answers["flip.example"] = ["127.0.0.1"]
    assert _connect_to(resolver, "flip.example") == []


def test_resolver_checks_literals_the_way_twisted_passes_them() -> None:
    names = _StubNames({"2130706433": ["127.0.0.1"], "127.0.0.1": ["127.0.0.1"]})
    resolver = EgressResolver(None, EgressPolicy(), inner=names)
    assert _connect_to(resolver, "2130706433") == []
    assert _connect_to(resolver, "127.0.0.1") == []


# The blocking fetch's connection guard (extract, sources check).
def test_blocking_fetch_never_connects_to_a_refused_address(monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    answers = {"inside.example": "10.0.0.8", "meta.example": "169.254.169.254"}
    sockets: list[object] = []
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, port, *a: [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))])
    monkeypatch.setattr(socket, "socket", lambda *a: sockets.append(a))
    monkeypatch.setattr(socket, "create_connection", lambda *a: sockets.append(a))
    for host in answers:
        with pytest.raises(EgressRefused, match=f"refused: the host {host} resolves to"):
            _guarded_connect(EgressPolicy(), host)((host, 80), 5)
    assert sockets == []
    # a trusted host connects as urllib would
    _guarded_connect(EgressPolicy(trusted=frozenset({("inside.example", 80)})),
                     "inside.example")(("inside.example", 80), 5)
    assert sockets == [(("inside.example", 80), 5, None)]


def test_policy_check_raises_naming_the_url() -> None:
    with pytest.raises(EgressRefused, match=r"^http://127\.0\.0\.2/x: refused: 127\.0\.0\.2 is"):
        EgressPolicy().check("http://127.0.0.2/x")
    EgressPolicy().check("https://example.com/")


def test_every_crawl_runs_under_the_policy(tmp_path: Path) -> None:
    """crawl, backfill and distributed workers build their settings with crawl_settings."""
    from crawler.egress.middleware import ConnectRefusalMiddleware, EgressMiddleware
    from crawler.health.middleware import HostHealthMiddleware
    from crawler.middlewares import BackoffRetryMiddleware
    from crawler.run import crawl_settings

    settings = crawl_settings(_config(tmp_path))
    middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES")
    assert middlewares[EgressMiddleware] < 100  # RobotsTxtMiddleware's order
    # exceptions run from the highest order down, and one that raises ends the chain: a
    # connect-time refusal becomes a RequestRefused before retries see it, after host health
    # has done its bookkeeping (a probe's waiting requests are released)
    assert middlewares[BackoffRetryMiddleware] < middlewares[ConnectRefusalMiddleware] \
        < middlewares[HostHealthMiddleware]
    assert settings["TWISTED_DNS_RESOLVER"] is EgressResolver
    assert settings.getdict("DOWNLOADER_MIDDLEWARES_BASE")[
        "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware"] == 100


def test_a_connect_time_refusal_is_reported_and_not_retried() -> None:
    from scrapy import Request
    from scrapy.exceptions import CannotResolveHostError

    from crawler.egress.middleware import ConnectRefusalMiddleware, RequestRefused

    names = _StubNames({"flip.example": ["93.184.216.34"]})
    resolver = EgressResolver(None, EgressPolicy(), inner=names, cache_size=0)

    class Reactor:
        nameResolver = resolver

    hook = ConnectRefusalMiddleware(Reactor())
    request = Request("https://flip.example/a")
    lookup_failed = CannotResolveHostError("no results for hostname lookup: flip.example")
    assert hook.process_exception(request, lookup_failed) is None  # a plain DNS failure
    names.answers["flip.example"] = ["10.0.0.1"]
    assert _connect_to(resolver, "flip.example") == []
    with pytest.raises(RequestRefused) as caught:
        hook.process_exception(request, lookup_failed)
    assert str(caught.value) == ("refused: the host flip.example resolves to 10.0.0.1, a "
                                 "private-network address; allow it with [crawl] allow_hosts")


def test_the_proxies_the_owner_set_are_trusted(tmp_path: Path) -> None:
    """A proxy on the owner's network ([crawl] or a source's `proxy`) is reached like a feed."""
    policy = EgressPolicy.from_config(_config(
        tmp_path, crawl='proxy = "http://proxy.corp.example:3128"',
        backfill='proxy = "http://user:pw@10.2.2.2:8080"\n'))
    assert policy.check_addresses("proxy.corp.example", ["10.0.0.9"]) is None
    assert policy.check_url("http://10.2.2.2:8080/") is None
    assert policy.check_addresses("other.corp.example", ["10.0.0.9"]) is not None


def test_invalid_names_fail_without_a_lookup() -> None:
    """RFC 6761: a `.invalid` name never resolves, so no question is sent for it."""
    names = _StubNames({"news.invalid": ["93.184.216.34"]})
    resolver = EgressResolver(None, EgressPolicy(), inner=names, cache_size=0)
    assert _connect_to(resolver, "news.invalid") == []
    assert _connect_to(resolver, "NEWS.INVALID.") == []
    assert names.lookups == 0
    assert _connect_to(resolver, "news.invalid.example") == []  # not the TLD: asked
    assert names.lookups == 1
