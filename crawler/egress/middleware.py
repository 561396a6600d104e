"""EgressMiddleware: refuses requests the egress policy forbids, before any byte is sent."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request
from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.error import DNSLookupError

from crawler.config import config_from_settings
from crawler.egress.addresses import literal_address
from crawler.egress.policy import EgressPolicy, host_of, port_of
from crawler.egress.resolver import EgressResolver, _Collect

logger = logging.getLogger(__name__)


class RequestRefused(IgnoreRequest):
    """A request the egress policy refused; its message is the report line's reason."""


class EgressMiddleware:
    """Checks every request: its scheme, an IP literal host (any spelling), the addresses
    a host name resolves to, each for the URL's port (a host trusted on one port is not
    trusted on the others).

    Ordered before RobotsTxtMiddleware (100), so a refused host gets no robots.txt request
    either. Redirects come back through the downloader middlewares as new requests (for
    image downloads too: ExecutionEngine.download_async loops on them), so every hop is
    checked. The refusal is an IgnoreRequest: BackoffRetryMiddleware never retries it; the
    request's errback reports it (the feed failed, the page kept the feed's text, the image
    kept its remote URL).
    """

    def __init__(self, policy: EgressPolicy, reactor: Any = None, stats: Any = None) -> None:
        self.policy = policy
        self.reactor = reactor  # its nameResolver: the EgressResolver in a crawl
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> EgressMiddleware:
        from twisted.internet import reactor

        return cls(EgressPolicy.from_config(config_from_settings(crawler.settings)), reactor,
                   crawler.stats)

    async def process_request(self, request: Request) -> None:
        refused = self.policy.check_url(request.url)
        if refused is None and request.url.startswith(("http://", "https://")):
            refused = await self._check_name(host_of(request.url), port_of(request.url))
        if refused:
            if self.stats is not None:
                self.stats.inc_value("feedvault/egress/refused")
            raise RequestRefused(refused)

    async def _check_name(self, host: str, port: int | None) -> str | None:
        """Resolve a host name (not a literal, not trusted at port) and check its addresses
        for a connection to port: the resolver sees the name, this sees the URL's port."""
        if not host or literal_address(host) is not None or self.policy.trusts(host, port):
            return None
        resolver = getattr(self.reactor, "nameResolver", None)
        if resolver is None:
            return None
        try:
            if isinstance(resolver, EgressResolver):
                addresses = await maybe_deferred_to_future(resolver.addresses(host))
            else:
                collect = _Collect()
                resolver.resolveHostName(collect, host, 0)
                addresses = [a.host for a in await maybe_deferred_to_future(collect.done)]
        except Exception as exc:  # the download reports an unresolvable name as before
            logger.debug("%s: not resolved: %s", host, exc)
            return None
        return self.policy.check_addresses(host, addresses, port)


class ConnectRefusalMiddleware:
    """Turns a connection the EgressResolver refused into a RequestRefused, unretried.

    That happens when a name resolved to allowed addresses when EgressMiddleware checked it
    and to refused ones at connect time (no DNS cache, or the entry was evicted). Twisted
    reports it as a failed name lookup, which BackoffRetryMiddleware (550) would retry:
    ordered after it and DeadlineMiddleware (645 > 640 > 550), this middleware sees the
    exception first. It stays below HostHealthMiddleware (650), which must see every
    exception to release the requests waiting for a probe (raising here ends the chain).
    """

    def __init__(self, reactor: Any = None) -> None:
        self.reactor = reactor

    @classmethod
    def from_crawler(cls, crawler: Any) -> ConnectRefusalMiddleware:
        from twisted.internet import reactor

        return cls(reactor)

    def process_exception(self, request: Request, exception: Exception) -> None:
        resolver = getattr(self.reactor, "nameResolver", None)
        if isinstance(exception, CannotResolveHostError | DNSLookupError) and \
                isinstance(resolver, EgressResolver):
            refused = resolver.refused.get(host_of(request.url))
            if refused:
                raise RequestRefused(refused) from exception
