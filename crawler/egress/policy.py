"""The egress policy: which URLs from fetched content may be fetched, built once from the Config."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit
from urllib.request import getproxies

from archive.errors import ExtractError
from crawler.egress.addresses import Address, Network, in_networks, literal_address, non_public

if TYPE_CHECKING:
    from crawler.config import Config, SourceConfig

WEB_SCHEMES = ("http", "https")


class EgressRefused(ExtractError):
    """A URL the egress policy does not allow; the message says which rule refused it."""


def host_of(url: str) -> str:
    """The URL's host, lower case, without brackets, port or trailing dot; "" if none."""
    try:
        return (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:
        return ""


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

    Trusted: the hosts of the URLs the owner wrote (a source's url, its backfill sitemap,
    list_url, feed_page, feed_archive), `[crawl] allow_hosts` patterns, and addresses in
    `[crawl] allow_networks`. `file://` only for a source's own url.
    """

    trusted: frozenset[str] = frozenset()
    allow_hosts: tuple[str, ...] = ()
    allow_networks: tuple[Network, ...] = ()
    files: frozenset[str] = field(default_factory=frozenset)  # file:// URLs the owner wrote

    @classmethod
    def from_config(cls, config: Config) -> EgressPolicy:
        """The policy of a crawl with config; proxies from the environment (http_proxy,
        https_proxy) are trusted too: the connection goes to them."""
        urls = owner_urls(config)
        proxies = [v for k, v in getproxies().items() if k in ("http", "https")]
        return cls(trusted=frozenset(h for u in [*urls, *proxies] if (h := host_of(u))),
                   allow_hosts=config.allow_hosts, allow_networks=config.allow_networks,
                   files=frozenset(unquote(u) for u in urls if u.startswith("file:")))

    def trusting(self, urls: Iterable[str]) -> EgressPolicy:
        """This policy, with the hosts of urls trusted too (`feedvault extract URL`)."""
        hosts = {h for u in urls if (h := host_of(u))}
        return replace(self, trusted=self.trusted | hosts)

    def host_trusted(self, host: str) -> bool:
        host = host.rstrip(".").lower()
        return host in self.trusted or any(fnmatchcase(host, p) for p in self.allow_hosts)

    def allows_host(self, host: str) -> bool:
        """Whether the owner allows host although it may not be public: a trusted host or
        pattern, or an address (any spelling) inside `[crawl] allow_networks`."""
        if self.host_trusted(host):
            return True
        address = literal_address(host)
        return address is not None and in_networks(address, self.allow_networks)

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
        address = literal_address(host)
        if address is None or self.host_trusted(host):
            return None
        why = self.address_refused(address)
        if why is None:
            return None
        spelled = host if str(address) == host else f"{host} (that is {address})"
        return (f"refused: {spelled} is {why}; allow it with [crawl] allow_networks "
                "or allow_hosts")

    def address_refused(self, address: Address) -> str | None:
        """Why the policy refuses a connection to address, or None."""
        if in_networks(address, self.allow_networks):
            return None
        return non_public(address)

    def check_addresses(self, host: str, addresses: Iterable[str]) -> str | None:
        """Why a host that resolves to addresses may not be connected to, or None: every
        address must be allowed (unless the host itself is trusted)."""
        if self.host_trusted(host):
            return None
        for text in addresses:
            address = literal_address(text)
            why = "an unparsable address" if address is None else self.address_refused(address)
            if why:
                return (f"refused: the host {host} resolves to {text}, {why}; allow it with "
                        "[crawl] allow_hosts")
        return None

    def check(self, url: str) -> None:
        """check_url as an exception: EgressRefused naming the rule."""
        why = self.check_url(url)
        if why:
            raise EgressRefused(f"{url}: {why}")
