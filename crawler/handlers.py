"""Download handlers for file:// and data: URLs that honour DOWNLOAD_MAXSIZE like HTTP does.

Scrapy's own file handler reads the whole file, whatever it is: `file:///dev/zero` grows
the process until the machine runs out of memory, and a FIFO blocks a thread for ever.
"""

from __future__ import annotations

import os
import stat
from typing import TYPE_CHECKING

from scrapy.core.downloader.handlers.datauri import DataURIDownloadHandler
from scrapy.core.downloader.handlers.file import FileDownloadHandler
from scrapy.responsetypes import responsetypes
from scrapy.utils.asyncio import run_in_thread
from w3lib.url import file_uri_to_path

from archive import FeedvaultError

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.http import Response

_KINDS = {stat.S_IFDIR: "a directory", stat.S_IFCHR: "a character device",
          stat.S_IFBLK: "a block device", stat.S_IFIFO: "a FIFO", stat.S_IFSOCK: "a socket"}


class TooLarge(FeedvaultError):
    """A response larger than DOWNLOAD_MAXSIZE, or a file that is no regular file."""


def read_file(path: str, maxsize: int) -> bytes:
    """The bytes of a regular file of at most maxsize bytes (0: no limit); else TooLarge."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO must not block the open
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = _KINDS.get(stat.S_IFMT(info.st_mode), "a special file")
            raise TooLarge(f"{path} is {kind}, not a regular file: not read")
        if maxsize and info.st_size > maxsize:
            raise TooLarge(_too_large(path, info.st_size, maxsize))
        with os.fdopen(fd, "rb", closefd=False) as file:
            body = file.read(maxsize + 1) if maxsize else file.read()
        if maxsize and len(body) > maxsize:  # it grew while we read
            raise TooLarge(_too_large(path, len(body), maxsize, more=True))
        return body
    finally:
        os.close(fd)


def _too_large(what: str, size: int, maxsize: int, *, more: bool = False) -> str:
    at_least = "at least " if more else ""
    return (f"{what} is {at_least}{size:,} bytes, more than DOWNLOAD_MAXSIZE "
            f"({maxsize:,} bytes): not read")


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
            raise TooLarge(_too_large("the data: URL's content", len(response.body), maxsize))
        return response


def _maxsize(handler: FileDownloadHandler | DataURIDownloadHandler, request: Request) -> int:
    default = handler.crawler.settings.getint("DOWNLOAD_MAXSIZE")
    return int(request.meta.get("download_maxsize", default))
