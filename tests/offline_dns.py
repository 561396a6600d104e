"""A resolver for test crawls: names under `.invalid` fail at once, without asking DNS.

RFC 6761 says such names never resolve; the system resolver would still send the question
to the configured name server. Tests set `[scrapy] TWISTED_DNS_RESOLVER` to this class.
"""

from __future__ import annotations

from collections.abc import Sequence

from scrapy.resolver import CachingThreadedResolver
from twisted.internet import defer
from twisted.internet.error import DNSLookupError

SETTING = 'TWISTED_DNS_RESOLVER = "tests.offline_dns.OfflineResolver"'


class OfflineResolver(CachingThreadedResolver):
    """Scrapy's default resolver, except that `.invalid` names fail without a lookup."""

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> defer.Deferred[str]:
        if name.rstrip(".").lower().rsplit(".", 1)[-1] == "invalid":
            return defer.fail(DNSLookupError(f"{name}: a .invalid name (RFC 6761)"))
        return super().getHostByName(name, timeout)
