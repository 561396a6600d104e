"""Redis stopped under a working worker, then started again with its data: nothing is lost.

A short outage is waited out; a long one stops the worker with status 2, its requests
still leased, and the next worker crawls them again. Either way, every article ends up
in the archive exactly once.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import frontmatter
import pytest

from archive import HIDDEN
from tests.conftest import archive_files, feedvault, write_config
from tests.distributed_helpers import (
    FeedSite,
    Process,
    RedisServer,
    distributed_config,
    feed_items,
    redis_server,
    wait_until,
)
from tests.test_distributed import _column

FEEDS, PER_FEED = 30, 10
TOTAL = FEEDS * PER_FEED
STREAM, LEASES, REQUESTS = "feedvault:articles", "feedvault:leases", "feedvault:requests"


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    with redis_server(tmp_path, persistent=True) as server:
        yield server


@pytest.fixture
def feeds() -> Iterator[FeedSite]:
    site = FeedSite(FEEDS, PER_FEED, delay=0.4)  # a crawl of several seconds
    yield site
    site.close()


def _enqueued(tmp_path: Path, redis: RedisServer, feeds: FeedSite, redis_retry: float) -> Path:
    sources = [{"name": f"f{n:03d}", "url": url} for n, url in enumerate(feeds.urls)]
    config = write_config(tmp_path, sources,
                          extra=distributed_config(redis.url, redis_retry=redis_retry))
    result = feedvault("crawl", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    return config


def _stop_redis_mid_crawl(redis: RedisServer) -> None:
    """Stop Redis once some articles are on the stream and some feeds are still leased."""
    wait_until(lambda: redis.client.xlen(STREAM) >= PER_FEED * 3, what="the first articles",
               timeout=30)
    assert redis.client.zcard(REQUESTS) > 0, "the crawl ended before Redis stopped"
    redis.stop()


def _assert_each_archived_once(root: Path) -> None:
    files = archive_files(root)
    guids = sorted(frontmatter.load(p)["guid"] for p in files)
    expected = sorted(i["guid"] for n in range(FEEDS) for i in feed_items(n, PER_FEED))
    assert guids == expected  # every article, none twice
    with sqlite3.connect(root / HIDDEN / "ledger.sqlite") as db:
        assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == TOTAL


def _assert_redis_drained(redis: RedisServer) -> None:
    assert redis.client.zcard(REQUESTS) == 0
    assert redis.client.hlen(LEASES) == 0
    assert redis.client.xlen(STREAM) == 0


def test_a_short_redis_outage_is_waited_out(
        tmp_path: Path, redis: RedisServer, feeds: FeedSite) -> None:
    config = _enqueued(tmp_path, redis, feeds, redis_retry=30)
    worker = Process(tmp_path, "worker", "worker", "--config", config, "--idle", "2")
    _stop_redis_mid_crawl(redis)
    time.sleep(3)  # articles crawled meanwhile wait for Redis
    redis.start()  # same port, same data
    writer = Process(tmp_path, "writer", "writer", "--config", config, "--idle", "2")
    assert writer.wait(timeout=60) == 0, writer.output
    assert _column(writer.stdout, "new") == TOTAL
    assert _column(writer.stdout, "failed") == 0
    _assert_each_archived_once(tmp_path / "posts")
    _assert_redis_drained(redis)
    assert worker.wait(timeout=60) == 0, worker.output
    assert "unreachable" in worker.output and "waiting" in worker.output  # it was tested
    # a few lines per outage (when it starts, every 10 s, when it ends), not one per
    # waiting article per retry
    assert "reachable again" in worker.output
    assert worker.output.count("unreachable") <= 8, worker.output


def test_a_long_redis_outage_stops_the_worker_and_loses_nothing(
        tmp_path: Path, redis: RedisServer, feeds: FeedSite) -> None:
    config = _enqueued(tmp_path, redis, feeds, redis_retry=2)
    first = Process(tmp_path, "worker1", "worker", "--config", config, "--idle", "2")
    _stop_redis_mid_crawl(redis)
    assert first.wait(timeout=30) == 2, first.output
    assert "Redis unreachable for more than 2 s" in first.output
    assert "Start `feedvault worker` again" in first.output
    assert "Traceback" not in first.output
    redis.start()
    kept = [k for k in redis.client.hkeys(LEASES) if f":{first.pid}:".encode() in k]
    assert kept, "the stopped worker finished or gave back its leases while Redis was down"
    second = Process(tmp_path, "worker2", "worker", "--config", config, "--idle", "3")
    writer = Process(tmp_path, "writer", "writer", "--config", config, "--idle", "3")
    assert second.wait(timeout=60) == 0, second.output
    assert writer.wait(timeout=60) == 0, writer.output
    assert "of a vanished worker back in the queue" in second.output
    assert _column(writer.stdout, "new") == TOTAL
    _assert_each_archived_once(tmp_path / "posts")
    _assert_redis_drained(redis)


def test_an_article_crawled_twice_is_archived_once(
        tmp_path: Path, redis: RedisServer, feeds: FeedSite) -> None:
    """What a kept lease costs: its request is crawled again, and its articles that had
    reached the stream are sent twice. The writer stores them once."""
    config = _enqueued(tmp_path, redis, feeds, redis_retry=30)
    first = Process(tmp_path, "worker1", "worker", "--config", config, "--idle", "1")
    assert first.wait(timeout=60) == 0, first.output
    assert redis.client.xlen(STREAM) == TOTAL
    _enqueued(tmp_path, redis, feeds, redis_retry=30)  # the same feeds again
    second = Process(tmp_path, "worker2", "worker", "--config", config, "--idle", "1")
    assert second.wait(timeout=60) == 0, second.output
    assert redis.client.xlen(STREAM) == 2 * TOTAL  # every article twice on the stream
    writer = Process(tmp_path, "writer", "writer", "--config", config, "--idle", "1")
    assert writer.wait(timeout=60) == 0, writer.output
    assert _column(writer.stdout, "new") == TOTAL
    assert _column(writer.stdout, "unchanged") == TOTAL
    _assert_each_archived_once(tmp_path / "posts")
    _assert_redis_drained(redis)


def test_the_writer_stops_with_a_message_when_redis_goes_away(
        tmp_path: Path, redis: RedisServer) -> None:
    config = write_config(tmp_path, [], extra=distributed_config(redis.url))
    writer = Process(tmp_path, "writer", "writer", "--config", config)
    wait_until(lambda: redis.client.exists(STREAM), what="the writer's consumer group",
               timeout=30)
    redis.stop()
    assert writer.wait(timeout=60) == 2, writer.output
    assert "Redis unreachable" in writer.output and "Start `feedvault writer` again" in \
        writer.output
    assert "Traceback" not in writer.output
