"""`sources check`'s filter lines: which of a feed's current items the source's rules would drop."""

from __future__ import annotations

from collections.abc import Iterable

from crawler.config import SourceConfig
from crawler.feeds.entry import FeedEntry
from crawler.filters import fields_of
from crawler.fulltext.pages import wants_page
from crawler.items import ArticleItem

PREVIEW_LINES = 20  # items listed by name


def preview(source: SourceConfig, entries: Iterable[FeedEntry], feed_url: str,
            feed_title: str | None) -> list[str]:
    """`sources check` lines: which of a feed's entries the source's rules would drop, on
    the feed's text (an include rule on the body of a teaser is left to the page)."""
    if not source.filters:
        return []
    entries = list(entries)
    dropped = []
    for entry in entries:
        item = ArticleItem(source=source.name, feed_url=feed_url, title=entry.title,
                           content=entry.content, link=entry.link, author=entry.author,
                           feed_title=feed_title, feed_categories=entry.categories)
        reason = source.filters.rejects(
            fields_of(item, source.author),
            body_final=not wants_page(item, source, entry.summary_only))
        if reason is not None:
            dropped.append(f"  {item.title or item.link or 'untitled'!r} ({reason})")
    shown = dropped[:PREVIEW_LINES]
    if len(dropped) > len(shown):
        shown.append(f"  ... and {len(dropped) - len(shown)} more")
    return [f"filters: {len(dropped)} of {len(entries)} recent items would be dropped", *shown]
