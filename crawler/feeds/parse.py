"""Turn downloaded feed bytes into entries: RSS and Atom through feedparser, JSON Feed by hand."""

from __future__ import annotations

import functools
import re
from typing import Any

from archive.errors import ExtractError
from archive.text import clean_text, html_to_text
from archive.urls import join_url
from crawler.feeds import _cp1252, encoding, jsonfeed, transcode
from crawler.feeds.dates import parse_date
from crawler.feeds.entry import FeedEntry, ParsedFeed, text_to_html, unusable_link
from crawler.limits.nesting import bound_depth

# A DOCTYPE's internal subset, where entity declarations (billion laughs, quadratic
# blowup, external entities) live. Real feeds never need one.
# Found in two steps, each one linear scan (one regex with `.*?` took 18 s for 260 kB of
# `<!DOCTYPE a [` repeated: every unclosed one scanned to the end).
_SUBSET_OPEN = re.compile(rb"(<!DOCTYPE[^\[<>]*)\[", re.IGNORECASE)
_SUBSET_CLOSE = re.compile(rb"\]\s*>")
_ELEMENT_START = re.compile(rb"<[A-Za-z]")
_XML_ENCODING = re.compile(r"""(<\?xml[^<>]*?encoding\s*=\s*["'])[^"']*(["'])""")
# The end of an RSS item or Atom entry; CDATA sections and comments are skipped whole.
_ITEM_END = re.compile(rb"<!\[CDATA\[.*?(?:\]\]>|\Z)|<!--.*?(?:-->|\Z)"
                       rb"|</(?:[A-Za-z_][\w.-]*:)?(?:item|entry)\s*>", re.DOTALL)
# Every closing item or entry tag, CDATA and comments included: as many as _ITEM_END's or more,
# and found without stepping through CDATA one character at a time.
_ANY_ITEM_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?(?:item|entry)\s*>")
# An author string's two parts: `a (b)`, `a <b>` (the angle brackets of the address).
_PAREN_NAME = re.compile(r"([^()]*?)\s*\((.*)\)")
_ANGLE_NAME = re.compile(r"([^<>]*?)\s*<([^<>]*)>")
_ADDRESS = re.compile(r"[^\s@()<>\"]+@[^\s@()<>\"]+\.[^\s@()<>\"]+")
MAX_ITEMS = 2000  # `[crawl] max_items`: entries read from one feed document
# A start tag with more attributes than any feed writes: Python's SAX reader finds each
# attribute feedparser asks for by a linear scan, so one element with 50,000 attributes
# took 86 s (and a feed can hold many). Their attributes are dropped, namespace
# declarations excepted; the element and its content stay.
MAX_ATTRIBUTES = 256
_CROWDED_TAG = re.compile(rb"(<[A-Za-z_][\w.:-]*)((?:\s+[^\s=<>/\"']+\s*=\s*(?:\"[^\"<]*\"|'[^'<]*')){%d,})"
                          % (MAX_ATTRIBUTES + 1))
_NAMESPACE = re.compile(rb"\s+xmlns(?::[^\s=]+)?\s*=\s*(?:\"[^\"<]*\"|'[^'<]*')")
# A numeric character reference. feedparser's loose parser turns one into chr(n) and then
# UTF-8: a surrogate (&#xD800;) or a number past U+10FFFF raised out of feedparser.parse,
# and one such reference anywhere lost the whole feed.
_CHARREF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+))")


def defuse(body: bytes) -> tuple[bytes, bool]:
    """The document without its DOCTYPE's internal subset (entity declarations), and
    whether one was removed. Entity references left undefined are reported as ill-formed."""
    root = _ELEMENT_START.search(body)
    match = _SUBSET_OPEN.search(body, 0, root.start() if root else len(body))
    if match is None:
        return body, False  # none, or only inside the content, after the root element began
    close = _SUBSET_CLOSE.search(body, match.end())
    if close is None:
        return body, False  # never closed: ill-formed, nothing is declared
    return body[: match.start()] + match.group(1) + b">" + body[close.end():], True


def first_items(body: bytes, limit: int) -> tuple[bytes, int | None]:
    """The XML feed with only its first `limit` items or entries, and how many it had
    (None when it had no more): feedparser takes seconds per 10,000 entries.

    The entries after the limit are cut out up to the end of the last one, so the channel's
    or feed's closing tags stay and the document stays well-formed."""
    if sum(1 for _ in _ANY_ITEM_END.finditer(body)) <= limit:
        return body, None  # the usual feed: no need to tell closing tags inside CDATA apart
    ends = [m.end() for m in _ITEM_END.finditer(body) if m.group(0)[1:2] == b"/"]
    if len(ends) <= limit:
        return body, None
    return body[:ends[limit - 1]] + body[ends[-1]:], len(ends)


