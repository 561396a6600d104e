"""Run one backfill crawl in this process: the crawl's settings and pipelines, its own spider."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from scrapy.crawler import CrawlerProcess

from crawler.config import Config
from crawler.middlewares import ConditionalMiddleware
from crawler.run import crawl_settings


def run_backfill(config: Config, source: str, *, verbosity: int = 0, lock_held: bool = False,
                 dry_run: bool = False, **spider_args: Any) -> dict[str, Any]:
    """Backfill one source; blocks until done. One call per process (Twisted's reactor).

    The backfill neither sends the crawl's conditional headers nor records poll times or
    validators: the feed URL it may page through must look untouched to the next crawl.
    A dry run has no item pipelines (it writes nothing).

    A backfill runs in this process even when feedvault.toml has `[distributed]`: its
    progress state and listing decisions live here, and it writes the archive itself
    under the writer lock (so it waits for, or refuses to run beside, a `feedvault writer`).
    """
    config = replace(config, distributed=None)  # the distributed add-on stays out of it
    settings = crawl_settings(config, verbosity=verbosity, lock_held=lock_held)
    middlewares = dict(settings.getdict("DOWNLOADER_MIDDLEWARES"))
    middlewares[ConditionalMiddleware] = None
    settings.set("DOWNLOADER_MIDDLEWARES", middlewares, priority="cmdline")
    if dry_run:
        settings.set("ITEM_PIPELINES", {}, priority="cmdline")
    process = CrawlerProcess(settings)
    from crawler.spiders.backfill import BackfillSpider

    crawler = process.create_crawler(BackfillSpider)
    process.crawl(crawler, source=source, dry_run=dry_run, **spider_args)
    process.start()
    return dict(crawler.stats.get_stats())
