"""The `reextract` spider: the feeds spider reading feed and page captures instead of the web."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import scrapy
from scrapy import signals
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.config import SourceConfig
from crawler.items import ArticleItem
from crawler.replay.middleware import REPLAY_META, REPLAYED_META
from crawler.replay.plan import REPLAY_SETTING, ReplayPlan
from crawler.replay.refuse import NotCaptured
from crawler.rsshub import RSSHUB_META, attempt
from crawler.spiders.feeds import FeedSpider
from pipelines.filter import Filtered


class ReplaySpider(FeedSpider):
    """One request per feed capture of the plan; only the entries whose article's newest
    revision came from that capture go on, through the same full text and pipelines."""

    name = "reextract"
    _reading: tuple[str, str, str] | None = None
    _filtered: Callable[[ArticleItem, bool], bool]  # FullText.filtered, wrapped by _excluded

    def __init__(self, config: Any, plan: ReplayPlan, **kwargs: Any) -> None:
        super().__init__(config, source=",".join(plan.sources), **kwargs)
        self.plan = plan

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> ReplaySpider:
        kwargs.setdefault("plan", crawler.settings.get(REPLAY_SETTING))
        spider = super().from_crawler(crawler, *args, **kwargs)
        assert isinstance(spider, ReplaySpider)
        spider.fulltext.history = None  # selector drift is the crawl's business
        spider._filtered = spider.fulltext.filtered
        spider.fulltext.filtered = spider._excluded  # type: ignore[method-assign]
        crawler.signals.connect(spider._dropped, signal=signals.item_dropped)
        crawler.signals.connect(spider._failed_item, signal=signals.item_error)
        crawler.signals.connect(spider._closed, signal=signals.spider_closed)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for feed in self.plan.feeds:
            source = self.config.by_name[feed.source]
            meta: dict[str, Any] = {"feedvault_source": source.name, REPLAY_META: feed.ref}
            instance = self._instance(source, feed.url)
            if instance is not None:  # links and report lines without the access key
                meta[RSSHUB_META] = instance
            yield scrapy.Request(feed.url, callback=self.parse_feed, errback=self.feed_failed,
                                 cb_kwargs={"source": source}, dont_filter=True, meta=meta)

    def _instance(self, source: SourceConfig, url: str) -> int | None:
        """Which RSSHub instance a captured feed URL is on (None: not an RSSHub route)."""
        if source.rsshub is None or self.config.rsshub is None:
            return None
        for index in range(len(self.config.rsshub.instances)):
            tried = attempt(self.config.rsshub, source.rsshub, index)
            if url in (tried.url, tried.shown_url):  # captured without the key
                return index
        return None

    def parse_feed(self, response: Response, source: SourceConfig
                   ) -> Iterator[ArticleItem | scrapy.Request]:
        ref = response.meta[REPLAYED_META]
        entries = super().parse_feed(response, source)
        while True:
            # the capture being read, for _excluded; set around each step, as Scrapy may
            # interleave the callbacks of several responses
            self._reading = (ref, response.url, source.id)
            try:
                out = next(entries)
            except StopIteration:
                return
            finally:
                self._reading = None
            item = out.cb_kwargs.get("item") if isinstance(out, scrapy.Request) else out
            if not isinstance(item, ArticleItem):
                continue  # another RSSHub instance: a re-extraction reads only what it has
            if self.plan.claim(item, ref, response.url, source.id) is None:
                continue  # not archived, or its article's newest revision is from elsewhere
            item.captures = [ref]
            yield out

    def _excluded(self, item: ArticleItem, summary_only: bool) -> bool:
        """FullText.filtered, noting the articles the current rules now drop."""
        dropped = self._filtered(item, summary_only)
        if dropped and self._reading is not None:
            self.plan.excluded(self.plan.claim(item, *self._reading))
        return dropped

    def parse_page(self, response: Response, item: ArticleItem, done: Any,
                   seen: frozenset[str]) -> Iterator[ArticleItem | scrapy.Request]:
        ref = response.meta.get(REPLAYED_META)
        if ref and ref not in item.captures:
            item.captures.append(ref)
        yield from super().parse_page(response, item, done, seen)

    def page_failed(self, failure: Failure) -> Iterator[ArticleItem]:
        """A page that cannot be replayed. When the crawl got no further either (the page
        answered an error or timed out, so it kept the feed's text or the pages before it),
        the rebuild keeps what it has too, as the crawl did: the item's source digest, the
        entry with each replayed page folded in, is then the one its revision was built
        from. Otherwise the article is not rebuilt (never from the feed's teaser alone,
        which would take its full text away)."""
        request = failure.request  # type: ignore[attr-defined]
        item = request.cb_kwargs["item"]
        planned = self.plan.of_item(item)
        if (failure.check(NotCaptured) and planned is not None and planned.digest is not None
                and item.source_digest == planned.digest):
            yield self.fulltext._complete(item, request.cb_kwargs["done"])
            return
        self.plan.fail(self.crawler.stats, planned,
                       failure.getErrorMessage() or failure.type.__name__)

    def feed_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        request = failure.request  # type: ignore[attr-defined]
        self.plan.fail_capture(self.crawler.stats, request.meta[REPLAY_META],
                               failure.getErrorMessage() or failure.type.__name__)
        return iter(())

    def _dropped(self, item: Any, response: Any = None, exception: Any = None,
                 spider: Any = None) -> None:
        planned = self.plan.of_item(item)
        if isinstance(exception, Filtered):
            self.plan.excluded(planned)
        else:
            self.plan.fail(self.crawler.stats, planned,
                           f"dropped ({exception}); the file is kept as it was")

    def _failed_item(self, item: Any, response: Any = None, spider: Any = None,
                     failure: Failure | None = None) -> None:
        self.plan.fail(self.crawler.stats, self.plan.of_item(item),
                       "internal error (see above); the file is kept as it was")

    def _closed(self) -> None:
        self.plan.finish(self.crawler.stats)
