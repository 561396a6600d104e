"""The shared Redis queue holds JSON, never pickles: every request the spiders make goes
through it and back unchanged, and an entry planted by someone else is dropped, unrun."""

from __future__ import annotations

import asyncio
import json
import os
import pickle
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from typing import Any

import frontmatter
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scrapy import Request
from scrapy.http import HtmlResponse, XmlResponse
from scrapy.utils.test import get_crawler

from crawler.config import load_config
from crawler.distributed import _tagged
from crawler.distributed.queue import RequestCodec
from crawler.middlewares.conditional import FORCE_META
from crawler.spiders.feeds import FeedSpider
from tests.conftest import LocalSite, archive_files, feedvault, rss_feed, write_config
from tests.distributed_helpers import Process, RedisServer, distributed_config, redis_server

pytest.importorskip("scrapy_redis")

WORDS = " ".join(f"word{n}" for n in range(120))


def _page(title: str, paragraph: str, next_page: str | None = None) -> str:
    link = f'<a class="next" href="{next_page}">Next page</a>' if next_page else ""
    return (f"<html><head><title>{title}</title>"
            '<meta property="article:published_time" content="2024-01-02T03:04:05+00:00">'
            f"</head><body><article><h1>{title}</h1><p>{paragraph} {WORDS}</p>"
            f"<p>Second paragraph of {title}. {WORDS}</p>{link}</article></body></html>")


def _teaser_site(site: LocalSite, articles: int = 3) -> str:
    """A summary-only feed whose articles have two pages each (full text, next_page)."""
    items = []
    for n in range(articles):
        site.write(f"a{n}.html", _page(f"Article {n}", f"First page of article {n}.",
                                       f"a{n}-2.html"))
        site.write(f"a{n}-2.html", _page(f"Article {n}", f"Last page of article {n}."))
        items.append({"title": f"Article {n}", "link": site.url(f"a{n}.html"),
                      "guid": f"urn:a:{n}", "description": "<p>A short teaser…</p>",
                      "pubDate": "Mon, 01 Jan 2024 10:00:00 +0000"})
    return site.write("feed.xml", rss_feed(items))


def _spider(config_path: Path, force: bool = False) -> tuple[FeedSpider, RequestCodec]:
    config = load_config(config_path)
    crawler = get_crawler(FeedSpider, {"FEEDVAULT_CONFIG": config, "FEEDVAULT_FORCE": force})
    spider = FeedSpider.from_crawler(crawler, config=config)
    return spider, RequestCodec(spider, {s.name: s for s in config.sources})


# Meta a worker sets for itself, from its own settings and clock: dropped from the queue
WORKER_OWN = {"download_slot": "127.0.0.1", "download_latency": 0.25,
              "dont_obey_robotstxt": True, "feedvault_deadline": 12.5, "feedvault_sent": 3.0}


def _real_requests(site: LocalSite, tmp_path: Path, force: bool = False
                   ) -> tuple[list[Request], RequestCodec]:
    """Requests the feeds spider makes: a feed, an article page, the article's next page,
    and a retried, redirected copy carrying the meta Scrapy's middlewares add."""
    url = _teaser_site(site, articles=1)
    spider, codec = _spider(write_config(tmp_path, [{"name": "t", "url": url,
                                                 "next_page": "a.next"}], follow_pages=True),
                            force=force)

    async def start() -> list[Any]:
        return [r async for r in spider.start()]

    [feed] = asyncio.run(start())
    feed_response = XmlResponse(url, body=(site.root / "feed.xml").read_bytes(), request=feed)
    [page] = list(feed.callback(feed_response, **feed.cb_kwargs))
    page_response = HtmlResponse(page.url, body=(site.root / "a0.html").read_bytes(),
                                 request=page)
    [next_page] = list(page.callback(page_response, **page.cb_kwargs))
    retried = next_page.replace(
        meta={**next_page.meta, "retry_times": 1, "redirect_times": 1, "redirect_ttl": 19,
              "redirect_urls": [site.url("old.html")], "redirect_reasons": [301],
              "depth": 2, "is_start_request": False, "feedvault_keys": ["X-Token"],
              "cookiejar": "feedvault:t", "feedvault_retry_late": True,
              "feedvault_dns_again": True, **WORKER_OWN},
        headers={"If-None-Match": '"abc"', "Referer": site.url("a0.html")},
        priority=-3, dont_filter=False)
    return [feed, page, next_page, retried], codec


