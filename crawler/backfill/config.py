"""`[sources.backfill]`: where a source's history is listed, validated into a frozen dataclass."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from archive.urls import redact_url

PAGE = "{page}"
KEYS = {"sitemap", "list_url", "item_links", "item_dates", "next", "first_page",
        "feed_page", "feed_archive", "max_articles", "max_pages", "max_depth"}
LINK_ONLY_POLICIES = ("auto", "link")  # policies that recognise a link-only article later


@dataclass(frozen=True)
class BackfillConfig:
    """The history of one source: any mix of sitemaps, listing pages and feed pages."""

    sitemaps: tuple[str, ...] = ()
    list_url: str | None = None      # "https://…/page/{page}", or the first page with `next`
    item_links: str | None = None    # CSS (or xpath:) selecting the article links of a listing
    item_dates: str | None = None    # optional: their dates, in the same order
    next: str | None = None          # optional: the listing's next-page link
    first_page: int = 1              # the number {page} starts at
    feed_page: str | None = None     # "https://…/feed?paged={page}"
    feed_archive: str | None = None  # a feed whose RFC 5005 next/prev-archive links are followed
    # Per run; what is left waits in the backfill state for the next run.
    max_articles: int = 20_000       # articles fetched (or taken from feed pages)
    max_pages: int = 1_000           # history pages fetched: sitemaps, listing and feed pages
    max_depth: int = 5               # sitemap indexes within sitemap indexes

    @property
    def link_only(self) -> bool:
        """Whether some method finds articles by link alone (no guid to match the feed's)."""
        return bool(self.sitemaps or self.list_url)


def validate(v: Any, data: Any, key: str, index: int, source_index: int, source_url: str,
             policy: str) -> BackfillConfig:
    """Check one `[sources.backfill]` table with the config's validator `v` (file:line:key).

    index counts the `[sources.backfill]` headers before this one (for line numbers)."""
    from crawler.extract.rules import compile_selector

    section = "sources.backfill"
    data = v.table(data, key, KEYS, section=section, index=index)

    def fail(name: str, message: str) -> None:
        v.fail(f"{key}.{name}", message, section=section, index=index)

    def url(name: str, value: Any, template: bool = False) -> str:
        text = v.string(value, f"{key}.{name}", section, index)
        if not text.startswith(("http://", "https://")):
            fail(name, f"{redact_url(text)!r}: expected an http(s):// URL")
        if "@" in urlsplit(text).netloc:
            fail(name, f"{redact_url(text)!r}: a user and password in this URL would not be sent; "
                 "write them in the source's url (sent as a Basic Authorization header to the "
                 "source's own hosts) or in its headers = { Authorization = \"...\" }")
        if template and PAGE not in text:
            fail(name, f"{text!r}: expected a {PAGE} placeholder for the page number")
        return text

    found: dict[str, Any] = {}
    sitemaps = data.get("sitemap")
    if sitemaps is not None:
        items = [sitemaps] if isinstance(sitemaps, str) else sitemaps
        if not isinstance(items, list) or not items:
            fail("sitemap", "expected a sitemap URL or a list of them")
        found["sitemaps"] = tuple(url("sitemap", s) for s in items)
    for name in ("item_links", "item_dates", "next"):
        if name in data:
            value = v.string(data[name], f"{key}.{name}", section, index)
            try:
                compile_selector(value)
            except ValueError as exc:
                fail(name, f"{exc} (CSS, or XPath written xpath://...)")
            found[name] = value
    if "list_url" in data:
        found["list_url"] = url("list_url", data["list_url"], template="next" not in data)
        if "item_links" not in data:
            fail("list_url", "a listing needs item_links, the selector of its article links "
                 "(e.g. item_links = \"article h2 a\")")
    elif any(name in data for name in ("item_links", "item_dates", "next")):
        fail("item_links", "item_links, item_dates and next describe a listing: set list_url too")
    first = data.get("first_page", 1)
    if not isinstance(first, int) or isinstance(first, bool) or first < 0:
        fail("first_page", f"expected a page number >= 0, got {first!r}")
    found["first_page"] = first
    if "feed_page" in data:
        found["feed_page"] = url("feed_page", data["feed_page"], template=True)
    archive = data.get("feed_archive")
    if archive is True:
        found["feed_archive"] = source_url
    elif isinstance(archive, str):
        found["feed_archive"] = url("feed_archive", archive)
    elif archive not in (None, False):
        fail("feed_archive", f"expected true (the source's feed) or a feed URL, got {archive!r}")
    for name in ("max_articles", "max_pages", "max_depth"):
        if name in data:
            found[name] = v.whole(data[name], f"{key}.{name}", section, 1, index=index)
    config = BackfillConfig(**found)
    if not (config.sitemaps or config.list_url or config.feed_page or config.feed_archive):
        fail("sitemap", "name where the history is: sitemap, list_url (with item_links), "
             "feed_page, or feed_archive = true")
    if config.link_only and policy not in LINK_ONLY_POLICIES:
        v.fail(f"sources[{source_index}].id", f"id = {policy!r} cannot match a backfilled article "
               "(found by link, without guid) with the same article in the feed later: use "
               "id = \"auto\" or \"link\" with sitemap or list_url", section="sources",
               index=source_index)
    return config
