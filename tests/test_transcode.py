"""A UTF-16 or UTF-32 feed gets every defence a UTF-8 feed gets: crowded start tags thinned,
the DOCTYPE's entities removed, max_items, references to no character; through the parser
and through a real crawl."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.feeds.parse import MAX_ATTRIBUTES, parse_feed
from tests.conftest import LocalSite, archive_files, feedvault, write_config

RSS = {"content-type": "application/rss+xml"}
FEED = ('<?xml version="1.0" encoding="{encoding}"?>{doctype}<rss version="2.0"><channel>'
        "<title>t</title>{items}</channel></rss>")
ITEM = '<item {attributes}><title>{title}</title><link>http://e.example/{n}</link></item>'
# (label in the XML declaration, how the bytes are written): with a BOM, and without one
ENCODINGS = [("utf-8", "utf-8"), ("utf-16", "utf-16"), ("utf-16", "utf-16-le"),
             ("utf-16-be", "utf-16-be"), ("utf-32", "utf-32"), ("utf-32", "utf-32-be")]


def _feed(encoding: tuple[str, str], titles: list[str], attributes: str = "",
          doctype: str = "") -> bytes:
    items = "".join(ITEM.format(attributes=attributes, title=title, n=n)
                    for n, title in enumerate(titles))
    label, codec = encoding
    return FEED.format(encoding=label, doctype=doctype, items=items).encode(codec)


@pytest.mark.parametrize("encoding", ENCODINGS, ids="-".join)
def test_a_start_tag_with_too_many_attributes_loses_them_in_any_encoding(
        encoding: tuple[str, str]) -> None:
    # Python's SAX reader finds each attribute by a linear scan: 30,000 attributes on one
    # element of a UTF-16 feed took 13 s, and the time grows with the square of the count
    attributes = " ".join(f'a{i}="v"' for i in range(MAX_ATTRIBUTES + 50))
    feed = parse_feed(_feed(encoding, ["One"], attributes), "http://e.example/feed", dict(RSS))
    assert [e.title for e in feed.entries] == ["One"]
    assert f"more than {MAX_ATTRIBUTES} attributes" in (feed.problem or "")


@pytest.mark.parametrize("encoding", ENCODINGS, ids="-".join)
def test_a_feed_in_any_encoding_declares_no_entities(encoding: tuple[str, str]) -> None:
    body = _feed(encoding, ["a &x; b"], doctype='<!DOCTYPE rss [<!ENTITY x "EXPANDED">]>')
    feed = parse_feed(body, "http://e.example/feed", dict(RSS))
    assert [e.title for e in feed.entries] == ["a &x; b"]
    assert "DOCTYPE internal subset removed" in (feed.problem or "")


@pytest.mark.parametrize("encoding", ENCODINGS, ids="-".join)
def test_max_items_holds_in_any_encoding(encoding: tuple[str, str]) -> None:
    body = _feed(encoding, [str(n) for n in range(5)])
    feed = parse_feed(body, "http://e.example/feed", dict(RSS), max_items=2)
    assert ([e.title for e in feed.entries], feed.total) == (["0", "1"], 5)


@pytest.mark.parametrize("encoding", ENCODINGS, ids="-".join)
def test_a_reference_to_no_character_loses_no_entry_in_any_encoding(
        encoding: tuple[str, str]) -> None:
    body = _feed(encoding, ["&#xD800;One", "Two"])
    feed = parse_feed(body, "http://e.example/feed", dict(RSS))
    assert [e.title for e in feed.entries] == ["\ufffdOne", "Two"]


def test_text_beyond_ascii_reads_the_same_in_every_encoding() -> None:
    titles = ["Café ☕", "日本語 \U0001f600"]
    for encoding in ENCODINGS:
        feed = parse_feed(_feed(encoding, titles), "http://e.example/feed", dict(RSS))
        assert [e.title for e in feed.entries] == titles, encoding


def test_a_header_that_says_utf16_about_ascii_bytes_is_not_believed() -> None:
    body = _feed(("utf-16", "utf-8"), ["Café"])
    feed = parse_feed(body, "http://e.example/feed",
                      {"Content-Type": "application/rss+xml; charset=utf-16"})
    assert [e.title for e in feed.entries] == ["Café"]


def test_a_feed_that_is_not_utf16_after_all_is_one_report_line() -> None:
    # a UTF-16 byte-order mark, then unpaired surrogates: nothing reads it
    body = b"\xff\xfe" + "<rss>".encode("utf-16-le") + b"\x00\xd8" * 500
    feed = parse_feed(body, "http://e.example/feed", dict(RSS))
    assert feed.unusable
    assert feed.problem is not None and feed.problem.startswith("cannot decode the feed")
    assert "\n" not in feed.problem


def test_a_crawl_of_a_hostile_utf16_feed_reports_it_and_keeps_the_item(
        site: LocalSite, tmp_path: Path) -> None:
    attributes = " ".join(f'a{i}="v"' for i in range(MAX_ATTRIBUTES + 50))
    body = _feed(("utf-16", "utf-16"), ["Kept &x;"], attributes,
                 doctype='<!DOCTYPE rss [<!ENTITY x "EXPANDED">]>')
    (site.root / "feed.xml").write_bytes(body)
    config = write_config(tmp_path, [{"name": "wide", "url": site.url("feed.xml")}])
    result = feedvault("crawl", "--config", config)
    assert "Traceback" not in result.stderr, result.stderr
    assert "DOCTYPE internal subset removed" in result.stdout, result.stdout
    assert f"more than {MAX_ATTRIBUTES} attributes" in result.stdout, result.stdout
    [post] = archive_files(tmp_path / "posts")
    text = post.read_text(encoding="utf-8")
    assert "Kept" in text and "EXPANDED" not in text