def test_every_request_the_spider_makes_round_trips(site: LocalSite, tmp_path: Path) -> None:
    requests, codec = _real_requests(site, tmp_path)
    assert requests[2].cb_kwargs["done"] is not None  # the next page carries the first one
    for request in requests:
        data = codec.encode(request)
        assert b"pickle" not in data and json.loads(data)  # plain JSON
        back = codec.decode(data)
        assert back.url == request.url and back.method == request.method
        assert back.callback.__func__ is request.callback.__func__  # type: ignore[union-attr]
        assert back.errback.__func__ is request.errback.__func__  # type: ignore[union-attr]
        assert back.cb_kwargs == request.cb_kwargs  # SourceConfig, ArticleItem, Extracted...
        assert back.meta == {k: v for k, v in request.meta.items() if k not in WORKER_OWN}
        assert back.headers == request.headers
        assert (back.priority, back.dont_filter, back.body) == (
            request.priority, request.dont_filter, request.body)
        again = codec.encode(back)  # a second trip through the queue changes nothing
        assert codec.encode(codec.decode(again)) == again
        assert again == data or WORKER_OWN.keys() & request.meta.keys()


def test_a_forced_crawls_requests_stay_forced_through_the_queue(
        site: LocalSite, tmp_path: Path) -> None:
    requests, codec = _real_requests(site, tmp_path, force=True)
    # the feed, its article page and that page's next page: a worker sends no validators
    for request in requests:
        assert codec.decode(codec.encode(request)).meta.get(FORCE_META) is True, request
    (tmp_path / "plain").mkdir()
    unforced, _ = _real_requests(site, tmp_path / "plain")
    assert not any(FORCE_META in request.meta for request in unforced)


