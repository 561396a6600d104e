"""An RSSHub-to-Hexo script's route list (config.yml, user_config.yml) as RSSHub sources.

`config.yml` holds `slect:`, a YAML list of routes; comments above them give their
categories: `#group`, `##site`, `###route title` (a route under a site heading with no
title heading has two). `# - /route` is a disabled route. `user_config.yml` holds `diy:`,
entries with `link` (the route), `categories` (the group), `source_parent` (the site) and
`source_child` (the route title).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import yaml
from slugify import slugify

from archive import ConfigError

MAX_NAME = 64  # crawler.config.model.SOURCE_NAME
_DECORATION = re.compile(r"^#+\s*[-=*#]*\s*$")  # `#-----`, `#====`, a lone `#`
_DISABLED = re.compile(r"^#+\s*-\s+(\S.*)$")   # `# - /route`
_ENABLED = re.compile(r"^\s*-\s+(\S.*)$")       # ` - /route`
_HEADING = re.compile(r"^(#{1,3})(\S.*)$")      # `#group`, `##site`, `###title`
_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:")     # a top-level key: `slect:`, `diy:`
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")    # a Markdown link: its text is the heading


@dataclass
class RouteList:
    """What a route list holds: a `[[sources]]` entry per enabled route, and how many
    routes were disabled (commented out) or not routes at all."""

    sources: list[dict[str, Any]] = field(default_factory=list)
    disabled: int = 0
    invalid: list[str] = field(default_factory=list)  # one line each: what and where


def parse_route_list(text: str, taken: Collection[str] = ()) -> RouteList:
    """The sources of a config.yml (`slect:`) or user_config.yml (`diy:`), in file order;
    names are slugs of the route (CJK transliterated), unique among themselves and taken."""
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
    used = {n.lower() for n in taken}
    for route, categories, where in routes:
        if not route.startswith("/") or route.startswith("//") or any(
                c in route for c in "\t\r\n #"):
            found.invalid.append(f"{where}: {route!r} is not an RSSHub route "
                                 "(expected a path such as /woshipm/latest)")
            continue
        name = _unique(_slug(route), used)
        used.add(name.lower())
        entry: dict[str, Any] = {"name": name, "rsshub": route}
        if categories:
            entry["categories"] = categories
        found.sources.append(entry)
    return found


def _heading(text: str) -> str:
    return " ".join(_LINK.sub(r"\1", text).split())


def _unquote(value: str) -> str:
    value = re.sub(r"\s+#.*$", "", value).strip()  # a trailing comment
    if len(value) > 1 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _diy(text: str) -> list[tuple[str, list[str], str]]:
    """`diy:` entries: (route, [categories, source_parent, source_child], where)."""
    if not re.search(r"^diy\s*:", text, re.MULTILINE):
        return []
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"the diy: list is not valid YAML: {exc}") from exc
    entries = data.get("diy") if isinstance(data, dict) else None
    routes = []
    for i, entry in enumerate(entries if isinstance(entries, list) else []):
        link = entry.get("link") if isinstance(entry, dict) else None
        parts = [entry.get(k) for k in ("categories", "source_parent", "source_child")
                 ] if isinstance(entry, dict) else []
        routes.append((str(link or "").strip(), [_heading(str(p)) for p in parts if p],
                       f"diy[{i}]"))
    return routes


def _slug(route: str) -> str:
    return slugify(route, max_length=MAX_NAME, word_boundary=True, separator="-") or "rsshub"


def _unique(base: str, used: Collection[str]) -> str:
    name, number = base, 1
    while name.lower() in used:
        number += 1
        suffix = f"-{number}"
        name = base[:MAX_NAME - len(suffix)].rstrip("-_") + suffix
    return name
