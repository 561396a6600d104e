"""Feeds of a site: the page's `<link rel="alternate">` feeds, else the usual feed paths;
each candidate fetched and kept only if it parses and has items."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lxml import etree
from lxml import html as lxml_html

from archive import FeedvaultError
from archive.urls import join_url
from crawler.feeds.encoding import decode
from crawler.feeds.parse import ParsedFeed, parse_feed

# (body, Content-Type, final URL) of a URL; FeedvaultError when it cannot be had
Fetch = Callable[[str], tuple[bytes, str | None, str]]

FEED_TYPES = {
    "application/rss+xml", "application/atom+xml", "application/feed+json",
    "application/json", "application/rdf+xml", "application/xml", "text/xml",
}
USUAL_PATHS = ("/feed", "/rss.xml", "/atom.xml", "/index.xml", "/feed.json", "/feed/", "/rss",
               "/index.rss")
MAX_LINKS = 20  # advertised feeds tried per page


@dataclass(frozen=True)
class Candidate:
    """A feed that parsed and has items."""

    url: str  # as advertised or typed: what goes into feedvault.toml
    feed: ParsedFeed
    advertised: str | None = None  # the link's own title attribute

    @property
    def title(self) -> str | None:
        return self.feed.title or self.advertised

    def describe(self) -> str:
        kind = {"json": "JSON Feed"}.get((self.feed.version or "")[:4], self.feed.version or "feed")
        return (f"{self.url} ({self.title or 'untitled'!r}, {kind}, "
                f"{len(self.feed.entries)} items)")


@dataclass
class Discovery:
    """The usable feeds found from one URL, and one line per advertised feed left out."""

    feeds: list[Candidate] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    page: bool = False  # the URL was a page, not a feed
    tried_usual: bool = False


def discover(url: str, fetch: Fetch) -> Discovery:
    """The feeds at url: url itself if it is a feed, else those its page leads to.

    FeedvaultError when url itself cannot be fetched."""
    body, ctype, final = fetch(url)
    found = Discovery()
    feed = _parse(body, ctype, final)
    if feed.entries:
        found.feeds.append(Candidate(url, feed))
        return found
    if feed.version and not _is_html(body, ctype):
        found.problems.append(f"{url}: a feed with no items: nothing to archive yet")
        return found
    found.page = True
    seen: set[str] = set()
    for link, title in feed_links(body, ctype, final)[:MAX_LINKS]:
        _try(link, title, fetch, found, seen, report=True)
    if not found.feeds:
        found.tried_usual = True
        for path in USUAL_PATHS:
            if candidate := join_url(final, path):
                _try(candidate, None, fetch, found, seen, report=False)
    return found


def feed_links(body: bytes, ctype: str | None, url: str) -> list[tuple[str, str | None]]:
    """(absolute URL, title) of every `<link rel="alternate">` feed of an HTML page."""
    try:
        text = decode(body, ctype, url=url).text
        root = lxml_html.document_fromstring(text)
    except (etree.ParserError, ValueError, FeedvaultError):
        return []
    base = url
    for element in root.iter("base"):
        if element.get("href"):
            base = join_url(url, element.get("href", "")) or url
            break
    links: list[tuple[str, str | None]] = []
    for element in root.iter("link"):
        rel = (element.get("rel") or "").lower().split()
        kind = (element.get("type") or "").split(";")[0].strip().lower()
        href = (element.get("href") or "").strip()
        if "alternate" not in rel or kind not in FEED_TYPES or not href:
            continue
        if kind in ("application/xml", "text/xml", "application/json") and "feed" not in rel \
                and not (element.get("title") or "").strip():
            continue  # generic types: only when the link says it is a feed
        absolute = join_url(base, href)
        if absolute and urlsplit(absolute).scheme in ("http", "https") and \
                absolute not in [u for u, _ in links]:
            links.append((absolute, (element.get("title") or "").strip() or None))
    return links


def _try(url: str, title: str | None, fetch: Fetch, found: Discovery, seen: set[str],
         report: bool) -> None:
    """Fetch and parse one candidate; keep it when it has items and is not one seen already."""
    try:
        body, ctype, final = fetch(url)
    except FeedvaultError as exc:
        if report:
            found.problems.append(f"{exc} (advertised feed, not added)"
                                  if str(exc).startswith(url) else f"{url}: {exc}")
        return
    digest = hashlib.sha256(body).hexdigest()
    if final in seen or digest in seen:
        return  # /feed redirecting to /feed/, or two paths serving one document
    seen.update((final, digest))
    feed = _parse(body, ctype, final)
    if feed.entries:
        found.feeds.append(Candidate(url, feed, title))
    elif report:
        why = feed.problem or "no items"
        found.problems.append(f"{url}: {why} (advertised feed, not added)")


def _parse(body: bytes, ctype: str | None, url: str) -> ParsedFeed:
    return parse_feed(body, url, {"content-type": ctype} if ctype else {})


def _is_html(body: bytes, ctype: str | None) -> bool:
    if ctype and "html" in ctype.lower():
        return True
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html"))