class _Planted:
    """Unpickling runs os.system: the classic payload that a pickle queue executes."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (f"touch {self.marker}",))


def _entry(**changes: Any) -> bytes:
    request = {"url": "http://127.0.0.1:9/f.xml", "callback": "parse_feed",
               "errback": "feed_failed", "headers": {}, "method": "GET",
               "meta": {"feedvault_source": "t"}, "cb_kwargs": {"source": {"$source": "t"}},
               "priority": 0, "dont_filter": True}
    return json.dumps({**request, **changes}).encode()


FOREIGN = {
    "not JSON": (b"\x80\x04K\x01.", "not a JSON request"),
    "a JSON list": (b'["http://127.0.0.1:9/"]', "not a JSON request"),
    "broken JSON": (b'{"url": ', "not JSON"),
    "unknown field": (_entry(exec="x"), "unknown request field 'exec'"),
    "field of the wrong type": (_entry(priority="high"), "'priority' is a str"),
    "imported class": (_entry(_class="subprocess.Popen"), "'subprocess.Popen' is not allowed"),
    "dunder callback": (_entry(callback="__init__"), "not a spider method name"),
    "private callback": (_entry(callback="_spider_error"), "not a spider method name"),
    "attribute as callback": (_entry(callback="crawler"), "not a method of spider"),
    "Spider API as callback": (_entry(callback="from_crawler"), "not a method of spider"),
    "inherited Spider method": (_entry(errback="close"), "not a method of spider"),
    "unknown type": (_entry(cb_kwargs={"source": {"$Path": "/etc"}}), "unknown or malformed"),
    "unknown source": (_entry(cb_kwargs={"source": {"$source": "evil"}}), "unknown source"),
    "item of wrong types": (_entry(cb_kwargs={"item": {"$ArticleItem": {
        "source": "t", "feed_url": 5, "title": "", "content": ""}}}),
        "ArticleItem.feed_url: expected a string"),
    "item with unknown fields": (_entry(cb_kwargs={"item": {"$ArticleItem": {
        "source": "t", "feed_url": "", "title": "", "content": "", "run": "x"}}}),
        "unknown fields ['run']"),
    "bad base64": (_entry(body={"$bytes": "***"}), "malformed"),
    "a local file": (_entry(url="file:///etc/passwd"), "not an http(s) request"),
    "not a URL": (_entry(url="http://[oops"), "not an http(s) request"),
    "bad encoding": (_entry(encoding="no-such-codec"), "not a valid request"),
}


@pytest.mark.parametrize("case", list(FOREIGN))
def test_a_foreign_queue_entry_is_refused_saying_why(case: str, tmp_path: Path) -> None:
    data, reason = FOREIGN[case]
    _, codec = _spider(write_config(tmp_path, [{"name": "t", "url": "http://127.0.0.1:9/"}]))
    with pytest.raises(ValueError) as error:
        codec.decode(data)
    assert reason in str(error.value)


def test_a_queue_entry_cannot_choose_how_the_worker_connects(tmp_path: Path) -> None:
    _, codec = _spider(write_config(tmp_path, [{"name": "t", "url": "http://127.0.0.1:9/"}]))
    request = codec.decode(_entry(meta={
        "feedvault_source": "t", "proxy": "http://127.0.0.1:1", "bindaddress": ["127.0.0.2", 0],
        "download_maxsize": 0, "download_timeout": 1e9, "retry_times": 1}))
    assert request.meta == {"feedvault_source": "t", "retry_times": 1}


def _forged(**meta: Any) -> bytes:
    return _entry(meta={"feedvault_source": "t", **meta})


# Meta of a shape feedvault never writes: the whole entry is refused, saying which key.
FORGED_META = {
    "RSSHub instance of a feed URL source": (_forged(feedvault_rsshub=1), "feedvault_rsshub"),
    "RSSHub instance out of range": (_forged(feedvault_rsshub=7), "feedvault_rsshub"),
    "RSSHub instance not a number": (_forged(feedvault_rsshub="x"), "feedvault_rsshub"),
    "meta source unknown": (_entry(meta={"feedvault_source": "evil"}), "unknown source"),
    "meta source not a string": (_entry(meta={"feedvault_source": ["t"]}), "unknown source"),
    "another source's cookie jar": (_forged(cookiejar="feedvault:other"), "cookiejar"),
    "a cookie jar without a source": (_entry(meta={"cookiejar": "feedvault:t"}), "cookiejar"),
    "negative retries": (_forged(retry_times=-1000), "retry_times"),
    "retries as a string": (_forged(max_retry_times="9"), "max_retry_times"),
    "endless retries": (_forged(max_retry_times=10**9), "max_retry_times"),
    "flag that is not a flag": (_forged(feedvault_force="yes"), "feedvault_force"),
    "redirected from a local file": (_forged(redirect_urls=["file:///etc/passwd"]),
                                     "redirect_urls"),
    "header names that are not names": (_forged(feedvault_keys=["X\r\nEvil: 1"]),
                                        "feedvault_keys"),
}


@pytest.mark.parametrize("case", list(FORGED_META))
def test_forged_meta_refuses_the_entry_saying_which_key(case: str, tmp_path: Path) -> None:
    data, key = FORGED_META[case]
    _, codec = _spider(write_config(tmp_path, [{"name": "t", "url": "http://127.0.0.1:9/"}]))
    with pytest.raises(ValueError) as error:
        codec.decode(data)
    assert key in str(error.value)


def test_meta_feedvault_does_not_set_is_dropped(tmp_path: Path) -> None:
    _, codec = _spider(write_config(tmp_path, [{"name": "t", "url": "http://127.0.0.1:9/"}]))
    request = codec.decode(_forged(dont_obey_robotstxt=True, handle_httpstatus_all=True,
                                   dont_merge_cookies=True, feedvault_capture_ref={"a": 1},
                                   download_slot="everyone", retry_times=2))
    assert request.meta == {"feedvault_source": "t", "retry_times": 2}


def test_a_pickle_is_never_loaded(tmp_path: Path) -> None:
    marker = tmp_path / "owned"
    _, codec = _spider(write_config(tmp_path, [{"name": "t", "url": "http://127.0.0.1:9/"}]))
    for protocol in (0, 2, 5):
        with pytest.raises(ValueError):
            codec.decode(pickle.dumps(_Planted(marker), protocol=protocol))
    assert not marker.exists()


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    with redis_server(tmp_path) as server:
        yield server


def test_planted_queue_entries_are_dropped_and_the_crawl_goes_on(
        site: LocalSite, tmp_path: Path, redis: RedisServer) -> None:
    url = _teaser_site(site)
    config = write_config(tmp_path, [{"name": "t", "url": url, "next_page": "a.next"}],
                          extra=distributed_config(redis.url), follow_pages=True)
    result = feedvault("crawl", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    marker = tmp_path / "owned"
    planted = [pickle.dumps(_Planted(marker), protocol=proto) for proto in (2, 5)]
    planted += [FOREIGN[case][0] for case in ("imported class", "dunder callback",
                                              "unknown type", "item of wrong types")]
    for n, data in enumerate(planted):  # ahead of the real feed request (score: -priority)
        redis.client.zadd("feedvault:requests", {data: -100 - n})
    worker = Process(tmp_path, "worker", "worker", "--config", config, "--idle", "2")
    writer = Process(tmp_path, "writer", "writer", "--config", config, "--idle", "2")
    assert worker.wait() == 0, worker.output
    assert writer.wait() == 0, writer.output
    assert not marker.exists()
    assert worker.output.count("dropped a queued request that cannot be trusted") == len(planted)
    assert f", {len(planted)} untrusted queue entries dropped" in worker.stdout
    assert "Traceback" not in worker.output
    # the real work went on: feed, article pages and their next pages, through the queue
    files = archive_files(tmp_path / "posts")
    assert len(files) == 3
    for path in files:
        body = frontmatter.load(path).content
        assert "First page of article" in body and "Last page of article" in body
    assert redis.client.zcard("feedvault:requests") == 0
    assert redis.client.hlen("feedvault:leases") == 0


def test_forged_meta_in_redis_is_dropped_and_reported_never_an_internal_error(
        site: LocalSite, tmp_path: Path, redis: RedisServer) -> None:
    """An RSSHub source's feed request planted with an instance index feedvault never
    writes, or with another source's cookie jar: one "cannot be trusted" line each."""
    feed = _teaser_site(site, articles=1)
    extra = distributed_config(redis.url) + f'[rsshub]\ninstances = ["{site.base}"]\n'
    config = write_config(tmp_path, [{"name": "r", "rsshub": "/feed.xml"},
                                     {"name": "t", "url": feed}], extra=extra)
    result = feedvault("crawl", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    planted = [_entry(url=feed, meta={"feedvault_source": "r", **meta},
                      cb_kwargs={"source": {"$source": "r"}})
               for meta in ({"feedvault_rsshub": "x"}, {"feedvault_rsshub": 5},
                            {"feedvault_rsshub": 0, "cookiejar": "feedvault:t"})]
    for n, data in enumerate(planted):
        redis.client.zadd("feedvault:requests", {data: -100 - n})
    worker = Process(tmp_path, "worker", "worker", "--config", config, "--idle", "2")
    writer = Process(tmp_path, "writer", "writer", "--config", config, "--idle", "2")
    assert worker.wait() == 0, worker.output
    assert writer.wait() == 0, writer.output
    assert worker.output.count("dropped a queued request that cannot be trusted") == 3, \
        worker.output
    assert "internal error" not in worker.output and "Traceback" not in worker.output
    assert redis.client.zcard("feedvault:requests") == 0


def test_scheduler_serializer_is_refused_in_distributed_mode(tmp_path: Path,
                                                             redis: RedisServer) -> None:
    extra = distributed_config(redis.url) + \
        '\n[scrapy]\nSCHEDULER_SERIALIZER = "scrapy_redis.picklecompat"\n'
    config = write_config(tmp_path, [{"name": "t", "url": "http://127.0.0.1:9/f.xml"}],
                          extra=extra)
    result = feedvault("crawl", "--config", config)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "SCHEDULER_SERIALIZER" in result.stderr and "never pickles" in result.stderr
    assert "Traceback" not in result.stderr


def _containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return (st.lists(inner) | st.tuples(inner, inner) | st.frozensets(st.text())
            | st.dictionaries(st.text() | st.binary(), inner))


_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
    | st.binary() | st.datetimes(timezones=st.none() | st.just(UTC)),
    _containers, max_leaves=12)


