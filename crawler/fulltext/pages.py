"""Feed items and their web pages: when to follow the link, reading a page, filling the item."""

from __future__ import annotations

import re

from archive.text import html_to_text
from crawler.config import SourceConfig
from crawler.extract import Extracted, Rules, extract_article
from crawler.feeds.encoding import decode
from crawler.items import ArticleItem
from crawler.limits.nesting import bound_depth
from crawler.outcome.drift import DriftHistory

SUMMARY_CHARS = 500  # feed text shorter than this, with no full-content element, is a summary
_TEASER_END = re.compile(
    r"(…|\.\.\.|\[…\]|\[\.\.\.\]|\bread more|\bcontinue reading|\bmore\s*»|\bweiterlesen|"
    r"\blire la suite|\bleer más|阅读全文|查看全文|全文|続きを読む|더보기)\W*$", re.I)


def wants_page(item: ArticleItem, source: SourceConfig, summary_only: bool) -> bool:
    """Follow the link when the source asks for full text or the feed gives only a teaser.

    A teaser: text ending in an ellipsis or a "read more" link, or no content:encoded /
    Atom content and under SUMMARY_CHARS characters of text. `full_text = false` never
    follows."""
    if not item.link or not item.link.startswith(("http://", "https://")):
        return False
    if source.full_text is not None:
        return source.full_text
    text = _text(item.content)
    if _TEASER_END.search(text):
        return True
    return summary_only and len(text) < SUMMARY_CHARS


def rules_for(source: SourceConfig | None) -> Rules:
    if source is None:
        return Rules()
    return source.rules  # compiled when the configuration was loaded


def read_page(body: bytes, content_type: str | None, url: str, rules: Rules) -> Extracted:
    """Decode and extract one page; ExtractError when it cannot be decoded or holds nothing."""
    return extract_article(decode(body, content_type, url=url).text, url, rules)


def fill(item: ArticleItem, article: Extracted, prefer_page: bool) -> None:
    """The page's body replaces the teaser; its metadata fills gaps (or wins: prefer_page)."""
    if len(article.text) >= len(_text(item.content)):
        item.content = article.body_html
        item.base = None  # the page's relative links stand on the page, not the feed's base
    meta = article.meta
    if meta.title and (prefer_page or not item.title):
        item.title = meta.title
    if meta.author and (prefer_page or not item.author):
        item.author = meta.author
    date = meta.published or meta.modified
    if date and (prefer_page or not item.date):
        item.date = date
    if meta.cover and meta.cover not in item.media_images:
        if prefer_page:
            item.media_images.insert(0, meta.cover)
        else:
            item.media_images.append(meta.cover)
    if meta.language and (prefer_page or not item.language):
        item.language = meta.language


def page_problems(source: SourceConfig, article: Extracted, history: DriftHistory | None
                  ) -> list[str]:
    """Drift warnings for one extracted page: a selector that matched nothing, short text."""
    problems = []
    if article.selector_missed:
        problems.append(f"{article.url}: content_selector {source.content_selector!r} matched "
                        "nothing: the page layout may have changed (used automatic extraction)")
    if history is not None:
        warning = history.check(source.name, len(article.text), article.url)
        if warning:
            problems.append(warning)
    return problems


def _text(content: str) -> str:
    """The feed item's text on one line, as long as a reader would find it."""
    return html_to_text(bound_depth(content).html, inline=True)
