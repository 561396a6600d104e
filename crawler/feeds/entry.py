"""What the feed readers produce: one FeedEntry per item, a ParsedFeed per document."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime

from archive.text import clean_text

__all__ = ["FeedEntry", "ParsedFeed", "text_to_html", "unusable_link"]

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


@dataclass
class FeedEntry:
    """One feed item, reduced to what feedvault archives."""

    title: str
    content: str
    # the URL relative links in content stand on when the feed says (Atom xml:base);
    # None: the entry's link
    base: str | None = None
    link: str | None = None
    guid: str | None = None
    author: str | None = None
    date: datetime | None = None
    updated: datetime | None = None  # the source's own update time, when it gives one
    media_images: list[str] = field(default_factory=list)
    summary_only: bool = False  # no content:encoded / Atom content: description or summary only
    categories: list[str] = field(default_factory=list)  # RSS / Atom category, JSON Feed tags


@dataclass
class ParsedFeed:
    """A parsed feed: its title, the entries that parsed, and any problem worth reporting."""

    title: str | None
    entries: list[FeedEntry]
    problem: str | None = None
    version: str | None = None
    total: int | None = None  # the feed's entries when more than max_items: the rest unread
    skipped: int = 0  # entries left out (named in problem): the feed itself was read

    @property
    def unusable(self) -> bool:
        """Nothing feed-like came out: a failure, not just a warning."""
        return not self.entries and not self.skipped and self.problem is not None


def text_to_html(value: str) -> str:
    """Plain text as HTML paragraphs (a blank line separates two), escaped."""
    paragraphs = [p.strip() for p in _PARAGRAPH_BREAK.split(value) if p.strip()]
    return "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)


def unusable_link(number: int, link: object, *, kept: bool) -> str:
    """The report line of a feed item whose link is not a usable URL (`http://[oops`)."""
    shown = clean_text(str(link))[:200]
    if kept:
        return f"item {number}: link {shown!r} is not a usable URL; archived without it"
    return f"item {number} skipped: link {shown!r} is not a usable URL and it has no id"
