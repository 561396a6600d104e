"""What a Scrapy process does in distributed mode: enqueue, crawl, or work; and when it stops.

- `enqueue` (`feedvault crawl`): the spider's start requests go into the shared queue; nothing
  is downloaded here.
- `crawl` (`scrapy crawl feeds`, e.g. scheduled through Scrapyd): enqueue, then work.
- `worker` (`feedvault worker`): no start requests; take work from the shared queue.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.defer import deferred_from_coro
from twisted.internet.task import LoopingCall

from crawler.config import config_from_settings
from crawler.distributed.outage import OutageLog, outage_errors

logger = logging.getLogger(__name__)

ENQUEUE, CRAWL, WORKER = "enqueue", "crawl", "worker"
ROLES = (ENQUEUE, CRAWL, WORKER)
# `scrapy crawl feeds` in distributed mode closes after this long with no work anywhere.
DEFAULT_IDLE_CLOSE = 10.0


def role_of(settings: Any) -> str:
    role = settings.get("FEEDVAULT_ROLE") or CRAWL
    if role not in ROLES:
        raise ValueError(f"FEEDVAULT_ROLE={role!r}: expected one of {', '.join(ROLES)}")
    return str(role)


class SkipStart:
    """Spider middleware for workers: the spider's own start requests are someone else's job."""

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        nothing: tuple[Any, ...] = ()
        for request in nothing:
            yield request


class IdleClose:
    """Keeps a distributed crawler open while work is queued or leased anywhere, and closes
    it once it has had none, and none was anywhere, for `seconds` (0: never; until signalled).

    Scrapy's own idle check runs every 5 s; this one runs every `interval` seconds.
    """

    def __init__(self, seconds: float, outstanding: Callable[[], int],
                 idle_here: Callable[[], bool], close: Callable[[], Any], *,
                 interval: float = 0.5, clock: Callable[[], float] = time.monotonic,
                 url: str = "") -> None:
        self.seconds = seconds
        self.outstanding = outstanding
        self.idle_here = idle_here
        self.close = close
        self.clock = clock
        self.since: float | None = None
        self.loop = LoopingCall(self.check)
        self.interval = interval
        self.outage = OutageLog(logger, url)

    @classmethod
    def from_crawler(cls, crawler: Any) -> IdleClose:
        engine = lambda: crawler.engine  # noqa: E731  (the engine exists once the crawl runs)
        extension = cls(
            crawler.settings.getfloat("FEEDVAULT_IDLE_CLOSE", DEFAULT_IDLE_CLOSE),
            outstanding=lambda: engine().scheduler.leases.outstanding(),
            idle_here=lambda: engine().spider_is_idle(),
            close=lambda: deferred_from_coro(engine().close_spider_async(reason="finished")),
            url=getattr(config_from_settings(crawler.settings).distributed, "redis", ""),
        )
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self) -> None:
        if self.seconds > 0:
            self.loop.start(self.interval, now=False)

    def spider_closed(self) -> None:
        if self.loop.running:
            self.loop.stop()

    def spider_idle(self) -> None:
        raise DontCloseSpider  # more work may come from other workers; check() decides

    def check(self) -> None:
        try:
            busy = not self.idle_here() or self.outstanding() > 0
        except outage_errors() as exc:  # Redis away for a moment: not a reason to stop checking
            self.outage.failed(exc, "the idle check waits for it")
            return
        except Exception:
            logger.exception("idle check failed")
            return
        self.outage.recovered()
        now = self.clock()
        if busy:
            self.since = None
        elif self.since is None:
            self.since = now
        elif now - self.since >= self.seconds:
            self.loop.stop()
            self.close()
