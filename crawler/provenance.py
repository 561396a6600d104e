"""The source digest: what the source itself said for an article, independent of our rules."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from archive.urls import canonical_link
from crawler.items import ArticleItem

# Bumped if what goes into a digest ever changes: digests of two versions never compare equal.
_ENTRY = b"feedvault source digest 1: entry\0"
_PAGE = b"feedvault source digest 1: page\0"


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def entry_digest(item: ArticleItem) -> str:
    """sha256 (hex) of a feed entry's own fields, read from the item the spider just built.

    Title, link, guid, author, dates, the entry's content or summary HTML as the feed gave
    it, its categories and media: nothing that a source's configuration (selectors,
    furniture rules, filters, presets) or the cleaning pipelines touch. Call it before the
    item is filled from a page or handed to the pipelines."""
    base = item.base or item.feed_url
    fields = {
        "title": item.title,
        "content": item.content,
        "base": item.base,
        # as the archive stores it: a crawl and a backfill of one entry agree
        "link": canonical_link(item.link, base) if item.link else None,
        "guid": item.guid,
        "author": item.author,
        "date": _when(item.date),
        "updated": _when(item.updated),
        "categories": list(item.feed_categories),
        "media": list(item.media_images),
    }
    data = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(_ENTRY + data.encode("utf-8", "surrogatepass")).hexdigest()


def with_page(digest: str | None, body: bytes) -> str:
    """The digest folded with one fetched page's raw bytes (pages fold in the order fetched).

    The bytes as the server sent them, not the text extracted from them: a changed
    content_selector or furniture rule leaves the digest as it was."""
    folded = hashlib.sha256(_PAGE)
    folded.update((digest or "").encode("ascii"))
    folded.update(b"\0")
    folded.update(hashlib.sha256(body).digest())
    return folded.hexdigest()
