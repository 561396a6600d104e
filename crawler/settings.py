"""Scrapy settings for feedvault; `FEEDVAULT_*` settings are the project's own."""

import os

from scrapy.settings import default_settings

from crawler import __version__
from crawler.distributed.addon import DistributedAddon
from crawler.egress.middleware import ConnectRefusalMiddleware, EgressMiddleware
from crawler.egress.referer import SecretRefererMiddleware
from crawler.egress.resolver import EgressResolver
from crawler.health.middleware import HostHealthMiddleware
from crawler.limits.deadline import DeadlineMiddleware
from crawler.limits.handlers import BoundedDataHandler, BoundedFileHandler
from crawler.middlewares import (
    BackoffRetryMiddleware,
    CaptureMiddleware,
    ConditionalMiddleware,
    SourceHttpMiddleware,
    SourcePolicyMiddleware,
)
from crawler.schedule.throttle import ConditionalAutoThrottle
from pipelines import (
    CleanPipeline,
    FilterPipeline,
    ImageDownloadPipeline,
    NormalizePipeline,
    StorePipeline,
)

BOT_NAME = "feedvault"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Who we are; `[crawl] contact` in feedvault.toml adds a contact URL.
USER_AGENT = f"feedvault/{__version__} (feed archiver; +https://pypi.org/project/feedvault/)"
ROBOTSTXT_OBEY = True

# Polite by default: few requests per site, AutoThrottle adapting to its latency.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
# No consoles: Scrapy's telnet console and its remote-control HTTP server (which runs
# Python sent to it) have no place in a scheduled archiver; left on, they also cost every
# crawl a tenth of a second of start-up. They are left out of EXTENSIONS_BASE, not set to
# None (Scrapy imports every extension it is told about, even a disabled one);
# `[scrapy] EXTENSIONS` can bring them back.
_CONSOLES = ("scrapy.extensions.telnet.TelnetConsole",
             "scrapy.extensions.remote_control.RemoteControl")
EXTENSIONS_BASE = {name: order for name, order in default_settings.EXTENSIONS_BASE.items()
                   if name not in _CONSOLES}
EXTENSIONS = {
    "scrapy.extensions.throttle.AutoThrottle": None,
    ConditionalAutoThrottle: 0,
}

# The egress policy (crawler/egress): only public addresses, checked on the address connected to.
TWISTED_DNS_RESOLVER = EgressResolver
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
# Scrapy's file:// and data: handlers ignore DOWNLOAD_MAXSIZE (file:///dev/zero never ends)
DOWNLOAD_HANDLERS = {"file": BoundedFileHandler, "data": BoundedDataHandler}
RETRY_ENABLED = True
RETRY_TIMES = 3  # for 5xx, 408, 429 and timeouts; spaced out by BackoffRetryMiddleware
FEEDVAULT_RETRY_BACKOFF = 1.0  # seconds: retry n waits up to BACKOFF * 2**(n-1)
FEEDVAULT_RETRY_BACKOFF_MAX = 60.0  # and longer Retry-After answers postpone the source
FEEDVAULT_FORCE = False  # True: no conditional headers (`feedvault crawl --force`)
FEEDVAULT_MAX_TIME = 0.0  # seconds; 0: no deadline (`--max-time`, `[crawl] max_time`)
# False: no raw captures even where `capture = "warc"` (a replay of stored captures)
FEEDVAULT_CAPTURE = True

DOWNLOADER_MIDDLEWARES = {
    EgressMiddleware: 40,  # before RobotsTxtMiddleware (100): a refused host gets no request
    SourcePolicyMiddleware: 50,  # before RobotsTxtMiddleware (100)
    SourceHttpMiddleware: 55,  # [crawl]/[[sources]] headers, cookies, user_agent, proxy
    ConditionalMiddleware: 540,  # sees answers after retries and redirects
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    BackoffRetryMiddleware: 550,
    # [archive] capture = "warc": the final 200 answers, after redirects (600), decompression
    # (590) and retries (550); before ConditionalMiddleware (540) turns a 304 into NotModified
    CaptureMiddleware: 545,
    DeadlineMiddleware: 640,  # past the deadline: refuse, cut, do not retry
    # a connection the resolver refused becomes a refusal before the deadline and retry
    # middlewares see it; below host health, whose bookkeeping (probe gates) must see every
    # exception (a middleware that raises ends the exception chain)
    ConnectRefusalMiddleware: 645,
    HostHealthMiddleware: 650,  # above RedirectMiddleware (600): sees every answer
}

# No Referer from a URL carrying a secret (?token=, ?key=, user:pass@), in every spider
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.referer.RefererMiddleware": None,
    SecretRefererMiddleware: 700,  # RefererMiddleware's place
}

TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
# Items of one response go through the pipelines this many at a time (Scrapy's default, 100,
# starts 100 asyncio tasks per response, even for a 304 that yields nothing).
CONCURRENT_ITEMS = 25
LOG_LEVEL = "INFO"

ITEM_PIPELINES = {
    NormalizePipeline: 100,
    FilterPipeline: 150,  # include / exclude rules on the final text, before any cleaning
    CleanPipeline: 200,
    ImageDownloadPipeline: 300,  # only with [images] mode = "download"
    StorePipeline: 400,
}

# `[distributed]` in feedvault.toml makes the crawl use Redis (crawler/distributed/addon.py).
ADDONS = {DistributedAddon: 0}

# A path to feedvault.toml, or a loaded crawler.config.Config (the command line passes one).
FEEDVAULT_CONFIG = os.environ.get("FEEDVAULT_CONFIG", "feedvault.toml")
# True when the caller (the command line) already holds the archive's writer lock;
# otherwise the store pipeline takes it for the length of the crawl.
FEEDVAULT_LOCK_HELD = False
