"""JSON Feed 1.0 and 1.1 (jsonfeed.org), which feedparser 6 does not read."""

from __future__ import annotations

import json
from typing import Any

from archive.text import clean_text
from archive.urls import join_url
from crawler.feeds.dates import parse_date
from crawler.feeds.entry import FeedEntry, ParsedFeed, text_to_html, unusable_link


def looks_like_json(body: bytes, content_type: str) -> bool:
    if "json" in content_type.lower():
        return True
    return body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def parse(body: bytes, url: str, max_items: int) -> ParsedFeed:
    try:
        data = json.loads(body.decode("utf-8-sig"), strict=False)
    except RecursionError:  # arrays or objects nested thousands deep
        return ParsedFeed(None, [], "ill-formed JSON Feed (nested too deeply)", None)
    except ValueError as exc:  # JSONDecodeError, bad UTF-8, a number of thousands of digits
        return ParsedFeed(None, [], f"ill-formed JSON Feed ({clean_text(str(exc))[:200]})", None)
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
    notes: list[str] = []
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict):
            problem = "JSON Feed item that is not an object (skipped)"
            continue
        guid = clean_text(str(item["id"])) if item.get("id") is not None else None
        raw_link = item.get("url") or item.get("external_url")
        link = join_url(url, raw_link) if isinstance(raw_link, str) else None
        if raw_link and link is None:
            notes.append(unusable_link(number, raw_link, kept=guid is not None))
            if guid is None:
                continue
        content = item.get("content_html") or ""
        if not content and item.get("content_text"):
            content = text_to_html(str(item["content_text"]))
        if not content and item.get("summary"):
            content = text_to_html(str(item["summary"]))
        images = [item[k] for k in ("image", "banner_image") if isinstance(item.get(k), str)]
        images += [
            a["url"]
            for a in _list(item.get("attachments"))
            if isinstance(a, dict) and str(a.get("mime_type", "")).startswith("image/")
            and isinstance(a.get("url"), str)
        ]
        date = item.get("date_published") or item.get("date_modified")
        modified = item.get("date_modified")
        entries.append(
            FeedEntry(
                title=clean_text(str(item.get("title") or "")),
                content=str(content),
                link=link,
                guid=guid,
                author=_author(item) or feed_author,
                date=parse_date(date if isinstance(date, str) else None),
                updated=parse_date(modified if isinstance(modified, str) else None),
                media_images=[joined for i in images if (joined := join_url(url, i))],
                categories=[clean_text(t) for t in _list(item.get("tags"))
                            if isinstance(t, str) and clean_text(t)],
            )
        )
    if notes:
        problem = "; ".join([*([problem] if problem else []), *notes])
    version = "json" + str(data["version"]).rsplit("/", 1)[-1].replace(".", "")
    return ParsedFeed(clean_text(str(data.get("title") or "")) or None, entries, problem, version,
                      total, skipped=len(items) - len(entries))


def _author(obj: dict[str, Any]) -> str | None:
    authors = _list(obj.get("authors")) or ([obj["author"]] if isinstance(obj.get("author"), dict) else [])
    names = [str(a["name"]) for a in authors if isinstance(a, dict) and a.get("name")]
    return ", ".join(names) or None


def _list(value: Any) -> list[Any]:
    """A JSON Feed array field as a list: anything else a hostile feed puts there is none."""
    return value if isinstance(value, list) else []
