"""Step 2: the article body made safe and faithful: furniture out, links and images fixed, cover."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from crawler.config import Config, config_from_settings
from crawler.egress import EgressPolicy
from crawler.items import ArticleItem
from crawler.outcome.report import problem
from pipelines._body import BodyCleaner
from pipelines._furniture import Furniture
from pipelines._images import ImageFindings, Proxy
from pipelines._urls import host_of


class _Cleaners(Mapping[str, BodyCleaner]):
    """One BodyCleaner per source, built when the source's first article arrives: a crawl
    where every feed answers 304 builds none (200 of them take a fiftieth of a second)."""

    def __init__(self, config: Config) -> None:
        images = config.images
        self._proxy = Proxy(images.proxy if images.mode in ("proxy", "download") else None,
                            images.proxy_scope)
        self._config = config
        self._allowed = EgressPolicy.from_config(config).allows_host
        self._sources = config.by_name
        self._built: dict[str, BodyCleaner] = {}

    def __getitem__(self, name: str) -> BodyCleaner:
        cleaner = self._built.get(name)
        if cleaner is None:
            source = self._sources[name]
            cleaner = self._built[name] = BodyCleaner(
                proxy=self._proxy,
                furniture=Furniture(source.remove, source.keep),
                keep_class=self._config.clean.keep_class,
                iframe_hosts=self._config.clean.iframe_hosts,
                max_depth=self._config.clean.max_depth,
                allowed_host=self._allowed,
            )
        return cleaner

    def __iter__(self) -> Iterator[str]:
        return iter(self._sources)

    def __len__(self) -> int:
        return len(self._sources)


class CleanPipeline:
    def __init__(self, cleaners: Mapping[str, BodyCleaner], default_cover: str | None = None,
                 stats: Any = None) -> None:
        self.cleaners = cleaners
        self.default_cover = default_cover
        self.stats = stats

    @classmethod
    def from_config(cls, config: Config, stats: Any = None) -> CleanPipeline:
        return cls(_Cleaners(config), config.default_cover, stats)

    @classmethod
    def from_crawler(cls, crawler: Any) -> CleanPipeline:
        return cls.from_config(config_from_settings(crawler.settings), crawler.stats)

    def process_item(self, item: ArticleItem) -> ArticleItem:
        cleaner = self.cleaners[item.source]
        url = item.link or item.feed_url
        feed_host = host_of(item.feed_url)
        body = cleaner.clean(item.content, url, base=item.base, trusted_host=feed_host)
        item.content = body.html
        item.images = body.images
        item.image_urls = body.primary
        cover = body.cover
        if cover is None:
            found = ImageFindings()
            for candidate in item.media_images:
                cover = cleaner.images.image(candidate, url, feed_host, found)
                if cover and cover[:4].lower() == "http":
                    item.images.update(found.shown)
                    item.image_urls.append(next(iter(found.shown)))
                    break
                cover = None
            body.refused += found.refused
        item.cover = cover or self.default_cover
        if self.stats is not None and body.unwrapped:
            problem(self.stats, item.source,
                    f"{url}: body nested deeper than {cleaner.max_depth} levels; "
                    f"{body.unwrapped} elements below were unwrapped, their text kept "
                    "([clean] max_depth)")
        if self.stats is not None:
            for refused in dict.fromkeys(body.refused):
                problem(self.stats, item.source,
                        f"{url}: image {refused} refused (a private-network address)")
        return item
