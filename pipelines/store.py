"""Step 4: write the article into the archive (new, rewritten in place, or left untouched)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro

from archive import HIDDEN, Archive, ArchiveError, ArchiveLock, Article, Preset
from archive.ledger import Provenance
from archive.verify import repair
from crawler.config import Config, SourceConfig, config_from_settings
from crawler.items import ArticleItem
from crawler.outcome.report import count, mark, problem
from pipelines._drop import drop
from pipelines.normalize import same_article_link

logger = logging.getLogger(__name__)


class StorePipeline:
    def __init__(
        self,
        root: Path,
        preset: Preset,
        front_matter: Mapping[str, Any],
        sources: Mapping[str, SourceConfig],
        stats: Any,
        *,
        take_lock: bool = True,
        stop_crawl: Callable[[], None] | None = None,
    ) -> None:
        self.root = root
        self.lock = ArchiveLock(root / HIDDEN, "scrapy crawl feeds") if take_lock else None
        self.preset = preset  # configured: its body and front-matter format travel with it
        self.front_matter = front_matter
        self.sources = sources
        # cross_source = "separate": never joined by another source's copy of an article
        self.apart = frozenset(s.name for s in sources.values() if s.cross_source == "separate")
        self.stats = stats
        self.stop_crawl = stop_crawl
        self.archive: Archive | None = None
        self.stopped: str | None = None
        # articles already on their way when the crawl stopped: per source, told once at close
        self.left_out: dict[str, int] = {}

    @classmethod
    def from_config(cls, config: Config, stats: Any, *, take_lock: bool = True,
                    stop_crawl: Callable[[], None] | None = None) -> StorePipeline:
        """The store of an archive as the configuration describes it (the configured Preset:
        body and front-matter format included): the crawl and the distributed writer both
        build it so."""
        return cls(config.archive_path, config.preset_object(), config.front_matter,
                   config.by_name, stats, take_lock=take_lock, stop_crawl=stop_crawl)

    @classmethod
    def from_crawler(cls, crawler: Any) -> StorePipeline:
        return cls.from_config(
            config_from_settings(crawler.settings),
            crawler.stats,
            take_lock=not crawler.settings.getbool("FEEDVAULT_LOCK_HELD"),
            stop_crawl=lambda: deferred_from_coro(
                crawler.engine.close_spider_async(reason="archive_unwritable")
            ),
        )

    def open_spider(self) -> None:
        if self.lock is not None:
            self.lock.acquire()
        self.archive = Archive(self.root, self.preset, self.front_matter, link_key=same_article_link)
        if self.archive.ledger.empty():
            self._adopt(self.archive)

    def _adopt(self, archive: Archive) -> None:
        """Files but no ledger (a fresh clone, a cold CI cache): adopt the files as they are,
        so unchanged articles stay untouched and undated ones keep their dates."""
        found = repair(archive, lambda name: self.sources[name].id if name in self.sources
                       else "auto")
        if found.files:
            logger.info("no ledger in %s: adopted %d article files already there",
                        self.root, len(archive.ledger.entries()))

    def close_spider(self) -> None:
        for source, number in self.left_out.items():
            problem(self.stats, source, f"{number} more {'article' if number == 1 else 'articles'}"
                    " not archived: the crawl stopped early (see above)")
        if self.archive is not None:
            self.archive.close()
        if self.lock is not None:
            self.lock.release()

    def process_item(self, item: ArticleItem) -> ArticleItem:
        assert self.archive is not None, "open_spider() was not called"
        article = Article(
            source=item.source,
            title=item.title,
            body=item.content,
            date=item.date,
            updated=item.updated,
            categories=self.sources[item.source].categories,
            author=item.author,
            cover=item.cover,
            original_url=item.link,
            guid=item.guid,
        )
        if self.stopped:
            # the reason was told once, by the write that failed; the rest are counted
            count(self.stats, item.source, "failed")
            mark(self.stats, item.source, "incomplete", True)
            self.left_out[item.source] = self.left_out.get(item.source, 0) + 1
            raise DropItem(f"not archived: {self.stopped}", log_level="DEBUG")
        try:
            source = self.sources[item.source]
            if item.page_failed and self.archive.holds(article, source.id):
                # the page could not be had this time (already reported): the archived copy,
                # built from the page when it could be, stays; the feed's teaser never replaces it
                count(self.stats, item.source, "unchanged")
                return item
            provenance = (Provenance(item.source_digest, tuple(item.captures))
                          if item.source_digest or item.captures else None)
            result = self.archive.put(article, source.id, merge=source.cross_source == "merge",
                                      apart=self.apart, provenance=provenance)
        except ArchiveError as exc:
            if exc.fatal:
                self._stop(str(exc))
            # not the item's fault: keep the feed's validators so the next crawl retries it
            mark(self.stats, item.source, "incomplete", True)
            raise drop(self.stats, item.source, str(exc), item.link or item.feed_url) from exc
        if result.note:
            problem(self.stats, item.source, result.note)
        count(self.stats, item.source, result.status)
        logger.debug("%s %s", result.status, result.path)
        return item

    def _stop(self, reason: str) -> None:
        """Every further write would fail the same way: stop the crawl once, loudly."""
        self.stopped = reason
        self.stats.set_value("feedvault/stopped", reason)
        logger.error("stopping the crawl: %s", reason)
        if self.stop_crawl is not None:
            self.stop_crawl()
