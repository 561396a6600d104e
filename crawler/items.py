"""The item a spider yields and the pipelines refine: one feed entry on its way to the archive."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from crawler.middlewares.capture import PendingCapture


@dataclass
class ArticleItem:
    """An article as found in a feed; pipelines fill in identity, clean body and cover."""

    source: str
    feed_url: str
    title: str
    content: str
    # the URL relative links in content stand on, when the feed sets one (Atom xml:base);
    # None: the link (or, without one, the feed's URL)
    base: str | None = None
    link: str | None = None
    guid: str | None = None
    author: str | None = None
    date: datetime | None = None
    updated: datetime | None = None  # the source's own update time, when it gives one
    feed_title: str | None = None
    media_images: list[str] = field(default_factory=list)
    # the entry's own categories (RSS category, Atom category, JSON Feed tags), for filters;
    # the archive files an article under its source's `categories`
    feed_categories: list[str] = field(default_factory=list)
    cover: str | None = None
    language: str | None = None  # from the article's page, when one was fetched
    images: dict[str, str] = field(default_factory=dict)  # original URL -> URL in the body
    image_urls: list[str] = field(default_factory=list)   # originals to download (img, poster)
    # a digest of what the source itself said for this article (entry fields, page bytes),
    # so a later diff can tell an edit at the source from a change of feedvault's rules
    source_digest: str | None = None
    # its page (or a later page) could not be had: the body is the feed's text (or the pages
    # before it); an article already archived keeps its archived copy instead
    page_failed: bool = False
    # that failure, until the store step reports it with what the article kept (the archived
    # full text, or the text above): crawler/fulltext/kept.py
    page_report: dict[str, str] = field(default_factory=dict)
    # the raw responses the article was built from, feed first: references to WARC records,
    # or answers the store step writes if the article is new or updated (PendingCapture)
    captures: list[str | PendingCapture] = field(default_factory=list)
