"""End to end: teaser feeds whose articles are real corpus pages, drift in crawls and checks."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import frontmatter
from lxml import html as lxml_html

from tests.conftest import LocalSite, archive_files, corpus, feedvault, rss_feed, write_config

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")
READABILITY_PAGES = ("001", "ars-1", "bbc-1", "medium-1", "wordpress")
# GB2312 pages that declare no charset at all (served as text/html without one)
CHINESE_PAGES = ("ab65832c-15b6-4c9e-b64f-3bc575332499", "c38e2b2d-b578-4808-9251-3abf183ef19e")


def _recall(text: str, gold: str) -> float:
    got, want = Counter(_TOKEN.findall(text.lower())), Counter(_TOKEN.findall(gold.lower()))
    return sum((got & want).values()) / sum(want.values())


def _text(html: str) -> str:
    return lxml_html.fromstring(f"<div>{html}</div>").text_content()


def _teaser_site(site: LocalSite) -> tuple[str, dict[str, str]]:
    """A summary-only feed linking to corpus pages copied under the site; gold per title."""
    items, gold = [], {}
    for n, name in enumerate(READABILITY_PAGES):
        folder = corpus("pages", "readability", name)
        target = site.root / "r" / name / "page.html"
        target.parent.mkdir(parents=True)
        shutil.copy(folder / "source.html", target)
        gold[f"R{n}"] = _text((folder / "expected.html").read_text(encoding="utf-8"))
        items.append({"title": f"R{n}", "link": site.url(f"r/{name}/page.html"),
                      "guid": f"urn:r:{n}", "description": "<p>A short teaser…</p>",
                      "pubDate": "Mon, 01 Jan 2024 10:00:00 +0000"})
    for n, name in enumerate(CHINESE_PAGES):
        root = corpus("pages", "chinese-web")
        shutil.copy(root / "original" / f"{name}.html", site.root / f"c{n}.html")
        gold[f"C{n}"] = (root / "cleaned" / f"{name}.txt").read_text(encoding="utf-8")
        items.append({"title": f"C{n}", "link": site.url(f"c{n}.html"), "guid": f"urn:c:{n}",
                      "description": "<p>摘要</p>"})
    return site.write("feed.xml", rss_feed(items)), gold


def test_summary_only_feed_archives_the_full_articles(site: LocalSite, tmp_path: Path) -> None:
    url, gold = _teaser_site(site)
    config = write_config(tmp_path, follow_pages=True, sources=[{"name": "t", "url": url}])
    result = feedvault("crawl", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    files = archive_files(tmp_path / "posts")
    assert len(files) == len(gold)
    for path in files:
        post = frontmatter.load(path)
        text = _text(post.content)
        assert _recall(text, gold[post["title"]]) > 0.9, (post["title"], text[:300])
        assert "\ufffd" not in text and "A short teaser" not in text
    # the page's date fills in where the feed had none (C0, C1 have no pubDate)
    history = json.loads((tmp_path / "posts" / ".feedvault" / "extraction.json").read_text())
    assert len(history["t"]) == len(gold)


def test_drifted_selector_is_reported_by_check_and_crawl(site: LocalSite, tmp_path: Path
                                                        ) -> None:
    page = corpus("pages", "readability", "001", "source.html")
    shutil.copy(page, site.root / "a.html")
    url = site.write("feed.xml", rss_feed([{
        "title": "A", "link": site.url("a.html"), "guid": "urn:a",
        "description": "<p>Teaser</p>", "pubDate": "Mon, 01 Jan 2024 10:00:00 +0000"}]))
    good = write_config(tmp_path, follow_pages=True, sources=[{"name": "t", "url": url, "content_selector": "article"}])
    result = feedvault("sources", "check", "--config", good)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 items" in result.stdout and "content_selector" in result.stdout

    drifted = write_config(tmp_path, follow_pages=True, sources=[{"name": "t", "url": url,
                                       "content_selector": "div.story-body"}])
    result = feedvault("sources", "check", "--config", drifted)
    assert result.returncode == 1
    assert "t: BROKEN" in result.stdout
    assert "'div.story-body' matched nothing" in result.stdout
    result = feedvault("crawl", "--config", drifted)
    assert "'div.story-body' matched nothing" in result.stdout
    [path] = archive_files(tmp_path / "posts")
    assert "code coverage" in frontmatter.load(path).content  # automatic extraction took over


def test_text_far_shorter_than_usual_is_reported(site: LocalSite, tmp_path: Path) -> None:
    page = corpus("pages", "readability", "001", "source.html")
    shutil.copy(page, site.root / "a.html")
    url = site.write("feed.xml", rss_feed([{
        "title": "A", "link": site.url("a.html"), "guid": "urn:a", "description": "<p>T…</p>"}]))
    config = write_config(tmp_path, follow_pages=True, sources=[{"name": "t", "url": url, "content_selector": "h1"}])
    hidden = tmp_path / "posts" / ".feedvault"
    hidden.mkdir(parents=True)
    (hidden / "extraction.json").write_text(json.dumps({"t": [5000, 5200, 4900, 5100]}))
    check = feedvault("sources", "check", "--config", config)
    assert check.returncode == 1
    assert "the source usually gives 5050" in check.stdout
    crawl = feedvault("crawl", "--config", config)
    assert "the source usually gives 5050" in crawl.stdout


def test_extract_jsonl_gives_one_line_per_page_in_order(tmp_path: Path) -> None:
    root = corpus("pages")
    pages = sorted(str(p) for p in root.glob("readability/*/source.html"))
    pages += sorted(str(p) for p in root.glob("chinese-web/original/*.html"))
    pages += sorted(str(p) for p in root.glob("newspaper/html/*.html"))
    inputs = [*pages[:3], str(tmp_path / "missing.html"), *pages[3:]]
    result = feedvault("extract", "--jsonl", "--url", "http://fakehost/test/page.html", *inputs)
    lines = [json.loads(line) for line in result.stdout.rstrip("\n").split("\n")]
    assert [line["path"] for line in lines] == inputs
    assert set(lines[0]) == {"path", "title", "author", "date", "cover", "body_html", "text",
                             "images", "error"}
    assert "cannot read" in lines[3]["error"]
    good = [line for line in lines if not line["error"]]
    assert len(good) >= len(pages) - 10, [(x["path"], x["error"]) for x in lines if x["error"]]
    assert result.returncode == 1  # the missing file
    for line in good:  # one Chinese page has a dozen broken bytes in the original
        assert "<script" not in line["body_html"]
        assert line["text"].count("\ufffd") <= max(1, len(line["text"]) // 500), line["path"]


def _part(n: int, nxt: str) -> str:
    return (f"<html><head><title>Page title {n}</title>"
            '<meta property="og:image" content="/cover.jpg">'
            '<meta name="author" content="Page Author"></head><body>'
            f"<nav>menu</nav><div class='story'><p>Part {n} of the story, long enough to count."
            f"</p></div><a class='next' href='{nxt}'>next</a></body></html>")


def test_multi_page_article_is_stitched_and_loops_stop(site: LocalSite, tmp_path: Path) -> None:
    site.write("p1.html", _part(1, "p2.html"))
    site.write("p2.html", _part(2, "p3.html#top"))
    site.write("p3.html", _part(3, "p1.html"))  # back to the start: must not loop
    url = site.write("feed.xml", rss_feed([{
        "title": "Feed title", "link": site.url("p1.html"), "guid": "urn:m",
        "description": "<p>Teaser</p>"}]))
    source = {"name": "m", "url": url, "content_selector": "div.story", "next_page": "a.next"}
    result = feedvault("crawl", "--config", write_config(tmp_path, follow_pages=True, sources=[source]))
    assert result.returncode == 0, result.stdout + result.stderr
    [path] = archive_files(tmp_path / "posts")
    post = frontmatter.load(path)
    assert [f"Part {n}" in post.content for n in (1, 2, 3)] == [True, True, True]
    assert post.content.count("Part 1 ") == 1
    assert "menu" not in post.content
    assert post["title"] == "Feed title"  # the feed's value wins by default
    assert post["author"] == "Page Author"  # the page fills what the feed lacks
    assert post["headimg"] == site.url("cover.jpg")

    (tmp_path / "posts").rename(tmp_path / "old")
    source["prefer_page"] = True
    feedvault("crawl", "--config", write_config(tmp_path, follow_pages=True, sources=[source]))
    [path] = archive_files(tmp_path / "posts")
    assert frontmatter.load(path)["title"] == "Page title 1"
