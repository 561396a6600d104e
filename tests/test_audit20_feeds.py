"""Hostile feeds found by the s6 audit: character references, lone surrogates, JSON bombs."""

from __future__ import annotations

from pathlib import Path

import frontmatter
import pytest

from archive.text import clean_text
from crawler.feeds.parse import parse_feed
from tests.conftest import LocalSite, archive_files, feedvault, write_config

JSON_VERSION = '"version": "https://jsonfeed.org/version/1.1"'


def _rss(title: str, encoding: str = "utf-8") -> str:
    return (f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel>'
            "<title>t</title><item><title>" + title + "</title><guid>g1</guid>"
            "<description>text</description></item>"
            "<item><title>Second</title><guid>g2</guid><description>more</description>"
            "</item></channel></rss>")


@pytest.mark.parametrize("ref", ["&#xD800;", "&#55296;", "&#xdfff;", "&#x110000;",
                                 "&#99999999999999999999999;", "&#" + "9" * 5000 + ";"])
def test_a_reference_to_no_character_keeps_the_feed(ref: str) -> None:
    # feedparser's loose parser raised out of parse() on these: the whole feed was lost
    feed = parse_feed(_rss(f"Broken {ref} title").encode(), "http://example.invalid/feed")
    assert [e.title for e in feed.entries] == ["Broken \ufffd title", "Second"]


def test_valid_references_are_untouched() -> None:
    feed = parse_feed(_rss("A&#x42;&#67;&#x1F600;&amp;").encode(), "http://example.invalid/f")
    assert feed.entries[0].title == "ABC\U0001f600&"


def test_a_utf16_feed_with_a_surrogate_reference_keeps_the_feed() -> None:
    feed = parse_feed(_rss("x&#xD800;", "utf-16").encode("utf-16"), "http://example.invalid/f")
    assert [e.title for e in feed.entries] == ["x\ufffd", "Second"]


@pytest.mark.parametrize(("body", "said"), [
    ("{" + JSON_VERSION + ', "items": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply"),
    ("{" + JSON_VERSION + ', "items": [], "n": ' + "1" * 5000 + "}", "digits"),
    ('{"version": "https://jsonfeed.org/version/1", "items": [{"id": ' + "7" * 5000 + "}]}",
     "digits"),
])
def test_json_bombs_are_an_ill_formed_feed(body: str, said: str) -> None:
    feed = parse_feed(body.encode(), "http://example.invalid/feed.json",
                      {"Content-Type": "application/feed+json"})
    assert feed.unusable
    assert feed.problem is not None and feed.problem.startswith("ill-formed JSON Feed")
    assert said in feed.problem


def test_clean_text_drops_what_no_file_or_terminal_should_get() -> None:
    # lone surrogates cannot be written as UTF-8; C1 CSI (U+009B) drives terminals like ESC [
    assert clean_text("a\ud800b\udfff \x9b31mred\x1b[0m \u202egnp.exe \u061c") == \
        "ab 31mred[0m gnp.exe"


def test_lone_surrogates_in_a_json_feed_are_archived_without_them(site: LocalSite,
                                                                  tmp_path: Path) -> None:
    # json.loads gives "\ud800" as a lone surrogate: the store step raised UnicodeEncodeError
    # (an internal error and a traceback per article, the source failed, nothing archived)
    site.write("f.json", "{" + JSON_VERSION + ', "title": "Feed\\ud800", "items": ['
               '{"id": "a1\\ud800", "url": "http://example.invalid/1",'
               ' "title": "Lone \\ud800 surrogate", "content_html": "<p>one</p>",'
               ' "authors": [{"name": "Eve\\udc00"}], "tags": ["x\\ud83dy"]}]}')
    write_config(tmp_path, [{"name": "s", "url": site.url("f.json")}])
    result = feedvault("crawl", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    [path] = archive_files(tmp_path / "posts")
    post = frontmatter.load(path)
    assert (post["title"], post["guid"], post["author"]) == ("Lone surrogate", "a1", "Eve")


def test_text_longer_than_any_date_is_no_date() -> None:
    # dateutil's time grows with the square of the length: a feed of 1 MB pubDates of
    # digits kept a crawl busy for a minute per entry (the reactor blocked, no deadline)
    from crawler.feeds.dates import parse_date

    assert parse_date("Jan" + " " * 300 + "2 2024") is None
    assert parse_date("Mon, " + "1" * 1_000_000) is None
    assert parse_date("Mon, 01 Jan 2024 10:00:00 GMT").isoformat() == "2024-01-01T10:00:00+00:00"


def test_an_element_with_thousands_of_attributes_loses_them_not_the_crawl() -> None:
    # Python's SAX reader looks each attribute up by a linear scan: 50,000 attributes on one
    # item took 86 s of feedparser's time (the reactor blocked), and a feed can repeat it
    crowded = " ".join(f'a{i}="x>y"' for i in range(20_000))
    body = ('<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f'<channel><title>t</title><item {crowded} xmlns:z="urn:z"><title>x</title>'
            "<guid>g1</guid><dc:creator>Ann</dc:creator></item><item><title>a=b c=d</title>"
            "<guid>g2</guid></item></channel></rss>")
    feed = parse_feed(body.encode(), "http://example.invalid/feed")
    assert [(e.title, e.guid, e.author) for e in feed.entries] == [("x", "g1", "Ann"),
                                                                  ("a=b c=d", "g2", None)]
    assert feed.problem == "1 elements with more than 256 attributes: their attributes were dropped"
