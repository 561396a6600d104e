"""Turn downloaded feed bytes into entries: RSS and Atom through feedparser, JSON Feed by hand."""

from __future__ import annotations

import calendar
import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timezone
from typing import Any
from urllib.parse import urljoin

from dateutil import parser as dateparser
from lxml import html as lxml_html

from archive.errors import ExtractError
from crawler.feeds import encoding, jsonfeed
from crawler.limits.nesting import bound_depth

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_SPACE = re.compile(r"\s+")
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
MAX_ITEMS = 2000  # `[crawl] max_items`: entries read from one feed document


@dataclass
class Entry:
    """One feed item, reduced to what feedvault archives."""

    title: str
    content: str
    link: str | None = None
    guid: str | None = None
    author: str | None = None
    date: datetime | None = None
    updated: datetime | None = None  # the source's own update time, when it gives one
    media_images: list[str] = field(default_factory=list)
    summary_only: bool = False  # no content:encoded / Atom content: description or summary only


@dataclass
class ParsedFeed:
    """A parsed feed: its title, the entries that parsed, and any problem worth reporting."""

    title: str | None
    entries: list[Entry]
    problem: str | None = None
    version: str | None = None
    total: int | None = None  # the feed's entries when more than max_items: the rest unread

    @property
    def unusable(self) -> bool:
        """Nothing feed-like came out: a failure, not just a warning."""
        return not self.entries and self.problem is not None


def clean_text(value: str | None) -> str:
    """Plain one-line text: no control or bidi-override characters, collapsed whitespace."""
    if not value:
        return ""
    return _SPACE.sub(" ", _CONTROL.sub("", value)).strip()


def html_to_text(value: str) -> str:
    if "<" not in value:
        return clean_text(html.unescape(value))
    try:
        value = bound_depth(value).html  # lxml drops what nests deeper than 254 levels
        return clean_text(lxml_html.fragment_fromstring(value, create_parent="div").text_content())
    except Exception:  # lxml raises ParserError and friends on empty or odd markup
        return clean_text(re.sub(r"<[^<>]*>", " ", value))


def text_to_html(value: str) -> str:
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", value) if p.strip()]
    return "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)


def safe_join(base: str, url: str) -> str | None:
    """url made absolute against base; None for a URL that does not parse (`http://[oops`)."""
    try:
        return urljoin(base, url.strip())
    except ValueError:
        return None


def parse_date(raw: str | None, parsed: Any = None) -> datetime | None:
    """The entry's date with its original UTC offset where the raw string gives one.

    feedparser's parsed tuple (UTC) fixes the instant; dateutil recovers the offset.
    """
    instant = None
    if parsed:
        try:
            instant = datetime.fromtimestamp(calendar.timegm(parsed), UTC)
        except (OverflowError, ValueError, OSError):
            instant = None
    local = None
    if raw:
        try:
            local = dateparser.parse(raw)
        except (ValueError, OverflowError, TypeError):  # TypeError: a JSON Feed's number or list
            local = None
    offset = local.utcoffset() if local is not None else None
    if local is not None and offset is not None:
        local = local.replace(tzinfo=UTC if not offset else timezone(offset))
        if instant is None or local == instant:
            return local
    if instant is not None:
        return instant
    if local is not None:
        return local.replace(tzinfo=UTC)  # no offset given: read as UTC, as feedparser does
    return None


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
    body, total = first_items(body, max_items)
    body, defused = defuse(body)
    # No content-location: feedparser would resolve a guid such as "g1" against the feed's
    # URL, and the article's identity would change with it. Links are joined below.
    headers.pop("content-location", None)
    headers.setdefault("content-type", "application/xml")  # file:// gives none
    body = _transcoded(body, headers)
    # feedparser's own sanitizer and URI resolver rewrite markup through sgmllib and mangle
    # it (a bare `alt` becomes alt="alt", referrerpolicy is dropped). The clean pipeline
    # resolves URLs against the article and sanitizes with an allowlist instead;
    # tests/test_sanitize.py runs feedparser's sanitize cases through it.
    import feedparser  # here, not above: a crawl where every feed answers 304 never needs it

    parsed = feedparser.parse(
        body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )
    problem = None
    exc = parsed.get("bozo_exception")
    # NonXMLContentType says nothing about the feed's content
    if parsed.get("bozo") and not isinstance(exc, feedparser.NonXMLContentType):
        problem = f"ill-formed feed ({type(exc).__name__}: {clean_text(str(exc))})"
    if defused:
        problem = "DOCTYPE internal subset removed: it can declare entities (XML attack protection)" + (
            f"; then {problem}" if problem else "")
    feed_title = clean_text(parsed.feed.get("title")) or None
    entries = []
    for raw in parsed.entries:
        entries.append(_entry(raw, url))
    if not entries and problem is None and not parsed.get("version"):
        problem = "not a feed: no RSS, Atom or JSON Feed structure found"
    return ParsedFeed(feed_title, entries, problem, parsed.get("version") or None, total)


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


def _entry(raw: Any, feed_url: str) -> Entry:
    title_detail = raw.get("title_detail") or {}
    title = raw.get("title", "")
    title = html_to_text(title) if "html" in title_detail.get("type", "") else clean_text(title)
    link = raw.get("link") or None
    author = None
    if raw.get("author_detail") and raw.author_detail.get("name"):
        author = clean_text(raw.author_detail.name)
    elif raw.get("author"):
        author = clean_text(raw.author)
    date = parse_date(raw.get("published"), raw.get("published_parsed")) or parse_date(
        raw.get("updated"), raw.get("updated_parsed")
    )
    return Entry(
        title=title,
        content=_richest_content(raw),
        link=safe_join(feed_url, link) if link else None,
        guid=clean_text(raw.get("id")) or None,
        author=author or None,
        date=date,
        # dict.get, not raw.get: feedparser's get("updated") answers the published date
        # (with a DeprecationWarning) when the entry has no update time of its own
        updated=parse_date(dict.get(raw, "updated"), dict.get(raw, "updated_parsed")),
        media_images=_media_images(raw, feed_url),
        summary_only=not any(c.get("value") for c in raw.get("content", [])),
    )


def _richest_content(raw: Any) -> str:
    """content:encoded or Atom content over description or summary; the longest wins among equals."""
    contents = [c for c in raw.get("content", []) if c.get("value")]
    pick = max(contents, key=lambda c: len(c["value"])) if contents else raw.get("summary_detail")
    if not pick or not pick.get("value"):
        return ""
    value = pick["value"]
    return text_to_html(value) if pick.get("type") == "text/plain" else value


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
    return [joined for u in found if (joined := safe_join(base, u))]
