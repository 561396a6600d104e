"""AutoThrottle that treats a 304 as the healthy answer it is, and remembers each site's pace."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.core.downloader import Slot
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Response

from archive import LedgerError
from crawler.config import config_from_settings
from crawler.schedule.http_state import HttpState

logger = logging.getLogger(__name__)


class ConditionalAutoThrottle(AutoThrottle):
    """Scrapy's AutoThrottle, with two changes for crawls that poll the same sites again and again.

    - A 304 lowers the delay like a 200 does. Scrapy never lowers a delay on a non-200
      answer (error pages are small and fast and would speed the crawl up against a failing
      site); but a 304 is a success, and left at AUTOTHROTTLE_START_DELAY a crawl where every
      feed is unchanged would take longer than one that downloads them all.
    - Each site starts at the pace it settled on in the previous crawl of this archive
      (`.feedvault/http.sqlite`), not at AUTOTHROTTLE_START_DELAY: an hourly poll of a site
      does not spend its first seconds relearning what the last poll found. The pace is a
      starting point only; the first answers move it as usual (a slower answer raises the
      delay at once), and a site without a stored pace starts at AUTOTHROTTLE_START_DELAY.
      `DOWNLOAD_SLOTS` settings for a site win over the stored pace.
    """

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self.state: HttpState | None = None
        self.known: dict[str, float] = {}
        try:
            self.state = HttpState(config_from_settings(crawler.settings).archive_path)
            self.known = self.state.paces()
        except LedgerError as exc:  # the crawl still runs, at the configured start delay
            logger.warning("%s; every site starts at AUTOTHROTTLE_START_DELAY", exc)
        self.learnt: dict[str, float] = {}
        self.fixed = frozenset(crawler.settings.getdict("DOWNLOAD_SLOTS"))
        self.warmed: dict[str, Slot] = {}  # the slot each site's pace was given to
        crawler.signals.connect(self._warm_start, signal=signals.request_reached_downloader)
        crawler.signals.connect(self._save, signal=signals.spider_closed)

    def _warm_start(self, request: Request, spider: Spider) -> None:
        """Give a download slot the pace its site had last time, before its first request."""
        key, slot = self._get_slot(request, spider)
        if key is None or slot is None or self.warmed.get(key) is slot:
            return
        self.warmed[key] = slot  # a slot dropped when idle and made again is warmed again
        pace = self.learnt.get(key, self.known.get(key))
        if pace is not None and key not in self.fixed:
            slot.delay = min(max(self.mindelay, pace), self.maxdelay)

    def _response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        super()._response_downloaded(response, request, spider)
        key, slot = self._get_slot(request, spider)
        if key is not None and slot is not None:
            self.learnt[key] = slot.delay

    def _adjust_delay(self, slot: Slot, latency: float, response: Response) -> None:
        if response.status == 304:
            response = response.replace(status=200)
        super()._adjust_delay(slot, latency, response)

    def _save(self, spider: Spider) -> None:
        if self.state is None:
            return
        try:
            if self.learnt:
                self.state.save_paces(self.learnt, datetime.now(UTC).replace(microsecond=0))
        except LedgerError as exc:
            logger.warning("%s; the next crawl starts every site at AUTOTHROTTLE_START_DELAY",
                           exc)
        finally:
            self.state.close()
