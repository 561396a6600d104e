"""The source digest: what the source itself said for an article, independent of our rules."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from functools import lru_cache
from typing import Any

from lxml import etree

from archive.urls import canonical_link
from crawler.items import ArticleItem

# Bumped if what goes into a digest ever changes: digests of two versions never compare equal.
_ENTRY = b"feedvault source digest 1: entry\0"
_PAGE = b"feedvault source digest 2: page\0"

# What a page carries that changes from one fetch to the next without being the article:
# left out of its digest. Elements dropped whole, with their content:
_NOISE = frozenset({"script", "style", "noscript", "template", "link", "meta"})
# <meta> that says something about the article (feedvault reads these for its title, author,
# dates, cover, language): kept. Any other (csrf-token, generator, viewport, ...) is dropped.
_ARTICLE_META = re.compile(
    r"(og|article|twitter|dc|dcterms|citation|parsely|sailthru)[:._-]|author$|description$|"
    r"keywords$|(date|pubdate|publishdate|datepublished|datemodified|content-language)$")
# attributes (and query parameters in attribute values) named like a per-request secret
_VOLATILE = re.compile(r"csrf|xsrf|token|nonce|integrity|cfemail", re.I)
_VOLATILE_QUERY = re.compile(r"([?&])[^=&#]*(?:csrf|xsrf|token|nonce)[^=&#]*=[^&#]*", re.I)
# Cloudflare rewrites e-mail links with a key of its own on every response
_CF_EMAIL = re.compile(r"(/cdn-cgi/l/email-protection)#\S*")
_PRESERVE = frozenset({"pre", "textarea", "listing", "plaintext", "xmp"})
_MAX_DEPTH = 250  # lxml keeps 254 levels: a page nesting deeper is digested by its bytes
_PARSER = etree.HTMLParser(no_network=True)


class _NotHtml(Exception):
    """The page does not make a tree whose parts can be told apart: digest its bytes."""


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
    """The digest folded with one fetched page (pages fold in the order fetched).

    What the page says, not the text extracted from it: a changed content_selector or
    furniture rule leaves the digest as it was. Its markup and text count, and what its
    <meta> and JSON-LD say about the article; what changes on every fetch without being
    the article does not (comments, scripts, styles, hidden inputs, other <meta>, nonce
    and CSRF token attributes), so an unchanged page fetched again keeps its digest."""
    folded = hashlib.sha256(_PAGE)
    folded.update((digest or "").encode("ascii"))
    folded.update(b"\0")
    folded.update(page_digest(body))
    return folded.hexdigest()


def page_digest(body: bytes) -> bytes:
    """sha256 of a page's canonical form (page_tokens); of its bytes when it is no HTML tree."""
    try:
        tokens = page_tokens(body)
    except _NotHtml:
        return hashlib.sha256(b"bytes\0" + body).digest()
    data = json.dumps(tokens, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(b"html\0" + data.encode("utf-8", "surrogatepass")).digest()


def page_tokens(body: bytes) -> list[list[Any]]:
    """The page in document order as tokens: a start tag with its kept attributes (sorted),
    text, an end tag, what a <meta> or JSON-LD says; the noise left out. One list, encoded
    once: a page of 10,000 elements costs milliseconds."""
    if b"\0" in body or not body.strip():
        raise _NotHtml
    try:
        root = etree.fromstring(body, _PARSER)
    except (etree.LxmlError, ValueError) as exc:
        raise _NotHtml from exc
    if root is None:
        raise _NotHtml
    out: list[list[Any]] = []
    text: list[str] = []
    preserve = depth = 0
    stack: list[tuple[etree._Element, bool]] = [(root, False)]
    while stack:
        node, closing = stack.pop()
        if closing:
            _text(text, preserve, out)
            out.append(["/", node.tag])
            preserve -= node.tag in _PRESERVE
            depth -= 1
        elif _kept(node):
            _text(text, preserve, out)
            out.append([node.tag, _attributes(node)])
            depth += 1
            if depth > _MAX_DEPTH:
                raise _NotHtml
            preserve += node.tag in _PRESERVE
            text.append(node.text or "")
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node))
            continue
        elif node.tag == "script" and (node.get("type") or "").strip() == "application/ld+json":
            _text(text, preserve, out)
            out.append(["ld+json", (node.text or "").strip()])
        elif node.tag == "meta" and _ARTICLE_META.match(_meta_key(node)):
            _text(text, preserve, out)
            out.append(["meta", _meta_key(node), node.get("content") or ""])
        text.append(node.tail or "")
    _text(text, preserve, out)
    return out


def _kept(node: etree._Element) -> bool:
    """An element of the page itself: not a comment, a processing instruction, noise, or a
    hidden input (a form's per-request token)."""
    if not isinstance(node.tag, str) or node.tag in _NOISE:
        return False
    return not (node.tag == "input" and (node.get("type") or "").lower() == "hidden")


def _meta_key(node: etree._Element) -> str:
    return (node.get("property") or node.get("name") or node.get("itemprop") or "").strip().lower()


@lru_cache(maxsize=1024)
def _volatile(name: str) -> bool:
    return _VOLATILE.search(name) is not None


def _attributes(node: etree._Element) -> list[list[str]]:
    kept = []
    for name, value in sorted(node.attrib.items()):
        if _volatile(name):
            continue
        if "?" in value or "&" in value:
            value = _VOLATILE_QUERY.sub(r"\1", value)
        if "/cdn-cgi/" in value:
            value = _CF_EMAIL.sub(r"\1", value)
        kept.append([name, value])
    return kept


def _text(pieces: list[str], preserve: int, out: list[list[Any]]) -> None:
    """The text gathered since the last tag as one token (and the gathering emptied).

    Outside <pre>, blanks at its ends are left out and runs of them inside count as one: a
    comment that comes and goes with the line break after it leaves no trace."""
    if not pieces:
        return
    joined = "".join(pieces)
    pieces.clear()
    if not preserve:
        joined = " ".join(joined.split())
    if joined:
        out.append(["", joined])
