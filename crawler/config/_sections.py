"""The `[images]` and `[[sources]]` sections of the validator."""

from __future__ import annotations

import os
import string
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archive import POLICIES
from archive.urls import redact_url
from crawler.backfill.config import validate as validate_backfill
from crawler.config._checks import Checks
from crawler.config._filters import FILTER_KEYS, FiltersSection
from crawler.config._http import HttpSection, credentials
from crawler.config._rsshub import ROUTE_KEYS
from crawler.config.model import (
    CAPTURE_MODES,
    HEADER_NAME,
    HTTP_KEYS,
    IMAGE_MODES,
    PAGE_KEYS,
    PROXY_FIELDS,
    PROXY_SCOPES,
    SOURCE_NAME,
    HttpConfig,
    ImagesConfig,
    SourceConfig,
)


def _images_folder(folder: Path, archive_path: Path) -> Path:
    """The folder, absolute; inside the archive it is the resolved archive path plus the rest
    unresolved, so that the images pipeline refuses a link there instead of following it."""
    folder, archive = Path(os.path.abspath(folder)), Path(os.path.abspath(archive_path))
    if folder.is_relative_to(archive):
        return archive.resolve() / folder.relative_to(archive)
    return folder.resolve()


class ImagesSection(Checks):
    """`[images]`: mode, proxy template and scope, download folder and headers."""

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
        return ImagesConfig(mode=mode, proxy=proxy, proxy_scope=scope,
                            folder=_images_folder(folder, archive_path),
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


class SourcesSection(HttpSection, FiltersSection):
    """`[[sources]]`: names, URLs, selectors, page keys, schedules and identity policy."""

    def sources(self, data: Any, http: HttpConfig | None = None) -> tuple[SourceConfig, ...]:
        if not isinstance(data, list):
            self.fail("sources", "expected [[sources]] entries")
        result: list[SourceConfig] = []
        seen: set[str] = set()
        # ROUTE_KEYS are read (and taken out) before, by _rsshub.py: named here so that an
        # unknown key's message lists them
        allowed = {"name", "url", "categories", "author", "remove", "keep", *PAGE_KEYS,
                   "interval", "cron", "id", "robots", "backfill", "capture", *HTTP_KEYS, *FILTER_KEYS,
                   *ROUTE_KEYS}
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
            url, basic = credentials(url)
            source_http = self.http(entry, key, "sources", i, http)
            if basic is not None:
                source_http = self._basic_auth(source_http, entry, key, i, basic)
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
            if "backfill" in entry:  # crawler/backfill/config.py
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
                http=source_http,
                **self.source_filters(entry, key, i),
                capture=self.capture(entry, key, "sources", i),
            ))
        return tuple(result)

    def capture(self, table: dict[str, Any], key: str, section: str, index: int = 0) -> str | None:
        """`capture = "warc"` or `"off"` (in `[archive]` and in a source); None when absent."""
        if "capture" not in table:
            return None
        value = table["capture"]
        if value not in CAPTURE_MODES:
            self.fail(f"{key}.capture", f"expected one of {', '.join(repr(m) for m in CAPTURE_MODES)}"
                      f", got {value!r}", section=section, index=index)
        return str(value)

    def _page_keys(self, entry: dict[str, Any], key: str, index: int) -> dict[str, Any]:
        """full_text, prefer_page (booleans); content_selector, next_page (CSS or xpath:)."""
        from crawler.extract.rules import compile_selector

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

    def _basic_auth(self, http: HttpConfig, entry: dict[str, Any], key: str, index: int,
                    basic: str) -> HttpConfig:
        """The source's HTTP settings with the Authorization header its url's user and
        password make; written both ways in the source, it is an error."""
        own = entry.get("headers", {})
        if isinstance(own, dict) and any(name.lower() == "authorization" for name in own):
            self.fail(f"{key}.url", "a user and password in the url and an Authorization header "
                      "in headers: keep one of them", section="sources", index=index)
        headers = tuple((n, v) for n, v in http.headers if n.lower() != "authorization")
        return replace(http, headers=(*headers, ("Authorization", basic)))

    def _url(self, url: str, key: str, index: int) -> str:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc:
            return url
        if parts.scheme == "file":
            # file:///abs/path, or file://relative/path resolved against the config's folder
            raw = url[len("file://"):]
            target = Path(raw) if raw.startswith("/") else self.base / raw
            return target.resolve().as_uri()
        self.fail(f"{key}.url", f"{redact_url(url)!r}: expected an http(s):// or file:// URL",
                  section="sources", index=index)
