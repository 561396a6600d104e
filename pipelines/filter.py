"""Step 1½, between identity and cleaning: drop what a source's include / exclude rules reject."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scrapy.exceptions import DropItem

from crawler.config import SourceConfig, config_from_settings
from crawler.filters import drops
from crawler.items import ArticleItem


class Filtered(DropItem):
    """An item a rule dropped after its page was fetched: not a failure (counted as filtered)."""


class FilterPipeline:
    """The spider already dropped what the feed's text decides; here the rules see the
    article's page text (and the page's title or author with `prefer_page`) before
    anything is cleaned or written. Every path to the archive passes here (feed crawls,
    backfill, the distributed writer's workers)."""

    def __init__(self, sources: Mapping[str, SourceConfig], stats: Any) -> None:
        self.sources = sources
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> FilterPipeline:
        config = config_from_settings(crawler.settings)
        return cls(config.by_name, crawler.stats)

    def process_item(self, item: ArticleItem) -> ArticleItem:
        reason = drops(self.stats, self.sources[item.source], item)
        if reason is not None:
            raise Filtered(f"{item.link or item.title}: filtered ({reason})", log_level="DEBUG")
        return item
