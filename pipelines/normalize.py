"""Step 1: identity, title, author and absolute link for each feed entry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from crawler.config import SourceConfig, config_from_settings
from crawler.feeds.parse import clean_text, html_to_text
from crawler.items import ArticleItem
from pipelines._drop import drop
from pipelines._urls import strip_tracking

UNTITLED_CHARS = 60


def canonical_link(link: str | None, base: str, *, fragment: bool = True) -> str | None:
    """The link made absolute, host lower-cased; None unless it is http(s).

    The fragment stays: feeds such as changelogs give each entry its own `#anchor`
    on one page, and those are different articles (the page is fetched once).
    `fragment=False` drops it, for links to pages (sitemaps, listings).
    """
    if not link or not link.strip():
        return None
    try:
        parts = urlsplit(urljoin(base, link.strip()))
    except ValueError:  # a URL that does not parse, e.g. "http://[oops"
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", parts.query,
                       parts.fragment if fragment else ""))


def same_article_link(link: str) -> str:
    """What two sources' links to one article have in common: the link without click
    trackers (utm_* and the like), http and https alike (cross_source = "merge")."""
    link = strip_tracking(link)
    return "https" + link[4:] if link[:5].lower() == "http:" else link


class NormalizePipeline:
    def __init__(self, sources: Mapping[str, SourceConfig], stats: Any) -> None:
        self.sources = sources
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> NormalizePipeline:
        config = config_from_settings(crawler.settings)
        return cls({s.name: s for s in config.sources}, crawler.stats)

    def process_item(self, item: ArticleItem) -> ArticleItem:
        source = self.sources[item.source]
        item.link = canonical_link(item.link, item.feed_url)
        item.guid = clean_text(item.guid) or None
        if not item.guid and not item.link:
            raise drop(self.stats, item.source,
                       f"entry {item.title[:80]!r} has neither guid nor link", item.feed_url)
        item.title = clean_text(item.title) or self._fallback_title(item)
        item.author = source.author or clean_text(item.author) or item.feed_title or None
        return item

    @staticmethod
    def _fallback_title(item: ArticleItem) -> str:
        text = html_to_text(item.content) if item.content else ""
        if text:
            return text[:UNTITLED_CHARS].rstrip() + ("…" if len(text) > UNTITLED_CHARS else "")
        return "untitled"
