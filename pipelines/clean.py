"""Step 2: drop `remove` selectors, make URLs absolute, sanitize the body against the allowlist."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lxml.cssselect import CSSSelector

from crawler.config import config_from_settings
from crawler.items import ArticleItem

from ._sanitize import compile_selectors, prepare, sanitize


class CleanPipeline:
    def __init__(self, removals: Mapping[str, tuple[CSSSelector, ...]]) -> None:
        self.removals = removals

    @classmethod
    def from_crawler(cls, crawler: Any) -> CleanPipeline:
        config = config_from_settings(crawler.settings)
        return cls({s.name: compile_selectors(s.remove) for s in config.sources})

    def process_item(self, item: ArticleItem) -> ArticleItem:
        base = item.link or item.feed_url
        body = prepare(item.content, base, self.removals.get(item.source, ()))
        item.content = sanitize(body)
        return item
