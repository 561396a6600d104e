"""Golden files for feed parsing: each feed in tests/site/feeds/ beside the entries it must give."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from archive import Archive
from crawler.feeds.parse import parse_feed
from tests._golden import cases, check, expected_path
from tests.conftest import SITE, LocalSite, archive_files, feedvault, write_config

FEEDS = cases("feeds", "*.*")
CONTENT_TYPES = {".xml": "application/xml", ".json": "application/feed+json",
                 ".html": "text/html; charset=utf-8"}
# What a feed entry carries into the archive, read by attribute so the entry's class may change.
ENTRY_FIELDS = ("title", "link", "guid", "author", "date", "content", "media_images",
                "summary_only")


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def parsed_as_json(path: Path) -> str:
    """The parse of one golden feed, served from http://example.invalid/feeds/<name>."""
    url = f"http://example.invalid/feeds/{path.name}"
    feed = parse_feed(path.read_bytes(), url, {"Content-Type": CONTENT_TYPES[path.suffix]})
    result = {
        "title": feed.title,
        "version": feed.version,
        "problem": feed.problem,
        "entries": [{name: _plain(getattr(entry, name)) for name in ENTRY_FIELDS}
                    for entry in feed.entries],
    }
    return json.dumps(result, ensure_ascii=False, indent=2) + "\n"


def test_there_are_golden_feeds_of_each_kind() -> None:
    assert {p.suffix for p in FEEDS} == {".xml", ".json", ".html"}
    assert len(FEEDS) >= 6


@pytest.mark.parametrize("path", FEEDS, ids=lambda p: p.name)
def test_feed_parses_to_its_golden_entries(path: Path) -> None:
    check(expected_path(path, ".json"), parsed_as_json(path))


def _one_item(item: str) -> Any:
    body = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
            f"<item><guid>g</guid><title>x</title>{item}</item></channel></rss>").encode()
    [entry] = parse_feed(body, "http://example.invalid/feeds/one.xml").entries
    return entry


def test_an_rss_author_with_a_long_top_level_domain_keeps_its_name() -> None:
    assert _one_item("<author>ed@example.online (The Editor)</author>").author == "The Editor"


def test_an_rss_author_with_a_short_top_level_domain_keeps_its_name() -> None:
    assert _one_item("<author>ed@example.org (The Editor)</author>").author == "The Editor"


@pytest.mark.parametrize(("author", "name"), [
    ("The Editor &lt;ed@example.online&gt;", "The Editor"),
    ("&quot;The Editor&quot; &lt;ed@example.org&gt;", "The Editor"),
    ("mailto:ed@example.museum (The Editor)", "The Editor"),
    ("ed@example.online", "ed@example.online"),  # no name: the address is all there is
    ("Jane Doe (guest author)", "Jane Doe (guest author)"),  # no address: kept whole
    ("ed@example.org (Ed (Jr.))", "Ed (Jr.)"),
])
def test_an_rss_author_gives_the_name_it_holds(author: str, name: str) -> None:
    assert _one_item(f"<author>{author}</author>").author == name


@pytest.mark.parametrize(("author", "name"), [
    ("<name>Grace Hopper</name><email>grace@example.online</email>", "Grace Hopper"),
    ("<name>Grace Hopper</name>", "Grace Hopper"),
    ("<email>grace@example.online</email>", "grace@example.online"),
])
def test_an_atom_author_gives_its_name(author: str, name: str) -> None:
    body = (f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
            f"<entry><id>g</id><title>x</title><author>{author}</author></entry></feed>").encode()
    [entry] = parse_feed(body, "http://example.invalid/feeds/atom.xml").entries
    assert entry.author == name


def test_an_item_whose_date_does_not_parse_has_no_date() -> None:
    assert _one_item("<pubDate>not a date</pubDate>").date is None


@pytest.fixture
def golden_site() -> Iterator[LocalSite]:
    """tests/site/ served as it is on 127.0.0.1 (read only: nothing is written there)."""
    local = LocalSite(SITE)
    local.thread.start()
    yield local
    local.server.shutdown()
    local.server.server_close()


@pytest.mark.parametrize("name", ["rss2-cdata-enclosure.xml", "atom-xml-base-html-title.xml",
                                  "rss1-rdf.xml"])
def test_a_crawl_of_a_golden_feed_archives_its_golden_entries(
        name: str, golden_site: LocalSite, tmp_path: Path) -> None:
    config = write_config(tmp_path, [{"name": "golden", "url": golden_site.url(f"feeds/{name}")}])
    result = feedvault("crawl", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    golden = json.loads(expected_path(SITE / "feeds" / name, ".json").read_text(encoding="utf-8"))
    root = tmp_path / "posts"
    with Archive(root) as archive:
        archived = sorted(
            (a.guid, a.title, a.original_url, a.author, a.date.isoformat() if a.date else None)
            for a in (archive.load(p.relative_to(root).as_posix()) for p in archive_files(root)))
    # an entry without an author is credited to the feed (pipelines/normalize.py)
    assert archived == sorted(
        (e["guid"], e["title"], e["link"], e["author"] or golden["title"], e["date"])
        for e in golden["entries"])


def test_a_crawl_resolves_relative_links_in_atom_content_against_xml_base(
        golden_site: LocalSite, tmp_path: Path) -> None:
    config = write_config(tmp_path, [{"name": "golden", "url": golden_site.url(
        "feeds/atom-xml-base-html-title.xml")}])
    result = feedvault("crawl", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    root = tmp_path / "posts"
    with Archive(root) as archive:
        bodies = [archive.load(p.relative_to(root).as_posix()).body for p in archive_files(root)]
    # `other` under xml:base http://example.invalid/atom/, in the entry .../atom/entries/1
    assert any('href="http://example.invalid/atom/other"' in body for body in bodies), bodies
