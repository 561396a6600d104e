"""Conditional requests: send the validators we hold, skip 304s, learn when to poll next."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from crawler.config import config_from_settings
from crawler.health.failures import HostDown
from crawler.outcome.report import count, mark
from crawler.rsshub import attempt, feed_urls
from crawler.schedule.freshness import FeedHints, cache_expiry, feed_hints, retry_after
from crawler.schedule.http_state import HttpState, Poll, Validators

logger = logging.getLogger(__name__)

# Request meta: send no validators for this request (`crawl --force`). The feed spider sets
# it on the requests of a forced crawl, so it travels with them through the distributed
# queue to workers whose own FEEDVAULT_FORCE is off.
FORCE_META = "feedvault_force"


class NotModified(IgnoreRequest):
    """The server answered 304: what we archived is current; nothing to parse or write."""


def _headers(response: Response) -> dict[str, str]:
    return {k.decode("latin-1").lower(): b",".join(v).decode("latin-1")
            for k, v in response.headers.items()}


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class ConditionalMiddleware:
    """Adds `If-None-Match`/`If-Modified-Since` to every source request (feeds, article pages),
    unless the crawl is forced (FEEDVAULT_FORCE, or FORCE_META on the request).

    What a crawl learns (new validators, poll times, the earliest next poll a
    site asks for) is saved when the crawl finishes. Validators of a source are
    saved only if every article of it was archived: a crawl that was killed or
    failed half-way fetches the whole feed again next time, so nothing is lost.
    """

    def __init__(self, state: HttpState, feeds: Mapping[str, str], stats: Any, *,
                 force: bool = False, clock: Callable[[], datetime] = _now,
                 stored_as: Mapping[str, str] | None = None) -> None:
        self.state = state
        self.feeds = dict(feeds)  # feed URL -> source name
        self.stats = stats
        self.force = force
        self.clock = clock
        self.validators: dict[str, tuple[str, Validators]] = {}  # url -> (source, validators)
        self.polls: dict[str, Poll] = {}
        # an RSSHub feed URL with its access key -> the same without it: validators are
        # stored under the URL without the key, so the key never lands in .feedvault/
        self.stored_as = dict(stored_as or {})

    @classmethod
    def from_crawler(cls, crawler: Any) -> ConditionalMiddleware:
        config = config_from_settings(crawler.settings)
        feeds = {url: s.name for s in config.sources for url in feed_urls(config, s)}
        stored_as = {url: shown for s in config.sources if s.rsshub and config.rsshub
                     for url, shown in zip(*_keyed_and_shown(config.rsshub, s.rsshub), strict=True)}
        middleware = cls(HttpState(config.archive_path), feeds,
                         crawler.stats, force=crawler.settings.getbool("FEEDVAULT_FORCE"),
                         stored_as=stored_as)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def _feed_source(self, request: Request) -> str | None:
        first = (request.meta.get("redirect_urls") or [request.url])[0]
        return self.feeds.get(first)

    def process_request(self, request: Request) -> None:
        source = request.meta.get("feedvault_source")
        if source is None or not request.url.startswith(("http://", "https://")):
            return
        mark(self.stats, source, "started", time.time(), first=True)
        if self.force or request.meta.get(FORCE_META) or self._feed_source(request) is None:
            # an article page is fetched whole: a 304 would leave nothing to build the
            # article from but the feed's teaser, which would replace the archived text
            return
        held = self.state.validators(self.stored_as.get(request.url, request.url))
        if held.etag:
            request.headers.setdefault("If-None-Match", held.etag)
        if held.last_modified:
            request.headers.setdefault("If-Modified-Since", held.last_modified)

    def process_response(self, request: Request, response: Response) -> Response:
        source = request.meta.get("feedvault_source")
        if source is None or not response.url.startswith(("http://", "https://")):
            return response
        mark(self.stats, source, "finished", time.time())
        feed_of = self._feed_source(request)
        headers = _headers(response)
        now = self.clock()
        if response.status == 304:
            count(self.stats, source, "not_modified")
            if feed_of:
                self._polled(feed_of, now, headers, "not modified")
            raise NotModified(f"{request.url}: not modified")
        if response.status == 200:
            found = Validators(headers.get("etag"), headers.get("last-modified"))
            if found and feed_of:
                self.validators[self.stored_as.get(request.url, request.url)] = (source, found)
            if feed_of:
                hints = feed_hints(response.body)
                self._polled(feed_of, now, headers, "ok", skip_hours=hints.skip_hours,
                             skip_days=hints.skip_days, ttl=hints.ttl)
        elif feed_of:
            self._polled(feed_of, now, headers, f"HTTP {response.status}")
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        feed_of = self._feed_source(request)
        tried = not isinstance(exception, IgnoreRequest) or isinstance(exception, HostDown)
        if feed_of and tried:  # a host found down counts as a poll; our refusals do not
            self._polled(feed_of, self.clock(), {}, type(exception).__name__)

    def _polled(self, source: str, now: datetime, headers: Mapping[str, str], outcome: str,
                **hints: Any) -> None:
        previous = self.state.poll(source)
        poll = replace(previous, last_polled=now, outcome=outcome, **hints)
        waits = [cache_expiry(headers, now), retry_after(headers.get("retry-after"), now)]
        # one rule for `<ttl>`: freshness caps it like every other wait a site asks for
        waits.append(FeedHints(ttl=poll.ttl).expiry(now))
        not_before = max((w for w in waits if w), default=None)
        if headers.get("retry-after") and retry_after(headers["retry-after"], now):
            outcome = f"{outcome}, Retry-After"
        self.polls[source] = replace(poll, not_before=not_before, outcome=outcome)
        if not_before:
            self.stats.set_value(f"feedvault/{source}/not_before", not_before.isoformat())

    def spider_closed(self, spider: Any, reason: str) -> None:
        try:
            self.state.save(*self._to_save(reason), now=self.clock())
        finally:
            self.state.close()

    def _to_save(self, reason: str) -> tuple[dict[str, Validators], dict[str, Poll]]:
        """Validators of sources that archived everything; polls unless the crawl was cut short."""
        finished = reason == "finished"
        stats = self.stats

        def complete(source: str) -> bool:
            return finished and not stats.get_value(f"feedvault/{source}/incomplete") and \
                not stats.get_value(f"feedvault/{source}/broken")

        def cut(source: str) -> bool:  # the deadline left some of it: still due next time
            return bool(stats.get_value(f"feedvault/{source}/left"))

        validators = {url: v for url, (src, v) in self.validators.items() if complete(src)}
        polls = {src: p for src, p in self.polls.items()
                 if (finished and not cut(src)) or (p.outcome or "").endswith("Retry-After")}
        return validators, polls


def _keyed_and_shown(rsshub: Any, route: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A route's URL on each instance, with its access key and without."""
    tried = attempt(rsshub, route)
    return tried.urls, tried.shown
