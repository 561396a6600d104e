"""The scheduler of distributed mode: scrapy-redis's queue and duplicate filter, plus leases.

Adapter over scrapy-redis 0.9.1's `Scheduler` for Scrapy 2.13+: it passes no `spider`
argument to the stats collector (deprecated there), never flushes the shared queue
when one worker closes, takes requests with a lease (see `leases.py`) so that a
worker killed mid-request loses nothing, and queues JSON, never pickles (`queue.py`).
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from scrapy import Request, Spider
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler
from twisted.internet.task import LoopingCall

from crawler.config import SourceConfig, config_from_settings
from crawler.distributed.keys import Keys, connect
from crawler.distributed.leases import Leases
from crawler.distributed.outage import OutageLog, describe, outage_errors, redis_unreachable
from crawler.distributed.queue import JsonPriorityQueue, RequestCodec
from crawler.distributed.roles import ENQUEUE, role_of

logger = logging.getLogger(__name__)


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def engine_holds(engine: Any, request: Request) -> bool:
    """Whether the engine still works on request: downloading it, or scraping its response.

    The scraper releases a response only after every item it yielded has been
    through the item pipelines, so a request not held here is fully processed.
    """
    if request in engine.downloader.active:
        return True
    slot = engine.scraper.slot
    return slot is not None and (
        request in slot.active or any(queued is request for _, queued, _ in slot.queue)
    )


class LeasedScheduler(Scheduler):
    """Requests shared by every worker through Redis; each one leased until processed."""

    def __init__(self, server: Any, keys: Keys, leases: Leases, *, role: str,
                 holds: Callable[[Request], bool], stats: Any = None, url: str = "",
                 sources: Mapping[str, SourceConfig] | None = None) -> None:
        super().__init__(
            server,
            persist=True,  # the queue is shared: one worker closing must not empty it
            queue_key=keys.requests,
            dupefilter=RFPDupeFilter(server, key=keys.dupefilter),
            dupefilter_key=keys.dupefilter,
        )
        self.keys = keys
        self.leases = leases
        self.role = role
        self.holds = holds
        self.stats = stats
        self.sources = dict(sources or {})  # what `{"$source": name}` in a queued request means
        self.taken: dict[str, Request] = {}
        # Requests the spider made while Redis was unreachable, pushed once it is back.
        self.backlog: list[Request] = []
        # Set when articles could not be handed over: no lease may be finished any more.
        self.keeping = False
        self.url = url  # for messages
        self.outage = OutageLog(logger, url)
        self.interval = min(1.0, leases.timeout_ms / 3000)
        self._heartbeat = LoopingCall(self.heartbeat)
        self._beats = 0

    @classmethod
    def from_crawler(cls, crawler: Any) -> LeasedScheduler:
        whole = config_from_settings(crawler.settings)
        config = whole.distributed
        if config is None:
            raise ValueError("LeasedScheduler needs [distributed] in feedvault.toml")
        server = connect(config)
        keys = Keys(config.prefix)
        leases = Leases(server, keys, new_worker_id(), config.worker_timeout)
        scheduler = cls(server, keys, leases, role=role_of(crawler.settings),
                        holds=lambda request: engine_holds(crawler.engine, request),
                        stats=crawler.stats, url=config.redis,
                        sources=whole.by_name)
        crawler.signals.connect(scheduler.keep_leases, signal=redis_unreachable)
        return scheduler

    def open(self, spider: Spider) -> None:
        # Not super().open(): it calls the deprecated Spider.log().
        self.spider = spider
        self.queue = JsonPriorityQueue(self.server, spider, self.keys.requests,
                                       RequestCodec(spider, self.sources))
        if len(self.queue):
            logger.info("%d requests queued in Redis", len(self.queue))
        self.leases.beat()
        if self.role != "worker" and self.leases.outstanding() == 0:
            self.df.clear()  # nothing queued or leased anywhere: a new round starts
        self._heartbeat.start(self.interval, now=False)

    def close(self, reason: str) -> None:
        if self._heartbeat.running:
            self._heartbeat.stop()
        # The engine closes us once nothing is in progress: every lease is finished, unless
        # some work never reached Redis (then finish_done keeps them all). Giving back is
        # always safe: the requests are crawled again. If Redis is unreachable, the leases
        # stay; once this worker's heartbeat expires, a live worker puts them back.
        if self.backlog and not self._try("queueing requests made while it was away",
                                          self.push_backlog):
            return
        if self._try("finishing the processed requests", self.finish_done) and \
                self._try("giving back the unfinished requests", self._give_back):
            self._try("signing off", self.leases.leave)

    def _give_back(self) -> None:
        returned = self.leases.give_back(self.taken)
        if returned:
            logger.warning("gave back %d unfinished requests to the queue", returned)

    def _try(self, what: str, action: Callable[[], Any]) -> bool:
        """Run action; if Redis is unreachable, say so in one line and return False."""
        try:
            action()
        except outage_errors() as exc:
            logger.warning("Redis at %s unreachable while %s (%s); %d requests stay leased "
                           "and go back to the queue when this worker's heartbeat has expired",
                           self.url, what, describe(exc), len(self.taken))
            return False
        return True

    def keep_leases(self) -> None:
        """Articles could not be handed over: finish no lease from now on (see outage.py)."""
        self.keeping = True

    def heartbeat(self) -> None:
        try:
            self.leases.beat()
            self.push_backlog()
            self.finish_done()
            self._beats += 1
            if self._beats * self.interval >= self.leases.timeout_ms / 1000:
                self._beats = 0
                rescued = self.leases.rescue()
                if rescued:
                    logger.warning("put %d requests of a vanished worker back in the queue",
                                   rescued)
        except outage_errors() as exc:  # keep beating: Redis may be back in a moment
            self.outage.failed(exc, "waiting for it")
        except Exception:  # keep beating: a failed beat must not stop the loop for good
            logger.exception("distributed heartbeat failed")
        else:
            self.outage.recovered()

    def finish_done(self) -> None:
        if self.keeping or self.backlog:
            # A request whose articles or follow-up requests never reached Redis may look
            # done to the engine: finishing its lease would lose them.
            return
        done = [lease for lease, request in self.taken.items() if not self.holds(request)]
        self.leases.finish(done)
        for lease in done:
            del self.taken[lease]

    def push_backlog(self) -> None:
        while self.backlog:
            request = self.backlog[0]
            self.df.request_seen(request)  # recorded; it may have been before the outage
            self.queue.push(request)
            self.backlog.pop(0)
        # Duplicates are possible (a request the dupefilter saw just before Redis went away);
        # a request crawled twice only makes its articles `unchanged` for the writer.

    def enqueue_request(self, request: Request) -> bool:
        try:
            if not request.dont_filter and self.df.request_seen(request):
                self.df.log(request, self.spider)
                return False
            self.queue.push(request)
        except (TypeError, ValueError) as exc:  # a request of ours that JSON cannot carry
            logger.error("cannot queue %s in Redis: %s", request, exc)
            if self.stats:
                self.stats.inc_value("scheduler/unqueueable/redis")
            return False
        except outage_errors() as exc:
            if self.role == ENQUEUE:
                raise
            self.backlog.append(request)
            self.outage.failed(exc, f"{len(self.backlog)} new requests wait in memory until "
                                    "it is back")
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        if self.role == ENQUEUE or self.keeping:
            return None
        try:
            found = self.leases.take()
        except outage_errors():
            return None  # the heartbeat says Redis is away
        if found is None:
            return None
        lease, data = found
        try:
            request = self.queue.codec.decode(data)
        except Exception as exc:  # foreign or forged: never run, never retried
            reason = str(exc) if isinstance(exc, ValueError) else describe(exc)
            logger.error("dropped a queued request that cannot be trusted (%d bytes, lease %s): "
                         "%s", len(data), lease, reason)
            if self.stats:
                self.stats.inc_value("scheduler/dropped/redis")
            self.leases.finish([lease])
            return None
        self.taken[lease] = request
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        try:
            return self.role != ENQUEUE and not self.keeping and len(self) > 0
        except outage_errors():
            return False
