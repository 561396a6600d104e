"""`sources import FILE --from FORMAT`: the formats feedvault reads sources from.

An importer takes the file's bytes and its name and returns what it found; the command
names, de-duplicates, checks and appends the sources (crawler/sources/merge.py). A new
format is one function added to IMPORTERS.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from archive import ConfigError


@dataclass(frozen=True)
class Proposed:
    """A source an importer found: `[[sources]]` keys as they would be written (a feed
    `url`, `categories`, settings; `name` when the file names it) and a title to name it by."""

    table: dict[str, Any]
    title: str | None = None
    where: str = ""  # how a report line names it, e.g. 'outline "Ars Technica"'


@dataclass
class Found:
    """An importer's result: the sources, one line per entry it could not use, notes."""

    sources: list[Proposed] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # entries left out, and why
    notes: list[str] = field(default_factory=list)  # entries taken, with something to know


Importer = Callable[[bytes, str], Found]


def _opml(data: bytes, where: str) -> Found:
    from crawler.sources.opml import read_opml

    return read_opml(data, where)


def _rsshub_page(data: bytes, where: str) -> Found:
    from crawler.sources.rsshub_page import read_route_list

    return read_route_list(data, where)


IMPORTERS: dict[str, Importer] = {"opml": _opml, "rsshub-page": _rsshub_page}

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
