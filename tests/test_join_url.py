"""One URL joiner that never raises: a bad URL costs its own entry, never the whole source."""

from __future__ import annotations

import json
from pathlib import Path

import frontmatter
import pytest

from archive.urls import canonical_link, join_url
from crawler.backfill.discover import read_listing, read_sitemap
from crawler.feeds.parse import parse_feed
from tests._history import article_page, listing_page, sitemap
from tests.conftest import LocalSite, archive_files, feedvault, rss_feed, toml_value, write_config

BAD = "http://[oops"

JOINS = {
    "relative path": ("http://a.example/x/", "b", "http://a.example/x/b"),
    "root-relative": ("http://a.example/x/", "/b?q=1", "http://a.example/b?q=1"),
    "protocol-relative": ("https://a.example/", "//b.example/c", "https://b.example/c"),
    "absolute kept": ("http://a.example/", "https://b.example/p#f", "https://b.example/p#f"),
    "spaces around": ("http://a.example/", "  /p  ", "http://a.example/p"),
    "CJK path kept": ("http://a.example/", "/文章/1", "http://a.example/文章/1"),
    "mailto is a URL": ("http://a.example/", "mailto:a@b.example", "mailto:a@b.example"),
    "unclosed IPv6": ("http://a.example/", BAD, None),
    "bad IPv6 with path": ("http://a.example/", "http://[oops]/x", None),
    "bad base": (BAD, "x", None),
    "port out of range": ("http://a.example/", "http://b.example:99999/", None),
    "port not a number": ("http://a.example/", "http://b.example:abc/", None),
    "still relative": ("", "/p", None),
    "no base, relative": (None, "p", None),
    "empty": ("http://a.example/", "   ", None),
    "none": ("http://a.example/", None, None),
    "web URL without a host": ("", "http:///p", None),
}


@pytest.mark.parametrize(("base", "url", "expected"), JOINS.values(), ids=JOINS.keys())
def test_join_url(base: str | None, url: str | None, expected: str | None) -> None:
    assert join_url(base, url) == expected


def test_canonical_link_reads_through_join_url() -> None:
    assert canonical_link(BAD, "http://a.example/") is None
    assert canonical_link("/P?q#f", "http://A.Example/x") == "http://a.example/P?q#f"
    assert canonical_link("/P#f", "http://a.example/", fragment=False) == "http://a.example/P"


def _json_feed(base: str) -> str:
    return json.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": "J",
        "items": [
            {"id": "1", "url": f"{base}/posts/1", "title": "Good one",
             "content_html": "<p>one</p>", "image": BAD},
            {"url": BAD, "title": "Broken", "content_html": "<p>broken</p>"},
            {"id": "3", "url": "/posts/3", "title": "Good two", "content_html": "<p>two</p>",
             "date_published": "2024-01-02T10:30:00+08:00"},
        ],
    })


def test_json_feed_parse_skips_only_the_item_with_a_bad_url() -> None:
    feed = parse_feed(_json_feed("http://a.example").encode(), "http://a.example/feed.json",
                      {"Content-Type": "application/feed+json"})
    assert [e.title for e in feed.entries] == ["Good one", "Good two"]
    assert feed.entries[1].link == "http://a.example/posts/3"
    assert feed.entries[0].media_images == []  # the bad image URL is dropped, not raised
    assert feed.problem is not None and "item 2 skipped" in feed.problem and BAD in feed.problem
    assert not feed.unusable


def test_json_feed_with_one_bad_item_archives_the_other_two(site: LocalSite,
                                                            tmp_path: Path) -> None:
    url = site.write("feed.json", _json_feed(site.base))
    config = write_config(tmp_path, [{"name": "j", "url": url}])
    result = feedvault("crawl", "--config", config, "--report", tmp_path / "report.json")
    assert "Traceback" not in result.stderr
    assert result.returncode == 0, result.stdout + result.stderr
    titles = sorted(frontmatter.load(p)["title"] for p in archive_files(tmp_path / "posts"))
    assert titles == ["Good one", "Good two"]
    source = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["sources"][0]
    assert source["status"] == "ok" and source["new"] == 2
    assert [p for p in source["problems"] if "not a usable URL" in p] == [
        f"{url}: item 2 skipped: link {BAD!r} is not a usable URL and it has no id"]


