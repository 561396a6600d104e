"""Golden files for body cleaning: each body in tests/site/clean/ through the real clean step
(CleanPipeline with the source's BodyCleaner, configured by tests/site/clean/feedvault.toml)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.config.files import parse_config
from crawler.extract.article import Extracted
from crawler.feeds.parse import parse_feed
from crawler.fulltext.pages import fill
from crawler.items import ArticleItem
from pipelines.clean import CleanPipeline
from tests._golden import cases, check, expected_path
from tests.conftest import SITE

BODIES = cases("clean", "*.html")
FEED_URL = "http://example.invalid/feed.xml"
ARTICLE_URL = "http://example.invalid/posts/2024/article.html"


@pytest.fixture(scope="module")
def pipeline() -> CleanPipeline:
    """The one touch point with how the clean step is built from a configuration."""
    path = SITE / "clean" / "feedvault.toml"
    return CleanPipeline.from_config(parse_config(path.read_text(encoding="utf-8"), path))


def cleaned(pipeline: CleanPipeline, body: str, link: str | None = ARTICLE_URL,
            base: str | None = None) -> ArticleItem:
    item = ArticleItem(source="golden", feed_url=FEED_URL, title="t", content=body, link=link,
                       base=base)
    return pipeline.process_item(item)


def test_there_are_golden_bodies() -> None:
    assert len(BODIES) >= 4


@pytest.mark.parametrize("path", BODIES, ids=lambda p: p.name)
def test_body_cleans_to_its_golden_html(path: Path, pipeline: CleanPipeline) -> None:
    item = cleaned(pipeline, path.read_text(encoding="utf-8"))
    check(expected_path(path, ".html"), item.content + "\n")


def test_the_first_image_is_the_cover(pipeline: CleanPipeline) -> None:
    item = cleaned(pipeline, (SITE / "clean" / "relative-urls-and-images.html").read_text(
        encoding="utf-8"))
    assert item.cover == "http://example.invalid/posts/2024/img/photo.jpg"


def test_relative_links_in_atom_content_follow_xml_base(pipeline: CleanPipeline) -> None:
    feed = parse_feed((SITE / "feeds" / "atom-xml-base-html-title.xml").read_bytes(),
                      "http://example.invalid/feeds/atom.xml")
    entry = feed.entries[0]
    item = cleaned(pipeline, entry.content, entry.link, entry.base)
    assert 'href="http://example.invalid/atom/other"' in item.content


def test_an_article_page_that_replaces_the_teaser_resolves_links_against_the_page(
        pipeline: CleanPipeline) -> None:
    item = ArticleItem(source="golden", feed_url=FEED_URL, title="t", content="<p>Teaser</p>",
                       link=ARTICLE_URL, base="http://example.invalid/atom/")
    text = "The whole article, much longer than its teaser. " * 5
    fill(item, Extracted(url=ARTICLE_URL, body_html=f'<p>{text}<a href="other">x</a></p>',
                         text=text), prefer_page=False)
    cleaned = pipeline.process_item(item)
    assert 'href="http://example.invalid/posts/2024/other"' in cleaned.content
