"""New sources among the configured ones: names made unique, duplicates skipped, each checked."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from archive import ConfigError
from crawler.config import parse_config
from crawler.config.model import SOURCE_NAME
from crawler.egress import EgressPolicy
from crawler.rsshub import encode_route
from crawler.sources.edit import with_sources
from crawler.sources.found import Proposed
from crawler.sources.naming import derive_name

PLAIN_KEYS = {"name", "url", "categories"}  # keys whose values need no validation of their own
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass
class Merge:
    """What joins the configuration, what was left out and why."""

    tables: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)  # feeds already configured
    twice: list[str] = field(default_factory=list)  # feeds the file lists again
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def feed_key(table: Mapping[str, Any], instances: Sequence[str] = ()) -> str | None:
    """What makes two sources the same feed: the feed URL, scheme and host in lower case,
    without a default port or a fragment; or the RSSHub route as it is requested
    (percent-encoded, its rsshub_params in the query), so `/search/关键词` and
    `/search/%E5%85%B3%E9%94%AE%E8%AF%8D` are one feed, and so is a url on one of the
    RSSHub instances given (`url = "https://rsshub.app/search/关键词"`)."""
    url = table.get("url")
    if not isinstance(url, str):
        return _route_key(table)
    for base in (i.rstrip("/") for i in instances):
        if url.startswith(base + "/"):
            return _route_key({"rsshub": url[len(base):]})
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").rstrip(".")
        port = parts.port
    except ValueError:
        return url
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    netloc = host if port in (None, default) else f"{host}:{port}"
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def _route_key(table: Mapping[str, Any]) -> str | None:
    route, params = table.get("rsshub"), table.get("rsshub_params", {})
    if not isinstance(route, str):
        return None
    if not isinstance(params, Mapping):
        params = {}
    # as crawler/config/_rsshub.py reads them: booleans in lower case, numbers as written
    given = {str(k): ("true" if v else "false") if isinstance(v, bool) else str(v)
             for k, v in params.items()}
    try:
        return f"rsshub:{encode_route(route.strip(), given)}"
    except ValueError:
        return f"rsshub:{route}"


def merge(existing: Sequence[Mapping[str, Any]], proposed: Iterable[Proposed],
          policy: EgressPolicy | None = None, instances: Sequence[str] = ()) -> Merge:
    """The proposed sources that are new, each named; policy: refuse feed URLs that a crawl
    would refuse (a private address written in a file from elsewhere); instances: the
    RSSHub instances whose URLs name the same feed as their route (see feed_key)."""
    result = Merge()
    names = [str(s.get("name")) for s in existing]
    known = {k: str(s.get("name")) for s in existing if (k := feed_key(s, instances))}
    configured = set(known)
    for item in proposed:
        table = dict(item.table)
        key = feed_key(table, instances)
        label = item.where or item.title or key or "entry"
        if key is None:
            result.problems.append(f"{label}: not imported: no feed URL")
            continue
        if key in known:
            if key in configured:
                result.duplicates.append(f"{label}: already configured as {known[key]!r}")
            else:
                result.twice.append(f"{label}: the same feed as {known[key]!r}, listed before")
            continue
        url = table.get("url")
        why = policy.check_url(url) if policy is not None and isinstance(url, str) else None
        if why:
            result.problems.append(f"{label}: not imported: {url}: {why}")
            continue
        given = table.get("name") if isinstance(table.get("name"), str) else None
        if given and SOURCE_NAME.match(given) and given.lower() not in {n.lower() for n in names}:
            name = given
        else:
            name = derive_name(given or item.title, url if isinstance(url, str) else None, names)
        table = {"name": name, **{k: v for k, v in table.items() if k != "name"}}
        names.append(name)
        known[key] = name
        result.tables.append(table)
        for variable in sorted(set(_VARIABLE.findall(repr(table)))):
            result.notes.append(f"{name}: its settings read ${{{variable}}} from the environment")
    return result


def check_each(text: str, path: Path, merged: Merge) -> None:
    """Drop the new sources whose settings do not validate, each with one line."""
    kept = []
    for table in merged.tables:
        if set(table) <= PLAIN_KEYS:
            kept.append(table)
            continue
        try:
            parse_config(with_sources(text, path, [table]), path)
        except ConfigError as exc:
            merged.problems.append(f"{table['name']}: not imported: {_without_place(exc, path)}")
            continue
        kept.append(table)
    merged.tables = kept


def _without_place(exc: ConfigError, path: Path) -> str:
    """The validator's message without the file and line (they are those of a draft)."""
    message = str(exc)
    return re.sub(rf"^{re.escape(str(path))}(:\d+)?: (sources\[\d+\]\.)?", "", message)
