"""An RSSHub-to-Hexo script's route list (config.yml, user_config.yml) as RSSHub sources.

`config.yml` holds `slect:`, a YAML list of routes; comments above them give their
categories: `#group`, `##site`, `###route title` (a route under a site heading with no
title heading has two). `# - /route` is a disabled route. `user_config.yml` holds `diy:`,
entries with `link` (the route), `categories` (the group), `source_parent` (the site) and
`source_child` (the route title).

`read_route_list` is the `rsshub-page` format of `sources import`: each route becomes a
proposed `rsshub` source, named after the route by crawler/sources/merge.py like any other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from archive import ConfigError
from crawler.sources.found import Found, Proposed

MAX_BYTES = 4 * 1024 * 1024  # a route list is a few kilobytes; anything this big is not one
_DECORATION = re.compile(r"^#+\s*[-=*#]*\s*$")  # `#-----`, `#====`, a lone `#`
_DISABLED = re.compile(r"^#+\s*-\s+(\S.*)$")   # `# - /route`
_ENABLED = re.compile(r"^\s*-\s+(\S.*)$")       # ` - /route`
_HEADING = re.compile(r"^(#{1,3})(\S.*)$")      # `#group`, `##site`, `###title`
_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:")     # a top-level key: `slect:`, `diy:`
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")    # a Markdown link: its text is the heading


@dataclass(frozen=True)
class Route:
    """An enabled route: its `[[sources]]` keys (`rsshub`, `categories`) and where it is."""

    table: dict[str, Any]
    where: str  # "line 7", "diy[0]"


@dataclass
class RouteList:
    """What a route list holds: an entry per enabled route, and how many routes were
    disabled (commented out) or not routes at all."""

    sources: list[Route] = field(default_factory=list)
    disabled: int = 0
    invalid: list[str] = field(default_factory=list)  # one line each: what and where


def read_route_list(data: bytes, where: str) -> Found:
    """The `rsshub-page` importer: every enabled route as a proposed source (its route as
    the title its name is derived from), entries that are not routes as problems, the
    disabled routes counted in a note."""
    if len(data) > MAX_BYTES:
        raise ConfigError(f"{where}: over {MAX_BYTES // 1024 // 1024} MiB: not a route list")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{where}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        routes = parse_route_list(text)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    found = Found(
        sources=[Proposed(r.table, r.table["rsshub"], f"{where}: {r.where}")
                 for r in routes.sources],
        problems=[f"{where}: {line}" for line in routes.invalid])
    if routes.disabled:
        found.notes.append(f"{where}: {routes.disabled} disabled (commented-out) routes "
                           "skipped")
    return found


def parse_route_list(text: str) -> RouteList:
    """The routes of a config.yml (`slect:`) or user_config.yml (`diy:`), in file order."""
    found = RouteList()
    routes: list[tuple[str, list[str], str]] = []  # route, categories, where
    group = site = title = block = None
    for number, line in enumerate(text.splitlines(), 1):
        line = line.rstrip()
        if not line.strip() or _DECORATION.match(line):
            continue
        if key := _KEY.match(line):
            block = key.group(1)
            continue
        if block != "slect":  # diy: is read as YAML below
            continue
        if _DISABLED.match(line):
            found.disabled += 1
            continue
        if enabled := _ENABLED.match(line):
            categories = [c for c in (group, site, title) if c]
            routes.append((_unquote(enabled.group(1)), categories, f"line {number}"))
            continue
        if heading := _HEADING.match(line):
            name = _heading(heading.group(2))
            level = len(heading.group(1))
            if level == 1:
                group, site, title = name, None, None
            elif level == 2:
                site, title = name, None
            else:
                title = name
    routes += _diy(text)
    for route, categories, where in routes:
        if not route.startswith("/") or route.startswith("//") or any(
                c in route for c in "\t\r\n #"):
            found.invalid.append(f"{where}: {route!r} is not an RSSHub route "
                                 "(expected a path such as /woshipm/latest)")
            continue
        entry: dict[str, Any] = {"rsshub": route}
        if categories:
            entry["categories"] = categories
        found.sources.append(Route(entry, where))
    return found


def _heading(text: str) -> str:
    return " ".join(_LINK.sub(r"\1", text).split())


def _unquote(value: str) -> str:
    value = re.sub(r"\s+#.*$", "", value).strip()  # a trailing comment
    if len(value) > 1 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _diy(text: str) -> list[tuple[str, list[str], str]]:
    """`diy:` entries: (route, [categories, source_parent, source_child], where). Only
    strings and numbers are read: a list or table where text belongs (YAML aliases can
    make one of billions of elements) is not turned into text."""
    if not re.search(r"^diy\s*:", text, re.MULTILINE):
        return []
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: a number of thousands of digits
        raise ConfigError(f"the diy: list is not valid YAML: {exc}") from None
    except RecursionError:
        raise ConfigError("the diy: list is nested too deeply to be a route list") from None
    entries = data.get("diy") if isinstance(data, dict) else None
    routes = []
    for i, entry in enumerate(entries if isinstance(entries, list) else []):
        fields = entry if isinstance(entry, dict) else {}
        link = _scalar(fields.get("link"))
        parts = [_scalar(fields.get(k)) for k in ("categories", "source_parent", "source_child")]
        routes.append((link.strip(), [_heading(p) for p in parts if p], f"diy[{i}]"))
    return routes


def _scalar(value: Any) -> str:
    """A YAML string or number as text; anything else (a list, a table, null) as ""."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value)
    return ""
