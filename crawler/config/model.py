"""The configuration as values: frozen dataclasses, built once by the validator."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from archive import ConfigError, Preset, get_preset
from crawler.backfill.config import BackfillConfig
from crawler.egress.allowed import AllowedHost, AllowedNetwork
from crawler.extract.rules import Rules
from crawler.filters import Filters
from crawler.schedule.rules import Schedule

DEFAULT_NAME = "feedvault.toml"
ENV_VAR = "FEEDVAULT_CONFIG"
SOURCE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
IMAGE_MODES = ("proxy", "keep", "download")
PROXY_SCOPES = ("http", "all")
PROXY_FIELDS = {"url", "url_quoted"}
SCRAPY_SETTING = re.compile(r"^[A-Z][A-Z0-9_]*$")
SCRAPY_RESERVED = {"ITEM_PIPELINES", "SPIDER_MODULES", "NEWSPIDER_MODULE", "BOT_NAME"}
PAGE_KEYS = ("full_text", "content_selector", "next_page", "prefer_page")
HOST_PATTERN = re.compile(r"^[a-z0-9*?.\[\]-]+$")
HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
HTTP_KEYS = ("headers", "cookies", "user_agent", "proxy")  # in [crawl] and [[sources]]
DEFAULT_SCHEDULE = Schedule(interval=3600)  # `[crawl]` without interval or cron
REDIS_SCHEMES = ("redis", "rediss", "unix")
REDIS_PREFIX = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
CAPTURE_MODES = ("off", "warc")  # `[archive] capture`, `[[sources]] capture`


@dataclass(frozen=True)
class ImagesConfig:
    """`[images]`: how image URLs in article bodies are rewritten."""

    mode: str = "keep"
    proxy: str | None = None
    proxy_scope: str | tuple[str, ...] = "http"  # "http", "all", or host patterns
    folder: Path | None = None                    # download mode: where image files go
    url_prefix: str = "/images/"                  # download mode: src = url_prefix + file name
    # download mode: request headers by host pattern, {"*.sinaimg.cn": {"Referer": "..."}}
    headers: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class CleanConfig:
    """`[clean]`: what the body allowlist keeps beyond the defaults."""

    keep_class: bool = False
    iframe_hosts: tuple[str, ...] = ()
    max_depth: int = 128  # elements nested deeper are unwrapped, their text kept


@dataclass(frozen=True)
class HttpConfig:
    """How a source's requests look: `[crawl]` defaults merged with a source's keys."""

    # (name, value) pairs, not dicts: a SourceConfig stays hashable
    headers: tuple[tuple[str, str], ...] = ()  # names as written, the source's win
    cookies: tuple[tuple[str, str], ...] = ()
    user_agent: str | None = None  # None: the crawl's USER_AGENT
    proxy: str | None = None  # http(s) URL; "" = direct (no proxy, not even $http_proxy)


@dataclass(frozen=True)
class SourceConfig:
    """One `[[sources]]` entry."""

    name: str
    url: str
    categories: tuple[str, ...] = ()
    author: str | None = None
    remove: tuple[str, ...] = ()
    # full text from the article's page; full_text None: follow teasers only
    full_text: bool | None = None
    content_selector: str | None = None
    next_page: str | None = None
    prefer_page: bool = False
    keep: tuple[str, ...] = ()
    schedule: Schedule | None = None  # None: the `[crawl]` default
    id: str = "auto"  # identity policy: auto | guid | link | title+date
    robots: bool = True  # obey robots.txt
    backfill: BackfillConfig | None = None  # [sources.backfill]
    http: HttpConfig = HttpConfig()  # headers, cookies, user_agent, proxy
    rsshub: str | None = None  # an RSSHub route, encoded; url is then it on the first instance
    # [filters] defaults (unless default_filters = false), then its own rules
    filters: Filters = field(default_factory=Filters)
    default_filters: bool = True
    cross_source: str = "merge"  # merge: an article another source archived gains this source
    capture: str | None = None  # "warc" | "off"; None: `[archive] capture`

    # content_selector, remove and next_page compiled once, here; every page reuses them
    rules: Rules = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rules", Rules(self.content_selector, self.remove,
                                                self.next_page))


@dataclass(frozen=True)
class RsshubConfig:
    """`[rsshub]`: the instances a route is fetched from, in order, and the access key."""

    instances: tuple[str, ...]
    access_key: str | None = field(default=None, repr=False)  # a secret: never in a repr
    access_mode: str = "key"  # "key": ?key=KEY; "code": ?code=md5(route path + KEY)


@dataclass(frozen=True)
class DistributedConfig:
    """`[distributed]`: the Redis server that workers and the writer share."""

    redis: str
    prefix: str = "feedvault"
    worker_timeout: float = 30.0
    redis_retry: float = 60.0  # seconds a worker retries an unreachable Redis before it stops


NOTIFY_EVENTS = ("new", "updated", "failed", "drift")


@dataclass(frozen=True)
class NotifyConfig:
    """`[notify]`: Apprise URLs (secrets: never printed) and the events worth a message."""

    urls: tuple[str, ...] = field(repr=False)
    on: frozenset[str] = frozenset(NOTIFY_EVENTS)


@dataclass(frozen=True)
class Config:
    """The whole validated configuration; paths are absolute."""

    file: Path
    archive_path: Path
    preset: str = "hexo"
    body: str = "html"
    front_matter_format: str = "yaml"
    front_matter: Mapping[str, Any] = field(default_factory=dict)
    images: ImagesConfig = ImagesConfig()
    sources: tuple[SourceConfig, ...] = ()
    contact: str | None = None
    scrapy: Mapping[str, Any] = field(default_factory=dict)
    clean: CleanConfig = CleanConfig()
    default_cover: str | None = None
    schedule: Schedule = DEFAULT_SCHEDULE
    jitter: float = 60.0
    # [crawl] allow_hosts / allow_networks: intranet hosts the egress policy lets through
    allow_hosts: tuple[AllowedHost, ...] = ()  # every port, or the one written
    allow_networks: tuple[AllowedNetwork, ...] = ()
    max_items: int = 2000  # `[crawl] max_items`: entries read from one feed document
    http: HttpConfig = HttpConfig()  # [crawl] headers, cookies, user_agent, proxy
    max_time: float | None = None  # seconds a crawl may take; None: no deadline
    rsshub: RsshubConfig | None = None  # [rsshub]: instances for `rsshub = "/route"` sources
    filters: Filters = field(default_factory=Filters)  # [filters]: the default rules
    capture: str = "off"  # [archive] capture: "warc" keeps raw responses in .feedvault/captures/
    capture_rotate_mb: int = 100  # [archive] capture_rotate_mb: a WARC file's size before the next

    def captures(self, source: SourceConfig) -> bool:
        """True when the source's feed and page responses are kept as WARC records."""
        return (source.capture or self.capture) == "warc"

    def schedule_of(self, source: SourceConfig) -> Schedule:
        return source.schedule or self.schedule
    distributed: DistributedConfig | None = None
    notify: NotifyConfig | None = None

    def preset_object(self) -> Preset:
        """The preset configured with `archive.body` and `archive.front_matter_format`:
        what every command that reads or writes the archive must use."""
        return get_preset(self.preset, body=self.body,
                          front_matter_format=self.front_matter_format)

    @cached_property
    def by_name(self) -> Mapping[str, SourceConfig]:
        """`{name: source}`, built once per Config for every component that looks sources up."""
        # a plain dict (typed read-only): Scrapy deep-copies settings, a mappingproxy cannot be
        return {s.name: s for s in self.sources}

    def source(self, name: str) -> SourceConfig:
        if name in self.by_name:
            return self.by_name[name]
        known = ", ".join(s.name for s in self.sources) or "none"
        raise ConfigError(f"{self.file}: no source named {name!r} (configured: {known})")

    def select(self, names: list[str] | None) -> tuple[SourceConfig, ...]:
        return tuple(self.source(n) for n in names) if names else self.sources
