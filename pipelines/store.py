"""Step 4: write the article into the archive (new, rewritten in place, or left untouched)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro
from twisted.internet.task import LoopingCall

from archive import HIDDEN, Archive, ArchiveError, ArchiveLock, Article, Preset
from archive.captures import CaptureStore
from archive.ledger import Provenance
from archive.verify import repair
from crawler.config import Config, SourceConfig, config_from_settings
from crawler.fulltext.kept import report_kept
from crawler.items import ArticleItem
from crawler.outcome.report import count, mark, problem
from pipelines._drop import drop
from pipelines.normalize import same_article_link

logger = logging.getLogger(__name__)

# Articles are written in groups (`Archive(grouped=True)`): a group's files and folders are
# synced and its ledger rows committed together, when it has this many articles or is this old.
GROUP_ARTICLES = 100
GROUP_SECONDS = 1.0


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
        group_articles: int = GROUP_ARTICLES,
        group_seconds: float = GROUP_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        captures: CaptureStore | None = None,
    ) -> None:
        """group_articles, group_seconds: a group of writes is flushed when it holds that
        many articles, or at the first article (or `tick`) that finds it that old; `flush`
        also ends one (the distributed writer before it acknowledges)."""
        self.root = root
        self.lock = ArchiveLock(root / HIDDEN, "scrapy crawl feeds") if take_lock else None
        self.preset = preset  # configured: its body and front-matter format travel with it
        self.front_matter = front_matter
        self.sources = sources
        # cross_source = "separate": never joined by another source's copy of an article
        self.apart = frozenset(s.name for s in sources.values() if s.cross_source == "separate")
        self.stats = stats
        self.stop_crawl = stop_crawl
        # where the answers of new and updated articles are written (capture = "warc")
        self.captures = captures
        self.captures_broken = False  # after a failed write: one report line, no more attempts
        self.archive: Archive | None = None
        self.stopped: str | None = None
        # articles already on their way when the crawl stopped: per source, told once at close
        self.left_out: dict[str, int] = {}
        self.group_articles = group_articles
        self.group_seconds = group_seconds
        self.clock = clock
        self.waiting: dict[str, int] = {}  # articles per source whose rows wait for flush()
        # of those, the ones counted new or updated: (source, status) -> articles
        self.written: dict[tuple[str, str], int] = {}
        self.started: float | None = None  # when the waiting group began
        self.ticker: Any = None
        self.closing = False

    @classmethod
    def from_config(cls, config: Config, stats: Any, *, take_lock: bool = True,
                    stop_crawl: Callable[[], None] | None = None) -> StorePipeline:
        """The store of an archive as the configuration describes it (the configured Preset:
        body and front-matter format included): the crawl and the distributed writer both
        build it so."""
        captures = (CaptureStore(config.archive_path / HIDDEN,
                                 rotate_bytes=config.capture_rotate_mb * 2**20)
                    if any(config.captures(s) for s in config.sources) else None)
        return cls(config.archive_path, config.preset_object(), config.front_matter,
                   config.by_name, stats, take_lock=take_lock, stop_crawl=stop_crawl,
                   captures=captures)

    @classmethod
    def from_crawler(cls, crawler: Any) -> StorePipeline:
        pipeline = cls.from_config(
            config_from_settings(crawler.settings),
            crawler.stats,
            take_lock=not crawler.settings.getbool("FEEDVAULT_LOCK_HELD"),
            stop_crawl=lambda: deferred_from_coro(
                crawler.engine.close_spider_async(reason="archive_unwritable")
            ),
        )
        # a slow crawl's last articles are recorded within about group_seconds too
        pipeline.ticker = LoopingCall(pipeline.tick)
        return pipeline

    def open_spider(self) -> None:
        if self.lock is not None:
            self.lock.acquire()
        self.archive = Archive(self.root, self.preset, self.front_matter,
                               link_key=same_article_link, grouped=True)
        if self.archive.ledger.empty():
            self._adopt(self.archive)
        if self.ticker is not None:
            self.ticker.start(self.group_seconds, now=False)

    def tick(self) -> None:
        """Flush the waiting group once it is group_seconds old."""
        if self.started is not None and self.clock() - self.started >= self.group_seconds:
            self.flush()

    def flush(self) -> bool:
        """Record the waiting group (see `Archive.flush`). When that fails the crawl stops,
        each source of the group is marked incomplete (its feeds are read again in full
        next time, and their files adopted) and told why; returns False then, and once the
        store stopped (then what the group holds is recorded, but the rest is not)."""
        waiting, self.waiting, self.started = self.waiting, {}, None
        written, self.written = self.written, {}
        if self.archive is None:
            return not self.stopped
        try:
            self.archive.flush()
        except ArchiveError as exc:
            told = self.stopped  # a full disk stops the crawl, then the commit fails too
            if not told:
                self._stop(str(exc), stop_crawl=not self.closing)
            for source in waiting:
                mark(self.stats, source, "incomplete", True)
                lost = self._uncount(source, written)
                what = (f"{lost} new or updated {'article' if lost == 1 else 'articles'} not "
                        "recorded in the ledger, counted as failed" if lost
                        else "not recorded in the ledger")
                problem(self.stats, source, (
                    f"{what} (the crawl stopped, see above): the next crawl archives them "
                    "again, adopting the files already written") if told else f"{what}: {exc}")
            return False
        return not self.stopped

    def _uncount(self, source: str, written: dict[tuple[str, str], int]) -> int:
        """The summary counts only what was committed: the source's new and updated articles
        of a group that could not be committed move from their column to failed (they are
        archived again by the next crawl); returns how many."""
        lost = 0
        for status in ("new", "updated"):
            number = written.get((source, status), 0)
            if number:
                count(self.stats, source, status, -number)
                count(self.stats, source, "failed", number)
                lost += number
        return lost

    def _adopt(self, archive: Archive) -> None:
        """Files but no ledger (a fresh clone, a cold CI cache): adopt the files as they are,
        so unchanged articles stay untouched and undated ones keep their dates."""
        found = repair(archive, lambda name: self.sources[name].id if name in self.sources
                       else "auto")
        if found.files:
            logger.info("no ledger in %s: adopted %d article files already there",
                        self.root, len(archive.ledger.entries()))

    def close_spider(self) -> None:
        self.closing = True
        if self.ticker is not None and self.ticker.running:
            self.ticker.stop()
        self.flush()
        for source, number in self.left_out.items():
            problem(self.stats, source, f"{number} more {'article' if number == 1 else 'articles'}"
                    " not archived: the crawl stopped early (see above)")
        if self.archive is not None:
            self.archive.close()
        if self.captures is not None:
            self.captures.close()
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
                # the page could not be had this time: the archived copy, built from the page
                # when it could be, stays; the feed's teaser never replaces it
                report_kept(self.stats, item, archived=True)
                count(self.stats, item.source, "unchanged")
                return item
            written = tuple(ref for ref in item.captures if isinstance(ref, str))
            provenance = (Provenance(item.source_digest, written)
                          if item.source_digest or item.captures else None)
            pending = len(written) < len(item.captures)
            result = self.archive.put(article, source.id, merge=source.cross_source == "merge",
                                      apart=self.apart, provenance=provenance,
                                      captures=(lambda: self._write_captures(item)) if pending
                                      else None)
        except ArchiveError as exc:
            if exc.fatal:
                self._stop(str(exc))
            # not the item's fault: keep the feed's validators so the next crawl retries it
            mark(self.stats, item.source, "incomplete", True)
            report_kept(self.stats, item, archived=None)
            raise drop(self.stats, item.source, str(exc), item.link or item.feed_url) from exc
        report_kept(self.stats, item, archived=False)
        if result.note:
            problem(self.stats, item.source, result.note)
        count(self.stats, item.source, result.status)
        logger.debug("%s %s", result.status, result.path)
        if result.status != "unchanged":
            key = (item.source, result.status)
            self.written[key] = self.written.get(key, 0) + 1
        self._grouped(item.source)
        return item

    def _write_captures(self, item: ArticleItem) -> tuple[str, ...]:
        """The references of the item's captures, writing the answers not written yet. A
        capture that cannot be written is one report line; the article is archived without
        it, and no further captures are tried this crawl."""
        refs: list[str] = []
        for capture in item.captures:
            if isinstance(capture, str):
                refs.append(capture)
                continue
            if self.captures is None or self.captures_broken:
                continue
            try:
                refs.append(capture.write(self.captures))
            except ArchiveError as exc:  # CaptureError, or ArchiveLinkError for a linked folder
                self.captures_broken = True
                problem(self.stats, item.source, f"{capture.url}: not captured ({exc}); "
                        "no further captures this crawl")
        return tuple(refs)

    def _grouped(self, source: str) -> None:
        """One more article in the waiting group; flush it when it is full or old enough."""
        now = self.clock()
        if self.started is None:
            self.started = now
        self.waiting[source] = self.waiting.get(source, 0) + 1
        if sum(self.waiting.values()) >= self.group_articles \
                or now - self.started >= self.group_seconds:
            self.flush()

    def _stop(self, reason: str, *, stop_crawl: bool = True) -> None:
        """Every further write would fail the same way: stop the crawl once, loudly."""
        self.stopped = reason
        self.stats.set_value("feedvault/stopped", reason)
        logger.error("stopping the crawl: %s", reason)
        if stop_crawl and self.stop_crawl is not None:
            self.stop_crawl()
