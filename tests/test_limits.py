"""Limits against hostile sizes: items per feed, nesting depth, sitemap chains, file:// sizes."""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
from pathlib import Path

import frontmatter
import pytest

from archive import ConfigError
from crawler.config import load_config
from crawler.extract import extract_article
from crawler.feeds.parse import parse_feed
from crawler.limits.nesting import bound_depth
from pipelines._body import BodyCleaner
from tests._history import article_page, listing_page, sitemap, sitemap_index
from tests.conftest import REPO, LocalSite, archive_files, feedvault, rss_feed, rss_item, write_config
from tests.test_backfill import _config

DEEP = 100_000


def _nested(depth: int, inner: str) -> str:
    return "<div>" * depth + inner + "</div>" * depth


def _bodies(root: Path) -> dict[str, str]:
    return {(post := frontmatter.load(p))["title"]: post.content for p in archive_files(root)}


# Items per feed.
def test_a_100000_item_feed_reads_its_first_items_and_says_so(site: LocalSite,
                                                               tmp_path: Path) -> None:
    url = site.write("f.xml", rss_feed([rss_item(n) for n in range(DEEP)]))
    config = write_config(tmp_path, [{"name": "big", "url": url}],
                          extra="[crawl]\nmax_items = 30\n")
    result = feedvault("crawl", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(_bodies(tmp_path / "posts")) == sorted(f"Article {n}" for n in range(30))
    assert (f"{url}: feed has 100000 items; only the first 30 were read ([crawl] max_items)"
            in result.stdout)


def test_the_default_reads_2000_items_of_rss_atom_and_json_feeds() -> None:
    rss = rss_feed([rss_item(n) for n in range(DEEP)]).encode()
    feed = parse_feed(rss, "http://127.0.0.1/f.xml")
    assert (len(feed.entries), feed.total, feed.problem) == (2000, DEEP, None)
    assert feed.entries[-1].title == "Article 1999"
    entries = "".join(f"<entry><id>urn:{n}</id><title>E {n}</title>"
                      f"<content type='html'><![CDATA[<p>an </entry> inside {n}</p>]]></content>"
                      "</entry>" for n in range(5))
    atom = ("<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><title>A</title>"
            f"{entries}</feed>").encode()
    feed = parse_feed(atom, "http://127.0.0.1/a.xml", max_items=3)
    assert ([e.title for e in feed.entries], feed.total, feed.problem) == (
        ["E 0", "E 1", "E 2"], 5, None)
    items = [{"id": str(n), "content_text": f"t{n}"} for n in range(2500)]
    data = json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": items}).encode()
    feed = parse_feed(data, "http://127.0.0.1/f.json")
    assert (len(feed.entries), feed.total) == (2000, 2500)
    assert parse_feed(rss_feed([rss_item(1)]).encode(), "http://127.0.0.1/f").total is None


def test_closing_tags_quoted_inside_cdata_do_not_count_as_items() -> None:
    # more `</entry>` in the bytes than max_items, but only three entries: all three read
    entries = "".join(f"<entry><id>urn:{n}</id><title>E {n}</title>"
                      "<content type='html'><![CDATA[<p></entry></entry> quoted</p>]]></content>"
                      "</entry>" for n in range(3))
    atom = ("<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><title>A</title>"
            f"{entries}</feed>").encode()
    feed = parse_feed(atom, "http://127.0.0.1/a.xml", max_items=3)
    assert ([e.title for e in feed.entries], feed.total, feed.problem) == (
        ["E 0", "E 1", "E 2"], None, None)


@pytest.mark.parametrize(("extra", "message"), [
    ("[crawl]\nmax_items = 0", "crawl.max_items: expected a whole number >= 1, got 0"),
    ("[clean]\nmax_depth = 300", "clean.max_depth: expected a whole number from 8 to 200"),
])
def test_limits_are_validated(tmp_path: Path, extra: str, message: str) -> None:
    config = write_config(tmp_path, [{"name": "a", "url": "http://127.0.0.1/f"}], extra=extra)
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(config)


# Nesting depth.
def test_a_body_1000_deep_keeps_its_text() -> None:
    body = BodyCleaner().clean(_nested(1000, "<p>the words <a href='/x'>linked</a></p>"),
                               "http://127.0.0.1/a")
    assert "the words linked" in " ".join(body.html.split())
    assert body.unwrapped == 1000 + 2 - 128  # the divs, the p and the a below level 128


def test_a_shallow_body_is_untouched_by_the_depth_bound() -> None:
    html = "<p>a<p>b" * 300 + _nested(100, "<ul><li>x<li>y</ul>")
    assert bound_depth(html).html == html
    assert bound_depth(html).unwrapped == 0


def test_deeper_elements_are_unwrapped_with_their_text_and_images() -> None:
    html = "<div><section><b>one <i>two <img src=a.png> three</i> four</b></section></div>"
    bounded = bound_depth(html, limit=2)
    assert bounded.html == "<div><section> one  two <img src=a.png> three four</section></div>"
    assert bounded.unwrapped == 2


def test_a_100000_deep_body_and_a_1000_deep_body_are_archived_with_their_text(
        site: LocalSite, tmp_path: Path) -> None:
    items = [rss_item(1, description=_nested(DEEP, "<p>deep text kept</p>")),
             rss_item(2, description=_nested(1000, "<p>thousand deep</p>"))]
    config = write_config(tmp_path, [{"name": "deep", "url": site.write("f.xml", rss_feed(items))}])
    result = feedvault("crawl", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    bodies = _bodies(tmp_path / "posts")
    assert "deep text kept" in bodies["Article 1"]
    assert "thousand deep" in bodies["Article 2"]
    assert ("http://example.invalid/posts/1: body nested deeper than 128 levels; 99873 elements "
            "below were unwrapped, their text kept ([clean] max_depth)") in result.stdout


def _deep_page() -> str:
    text = "A long article sentence, with commas, and enough words to be the content. " * 20
    return ("<html><head><title>Deep</title></head><body><nav>menu</nav>"
            + _nested(DEEP, f"<article><h1>Deep</h1><p>{text}</p></article>") + "</body></html>")


def test_full_text_of_a_100000_deep_page_keeps_the_article(site: LocalSite,
                                                            tmp_path: Path) -> None:
    extracted = extract_article(_deep_page(), "http://127.0.0.1/deep.html")
    assert "enough words to be the content" in extracted.body_html
    link = site.write("deep.html", _deep_page())
    feed = rss_feed([rss_item(1, link=link, description="<p>A teaser</p>")])
    config = write_config(tmp_path, [{"name": "deep", "url": site.write("f.xml", feed),
                                      "full_text": True}])
    result = feedvault("crawl", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "enough words to be the content" in _bodies(tmp_path / "posts")["Article 1"]


# file:// and data: sizes.
def test_special_and_oversized_files_as_feed_urls_are_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    sparse = tmp_path / "sparse.xml"
    with sparse.open("wb") as f:
        f.truncate(64 * 1024 * 1024 * 1024)  # 64 GB of nothing, on no disk
    small = tmp_path / "small.xml"
    small.write_text(rss_feed([rss_item(n) for n in range(20)]), encoding="utf-8")
    sources = [{"name": "zero", "url": "file:///dev/zero"},
               {"name": "fifo", "url": fifo.as_uri()},
               {"name": "sparse", "url": sparse.as_uri()},
               {"name": "small", "url": small.as_uri()}]
    config = write_config(tmp_path, sources, extra="[scrapy]\nDOWNLOAD_MAXSIZE = 2000\n")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = feedvault("crawl", "--config", config, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KB, the largest child yet
    assert peak == before or peak < 400_000  # the crawl stayed well under 400 MB
    assert "Traceback" not in result.stderr
    out = result.stdout
    assert ("zero: file:///dev/zero: feed not fetched (/dev/zero is a character device, "
            "not a regular file: not read)") in out
    assert f"fifo: {fifo.as_uri()}: feed not fetched ({fifo} is a FIFO" in out
    assert (f"({sparse} is 68,719,476,736 bytes, more than DOWNLOAD_MAXSIZE (2,000 bytes): "
            "not read)") in out
    assert f"({small} is {small.stat().st_size:,} bytes, more than DOWNLOAD_MAXSIZE" in out
    assert not archive_files(tmp_path / "posts")


def test_a_file_feed_within_the_limit_is_read(tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text(rss_feed([rss_item(n) for n in range(3)]), encoding="utf-8")
    config = write_config(tmp_path, [{"name": "f", "url": feed.as_uri()}])
    result = feedvault("crawl", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(archive_files(tmp_path / "posts")) == 3


# Backfill.
def test_a_sitemap_index_chain_stops_at_max_depth(site: LocalSite, tmp_path: Path) -> None:
    for n in range(10):  # index n lists itself, index n+1 and a sitemap with article n
        site.write(f"posts/{n}.html", article_page(n))
        site.write(f"leaf-{n}.xml", sitemap(site.base, range(n, n + 1)))
        site.write(f"index-{n}.xml", sitemap_index(
            [site.url(f"index-{n}.xml"), site.url(f"index-{n + 1}.xml"),
             site.url(f"leaf-{n}.xml")]))
    config = _config(tmp_path, site, {"sitemap": site.url("index-0.xml")})
    result = feedvault("backfill", "blog", "--config", config, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    # index-0 is depth 0; index-5 (depth 5) is the deepest read; leaf-5 would be depth 6
    assert len(site.served("index-0.xml")) == 1
    assert site.served("index-5.xml") and not site.served("index-6.xml")
    assert sorted(_bodies(tmp_path / "posts")) == [f"Post {n}" for n in range(5)]
    assert (f"{site.url('index-5.xml')}: sitemap indexes nested deeper than 5 levels; its 3 "
            "child sitemaps not read ([sources.backfill] max_depth)") in result.stdout


def test_max_pages_stops_a_run_and_the_next_run_continues(site: LocalSite,
                                                          tmp_path: Path) -> None:
    for n in range(12):
        site.write(f"posts/{n}.html", article_page(n))
    for page in range(1, 5):
        site.write(f"page/{page}", listing_page(page, 3, 12))
    config = _config(tmp_path, site, {"list_url": site.url("page/{page}"), "item_links": "h2 a",
                                      "max_pages": 2})
    result = feedvault("backfill", "blog", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(archive_files(tmp_path / "posts")) == 6
    assert ("backfill stopped after 2 history pages in this run ([sources.backfill] max_pages)"
            in result.stdout)
    assert "stopped at max_pages = 2: run the same command again" in result.stdout
    again = feedvault("backfill", "blog", "--config", config)
    assert again.returncode == 0, again.stdout + again.stderr
    assert len(archive_files(tmp_path / "posts")) == 12


def test_max_articles_stops_a_run(site: LocalSite, tmp_path: Path) -> None:
    for n in range(12):
        site.write(f"posts/{n}.html", article_page(n))
    site.write("sitemap.xml", sitemap(site.base, range(12)))
    config = _config(tmp_path, site, {"sitemap": site.url("sitemap.xml"), "max_articles": 5})
    result = feedvault("backfill", "blog", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(archive_files(tmp_path / "posts")) == 5
    assert ("backfill stopped after 5 articles in this run ([sources.backfill] max_articles)"
            in result.stdout)
    limited = feedvault("backfill", "blog", "--config", config, "--limit", "2")
    assert "stopped at --limit 2" in limited.stdout
    assert len(archive_files(tmp_path / "posts")) == 7


def test_a_deep_html_title_keeps_its_text() -> None:
    atom = ("<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><entry>"
            "<id>urn:1</id><title type='html'>"
            + _nested(5000, "<b>the title</b>").replace("<", "&lt;") + "</title></entry></feed>")
    [entry] = parse_feed(atom.encode(), "http://127.0.0.1/a.xml").entries
    assert entry.title == "the title"


def test_data_urls_are_held_to_download_maxsize() -> None:
    import asyncio
    import base64

    from scrapy import Request
    from scrapy.utils.test import get_crawler

    from crawler.limits.files import TooLarge
    from crawler.limits.handlers import BoundedDataHandler

    handler = BoundedDataHandler(get_crawler(settings_dict={"DOWNLOAD_MAXSIZE": 100}))
    small = asyncio.run(handler.download_request(Request("data:text/plain,hello")))
    assert small.body == b"hello"
    big = "data:text/plain;base64," + base64.b64encode(b"x" * 500).decode()
    with pytest.raises(TooLarge, match=r"500 bytes, more than DOWNLOAD_MAXSIZE \(100 bytes\)"):
        asyncio.run(handler.download_request(Request(big)))


HOSTILE = """
import sys
sys.path.insert(0, {repo!r})
from crawler.feeds.parse import parse_feed
from pipelines._body import BodyCleaner
cleaner = BodyCleaner()
for body in ("<base " * 200_000, "<a " * 200_000, "<div " * 200_000):
    assert cleaner.clean(body, "http://127.0.0.1/a").html.count("<") == 0
for feed in (b"<!DOCTYPE a [" * 200_000, b"<!DOCTYPE a <!DOCTYPE a [" * 100_000,
             "<?xml \xe9".encode("latin-1") * 100_000):  # \xe9: detected, transcoded
    assert parse_feed(feed, "http://127.0.0.1/f.xml").problem
print("done")
"""


def test_unclosed_tags_and_doctypes_by_the_thousand_take_one_scan() -> None:
    # each `<base ` or `<!DOCTYPE a [` once made a regular expression scan to the end of
    # the text: 30,000 of them took 50 s; these 200,000 would take hours
    result = subprocess.run([sys.executable, "-c", HOSTILE.format(repo=str(REPO))],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "done"


def test_extract_and_sources_check_read_local_files_bounded(tmp_path: Path) -> None:
    """`feedvault extract /dev/zero` or a FIFO, and `sources check` of a file:// source that is
    one, end with a message at once instead of reading for ever."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    config = write_config(tmp_path, [{"name": "zero", "url": "file:///dev/zero"},
                                     {"name": "pipe", "url": fifo.as_uri()}])
    for target in ("/dev/zero", str(fifo)):
        result = feedvault("extract", "--config", config, target, timeout=60)
        assert result.returncode != 0
        assert "not a regular file" in result.stdout + result.stderr, result.stderr
    result = feedvault("sources", "check", "--config", config, timeout=60)
    output = result.stdout + result.stderr
    assert "/dev/zero is a character device, not a regular file" in output, output
    assert "is a FIFO" in output or "not a regular file" in output
    assert "Traceback" not in output
