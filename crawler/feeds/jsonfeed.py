"""JSON Feed 1.0 and 1.1 (jsonfeed.org), which feedparser 6 does not read."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

if TYPE_CHECKING:
    from crawler.feeds.parse import ParsedFeed


def looks_like_json(body: bytes, content_type: str) -> bool:
    if "json" in content_type.lower():
        return True
    return body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def parse(body: bytes, url: str, max_items: int) -> ParsedFeed:
    from crawler.feeds.parse import Entry, ParsedFeed, clean_text, parse_date, text_to_html

    try:
        data = json.loads(body.decode("utf-8-sig"), strict=False)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return ParsedFeed(None, [], f"ill-formed JSON Feed ({exc})", None)
    version_url = str(data.get("version", "")) if isinstance(data, dict) else ""
    if not version_url.startswith(("https://jsonfeed.org/version/", "http://jsonfeed.org/version/")):
        return ParsedFeed(None, [], "not a JSON Feed: no jsonfeed.org version", None)
    problem = None
    items = data.get("items")
    if not isinstance(items, list):
        items, problem = [], "JSON Feed without an items list"
    total = len(items) if len(items) > max_items else None
    items = items[:max_items]
    feed_author = _author(data)
    entries = []
    for item in items:
        if not isinstance(item, dict):
            problem = "JSON Feed item that is not an object (skipped)"
            continue
        link = item.get("url") or item.get("external_url")
        content = item.get("content_html") or ""
        if not content and item.get("content_text"):
            content = text_to_html(str(item["content_text"]))
        if not content and item.get("summary"):
            content = text_to_html(str(item["summary"]))
        images = [item[k] for k in ("image", "banner_image") if isinstance(item.get(k), str)]
        images += [
            a["url"]
            for a in item.get("attachments") or []
            if isinstance(a, dict) and str(a.get("mime_type", "")).startswith("image/")
            and isinstance(a.get("url"), str)
        ]
        entries.append(
            Entry(
                title=clean_text(str(item.get("title") or "")),
                content=str(content),
                link=urljoin(url, str(link)) if link else None,
                guid=clean_text(str(item["id"])) if item.get("id") is not None else None,
                author=_author(item) or feed_author,
                date=parse_date(item.get("date_published") or item.get("date_modified")),
                updated=parse_date(item.get("date_modified")),
                media_images=[urljoin(url, i) for i in images],
            )
        )
    version = "json" + str(data["version"]).rsplit("/", 1)[-1].replace(".", "")
    return ParsedFeed(clean_text(str(data.get("title") or "")) or None, entries, problem, version,
                      total)


def _author(obj: dict[str, Any]) -> str | None:
    authors = obj.get("authors") or ([obj["author"]] if isinstance(obj.get("author"), dict) else [])
    names = [str(a["name"]) for a in authors if isinstance(a, dict) and a.get("name")]
    return ", ".join(names) or None
