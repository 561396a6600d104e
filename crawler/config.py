"""feedvault.toml: find it, parse it, validate it once into frozen dataclasses."""

from __future__ import annotations

import os
import re
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

from cssselect import GenericTranslator, SelectorError

from archive import POLICIES, ConfigError, get_preset

from .backfill.config import BackfillConfig
from .backfill.config import validate as validate_backfill
from .schedule import Schedule, check_cron, parse_duration

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
DEFAULT_SCHEDULE = Schedule(interval=3600)  # `[crawl]` without interval or cron


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


@dataclass(frozen=True)
class SourceConfig:
    """One `[[sources]]` entry."""

    name: str
    url: str
    categories: tuple[str, ...] = ()
    author: str | None = None
    remove: tuple[str, ...] = ()
    # full text from the article's page (issue 4); full_text None: follow teasers only
    full_text: bool | None = None
    content_selector: str | None = None
    next_page: str | None = None
    prefer_page: bool = False
    keep: tuple[str, ...] = ()
    schedule: Schedule | None = None  # None: the `[crawl]` default
    id: str = "auto"  # identity policy: auto | guid | link | title+date
    robots: bool = True  # obey robots.txt
    backfill: BackfillConfig | None = None  # [sources.backfill] (issue 6)


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

    def schedule_of(self, source: SourceConfig) -> Schedule:
        return source.schedule or self.schedule

    def source(self, name: str) -> SourceConfig:
        for src in self.sources:
            if src.name == name:
                return src
        known = ", ".join(s.name for s in self.sources) or "none"
        raise ConfigError(f"{self.file}: no source named {name!r} (configured: {known})")

    def select(self, names: list[str] | None) -> tuple[SourceConfig, ...]:
        return tuple(self.source(n) for n in names) if names else self.sources


def find_config(explicit: str | os.PathLike[str] | None = None) -> Path:
    """`--config`, else `$FEEDVAULT_CONFIG`, else `./feedvault.toml`."""
    if explicit:
        path = Path(explicit)
    elif os.environ.get(ENV_VAR):
        path = Path(os.environ[ENV_VAR])
    else:
        path = Path.cwd() / DEFAULT_NAME
        if not path.is_file():
            raise ConfigError(
                f"no {DEFAULT_NAME} in {Path.cwd()}: pass --config PATH or set {ENV_VAR}"
            )
    if not path.is_file():
        raise ConfigError(f"{path}: configuration file not found")
    return path.resolve()


def load_config(explicit: str | os.PathLike[str] | None = None) -> Config:
    path = find_config(explicit)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    return parse_config(text, path)


def parse_config(text: str, path: Path) -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    return _Validator(text, path).config(data)


