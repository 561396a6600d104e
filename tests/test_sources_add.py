"""`feedvault sources add`: discovery against a local site, the choice, the edited config."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from crawler.config import load_config
from crawler.sources import derive_name
from crawler.sources.blocks import source_blocks
from crawler.sources.discover import feed_links
from tests.conftest import REPO, LocalSite, corpus, feedvault, rss_feed, rss_item

CONFIG = """\
# feedvault for my blogroll
[archive]
path = "posts"   # next to this file

# --- sources, newest last ---

[[sources]]
# the first one
name = "first"
url = "https://first.example/feed.xml"

# how often
[crawl]
interval = "2h"  # polite
"""


def _config(tmp_path: Path, text: str = CONFIG, crawl: str = "") -> Path:
    path = tmp_path / "feedvault.toml"
    path.write_text(text + crawl + ("\n" if crawl else ""), encoding="utf-8")
    return path


def _page(*links: tuple[str, str, str]) -> str:
    heads = "".join(f'<link rel="alternate" type="{kind}" href="{href}" title="{title}">'
                    for kind, href, title in links)
    return f"<!doctype html><html><head><title>Home</title>{heads}</head><body>hi</body></html>"


JSON_FEED = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "JSON side",
                        "items": [{"id": "1", "url": "https://x.example/1",
                                   "content_html": "<p>one</p>"}]})


def _added(config: Path) -> dict[str, object]:
    return tomllib.loads(config.read_text(encoding="utf-8"))["sources"][-1]


def test_a_feed_url_is_added_named_after_its_title_keeping_comments(site: LocalSite,
                                                                      tmp_path: Path) -> None:
    url = site.write("feed.xml", rss_feed([rss_item(1)], title="Café Crème: Notes!"))
    config = _config(tmp_path)
    result = feedvault("sources", "add", url, "--category", "Food", "--category", "Blogs",
                       "--config", config)
    assert result.returncode == 0, result.stderr
    assert "added source 'cafe-creme-notes'" in result.stdout
    text = config.read_text(encoding="utf-8")
    assert text.startswith(CONFIG.split("# how often")[0])  # every byte before, comments too
    assert text.endswith('\n\n# how often\n[crawl]\ninterval = "2h"  # polite\n')
    assert _added(config) == {"name": "cafe-creme-notes", "url": url,
                              "categories": ["Food", "Blogs"]}
    assert load_config(config).source("cafe-creme-notes").categories == ("Food", "Blogs")


def test_a_page_with_one_feed_link(site: LocalSite, tmp_path: Path) -> None:
    site.write("blog/atom.xml", rss_feed([rss_item(1)], title="The Blog"))
    page = site.write("blog/post/1.html", _page(("application/rss+xml", "../atom.xml", "RSS")))
    config = _config(tmp_path)
    result = feedvault("sources", "add", page, "--config", config)
    assert result.returncode == 0, result.stderr
    assert _added(config) == {"name": "the-blog", "url": site.url("blog/atom.xml")}
    assert not site.served("feed")  # an advertised feed worked: no guessing


def test_several_feeds_take_the_first_without_a_terminal(site: LocalSite, tmp_path: Path) -> None:
    site.write("rss.xml", rss_feed([rss_item(1)], title="Posts"))
    site.write("feed.json", JSON_FEED)
    page = site.write("index.html", _page(("application/rss+xml", "/rss.xml", "Posts"),
                                          ("application/feed+json", "/feed.json", "JSON")))
    config = _config(tmp_path)
    result = feedvault("sources", "add", page, "--name", "mine", "--config", config)
    assert result.returncode == 0, result.stderr
    assert "2 feeds found" in result.stdout and "JSON Feed, 1 items" in result.stdout
    assert _added(config) == {"name": "mine", "url": site.url("rss.xml")}


def test_several_feeds_on_a_terminal_ask_which(site: LocalSite, tmp_path: Path) -> None:
    site.write("rss.xml", rss_feed([rss_item(1)], title="Posts"))
    site.write("feed.json", JSON_FEED)
    page = site.write("index.html", _page(("application/rss+xml", "/rss.xml", "Posts"),
                                          ("application/feed+json", "/feed.json", "JSON")))
    config = _config(tmp_path)
    controller, terminal = os.openpty()
    os.write(controller, b"7\n2\n")  # a wrong answer first
    try:
        result = subprocess.run(
            [sys.executable, "-m", "crawler.cli", "sources", "add", page, "--config",
             str(config)], stdin=terminal, capture_output=True, text=True, timeout=120,
            cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    finally:
        os.close(terminal)
        os.close(controller)
    assert result.returncode == 0, result.stderr
    assert "type a number from 1 to 2" in result.stdout
    assert _added(config) == {"name": "json-side", "url": site.url("feed.json")}


def test_a_site_with_only_the_usual_path(site: LocalSite, tmp_path: Path) -> None:
    site.write("feed/index.html", rss_feed([rss_item(1)], title="WordPress"))
    page = site.write("index.html", "<html><head><title>No links</title></head></html>")
    config = _config(tmp_path)
    result = feedvault("sources", "add", page, "--yes", "--config", config)
    assert result.returncode == 0, result.stderr
    # /feed redirects to /feed/: one feed, no question
    assert "feeds found" not in result.stdout
    assert _added(config)["name"] == "wordpress"


def test_no_feed_anywhere_adds_nothing(site: LocalSite, tmp_path: Path) -> None:
    page = site.write("index.html", "<html><head><title>Plain</title></head></html>")
    config = _config(tmp_path)
    result = feedvault("sources", "add", page, "--config", config)
    assert result.returncode == 1
    assert "no usable feed found" in result.stderr and "/index.rss" in result.stderr
    assert config.read_text(encoding="utf-8") == CONFIG


def test_a_broken_advertised_feed_is_reported_not_added(site: LocalSite, tmp_path: Path) -> None:
    site.write("broken.xml", "<rss><channel><title>x</title>")
    site.write("empty.xml", rss_feed([], title="Nothing yet"))
    page = site.write("index.html", _page(("application/rss+xml", "/broken.xml", "a"),
                                          ("application/rss+xml", "/gone.xml", "b"),
                                          ("application/atom+xml", "/empty.xml", "c")))
    config = _config(tmp_path)
    before = config.read_text(encoding="utf-8")
    result = feedvault("sources", "add", page, "--config", config)
    assert result.returncode == 1
    assert f"{site.url('gone.xml')}: not fetched (HTTP 404) (advertised feed, not added)" \
        in result.stdout
    assert f"{site.url('broken.xml')}: " in result.stdout
    assert f"{site.url('empty.xml')}: " in result.stdout
    assert config.read_text(encoding="utf-8") == before


def test_an_advertised_feed_at_a_private_address_is_refused(site: LocalSite,
                                                            tmp_path: Path) -> None:
    port = site.base.rsplit(":", 1)[1]
    page = site.write("index.html", _page(
        ("application/rss+xml", f"http://127.0.0.2:{port}/feed.xml", "literal"),
        ("application/rss+xml", f"http://localhost:{port}/feed.xml", "name")))
    site.write("feed.xml", rss_feed([rss_item(1)], title="Local"))
    config = _config(tmp_path)
    result = feedvault("sources", "add", page, "--config", config)
    assert result.returncode == 1
    assert f"http://127.0.0.2:{port}/feed.xml: refused: 127.0.0.2 is a loopback address" \
        in result.stdout
    assert "refused: the host localhost resolves to" in result.stdout
    assert "/feed.xml" not in [p for p, *_ in site.requests]  # never reached through localhost


def test_allow_networks_lets_a_private_feed_through(site: LocalSite, tmp_path: Path) -> None:
    port = site.base.rsplit(":", 1)[1]
    page = site.write("index.html", _page(
        ("application/rss+xml", f"http://localhost:{port}/feed.xml", "name")))
    site.write("feed.xml", rss_feed([rss_item(1)], title="Local"))
    config = _config(tmp_path, crawl='allow_networks = ["127.0.0.0/8", "::1/128"]')
    result = feedvault("sources", "add", page, "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert _added(config)["url"] == f"http://localhost:{port}/feed.xml"


def test_duplicates_are_refused(site: LocalSite, tmp_path: Path) -> None:
    config = _config(tmp_path)
    before = config.read_text(encoding="utf-8")
    result = feedvault("sources", "add", "HTTPS://First.example:443/feed.xml", "--config", config)
    assert result.returncode == 2
    assert "is already the feed of source 'first'" in result.stderr
    url = site.write("feed.xml", rss_feed([rss_item(1)]))
    result = feedvault("sources", "add", url, "--name", "First", "--config", config)
    assert result.returncode == 2 and "a source named 'first' exists" in result.stderr
    assert not site.requests  # refused before any download
    assert config.read_text(encoding="utf-8") == before


def test_the_new_block_goes_after_the_last_source(site: LocalSite, tmp_path: Path) -> None:
    url = site.write("feed.xml", rss_feed([rss_item(1)], title="First"))  # name taken: first-2
    config = _config(tmp_path)
    assert feedvault("sources", "add", url, "--config", config).returncode == 0
    text = config.read_text(encoding="utf-8")
    blocks = source_blocks(text)
    assert text[blocks[-1].start:blocks[-1].end] == f'[[sources]]\nname = "first-2"\nurl = "{url}"\n\n'
    assert [s.name for s in load_config(config).sources] == ["first", "first-2"]


def test_feed_links_resolve_against_base_and_skip_non_feeds() -> None:
    page = (b'<html><head><base href="https://cdn.example/blog/">'
            b'<link rel="alternate" type="application/rss+xml" href="rss.xml" title="RSS">'
            b'<link rel="alternate" type="application/atom+xml" href="rss.xml">'  # the same
            b'<link rel="alternate" type="text/html" href="/fr/" hreflang="fr">'
            b'<link rel="alternate" type="application/json" href="/api.json">'  # not said a feed
            b'<link rel="alternate feed" type="application/json" href="/feed.json">'
            b'<link rel="stylesheet" type="text/css" href="/s.css">'
            b'<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">'
            b"</head></html>")
    assert feed_links(page, "text/html", "https://www.example/post/1") == [
        ("https://cdn.example/blog/rss.xml", "RSS"), ("https://cdn.example/feed.json", None)]


def test_names_are_slugs_made_unique() -> None:
    assert derive_name("Hacker News: Front Page", None, []) == "hacker-news-front-page"
    assert derive_name("Blog", None, ["blog", "BLOG-2"]) == "blog-3"
    assert derive_name("", "https://www.Example.org/feed", []) == "www-example-org"
    assert derive_name("🚀", None, []) == "feed"
    long = derive_name("word " * 40, None, [])
    assert len(long) <= 64 and not long.endswith("-")
    assert len(derive_name("word " * 40, None, [long])) <= 64


def test_an_unreachable_url_is_one_line(site: LocalSite, tmp_path: Path) -> None:
    config = _config(tmp_path)
    result = feedvault("sources", "add", site.url("nothing-here"), "--config", config)
    assert result.returncode == 1
    assert result.stderr == f"feedvault: {site.url('nothing-here')}: not fetched (HTTP 404)\n"
    result = feedvault("sources", "add", "ftp://x.example/feed", "--config", config)
    assert result.returncode == 2 and "expected an http:// or https:// URL" in result.stderr


@pytest.mark.parametrize(("page", "expected"), [
    ("DaringFireball.html", [("https://site.example/feeds/main", None)]),
    ("coco.html", [("https://site.example/feed/all/", "The Atlantic"),
                   ("https://site.example/feed/best-of/", "Best of The Atlantic")]),
    ("YouTubeTheVolvoRocks.html",  # four other rel=alternate links: mobile site, apps
     [("https://www.youtube.com/feeds/videos.xml?channel_id=UCct7QF2jcWRY6dhXWMSq9LQ", "RSS")]),
    ("furbo.html", [("http://furbo.org/feed/", "Iconfactory News Feed")]),
    ("inessential.html", [("http://inessential.com/xml/rss.xml", "RSS")]),
    ("sixcolors.html", [("http://feedpress.me/sixcolors", "RSS")]),
])
def test_feed_links_of_real_pages(page: str, expected: list[tuple[str, str | None]]) -> None:
    body = (corpus("feeds", "netnewswire") / page).read_bytes()
    assert feed_links(body, "text/html", "https://site.example/post/1") == expected


def test_a_json_feed_typed_directly(site: LocalSite, tmp_path: Path) -> None:
    url = site.write("feed.json", JSON_FEED)
    config = _config(tmp_path)
    result = feedvault("sources", "add", url, "--config", config)
    assert result.returncode == 0, result.stderr
    assert "JSON Feed, 1 items" in result.stdout
    assert _added(config) == {"name": "json-side", "url": url}
