"""The `feeds` spider: download each source's feed with Scrapy and yield its entries."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy import signals
from scrapy.http import Response
from twisted.python.failure import Failure

from archive.identity import identity_key
from archive.urls import canonical_link, safe_url
from crawler.config import Config, SourceConfig, config_from_settings
from crawler.feeds.entry import FeedEntry
from crawler.feeds.parse import parse_feed, too_many
from crawler.fulltext.follow import FullText
from crawler.health.failures import host_down
from crawler.items import ArticleItem
from crawler.limits.deadline import Deadline
from crawler.middlewares.capture import CAPTURE_META, capture_ref
from crawler.middlewares.conditional import FORCE_META, NotModified
from crawler.outcome.report import count, failed_url, left, mark, problem
from crawler.provenance import entry_digest
from crawler.rsshub import RSSHUB_META, Attempt, attempt, failed_answer


class FeedSpider(scrapy.Spider):
    """Crawls every configured source's feed; `-a source=a,b` limits it to some."""

    name = "feeds"
    fulltext: FullText  # set in from_crawler: teasers → article pages
    force = False  # `crawl --force`: every request says so (FORCE_META), for any worker

    def __init__(self, config: Config, source: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.config = config
        names = [n for n in (source or "").split(",") if n]
        self.sources = config.select(names)

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> FeedSpider:
        kwargs.setdefault("config", config_from_settings(crawler.settings))
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.fulltext = FullText.from_crawler(crawler)  # teasers → article pages
        spider.force = crawler.settings.getbool("FEEDVAULT_FORCE")
        crawler.signals.connect(spider._spider_error, signal=signals.spider_error)
        crawler.signals.connect(spider._item_error, signal=signals.item_error)
        return spider  # type: ignore[no-any-return]

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for source in self.sources:
            yield self._feed_request(source)

    def _feed_request(self, source: SourceConfig, tried: Attempt | None = None, *,
                      force: bool = False) -> scrapy.Request:
        """The source's feed request; for an RSSHub route, on the instance tried now."""
        url = source.url
        meta: dict[str, Any] = {"feedvault_source": source.name, CAPTURE_META: True}
        if force or self.force:
            meta[FORCE_META] = True
        if source.rsshub is not None and self.config.rsshub is not None:
            tried = tried or attempt(self.config.rsshub, source.rsshub)
            url, meta[RSSHUB_META] = tried.url, tried.index
            if not tried.last:
                meta["max_retry_times"] = 0  # the next instance is the retry
        return scrapy.Request(url, callback=self.parse_feed, errback=self.feed_failed,
                              cb_kwargs={"source": source}, meta=meta, dont_filter=True)

    def _attempt(self, source: SourceConfig, meta: Any) -> Attempt | None:
        """The RSSHub attempt a feed request made, or None for a feed URL."""
        index = meta.get(RSSHUB_META)
        if index is None or source.rsshub is None or self.config.rsshub is None:
            return None
        return attempt(self.config.rsshub, source.rsshub, index)

    def _fall_over(self, source: SourceConfig, tried: Attempt, why: str, *, force: bool = False
                   ) -> Iterator[scrapy.Request]:
        """An RSSHub instance failed: the same route on the next one, or the source failed."""
        following = tried.next()
        if following is None:
            failed_url(self.crawler.stats, source.name, tried.shown_url,
                       f"feed not fetched ({why}); no RSSHub instance left to try", fatal=True)
            return
        problem(self.crawler.stats, source.name,
                f"RSSHub instance {tried.instances[tried.index]} failed ({why}); "
                f"trying {following.instances[following.index]}")
        # a Retry-After of the failed instance is no reason to wait for the next one
        mark(self.crawler.stats, source.name, "not_before", None)
        yield self._feed_request(source, following, force=force)

    def parse_feed(self, response: Response, source: SourceConfig
                   ) -> Iterator[ArticleItem | scrapy.Request]:
        headers = {
            k.decode("latin-1"): b",".join(v).decode("latin-1")
            for k, v in response.headers.items()
        }
        tried = self._attempt(source, response.meta)
        forced = bool(response.meta.get(FORCE_META))  # what follows from it is forced too
        why = tried and failed_answer(response.status, headers.get("Content-Type", ""),
                                      response.body)
        if tried and why:
            yield from self._fall_over(source, tried, why, force=forced)
            return
        # relative links resolve against the URL without an RSSHub access key: the key never
        # reaches an article's link, a report line or the archive
        shown = tried.shown_url if tried else response.url
        feed = parse_feed(response.body, shown, headers, self.config.max_items)
        if tried and feed.problem and feed.unusable:
            yield from self._fall_over(source, tried, feed.problem, force=forced)
            return
        if feed.problem and feed.unusable:
            failed_url(self.crawler.stats, source.name, shown, feed.problem, fatal=True)
        elif feed.problem:
            problem(self.crawler.stats, source.name, f"{shown}: {feed.problem}")
        if feed.total is not None:
            problem(self.crawler.stats, source.name, too_many(shown, feed))
        seen: set[str] = set()
        repeats = 0
        for entry in feed.entries:
            key = _dedup_key(entry, source.id, shown)
            if key is not None:
                if key in seen:
                    repeats += 1  # the same article twice in one feed: the first (newest) wins
                    continue
                seen.add(key)
            item = ArticleItem(
                source=source.name,
                feed_url=source.url if tried else response.url,  # any instance: the first's
                title=entry.title,
                content=entry.content,
                base=tried.rebase(entry.base) if tried else entry.base,
                link=tried.rebase(entry.link) if tried else entry.link,
                guid=tried.rebase(entry.guid) if tried else entry.guid,
                author=entry.author,
                date=entry.date,
                updated=entry.updated,
                feed_title=feed.title,
                media_images=entry.media_images,
                feed_categories=entry.categories,
                captures=capture_ref(response),  # the feed's WARC record, when captured
            )
            item.source_digest = entry_digest(item)  # what the feed said, before any rule
            if self.fulltext.filtered(item, entry.summary_only):
                continue  # dropped by an include / exclude rule: no page fetch, no file
            yield self._own(self.fulltext.follow(item, entry.summary_only),  # item, or page
                            force=forced)
        if repeats:
            problem(self.crawler.stats, source.name,
                    f"{shown}: {repeats} entries repeat an earlier entry's identity "
                    f"(id = {source.id!r}); kept the first of each")

    def parse_page(self, response: Response, item: ArticleItem, done: Any,
                   seen: frozenset[str]) -> Iterator[ArticleItem | scrapy.Request]:
        """A teaser's article page: the completed item, or a request for its next page."""
        for out in self.fulltext.parse_page(response, item, done, seen):
            yield self._own(out, force=bool(response.meta.get(FORCE_META)))

    def page_failed(self, failure: Failure) -> Iterator[ArticleItem]:
        yield from self.fulltext.page_failed(failure)

    def _own(self, out: Any, *, force: bool = False) -> Any:
        """FullText's page requests routed through this spider's methods: a queued request
        names its callbacks as spider methods (distributed mode's queue, JOBDIR). The pages
        of a forced feed request are forced too. (No Referer from a URL carrying a secret:
        crawler/egress/referer.py, for every spider.)"""
        if isinstance(out, scrapy.Request):
            meta = {**out.meta, FORCE_META: True} if force else dict(out.meta)
            return out.replace(callback=self.parse_page, errback=self.page_failed, meta=meta)
        return out

    def _spider_error(self, failure: Failure, response: Response, spider: Any = None) -> None:
        """A bug or an unforeseen input in a callback: the source is failed, never silently ok."""
        name = response.meta.get("feedvault_source")
        if name:
            source = self.config.by_name.get(name)
            tried = self._attempt(source, response.meta) if source else None
            mark(self.crawler.stats, name, "incomplete", True)
            failed_url(self.crawler.stats, name, tried.shown_url if tried else response.url,
                       f"internal error: {failure.type.__name__}: {failure.getErrorMessage()}",
                       fatal=True)

    def _item_error(self, item: Any, response: Any, spider: Any = None,
                    failure: Failure | None = None) -> None:
        """A pipeline raised something other than DropItem: count the article as failed."""
        name = getattr(item, "source", None)
        if name:
            count(self.crawler.stats, name, "failed")
            mark(self.crawler.stats, name, "incomplete", True)
            reason = f"{failure.type.__name__}: {failure.getErrorMessage()}" if failure else "error"
            failed_url(self.crawler.stats, name, getattr(item, "link", None) or "",
                       f"internal error: {reason}")

    def feed_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        if failure.check(NotModified):
            return  # a 304: counted as "not modified" by ConditionalMiddleware
        request = failure.request  # type: ignore[attr-defined]
        source = request.meta["feedvault_source"]
        tried = self._attempt(request.cb_kwargs["source"], request.meta)
        url = tried.shown_url if tried else request.url  # without an RSSHub access key
        if failure.check(Deadline):
            left(self.crawler.stats, source, url)
            return
        down = host_down(failure)
        reason = str(down) if down else failure.getErrorMessage() or failure.type.__name__
        response = getattr(failure.value, "response", None)
        if response is not None:
            reason = f"HTTP {response.status}"
        if tried and (response is None or failed_answer(
                response.status, response.headers.get("Content-Type", b"").decode("latin-1"),
                response.body)):
            yield from self._fall_over(request.cb_kwargs["source"], tried, reason,
                                       force=bool(request.meta.get(FORCE_META)))
            return
        failed_url(self.crawler.stats, source, url, f"feed not fetched ({reason})", fatal=True)


def _dedup_key(entry: FeedEntry, policy: str, feed_url: str) -> str | None:
    """What makes two entries of one feed the same article, by the source's `id` policy:
    archive.identity's rule, on the link as the archive will store it."""
    link = canonical_link(entry.link, feed_url)
    return identity_key(policy, guid=entry.guid, link=safe_url(link) if link else None,
                        title=entry.title, date=entry.date)
