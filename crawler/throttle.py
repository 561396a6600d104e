"""AutoThrottle that treats a 304 as the healthy answer it is."""

from __future__ import annotations

from scrapy.core.downloader import Slot
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Response


class ConditionalAutoThrottle(AutoThrottle):
    """Scrapy's AutoThrottle never lowers a delay on a non-200 answer (error pages are small
    and fast and would speed the crawl up against a failing site). A 304 is a success: left
    at AUTOTHROTTLE_START_DELAY, a crawl where every feed is unchanged would take longer than
    one that downloads them all.
    """

    def _adjust_delay(self, slot: Slot, latency: float, response: Response) -> None:
        if response.status == 304:
            response = response.replace(status=200)
        super()._adjust_delay(slot, latency, response)
