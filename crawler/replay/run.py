"""Run a re-extraction: the crawl's Scrapy settings with the network taken away."""

from __future__ import annotations

from typing import Any

from crawler.config import Config
from crawler.replay.middleware import ReplayMiddleware
from crawler.replay.plan import REPLAY_SETTING, ReplayPlan
from crawler.replay.refuse import SCHEMES, RefusingHandler
from crawler.replay.spider import ReplaySpider
from crawler.replay.store import ReplayImagePipeline, ReplayStorePipeline
from crawler.schedule.throttle import ConditionalAutoThrottle
from pipelines import CleanPipeline, FilterPipeline, NormalizePipeline


def replay_settings(plan: ReplayPlan) -> dict[str, Any]:
    """What a crawl's settings become for a re-extraction: ReplayMiddleware is the whole
    downloader chain (no robots.txt, conditional requests, retries, host health, deadline,
    egress: they are about the network, and their state in .feedvault/ stays untouched),
    every download handler refuses, the same pipelines write (images: see
    ReplayImagePipeline), neither the distributed add-on nor AutoThrottle's learnt pace is
    used, and of Scrapy's extensions only the stats run."""
    return {
        REPLAY_SETTING: plan,
        "DOWNLOADER_MIDDLEWARES_BASE": {},
        "DOWNLOADER_MIDDLEWARES": {ReplayMiddleware: 0},
        "DOWNLOAD_HANDLERS_BASE": {},
        "DOWNLOAD_HANDLERS": dict.fromkeys(SCHEMES, RefusingHandler),
        "ITEM_PIPELINES": {
            NormalizePipeline: 100,
            FilterPipeline: 150,
            CleanPipeline: 200,
            ReplayImagePipeline: 300,
            ReplayStorePipeline: 400,
        },
        # stats and the progress line only: no [scrapy] FEEDS export, stats mail, memory
        # alert, close condition or job state (a crawl's business, not a rebuild's)
        "EXTENSIONS_BASE": {"scrapy.extensions.corestats.CoreStats": 0,
                            "scrapy.extensions.logstats.LogStats": 0},
        "EXTENSIONS": {"scrapy.extensions.throttle.AutoThrottle": None,
                       ConditionalAutoThrottle: None},
        "ADDONS": {},
        "ROBOTSTXT_OBEY": False,
        "AUTOTHROTTLE_ENABLED": False,
        "RETRY_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        "FEEDVAULT_CAPTURE": False,  # what is replayed is stored already
        "FEEDVAULT_LOCK_HELD": True,
        "FEEDVAULT_MAX_TIME": 0.0,
    }


def run_replay(config: Config, plan: ReplayPlan, *, verbosity: int = 0) -> dict[str, Any]:
    """Rebuild the plan's articles; blocks until done (one call per process)."""
    from crawler.run import run_process

    crawler = run_process(config, ReplaySpider, verbosity=verbosity, lock_held=True,
                          settings=replay_settings(plan))
    return dict(crawler.stats.get_stats())
