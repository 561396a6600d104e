"""Unreachable hosts fail fast and are reported once; a crawl has a deadline; logs stay quiet."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import frontmatter
import pytest

from crawler.health.failures import network_failure
from tests.blackhole import BlackHole
from tests.conftest import LocalSite, archive_files, feedvault, rss_feed, write_config

TIMEOUT = 1  # DOWNLOAD_TIMEOUT of the black-hole crawls, seconds
RETRIES = 3  # RETRY_TIMES of the black-hole crawls


@pytest.fixture
def black_hole() -> Iterator[BlackHole]:
    hole = BlackHole()
    yield hole
    hole.close()


def _teasers(links: list[str], start: int = 0) -> list[dict[str, str]]:
    return [{"title": f"Teaser {n}", "link": link, "guid": f"urn:t:{n}",
             "description": f"<p>Teaser text {n} …</p>",
             "pubDate": "Mon, 01 Jan 2024 10:00:00 +0000"}
            for n, link in enumerate(links, start)]


def _report(path: Path) -> dict:  # type: ignore[type-arg]
    return json.loads(path.read_text(encoding="utf-8"))


def test_dead_article_hosts_keep_the_feed_text_and_are_reported_once_per_host(
        site: LocalSite, tmp_path: Path) -> None:
    hosts = [f"news{h}.example.invalid" for h in range(3)]
    links = [f"http://{hosts[n % 3]}/article/{n}" for n in range(30)]
    url = site.write("feed.xml", rss_feed(_teasers(links)))
    config = write_config(tmp_path, [{"name": "dead", "url": url}], follow_pages=True)
    result = feedvault("crawl", "--config", config, "--report", tmp_path / "r.json")
    assert result.returncode == 0, result.stdout + result.stderr
    files = archive_files(tmp_path / "posts")
    assert len(files) == 30
    assert all("Teaser text" in frontmatter.load(f).content for f in files)
    problems = _report(tmp_path / "r.json")["sources"][0]["problems"]
    assert sorted(problems) == [
        f"{host}:80: unreachable (DNS lookup failed); 10 pages kept the feed's text"
        for host in hosts]
    assert "Traceback" not in result.stderr
    # one line per host in the log, too; nothing per URL
    assert result.stderr.count("unreachable") == 3, result.stderr
    assert "/article/" not in result.stderr


def test_a_dead_feed_host_fails_the_feed_in_one_line(site: LocalSite, tmp_path: Path) -> None:
    config = write_config(tmp_path, [{"name": "gone", "url": "http://feeds.example.invalid/rss"}])
    result = feedvault("crawl", "--config", config)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if "feeds.example.invalid" in line]
    assert len(lines) == 1, result.stderr
    assert "unreachable (DNS lookup failed)" in lines[0]
    from crawler.schedule.http_state import HttpState

    with HttpState(tmp_path / "posts") as state:  # a poll all the same: not due at once again
        assert state.poll("gone").last_polled is not None


def test_verbose_logs_say_when_a_host_went_down(site: LocalSite, tmp_path: Path) -> None:
    links = [f"http://gone.example.invalid/{n}" for n in range(3)]
    url = site.write("feed.xml", rss_feed(_teasers(links)))
    config = write_config(tmp_path, [{"name": "dead", "url": url}], follow_pages=True)
    result = feedvault("crawl", "--config", config, "-v")
    assert result.returncode == 0, result.stderr
    assert "gone.example.invalid:80: unreachable (DNS lookup failed): its other requests " \
        "in this crawl are skipped" in result.stderr  # the moment it happened, at -v
    assert "3 pages kept the feed's text" in result.stderr


@pytest.mark.parametrize("robots", [True, False], ids=["robots.txt first", "pages at once"])
def test_a_black_hole_host_costs_one_timeout_not_one_per_page(
        site: LocalSite, black_hole: BlackHole, tmp_path: Path, robots: bool) -> None:
    # With robots.txt, its request goes first and the pages wait for it; without, up to
    # 16 pages are in flight at once and the first failures must stop the others.
    links = [black_hole.url(f"post/{n}") for n in range(40)]
    url = site.write("feed.xml", rss_feed(_teasers(links)))
    config = write_config(
        tmp_path, [{"name": "hole", "url": url, "robots": robots}], follow_pages=True,
        # the black hole stands for a public host: let the egress policy reach it
        extra=f'[crawl]\nallow_networks = ["127.0.0.2"]\n'
              f"[scrapy]\nDOWNLOAD_TIMEOUT = {TIMEOUT}\nRETRY_TIMES = {RETRIES}\n")
    result = feedvault("crawl", "--config", config, "--report", tmp_path / "r.json")
    assert result.returncode == 0, result.stdout + result.stderr
    files = archive_files(tmp_path / "posts")
    assert len(files) == 40
    assert all("Teaser text" in frontmatter.load(f).content for f in files)
    source = _report(tmp_path / "r.json")["sources"][0]
    host = f"127.0.0.2:{black_hole.port}"
    assert source["problems"] == [f"{host}: unreachable (timed out); "
                                  "40 pages kept the feed's text"]
    # A functional bound, loose on purpose: without host health every page waits through
    # every retry (40 x 4 timeouts / 4 at a time); with it, about two timeouts in all.
    assert source["seconds"] < 2 * TIMEOUT * RETRIES, source
    assert black_hole.accepted <= 20  # not 40 pages x 4 attempts
    assert "Traceback" not in result.stderr
    assert result.stderr.count("unreachable") == 1, result.stderr

    # The next crawl remembers the host: one probe, then its pages fail at once.
    first = black_hole.accepted
    site.write("feed.xml", rss_feed(_teasers([*links, black_hole.url("post/new")])))
    again = feedvault("crawl", "--config", config, "--report", tmp_path / "r2.json")
    assert again.returncode == 0, again.stderr
    assert black_hole.accepted - first == 1
    assert len(archive_files(tmp_path / "posts")) == 41
    source = _report(tmp_path / "r2.json")["sources"][0]
    # the 40 archived before keep their archived copy (the feed's text, from then)
    assert source["problems"] == [f"{host}: unreachable (timed out); "
                                  "40 pages kept the archived text; 1 page kept the feed's text"]
    assert source["seconds"] < 2 * TIMEOUT


def test_a_host_that_answers_again_is_up(site: LocalSite, tmp_path: Path) -> None:
    # The feed's own host, remembered as down, answers: its pages are fetched as usual.
    from crawler.schedule.http_state import HttpState

    page = "<html><body><article><p>" + "Full text. " * 80 + "</p></article></body></html>"
    links = [site.write(f"a/{n}.html", page) for n in range(3)]
    url = site.write("feed.xml", rss_feed(_teasers(links)))
    config = write_config(tmp_path, [{"name": "up", "url": url}], follow_pages=True)
    host = site.base.removeprefix("http://")
    from datetime import UTC, datetime
    (tmp_path / "posts").mkdir()
    with HttpState(tmp_path / "posts") as state:
        state.save_hosts({host: "timed out"}, (), datetime.now(UTC))
    result = feedvault("crawl", "--config", config)
    assert result.returncode == 0, result.stderr
    files = archive_files(tmp_path / "posts")
    assert len(files) == 3
    assert all("Full text." in frontmatter.load(f).content for f in files)
    with HttpState(tmp_path / "posts") as state:
        assert state.hosts_down() == {}


def test_max_time_stops_on_time_and_the_next_crawl_completes(
        site: LocalSite, tmp_path: Path) -> None:
    page = "<html><body><article><p>" + "Full text. " * 80 + "</p></article></body></html>"
    links = [site.write(f"a/{n}.html", page) for n in range(12)]
    for n in range(12):  # one page every half second, whatever the concurrency
        site.delays[f"/a/{n}.html"] = 0.5 * n
    url = site.write("feed.xml", rss_feed(_teasers(links)))
    config = write_config(tmp_path, [{"name": "slow", "url": url}], follow_pages=True,
                          extra="[scrapy]\nAUTOTHROTTLE_ENABLED = false\n")
    result = feedvault("crawl", "--config", config, "--max-time", "3s",
                       "--report", tmp_path / "r.json")
    assert result.returncode == 1, result.stdout + result.stderr
    report = _report(tmp_path / "r.json")
    source = report["sources"][0]
    assert source["status"] == "stopped"
    assert report["stopped"] and "deadline" in report["stopped"]
    archived = archive_files(tmp_path / "posts")
    assert 0 < len(archived) < 12
    assert len(archived) + len(source["left"]) == 12
    assert all("Full text." in frontmatter.load(f).content for f in archived)
    assert source["seconds"] < 3 + 2, source  # the deadline, plus one cut-short download
    assert "left for the next crawl" in result.stderr
    assert "left for the next crawl" in result.stdout
    assert "Traceback" not in result.stderr

    # The feed's validators were not stored: the next crawl reads it in full and completes.
    again = feedvault("crawl", "--config", config, "--report", tmp_path / "r2.json")
    assert again.returncode == 0, again.stdout + again.stderr
    files = archive_files(tmp_path / "posts")
    assert len(files) == 12
    assert all("Full text." in frontmatter.load(f).content for f in files)
    assert _report(tmp_path / "r2.json")["sources"][0]["status"] == "ok"
    feed_requests = site.served("feed.xml")
    assert len(feed_requests) == 2 and feed_requests[1][1] is None  # no If-None-Match


def test_max_time_in_the_config_and_a_bad_value(site: LocalSite, tmp_path: Path) -> None:
    url = site.write("feed.xml", rss_feed(_teasers(["http://example.invalid/1"])))
    site.delays["/feed.xml"] = 3
    config = write_config(tmp_path, [{"name": "slow", "url": url}],
                          extra='[crawl]\nmax_time = "1s"\n')
    result = feedvault("crawl", "--config", config, "--report", tmp_path / "r.json")
    assert result.returncode == 1, result.stdout + result.stderr
    assert _report(tmp_path / "r.json")["sources"][0]["left"] == [url]
    bad = write_config(tmp_path, [{"name": "x", "url": url}], extra='[crawl]\nmax_time = "soon"\n')
    result = feedvault("crawl", "--config", bad)
    assert result.returncode == 2
    assert "crawl.max_time" in result.stderr


def test_egress_refusals_do_not_count_against_a_host() -> None:
    from scrapy.exceptions import CannotResolveHostError

    class Refused(Exception):
        host_failure = False

    assert network_failure(CannotResolveHostError("x")) == "DNS lookup failed"
    try:
        try:
            raise Refused("private address")
        except Refused as exc:
            raise CannotResolveHostError("x") from exc
    except CannotResolveHostError as wrapped:
        assert network_failure(wrapped) is None


def test_schedule_passes_max_time_to_each_crawl(site: LocalSite, tmp_path: Path) -> None:
    import signal

    from tests.test_resume import _start, _wait_for

    site.delays["/slow.xml"] = 6
    url = site.write("slow.xml", rss_feed(_teasers(["http://example.invalid/1"])))
    config = write_config(tmp_path, [{"name": "slow", "url": url}],
                          extra='[crawl]\njitter = "0s"\n')
    scheduler = _start("schedule", "--config", config, "--max-time", "2s")
    lines: list[str] = []

    def logged() -> bool:
        assert scheduler.stdout is not None
        lines.append(scheduler.stdout.readline())
        return "crawled slow" in lines[-1]

    _wait_for(logged, timeout=60)
    scheduler.send_signal(signal.SIGINT)
    scheduler.communicate(timeout=60)
    assert "exit 1" in lines[-1] and "deadline" in lines[-1], lines
    assert "1 URLs left for the next crawl" in lines[-1]
