"""The egress policy: which URLs from fetched content may be fetched, built once from the Config."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from ipaddress import IPv6Address
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit
from urllib.request import getproxies

from archive.errors import ExtractError
from crawler.egress.addresses import Address, literal_address, non_public
from crawler.egress.allowed import AllowedHost, AllowedNetwork
from crawler.egress.hosts import ascii_host

if TYPE_CHECKING:
    from crawler.config import Config, SourceConfig

WEB_SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}


class EgressRefused(ExtractError):
    """A URL the egress policy does not allow; the message says which rule refused it."""


def host_of(url: str) -> str:
    """The URL's host, lower case, without brackets, port or trailing dot, a non-ASCII name
    in its IDNA (ASCII) form as Scrapy requests it; "" if none."""
    try:
        return ascii_host(urlsplit(url).hostname or "")
    except ValueError:
        return ""


def port_of(url: str) -> int | None:
    """The port a URL connects to: the one written, else its scheme's default (80, 443);
    None when it has neither or the port is not a number from 0 to 65535."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    return port if port is not None else DEFAULT_PORTS.get(parts.scheme.lower())


def _canonical(host: str) -> str:
    """host lower case, without a trailing dot, a name in its IDNA (ASCII) form; an IPv6
    address in its short form."""
    host = ascii_host(host.strip("[]"))
    if ":" in host:
        try:
            return str(IPv6Address(host.split("%", 1)[0]))
        except ValueError:
            return host
    return host


def environment_proxies() -> list[str]:
    """The http and https proxies of the environment (http_proxy, https_proxy) as URLs; one
    written `host:port` is the http: URL it stands for."""
    return [v if "://" in v else f"http://{v}" for k, v in getproxies().items()
            if k in ("http", "https")]


def _ports(ports: Iterable[int]) -> str:
    """'port 1200 is', 'ports 80 and 1200 are'."""
    names = [str(p) for p in sorted(set(ports))]
    if len(names) == 1:
        return f"port {names[0]} is"
    return f"ports {', '.join(names[:-1])} and {names[-1]} are"


def source_urls(source: SourceConfig) -> list[str]:
    """The URLs the owner wrote for one source: its feed and its backfill entry points."""
    urls = [source.url]
    backfill = source.backfill
    if backfill is not None:
        urls += [*backfill.sitemaps, backfill.list_url or "", backfill.feed_page or "",
                 backfill.feed_archive or ""]
    return [u for u in urls if u]


def owner_urls(config: Config) -> list[str]:
    """Every URL the owner wrote in feedvault.toml that the crawl fetches."""
    urls = [config.http.proxy or ""]  # the proxies the owner set are reached like feeds
    for source in config.sources:
        urls += [*source_urls(source), source.http.proxy or ""]
    if config.rsshub is not None:  # RSSHub instances: written by the owner, fetched as feeds
        urls += config.rsshub.instances
    return [u for u in urls if u]


