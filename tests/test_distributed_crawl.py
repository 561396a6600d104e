"""`feedvault crawl` in distributed mode: --due and --force plan like a single-machine crawl;
flags that belong to the writer are refused with a reason, never silently ignored."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.commands.crawl import refused_flag
from crawler.commands.exit import EXIT_USAGE
from crawler.schedule.http_state import HttpState, Poll, Validators
from tests.conftest import LocalSite, feedvault, rss_feed, write_config
from tests.distributed_helpers import RedisServer, distributed_config, redis_server


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    with redis_server(tmp_path) as server:
        yield server


def _config(tmp_path: Path, redis_url: str) -> Path:
    sources = [{"name": "fresh", "url": "http://127.0.0.1:9/fresh.xml"},
               {"name": "stale", "url": "http://127.0.0.1:9/stale.xml"}]
    config = write_config(tmp_path, sources, extra=distributed_config(redis_url))
    (tmp_path / "posts").mkdir()
    with HttpState(tmp_path / "posts") as state:  # `fresh` was polled a minute ago
        now = datetime.now(UTC)
        state.save({}, {"fresh": Poll(last_polled=now - timedelta(minutes=1), outcome="ok")},
                   now=now)
    return config


def test_due_enqueues_only_the_due_sources(tmp_path: Path, redis: RedisServer) -> None:
    result = feedvault("crawl", "--due", "--config", _config(tmp_path, redis.url))
    assert result.returncode == 0, result.stderr
    assert "enqueued 1 feed requests for 1 sources" in result.stdout
    assert "fresh: skipped, not due until" in result.stdout


def test_force_enqueues_every_source(tmp_path: Path, redis: RedisServer) -> None:
    result = feedvault("crawl", "--due", "--force", "--config", _config(tmp_path, redis.url))
    assert result.returncode == 0, result.stderr
    assert "enqueued 2 feed requests for 2 sources" in result.stdout


def test_nothing_due_enqueues_nothing(tmp_path: Path, redis: RedisServer) -> None:
    config = _config(tmp_path, redis.url)
    result = feedvault("crawl", "--due", "--source", "fresh", "--config", config)
    assert result.returncode == 0, result.stderr
    assert "enqueued nothing" in result.stdout


@pytest.mark.parametrize("flags", [["--report", "out.json"], ["--snapshot"],
                                   ["--max-time", "5m"]])
def test_writer_flags_are_refused(tmp_path: Path, flags: list[str]) -> None:
    # No redis-server: the refusal comes before anything is contacted.
    config = _config(tmp_path, "redis://127.0.0.1:9/0")
    result = feedvault("crawl", *[str(tmp_path / f) if f.endswith(".json") else f
                                  for f in flags], "--config", config)
    assert result.returncode == EXIT_USAGE
    assert f"{flags[0]} does nothing in distributed mode" in result.stderr
    assert "Traceback" not in result.stderr


def test_refused_flag_names_the_flag() -> None:
    args = argparse.Namespace(report=None, snapshot=True, max_time=None)
    assert (refused_flag(args) or "").startswith("--snapshot does nothing")
    assert refused_flag(argparse.Namespace(report=None, snapshot=False, max_time=None)) is None


def test_a_forced_crawl_reaches_the_workers(tmp_path: Path, redis: RedisServer,
                                            site: LocalSite) -> None:
    """`crawl --force` enqueues requests that the worker sends without validators."""
    url = site.write("f.xml", rss_feed([{"title": "A", "guid": "urn:a",
                                         "link": "http://example.invalid/a",
                                         "pubDate": "Mon, 01 Jan 2024 10:00:00 +0000"}]))
    config = write_config(tmp_path, [{"name": "t", "url": url}],
                          extra=distributed_config(redis.url))
    (tmp_path / "posts").mkdir()
    with HttpState(tmp_path / "posts") as state:  # validators from an earlier crawl
        state.save({url: Validators(etag='"v1"')}, {}, now=datetime.now(UTC))

    def crawl(*flags: str) -> tuple[str | None, str | None]:
        """The conditional headers the worker sent for the feed."""
        before = len(site.served("f.xml"))
        enqueued = feedvault("crawl", *flags, "--config", config)
        assert enqueued.returncode == 0, enqueued.stdout + enqueued.stderr
        worker = feedvault("worker", "--idle", "1", "--config", config)
        assert worker.returncode == 0, worker.stdout + worker.stderr
        [(_, etag, since)] = site.served("f.xml")[before:]
        return etag, since

    assert crawl()[0] == '"v1"'  # the worker's own validators for the feed
    assert crawl("--force") == (None, None)