def too_many(url: str, feed: ParsedFeed) -> str:
    """The report line of a feed cut at max_items."""
    return (f"{url}: feed has {feed.total} items; only the first {len(feed.entries)} were read "
            "([crawl] max_items)")


def parse_feed(body: bytes, url: str, headers: dict[str, str] | None = None,
               max_items: int = MAX_ITEMS) -> ParsedFeed:
    """Parse feed bytes that Scrapy downloaded; never lets feedparser fetch anything itself.

    At most max_items entries are read; `total` then says how many the feed had."""
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    if jsonfeed.looks_like_json(body, headers.get("content-type", "")):
        return jsonfeed.parse(body, url, max_items)
    # The defences below match ASCII bytes: a UTF-16 or UTF-32 feed is made UTF-8 first
    try:
        body = transcode.to_utf8(body, headers)
    except ExtractError as exc:
        return ParsedFeed(None, [], str(exc), None)
    body, total = first_items(body, max_items)
    body, defused = defuse(body)
    crowded = 0
    if body.count(b"=") > MAX_ATTRIBUTES:
        body, crowded = _CROWDED_TAG.subn(
            lambda m: m.group(1) + b"".join(_NAMESPACE.findall(m.group(2))), body)
    # No content-location: feedparser would resolve a guid such as "g1" against the feed's
    # URL, and the article's identity would change with it. Links are joined below.
    headers.pop("content-location", None)
    headers.setdefault("content-type", "application/xml")  # file:// gives none
    body = _transcoded(body, headers)
    if b"&#" in body:
        body = _CHARREF.sub(_valid_charref, body)
    # feedparser's own sanitizer and URI resolver rewrite markup through sgmllib and mangle
    # it (a bare `alt` becomes alt="alt", referrerpolicy is dropped). The clean pipeline
    # resolves URLs against the article and sanitizes with an allowlist instead;
    # tests/test_sanitize.py runs feedparser's sanitize cases through it.
    import feedparser  # here, not above: a crawl where every feed answers 304 never needs it

    _faster_cp1252()
    try:
        parsed = feedparser.parse(
            body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
        )
    except (ValueError, OverflowError) as exc:  # such a reference in a UTF-16 or UTF-32 feed
        return ParsedFeed(None, [], f"ill-formed feed ({type(exc).__name__}: "
                          f"{clean_text(str(exc))[:200]})", None)
    problem = None
    exc = parsed.get("bozo_exception")
    # NonXMLContentType says nothing about the feed's content
    if parsed.get("bozo") and not isinstance(exc, feedparser.NonXMLContentType):
        problem = f"ill-formed feed ({type(exc).__name__}: {clean_text(str(exc))})"
    if crowded:
        problem = "; ".join([*([problem] if problem else []), f"{crowded} elements with more "
                             f"than {MAX_ATTRIBUTES} attributes: their attributes were dropped"])
    if defused:
        problem = "DOCTYPE internal subset removed: it can declare entities (XML attack protection)" + (
            f"; then {problem}" if problem else "")
    feed_title = clean_text(parsed.feed.get("title")) or None
    entries = []
    notes: list[str] = []
    for number, raw in enumerate(parsed.entries, 1):
        entry, note = _entry(raw, url, number)
        if entry is not None:
            entries.append(entry)
        if note:
            notes.append(note)
    if notes:
        problem = "; ".join([*([problem] if problem else []), *notes])
    if not entries and problem is None and not parsed.get("version"):
        problem = "not a feed: no RSS, Atom or JSON Feed structure found"
    return ParsedFeed(feed_title, entries, problem, parsed.get("version") or None, total,
                      skipped=len(parsed.entries) - len(entries))


def _valid_charref(match: re.Match[bytes]) -> bytes:
    """The reference itself when it names a character, else one to U+FFFD (as HTML reads it)."""
    digits = match.group(1) or match.group(2)
    if len(digits.lstrip(b"0")) > 8:
        return b"&#xFFFD"
    code = int(digits, 16 if match.group(1) else 10)
    return match.group(0) if code < 0xD800 or 0xDFFF < code <= 0x10FFFF else b"&#xFFFD"


@functools.cache
def _faster_cp1252() -> bool:
    """feedparser's cp1252 repair with a faster table, once per process (see `_cp1252`)."""
    import feedparser.mixin

    return _cp1252.install(feedparser.mixin)


