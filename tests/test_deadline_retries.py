"""The crawl's deadline (`--max-time`) cuts retry backoffs: a retry whose wait would end past
the deadline is not waited for, it is left for the next crawl at once. Counted, not timed:
the backoff sleeps the retry middleware starts, the requests the server sees."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from scrapy import Request, Spider
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from crawler.limits.deadline import LATE, META, Deadline, DeadlineMiddleware
from crawler.middlewares import BackoffRetryMiddleware
from tests.conftest import LocalSite, feedvault, rss_feed, write_config


def _middleware() -> tuple[BackoffRetryMiddleware, list[float]]:
    crawler = get_crawler(Spider, {"RETRY_TIMES": 3})
    crawler.spider = Spider.from_crawler(crawler, "news")
    middleware = BackoffRetryMiddleware.from_crawler(crawler)
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    middleware.sleep = sleep
    middleware.delay = lambda attempt: 30.0  # type: ignore[method-assign]
    return middleware, slept


def _sent(left: float) -> Request:
    """A request DeadlineMiddleware let through with `left` seconds to the deadline."""
    return Request("https://news.example/a", meta={META: time.monotonic() + left})


def _unavailable(request: Request, retry_after: str | None = None) -> Response:
    headers = {"Retry-After": retry_after} if retry_after else {}
    return Response(request.url, status=503, headers=headers, request=request)


def test_a_backoff_that_would_end_past_the_deadline_is_not_waited() -> None:
    middleware, slept = _middleware()
    request = _sent(left=10)
    retry = asyncio.run(middleware.process_response(request, _unavailable(request, "50")))
    assert isinstance(retry, Request) and retry.meta[LATE] is True
    retry = asyncio.run(middleware.process_exception(request, TimeoutError()))
    assert isinstance(retry, Request) and retry.meta[LATE] is True
    assert slept == []  # no wait at all
    # DeadlineMiddleware refuses such a retry at once, before the deadline itself
    crawler = get_crawler(Spider)
    deadline = DeadlineMiddleware(60, 30, crawler.stats)
    deadline.spider_opened()
    with pytest.raises(Deadline, match="its retry would wait past the deadline"):
        deadline.process_request(retry)
    assert crawler.stats.get_value("feedvault/deadline") == (
        "the 1m deadline (max_time) would pass during a retry's backoff")


def test_a_backoff_within_the_deadline_or_without_one_is_waited() -> None:
    middleware, slept = _middleware()
    request = _sent(left=100)
    retry = asyncio.run(middleware.process_response(request, _unavailable(request, "50")))
    assert isinstance(retry, Request) and LATE not in retry.meta
    free = Request("https://news.example/b")  # no deadline
    again = asyncio.run(middleware.process_exception(free, TimeoutError()))
    assert isinstance(again, Request) and LATE not in again.meta
    assert slept == [50.0, 30.0]


def test_a_crawl_leaves_a_retry_for_the_next_crawl_instead_of_sleeping_past_its_deadline(
        site: LocalSite, tmp_path: Path) -> None:
    """The page answers 503 with Retry-After: 50 and the crawl may take 30 s: before, the
    crawl slept 50 s, then refused the retry as past the deadline."""
    page = site.write("a.html", "<html><body><p>later</p></body></html>")
    site.answer("a.html", 503, {"Retry-After": "50"})
    url = site.write("feed.xml", rss_feed([{
        "title": "T", "link": page, "guid": "t", "description": "<p>Teaser …</p>",
        "pubDate": "Mon, 01 Jan 2024 10:00:00 +0000"}]))
    config = write_config(tmp_path, [{"name": "slow", "url": url}], follow_pages=True,
                          extra="[scrapy]\nAUTOTHROTTLE_ENABLED = false\n")
    result = feedvault("crawl", "--config", config, "--max-time", "30s",
                       "--report", tmp_path / "r.json")
    assert result.returncode == 1, result.stdout + result.stderr
    assert len(site.served("a.html")) == 1  # asked once, never retried
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["sources"][0]["status"] == "stopped"
    assert report["sources"][0]["left"] == [page]
    assert ("feedvault: crawl stopped: the 30s deadline (max_time) would pass during a "
            "retry's backoff; 1 URLs of 1 sources (slow) are left for the next crawl"
            ) in result.stderr
    assert "Traceback" not in result.stderr
