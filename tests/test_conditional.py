"""The conditional middleware: validators sent, 304s skipped, the next poll learned and saved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from crawler.middlewares.conditional import ConditionalMiddleware, NotModified
from crawler.schedule.freshness import MAX_POSTPONE, FeedHints
from crawler.schedule.http_state import HttpState

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FEED = "http://127.0.0.1:1/feed.xml"


def _middleware(root: Path) -> ConditionalMiddleware:
    crawler = get_crawler()
    return ConditionalMiddleware(HttpState(root), {FEED: "blog"}, crawler.stats,
                                 clock=lambda: NOW)


def _rss(ttl: int) -> bytes:
    return (f"<rss version='2.0'><channel><title>t</title><ttl>{ttl}</ttl>"
            "<item><title>a</title><link>http://127.0.0.1:1/a</link></item>"
            "</channel></rss>").encode()


def _poll_of(root: Path, ttl: int) -> datetime | None:
    middleware = _middleware(root)
    request = Request(FEED, meta={"feedvault_source": "blog"})
    middleware.process_request(request)
    middleware.process_response(request, Response(FEED, body=_rss(ttl), request=request))
    middleware.spider_closed(None, "finished")
    with HttpState(root) as state:
        return state.poll("blog").not_before


def test_a_huge_ttl_postpones_the_feed_at_most_seven_days(tmp_path: Path) -> None:
    assert _poll_of(tmp_path, 100000) == NOW + MAX_POSTPONE


def test_a_small_ttl_postpones_the_feed_by_its_minutes(tmp_path: Path) -> None:
    assert _poll_of(tmp_path, 90) == NOW + timedelta(minutes=90)


def test_the_ttl_rule_caps_at_seven_days() -> None:
    assert FeedHints(ttl=100000).expiry(NOW) == NOW + timedelta(days=7)
    assert FeedHints(ttl=30).expiry(NOW) == NOW + timedelta(minutes=30)
    assert FeedHints(ttl=None).expiry(NOW) is None


def test_validators_are_sent_back_and_a_304_is_skipped(tmp_path: Path) -> None:
    middleware = _middleware(tmp_path)
    request = Request(FEED, meta={"feedvault_source": "blog"})
    middleware.process_request(request)
    first = Response(FEED, body=_rss(5), request=request,
                     headers={"ETag": '"v1"', "Last-Modified": "Sun, 01 Mar 2026 10:00:00 GMT"})
    middleware.process_response(request, first)
    middleware.spider_closed(None, "finished")

    again = _middleware(tmp_path)
    second = Request(FEED, meta={"feedvault_source": "blog"})
    again.process_request(second)
    assert second.headers.get("If-None-Match") == b'"v1"'
    assert second.headers.get("If-Modified-Since") == b"Sun, 01 Mar 2026 10:00:00 GMT"
    with pytest.raises(NotModified):
        again.process_response(second, Response(FEED, status=304, request=second))
    again.spider_closed(None, "finished")


def test_a_crawl_cut_short_saves_no_validators(tmp_path: Path) -> None:
    middleware = _middleware(tmp_path)
    request = Request(FEED, meta={"feedvault_source": "blog"})
    middleware.process_request(request)
    middleware.process_response(request, Response(FEED, body=_rss(5), request=request,
                                                  headers={"ETag": '"v1"'}))
    middleware.spider_closed(None, "shutdown")
    with HttpState(tmp_path) as state:
        assert not state.validators(FEED)


def test_feeds_that_differ_only_in_a_secret_keep_their_own_validators(tmp_path: Path) -> None:
    """Validators are stored without the URL's secrets, yet two feeds whose URLs differ only
    in ?key= never share them: one's Last-Modified sent to the other could earn a wrong 304."""
    from crawler.schedule.http_state import Validators

    now = datetime(2026, 1, 1, tzinfo=UTC)
    sports, news = "http://127.0.0.1/feed?key=sports-s3cret", "http://127.0.0.1/feed?key=news-s3cret"
    with HttpState(tmp_path) as state:
        state.save({sports: Validators('"a"', "Mon, 01 Jan 2024 00:00:00 GMT")}, {}, now)
    with HttpState(tmp_path) as state:
        assert state.validators(sports).etag == '"a"'
        assert state.validators(news) == Validators()
    assert b"s3cret" not in b"".join(p.read_bytes() for p in tmp_path.rglob("http.sqlite*"))
