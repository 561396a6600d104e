"""A blog's history as files: article pages, listing pages, sitemaps and paged feeds (newest first)."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta
from xml.sax.saxutils import escape

NEWEST = datetime(2024, 6, 30, 9, 0, tzinfo=UTC)
WORDS = ["archive", "feed", "history", "crawler", "article", "sitemap", "listing", "window",
         "polite", "resume", "server", "page", "morning", "river", "garden", "letter", "winter",
         "market", "travel", "kitchen"]


def date_of(n: int, step: timedelta = timedelta(days=1)) -> datetime:
    """Article n's publication date: n steps before NEWEST (article 0 is the newest)."""
    return NEWEST - n * step


def _words(n: int, count: int) -> str:
    return " ".join(WORDS[(n * 7 + i * 3) % len(WORDS)] for i in range(count))


def article_page(n: int, step: timedelta = timedelta(days=1), paragraphs: int = 6) -> str:
    date = date_of(n, step).isoformat()
    body = "".join(f"<p>Article {n}, paragraph {p}: {_words(n + p, 40)}.</p>"
                   for p in range(paragraphs))
    return (
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>Post {n} | History blog</title>"
        f"<meta property=\"og:title\" content=\"Post {n}\">"
        f"<meta property=\"article:published_time\" content=\"{date}\">"
        "<meta name=\"author\" content=\"Ada\"></head><body>"
        "<header><nav><a href=\"/\">Home</a> <a href=\"/about\">About</a></nav></header>"
        f"<main><article><h1>Post {n}</h1><time datetime=\"{date}\">{date[:10]}</time>"
        f"{body}</article>"
        "<aside><h3>Related</h3><ul><li><a href=\"/p/1\">One</a></li>"
        "<li><a href=\"/p/2\">Two</a></li></ul></aside></main>"
        "<footer><p>© History blog</p></footer></body></html>"
    )


def listing_page(page: int, per_page: int, total: int, step: timedelta = timedelta(days=1),
                 dates: bool = True) -> str:
    """Page 1 holds articles 0..per_page-1; a `next` link while older articles remain."""
    first = (page - 1) * per_page
    items = []
    for n in range(first, min(first + per_page, total)):
        stamp = f"<time datetime=\"{date_of(n, step).isoformat()}\"></time>" if dates else ""
        items.append(f"<article class=\"post\"><h2><a href=\"/posts/{n}.html\">Post {n}</a></h2>"
                     f"{stamp}<p>{_words(n, 12)}…</p></article>")
    nxt = f"<a class=\"next\" href=\"/page/{page + 1}\">Older</a>" if first + per_page < total else ""
    return (f"<html><body><header><a href=\"/\">Home</a></header><main>{''.join(items)}</main>"
            f"<nav class=\"pager\">{nxt}</nav></body></html>")


def sitemap(base: str, numbers: range, step: timedelta = timedelta(days=1)) -> str:
    urls = "".join(f"<url><loc>{base}/posts/{n}.html</loc>"
                   f"<lastmod>{date_of(n, step).date().isoformat()}</lastmod></url>"
                   for n in numbers)
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>')


def sitemap_index(urls: list[str]) -> str:
    entries = "".join(f"<sitemap><loc>{escape(u)}</loc></sitemap>" for u in urls)
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}'
            "</sitemapindex>")


def gzipped(text: str) -> bytes:
    return gzip.compress(text.encode("utf-8"))


def feed_page(base: str, numbers: range, next_url: str | None,
              step: timedelta = timedelta(days=1)) -> str:
    """RSS with full content, guids unlike the links, and an RFC 5005 next link."""
    items = "".join(
        f"<item><title>Post {n}</title><link>{base}/posts/{n}.html</link>"
        f"<guid isPermaLink=\"false\">urn:history:{n}</guid>"
        f"<pubDate>{date_of(n, step).strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"
        f"<content:encoded><![CDATA[<p>Article {n} from the feed: {_words(n, 80)}.</p>]]>"
        "</content:encoded></item>" for n in numbers)
    link = f'<atom:link rel="next" href="{escape(next_url)}"/>' if next_url else ""
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
            'xmlns:atom="http://www.w3.org/2005/Atom" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
            f"<title>History blog</title><link>{base}/</link>{link}{items}</channel></rss>")
