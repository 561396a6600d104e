"""The downloader of a re-extraction: each request answered from the capture store, or refused."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from archive.captures import Captured, CaptureStore
from archive.errors import CaptureError
from crawler.replay.plan import REPLAY_SETTING, ReplayPlan, page_key
from crawler.replay.refuse import NotCaptured

logger = logging.getLogger(__name__)

REPLAY_META = "feedvault_replay"  # on a request: the capture reference that answers it
REPLAYED_META = "feedvault_replayed"  # on a response: the capture reference it came from


class ReplayMiddleware:
    """First in the chain (and alone in it): a feed request carries the reference of its
    capture, a page request is answered by the capture of that URL; anything else is
    refused (NotCaptured, an IgnoreRequest: the request's errback says it once)."""

    def __init__(self, captures: CaptureStore, pages: dict[str, str]) -> None:
        self.captures = captures
        self.pages = pages  # page URL (page_key) -> capture reference

    @classmethod
    def from_crawler(cls, crawler: Any) -> ReplayMiddleware:
        plan: ReplayPlan | None = crawler.settings.get(REPLAY_SETTING)
        if plan is None:
            raise NotConfigured("not a re-extraction")
        return cls(plan.captures, plan.pages)

    def process_request(self, request: Request) -> Response:
        ref = request.meta.get(REPLAY_META) or self.pages.get(page_key(request.url))
        if ref is None:
            raise NotCaptured(f"{request.url}: not captured, and a re-extraction makes no "
                              "request")
        try:
            captured = self.captures.read(ref)
        except CaptureError as exc:
            raise NotCaptured(f"{request.url}: its capture {ref} cannot be read ({exc})") from exc
        request.meta[REPLAYED_META] = ref
        return response_from(captured, request)


def response_from(captured: Captured, request: Request) -> Response:
    """The captured answer as Scrapy's response to request (HtmlResponse, XmlResponse, ...)
    at the URL it was captured from (after any redirect)."""
    headers = Headers()
    for name, value in captured.headers:
        # the stored payload is the body as the crawl read it, already decoded
        if name.lower() in ("content-encoding", "transfer-encoding", "content-length"):
            continue
        headers.appendlist(name, value)
    cls = responsetypes.from_args(headers=headers, url=captured.url, body=captured.body)
    return cls(url=captured.url, status=captured.status, headers=headers,
               body=captured.body, request=request)
