"""Several workers and one writer on a real redis-server: every article archived exactly once,
even when a worker or the writer is killed with SIGKILL halfway."""

from __future__ import annotations

import os
import re
import sqlite3
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

FEEDS, PER_FEED = 100, 20
TOTAL = FEEDS * PER_FEED
STREAM, LEASES = "feedvault:articles", "feedvault:leases"


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    with redis_server(tmp_path) as server:
        yield server


@pytest.fixture
def feeds() -> Iterator[FeedSite]:
    site = FeedSite(FEEDS, PER_FEED, delay=0.1)  # slow enough to kill a worker mid-crawl
    yield site
    site.close()


def _enqueued(tmp_path: Path, redis: RedisServer, feeds: FeedSite) -> Path:
    sources = [{"name": f"f{n:03d}", "url": url} for n, url in enumerate(feeds.urls)]
    config = write_config(tmp_path, sources, extra=distributed_config(redis.url))
    result = feedvault("crawl", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"enqueued {FEEDS} feed requests for {FEEDS} sources" in result.stdout
    assert not archive_files(tmp_path / "posts")  # `crawl` only enqueued
    return config


def _assert_each_archived_once(root: Path) -> None:
    files = archive_files(root)
    guids = sorted(frontmatter.load(p)["guid"] for p in files)
    expected = sorted(i["guid"] for n in range(FEEDS) for i in feed_items(n, PER_FEED))
    assert len(files) == TOTAL
    assert guids == expected  # all 2,000, none twice
    with sqlite3.connect(root / HIDDEN / "ledger.sqlite") as db:
        assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == TOTAL


def _column(summary: str, name: str) -> int:
    """The sum of one column (new, updated, unchanged, failed) of the per-source summary."""
    index = ["new", "updated", "unchanged", "failed"].index(name) + 1
    return sum(int(line.split()[index]) for line in summary.splitlines()
               if re.match(r"^f\d{3} ", line))


def _requests(worker: Process) -> int:
    match = re.search(r"worker: (\d+) requests", worker.stdout)
    assert match, worker.output
    return int(match[1])


def _assert_redis_drained(redis: RedisServer) -> None:
    client = redis.client
    assert client.zcard("feedvault:requests") == 0
    assert client.hlen(LEASES) == 0
    assert client.xlen(STREAM) == 0  # every entry acknowledged and deleted
    assert client.xpending(STREAM, "writer")["pending"] == 0


def test_two_workers_and_a_writer_archive_each_article_once(
        tmp_path: Path, redis: RedisServer, feeds: FeedSite) -> None:
    config = _enqueued(tmp_path, redis, feeds)
    workers = [Process(tmp_path, f"worker{i}", "worker", "--config", config, "--idle", "2")
               for i in range(2)]
    writer = Process(tmp_path, "writer", "writer", "--config", config, "--idle", "2")
    for process in [*workers, writer]:
        assert process.wait() == 0, process.output
    shares = [_requests(w) for w in workers]
    assert sum(shares) == FEEDS and all(shares), shares  # both worked, no feed fetched twice
    assert _column(writer.stdout, "new") == TOTAL
    assert _column(writer.stdout, "failed") == 0
    _assert_each_archived_once(tmp_path / "posts")
    _assert_redis_drained(redis)


def test_a_worker_killed_halfway_loses_nothing(
        tmp_path: Path, redis: RedisServer, feeds: FeedSite) -> None:
    config = _enqueued(tmp_path, redis, feeds)
    victim = Process(tmp_path, "victim", "worker", "--config", config)
    survivor = Process(tmp_path, "survivor", "worker", "--config", config, "--idle", "2")
    wait_until(lambda: redis.client.xlen(STREAM) >= TOTAL // 2, what="half the articles")
    held = [k for k in redis.client.hkeys(LEASES) if f":{victim.pid}:".encode() in k]
    victim.kill()
    assert held, "the killed worker held no request: nothing was tested"
    assert redis.client.xlen(STREAM) < TOTAL
    writer = Process(tmp_path, "writer", "writer", "--config", config, "--idle", "2")
    assert survivor.wait() == 0, survivor.output
    assert writer.wait() == 0, writer.output
    assert "of a vanished worker back in the queue" in survivor.output
    assert _column(writer.stdout, "new") == TOTAL
    _assert_each_archived_once(tmp_path / "posts")
    _assert_redis_drained(redis)


def _count_files(root: Path) -> int:
    return sum(len(files) for folder, _, files in os.walk(root) if HIDDEN not in folder)


def test_a_writer_killed_and_restarted_loses_nothing(
        tmp_path: Path, redis: RedisServer, feeds: FeedSite) -> None:
    config = _enqueued(tmp_path, redis, feeds)
    workers = [Process(tmp_path, f"worker{i}", "worker", "--config", config, "--idle", "2")
               for i in range(2)]
    first = Process(tmp_path, "writer1", "writer", "--config", config)
    root = tmp_path / "posts"
    # killed holding entries it read and has not acknowledged (what the test is about)
    wait_until(lambda: _count_files(root) >= TOTAL // 4
               and redis.client.xpending(STREAM, "writer")["pending"] > 0,
               what="a quarter archived, with entries read and not yet acknowledged",
               interval=0.05)
    first.kill()
    on_disk = _count_files(root)
    with sqlite3.connect(root / HIDDEN / "ledger.sqlite") as db:
        written = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert 0 < written < TOTAL
    assert redis.client.xpending(STREAM, "writer")["pending"] > 0  # read, never acknowledged
    second = Process(tmp_path, "writer2", "writer", "--config", config, "--idle", "2")
    for process in [*workers, second]:
        assert process.wait() == 0, process.output
    assert "claimed" in second.output and "previous writer" in second.output
    # What the first writer had recorded is unchanged for the second, never a second file;
    # a file it wrote but had not yet recorded in the ledger is adopted as it is (unchanged)
    assert TOTAL - on_disk <= _column(second.stdout, "new") <= TOTAL - written
    _assert_each_archived_once(root)
    _assert_redis_drained(redis)
