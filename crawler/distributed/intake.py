"""What the writer accepts from the article stream: a known source, a web link, a clean body.

The fields' types and sizes are checked when an entry is decoded (`codec.py`); here
the article is checked against the writer's own feedvault.toml. Workers clean every
body already, but whoever can write to Redis can add entries: the writer runs the
body through the same nh3 allowlist again, so nothing it stores escaped it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import nh3

from crawler.config import Config, SourceConfig
from crawler.items import ArticleItem
from pipelines._sanitize import allowlist

logger = logging.getLogger(__name__)


class Intake:
    def __init__(self, sources: Mapping[str, SourceConfig], cleaner: nh3.Cleaner,
                 default_cover: str | None = None) -> None:
        self.sources = sources
        self.cleaner = cleaner
        self.default_cover = default_cover

    @classmethod
    def from_config(cls, config: Config) -> Intake:
        return cls(config.by_name,
                   allowlist(keep_class=config.clean.keep_class,
                             iframe_hosts=config.clean.iframe_hosts),
                   config.default_cover)

    def source(self, name: str) -> None:
        if name not in self.sources:
            raise ValueError(f"source {name[:80]!r} is not in the writer's feedvault.toml")

    def article(self, item: ArticleItem) -> ArticleItem:
        """The item, its body sanitized; ValueError if the writer cannot store it."""
        self.source(item.source)
        if not item.link and not item.guid:
            raise ValueError("article with neither guid nor link")
        for name in ("link", "feed_url"):
            value = getattr(item, name)
            if value is not None and not _web_url(value):
                raise ValueError(f"{name} {value[:80]!r} is not an http(s) URL")
        cover = item.cover
        if cover is not None and cover != self.default_cover and _scheme(cover) not in (
                "", "http", "https"):  # a downloaded cover is a path
            raise ValueError(f"cover {cover[:80]!r} is neither an http(s) URL nor a path")
        clean = self.cleaner.clean(item.content)
        if clean != item.content:
            logger.warning("%s: the body had markup the allowlist removes; stored sanitized",
                           item.link or item.guid)
            item.content = clean
        return item

    def event(self, value: Mapping[str, Any]) -> None:
        self.source(value["source"])


def _web_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _scheme(value: str) -> str | None:
    try:
        return urlsplit(value.strip()).scheme.lower()
    except ValueError:
        return None
