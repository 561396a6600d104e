"""One date parser for feeds, pages and backfill listings: formats, CJK, relative dates, garbage."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from crawler.backfill import discover
from crawler.extract import metadata
from crawler.extract._dom import parse_html
from crawler.feeds.dates import parse_date
from crawler.feeds.parse import parse_feed
from tests.conftest import rss_feed

CST = timezone(timedelta(hours=8))

GOLDEN = {
    "RFC 2822, offset kept": ("Mon, 01 Jan 2024 10:00:00 +0800", datetime(2024, 1, 1, 10, tzinfo=CST)),
    "RFC 2822, GMT": ("Mon, 01 Jan 2024 10:00:00 GMT", datetime(2024, 1, 1, 10, tzinfo=UTC)),
    "RFC 2822, -0000": ("Mon, 01 Jan 2024 10:00:00 -0000", datetime(2024, 1, 1, 10, tzinfo=UTC)),
    "RFC 2822, named zone": ("Mon, 01 Jan 2024 10:00:00 EST",
                             datetime(2024, 1, 1, 10, tzinfo=timezone(timedelta(hours=-5)))),
    "ISO with offset": ("2024-01-02T10:30:00+08:00", datetime(2024, 1, 2, 10, 30, tzinfo=CST)),
    "ISO with Z": ("2024-01-02T10:30:00Z", datetime(2024, 1, 2, 10, 30, tzinfo=UTC)),
    "ISO without offset: UTC": ("2024-01-02T10:30:00", datetime(2024, 1, 2, 10, 30, tzinfo=UTC)),
    "ISO date only": ("2024-01-31", datetime(2024, 1, 31, tzinfo=UTC)),
    "ISO with spaces around": ("  2024-01-31 \n", datetime(2024, 1, 31, tzinfo=UTC)),
    "English words": ("January 2, 2024 10:30 AM", datetime(2024, 1, 2, 10, 30, tzinfo=UTC)),
    "slashes": ("2024/01/02", datetime(2024, 1, 2, tzinfo=UTC)),
    "CJK date": ("2024年1月2日", datetime(2024, 1, 2, tzinfo=UTC)),
    "CJK date and time": ("2024年1月2日 10:30", datetime(2024, 1, 2, 10, 30, tzinfo=UTC)),
    "CJK zero-padded, seconds": ("2024年01月02日 10:30:00", datetime(2024, 1, 2, 10, 30, tzinfo=UTC)),
    "CJK full-width colon": ("2024年1月2日 10：30", datetime(2024, 1, 2, 10, 30, tzinfo=UTC)),
    "CJK with weekday": ("2024年1月2日 星期二", datetime(2024, 1, 2, tzinfo=UTC)),
    "Korean": ("2024년 1월 2일", datetime(2024, 1, 2, tzinfo=UTC)),
    "zone name dateutil does not know": ("2024-01-02 10:30 PST",
                                         datetime(2024, 1, 2, 18, 30, tzinfo=UTC)),
}

GARBAGE = ["", "   ", "hello", "not a date at all", "Posted by Bob", "Posted on May 5",
           "2024-13-45", "99999-99-99",
           "2024年13月2日", "2024年2月30日", "2024年1月2日 25:30", "Tue, 2 Jan 2024 25:00:00 GMT", "年月日", "x" * 500,
           "2024年1月2日" * 50]


@pytest.mark.parametrize(("raw", "expected"), GOLDEN.values(), ids=GOLDEN.keys())
def test_golden_dates(raw: str, expected: datetime) -> None:
    parsed = parse_date(raw)
    assert parsed == expected
    assert parsed is not None and parsed.utcoffset() == expected.utcoffset()  # same offset too


@pytest.mark.parametrize("raw", [None, *GARBAGE])
def test_garbage_gives_no_date(raw: str | None) -> None:
    assert parse_date(raw) is None


RELATIVE = {"3 days ago": timedelta(days=3), "2 hours ago": timedelta(hours=2),
            "an hour ago": timedelta(hours=1), "yesterday": timedelta(days=1),
            "2小时前": timedelta(hours=2), "3天前": timedelta(days=3), "昨天": timedelta(days=1)}


@pytest.mark.parametrize(("raw", "ago"), RELATIVE.items(), ids=RELATIVE.keys())
def test_relative_dates_count_back_from_now(raw: str, ago: timedelta) -> None:
    before = datetime.now(UTC)
    parsed = parse_date(raw)
    assert parsed is not None and parsed.tzinfo is not None
    # "yesterday" may mean the same time or the day's start: within a day of the mark
    assert before - ago - timedelta(days=1) <= parsed <= datetime.now(UTC) - ago + timedelta(minutes=1)
    # only the day is kept, so every crawl of that day reads the same date (no `updated` churn)
    assert (parsed.hour, parsed.minute, parsed.second, parsed.microsecond) == (0, 0, 0, 0)
    assert parse_date(raw) == parsed


def test_an_offset_no_clock_has_gives_no_date_instead_of_failing_the_feed() -> None:
    assert parse_date("2024-01-01T00:00:00+99:00") is None
    assert parse_date("Mon, 01 Jan 2024 00:00:00 +9900") is None
    feed = parse_feed(rss_feed([{"title": "t", "link": "http://a.example/1", "guid": "1",
                                 "pubDate": "2024-01-01T00:00:00+99:00", "description": "x"}]
                               ).encode(), "http://a.example/feed.xml")
    assert [e.title for e in feed.entries] == ["t"]  # the item is kept (feedparser's instant, if any)


def test_feedparser_tuple_fixes_the_instant_and_raw_gives_the_offset() -> None:
    tuple_utc = time.strptime("2024-01-01 02:00:00", "%Y-%m-%d %H:%M:%S")
    assert parse_date("Mon, 01 Jan 2024 10:00:00 +0800", tuple_utc) == datetime(
        2024, 1, 1, 10, tzinfo=CST)
    assert parse_date("Mon, 01 Jan 2024 10:00:00 +0800", tuple_utc).utcoffset() == timedelta(hours=8)
    # raw naming another instant: the tuple wins, in UTC
    assert parse_date("Mon, 01 Jan 2024 11:00:00 +0800", tuple_utc) == datetime(
        2024, 1, 1, 2, tzinfo=UTC)
    assert parse_date(None, tuple_utc) == datetime(2024, 1, 1, 2, tzinfo=UTC)
    assert parse_date("garbage", tuple_utc) == datetime(2024, 1, 1, 2, tzinfo=UTC)


@pytest.mark.parametrize("raw", ["2024年1月2日 10:30", "2024/01/02 10:30"])
def test_a_feed_entry_date_feedparser_misreads_is_read_from_its_text(raw: str) -> None:
    # feedparser reads both as 2024-11-01 (a year, then nothing it understands)
    body = rss_feed([{"title": "A", "guid": "a", "pubDate": raw,
                      "description": "<p>a</p>"}]).encode("utf-8")
    [entry] = parse_feed(body, "http://a.example/feed.xml").entries
    assert entry.date == datetime(2024, 1, 2, 10, 30, tzinfo=UTC)


def test_a_page_dated_in_chinese_gets_its_date() -> None:
    root = parse_html('<html><head><meta property="article:published_time" '
                      'content="2024年1月2日 10:30"></head><body><p>x</p></body></html>')
    assert metadata.read_metadata(root, "http://a.example/p").published == datetime(
        2024, 1, 2, 10, 30, tzinfo=UTC)


def test_a_listing_dated_in_chinese_gets_its_dates() -> None:
    page = ('<html><body><ul><li><a href="/p/1">One</a><span>2024年1月2日</span></li>'
            '<li><a href="/p/2">Two</a><span>2024年1月1日</span></li></ul></body></html>')
    found, _, problem = discover.read_listing(page.encode(), "text/html; charset=utf-8",
                                              "http://a.example/", "li a", "li span", None)
    assert problem is None
    assert [f.date for f in found] == [datetime(2024, 1, 2, tzinfo=UTC),
                                       datetime(2024, 1, 1, tzinfo=UTC)]


def test_backfill_window_bounds_are_read_by_the_same_parser() -> None:
    from archive.errors import ConfigError
    from crawler.backfill.window import parse_bound

    assert parse_bound("2024-01-02") == datetime(2024, 1, 2, tzinfo=UTC)
    assert parse_bound("2024年1月2日") == datetime(2024, 1, 2, tzinfo=UTC)
    assert parse_bound("2024-01-02", end=True) == datetime(2024, 1, 3, tzinfo=UTC) - timedelta(
        microseconds=1)
    assert parse_bound("2024-01-02T10:30:00+08:00") == datetime(2024, 1, 2, 10, 30, tzinfo=CST)
    with pytest.raises(ConfigError, match="is not a date"):
        parse_bound("nonsense")
