"""Raw capture: feed and page responses of sources with `capture = "warc"` kept as WARC records.

The feeds spider, the backfill spider and the full-text code mark the requests whose answers
an article is built from (CAPTURE_META); robots.txt, images and sitemaps carry no mark. A
marked 200 answer of a capturing source is written to the archive's CaptureStore, durably,
and its reference put in the request's meta (CAPTURE_REF), from where the spider copies it
into `item.captures`. The body is stored as the spider reads it: after Scrapy removed the
transfer framing and, for a compressed answer, decompressed it (HttpCompressionMiddleware,
which then drops Content-Encoding); the headers as received otherwise.

Captures live in `.feedvault/`, which CI caches and some users commit, so no secret goes in:
an RSSHub route is recorded at its URL without the access key (as reports name it); every URL
written (the target URI, the request line, Referer, Origin, Location) goes through
`redact_url`, the rule snapshots use (no password, no value of ?token=, ?key= and the like);
the request record leaves out credentials and cookies and every header a source's
configuration sets (its values may be tokens); the response's Set-Cookie is left out too.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy import Request, signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from archive import HIDDEN
from archive.captures import CaptureStore
from archive.errors import ArchiveError
from archive.urls import redact_url
from crawler.config import Config, config_from_settings
from crawler.outcome.report import problem
from crawler.rsshub.failover import attempt

logger = logging.getLogger(__name__)

CAPTURE_META = "feedvault_capture"  # request meta: this answer is a feed or an article page
# request meta: the WARC record the answer was stored as; a replay of stored captures sets it
# to the record it answered from, and this middleware then writes nothing
CAPTURE_REF = "feedvault_capture_ref"


def capture_ref(response: Response) -> list[str]:
    """The response's capture reference as a list (empty when it was not captured)."""
    ref = response.meta.get(CAPTURE_REF)
    return [ref] if ref else []


# never recorded: they carry credentials or session state
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
# kept, with the URL they hold redacted
_URL_HEADERS = frozenset({"referer", "origin", "location", "content-location"})


def _pairs(headers: Any, leave_out: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    pairs = []
    for name, values in headers.items():
        text = name.decode("latin-1")
        if text.lower() in _SECRET_HEADERS or text.lower() in leave_out:
            continue
        redact = redact_url if text.lower() in _URL_HEADERS else str
        pairs.extend((text, redact(value.decode("latin-1"))) for value in values)
    return pairs


def _configured_headers(config: Config) -> frozenset[str]:
    """Every header name a configuration sets for requests ([crawl] and each source)."""
    names = {name.lower() for name, _ in config.http.headers}
    for source in config.sources:
        names.update(name.lower() for name, _ in source.http.headers)
    return frozenset(names)


def _shown_urls(config: Config) -> dict[str, str]:
    """An RSSHub route's URL with its access key -> the same without it, on every instance."""
    if config.rsshub is None:
        return {}
    shown: dict[str, str] = {}
    for source in config.sources:
        if source.rsshub:
            tried = attempt(config.rsshub, source.rsshub)
            shown.update(zip(tried.urls, tried.shown, strict=True))
    return shown


class CaptureMiddleware:
    """Writes each marked 200 answer of a capturing source to the capture store."""

    def __init__(self, store: CaptureStore, config: Config, stats: Any = None) -> None:
        self.store = store
        self.capturing = {s.name for s in config.sources if config.captures(s)}
        self.stats = stats
        self.leave_out = _configured_headers(config)
        self.shown = _shown_urls(config)
        self.broken = False  # after a failed write: one report line, no more attempts

    @classmethod
    def from_crawler(cls, crawler: Any) -> CaptureMiddleware:
        if not crawler.settings.getbool("FEEDVAULT_CAPTURE", True):
            raise NotConfigured  # a replay of stored captures; silent, as above
        config = config_from_settings(crawler.settings)
        if not any(config.captures(s) for s in config.sources):
            # no message: Scrapy logs a WARNING for a NotConfigured with one, on every crawl
            # of an archive that never asked for captures (the normal case)
            raise NotConfigured
        store = CaptureStore(Path(config.archive_path) / HIDDEN,
                             rotate_bytes=config.capture_rotate_mb * 2**20)
        middleware = cls(store, config, crawler.stats)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def process_response(self, request: Request, response: Response) -> Response:
        source = request.meta.get("feedvault_source")
        if (response.status != 200 or self.broken or not request.meta.get(CAPTURE_META)
                or source not in self.capturing or request.meta.get(CAPTURE_REF)):
            return response
        try:
            ref = self.store.write(
                redact_url(self.shown.get(response.url, response.url)), response.status,
                _pairs(response.headers), response.body,
                request_headers=_pairs(request.headers, self.leave_out),
                fetched_at=datetime.now(UTC).isoformat(timespec="seconds"))
        except ArchiveError as exc:  # CaptureError, or ArchiveLinkError for a linked folder
            self.broken = True
            message = (f"{redact_url(self.shown.get(response.url, response.url))}: not captured "
                       f"({exc}); no further captures this crawl")
            if self.stats is not None:
                problem(self.stats, source, message)  # the report line (and its log line)
            else:
                logger.warning("%s: %s", source, message)
            return response
        request.meta[CAPTURE_REF] = ref
        return response

    def spider_closed(self) -> None:
        self.store.close()