def test_rss_item_with_a_bad_link_and_no_guid_is_skipped_and_reported(site: LocalSite,
                                                                      tmp_path: Path) -> None:
    items = [{"title": "Kept", "link": f"{site.base}/k", "description": "<p>k</p>"},
             {"title": "Broken", "link": BAD, "description": "<p>b</p>"}]
    url = site.write("f.xml", rss_feed(items))
    config = write_config(tmp_path, [{"name": "t", "url": url}])
    result = feedvault("crawl", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(archive_files(tmp_path / "posts")) == 1
    assert "item 2 skipped: link 'http://[oops' is not a usable URL" in result.stdout


def test_a_feed_whose_only_item_is_skipped_is_not_a_broken_feed() -> None:
    body = rss_feed([{"title": "Broken", "link": BAD, "description": "<p>b</p>"}])
    feed = parse_feed(body.encode(), "http://a.example/feed.xml")
    assert feed.entries == [] and feed.skipped == 1 and not feed.unusable
    assert feed.problem == f"item 1 skipped: link {BAD!r} is not a usable URL and it has no id"


def test_sitemap_and_listing_readers_skip_a_bad_url() -> None:
    base = "http://a.example"
    body = sitemap(base, range(2)).replace("</urlset>", f"<url><loc>{BAD}</loc></url></urlset>")
    found, children, problem = read_sitemap(body.encode(), f"{base}/sitemap.xml")
    assert [f.url for f in found] == [f"{base}/posts/0.html", f"{base}/posts/1.html"]
    assert children == [] and problem is not None and BAD in problem
    page = listing_page(1, 3, 3).replace("</main>", f'<h2><a href="{BAD}">Bad</a></h2></main>')
    found, _, problem = read_listing(page.encode(), "text/html", f"{base}/page/1", "h2 a",
                                     None, None)
    assert [f.url for f in found] == [f"{base}/posts/{n}.html" for n in range(3)]
    assert problem is not None and "1 URLs skipped" in problem


def _backfill_config(tmp_path: Path, site: LocalSite, backfill: dict[str, object]) -> Path:
    table = "\n".join(f"{k} = {toml_value(v)}" for k, v in backfill.items())
    path = write_config(tmp_path, [{"name": "blog", "url": site.url("feed.xml")}],
                        extra="[scrapy]\nAUTOTHROTTLE_ENABLED = false\n")
    path.write_text(path.read_text(encoding="utf-8") + f"\n[sources.backfill]\n{table}\n",
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("method", ["sitemap", "listing"])
def test_backfill_with_a_bad_url_keeps_the_rest_of_the_source(site: LocalSite, tmp_path: Path,
                                                              method: str) -> None:
    for n in range(3):
        site.write(f"posts/{n}.html", article_page(n))
    site.write("feed.xml", rss_feed([]))
    if method == "sitemap":
        site.write("sitemap.xml", sitemap(site.base, range(3)).replace(
            "</urlset>", f"<url><loc>{BAD}</loc><lastmod>2024-06-30</lastmod></url></urlset>"))
        backfill: dict[str, object] = {"sitemap": site.url("sitemap.xml")}
    else:
        site.write("page/1", listing_page(1, 3, 3).replace(
            "</main>", f'<article><h2><a href="{BAD}">Bad</a></h2></article></main>'))
        backfill = {"list_url": site.url("page/{page}"), "item_links": "h2 a"}
    result = feedvault("backfill", "blog", "--config", _backfill_config(tmp_path, site, backfill))
    assert "Traceback" not in result.stderr
    assert result.returncode == 0, result.stdout + result.stderr
    titles = sorted(frontmatter.load(p)["title"] for p in archive_files(tmp_path / "posts"))
    assert titles == ["Post 0", "Post 1", "Post 2"]
    assert f"1 URLs skipped, not usable: {BAD!r}" in result.stdout + result.stderr


def test_json_feed_fields_of_the_wrong_type_are_none() -> None:
    """`tags`, `attachments` and `authors` that are not arrays read as empty, never a crash."""
    body = ('{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": ['
            '{"id": "1", "url": "http://a.example/1", "content_html": "<p>x</p>",'
            ' "tags": 5, "attachments": 5, "authors": 5}]}')
    feed = parse_feed(body.encode(), "http://a.example/feed.json",
                      {"Content-Type": "application/feed+json"})
    assert feed.problem is None
    assert [(e.link, e.categories, e.media_images, e.author) for e in feed.entries] == [
        ("http://a.example/1", [], [], None)]
