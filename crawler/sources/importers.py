"""`sources import FILE --from FORMAT`: the formats feedvault reads sources from.

An importer takes the file's bytes and its name and returns what it found; the command
names, de-duplicates, checks and appends the sources (crawler/sources/merge.py). A new
format is one function added to IMPORTERS.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from archive import ConfigError
from crawler.sources.found import Found, Proposed
from crawler.sources.opml import read_opml
from crawler.sources.rsshub_page import read_route_list

__all__ = ["IMPORTERS", "TRUSTED_ONLY", "Found", "Importer", "Proposed", "detect", "importer", "untrusted"]

Importer = Callable[[bytes, str], Found]  # (the file's bytes, its name) -> what it holds
IMPORTERS: dict[str, Importer] = {"opml": read_opml, "rsshub-page": read_route_list}

# the top-level key of an RSSHub-to-Hexo script's config.yml or user_config.yml
_ROUTE_LIST_KEY = re.compile(rb"^(?:\xef\xbb\xbf)?(?:slect|diy)[ \t]*:", re.MULTILINE)


def detect(data: bytes, filename: str) -> str:
    """The format of a file given without --from: OPML by extension or content; a YAML
    file with a `slect:` or `diy:` list, an RSSHub-to-Hexo route list."""
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if filename.lower().endswith((".opml", ".xml")) or head.startswith((b"<?xml", b"<opml")):
        return "opml"
    if filename.lower().endswith((".yml", ".yaml")) and _ROUTE_LIST_KEY.search(data):
        return "rsshub-page"
    raise ConfigError(f"{filename}: neither an OPML file nor an RSSHub route list "
                      f"(a .yml with slect: or diy:); name the format with --from "
                      f"({', '.join(IMPORTERS)})")


def importer(name: str) -> Importer:
    try:
        return IMPORTERS[name]
    except KeyError:
        raise ConfigError(f"--from {name}: unknown format; expected one of "
                          f"{', '.join(IMPORTERS)}") from None


# Settings an imported file may only carry with --trust-settings: they decide what feedvault
# sends (headers, cookies, User-Agent, a proxy that sees every request) or which further
# hosts it fetches from (backfill's sitemaps and listings); `${NAME}` anywhere would send an
# environment variable of this machine wherever the file's author chose.
TRUSTED_ONLY = ("headers", "cookies", "user_agent", "proxy", "backfill")


def untrusted(found: Found, where: str) -> Found:
    """found with the settings only a trusted file may carry left out, one line each."""
    for proposed in found.sources:
        label = f"{where}: {proposed.where}" if proposed.where else where
        for key in [k for k in proposed.table if k in TRUSTED_ONLY or _reads_env(proposed.table[k])]:
            found.notes.append(f"{label}: setting {key!r} left out: an imported file may not set "
                               "what feedvault sends or where else it connects, nor read the "
                               "environment; pass --trust-settings if you wrote this file")
            del proposed.table[key]
    return found


def _reads_env(value: object) -> bool:
    if isinstance(value, str):
        return "${" in value
    if isinstance(value, dict):
        return any(_reads_env(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_reads_env(v) for v in value)
    return False
