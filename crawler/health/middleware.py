"""Host health in a crawl: a host that stops answering is skipped, not retried page by page."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from archive import HIDDEN, LedgerError
from crawler.config import config_from_settings
from crawler.health.failures import DNS, TIMEOUT, HostDown, network_failure, report_unreachable
from crawler.limits.deadline import Deadline, passed
from crawler.schedule.http_state import FILE_NAME, HttpState

logger = logging.getLogger(__name__)

SENT = "feedvault_sent"  # time.monotonic() when the request passed this middleware
ASKED = "feedvault_dns_again"  # set on the one quick retry of a failed DNS lookup
DOWN = "feedvault_host_down"  # (host, reason) on a request whose failure found its host down
QUICK = (DNS, TIMEOUT)  # failures two of which in a row, in silence, say the host is down


def host_of(request: Request) -> str:
    """`name:port` of the request's URL, lower case; the unit of health."""
    url = urlparse_cached(request)
    return f"{(url.hostname or '').lower()}:{url.port or (443 if url.scheme == 'https' else 80)}"


@dataclass
class _Host:
    last_answer: float = float("-inf")
    strikes: int = 0
    down: str | None = None  # why, while the host is down
    suspect: bool = False  # down at the end of the last crawl: probe it once first
    probe: Request | None = None  # the request probing a suspect host
    gate: Deferred[None] | None = None  # fires when the probe's outcome is known


class HostHealthMiddleware:
    """Marks a host down for the rest of the crawl after connection-level failures, and then
    fails its requests at once (HostDown), including those queued in its download slot.

    A host is down when a request to it used up its retries on connection-level failures;
    or, sooner, when it failed `retry_times + 1` times in a row without answering anything
    in between, or twice in a row for DNS failures and timeouts (each a whole
    DOWNLOAD_TIMEOUT of silence); a failed DNS lookup is asked again once at once, not
    after RetryMiddleware's backoff. Any answer, whatever its status, brings a host up again.
    Hosts down at the end of a crawl are remembered (`.feedvault/http.sqlite`): the next
    crawl sends one request to each first and holds the others back until it is answered;
    one failure of that probe marks the host down again.

    Runs above RedirectMiddleware (600) so it sees every answer, and its process_exception
    before RetryMiddleware's (550), so a host found down is not retried.
    """

    def __init__(self, remembered: Mapping[str, str], retry_times: int, *,
                 slots: Callable[[], Mapping[str, Any]] = dict,
                 save: Callable[[dict[str, str], set[str]], None] | None = None,
                 stats: Any = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.hosts: dict[str, _Host] = {h: _Host(suspect=True) for h in remembered}
        self.remembered = dict(remembered)
        self.retry_times = retry_times
        self.slots = slots  # the downloader's slots, to drop the queued requests of a dead host
        self.save = save
        self.clock = clock
        self.stats = stats
        self.answered: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Any) -> HostHealthMiddleware:
        archive = config_from_settings(crawler.settings).archive_path
        remembered: dict[str, str] = {}
        try:
            if (archive / HIDDEN / FILE_NAME).exists():  # a dry run creates no archive
                with HttpState(archive) as state:
                    remembered = state.hosts_down()
        except LedgerError as exc:
            logger.warning("%s; hosts that were down last time are tried as usual", exc)

        def save(down: dict[str, str], up: set[str]) -> None:
            with HttpState(archive) as state:
                state.save_hosts(down, up, datetime.now(UTC).replace(microsecond=0))

        middleware = cls(remembered, crawler.settings.getint("RETRY_TIMES"),
                         slots=lambda: crawler.engine.downloader.slots, save=save,
                         stats=crawler.stats)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def _host(self, key: str) -> _Host:
        return self.hosts.setdefault(key, _Host())

    async def process_request(self, request: Request) -> None:
        key = host_of(request)
        host = self._host(key)
        while host.suspect and host.probe is not None:  # wait for the probe's outcome
            assert host.gate is not None
            await maybe_deferred_to_future(host.gate)
            if passed(request, self.clock):
                raise Deadline(f"{request.url}: left for the next crawl (deadline passed)")
        if host.down:
            raise HostDown(key, host.down)
        if host.suspect:
            host.probe, host.gate = request, Deferred()
        request.meta[SENT] = self.clock()

    def process_response(self, request: Request, response: Response) -> Response:
        key = host_of(request)
        host = self._host(key)
        if host.down:
            logger.info("%s: answering again (HTTP %s)", key, response.status)
        host.down, host.suspect, host.strikes = None, False, 0
        host.last_answer = self.clock()
        self.answered.add(key)
        self._release(host, request)
        return response

    def process_exception(self, request: Request, exception: Exception) -> Request | None:
        key = host_of(request)
        host = self._host(key)
        reason = None if isinstance(exception, IgnoreRequest) or passed(request, self.clock) \
            else network_failure(exception)
        if reason is not None and not host.down:
            self._strike(key, host, request, reason)
        self._release(host, request)
        if reason == DNS and not host.down and not request.meta.get(ASKED):
            # The resolver has retried already: ask once more at once, not after a backoff.
            return request.replace(dont_filter=True, meta={**request.meta, ASKED: True})
        if reason is not None and host.down:  # not retried; the errback reports a HostDown
            request.meta["dont_retry"] = True
            request.meta[DOWN] = (key, host.down)
        return None

    def _strike(self, key: str, host: _Host, request: Request, reason: str) -> None:
        sent = request.meta.get(SENT, self.clock())
        if host.last_answer < sent:  # nothing from the host since this request went out
            host.strikes += 1
        last_try = request.meta.get("dont_retry") or request.meta.get("retry_times", 0) >= \
            request.meta.get("max_retry_times", self.retry_times)
        if host.suspect or last_try or host.strikes >= (
                2 if reason in QUICK else self.retry_times + 1):
            self._down(key, host, reason)

    def _down(self, key: str, host: _Host, reason: str) -> None:
        host.down, host.suspect = reason, False
        logger.info("%s: unreachable (%s): its other requests in this crawl are skipped",
                    key, reason)
        for slot in list(self.slots().values()):  # requests queued behind the dead host
            queue = getattr(slot, "queue", None)
            if not queue:
                continue
            for entry in [e for e in queue if host_of(e[0]) == key]:
                queue.remove(entry)
                entry[1].errback(HostDown(key, reason))

    def _release(self, host: _Host, request: Request) -> None:
        if host.probe is request and host.gate is not None:
            gate, host.probe, host.gate = host.gate, None, None
            gate.callback(None)

    def spider_closed(self) -> None:
        for host in self.hosts.values():  # nobody waits for a probe once the crawl is over
            if host.gate is not None:
                self._release(host, host.probe)  # type: ignore[arg-type]
        if self.stats is not None:
            report_unreachable(self.stats)
        down = {k: h.down for k, h in self.hosts.items() if h.down}
        up = self.answered & set(self.remembered)
        if self.save is not None and (down or up):
            try:
                self.save(down, up)
            except LedgerError as exc:
                logger.warning("%s; unreachable hosts are not remembered", exc)
