"""Download handlers for file:// and data: URLs that honour DOWNLOAD_MAXSIZE like HTTP does.

Scrapy's own file handler reads the whole file, whatever it is: `file:///dev/zero` grows
the process until the machine runs out of memory, and a FIFO blocks a thread for ever.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.core.downloader.handlers.datauri import DataURIDownloadHandler
from scrapy.core.downloader.handlers.file import FileDownloadHandler
from scrapy.responsetypes import responsetypes
from scrapy.utils.asyncio import run_in_thread
from w3lib.url import file_uri_to_path

from crawler.limits.files import TooLarge, read_file, too_large

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.http import Response


class BoundedFileHandler(FileDownloadHandler):
    """file:// URLs: regular files of at most DOWNLOAD_MAXSIZE bytes, read in a thread."""

    async def download_request(self, request: Request) -> Response:
        path = file_uri_to_path(request.url)
        body = await run_in_thread(read_file, path, _maxsize(self, request))
        respcls = responsetypes.from_args(filename=path, body=body)
        return respcls(url=request.url, body=body)


class BoundedDataHandler(DataURIDownloadHandler):
    """data: URLs whose content is at most DOWNLOAD_MAXSIZE bytes."""

    async def download_request(self, request: Request) -> Response:
        response = await super().download_request(request)
        maxsize = _maxsize(self, request)
        if maxsize and len(response.body) > maxsize:
            raise TooLarge(too_large("the data: URL's content", len(response.body), maxsize))
        return response


def _maxsize(handler: FileDownloadHandler | DataURIDownloadHandler, request: Request) -> int:
    default = handler.crawler.settings.getint("DOWNLOAD_MAXSIZE")
    return int(request.meta.get("download_maxsize", default))
