"""The validator: feedvault.toml's parsed data in, a Config out, or one clear error."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from archive import get_preset
from crawler.config._notify import NotifySection
from crawler.config._rsshub import RsshubSection, with_routes
from crawler.config._sections import ImagesSection, SourcesSection
from crawler.config.model import (
    DEFAULT_SCHEDULE,
    HTTP_KEYS,
    REDIS_PREFIX,
    REDIS_SCHEMES,
    SCRAPY_RESERVED,
    SCRAPY_SETTING,
    CleanConfig,
    Config,
    DistributedConfig,
    SourceConfig,
)
from crawler.egress.allowed import (
    HOST_SYNTAX,
    NETWORK_SYNTAX,
    AllowedHost,
    AllowedNetwork,
    allowed_host,
    allowed_network,
)


class Validator(ImagesSection, SourcesSection, RsshubSection, NotifySection):
    """Every section of feedvault.toml; `config(data)` is the whole check."""

    def config(self, data: dict[str, Any]) -> Config:
        self.table(data, "", {"archive", "images", "sources", "crawl", "scrapy", "clean",
                              "distributed", "rsshub", "filters", "notify"})
        archive = self.table(data.get("archive", {}), "archive",
                             {"path", "preset", "front_matter", "default_cover", "body",
                              "front_matter_format", "capture", "capture_rotate_mb"},
                             section="archive")
        if "path" not in archive:
            self.fail("archive.path", "missing; expected the archive folder, e.g. path = \"posts\"")
        archive_path = self.base / self.string(archive["path"], "archive.path", "archive")
        preset = self.string(archive.get("preset", "hexo"), "archive.preset", "archive")
        try:
            preset_obj = get_preset(preset)
        except KeyError as exc:
            self.fail("archive.preset", str(exc.args[0]), section="archive")
        for key, default in (("body", preset_obj.body),
                             ("front_matter_format", preset_obj.front_matter_format)):
            value = self.string(archive.get(key, default), f"archive.{key}", "archive")
            try:
                preset_obj = preset_obj.configured(**{key: value})
            except ValueError as exc:
                self.fail(f"archive.{key}", str(exc), section="archive")
        constants = archive.get("front_matter", {})
        if not isinstance(constants, dict):
            self.fail("archive.front_matter", "expected a table of constant keys")
        clash = sorted(set(constants) & preset_obj.reserved_keys)
        if clash:
            self.fail(f"archive.front_matter.{clash[0]}",
                      "feedvault writes this key itself; choose another name",
                      section="archive.front_matter")
        crawl = self.table(data.get("crawl", {}), "crawl",
                           {"contact", "interval", "cron", "jitter", "allow_hosts",
                            "allow_networks", "max_items", "max_time",
                            *HTTP_KEYS},  # per-source HTTP defaults
                           section="crawl")
        http = self.http(crawl, "crawl", "crawl")
        contact = crawl.get("contact")
        if contact is not None:
            contact = self.string(contact, "crawl.contact", "crawl")
        default_cover = archive.get("default_cover")
        if default_cover is not None:
            default_cover = self.string(default_cover, "archive.default_cover", "archive")
            if urlsplit(default_cover).scheme not in ("http", "https", ""):
                self.fail("archive.default_cover", f"{default_cover!r}: expected an http(s) URL "
                          "or a site path such as /img/cover.jpg", section="archive")
        schedule = self.schedule(crawl, "crawl", "crawl", 0) or DEFAULT_SCHEDULE
        jitter = self.duration(crawl.get("jitter", "1m"), "crawl.jitter", "crawl", 0)
        max_items = self.whole(crawl.get("max_items", Config.max_items), "crawl.max_items",
                               "crawl", 1)
        max_time = None  # [crawl] max_time: a deadline for each crawl
        if "max_time" in crawl:
            max_time = self.duration(crawl["max_time"], "crawl.max_time", "crawl", 0)
            if max_time <= 0:
                self.fail("crawl.max_time", "expected a duration above zero, e.g. \"30m\"",
                          section="crawl")
        capture = self.capture(archive, "archive", "archive") or "off"
        rotate = self.whole(archive.get("capture_rotate_mb", Config.capture_rotate_mb),
                            "archive.capture_rotate_mb", "archive", 1)
        rsshub = self.rsshub(data.get("rsshub"))
        entries, routes = self.rsshub_sources(data.get("sources", []), rsshub)
        filters = self.filters(data.get("filters", {}))  # before the sources, which extend them
        sources = with_routes(self.sources(entries, http), routes)
        distributed = self.distributed(data.get("distributed"))
        if distributed is not None:
            self._no_capture(capture, sources)
        return Config(
            file=self.path,
            archive_path=archive_path.resolve(),
            preset=preset,
            body=preset_obj.body,
            front_matter_format=preset_obj.front_matter_format,
            front_matter=dict(constants),
            images=self.images(data.get("images", {}), archive_path),
            sources=sources,
            contact=contact,
            scrapy=self.scrapy(data.get("scrapy", {})),
            clean=self.clean(data.get("clean", {})),
            default_cover=default_cover,
            schedule=schedule,
            jitter=jitter,
            allow_hosts=self.allowed_hosts(crawl.get("allow_hosts", [])),
            allow_networks=self.networks(crawl.get("allow_networks", [])),
            max_items=max_items,
            http=http,
            max_time=max_time,
            distributed=distributed,
            rsshub=rsshub,
            filters=filters,
            notify=self.notify(data.get("notify")),
            capture=capture,
            capture_rotate_mb=rotate,
        )

    def _no_capture(self, capture: str, sources: tuple[SourceConfig, ...]) -> None:
        """Captures are written by the process that fetched: in distributed mode the workers,
        each on its own machine, which the archive's ledger could not reach; refused."""
        why = ("is not supported with [distributed] (workers fetch on other machines, away from "
               "the archive's .feedvault/captures/); remove it or the [distributed] table")
        if capture == "warc":
            self.fail("archive.capture", f"capture = \"warc\" {why}", section="archive")
        for index, source in enumerate(sources):
            if source.capture == "warc":
                self.fail(f"sources[{index}].capture", f"capture = \"warc\" {why}",
                          section="sources", index=index)

    def allowed_hosts(self, value: Any) -> tuple[AllowedHost, ...]:
        """`[crawl] allow_hosts = ["*.corp.example", "rsshub.lan:1200"]`: hosts the crawl may
        reach although they are not public, on every port or on the one written."""
        result = []
        for text in self.strings(value, "crawl.allow_hosts", "crawl"):
            try:
                result.append(allowed_host(text))
            except ValueError:
                self.fail("crawl.allow_hosts", f"{text!r} is not a host; {HOST_SYNTAX}",
                          section="crawl")
        return tuple(result)

    def networks(self, value: Any) -> tuple[AllowedNetwork, ...]:
        """`[crawl] allow_networks = ["10.0.0.0/8", "fd00::/8", "192.168.1.20:9200"]`: networks
        the crawl may reach, on every port or on the one written."""
        result = []
        for text in self.strings(value, "crawl.allow_networks", "crawl"):
            try:
                result.append(allowed_network(text))
            except ValueError:
                self.fail("crawl.allow_networks", f"{text!r} is not a network; "
                          f"{NETWORK_SYNTAX}", section="crawl")
        return tuple(result)

    def scrapy(self, data: Any) -> dict[str, Any]:
        """`[scrapy]`: Scrapy settings passed through as they are (DOWNLOAD_TIMEOUT = 10)."""
        if not isinstance(data, dict):
            self.fail("scrapy", "expected a table of Scrapy settings")
        for name in data:
            if not SCRAPY_SETTING.match(name) or name in SCRAPY_RESERVED or \
                    name.startswith("FEEDVAULT_"):
                self.fail(f"scrapy.{name}", "expected an upper-case Scrapy setting name that "
                          "feedvault does not manage (not ITEM_PIPELINES, SPIDER_MODULES or "
                          "FEEDVAULT_*)", section="scrapy")
        return dict(data)


    def clean(self, data: Any) -> CleanConfig:
        data = self.table(data, "clean", {"keep_class", "iframe_hosts", "max_depth"},
                          section="clean")
        keep_class = data.get("keep_class", False)
        if not isinstance(keep_class, bool):
            self.fail("clean.keep_class", f"expected true or false, got {keep_class!r}",
                      section="clean")
        hosts = self.hosts(data.get("iframe_hosts", []), "clean.iframe_hosts", "clean")
        # lxml holds 254 levels: deeper, it drops the rest of the body
        max_depth = self.whole(data.get("max_depth", CleanConfig.max_depth), "clean.max_depth",
                               "clean", 8, 200)
        return CleanConfig(keep_class=keep_class, iframe_hosts=hosts, max_depth=max_depth)

    def distributed(self, data: Any) -> DistributedConfig | None:
        if data is None:
            return None
        data = self.table(data, "distributed", {"redis", "prefix", "worker_timeout", "redis_retry"},
                          section="distributed")
        if "redis" not in data:
            self.fail("distributed.redis", "missing; expected e.g. redis = \"redis://host:6379/0\"",
                      section="distributed")
        url = self.string(data["redis"], "distributed.redis", "distributed")
        if urlsplit(url).scheme not in REDIS_SCHEMES:
            self.fail("distributed.redis",
                      f"{url!r}: expected a redis://, rediss:// or unix:// URL",
                      section="distributed")
        prefix = self.string(data.get("prefix", "feedvault"), "distributed.prefix", "distributed")
        if not REDIS_PREFIX.match(prefix):
            self.fail("distributed.prefix", f"{prefix!r}: use letters, digits, and _ - . :",
                      section="distributed")
        timeout = self._seconds(data, "worker_timeout", 30)
        retry = self._seconds(data, "redis_retry", 60)
        return DistributedConfig(redis=url, prefix=prefix, worker_timeout=timeout,
                                 redis_retry=retry)

    def _seconds(self, data: dict[str, Any], key: str, default: float) -> float:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            self.fail(f"distributed.{key}", f"expected a number of seconds > 0, got {value!r}",
                      section="distributed")
        return float(value)
