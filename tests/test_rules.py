"""A source's selectors are compiled once, when feedvault.toml is loaded, and reused per page."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

import pytest

from crawler.config import load_config
from crawler.extract import extract_article
from crawler.extract import rules as rules_module
from crawler.fulltext.pages import read_page, rules_for
from tests.conftest import write_config

PAGE = """<html><head><title>Post {n}</title></head><body>
<nav>menu</nav><div class="post"><p>Article {n} body text, long enough to keep.</p>
<p class="ad">Buy now</p></div><a class="next" href="/page{m}">next</a></body></html>"""


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    compile_selector = rules_module.compile_selector

    def counting(text: str) -> rules_module.Selector:
        seen.append(text)
        return compile_selector(text)

    monkeypatch.setattr(rules_module, "compile_selector", counting)
    return seen


def _source(tmp_path: Path):  # type: ignore[no-untyped-def]
    path = write_config(tmp_path, [{"name": "blog", "url": "http://127.0.0.1:1/feed",
                                    "content_selector": "div.post", "remove": ["p.ad"],
                                    "next_page": "xpath://a[@class='next']/@href"}])
    return load_config(path).source("blog")


def test_extracting_many_pages_compiles_each_selector_once(tmp_path: Path,
                                                           compiles: list[str]) -> None:
    source = _source(tmp_path)
    compiles.clear()  # what loading compiled is done; pages must not compile again
    for n in range(20):
        page = PAGE.format(n=n, m=n + 1)
        article = read_page(page.encode(), "text/html; charset=utf-8",
                            f"http://127.0.0.1:1/page{n}", rules_for(source))
        assert "Article" in article.text and "Buy now" not in article.text
        assert article.next_page == f"http://127.0.0.1:1/page{n + 1}"
    assert compiles == []


def test_loading_compiles_each_selector_for_the_source(tmp_path: Path,
                                                       compiles: list[str]) -> None:
    source = _source(tmp_path)
    assert sorted(set(compiles)) == ["div.post", "p.ad", "xpath://a[@class='next']/@href"]
    assert source.rules.content_selector == "div.post"


def test_rules_compare_copy_and_pickle_by_their_strings(tmp_path: Path) -> None:
    source = _source(tmp_path)
    assert copy.deepcopy(source) == source and hash(copy.deepcopy(source)) == hash(source)
    assert copy.deepcopy(source).rules is source.rules  # no second compile for a copy
    again = pickle.loads(pickle.dumps(source))
    assert again == source
    article = extract_article(PAGE.format(n=1, m=2), "http://127.0.0.1:1/p", again.rules)
    assert "Buy now" not in article.body_html and "Article 1" in article.text
