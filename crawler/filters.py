"""Include / exclude rules: which feed items a source keeps, decided on their title, body, author..."""

from __future__ import annotations

import dataclasses
import logging
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import regex

from archive.text import clean_text, html_to_text
from archive.urls import join_url
from crawler.limits.nesting import bound_depth
from crawler.outcome.report import count, problem

logger = logging.getLogger(__name__)

FIELDS = ("title", "body", "author", "categories", "link", "any")
# A regex that takes longer than this on one field of one item is given up on (the `regex`
# module's timeout): a pattern with nested quantifiers cannot stall the crawl.
MATCH_TIMEOUT = 0.1
_FLAGS = regex.IGNORECASE | regex.FULLCASE


@lru_cache(maxsize=1024)
def compiled(pattern: str) -> regex.Pattern[str]:
    """The pattern compiled once per process, case-insensitive (`(?-i)` turns that off)."""
    return regex.compile(pattern, _FLAGS)


def folded(text: str) -> str:
    """Text as keywords compare it: NFKC (full-width letters, compatibility forms) and
    case-folded, so "ＡＤ", "Ad" and "ad" are one keyword; CJK text is compared as it is."""
    return unicodedata.normalize("NFKC", text).casefold()


@dataclass(frozen=True)
class Rule:
    """One rule: a keyword (`contains`, any of several) or a regular expression on one field."""

    field: str
    contains: tuple[str, ...] = ()  # keywords as written: any one found in the field matches
    pattern: str | None = None  # a regular expression (the `regex` module's syntax)
    written: str = ""  # the rule as the configuration wrote it, for messages
    _folded: tuple[str, ...] = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_folded", tuple(folded(w) for w in self.contains))

    def matches(self, values: Iterable[str]) -> bool:
        """True when the rule finds its keyword or pattern in any of the field's values.
        Raises TimeoutError when the pattern took too long on one of them."""
        for value in values:
            if not value:
                continue
            if self.pattern is not None:
                if compiled(self.pattern).search(value, timeout=MATCH_TIMEOUT):
                    return True
            else:
                text = folded(value)
                if any(word in text for word in self._folded):
                    return True
        return False

    def as_config(self) -> str | dict[str, Any]:
        """The rule as feedvault.toml writes it (what an export writes back)."""
        if self.pattern is not None:
            return f"re:{self.field}:{self.pattern}"
        if len(self.contains) == 1:
            return f"{self.field}:{self.contains[0]}"
        return {"field": self.field, "contains": list(self.contains)}

    def __str__(self) -> str:
        return self.written


@dataclass(frozen=True)
class Filters:
    """A source's rules: an item is kept when it matches an include rule (or there are
    none) and no exclude rule."""

    include: tuple[Rule, ...] = ()
    exclude: tuple[Rule, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.include or self.exclude)

    def rejects(self, fields: Fields, *, body_final: bool = True,
                unknown: Collection[str] = (), timed_out: list[str] | None = None
                ) -> str | None:
        """Why the item is dropped (the rule, said plainly), or None when it is kept.

        body_final False: the body is a teaser whose page is still to be fetched, so an
        include rule that may yet match the page's text does not drop the item now.
        unknown: fields only the page will tell (a backfill knows a sitemap's article by
        its link alone); an include rule on one of them does not drop the item now either.
        A rule whose regex timed out counts as not matching; its text goes into timed_out."""
        for rule in self.exclude:
            if _safe_match(rule, fields, timed_out):
                return f"exclude rule {rule.written!r}"
        if not self.include:
            return None
        if any(_safe_match(rule, fields, timed_out) for rule in self.include):
            return None
        later = {*unknown, *(() if body_final else ("body",))}
        if later and any(rule.field in later or rule.field == "any" for rule in self.include):
            return None  # decided on the page's text
        return "no include rule matched"

    def extended(self, other: Filters) -> Filters:
        """These rules followed by other's (a source's own rules after the defaults)."""
        return Filters(self.include + other.include, self.exclude + other.exclude)


def _safe_match(rule: Rule, fields: Fields, timed_out: list[str] | None) -> bool:
    try:
        return rule.matches(fields.values(rule.field))
    except TimeoutError:
        if timed_out is not None:
            timed_out.append(str(rule))
        return False


@dataclass(frozen=True)
class Fields:
    """The texts a rule can look at, as plain text."""

    title: str = ""
    body: str = ""
    author: str = ""
    categories: tuple[str, ...] = ()
    link: str = ""

    def values(self, name: str) -> tuple[str, ...]:
        if name == "categories":
            return self.categories
        if name == "any":
            return (self.title, self.body, self.author, *self.categories, self.link)
        return (getattr(self, name),)


def fields_of(item: Any, author: str | None = None) -> Fields:
    """An ArticleItem's fields as rules see them (the same in the spider, before the page is
    fetched, and in the filter pipeline after): the author is the source's `author` when it
    sets one, else the entry's, else the feed's title (what the archive writes)."""
    link = item.link or ""
    if link and item.feed_url:
        link = join_url(item.feed_url, link) or link  # a link that does not parse stays as it is
    return Fields(
        title=clean_text(item.title),
        body=html_to_text(bound_depth(item.content).html, inline=True) if item.content else "",
        author=author or clean_text(item.author) or clean_text(item.feed_title) or "",
        categories=tuple(c for c in (clean_text(c) for c in item.feed_categories) if c),
        link=link,
    )


def drops(stats: Any, source: Any, item: Any, *, body_final: bool = True,
          unknown: Collection[str] = ()) -> str | None:
    """Why source's filters drop item (counted as filtered against the source), or None.

    A regex that timed out is reported once per source and crawl, and does not match."""
    if not source.filters:
        return None
    timed_out: list[str] = []
    reason = source.filters.rejects(fields_of(item, source.author), body_final=body_final,
                                    unknown=unknown, timed_out=timed_out)
    known = stats.get_value(f"feedvault/{source.name}/problems") or []
    for rule in dict.fromkeys(timed_out):
        message = (f"filter rule {rule!r} took over {MATCH_TIMEOUT}s on an item and was "
                   "skipped for it: simplify the pattern")
        if message not in known:
            problem(stats, source.name, message)
    if reason is not None:
        count(stats, source.name, "filtered")
        logger.debug("%s: filtered %s (%s)", source.name, item.link or item.title, reason)
    return reason

