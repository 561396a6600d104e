"""What a page says about itself: title, author, dates, cover, language (JSON-LD, OG, meta)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lxml import etree

from archive.text import clean_text
from archive.urls import join_url
from crawler.extract._dom import HtmlElement
from crawler.feeds.dates import parse_date

_ARTICLE_TYPES = re.compile(r"Article|Posting|Report|Blog|NewsArticle|WebPage", re.I)
_BYLINE = etree.XPath('//*[@rel="author" or @itemprop="author" or contains(@class, "byline")'
                      ' or contains(@class, "author")]')
_TITLE_SPLIT = re.compile(r"\s+[|\-–—:»·]\s+|_")


@dataclass
class PageMeta:
    title: str | None = None
    author: str | None = None
    published: datetime | None = None
    modified: datetime | None = None
    cover: str | None = None
    language: str | None = None
    site_name: str | None = None


def read_metadata(root: HtmlElement, url: str) -> PageMeta:
    """Metadata from JSON-LD first, then OpenGraph/Twitter/Dublin Core <meta>, then markup."""
    meta: dict[str, str] = {}
    for el in root.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        value = el.get("content")
        if key and value and value.strip() and key not in meta:
            meta[key] = value.strip()
    ld = _json_ld(root)
    found = PageMeta()
    found.title = _first(_ld_text(ld.get("headline")), meta.get("og:title"),
                         meta.get("twitter:title"), meta.get("dc.title"), _title(root))
    found.author = _first(_ld_author(ld.get("author")), meta.get("author"),
                          meta.get("article:author") if not _is_url(meta.get("article:author"))
                          else None, meta.get("dc.creator"), meta.get("parsely-author"))
    if not found.author:
        found.author = _byline(root)
    if found.author:
        found.author = found.author.strip(" \u2014\u2013-|,·:") or None
    found.published = _date(ld.get("datePublished"), meta.get("article:published_time"),
                            meta.get("og:published_time"), meta.get("datepublished"),
                            meta.get("dc.date"), meta.get("dc.date.issued"), meta.get("date"),
                            meta.get("pubdate"), meta.get("publishdate"),
                            meta.get("parsely-pub-date"), meta.get("sailthru.date"),
                            _time(root))
    found.modified = _date(ld.get("dateModified"), meta.get("article:modified_time"),
                           meta.get("og:updated_time"), meta.get("datemodified"))
    image = _ld_image(ld.get("image")) or meta.get("og:image") or meta.get("og:image:url") \
        or meta.get("twitter:image") or meta.get("twitter:image:src")
    found.cover = join_url(url, image) if isinstance(image, str) else None
    found.language = _first(root.get("lang"), root.get("xml:lang"), meta.get("og:locale"),
                            meta.get("content-language"), meta.get("dc.language"))
    found.site_name = _first(meta.get("og:site_name"), _ld_text(ld.get("publisher")))
    return found


def _first(*values: Any) -> str | None:
    for value in values:
        text = clean_text(value) if isinstance(value, str) else ""
        if text:
            return text
    return None


def _is_url(value: str | None) -> bool:
    return bool(value) and str(value).startswith(("http://", "https://"))


def _date(*values: str | None) -> datetime | None:
    for value in values:
        if value and isinstance(value, str):
            parsed = parse_date(value.strip())
            if parsed is not None:
                return parsed
    return None


def _title(root: HtmlElement) -> str | None:
    el = root.find(".//title")
    text = clean_text(el.text_content()) if el is not None else ""
    headings = [clean_text(h.text_content()) for h in root.iter("h1")]
    for heading in headings:
        if heading and heading in text:
            return heading  # "Headline | Site": the h1 says which part is the headline
    if text and _TITLE_SPLIT.search(text):
        parts = _TITLE_SPLIT.split(text)
        longest = max(parts, key=len)
        if len(longest.split()) >= 3 or len(longest) >= 8:
            return longest.strip()
    return text or (headings[0] if headings else None)


def _byline(root: HtmlElement) -> str | None:
    for el in _BYLINE(root)[:3]:
        text = clean_text(el.text_content())
        text = re.sub(r"^(by|von|par|por)\s+", "", text, flags=re.I)
        if 2 < len(text) < 80:
            return text
    return None


def _time(root: HtmlElement) -> str | None:
    for el in root.iter("time"):
        value = el.get("datetime") or el.text_content()
        if value and value.strip():
            return value
    return None


def _json_ld(root: HtmlElement) -> dict[str, Any]:
    """The first Article-like JSON-LD object on the page, {} when there is none."""
    for script in root.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        for obj in _objects(data):
            kind = obj.get("@type")
            kinds = kind if isinstance(kind, list) else [kind]
            if any(isinstance(k, str) and _ARTICLE_TYPES.search(k) for k in kinds):
                return obj
    return {}


def _objects(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, list):
        return [o for item in data for o in _objects(item)]
    if isinstance(data, dict):
        return [data, *_objects(data.get("@graph", []))]
    return []


def _ld_text(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("name")
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, str) else None


def _ld_author(value: Any) -> str | None:
    if isinstance(value, list):
        names = [_ld_text(v) for v in value]
        joined = ", ".join(n for n in names if n)
        return joined or None
    return _ld_text(value)


def _ld_image(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl")
    return value if isinstance(value, str) else None
