"""The crawl's outcome on its own: counters in Scrapy's stats, the summary a user reads, the JSON report."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from scrapy.utils.test import get_crawler

from crawler.outcome import json_report
from crawler.outcome.json_report import ReportError
from crawler.outcome.report import (
    SourceSummary,
    count,
    failed_url,
    format_summary,
    left,
    mark,
    problem,
    summarize,
)


@pytest.fixture
def stats() -> Any:
    return get_crawler().stats  # Scrapy's own stats collector, as a crawl has it


def _timed(stats: Any, source: str, started: float, finished: float) -> None:
    mark(stats, source, "started", started)
    mark(stats, source, "finished", finished)


def test_counters_become_one_summary_per_source(stats: Any) -> None:
    for status in ("new", "new", "new", "updated", "unchanged", "unchanged"):
        count(stats, "blog", status)
    failed_url(stats, "blog", "http://example.invalid/p/9", "HTTP 404")
    count(stats, "blog", "failed")
    count(stats, "quiet", "not_modified")
    _timed(stats, "blog", 100.0, 112.25)
    _timed(stats, "quiet", 100.0, 99.0)  # a clock that went backwards: never negative
    blog, quiet, absent = summarize(stats.get_stats(), ["blog", "quiet", "absent"])
    assert (blog.new, blog.updated, blog.unchanged, blog.not_modified, blog.failed) == (3, 1, 2, 0, 1)
    assert blog.seconds == 12.25
    assert blog.failures == [{"url": "http://example.invalid/p/9", "reason": "HTTP 404"}]
    assert blog.problems == ["http://example.invalid/p/9: HTTP 404"]
    assert (blog.ok, blog.status) == (False, "failed")
    assert (quiet.not_modified, quiet.seconds, quiet.status) == (1, 0.0, "not modified")
    assert absent == SourceSummary("absent")  # a source the crawl never reached: all zero
    assert absent.status == "ok"


def test_a_fatal_problem_fails_the_source_and_a_warning_does_not(stats: Any) -> None:
    count(stats, "warned", "new")
    problem(stats, "warned", "feed has 3000 items; only the first 2000 were read")
    problem(stats, "broken", "not a feed: no RSS, Atom or JSON Feed structure found", fatal=True)
    warned, broken = summarize(stats.get_stats(), ["warned", "broken"])
    assert (warned.status, warned.ok) == ("ok", True)
    assert (broken.status, broken.ok, broken.broken) == ("failed", False, True)
    assert broken.problems == ["not a feed: no RSS, Atom or JSON Feed structure found"]
    assert broken.failures == []  # a problem without a URL is not a failed URL


def test_mark_first_keeps_the_first_value(stats: Any) -> None:
    mark(stats, "blog", "not_before", "2024-06-05T15:00:00+00:00", first=True)
    mark(stats, "blog", "not_before", "2024-06-06T00:00:00+00:00", first=True)
    [blog] = summarize(stats.get_stats(), ["blog"])
    assert blog.not_before == "2024-06-05T15:00:00+00:00"


def test_urls_cut_off_by_the_deadline_make_the_source_stopped(stats: Any) -> None:
    count(stats, "slow", "new")
    for n in range(4):
        left(stats, "slow", f"http://example.invalid/{n}")
    [slow] = summarize(stats.get_stats(), ["slow"])
    assert slow.left == [f"http://example.invalid/{n}" for n in range(4)]
    assert (slow.status, slow.ok) == ("stopped", True)


def _summaries() -> list[SourceSummary]:
    return [
        SourceSummary("blog", new=3, updated=1, unchanged=2, seconds=12.34),
        SourceSummary("quiet", not_modified=1, seconds=0.04,
                      not_before="2024-06-05T15:00:00+00:00"),
        SourceSummary("a-very-long-source-name", failed=1, seconds=3.0,
                      problems=["http://example.invalid/f.xml: feed not fetched (HTTP 503)"],
                      failures=[{"url": "http://example.invalid/f.xml",
                                 "reason": "feed not fetched (HTTP 503)"}]),
        SourceSummary("later", skipped="not due until 2024-06-05T12:50:00+00:00"),
        SourceSummary("slow", new=1, seconds=60.0,
                      left=[f"http://example.invalid/{n}" for n in range(4)]),
        SourceSummary("one", new=1, left=["http://example.invalid/x"]),
    ]


def test_the_summary_a_user_reads(stats: Any) -> None:
    assert format_summary(_summaries()) == "\n".join([
        "source                     new updated unchanged not-modified failed seconds  status",
        "blog                         3       1         2            0      0    12.3  ok",
        "quiet                        0       0         0            1      0     0.0  "
        "not modified (next poll not before 2024-06-05T15:00:00+00:00)",
        "a-very-long-source-name      0       0         0            0      1     3.0  FAILED",
        "later                        0       0         0            0      0     0.0  "
        "skipped: not due until 2024-06-05T12:50:00+00:00",
        "slow                         1       0         0            0      0    60.0  stopped",
        "one                          1       0         0            0      0     0.0  stopped",
        "  a-very-long-source-name: http://example.invalid/f.xml: feed not fetched (HTTP 503)",
        "  slow: left for the next crawl: 4 URLs (http://example.invalid/0, "
        "http://example.invalid/1, http://example.invalid/2, ...)",
        "  one: left for the next crawl: 1 URL (http://example.invalid/x)",
    ])


def test_the_summary_of_short_names_keeps_the_header_width() -> None:
    assert format_summary([SourceSummary("a", new=1)]).splitlines() == [
        "source    new updated unchanged not-modified failed seconds  status",
        "a           1       0         0            0      0     0.0  ok",
    ]


STARTED = datetime(2024, 6, 5, 12, 0, 0, tzinfo=UTC)
FINISHED = datetime(2024, 6, 5, 12, 1, 15, 500000, tzinfo=UTC)


def test_the_json_report_schema(tmp_path: Path) -> None:
    report = json_report.build(_summaries(), started=STARTED, finished=FINISHED,
                               archive=tmp_path / "posts", exit_status=1,
                               stopped="max_time (1m) reached")
    assert list(report) == ["schema", "started", "finished", "seconds", "archive",
                            "exit_status", "stopped", "totals", "sources", "failures"]
    assert report["schema"] == "feedvault-crawl-report/1"
    assert (report["started"], report["finished"], report["seconds"]) == (
        "2024-06-05T12:00:00+00:00", "2024-06-05T12:01:15.500000+00:00", 75.5)
    assert (report["archive"], report["exit_status"], report["stopped"]) == (
        str(tmp_path / "posts"), 1, "max_time (1m) reached")
    assert report["totals"] == {"new": 5, "updated": 1, "unchanged": 2, "not_modified": 1,
                                "failed": 1, "filtered": 0}
    assert [s["status"] for s in report["sources"]] == [
        "ok", "not modified", "failed", "skipped", "stopped", "stopped"]
    assert report["sources"][2] == {
        "name": "a-very-long-source-name", "status": "failed", "skipped": None,
        "new": 0, "updated": 0, "unchanged": 0, "not_modified": 0, "failed": 1, "filtered": 0,
        "seconds": 3.0, "not_before": None,
        "failures": [{"url": "http://example.invalid/f.xml",
                      "reason": "feed not fetched (HTTP 503)"}],
        "problems": ["http://example.invalid/f.xml: feed not fetched (HTTP 503)"],
        "left": [],
    }
    assert report["sources"][3]["skipped"] == "not due until 2024-06-05T12:50:00+00:00"
    assert report["failures"] == [{"source": "a-very-long-source-name",
                                   "url": "http://example.invalid/f.xml",
                                   "reason": "feed not fetched (HTTP 503)"}]


def test_the_json_report_is_written_whole_into_new_folders(tmp_path: Path) -> None:
    path = tmp_path / "reports" / "today" / "crawl.json"
    json_report.check_writable(path)
    report = json_report.build(_summaries()[:1], started=STARTED, finished=FINISHED,
                               archive=tmp_path, exit_status=0)
    json_report.write(path, report)
    assert json.loads(path.read_text(encoding="utf-8")) == report
    assert [p.name for p in path.parent.iterdir()] == ["crawl.json"]  # no temporary file left
    assert report["stopped"] is None and report["failures"] == []


def test_a_folder_given_as_the_report_is_refused_before_the_crawl(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match=r"is a folder; give a file name such as report\.json"):
        json_report.check_writable(tmp_path)


def test_a_report_that_cannot_be_written_names_the_path(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file where a folder should be", encoding="utf-8")
    path = tmp_path / "taken" / "crawl.json"
    with pytest.raises(ReportError, match=rf"--report {path}: cannot write"):
        json_report.write(path, {"schema": json_report.SCHEMA})
