"""The network as a re-extraction sees it: nothing; every download handler refuses."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.exceptions import IgnoreRequest

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.http import Response

# every scheme Scrapy can download: a re-extraction answers from the captures or not at all
SCHEMES = ("http", "https", "file", "data", "ftp", "s3")


class NotCaptured(IgnoreRequest):
    """A request a re-extraction cannot answer from the captures; it is never sent."""


class RefusingHandler(BaseDownloadHandler):
    """The belt to ReplayMiddleware's braces: should a request get past it, it goes nowhere."""

    async def download_request(self, request: Request) -> Response:
        raise NotCaptured(f"{request.url}: not captured, and a re-extraction makes no request")
