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

from .schedule import Schedule, check_cron, parse_duration

DEFAULT_NAME = "feedvault.toml"
ENV_VAR = "FEEDVAULT_CONFIG"
SOURCE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
IMAGE_MODES = ("proxy", "keep")
PROXY_SCOPES = ("http", "all")
PROXY_FIELDS = {"url", "url_quoted"}
DEFAULT_SCHEDULE = Schedule(interval=3600)  # `[crawl]` without interval or cron


@dataclass(frozen=True)
class ImagesConfig:
    """`[images]`: how image URLs in article bodies are rewritten."""

    mode: str = "keep"
    proxy: str | None = None
    proxy_scope: str = "http"


@dataclass(frozen=True)
class SourceConfig:
    """One `[[sources]]` entry."""

    name: str
    url: str
    categories: tuple[str, ...] = ()
    author: str | None = None
    remove: tuple[str, ...] = ()
    schedule: Schedule | None = None  # None: the `[crawl]` default
    id: str = "auto"  # identity policy: auto | guid | link | title+date
    robots: bool = True  # obey robots.txt


@dataclass(frozen=True)
class Config:
    """The whole validated configuration; paths are absolute."""

    file: Path
    archive_path: Path
    preset: str = "hexo"
    front_matter: Mapping[str, Any] = field(default_factory=dict)
    images: ImagesConfig = ImagesConfig()
    sources: tuple[SourceConfig, ...] = ()
    contact: str | None = None
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
        self.table(data, "", {"archive", "images", "sources", "crawl"})
        archive = self.table(data.get("archive", {}), "archive", {"path", "preset", "front_matter"},
                             section="archive")
        if "path" not in archive:
            self.fail("archive.path", "missing; expected the archive folder, e.g. path = \"posts\"")
        archive_path = self.base / self.string(archive["path"], "archive.path", "archive")
        preset = self.string(archive.get("preset", "hexo"), "archive.preset", "archive")
        try:
            preset_obj = get_preset(preset)
        except KeyError as exc:
            self.fail("archive.preset", str(exc.args[0]), section="archive")
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
        schedule = self.schedule(crawl, "crawl", "crawl", 0) or DEFAULT_SCHEDULE
        jitter = self.duration(crawl.get("jitter", "1m"), "crawl.jitter", "crawl", 0)
        return Config(
            file=self.path,
            archive_path=archive_path.resolve(),
            preset=preset,
            front_matter=dict(constants),
            images=self.images(data.get("images", {})),
            sources=self.sources(data.get("sources", [])),
            contact=contact,
            schedule=schedule,
            jitter=jitter,
        )

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

    def images(self, data: Any) -> ImagesConfig:
        data = self.table(data, "images", {"mode", "proxy", "proxy_scope"}, section="images")
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
        if scope not in PROXY_SCOPES:
            self.fail("images.proxy_scope",
                      f"expected one of {', '.join(PROXY_SCOPES)}, got {scope!r}",
                      section="images")
        return ImagesConfig(mode=mode, proxy=proxy, proxy_scope=scope)

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
        allowed = {"name", "url", "categories", "author", "remove", "interval", "cron", "id",
                   "robots"}
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
            remove = self.strings(entry.get("remove", []), f"{key}.remove", "sources", i)
            for selector in remove:
                try:
                    GenericTranslator().css_to_xpath(selector)
                except SelectorError as exc:
                    self.fail(f"{key}.remove", f"{selector!r} is not a CSS selector: {exc}",
                              section="sources", index=i)
            author = entry.get("author")
            policy = entry.get("id", "auto")
            if policy not in POLICIES:
                self.fail(f"{key}.id", f"expected one of {', '.join(POLICIES)}, got {policy!r}",
                          section="sources", index=i)
            robots = entry.get("robots", True)
            if not isinstance(robots, bool):
                self.fail(f"{key}.robots", f"expected true or false, got {robots!r}",
                          section="sources", index=i)
            result.append(SourceConfig(
                name=name,
                url=url,
                categories=self.strings(entry.get("categories", []), f"{key}.categories",
                                        "sources", i),
                author=self.string(author, f"{key}.author", "sources", i) if author else None,
                remove=remove,
                schedule=self.schedule(entry, key, "sources", i),
                id=policy,
                robots=robots,
            ))
        return tuple(result)

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
