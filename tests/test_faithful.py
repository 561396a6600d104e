"""Faithful: cleaning an article's container keeps >= 99% of its words and all its images."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from archive import safe_url
from pipelines._body import BodyCleaner
from tests._pages import (
    CHINESE_BASE,
    READABILITY_BASE,
    best_container,
    content_images,
    decode,
    image_sources,
    page_folders,
    parse,
    tokens,
    visible_text,
)
from tests.conftest import CORPORA, corpus

MIN_KEPT = 0.99
CLEANER = BodyCleaner()

READABILITY = CORPORA / "pages" / "readability"
# Readability kept these widgets in its output; feedvault treats them as furniture, so they are
# not part of what must survive.
FURNITURE_IN_GOLD = {"firefox-nightly-blog": "#comments"}
CHINESE = CORPORA / "pages" / "chinese-web"


def _kept(gold_text: str, cleaned: str) -> float:
    gold = tokens(gold_text)
    total = sum(gold.values())
    return sum((tokens(visible_text(cleaned)) & gold).values()) / total if total else 1.0


def _missing_images(container: etree._Element, base: str, cleaned: str) -> list[str]:
    shown = image_sources(cleaned)
    # the body writes image URLs percent-encoded where unsafe (a browser requests them so too)
    return [url for url in content_images(container, base) if safe_url(url) not in shown]


@pytest.mark.parametrize("folder", page_folders(READABILITY) if READABILITY.exists() else [],
                         ids=lambda p: p.name)
def test_readability_article_keeps_its_words_and_images(folder: Path) -> None:
    expected = (folder / "expected.html").read_text(encoding="utf-8")
    cleaned = CLEANER.clean(expected, READABILITY_BASE).html
    gold = parse(expected)
    for widget in gold.cssselect(FURNITURE_IN_GOLD.get(folder.name, "#none")):
        widget.drop_tree()
    kept = _kept(visible_text(gold), cleaned)
    assert kept >= MIN_KEPT, f"{folder.name}: kept {kept:.3f} of the words"
    missing = _missing_images(gold, READABILITY_BASE, cleaned)
    assert not missing, f"{folder.name}: images lost: {missing}"


def _chinese_pages() -> list[Path]:
    folder = CHINESE / "original"
    return sorted(folder.glob("*.html")) if folder.exists() else []


@pytest.mark.parametrize("page", _chinese_pages(), ids=lambda p: p.stem[:8])
def test_chinese_article_keeps_its_words_and_images(page: Path) -> None:
    gold_text = (CHINESE / "cleaned" / f"{page.stem}.txt").read_text(encoding="utf-8")
    container = best_container(decode(page.read_bytes()), tokens(gold_text))
    html = etree.tostring(container, encoding="unicode", method="html")
    cleaned = CLEANER.clean(html, CHINESE_BASE).html
    # the gold words that the container holds must survive cleaning
    gold = tokens(gold_text) & tokens(visible_text(container))
    total = sum(gold.values())
    kept = sum((tokens(visible_text(cleaned)) & gold).values()) / total
    assert kept >= MIN_KEPT, f"{page.name}: kept {kept:.3f} of {total} words"
    missing = _missing_images(parse(html), CHINESE_BASE, cleaned)
    assert not missing, f"{page.name}: images lost: {missing}"


def test_corpus_pages_were_found() -> None:
    corpus("pages")
    assert len(page_folders(READABILITY)) == 65
    assert len(_chinese_pages()) == 35
