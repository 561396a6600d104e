"""`--max-time`: once a crawl's deadline passes, no request starts and those in flight are cut."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest

from crawler.outcome.report import DEADLINE

logger = logging.getLogger(__name__)

META = "feedvault_deadline"  # the deadline, time.monotonic(), on every request sent before it
MIN_TIMEOUT = 1.0  # seconds a request started just before the deadline still gets


class Deadline(IgnoreRequest):
    """The crawl's deadline passed before this request was done: the next crawl does it."""


def passed(request: Request, clock: Callable[[], float] = time.monotonic) -> bool:
    """Whether the deadline this request was sent under has passed."""
    ends = request.meta.get(META)
    return ends is not None and clock() >= ends


def describe(seconds: float) -> str:
    if seconds % 3600 == 0:
        return f"{seconds / 3600:g}h"
    if seconds % 60 == 0:
        return f"{seconds / 60:g}m"
    return f"{seconds:g}s"


class DeadlineMiddleware:
    """Refuses every request once `FEEDVAULT_MAX_TIME` seconds have passed since the crawl
    opened, and gives each request sent before that no more time than is left (at least
    MIN_TIMEOUT), so a download in flight ends at the deadline. A request that fails after
    it is not retried. The errbacks see Deadline and report the URL as left for the next run.

    Runs after RetryMiddleware (550) and before HostHealthMiddleware (650): a timeout the
    deadline caused is not held against the host, and is not retried.
    """

    def __init__(self, seconds: float, download_timeout: float, stats: Any, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.download_timeout = download_timeout
        self.stats = stats
        self.clock = clock
        self.ends: float | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> DeadlineMiddleware:
        middleware = cls(crawler.settings.getfloat("FEEDVAULT_MAX_TIME"),
                         crawler.settings.getfloat("DOWNLOAD_TIMEOUT"), crawler.stats)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware

    def spider_opened(self) -> None:
        if self.seconds > 0:
            self.ends = self.clock() + self.seconds

    def _refuse(self, request: Request) -> Deadline:
        if self.stats.get_value(DEADLINE) is None:
            self.stats.set_value(DEADLINE, f"the {describe(self.seconds)} deadline (max_time) "
                                        "passed")
            logger.info("crawl deadline (%s) passed: no new requests; what is left waits for "
                        "the next crawl", describe(self.seconds))
        return Deadline(f"{request.url}: left for the next crawl (deadline passed)")

    def process_request(self, request: Request) -> None:
        if self.ends is None:
            return
        left = self.ends - self.clock()
        if left <= 0:
            raise self._refuse(request)
        request.meta[META] = self.ends
        timeout = request.meta.get("download_timeout", self.download_timeout)
        request.meta["download_timeout"] = max(MIN_TIMEOUT, min(timeout, left))

    def process_exception(self, request: Request, exception: Exception) -> None:
        if isinstance(exception, IgnoreRequest) or not passed(request, self.clock):
            return
        raise self._refuse(request) from exception
