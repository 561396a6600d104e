"""Run one Scrapy crawl in this process with a loaded Config and return its stats."""

from __future__ import annotations

import gc
from collections.abc import Callable, Mapping
from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings

from crawler.config import Config
from crawler.config.agent import contact_agent
from crawler.spiders.feeds import FeedSpider

_LOG_LEVELS = {0: "WARNING", 1: "INFO", 2: "DEBUG"}


def crawl_settings(config: Config, *, verbosity: int = 0, force: bool = False,
                   lock_held: bool = False, max_time: float | None = None) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    # Scrapy's stats dump (a pretty-printed dict of every counter, a twentieth of a second
    # for 200 sources) only at -v: the end-of-crawl table says what matters. `scrapy crawl`
    # and scrapyd jobs, which have no such table, keep it.
    settings.set("STATS_DUMP", verbosity > 0, priority="project")
    for name, value in config.scrapy.items():  # [scrapy] in feedvault.toml
        settings.set(name, value, priority="cmdline")
    settings.set("FEEDVAULT_CONFIG", config, priority="cmdline")
    settings.set("FEEDVAULT_LOCK_HELD", lock_held, priority="cmdline")
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")  # the CLI owns logging
    settings.set("LOG_LEVEL", _LOG_LEVELS[min(verbosity, 2)], priority="cmdline")
    settings.set("FEEDVAULT_FORCE", force, priority="cmdline")
    settings.set("FEEDVAULT_MAX_TIME", max_time or 0.0, priority="cmdline")
    agent = contact_agent(config)
    if agent:
        settings.set("USER_AGENT", agent, priority="cmdline")
    return settings


def run_process(config: Config, spider: type[Spider], *, verbosity: int = 0,
                force: bool = False, lock_held: bool = False, max_time: float | None = None,
                settings: Mapping[str, Any] | None = None,
                configure: Callable[[Settings], None] | None = None,
                **spider_args: Any) -> Crawler:
    """The one way feedvault runs Scrapy: the crawl's settings from the Config, a role's own
    settings on top (`settings`, or `configure` to edit them), one spider; blocks until it
    closes and returns its crawler (stats, spider). One call per process (Twisted's reactor).
    """
    built = crawl_settings(config, verbosity=verbosity, force=force, lock_held=lock_held,
                           max_time=max_time)
    for name, value in (settings or {}).items():
        built.set(name, value, priority="cmdline")
    if configure is not None:
        configure(built)
    process = CrawlerProcess(built)
    crawler = process.create_crawler(spider)
    process.crawl(crawler, **spider_args)
    # What start-up built (modules, classes, settings, the crawler) lives as long as the
    # process: moved out of the cyclic garbage collector's sight, the collections during
    # the crawl walk only what the crawl creates, and the interpreter's collections at
    # exit do not walk it either (after a crawl of 200 unchanged feeds, those took about
    # a sixth of the run: most of the time between the last answer and the exit).
    gc.freeze()
    process.start()
    return crawler


def run_crawl(config: Config, sources: list[str], *, verbosity: int = 0,
              force: bool = False, lock_held: bool = False,
              max_time: float | None = None) -> dict[str, Any]:
    """Crawl the named sources; blocks until done. One call per process (Twisted's reactor).

    lock_held says the caller already holds the archive's writer lock; max_time is the
    crawl's deadline in seconds (None: `[crawl] max_time`, if set).
    """
    crawler = run_process(config, FeedSpider, verbosity=verbosity, force=force,
                          lock_held=lock_held, max_time=max_time or config.max_time,
                          source=",".join(sources))
    return dict(crawler.stats.get_stats())