class _Validator:
    def __init__(self, text: str, path: Path) -> None:
        self.lines = text.splitlines()
        self.path = path
        self.base = path.parent

    def fail(self, key: str, message: str, *, section: str | None = None, index: int = 0) -> NoReturn:
        line = self._line_of(key.rsplit(".", 1)[-1].split("[")[0], section, index)
        where = f"{self.path}:{line}" if line else str(self.path)
        raise ConfigError(f"{where}: {key}: {message}")

    def _line_of(self, key: str, section: str | None, index: int) -> int | None:
        """Best effort: the line defining key, after the index-th header of section."""
        start, seen = 0, -1
        if section:
            header = re.compile(rf"^\s*\[\[?\s*{re.escape(section)}\s*\]\]?\s*(#.*)?$")
            for number, line in enumerate(self.lines):
                if header.match(line):
                    seen += 1
                    if seen == index:
                        start = number
                        break
            else:
                return None
        pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
        for number in range(start, len(self.lines)):
            if pattern.match(self.lines[number]):
                return number + 1
            if number > start and section and self.lines[number].lstrip().startswith("["):
                break
        return start + 1 if section else None

    def table(self, data: Any, key: str, allowed: set[str], section: str | None = None,
              index: int = 0) -> dict[str, Any]:
        if not isinstance(data, dict):
            self.fail(key, "expected a table", section=section, index=index)
        for name in data:
            if name not in allowed:
                expected = ", ".join(sorted(allowed))
                self.fail(f"{key}.{name}" if key else name,
                          f"unknown key; expected one of: {expected}",
                          section=section, index=index)
        return data

    def string(self, value: Any, key: str, section: str | None = None, index: int = 0) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(key, f"expected a non-empty string, got {value!r}", section=section,
                      index=index)
        return value

    def strings(self, value: Any, key: str, section: str | None = None, index: int = 0
                ) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.fail(key, f"expected a list of strings, got {value!r}", section=section,
                      index=index)
        return tuple(value)

    def config(self, data: dict[str, Any]) -> Config:
        self.table(data, "", {"archive", "images", "sources", "crawl", "scrapy", "clean"})
        archive = self.table(data.get("archive", {}), "archive",
                             {"path", "preset", "front_matter", "default_cover", "body",
                              "front_matter_format"},
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
                           {"contact", "interval", "cron", "jitter"}, section="crawl")
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
        return Config(
            file=self.path,
            archive_path=archive_path.resolve(),
            preset=preset,
            body=preset_obj.body,
            front_matter_format=preset_obj.front_matter_format,
            front_matter=dict(constants),
            images=self.images(data.get("images", {}), archive_path),
            sources=self.sources(data.get("sources", [])),
            contact=contact,
            scrapy=self.scrapy(data.get("scrapy", {})),
            clean=self.clean(data.get("clean", {})),
            default_cover=default_cover,
            schedule=schedule,
            jitter=jitter,
        )

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
        data = self.table(data, "clean", {"keep_class", "iframe_hosts"}, section="clean")
        keep_class = data.get("keep_class", False)
        if not isinstance(keep_class, bool):
            self.fail("clean.keep_class", f"expected true or false, got {keep_class!r}",
                      section="clean")
        hosts = self.hosts(data.get("iframe_hosts", []), "clean.iframe_hosts", "clean")
        return CleanConfig(keep_class=keep_class, iframe_hosts=hosts)

    def hosts(self, value: Any, key: str, section: str) -> tuple[str, ...]:
        """Host patterns such as "*.sinaimg.cn", lower-cased."""
        patterns = self.strings(value, key, section)
        for pattern in patterns:
            if not HOST_PATTERN.match(pattern.lower()):
                self.fail(key, f"{pattern!r} is not a host pattern; write a host name such as "
                          "\"www.youtube.com\" or \"*.sinaimg.cn\" (no scheme, port or path)",
                          section=section)
        return tuple(p.lower() for p in patterns)

    def duration(self, value: Any, key: str, section: str, index: int) -> float:
        try:
            seconds = parse_duration(self.string(str(value), key, section, index))
        except ValueError as exc:
            self.fail(key, str(exc), section=section, index=index)
        return seconds

    def schedule(self, table: dict[str, Any], key: str, section: str, index: int
                 ) -> Schedule | None:
        """`interval = "30m"` or `cron = "0 * * * *"` (not both), or None when neither is set."""
        if "interval" in table and "cron" in table:
            self.fail(f"{key}.cron", "set interval or cron, not both", section=section,
                      index=index)
        if "cron" in table:
            try:
                return Schedule(cron=check_cron(self.string(table["cron"], f"{key}.cron",
                                                            section, index)))
            except ValueError as exc:
                self.fail(f"{key}.cron", str(exc), section=section, index=index)
        if "interval" in table:
            seconds = self.duration(table["interval"], f"{key}.interval", section, index)
            if seconds < 60:
                self.fail(f"{key}.interval", "poll at most once a minute (interval >= \"1m\")",
                          section=section, index=index)
            return Schedule(interval=seconds)
        return None

    def images(self, data: Any, archive_path: Path) -> ImagesConfig:
        data = self.table(data, "images",
                          {"mode", "proxy", "proxy_scope", "folder", "url_prefix", "headers"},
                          section="images")
        proxy = data.get("proxy")
        if proxy is not None:
            proxy = self.string(proxy, "images.proxy", "images")
            self._check_template(proxy)
        mode = data.get("mode", "proxy" if proxy else "keep")
        if mode not in IMAGE_MODES:
            self.fail("images.mode", f"expected one of {', '.join(IMAGE_MODES)}, got {mode!r}",
                      section="images")
        if mode == "proxy" and not proxy:
            self.fail("images.proxy", "mode = \"proxy\" needs a proxy template such as "
                      "\"https://proxy.example/?{url}\"", section="images")
        scope = data.get("proxy_scope", "http")
        if isinstance(scope, list):
            scope = self.hosts(scope, "images.proxy_scope", "images")
        elif scope not in PROXY_SCOPES:
            self.fail("images.proxy_scope", f"expected one of {', '.join(PROXY_SCOPES)} or a list "
                      f"of host patterns such as [\"*.sinaimg.cn\"], got {scope!r}",
                      section="images")
        folder = self.base / self.string(data.get("folder", str(archive_path / "images")),
                                         "images.folder", "images")
        prefix = self.string(data.get("url_prefix", "/images/"), "images.url_prefix", "images")
        if not prefix.endswith("/"):
            prefix += "/"
        return ImagesConfig(mode=mode, proxy=proxy, proxy_scope=scope, folder=folder.resolve(),
                            url_prefix=prefix, headers=self.headers(data.get("headers", {})))

    def headers(self, data: Any) -> dict[str, dict[str, str]]:
        """`[images.headers."*.sinaimg.cn"] Referer = "https://weibo.com/"`."""
        if not isinstance(data, dict):
            self.fail("images.headers", "expected tables such as "
                      "[images.headers.\"*.sinaimg.cn\"] with Referer = \"https://weibo.com/\"",
                      section="images")
        result: dict[str, dict[str, str]] = {}
        for pattern, fields in data.items():
            section = f'images.headers."{pattern}"'
            self.hosts([pattern], f"images.headers.{pattern}", section)
            if not isinstance(fields, dict) or not fields:
                self.fail(f"images.headers.{pattern}", "expected a table of header = \"value\"",
                          section=section)
            for name, value in fields.items():
                if not HEADER_NAME.match(name) or not isinstance(value, str) or (
                        "\n" in value or "\r" in value):
                    self.fail(f"images.headers.{pattern}.{name}",
                              f"expected a header name and a one-line string, got {value!r}",
                              section=section)
            result[pattern.lower()] = dict(fields)
        return result

    def _check_template(self, template: str) -> None:
        try:
            fields = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
        except ValueError as exc:
            self.fail("images.proxy", f"not a valid template ({exc}); write literal braces as "
                      "{{ and }}", section="images")
        if not fields or not fields <= PROXY_FIELDS:
            self.fail("images.proxy", f"template {template!r} must use {{url}} or {{url_quoted}} "
                      "and no other placeholder", section="images")
        if urlsplit(template).scheme not in ("http", "https"):
            self.fail("images.proxy", f"template {template!r} must be an http(s) URL",
                      section="images")

    def sources(self, data: Any) -> tuple[SourceConfig, ...]:
        if not isinstance(data, list):
            self.fail("sources", "expected [[sources]] entries")
        result: list[SourceConfig] = []
        seen: set[str] = set()
        allowed = {"name", "url", "categories", "author", "remove", "keep", *PAGE_KEYS,
                   "interval", "cron", "id", "robots", "backfill"}
        backfills = 0
        for i, raw in enumerate(data):
            key = f"sources[{i}]"
            entry = self.table(raw, key, allowed, section="sources", index=i)
            for required in ("name", "url"):
                if required not in entry:
                    self.fail(f"{key}.{required}", "missing", section="sources", index=i)
            name = self.string(entry["name"], f"{key}.name", "sources", i)
            if not SOURCE_NAME.match(name):
                self.fail(f"{key}.name", f"{name!r}: use 1-64 letters, digits, - and _",
                          section="sources", index=i)
            if name in seen:
                self.fail(f"{key}.name", f"duplicate source name {name!r}", section="sources",
                          index=i)
            seen.add(name)
            url = self._url(self.string(entry["url"], f"{key}.url", "sources", i), key, i)
            remove = self.selectors(entry.get("remove", []), f"{key}.remove", i)
            keep = self.selectors(entry.get("keep", []), f"{key}.keep", i)
            author = entry.get("author")
            policy = entry.get("id", "auto")
            if policy not in POLICIES:
                self.fail(f"{key}.id", f"expected one of {', '.join(POLICIES)}, got {policy!r}",
                          section="sources", index=i)
            robots = entry.get("robots", True)
            if not isinstance(robots, bool):
                self.fail(f"{key}.robots", f"expected true or false, got {robots!r}",
                          section="sources", index=i)
            backfill = None
            if "backfill" in entry:  # issue 6: crawler/backfill/config.py
                backfill = validate_backfill(self, entry["backfill"], f"{key}.backfill",
                                             backfills, i, url, policy)
                backfills += 1
            result.append(SourceConfig(
                name=name,
                url=url,
                categories=self.strings(entry.get("categories", []), f"{key}.categories",
                                        "sources", i),
                author=self.string(author, f"{key}.author", "sources", i) if author else None,
                remove=remove,
                **self._page_keys(entry, key, i),
                keep=keep,
                schedule=self.schedule(entry, key, "sources", i),
                id=policy,
                robots=robots,
                backfill=backfill,
            ))
        return tuple(result)

    def _page_keys(self, entry: dict[str, Any], key: str, index: int) -> dict[str, Any]:
        """full_text, prefer_page (booleans); content_selector, next_page (CSS or xpath:)."""
        from .extract.rules import compile_selector

        found: dict[str, Any] = {}
        for name in ("full_text", "prefer_page"):
            if name in entry:
                if not isinstance(entry[name], bool):
                    self.fail(f"{key}.{name}", f"expected true or false, got {entry[name]!r}",
                              section="sources", index=index)
                found[name] = entry[name]
        for name in ("content_selector", "next_page"):
            if name in entry:
                value = self.string(entry[name], f"{key}.{name}", "sources", index)
                try:
                    compile_selector(value)
                except ValueError as exc:
                    self.fail(f"{key}.{name}", f"{exc} (CSS, or XPath written xpath://...)",
                              section="sources", index=index)
                found[name] = value
        return found

    def selectors(self, value: Any, key: str, index: int) -> tuple[str, ...]:
        selectors = self.strings(value, key, "sources", index)
        for selector in selectors:
            try:
                GenericTranslator().css_to_xpath(selector)
            except SelectorError as exc:
                self.fail(key, f"{selector!r} is not a CSS selector: {exc}",
                          section="sources", index=index)
        return selectors

    def _url(self, url: str, key: str, index: int) -> str:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc:
            return url
        if parts.scheme == "file":
            # file:///abs/path, or file://relative/path resolved against the config's folder
            raw = url[len("file://"):]
            target = Path(raw) if raw.startswith("/") else self.base / raw
            return target.resolve().as_uri()
        self.fail(f"{key}.url", f"{url!r}: expected an http(s):// or file:// URL",
                  section="sources", index=index)


def config_from_settings(settings: Any) -> Config:
    """The Config a crawl runs with: `FEEDVAULT_CONFIG` holds a Config or a file path."""
    value = settings.get("FEEDVAULT_CONFIG")
    if isinstance(value, Config):
        return value
    return load_config(value or None)
