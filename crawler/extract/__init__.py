"""Article extraction from web pages (no Scrapy here: `feedvault extract` reuses it as is)."""

from crawler.extract.article import MAX_PAGES, Extracted, extract_article, extract_pages, join
from crawler.extract.metadata import PageMeta, read_metadata
from crawler.extract.rules import Rules, compile_selector

__all__ = [
    "MAX_PAGES",
    "Extracted",
    "PageMeta",
    "Rules",
    "compile_selector",
    "extract_article",
    "extract_pages",
    "join",
    "read_metadata",
]
