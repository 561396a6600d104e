"""Reading history pages: sitemap entries, listing links and dates, a feed's next page (no Scrapy)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import lxml.etree
from lxml import html as lxml_html

from archive.text import clean_text
from archive.urls import join_url
from crawler.extract.rules import compile_selector
from crawler.feeds.dates import parse_date
from crawler.feeds.encoding import decode
from crawler.feeds.parse import defuse
from crawler.limits.nesting import bound_depth

logger = logging.getLogger(__name__)

GZIP_MAGIC = b"\x1f\x8b"
MAX_SITEMAP_BYTES = 64 * 1024 * 1024  # unpacked; sitemaps.org allows 50 MB
FEED_NEXT_RELS = ("next", "prev-archive")  # RFC 5005 paged and archived feeds


@dataclass(frozen=True)
class Found:
    """An article URL a history page names, with the date it gives (if any)."""

    url: str
    date: datetime | None = None
    whole_day: bool = False  # a date without a time: it stands for the whole day

    @property
    def latest(self) -> datetime | None:
        """The last moment the date may mean."""
        if self.date is None or not self.whole_day:
            return self.date
        return self.date + timedelta(days=1) - timedelta(microseconds=1)


def sitemap_body(body: bytes) -> bytes:
    """The XML of a sitemap, unpacked when it is gzipped (`.xml.gz`, whatever the headers say)."""
    if body[:2] == GZIP_MAGIC:
        from scrapy.utils.gz import gunzip  # Scrapy's, with a size limit against gzip bombs

        return gunzip(body, max_size=MAX_SITEMAP_BYTES)
    return body


def unusable(url: str, bad: list[str]) -> str | None:
    """The report line of the URLs a history page names that are not usable, or None."""
    if not bad:
        return None
    shown = ", ".join(repr(clean_text(b)[:200]) for b in bad[:3]) + (", ..." if len(bad) > 3 else "")
    return f"{url}: {len(bad)} URLs skipped, not usable: {shown}"


def read_sitemap(body: bytes, base: str) -> tuple[list[Found], list[str], str | None]:
    """(articles, child sitemaps, problem) of a sitemap or sitemap index; lastmod as the date.

    A `loc` that is not a usable URL is left out and named in the problem."""
    from scrapy.utils.sitemap import Sitemap  # iterparse without entities, recovering

    sitemap = Sitemap(defuse(sitemap_body(body))[0])
    articles: list[Found] = []
    children: list[str] = []
    bad: list[str] = []
    for entry in sitemap:
        loc = join_url(base, entry.get("loc"))
        if loc is None:
            if entry.get("loc"):
                bad.append(entry["loc"])
            continue
        if sitemap.type == "sitemapindex":
            children.append(loc)
        else:
            lastmod = (entry.get("lastmod") or "").strip()
            articles.append(Found(loc, parse_date(lastmod), whole_day=len(lastmod) == 10))
    return articles, children, unusable(base, bad)


def _values(root: lxml_html.HtmlElement, selector: str, attributes: tuple[str, ...]
            ) -> list[str]:
    values = []
    for hit in compile_selector(selector)(root):
        if isinstance(hit, lxml.etree._Element):
            value = next((hit.get(a) for a in attributes if hit.get(a)), None)
            values.append((value or hit.text_content()).strip())
        else:
            values.append(str(hit).strip())
    return values


def read_listing(body: bytes, content_type: str | None, url: str, links: str,
                 dates: str | None, next_link: str | None
                 ) -> tuple[list[Found], str | None, str | None]:
    """(articles, next page URL, problem) of one listing page; links that are not usable
    URLs are left out and named in the problem."""
    text = bound_depth(decode(body, content_type, url=url).text).html  # lxml stops at 254
    root = lxml_html.document_fromstring(text or "<html/>")
    hrefs = [h for h in _values(root, links, ("href",)) if h and not h.startswith(("#", "javascript:"))]
    problem = None
    stamps: list[datetime | None] = [None] * len(hrefs)
    days = [False] * len(hrefs)
    if dates:
        raw = _values(root, dates, ("datetime", "content", "title"))
        if len(raw) == len(hrefs):
            stamps = [parse_date(r) for r in raw]
            days = [len(r) == len("2024-01-31") for r in raw]
        elif hrefs:
            problem = (f"{url}: item_dates matched {len(raw)} dates for {len(hrefs)} links; "
                       "dates taken from the articles instead")
    found, seen, bad = [], set(), []
    for href, stamp, day in zip(hrefs, stamps, days, strict=True):
        absolute = join_url(url, href)
        if absolute is None:
            bad.append(href)
        elif absolute not in seen:
            seen.add(absolute)
            found.append(Found(absolute, stamp, whole_day=day))
    nxt = None
    if next_link:
        candidates = [v for v in _values(root, next_link, ("href",))
                      if v and not v.startswith(("#", "javascript:"))]
        nxt = join_url(url, candidates[0]) if candidates else None
    skipped = unusable(url, bad)
    if skipped:
        problem = f"{problem}; {skipped}" if problem else skipped
    return found, nxt, problem


def feed_next(body: bytes, url: str) -> str | None:
    """The next (older) page of a feed: RFC 5005 `next` or `prev-archive`, JSON Feed `next_url`."""
    stripped = body.lstrip()
    if stripped[:1] == b"{":
        try:
            value = json.loads(body).get("next_url")
        except (ValueError, AttributeError):
            return None
        return join_url(url, value) if isinstance(value, str) else None
    try:
        parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, recover=True,
                                      huge_tree=False)
        root = lxml.etree.fromstring(defuse(body)[0], parser)
    except lxml.etree.XMLSyntaxError:
        return None
    if root is None:
        return None
    containers = [root, *(c for c in root if _local(c.tag) == "channel")]
    links: dict[str, str] = {}
    for container in containers:
        for child in container:
            if _local(child.tag) == "link" and child.get("rel") in FEED_NEXT_RELS \
                    and child.get("href"):
                links.setdefault(child.get("rel"), child.get("href"))
    for rel in FEED_NEXT_RELS:
        if rel in links:
            return join_url(url, links[rel])
    return None


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def pages(template: str, first: int) -> Iterator[tuple[int, str]]:
    number = first
    while True:
        yield number, template.replace("{page}", str(number))
        number += 1
