"""Page furniture removal before scoring: scripts, navigation, hidden and unlikely blocks."""

from __future__ import annotations

import re
from functools import lru_cache

from crawler.extract._dom import HtmlElement

_ALWAYS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "nav",
           "svg", "button", "input", "select", "textarea", "link", "meta", "canvas", "dialog",
           "menu")
# Class/id words of blocks dropped before scoring. Kept only where switching the word off
# costs F1 on held-out pages, or where it is common web vocabulary that never hurt
# (benchmarks/ablate_extract.py; docs/speed.md). Words naming one site's markup went, and so
# did share/social/tags: dropping those blocks before scoring cost F1 on both folds, and
# conditional cleaning (the negative words below) still removes them from the article.
_UNLIKELY = re.compile(
    r"-ad-|banner|breadcrumb|combx|comment|communit|disqus|extra|footer|"
    r"gdpr|header|menu|related|remark|replies|rss|shoutbox|sidebar|skyscraper|"
    r"sponsor|supplemental|ad-break|agegate|pagination|pager|popup|newsletter|"
    r"subscribe|promo|toolbar|byline|copyright|widget|nav|outbrain|taboola", re.I)
_MAYBE = re.compile(r"and|article|body|column|content|main|mathjax|shadow|post|text|story",
                    re.I)
_POSITIVE = re.compile(r"article|body|content|entry|hentry|h-entry|main|page|pagination|post|"
                       r"text|blog|story|detail", re.I)
_NEGATIVE = re.compile(
    r"-ad-|hidden|^hid$| hid$| hid |^hid |banner|combx|comment|com-|contact|footer|gdpr|"
    r"masthead|media|meta|outbrain|promo|related|scroll|share|shoutbox|sidebar|skyscraper|"
    r"sponsor|shopping|tags|widget|social|byline|author|dateline|caption|recommend|nav", re.I)
_HIDDEN_CLASS = re.compile(r"(?:^|\s)(?:hidden|hide|d-none|sr-only|visually-hidden|is-hidden|"
                           r"screen-reader-text|invisible|[\w-]+-hide)(?:\s|$)", re.I)
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_BAD_ROLES = {"menu", "menubar", "complementary", "navigation", "alert", "alertdialog",
              "dialog", "banner", "contentinfo", "search"}
_SIDE = frozenset({"aside", "footer"})  # furniture, unless they hold most of the page's text
MOST = 0.6  # share of the text above which a block is the article, never furniture
_KEEP_TAGS = {"html", "body", "a", "article", "main", "table", "tbody", "tr", "td", "th",
              "code", "pre"}


def class_weight(el: HtmlElement) -> int:
    """+25 for a positive class or id, -25 for a negative one (each)."""
    return _weight_of(el.get("class")) + _weight_of(el.get("id"))


@lru_cache(maxsize=4096)
def _weight_of(value: str | None) -> int:
    if not value:
        return 0
    return (25 if _POSITIVE.search(value) else 0) - (25 if _NEGATIVE.search(value) else 0)


@lru_cache(maxsize=4096)
def _hidden_class(value: str | None) -> bool:
    return bool(value) and bool(_HIDDEN_CLASS.search(value))  # type: ignore[arg-type]


@lru_cache(maxsize=4096)
def _unlikely(names: str) -> bool:
    return bool(names.strip()) and bool(_UNLIKELY.search(names)) and not _MAYBE.search(names)


def prune_page(body: HtmlElement, *, unlikely: bool = True) -> None:
    """Drop what is never article text: scripts, navigation, hidden and unlikely blocks."""
    doomed, asides = [], []
    for el in body.iter():
        tag = el.tag
        if type(tag) is not str:
            if el.getparent() is not None:
                doomed.append(el)  # comments
            continue
        if tag in _SIDE:
            asides.append(el)
            continue
        if tag in _ALWAYS:
            doomed.append(el)
            continue
        attrib = el.attrib
        if not attrib:
            continue
        if ("hidden" in attrib or attrib.get("aria-hidden") == "true"
                or attrib.get("role") in _BAD_ROLES):
            doomed.append(el)
            continue
        style = attrib.get("style")
        if (style and _HIDDEN.search(style)) or _hidden_class(attrib.get("class")):
            doomed.append(el)
            continue
        if tag in _KEEP_TAGS or not unlikely:
            continue
        if _unlikely(f"{attrib.get('class', '')} {attrib.get('id', '')}"):
            doomed.append(el)
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()
    _drop_side_blocks(body, asides)


def _drop_side_blocks(body: HtmlElement, asides: list[HtmlElement]) -> None:
    """Asides and footers are furniture, unless one holds most of the page's text (slides
    marked up as an aside, a transcript in an article's footer): it stays and is scored."""
    if not asides:
        return
    total = len(body.text_content())
    for el in asides:  # an aside inside a dropped one is measured, then dropped with it
        if len(el.text_content()) <= total * MOST:
            el.drop_tree()
