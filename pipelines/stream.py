"""Step 4 on a distributed worker: hand the finished article to the writer's Redis stream."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from scrapy.exceptions import DropItem
from scrapy.utils.asyncio import sleep
from scrapy.utils.defer import deferred_from_coro
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, wait_exponential

from crawler.config import config_from_settings
from crawler.distributed.codec import article_entry
from crawler.distributed.keys import Keys, connect
from crawler.distributed.outage import (
    REDIS_UNREACHABLE,
    OutageLog,
    describe,
    outage_errors,
    redis_unreachable,
)
from crawler.items import ArticleItem

logger = logging.getLogger(__name__)


class StreamPipeline:
    """Replaces StorePipeline in distributed mode; `feedvault writer` stores what it sends.

    While Redis is unreachable an article waits, retried with exponential backoff, for
    up to `retry_for` seconds; the request that produced it stays in the engine, so its
    lease stays unfinished. After that, `give_up()` runs once (in a crawl: the
    scheduler keeps every lease, the spider closes) and every article still waiting
    or arriving is dropped: its request is crawled again once Redis is back.
    """

    def __init__(self, client: Any, stream: str, *, url: str, retry_for: float,
                 give_up: Callable[[], Any]) -> None:
        self.client = client
        self.stream = stream
        self.url = url
        self.retry_for = retry_for
        self.give_up = give_up
        self.gave_up = False
        self.waiting = 0  # articles retrying now
        self.outage = OutageLog(logger, url)

    @classmethod
    def from_crawler(cls, crawler: Any) -> StreamPipeline:
        config = config_from_settings(crawler.settings).distributed
        if config is None:
            raise ValueError("StreamPipeline needs [distributed] in feedvault.toml")

        def give_up() -> None:
            crawler.signals.send_catch_log(redis_unreachable)
            deferred_from_coro(crawler.engine.close_spider_async(reason=REDIS_UNREACHABLE))

        return cls(connect(config), Keys(config.prefix).articles, url=config.redis,
                   retry_for=config.redis_retry, give_up=give_up)

    async def process_item(self, item: ArticleItem) -> ArticleItem:
        # The request that produced the item is acknowledged only after its items are
        # through the pipelines, so the item must be in Redis by then.
        entry = article_entry(item)
        if not self.gave_up:
            retrying = AsyncRetrying(
                retry=retry_if_exception_type(outage_errors()), stop=self._stop,
                wait=wait_exponential(multiplier=0.5, max=10), before_sleep=self._waiting,
                sleep=sleep, reraise=True)
            try:
                async for attempt in retrying:
                    with attempt:
                        self.client.xadd(self.stream, entry)
                self.outage.recovered()
                return item
            except outage_errors() as exc:
                if not self.gave_up:
                    self.gave_up = True
                    logger.error("Redis at %s unreachable for %g s (%s): stopping this worker; "
                                 "the requests in progress stay leased and are crawled again "
                                 "once Redis is back", self.url, self.retry_for, describe(exc))
                    self.give_up()
            finally:
                if retrying.statistics.get("attempt_number", 1) > 1:
                    self.waiting -= 1
        raise DropItem(f"Redis at {self.url} unreachable: {item.link or item.guid} not handed "
                       "to the writer; its request stays leased and is crawled again")

    def _stop(self, state: RetryCallState) -> bool:
        return self.gave_up or (state.seconds_since_start or 0) >= self.retry_for

    def _waiting(self, state: RetryCallState) -> None:
        if state.attempt_number == 1:
            self.waiting += 1
        error = state.outcome.exception() if state.outcome else None
        self.outage.failed(error, f"articles waiting to be handed to the writer: {self.waiting} "
                                  f"(retried with backoff; the worker stops after "
                                  f"{self.retry_for:g} s)")
