"""Step 4: write the article into the archive (new, rewritten in place, or left untouched)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from archive import Archive, ArchiveError, Article
from crawler.config import SourceConfig, config_from_settings
from crawler.items import ArticleItem
from crawler.report import count, mark

from ._drop import drop

logger = logging.getLogger(__name__)


class StorePipeline:
    def __init__(
        self,
        root: Path,
        preset: str,
        front_matter: Mapping[str, Any],
        sources: Mapping[str, SourceConfig],
        stats: Any,
    ) -> None:
        self.root = root
        self.preset = preset
        self.front_matter = front_matter
        self.sources = sources
        self.stats = stats
        self.archive: Archive | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> StorePipeline:
        config = config_from_settings(crawler.settings)
        return cls(
            config.archive_path,
            config.preset,
            config.front_matter,
            {s.name: s for s in config.sources},
            crawler.stats,
        )

    def open_spider(self) -> None:
        self.archive = Archive(self.root, self.preset, self.front_matter)

    def close_spider(self) -> None:
        if self.archive is not None:
            self.archive.close()

    def process_item(self, item: ArticleItem) -> ArticleItem:
        assert self.archive is not None, "open_spider() was not called"
        article = Article(
            source=item.source,
            title=item.title,
            body=item.content,
            date=item.date,
            categories=self.sources[item.source].categories,
            author=item.author,
            cover=item.cover,
            original_url=item.link,
            guid=item.guid,
        )
        try:
            result = self.archive.put(article, self.sources[item.source].id)
        except ArchiveError as exc:
            # not the item's fault: keep the feed's validators so the next crawl retries it
            mark(self.stats, item.source, "incomplete", True)
            raise drop(self.stats, item.source, str(exc), item.link or item.feed_url) from exc
        count(self.stats, item.source, result.status)
        logger.debug("%s %s", result.status, result.path)
        return item
