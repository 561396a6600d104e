"""The crawl's DNS resolver (TWISTED_DNS_RESOLVER): it hands Twisted only allowed addresses.

Every connection the crawl makes (feeds, pages, redirect hops, images, robots.txt) asks the
reactor's name resolver for the host's addresses, IP literals included (Twisted's
HostnameEndpoint resolves every host). This resolver keeps one answer per host (like Scrapy's
DNS cache) and hands it over only when the egress policy allows every address of it, so the
address checked is the address connected to: a name that resolves to a public address when
EgressMiddleware checks it and to a private one later is refused at connect time.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, cast

from scrapy.resolver import HostResolution
from scrapy.utils.datatypes import LocalCache
from twisted.internet import defer
from twisted.internet._resolver import GAIResolver
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IAddress, IHostnameResolver, IResolutionReceiver
from zope.interface import implementer

from crawler.config import config_from_settings
from crawler.egress.policy import EgressPolicy

logger = logging.getLogger(__name__)


@implementer(IResolutionReceiver)
class _Collect:
    """Gathers one resolution's addresses into a Deferred."""

    def __init__(self) -> None:
        self.addresses: list[IAddress] = []
        self.done: defer.Deferred[list[IAddress]] = defer.Deferred()

    def resolutionBegan(self, resolution: Any) -> None:
        pass

    def addressResolved(self, address: IAddress) -> None:
        self.addresses.append(address)

    def resolutionComplete(self) -> None:
        self.done.callback(self.addresses)


@implementer(IHostnameResolver)
class EgressResolver:
    """Resolves with `inner` (getaddrinfo in a thread: IPv4 and IPv6), filtered by policy."""

    def __init__(self, reactor: Any, policy: EgressPolicy, inner: Any = None,
                 cache_size: int = 10000, timeout: float | None = None) -> None:
        self.reactor = reactor
        self.policy = policy
        self.inner = inner if inner is not None else GAIResolver(reactor, reactor.getThreadPool)
        self.cache: LocalCache[str, list[tuple[str, str]]] = LocalCache(cache_size or 1)
        self.caching = bool(cache_size)
        self.timeout = timeout  # DNS_TIMEOUT, as Scrapy's own resolver has it
        self.refused: LocalCache[str, str] = LocalCache(1000)  # host -> why, at connect time

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> EgressResolver:
        # crawler is the CrawlerProcess: its settings hold the Config (crawler.run)
        settings = crawler.settings
        size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        return cls(reactor, EgressPolicy.from_config(config_from_settings(settings)),
                   cache_size=size, timeout=settings.getfloat("DNS_TIMEOUT") or None)

    def install_on_reactor(self) -> None:
        self.reactor.installNameResolver(self)

    def addresses(self, host: str) -> defer.Deferred[list[str]]:
        """Every address of host (the answer connections will use), as text."""
        return self._lookup(host).addCallback(lambda found: [a for _, a in found])

    def _lookup(self, host: str) -> defer.Deferred[list[tuple[str, str]]]:
        if host.rstrip(".").lower().rsplit(".", 1)[-1] == "invalid":
            # RFC 6761: never resolves; the system resolver would still ask the name server
            return defer.fail(DNSLookupError(f"{host}: a .invalid name never resolves"))
        key = host.rstrip(".").lower()  # `a.example.` and `a.example`: one answer, one check
        if key in self.cache:
            return defer.succeed(self.cache[key])
        collect = _Collect()
        self.inner.resolveHostName(cast(IResolutionReceiver, collect), host, 0)
        if self.timeout and self.reactor is not None and not collect.done.called:
            collect.done.addTimeout(self.timeout, self.reactor)

        def keep(found: list[IAddress]) -> list[tuple[str, str]]:
            result = [("6" if isinstance(a, IPv6Address) else "4", a.host) for a in found
                      if isinstance(a, IPv4Address | IPv6Address)]
            if result and self.caching:
                self.cache[key] = result
            return result

        return collect.done.addCallback(keep)

    def resolveHostName(self, resolutionReceiver: Any, hostName: str, portNumber: int = 0,
                        addressTypes: Sequence[type[IAddress]] | None = None,
                        transportSemantics: str = "TCP") -> Any:
        resolution = HostResolution(hostName)
        resolutionReceiver.resolutionBegan(resolution)

        def hand_over(found: list[tuple[str, str]]) -> None:
            # Twisted's HostnameEndpoint passes the port; connectTCP's lookup passes 0
            refused = self.policy.check_addresses(hostName, [a for _, a in found],
                                                  portNumber or None)
            if refused:
                logger.debug("%s: not connecting: %s", hostName, refused)
                self.refused[hostName.rstrip(".").lower()] = refused
                found = []
            else:  # a later failure of this name is a plain DNS failure again
                self.refused.pop(hostName.rstrip(".").lower(), None)
            for family, address in found:
                kind = IPv6Address if family == "6" else IPv4Address
                if addressTypes is None or kind in addressTypes:
                    resolutionReceiver.addressResolved(kind("TCP", address, portNumber))

        def fail(failure: Any) -> None:
            logger.debug("%s: not resolved: %s", hostName, failure.getErrorMessage())

        (self._lookup(hostName).addCallbacks(hand_over, fail)
         .addBoth(lambda _: resolutionReceiver.resolutionComplete()))
        return resolution
