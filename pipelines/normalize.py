"""Step 1: identity, title, author and absolute link for each feed entry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from archive.text import clean_text, html_to_text
from archive.urls import canonical_link
from crawler.config import SourceConfig, config_from_settings
from crawler.items import ArticleItem
from crawler.limits.nesting import bound_depth
from pipelines._drop import drop
from pipelines._urls import strip_tracking

UNTITLED_CHARS = 60


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
        return cls(config_from_settings(crawler.settings).by_name, crawler.stats)

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
        text = html_to_text(bound_depth(item.content).html, inline=True) if item.content else ""
        if text:
            return text[:UNTITLED_CHARS].rstrip() + ("…" if len(text) > UNTITLED_CHARS else "")
        return "untitled"
