"""Falling over between RSSHub instances: which answers count as failed, and the next URL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from crawler.rsshub.urls import instance_url

if TYPE_CHECKING:
    from crawler.config.model import Config, RsshubConfig, SourceConfig

# request.meta key of an RSSHub feed request: the index of its instance (a plain int, so
# the request can travel through distributed mode's JSON queue)
RSSHUB_META = "feedvault_rsshub"
_FEED_STARTS = (b"<?xml", b"<rss", b"<feed", b"<rdf", b"{")
_HTML_STARTS = (b"<!doctype html", b"<html")


@dataclass(frozen=True)
class Attempt:
    """One source's feed request on one RSSHub instance, and the instances still to try."""

    instances: tuple[str, ...]  # instance base URLs, in the order configured
    urls: tuple[str, ...]       # the route on each instance, access key included
    shown: tuple[str, ...]      # the same without the access key: what reports name
    index: int = 0

    @property
    def url(self) -> str:
        return self.urls[self.index]

    @property
    def shown_url(self) -> str:
        return self.shown[self.index]

    @property
    def last(self) -> bool:
        return self.index == len(self.urls) - 1

    def next(self) -> Attempt | None:
        """The same route on the next instance, or None after the last."""
        if self.last:
            return None
        return Attempt(self.instances, self.urls, self.shown, self.index + 1)

    def rebase(self, url: str | None) -> str | None:
        """url with this instance's base replaced by the first instance's: a link or guid
        that points at the instance that served the feed names the same article on any."""
        here, first = self.instances[self.index], self.instances[0]
        if url and self.index and (url == here or url.startswith(here + "/")
                                   or url.startswith(here + "?")):
            return first + url[len(here):]
        return url


def attempt(rsshub: RsshubConfig, route: str, index: int = 0) -> Attempt:
    """An encoded route on the index-th instance (the first by default)."""
    bases = rsshub.instances
    return Attempt(
        instances=bases,
        urls=tuple(instance_url(b, route, rsshub.access_key, rsshub.access_mode) for b in bases),
        shown=tuple(instance_url(b, route) for b in bases),
        index=min(max(index, 0), len(bases) - 1),
    )


def feed_urls(config: Config, source: SourceConfig) -> tuple[str, ...]:
    """Every URL the source's feed may be requested at: its url, or its route on each
    RSSHub instance (access key included)."""
    if source.rsshub is None or config.rsshub is None:
        return (source.url,)
    return attempt(config.rsshub, source.rsshub).urls


def failed_answer(status: int, content_type: str, body: bytes) -> str | None:
    """Why an instance's answer is not the feed (HTTP 429, a 5xx, an HTML page), or None."""
    if status == 429 or status >= 500:
        return f"HTTP {status}"
    if looks_like_html(content_type, body):
        return "an HTML page instead of a feed" + (f" (HTTP {status})" if status != 200 else "")
    return None


def looks_like_html(content_type: str, body: bytes) -> bool:
    """An HTML document (an error page, a login page), not RSS, Atom or JSON Feed."""
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(_HTML_STARTS):
        return True
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind in ("text/html", "application/xhtml+xml") and not head.startswith(_FEED_STARTS)
