"""One page to one article: metadata, the body by selector or by scoring, multi-page joining."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from urllib.parse import urldefrag

from lxml import etree
from lxml import html as lxml_html

from archive.errors import ExtractError
from archive.urls import join_url
from crawler.extract._dom import HtmlElement, block_text, parse_html, tag_of
from crawler.extract.auto import find_content
from crawler.extract.clean import clean_content
from crawler.extract.metadata import PageMeta, read_metadata
from crawler.extract.rules import Rules

_LAZY = ("data-src", "data-original", "data-lazy-src", "data-url", "data-hi-res-src",
         "data-lazy", "data-echo")
_PLACEHOLDER = re.compile(r"^(data:|about:)|(blank|spacer|pixel|placeholder|loading|lazy)"
                          r"[^/]*\.(gif|png|svg)", re.I)
MAX_PAGES = 10
_WRAPPERS = frozenset({"form", "text"})
MIN_TEXT = 250  # characters (no whitespace): less than this from a pass triggers the next


@dataclass
class Extracted:
    """An article as read from its page; `text` is what drift checks and scores measure."""

    url: str
    body_html: str
    text: str
    meta: PageMeta = field(default_factory=PageMeta)
    method: str = "auto"  # "selector", "auto" (no selector), "fallback" (selector missed)
    selector_missed: bool = False
    next_page: str | None = None
    pages: int = 1

    @property
    def title(self) -> str | None:
        return self.meta.title

    @property
    def date(self) -> datetime | None:
        return self.meta.published


def extract_article(text: str, url: str, rules: Rules | None = None) -> Extracted:
    """Extract from a decoded page; raises ExtractError when no article text is found."""
    rules = rules or Rules()
    root = parse_html(text)
    meta = read_metadata(root, url)
    next_page = rules.next_link(root)
    method = "selector"
    chosen = rules.content(root)
    missed = chosen is not None and not chosen
    if chosen:
        rules.strip(chosen)
        for el in chosen:
            _drop_scripts(el)
    else:
        method = "fallback" if missed else "auto"
        chosen = [_automatic(root, text, rules, meta.title)]
    for el in chosen:
        _fix_lazy_images(el)
        _unwrap_forms(el)
    body = "".join(_outer(el) for el in chosen)
    article_text = "\n\n".join(t for t in (block_text(el) for el in chosen) if t)
    if not article_text and "<img" not in body:
        raise ExtractError(f"{url}: no article text found on the page")
    if next_page:
        joined = join_url(url, next_page)
        next_page = urldefrag(joined)[0] if joined else None
    return Extracted(url, body, article_text, meta, method, missed, next_page)


def _automatic(root: HtmlElement, text: str, rules: Rules, title: str | None) -> HtmlElement:
    """Scoring, strict first; when that finds little, a retry keeping blocks whose class
    only looks unlikely, then one that also keeps what conditional cleaning would drop."""
    best: tuple[int, HtmlElement] | None = None
    for strict, conditional in ((True, True), (False, True), (False, False)):
        if best is not None:
            root = parse_html(text)
        chosen, _ = find_content(root, strict=strict)
        rules.strip(chosen)
        wrapper = lxml_html.Element("div")
        for el in chosen:
            wrapper.append(el)  # moves the elements; the page tree is no longer needed
        clean_content(wrapper, title, conditional=conditional)
        size = len("".join(wrapper.text_content().split()))  # characters, not layout
        if best is None or size > best[0] * 2:
            best = (size, wrapper)
        if size >= MIN_TEXT:
            break
    assert best is not None
    return best[1]


def extract_pages(first_text: str, url: str, rules: Rules | None,
                  fetch: Callable[[str], str | None]) -> Extracted:
    """Follow `next_page` links with fetch(url) → decoded page, joining bodies; loop-safe.

    fetch returns None for a page it may not fetch: the article ends with the pages before."""
    article = extract_article(first_text, url, rules)
    seen = {urldefrag(url)[0]}
    while article.next_page and article.next_page not in seen and article.pages < MAX_PAGES:
        seen.add(article.next_page)
        text = fetch(article.next_page)
        if text is None:
            break
        article = join(article, extract_article(text, article.next_page, rules))
    return article


def join(first: Extracted, more: Extracted) -> Extracted:
    """The first page's article with a following page's body appended."""
    return replace(first, body_html=first.body_html + more.body_html,
                   text=f"{first.text}\n\n{more.text}".strip(), next_page=more.next_page,
                   pages=first.pages + 1, selector_missed=first.selector_missed or
                   more.selector_missed)


def _outer(el: HtmlElement) -> str:
    if tag_of(el) in ("body", "html"):
        el.tag = "div"
    return lxml_html.tostring(el, encoding="unicode", with_tail=False)


def _drop_scripts(el: HtmlElement) -> None:
    for bad in el.xpath(".//script|.//style|.//noscript|.//template"):
        bad.drop_tree()


def _unwrap_forms(container: HtmlElement) -> None:
    """Keep the content of layout wrappers the sanitizer would drop whole: a <form> around
    an ASP.NET page's article, a non-HTML <text> wrapper; drop stray <title> elements."""
    if tag_of(container) in _WRAPPERS:
        container.tag = "div"
    for el in list(container.iter(etree.Element)):
        if el is container:
            continue
        tag = tag_of(el)
        if tag in _WRAPPERS or ":" in tag:
            el.drop_tag()
        elif tag == "title":
            el.drop_tree()


def _fix_lazy_images(container: HtmlElement) -> None:
    """Lazy-loaded images: the real URL from data-* attributes into src (and srcset)."""
    for img in container.iter("img"):
        src = (img.get("src") or "").strip()
        if not src or _PLACEHOLDER.search(src):
            for attr in _LAZY:
                value = (img.get(attr) or "").strip()
                if value and not value.startswith("data:"):
                    img.set("src", value)
                    break
        lazy_set = img.get("data-srcset")
        if lazy_set and not img.get("srcset"):
            img.set("srcset", lazy_set)
