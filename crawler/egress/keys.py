"""Where a source's keys (its `headers` and `cookies`) may go: the origins written for it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crawler.egress.policy import host_of, port_of, source_urls

if TYPE_CHECKING:
    from crawler.config import SourceConfig

Origin = tuple[str, str, int]  # scheme, host (lower case, no brackets, IDNA), port


def origin_of(url: str) -> Origin | None:
    """The URL's (scheme, host, port), the port its scheme's default when none is written;
    None for a URL that is not http(s) or has no usable host or port."""
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    host, port = host_of(url), port_of(url)
    if scheme not in ("http", "https") or not host or port is None:
        return None
    return scheme, host, port


def key_origins(urls: Iterable[str]) -> frozenset[Origin]:
    """The origins of urls, plus https://host for each http://host on port 80 among them: the
    upgrade an http->https redirect makes. Never the reverse (https down to http), never
    another port: http://host:8080 is another service than https://host."""
    origins: set[Origin] = set()
    for url in urls:
        origin = origin_of(url)
        if origin is not None:
            origins.add(origin)
            if origin[0] == "http" and origin[2] == 80:
                origins.add(("https", origin[1], 443))
    return frozenset(origins)


@dataclass(frozen=True)
class SourceKeys:
    """A source's headers and cookies, and the only origins they are sent to."""

    headers: tuple[tuple[str, str], ...] = ()
    cookies: tuple[tuple[str, str], ...] = ()
    origins: frozenset[Origin] = frozenset()

    @classmethod
    def of(cls, source: SourceConfig) -> SourceKeys:
        """The keys of source (its own merged with `[crawl]`'s), for its written URLs."""
        return cls(source.http.headers, source.http.cookies,
                   key_origins(source_urls(source)))

    def goes_to(self, url: str) -> bool:
        """Whether url is on one of the origins the keys may be sent to."""
        return origin_of(url) in self.origins

    def for_url(self, url: str) -> dict[str, str]:
        """The headers (a Cookie header for the cookies) to send with a request for url:
        none unless url is on one of the source's origins."""
        if not self.goes_to(url):
            return {}
        sent = dict(self.headers)
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies)
        return sent
