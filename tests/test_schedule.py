"""Schedules and freshness hints: durations, cron, skip rules, caching headers, config errors."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from archive import ConfigError
from crawler.config import parse_config
from crawler.schedule.freshness import MAX_POSTPONE, cache_expiry, feed_hints, retry_after
from crawler.schedule.rules import Schedule, next_poll, parse_duration

NOW = datetime(2024, 3, 4, 10, 30, tzinfo=UTC)  # a Monday


@pytest.mark.parametrize(("text", "seconds"), [
    ("30m", 1800), ("1h30m", 5400), ("2d", 172800), ("45s", 45), ("90", 90), ("1.5h", 5400),
])
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "30 minutes", "1x", "-5m"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


def test_interval_and_cron_give_the_next_poll() -> None:
    assert next_poll(Schedule(interval=1800), NOW) == NOW + timedelta(minutes=30)
    assert next_poll(Schedule(cron="0 * * * *"), NOW) == datetime(2024, 3, 4, 11, tzinfo=UTC)
    assert next_poll(Schedule(interval=1800), None) is None  # never polled: due now


def test_site_hints_push_the_next_poll_back() -> None:
    later = NOW + timedelta(hours=3)
    assert next_poll(Schedule(interval=1800), NOW, not_before=later) == later
    # skipHours 11 and 12 (GMT): the 11:00 poll moves to 13:00
    assert next_poll(Schedule(cron="0 * * * *"), NOW, skip_hours=[11, 12]) == NOW.replace(
        hour=13, minute=0)
    # skipDays Monday: Tuesday 00:00
    assert next_poll(Schedule(interval=1800), NOW, skip_days=["monday"]) == datetime(
        2024, 3, 5, tzinfo=UTC)


def test_caching_headers() -> None:
    assert cache_expiry({"cache-control": "public, max-age=600"}, NOW) == NOW + timedelta(
        minutes=10)
    assert cache_expiry({"cache-control": "max-age=600", "age": "100"}, NOW) == NOW + timedelta(
        seconds=500)
    assert cache_expiry({"cache-control": "no-cache, max-age=600"}, NOW) is None
    assert cache_expiry({"expires": "Mon, 04 Mar 2024 12:00:00 GMT"}, NOW) == NOW + timedelta(
        minutes=90)
    assert cache_expiry({"expires": "0"}, NOW) is None
    assert cache_expiry({"cache-control": "max-age=99999999"}, NOW) == NOW + MAX_POSTPONE
    assert retry_after("3600", NOW) == NOW + timedelta(hours=1)
    assert retry_after("Mon, 04 Mar 2024 11:00:00 GMT", NOW) == NOW + timedelta(minutes=30)
    assert retry_after("later", NOW) is None


def test_feed_hints_come_from_the_channel_only() -> None:
    body = (b"<rss><channel><ttl>60</ttl><skipHours><hour>1</hour><hour>2</hour></skipHours>"
            b"<skipDays><day>Sunday</day></skipDays>"
            b"<item><description>&lt;ttl&gt;5&lt;/ttl&gt; <ttl>5</ttl></description></item>"
            b"</channel></rss>")
    hints = feed_hints(body)
    assert (hints.ttl, hints.skip_hours, hints.skip_days) == (60, (1, 2), ("sunday",))
    assert feed_hints(b"<feed></feed>").ttl is None


def _config(crawl: str = "", source: str = "") -> str:
    return (f'[archive]\npath = "p"\n[crawl]\n{crawl}\n'
            f'[[sources]]\nname = "a"\nurl = "http://x.test/f"\n{source}\n')


def test_schedule_config_defaults_and_overrides(tmp_path: Path) -> None:
    config = parse_config(_config('cron = "0 6 * * *"', 'interval = "30m"\nid = "link"'),
                          tmp_path / "f.toml")
    assert config.schedule == Schedule(cron="0 6 * * *")
    assert config.schedule_of(config.sources[0]) == Schedule(interval=1800)
    assert config.sources[0].id == "link" and config.sources[0].robots is True
    assert parse_config(_config(), tmp_path / "f.toml").schedule == Schedule(interval=3600)


@pytest.mark.parametrize(("crawl", "source", "message"), [
    ('cron = "61 * * * *"', "", "crawl.cron: '61 * * * *' is not a cron expression"),
    ("", 'interval = "10s"', "sources[0].interval: poll at most once a minute"),
    ("", 'interval = "1h"\ncron = "0 * * * *"', "sources[0].cron: set interval or cron, not both"),
    ("", 'id = "uuid"', "sources[0].id: expected one of auto, guid, link, title+date"),
    ("", 'robots = "no"', "sources[0].robots: expected true or false"),
    ('jitter = "soon"', "", "crawl.jitter: 'soon' is not a duration"),
])
def test_bad_schedules_name_file_line_and_key(tmp_path: Path, crawl: str, source: str,
                                              message: str) -> None:
    with pytest.raises(ConfigError, match=r"f\.toml:\d+: " + re.escape(message)):
        parse_config(_config(crawl, source), tmp_path / "f.toml")
