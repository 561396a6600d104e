"""The `feeds` spider: download each source's feed with Scrapy and yield its entries."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy import signals
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.config import Config, SourceConfig, config_from_settings
from crawler.feeds.parse import Entry, parse_feed, too_many
from crawler.fulltext.follow import FullText
from crawler.health.failures import host_down
from crawler.items import ArticleItem
from crawler.limits.deadline import Deadline
from crawler.middlewares.conditional import NotModified
from crawler.outcome.report import count, failed_url, left, mark, problem


class FeedSpider(scrapy.Spider):
    """Crawls every configured source's feed; `-a source=a,b` limits it to some."""

    name = "feeds"
    fulltext: FullText  # set in from_crawler: teasers → article pages

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
        crawler.signals.connect(spider._spider_error, signal=signals.spider_error)
        crawler.signals.connect(spider._item_error, signal=signals.item_error)
        return spider  # type: ignore[no-any-return]

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for source in self.sources:
            yield scrapy.Request(
                source.url,
                callback=self.parse_feed,
                errback=self.feed_failed,
                cb_kwargs={"source": source},
                meta={"feedvault_source": source.name},
                dont_filter=True,
            )

    def parse_feed(self, response: Response, source: SourceConfig
                   ) -> Iterator[ArticleItem | scrapy.Request]:
        headers = {
            k.decode("latin-1"): b",".join(v).decode("latin-1")
            for k, v in response.headers.items()
        }
        feed = parse_feed(response.body, response.url, headers, self.config.max_items)
        if feed.problem and feed.unusable:
            failed_url(self.crawler.stats, source.name, response.url, feed.problem, fatal=True)
        elif feed.problem:
            problem(self.crawler.stats, source.name, f"{response.url}: {feed.problem}")
        if feed.total is not None:
            problem(self.crawler.stats, source.name, too_many(response.url, feed))
        seen: set[str] = set()
        repeats = 0
        for entry in feed.entries:
            key = _dedup_key(entry, source.id)
            if key is not None:
                if key in seen:
                    repeats += 1  # the same article twice in one feed: the first (newest) wins
                    continue
                seen.add(key)
            item = ArticleItem(
                source=source.name,
                feed_url=response.url,
                title=entry.title,
                content=entry.content,
                link=entry.link,
                guid=entry.guid,
                author=entry.author,
                date=entry.date,
                updated=entry.updated,
                feed_title=feed.title,
                media_images=entry.media_images,
            )
            yield self._own(self.fulltext.follow(item, entry.summary_only))  # item, or page
        if repeats:
            problem(self.crawler.stats, source.name,
                    f"{response.url}: {repeats} entries repeat an earlier entry's identity "
                    f"(id = {source.id!r}); kept the first of each")

    def parse_page(self, response: Response, item: ArticleItem, done: Any,
                   seen: frozenset[str]) -> Iterator[ArticleItem | scrapy.Request]:
        """A teaser's article page: the completed item, or a request for its next page."""
        for out in self.fulltext.parse_page(response, item, done, seen):
            yield self._own(out)

    def page_failed(self, failure: Failure) -> Iterator[ArticleItem]:
        yield from self.fulltext.page_failed(failure)

    def _own(self, out: Any) -> Any:
        """FullText's page requests routed through this spider's methods: a queued request
        names its callbacks as spider methods (distributed mode's queue, JOBDIR)."""
        if isinstance(out, scrapy.Request):
            return out.replace(callback=self.parse_page, errback=self.page_failed)
        return out

    def _spider_error(self, failure: Failure, response: Response, spider: Any = None) -> None:
        """A bug or an unforeseen input in a callback: the source is failed, never silently ok."""
        name = response.meta.get("feedvault_source")
        if name:
            mark(self.crawler.stats, name, "incomplete", True)
            failed_url(self.crawler.stats, name, response.url,
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

    def feed_failed(self, failure: Failure) -> None:
        if failure.check(NotModified):
            return  # a 304: counted as "not modified" by ConditionalMiddleware
        request = failure.request  # type: ignore[attr-defined]
        source = request.meta["feedvault_source"]
        if failure.check(Deadline):
            left(self.crawler.stats, source, request.url)
            return
        down = host_down(failure)
        reason = str(down) if down else failure.getErrorMessage() or failure.type.__name__
        response = getattr(failure.value, "response", None)
        if response is not None:
            reason = f"HTTP {response.status}"
        failed_url(self.crawler.stats, source, request.url, f"feed not fetched ({reason})",
                   fatal=True)


def _dedup_key(entry: Entry, policy: str) -> str | None:
    """What makes two entries of one feed the same article, by the source's `id` policy
    (the rule of archive.identity.identity_of, on the entry's raw values)."""
    if policy == "link":
        return entry.link or entry.guid
    if policy == "title+date":
        dated = f"{entry.title}|{entry.date.isoformat()}" if entry.date else None
        return dated or entry.guid or entry.link
    return entry.guid or entry.link
