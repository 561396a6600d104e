"""Which sources a crawl takes (crawler/schedule/due.py), from a real config and HTTP state."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.config import Config
from crawler.config.files import parse_config
from crawler.schedule.due import next_poll_of, plan
from crawler.schedule.http_state import HttpState, Poll

NOW = datetime(2024, 6, 5, 12, 0, tzinfo=UTC)  # a Wednesday, 12:00 UTC

CONFIG = """
[archive]
path = "posts"

[crawl]
interval = "1h"

[[sources]]
name = "hourly"
url = "http://example.invalid/hourly.xml"

[[sources]]
name = "daily"
url = "http://example.invalid/daily.xml"
interval = "1d"

[[sources]]
name = "cron"
url = "http://example.invalid/cron.xml"
cron = "30 6 * * *"
"""


@pytest.fixture
def config(tmp_path: Path) -> Config:
    path = tmp_path / "feedvault.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return parse_config(CONFIG, path)


@pytest.fixture
def state(tmp_path: Path) -> Iterator[HttpState]:
    with HttpState(tmp_path / "posts") as opened:
        yield opened


def polled(state: HttpState, **polls: Poll) -> None:
    state.save({}, polls, NOW)


def names(config: Config, state: HttpState, **flags: bool) -> tuple[list[str], dict[str, str]]:
    result = plan(config, config.sources, state, NOW, **flags)
    return [s.name for s in result.crawl], result.skipped


def test_sources_never_polled_are_all_due(config: Config, state: HttpState) -> None:
    assert names(config, state, due_only=True) == (["hourly", "daily", "cron"], {})
    assert all(next_poll_of(config, s, state) is None for s in config.sources)


def test_due_only_skips_what_its_schedule_says_is_not_due_yet(config: Config,
                                                              state: HttpState) -> None:
    polled(state,
           hourly=Poll(last_polled=NOW - timedelta(minutes=10)),
           daily=Poll(last_polled=NOW - timedelta(hours=25)),
           cron=Poll(last_polled=NOW - timedelta(hours=1)))
    crawl, skipped = names(config, state, due_only=True)
    assert crawl == ["daily"]
    assert skipped == {
        "hourly": "not due until 2024-06-05T12:50:00+00:00",
        "cron": "not due until 2024-06-06T06:30:00+00:00",  # the next 06:30 after 11:00
    }


def test_without_due_only_every_source_is_crawled_whatever_its_schedule(
        config: Config, state: HttpState) -> None:
    polled(state, hourly=Poll(last_polled=NOW - timedelta(minutes=1)))
    assert names(config, state) == (["hourly", "daily", "cron"], {})


def test_a_site_that_asked_for_a_pause_is_skipped_with_its_reason(config: Config,
                                                                  state: HttpState) -> None:
    polled(state,
           hourly=Poll(last_polled=NOW - timedelta(hours=2), not_before=NOW + timedelta(hours=3),
                       outcome="429 Too Many Requests, Retry-After"),
           daily=Poll(last_polled=NOW - timedelta(days=2), not_before=NOW + timedelta(minutes=5)),
           cron=Poll(last_polled=NOW - timedelta(days=2), not_before=NOW - timedelta(minutes=5)))
    crawl, skipped = names(config, state)
    assert crawl == ["cron"]  # a pause that is over no longer counts
    assert skipped == {
        "hourly": "postponed until 2024-06-05T15:00:00+00:00 "
                  "(429 Too Many Requests, Retry-After; --force to crawl)",
        "daily": "postponed until 2024-06-05T12:05:00+00:00 (asked by the site; --force to crawl)",
    }


def test_due_only_honours_the_sites_pause_as_well(config: Config, state: HttpState) -> None:
    polled(state, daily=Poll(last_polled=NOW - timedelta(days=2),
                             not_before=NOW + timedelta(hours=2)))
    crawl, skipped = names(config, state, due_only=True)
    assert crawl == ["hourly", "cron"]
    assert skipped == {"daily": "not due until 2024-06-05T14:00:00+00:00"}


def test_force_crawls_everything(config: Config, state: HttpState) -> None:
    polled(state,
           hourly=Poll(last_polled=NOW, not_before=NOW + timedelta(days=1)),
           daily=Poll(last_polled=NOW))
    assert names(config, state, force=True) == (["hourly", "daily", "cron"], {})
    assert names(config, state, force=True, due_only=True) == (["hourly", "daily", "cron"], {})


def test_skip_hours_and_days_push_the_next_poll(config: Config, state: HttpState) -> None:
    # due at 12:30 by the hourly schedule, but the feed skips 12:00-13:59 GMT
    polled(state, hourly=Poll(last_polled=NOW - timedelta(minutes=30), skip_hours=(12, 13)))
    [hourly] = [s for s in config.sources if s.name == "hourly"]
    assert next_poll_of(config, hourly, state) == datetime(2024, 6, 5, 14, 0, tzinfo=UTC)
    # and a feed that skips Thursdays waits for Friday
    polled(state, hourly=Poll(last_polled=NOW + timedelta(hours=12), skip_days=("Thursday",)))
    assert next_poll_of(config, hourly, state) == datetime(2024, 6, 7, 0, 0, tzinfo=UTC)


def test_only_the_sources_asked_for_are_planned(config: Config, state: HttpState) -> None:
    result = plan(config, config.select(["cron"]), state, NOW, due_only=True)
    assert [s.name for s in result.crawl] == ["cron"] and result.skipped == {}
