"""Per-source politeness switches: `robots = false` lets one source skip robots.txt."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from scrapy import Request

from crawler.config import config_from_settings


class SourcePolicyMiddleware:
    """Marks requests of sources with `robots = false` for Scrapy's RobotsTxtMiddleware.

    Runs before it (order 50 < 100); every request a source makes carries the
    `feedvault_source` meta key.
    """

    def __init__(self, robots_opt_out: Collection[str]) -> None:
        # no NotConfigured when empty: Scrapy would log it as a warning on every crawl
        self.robots_opt_out = frozenset(robots_opt_out)

    @classmethod
    def from_crawler(cls, crawler: Any) -> SourcePolicyMiddleware:
        config = config_from_settings(crawler.settings)
        return cls([s.name for s in config.sources if not s.robots])

    def process_request(self, request: Request) -> None:
        if request.meta.get("feedvault_source") in self.robots_opt_out:
            request.meta.setdefault("dont_obey_robotstxt", True)