def _transcoded(body: bytes, headers: dict[str, str]) -> bytes:
    """UTF-8 bytes when no declared charset reads the feed (feedparser would guess cp1252).

    A feed whose BOM, header or XML declaration works is passed on untouched."""
    try:
        decoded = encoding.decode(body, headers.get("content-type"))
    except ExtractError:
        return body  # feedparser reports it as ill-formed
    if decoded.how != "detected" or decoded.encoding == "utf-8":
        return body
    text = _XML_ENCODING.sub(r"\1utf-8\2", decoded.text, count=1)
    ctype = headers["content-type"].split(";", 1)[0].strip() or "application/xml"
    headers["content-type"] = f"{ctype}; charset=utf-8"
    return text.encode("utf-8")


def _entry(raw: Any, feed_url: str, number: int) -> tuple[FeedEntry | None, str | None]:
    """The entry, or None when it is left out, and the report line about it, if any."""
    title_detail = raw.get("title_detail") or {}
    title = raw.get("title", "")
    if "html" in title_detail.get("type", ""):
        title = html_to_text(bound_depth(title).html, inline=True)  # lxml stops at ~2,000
    else:
        title = clean_text(title)
    guid = clean_text(raw.get("id")) or None
    link = join_url(feed_url, raw.get("link"))
    note = None
    if raw.get("link") and link is None:
        note = unusable_link(number, raw.get("link"), kept=guid is not None)
        if guid is None:
            return None, note
    # dict.get, not raw.get: feedparser's get("updated") answers the published date
    # (with a DeprecationWarning) when the entry has no update time of its own
    updated = parse_date(dict.get(raw, "updated"), dict.get(raw, "updated_parsed"))
    date = parse_date(raw.get("published"), raw.get("published_parsed")) or updated
    content, base = _richest_content(raw)
    return FeedEntry(
        title=title,
        content=content,
        base=join_url(feed_url, base) if base else None,
        link=link,
        guid=guid,
        author=author_name(raw.get("author")),
        date=date,
        updated=updated,
        media_images=_media_images(raw, feed_url),
        summary_only=not any(c.get("value") for c in raw.get("content", [])),
        categories=[text for tag in raw.get("tags") or []
                    if (text := clean_text(tag.get("term") or tag.get("label")))],
    ), note


def author_name(author: str | None) -> str | None:
    """The name in an author string: `email (Name)` and `Name <email>` (RSS), `Name (email)`
    (how feedparser writes an Atom name and email) give Name; a bare address stays itself.

    feedparser's own split (author_detail) finds the address with a pattern that stops at
    four-letter top-level domains: `ed@example.online (The Editor)` gave `ne (The Editor`."""
    text = clean_text(author)
    if not text:
        return None
    match = _PAREN_NAME.fullmatch(text) or _ANGLE_NAME.fullmatch(text)
    if match is None:
        return text
    outside, inside = match.group(1).strip(), match.group(2).strip()
    if _is_address(outside) and inside:
        return inside  # email (Name)
    if _is_address(inside) and outside:
        return outside.strip('"')  # Name <email>, Name (email)
    return text


def _is_address(text: str) -> bool:
    return _ADDRESS.fullmatch(text.removeprefix("mailto:")) is not None


def _richest_content(raw: Any) -> tuple[str, str | None]:
    """content:encoded or Atom content over description or summary; the longest wins among
    equals. With it, the base its relative URLs stand on (Atom xml:base), if the feed sets one."""
    contents = [c for c in raw.get("content", []) if c.get("value")]
    pick = max(contents, key=lambda c: len(c["value"])) if contents else raw.get("summary_detail")
    if not pick or not pick.get("value"):
        return "", None
    value = pick["value"]
    base = pick.get("base") or None
    return (text_to_html(value) if pick.get("type") == "text/plain" else value), base


def _media_images(raw: Any, base: str) -> list[str]:
    found: list[str] = []
    for thumb in raw.get("media_thumbnail", []) or []:
        if thumb.get("url"):
            found.append(thumb["url"])
    for media in raw.get("media_content", []) or []:
        kind = media.get("medium") or media.get("type", "")
        if media.get("url") and str(kind).startswith("image"):
            found.append(media["url"])
    for enclosure in raw.get("enclosures", []) or []:
        if enclosure.get("href") and str(enclosure.get("type", "")).startswith("image/"):
            found.append(enclosure["href"])
    return [joined for u in found if (joined := join_url(base, u))]
