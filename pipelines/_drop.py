"""Dropping an item the way every pipeline does it: count it as failed, say why."""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import DropItem

from crawler.outcome.report import count, failed_url


def drop(stats: Any, source: str, reason: str, url: str | None = None) -> DropItem:
    """Record the failure (and the URL it concerns) against the source; return the DropItem."""
    count(stats, source, "failed")
    failed_url(stats, source, url, reason)
    return DropItem(f"{url}: {reason}" if url else reason)
