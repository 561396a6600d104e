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
LATE = "feedvault_retry_late"  # a retry whose backoff would end past the deadline
MIN_TIMEOUT = 1.0  # seconds a request started just before the deadline still gets


class Deadline(IgnoreRequest):
    """The crawl's deadline passed before this request was done: the next crawl does it."""


def passed(request: Request, clock: Callable[[], float] = time.monotonic) -> bool:
    """Whether the deadline this request was sent under has passed."""
    ends = request.meta.get(META)
    return ends is not None and clock() >= ends


def retry_too_late(retry: Request, wait: float,
                   clock: Callable[[], float] = time.monotonic) -> bool:
    """Whether retry, sent after waiting `wait` seconds of backoff, would start past the
    deadline its request was sent under. If so it is marked: DeadlineMiddleware refuses it
    at once, so no backoff sleeps through the deadline (BackoffRetryMiddleware asks)."""
    ends = retry.meta.get(META)
    if ends is None or clock() + wait < ends:
        return False
    retry.meta[LATE] = True
    return True


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
    it is not retried, nor one whose retry backoff would end after it (`retry_too_late`:
    refused without the wait). The errbacks see Deadline and report the URL as left for
    the next run.

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
        late = bool(request.meta.get(LATE))
        if self.stats.get_value(DEADLINE) is None:
            how = "would pass during a retry's backoff" if late else "passed"
            self.stats.set_value(DEADLINE, f"the {describe(self.seconds)} deadline (max_time) "
                                           f"{how}")
            logger.info("crawl deadline (%s) %s: no new requests; what is left waits for "
                        "the next crawl", describe(self.seconds), how)
        if late:
            self.stats.inc_value("feedvault/deadline/retries_cut")
            return Deadline(f"{request.url}: left for the next crawl (its retry would wait "
                            "past the deadline)")
        return Deadline(f"{request.url}: left for the next crawl (deadline passed)")

    def process_request(self, request: Request) -> None:
        if self.ends is None:
            return
        left = self.ends - self.clock()
        if left <= 0 or request.meta.get(LATE):
            raise self._refuse(request)
        request.meta[META] = self.ends
        timeout = request.meta.get("download_timeout", self.download_timeout)
        request.meta["download_timeout"] = max(MIN_TIMEOUT, min(timeout, left))

    def process_exception(self, request: Request, exception: Exception) -> None:
        if isinstance(exception, IgnoreRequest) or not passed(request, self.clock):
            return
        raise self._refuse(request) from exception