@dataclass(frozen=True)
class EgressPolicy:
    """http(s) only, to public addresses, except hosts and networks the owner trusts.

    Trusted: the host and port of each URL the owner wrote (a source's url, its backfill
    sitemap, list_url, feed_page, feed_archive, a proxy, an RSSHub instance) on that port
    only (the scheme's default when none is written), `[crawl] allow_hosts` patterns and
    addresses in `[crawl] allow_networks`, on every port unless the entry names one.
    `file://` only for a source's own url. Public addresses are reachable on any port: a
    port matters only where trust lifts the refusal of a non-public address.
    """

    trusted: frozenset[tuple[str, int]] = frozenset()  # (host, port) of URLs the owner wrote
    allow_hosts: tuple[AllowedHost, ...] = ()
    allow_networks: tuple[AllowedNetwork, ...] = ()
    files: frozenset[str] = field(default_factory=frozenset)  # file:// URLs the owner wrote

    @classmethod
    def from_config(cls, config: Config) -> EgressPolicy:
        """The policy of a crawl with config; proxies from the environment (http_proxy,
        https_proxy) are trusted too: the connection goes to them."""
        urls = owner_urls(config)
        return cls(allow_hosts=config.allow_hosts, allow_networks=config.allow_networks,
                   files=frozenset(unquote(u) for u in urls if u.startswith("file:"))
                   ).trusting([*urls, *environment_proxies()])

    def trusting(self, urls: Iterable[str]) -> EgressPolicy:
        """This policy, with the host and port of each of urls trusted too (`feedvault
        extract URL`)."""
        pairs = {(_canonical(h), p) for u in urls
                 if (h := host_of(u)) and (p := port_of(u)) is not None}  # http(s) URLs
        return replace(self, trusted=self.trusted | pairs)

    def trusts(self, host: str, port: int | None) -> bool:
        """Whether the owner trusts host at port: a URL written in feedvault.toml with that
        host and port, or an allow_hosts entry. port None (a lookup that does not know
        the connection's port): trusted on some port."""
        host = _canonical(host)
        if (host, port) in self.trusted or (port is None and host in {h for h, _ in self.trusted}):
            return True
        return any(entry.matches(host, port) for entry in self.allow_hosts)

    def allows_host(self, host: str) -> bool:
        """Whether the owner allows host on some port although it may not be public: a
        trusted host or pattern, or an address (any spelling) inside `[crawl] allow_networks`."""
        if self.trusts(host, None):
            return True
        address = literal_address(host)
        return address is not None and any(e.matches(address, None) for e in self.allow_networks)

    def check_url(self, url: str) -> str | None:
        """Why url may not be requested at all (its scheme, a non-public IP literal), or None.

        A host name passes here; its addresses are checked when it is resolved."""
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme not in WEB_SCHEMES:
            if scheme == "file" and unquote(url) in self.files:
                return None
            return (f"refused: a {scheme or 'schemeless'}: URL; only http: and https: URLs "
                    "are fetched, file: only as a source's url in feedvault.toml")
        host = host_of(url)
        if not host:
            return "refused: the URL has no host"
        port = port_of(url)
        if port is None:
            return "refused: the URL's port is not a number from 0 to 65535"
        address = literal_address(host)
        if address is None or self.trusts(host, port):
            return None
        why = self.address_refused(address, port)
        if why is None:
            return None
        spelled = host if str(address) == host else f"{host} (that is {address})"
        return self._refusal(f"{spelled} is {why}", host, port, address,
                             "[crawl] allow_networks or allow_hosts")

    def address_refused(self, address: Address, port: int | None = None) -> str | None:
        """Why the policy refuses a connection to address (at port, when known), or None."""
        if any(entry.matches(address, port) for entry in self.allow_networks):
            return None
        return non_public(address)

    def check_addresses(self, host: str, addresses: Iterable[str],
                        port: int | None = None) -> str | None:
        """Why a host that resolves to addresses may not be connected to at port, or None:
        every address must be allowed (unless the host itself is trusted at port)."""
        if self.trusts(host, port):
            return None
        for text in addresses:
            address = literal_address(text)
            why = "an unparsable address" if address is None else \
                self.address_refused(address, port)
            if why:
                return self._refusal(f"the host {host} resolves to {text}, {why}", host, port,
                                     address, "[crawl] allow_hosts")
        return None

    def _refusal(self, what: str, host: str, port: int | None, address: Address | None,
                 allow: str) -> str:
        """The refusal's reason: when the host (or address) is trusted on other ports, that
        port is not, and the allow_hosts entry that would allow it."""
        others = self._other_ports(host, address)
        if port is None or not others:
            return f"refused: {what}; allow it with {allow}"
        entry = AllowedHost(_canonical(host), port)
        return (f"refused: {what}, and port {port} of it is not trusted (only "
                f"{_ports(others)}); allow it with [crawl] allow_hosts = [\"{entry}\"]")

    def _other_ports(self, host: str, address: Address | None) -> list[int]:
        """The ports on which host (or address) alone is trusted."""
        host = _canonical(host)
        ports = [p for h, p in self.trusted if h == host]
        ports += [e.port for e in self.allow_hosts if e.port is not None and e.matches(host, None)]
        if address is not None:
            ports += [e.port for e in self.allow_networks
                      if e.port is not None and e.matches(address, None)]
        return ports

    def check(self, url: str) -> None:
        """check_url as an exception: EgressRefused naming the rule."""
        why = self.check_url(url)
        if why:
            raise EgressRefused(f"{url}: {why}")
