"""OPML subscription lists: read (with feedvault's own settings, if any) and written.

Read with defusedxml (Scrapy's own dependency): a DOCTYPE, entities or external references
are refused, not expanded; so are files over MAX_BYTES and outlines nested over MAX_DEPTH.
Feedvault's per-source settings travel in attributes of our namespace, each holding the
value as it is written in feedvault.toml (`feedvault:content_selector='"div.post"'`).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import tomlkit
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from lxml import etree

from archive import ConfigError
from crawler.sources.found import Found, Proposed

NAMESPACE = "https://feedvault.dev/opml/1"
MAX_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 32  # outline levels: readers nest categories two or three deep
_OWN = f"{{{NAMESPACE}}}"
NATIVE_KEYS = ("name", "url", "categories")  # written as OPML's own attributes and nesting
LOCATORS = ("rsshub",)  # keys that locate a feed instead of `url`: xmlUrl is then for readers
FRESHRSS = "https://freshrss.org/opml"


def read_opml(data: bytes, where: str) -> Found:
    """Every outline with a feed URL (xmlUrl; `url` of type rss) as a proposed source, its
    enclosing outlines' titles as categories. ConfigError, one line, for a hostile file."""
    if len(data) > MAX_BYTES:
        raise ConfigError(f"{where}: larger than {MAX_BYTES // (1024 * 1024)} MiB; "
                          "not read as an OPML file")
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ConfigError(f"{where}: refused: the OPML file declares a DTD or entities "
                          f"({type(exc).__name__}), which subscription lists never need") from None
    except (ParseError, ValueError) as exc:
        raise ConfigError(f"{where}: not a well-formed OPML file ({exc})") from None
    if _local(root.tag) != "opml":
        raise ConfigError(f"{where}: not an OPML file (its root element is "
                          f"<{_local(root.tag)}>, not <opml>)")
    body = next((e for e in root if _local(e.tag) == "body"), None)
    found = Found()
    if body is not None:
        _walk(body, (), found, where, 0)
    found.sources = _joined(found.sources)
    return found


def _joined(sources: list[Proposed]) -> list[Proposed]:
    """One source per feed URL: a feed filed under two folders gets both as categories
    (two sources of ours on one feed, named apart, stay two)."""
    first: dict[str, Proposed] = {}
    for item in sources:
        key = repr((item.table.get("url") or item.table, item.table.get("name")))
        seen = first.get(key)
        if seen is None:
            first[key] = item
            continue
        categories = list(seen.table.get("categories", []))
        categories += [c for c in item.table.get("categories", []) if c not in categories]
        if categories:
            seen.table["categories"] = categories
    return list(first.values())


def _walk(parent: Element, path: tuple[str, ...], found: Found, where: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ConfigError(f"{where}: refused: outlines nested more than {MAX_DEPTH} deep")
    for outline in parent:
        if _local(outline.tag) != "outline":
            continue
        attrs = {_local(k).lower(): v for k, v in outline.attrib.items() if not k.startswith(_OWN)}
        title = (attrs.get("title") or attrs.get("text") or "").strip() or None
        url = (attrs.get("xmlurl") or (attrs.get("url") if attrs.get("type") in ("rss", "atom")
                                       else None) or "").strip()
        label = f'outline "{title or url}"'
        try:
            settings = own_settings(outline)
        except ValueError as exc:
            found.problems.append(f"{where}: {label}: not imported: {exc}")
            continue
        if not url and not settings:
            if len(outline):
                folder = attrs.get("title") or attrs.get("text") or ""
                _walk(outline, (*path, folder if folder.strip() else "untitled"), found, where,
                      depth + 1)
            elif attrs.get("htmlurl"):
                found.problems.append(f'{where}: outline "{title}": no xmlUrl (only the site '
                                      f"{attrs['htmlurl']}); add it with `feedvault sources add`")
            continue
        table: dict[str, Any] = {}
        if url and not any(key in settings for key in LOCATORS):
            table["url"] = url
        if path:
            table["categories"] = list(path)
        table.update(_freshrss(outline, found, f"{where}: {label}"))
        table.update(settings)
        found.sources.append(Proposed(table, title, label))


def _freshrss(outline: Element, found: Found, label: str) -> dict[str, Any]:
    """FreshRSS's full-content selector (frss:cssFullContent) as content_selector."""
    from crawler.extract.rules import compile_selector

    css = (outline.get(f"{{{FRESHRSS}}}cssFullContent") or "").strip()
    if not css:
        return {}
    try:
        compile_selector(css)
    except ValueError:
        found.notes.append(f"{label}: frss:cssFullContent {css!r} is not a CSS selector; "
                              "imported without it")
        return {}
    return {"full_text": True, "content_selector": css}


def own_settings(outline: Element) -> dict[str, Any]:
    """The feedvault:* attributes of an outline, as the values they spell in TOML."""
    settings: dict[str, Any] = {}
    for key, text in outline.attrib.items():
        if not key.startswith(_OWN):
            continue
        name = key[len(_OWN):]
        try:
            settings[name] = tomllib.loads(f"v = {text}")["v"]
        except (ValueError, RecursionError):  # TOMLDecodeError; 5,000 digits; [[[[... deep
            raise ValueError(f"feedvault:{name}={text[:200]!r} is not a TOML value") from None
    return settings


def write_opml(sources: Sequence[Mapping[str, Any]], title: str = "feedvault sources") -> bytes:
    """OPML 2.0 of the `[[sources]]` tables as written: one outline per source under nested
    outlines of its categories, other keys as feedvault:* attributes."""
    root = etree.Element("opml", nsmap={"feedvault": NAMESPACE}, version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    etree.SubElement(head, "dateCreated").text = format_datetime(datetime.now(UTC))
    body = etree.SubElement(root, "body")
    folders: dict[tuple[str, ...], Any] = {(): body}
    for source in sources:
        try:
            _outline(folders, source)
        except ValueError as exc:  # lxml: a control character XML cannot carry
            raise ConfigError(f"source {source.get('name')!r}: cannot be written as OPML "
                              f"({exc})") from None
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _outline(folders: dict[tuple[str, ...], Any], source: Mapping[str, Any]) -> None:
    categories = tuple(str(c) for c in source.get("categories") or ())
    parent = _folder(folders, categories)
    outline = etree.SubElement(parent, "outline", type="rss")
    name = str(source.get("name", ""))
    outline.set("text", name)
    outline.set("title", name)
    if source.get("url"):
        outline.set("xmlUrl", str(source["url"]))
    if categories:
        outline.set("category", "/" + "/".join(categories))
    outline.set(f"{_OWN}name", toml_value(name))
    for key, value in source.items():
        if key not in NATIVE_KEYS:
            outline.set(f"{_OWN}{key}", toml_value(value))


def _folder(folders: dict[tuple[str, ...], Any], path: tuple[str, ...]) -> Any:
    if path not in folders:
        parent = _folder(folders, path[:-1])
        folders[path] = etree.SubElement(parent, "outline", text=path[-1], title=path[-1])
    return folders[path]


def toml_value(value: Any) -> str:
    """A value as TOML writes it inline: strings quoted, tables as `{ key = value }`."""
    return _inline(value).as_string().strip()


def _inline(value: Any) -> Any:
    if isinstance(value, Mapping):
        table = tomlkit.inline_table()
        for key, item in value.items():
            table.append(key, _inline(item))
        return table
    if isinstance(value, list | tuple):
        array = tomlkit.array()
        for item in value:
            array.append(_inline(item))
        return array
    return tomlkit.item(value)


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
