"""Step 4 on a distributed worker: hand the finished article to the writer's Redis stream."""

from __future__ import annotations

from typing import Any

from crawler.config import config_from_settings
from crawler.distributed.codec import article_entry
from crawler.distributed.keys import Keys, connect
from crawler.items import ArticleItem


class StreamPipeline:
    """Replaces StorePipeline in distributed mode; `feedvault writer` stores what it sends."""

    def __init__(self, client: Any, stream: str) -> None:
        self.client = client
        self.stream = stream

    @classmethod
    def from_crawler(cls, crawler: Any) -> StreamPipeline:
        config = config_from_settings(crawler.settings).distributed
        if config is None:
            raise ValueError("StreamPipeline needs [distributed] in feedvault.toml")
        return cls(connect(config), Keys(config.prefix).articles)

    def process_item(self, item: ArticleItem) -> ArticleItem:
        # Synchronous on purpose: the request that produced the item is acknowledged only
        # after its items are through the pipelines, so the item must be in Redis by then.
        self.client.xadd(self.stream, article_entry(item))
        return item
