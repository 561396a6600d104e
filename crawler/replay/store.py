"""Steps 3 and 4 of a re-extraction: images as they were saved, the article in its file."""

from __future__ import annotations

from typing import Any

from scrapy.http import Request

from crawler.items import ArticleItem
from crawler.replay.archive import ReplayArchive
from crawler.replay.plan import REPLAY_SETTING, ReplayPlan
from pipelines.images import ImageDownloadPipeline
from pipelines.normalize import same_article_link
from pipelines.store import StorePipeline


class ReplayStorePipeline(StorePipeline):
    """The store pipeline on a ReplayArchive (the command holds the lock; no adoption: the
    ledger is what a re-extraction reads)."""

    plan: ReplayPlan

    @classmethod
    def from_crawler(cls, crawler: Any) -> ReplayStorePipeline:
        pipeline = super().from_crawler(crawler)
        assert isinstance(pipeline, ReplayStorePipeline)
        pipeline.plan = crawler.settings.get(REPLAY_SETTING)
        return pipeline

    def open_spider(self) -> None:
        self.archive = ReplayArchive(self.root, self.preset, self.front_matter,
                                     plan=self.plan, link_key=same_article_link)

    def process_item(self, item: ArticleItem) -> ArticleItem:
        archive = self.archive
        assert isinstance(archive, ReplayArchive)
        archive.current = self.plan.of_item(item)
        try:
            return super().process_item(item)
        finally:
            archive.current = None


class ReplayImagePipeline(ImageDownloadPipeline):
    """`[images] mode = "download"` without downloading: an image saved before keeps its
    file; any other keeps its remote URL and is counted (no image is fetched again)."""

    def get_media_requests(self, item: ArticleItem, info: Any) -> list[Request]:
        plan: ReplayPlan = self.crawler.settings.get(REPLAY_SETTING)
        saved = [url for url in item.image_urls
                 if (name := self.index.get(url)) and self.store.holds(name)]
        plan.images_not_refreshed += len(item.image_urls) - len(saved)
        item.image_urls = saved  # item_completed pairs each URL with its result
        return super().get_media_requests(item, info)
