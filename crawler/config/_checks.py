"""Generic checks for the validator: typed values, with errors naming file, line and key."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, NoReturn

from cssselect import GenericTranslator, SelectorError

from archive import ConfigError
from crawler.config.model import HOST_PATTERN
from crawler.schedule.rules import Schedule, check_cron, parse_duration


class Checks:
    """The text and path of one feedvault.toml, and checks that fail naming its line."""

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

    def whole(self, value: Any, key: str, section: str, low: int, high: int | None = None,
              index: int = 0) -> int:
        """A whole number from low to high (a limit such as `[crawl] max_items`)."""
        if isinstance(value, bool) or not isinstance(value, int) or value < low or (
                high is not None and value > high):
            bounds = f"from {low} to {high}" if high is not None else f">= {low}"
            self.fail(key, f"expected a whole number {bounds}, got {value!r}", section=section,
                      index=index)
        return value

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

    def selectors(self, value: Any, key: str, index: int) -> tuple[str, ...]:
        selectors = self.strings(value, key, "sources", index)
        for selector in selectors:
            try:
                GenericTranslator().css_to_xpath(selector)
            except SelectorError as exc:
                self.fail(key, f"{selector!r} is not a CSS selector: {exc}",
                          section="sources", index=index)
        return selectors

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