@given(_VALUES)
def test_tagged_json_round_trips(value: Any) -> None:
    """Bytes, dates, tuples, frozensets, dicts with bytes keys or `$` keys come back as they were."""
    assert _tagged.loads(_tagged.dumps(value)) == value


@pytest.fixture(scope="module")
def codec(tmp_path_factory: pytest.TempPathFactory) -> RequestCodec:
    folder = tmp_path_factory.mktemp("codec")
    return _spider(write_config(folder, [{"name": "t", "url": "http://127.0.0.1:9/"}]))[1]


def _json_containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                     _json_containers, max_leaves=8)
_FIELD_NAMES = st.sampled_from(["url", "callback", "errback", "method", "headers", "body",
                                "cookies", "meta", "encoding", "priority", "dont_filter",
                                "flags", "cb_kwargs", "_class"])


@given(st.dictionaries(_FIELD_NAMES, _JSON | st.sampled_from(
    [{"$bytes": "eA=="}, {"$source": "t"}, {"$ArticleItem": {}}, {"$dict": [[1, 2]]},
     "parse_feed", "http://127.0.0.1:9/"])))
def test_any_json_entry_decodes_or_is_refused_with_a_reason(codec: RequestCodec,
                                                            entry: dict[str, Any]) -> None:
    try:
        request = codec.decode(json.dumps(entry).encode())
    except ValueError as exc:
        assert str(exc)
    else:
        assert isinstance(request, Request) and request.url.startswith("http")
