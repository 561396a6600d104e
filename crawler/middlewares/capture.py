"""Raw capture: feed and page responses of sources with `capture = "warc"` kept as WARC records.

The feeds spider, the backfill spider and the full-text code mark the requests whose answers
an article is built from (CAPTURE_META); robots.txt, images and sitemaps carry no mark. A
marked 200 answer of a capturing source is kept as a PendingCapture in the request's meta
(CAPTURE_REF), from where the spider copies it into `item.captures`; the store step writes
it to the archive's CaptureStore only when the article built from it is new or updated (or
has no captures yet), durably, before the article's ledger row. A feed answer shared by
several articles is written once. The body is stored as the spider reads it: after Scrapy removed the
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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from archive.captures import CaptureStore
from archive.urls import redact_url
from crawler.config import Config, config_from_settings
from crawler.rsshub.failover import attempt

logger = logging.getLogger(__name__)

CAPTURE_META = "feedvault_capture"  # request meta: this answer is a feed or an article page
# request meta: the WARC record the answer was stored as; a replay of stored captures sets it
# to the record it answered from, and this middleware then writes nothing
CAPTURE_REF = "feedvault_capture_ref"


@dataclass(eq=False)
class PendingCapture:
    """A marked answer, as it will be recorded (secrets left out), not written yet."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes = field(repr=False)
    request_headers: list[tuple[str, str]]
    fetched_at: str
    ref: str | None = None  # once written; the articles sharing this answer reuse it

    def write(self, store: CaptureStore) -> str:
        """Its reference in store, written (durably) the first time only; CaptureError or
        ArchiveLinkError when it cannot be."""
        if self.ref is None:
            self.ref = store.write(self.url, self.status, self.headers, self.body,
                                   request_headers=self.request_headers,
                                   fetched_at=self.fetched_at)
            self.body = b""  # written: no need to hold it any longer
        return self.ref


def capture_ref(response: Response) -> list[str | PendingCapture]:
    """The response's capture (a reference, or an answer not written yet) as a list, empty when
    it is not captured."""
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
    """Keeps each marked 200 answer of a capturing source for the store step to write."""

    def __init__(self, config: Config) -> None:
        self.capturing = {s.name for s in config.sources if config.captures(s)}
        self.leave_out = _configured_headers(config)
        self.shown = _shown_urls(config)

    @classmethod
    def from_crawler(cls, crawler: Any) -> CaptureMiddleware:
        if not crawler.settings.getbool("FEEDVAULT_CAPTURE", True):
            raise NotConfigured  # a replay of stored captures; silent, as above
        config = config_from_settings(crawler.settings)
        if not any(config.captures(s) for s in config.sources):
            # no message: Scrapy logs a WARNING for a NotConfigured with one, on every crawl
            # of an archive that never asked for captures (the normal case)
            raise NotConfigured
        return cls(config)

    def process_response(self, request: Request, response: Response) -> Response:
        source = request.meta.get("feedvault_source")
        if (response.status != 200 or not request.meta.get(CAPTURE_META)
                or source not in self.capturing or request.meta.get(CAPTURE_REF)):
            return response
        request.meta[CAPTURE_REF] = PendingCapture(
            redact_url(self.shown.get(response.url, response.url)), response.status,
            _pairs(response.headers), response.body, _pairs(request.headers, self.leave_out),
            datetime.now(UTC).isoformat(timespec="seconds"))
        return response
