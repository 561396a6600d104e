"""Dropping an item the way every pipeline does it: count it as failed, say why."""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import DropItem

from crawler.report import count, problem


def drop(stats: Any, source: str, reason: str) -> DropItem:
    """Record the failure against the source and return the DropItem to raise."""
    count(stats, source, "failed")
    problem(stats, source, reason)
    return DropItem(reason)
