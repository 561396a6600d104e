"""Step 3 (`[images] mode = "download"`): images saved in the archive under content-addressed names.

Scrapy's FilesPipeline does the fetching (through the crawl's own downloader, robots.txt and
throttling included); this subclass adds per-host request headers, content-addressed names,
an index so that an image is fetched once across runs, and the body rewrite. Only raster
images whose bytes say so are saved (see `_raster`), through a store that never writes
through a link (`_image_store`); anything else keeps its remote URL.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response
from scrapy.http.request import NO_CALLBACK
from scrapy.pipelines.files import FilesPipeline
from scrapy.pipelines.media import FileException, FileInfo, FileInfoOrError
from twisted.internet.defer import Deferred, succeed
from twisted.python.failure import Failure

from crawler.config import config_from_settings
from crawler.items import ArticleItem
from crawler.outcome.report import problem
from pipelines._image_index import ImageIndex
from pipelines._image_store import ImageStore
from pipelines._localize import localize
from pipelines._raster import raster, why_not
from pipelines._sanitize import allowlist
from pipelines._urls import host_matches, host_of, is_private_host

logger = logging.getLogger(__name__)
INDEX_FILE = Path(".feedvault") / "images.sqlite"


class ImageFailed(FileException):
    """An image that could not be saved; reported once per article in the crawl summary."""


class NotRaster(ImageFailed):
    """A response that is not a PNG, JPEG, GIF, WebP or AVIF image: never saved."""


class _AlreadyReported(logging.Filter):
    """Scrapy logs each failed media download with a traceback; the summary says it better."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], ImageFailed))


class ImageDownloadPipeline(FilesPipeline):
    """Downloads each item's images once, rewrites their src to `url_prefix` + file name."""

    # FSFilesStore makes the folder on construction and writes through links: the store is
    # set in __init__, knowing the archive root (ImageStore(uri) alone touches nothing)
    STORE_SCHEMES: ClassVar[dict[str, Any]] = {**FilesPipeline.STORE_SCHEMES, "": ImageStore,
                                               "file": ImageStore}

    def __init__(self, folder: Path, url_prefix: str, headers: Mapping[str, Mapping[str, str]],
                 index: Path, *, crawler: Any, keep_class: bool = False,
                 iframe_hosts: tuple[str, ...] = (), archive: Path | None = None) -> None:
        super().__init__(str(folder), crawler=crawler)
        self.store: ImageStore = ImageStore(folder, archive)
        self.refused: str | None = None  # why the folder cannot be written, once opened
        self._told: set[str] = set()  # sources told so
        # image hosts often redirect (http -> https, CDN hops); media_downloaded refuses a
        # redirect that lands on a private network
        self.allow_redirects = True
        self._handle_statuses(True)
        self.folder = folder
        self.url_prefix = url_prefix
        self.headers = headers
        self.index = ImageIndex(index)
        self.allowlist = allowlist(keep_class=keep_class, iframe_hosts=iframe_hosts)

    @classmethod
    def from_crawler(cls, crawler: Any) -> ImageDownloadPipeline:
        config = config_from_settings(crawler.settings)
        images = config.images
        if images.mode != "download" or images.folder is None:
            # the usual case: no reason given, so that Scrapy does not warn on every crawl
            logger.debug('images are downloaded only with [images] mode = "download"')
            raise NotConfigured
        return cls(images.folder, images.url_prefix, images.headers,
                   config.archive_path / INDEX_FILE, crawler=crawler,
                   keep_class=config.clean.keep_class, iframe_hosts=config.clean.iframe_hosts,
                   archive=config.archive_path)

    _quiet = _AlreadyReported()

    def open_spider(self) -> None:  # type: ignore[override]  # Scrapy 2.13+: no spider argument
        super().open_spider()
        logging.getLogger("scrapy.pipelines.media").addFilter(self._quiet)
        self.refused = self.store.open()
        if self.refused:
            logger.error("images are not downloaded: %s", self.refused)

    def close_spider(self) -> None:
        logging.getLogger("scrapy.pipelines.media").removeFilter(self._quiet)
        self.index.close()

    def request_headers(self, url: str) -> dict[str, str]:
        host, headers = host_of(url), dict[str, str]()
        for pattern, fields in self.headers.items():
            if host_matches(host, (pattern,)):
                headers.update(fields)
        return headers

    def get_media_requests(self, item: ArticleItem, info: Any) -> list[Request]:
        if self.refused:
            if item.image_urls and item.source not in self._told:
                self._told.add(item.source)
                problem(self.crawler.stats, item.source, f"images not downloaded: {self.refused}"
                        "; the articles keep their remote URLs")
            return []
        return [Request(url, headers=self.request_headers(url), callback=NO_CALLBACK)
                for url in item.image_urls]

    def media_to_download(self, request: Request, info: Any, *, item: Any = None
                          ) -> Deferred[FileInfo | None]:
        """The indexed file, if it is still there: then nothing is fetched."""
        name = self.index.get(request.url)
        if name and self.store.holds(name):
            self.inc_stats("uptodate")
            return succeed({"url": request.url, "path": name, "checksum": "",
                            "status": "uptodate"})
        return succeed(None)

    async def media_downloaded(self, response: Response, request: Request, info: Any, *,
                               item: Any = None) -> FileInfo:
        if response.status != 200:
            raise ImageFailed(f"HTTP {response.status}")
        landed = host_of(response.url)
        if landed != host_of(request.url) and is_private_host(landed) and (
                item is None or landed != host_of(item.feed_url)):
            raise ImageFailed(f"redirected to a private-network address ({response.url})")
        if raster(response.body) is None:
            raise NotRaster(why_not(_content_type(response), response.body))
        result = await super().media_downloaded(response, request, info, item=item)
        self.index.put(request.url, result["path"])
        return result

    def media_failed(self, failure: Failure, request: Request, info: Any) -> Any:
        if isinstance(failure.value, NotRaster):
            raise failure.value  # said well already
        raise ImageFailed(failure.getErrorMessage() or failure.type.__name__) from failure.value

    def file_path(self, request: Request, response: Response | None = None, info: Any = None,
                  *, item: Any = None) -> str:
        """A name derived from the image's bytes: one file per distinct image."""
        if response is None:
            return self.index.get(request.url) or "pending"
        found = raster(response.body)
        if found is None:  # media_downloaded refused it already
            raise NotRaster(why_not(_content_type(response), response.body))
        return hashlib.sha256(response.body).hexdigest()[:32] + found.extension

    def item_completed(self, results: list[FileInfoOrError], item: ArticleItem, info: Any
                       ) -> ArticleItem:
        saved: dict[str, str] = {}
        for url, (ok, value) in zip(item.image_urls, results, strict=False):
            if ok and not isinstance(value, Failure):
                saved[item.images.get(url, url)] = self.url_prefix + value["path"]
            elif isinstance(value, Failure) and value.check(NotRaster):
                problem(self.crawler.stats, item.source, f"image {url} not saved: "
                        f"{value.getErrorMessage()}; the article keeps its remote URL")
            else:
                reason = value.getErrorMessage() if isinstance(value, Failure) else str(value)
                problem(self.crawler.stats, item.source, f"image {url} not downloaded ({reason}); "
                        "the article keeps its remote URL")
        if saved:
            item.content = self.allowlist.clean(localize(item.content, saved))
            if item.cover in saved:
                item.cover = saved[item.cover]
        return item


def _content_type(response: Response) -> str:
    return (response.headers.get(b"Content-Type") or b"").decode("latin-1").split(";")[0].strip(
        ).lower()
