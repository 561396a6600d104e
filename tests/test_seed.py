"""The seed golden test: the older system's article, rebuilt from its feed item, crawled for real."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime

import frontmatter
import html5lib
import pytest

from tests.conftest import EXAMPLES, SEED, LocalSite, archive_files, feedvault, write_config

PROXY = "https://cors.zfour.workers.dev/?"


def _seed() -> frontmatter.Post:
    files = sorted(SEED.glob("*.txt")) if SEED.exists() else []
    if not files:
        pytest.skip(f"{SEED} is absent: the shared seed is not beside this checkout")
    return frontmatter.loads(files[0].read_text(encoding="utf-8"))


def _elements(body: str, *tags: str) -> list[tuple[str, str, dict[str, str]]]:
    """(tag, text, attributes) of every element with one of the tags, in document order."""
    tree = html5lib.parse(body, treebuilder="etree", namespaceHTMLElements=False)
    return [
        (el.tag, "".join(el.itertext()).strip(), dict(el.attrib))
        for el in tree.iter()
        if el.tag in tags
    ]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> frontmatter.Post:
    tmp = tmp_path_factory.mktemp("seed")
    (tmp / "site").mkdir()
    shutil.copy(EXAMPLES / "feeds" / "woshipm.xml", tmp / "site" / "latest.xml")
    site = LocalSite(tmp / "site")
    site.thread.start()
    try:
        config = write_config(
            tmp,
            [{
                "name": "woshipm",
                "url": site.url("latest.xml"),
                "categories": ["新媒体", "人人都是产品经理", "最新文章"],
                "author": "人人都是产品经理",
                "remove": [".support-author"],
            }],
            front_matter={"comments": False},
            extra='[images]\nmode = "proxy"\nproxy = "https://cors.zfour.workers.dev/?{url}"\n'
                  'proxy_scope = "http"\n',
        )
        result = feedvault("crawl", "--config", config)
    finally:
        site.server.shutdown()
        site.server.server_close()
    assert result.returncode == 0, result.stdout + result.stderr
    [path] = archive_files(tmp / "posts")
    return frontmatter.load(path)


def test_front_matter_carries_everything_the_seed_did(crawled: frontmatter.Post) -> None:
    seed = _seed()
    assert crawled["title"] == seed["title"]
    assert crawled["categories"] == seed["categories"] == ["新媒体", "人人都是产品经理", "最新文章"]
    assert crawled["author"] == seed["author"]
    assert crawled["comments"] is False
    assert crawled["headimg"] == crawled["thumbnail"] == seed["headimg"] == seed["thumbnail"]
    assert datetime.fromisoformat(crawled["date"]) == datetime(2021, 4, 20, tzinfo=UTC)
    assert crawled["original_url"] == "http://www.woshipm.com/it/4477608.html"
    assert crawled["guid"] == "4477608"


def test_body_keeps_the_content_and_drops_the_tip_widget(crawled: frontmatter.Post) -> None:
    seed_body = _seed().content
    body = crawled.content
    content_tags = ("h2", "h3", "p", "blockquote")
    expected = [(t, x, {"id": a["id"]} if "id" in a else {})
                for t, x, a in _elements(seed_body, *content_tags)]
    got = [(t, x, {"id": a["id"]} if "id" in a else {})
           for t, x, a in _elements(body, *content_tags)]
    tip = [e for e in expected if "打赏" in e[1]]
    assert got == [e for e in expected if e not in tip]
    assert [a["id"] for t, _, a in got if t == "h2"] == [f"toc-{n}" for n in range(1, 6)]

    seed_imgs = [a["src"] for _, _, a in _elements(seed_body, "img")]
    imgs = _elements(body, "img")
    assert [a["src"] for _, _, a in imgs] == seed_imgs
    assert all(a["src"].startswith(PROXY + "http://") for _, _, a in imgs)
    assert all(a.get("referrerpolicy") == "no-referrer" for _, _, a in imgs)
    for banned in ("support-author", "<svg", "<button", "赞赏", "<script"):
        assert banned not in body
    assert not re.search(r"\son\w+=", body)
