"""Run one backfill crawl in this process: the crawl's settings and pipelines, its own spider."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from scrapy.settings import Settings

from crawler.config import Config
from crawler.middlewares import ConditionalMiddleware
from crawler.run import run_process


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
    from crawler.spiders.backfill import BackfillSpider

    def configure(settings: Settings) -> None:
        settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES",
                                                ConditionalMiddleware, None)
        if dry_run:
            settings.set("ITEM_PIPELINES", {}, priority="cmdline")

    config = replace(config, distributed=None)  # the distributed add-on stays out of it
    crawler = run_process(config, BackfillSpider, verbosity=verbosity, lock_held=lock_held,
                          configure=configure, source=source, dry_run=dry_run, **spider_args)
    return dict(crawler.stats.get_stats())
