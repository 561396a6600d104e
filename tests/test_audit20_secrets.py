"""Secrets in a source's URL stay out of every report line (found by the s6 audit)."""

from __future__ import annotations

import json
from pathlib import Path

from crawler.notify import digest
from crawler.outcome.report import failed_url, left, problem, summarize
from tests.conftest import LocalSite, feedvault, write_config


class _Stats(dict):  # the two methods of Scrapy's stats collector the report uses
    def get_value(self, key: str) -> object:
        return self.get(key)

    def set_value(self, key: str, value: object) -> None:
        self[key] = value


def test_a_failing_private_feed_reports_its_url_without_the_token(site: LocalSite,
                                                                  tmp_path: Path) -> None:
    # a private feed's token in feedvault.toml went into the summary, the log, --report,
    # the run history in .feedvault/http.sqlite and `status` (and from there notifications)
    write_config(tmp_path, [{"name": "private", "url": site.url("gone.xml?token=SEKRET1&x=1")}])
    crawl = feedvault("crawl", "--report", tmp_path / "report.json", cwd=tmp_path)
    assert crawl.returncode == 1
    assert "private: " + site.url("gone.xml?token=(removed)&x=1") + ": feed not fetched" \
        in crawl.stdout
    status = feedvault("status", cwd=tmp_path)
    report = (tmp_path / "report.json").read_text(encoding="utf-8")
    assert json.loads(report)["sources"][0]["failures"][0]["url"].endswith("token=(removed)&x=1")
    history = (tmp_path / "posts" / ".feedvault" / "http.sqlite").read_bytes()
    for text in (crawl.stdout, crawl.stderr, status.stdout, status.stderr, report):
        assert "SEKRET1" not in text
    assert b"SEKRET1" not in history


def test_every_report_line_and_the_digest_leave_out_secrets() -> None:
    stats = _Stats()
    failed_url(stats, "s", "https://u:pw@feeds.example/f?api_key=K1", "HTTP 500", fatal=True)
    problem(stats, "s", "page https://example.com/a?sig=K2&p=2 not fetched (refused).")
    left(stats, "s", "https://example.com/b?access_key=K3")
    [summary] = summarize(stats, ["s"])
    message = digest([summary], {}, ["failed"])
    assert message is not None
    shown = json.dumps([summary.problems, summary.failures, summary.left, message.body])
    for secret in ("pw", "K1", "K2", "K3"):
        assert secret not in shown
    assert summary.problems[1] == ("page https://example.com/a?sig=(removed)&p=2 "
                                   "not fetched (refused).")


def test_private_feed_parameters_are_secrets() -> None:
    # private trackers and feed readers name them so; they were kept in captures, the HTTP
    # validators' keys and (now) report lines
    from archive.urls import redact_url

    url = ("https://t.example/rss?passkey=A1&authkey=B2&usertoken=C3&session=D4&sid=E5&jwt=F6"
           "&pwd=G7&X-Amz-Credential=H8&page=2&q=news&keyword=x")
    shown = redact_url(url)
    assert shown == ("https://t.example/rss?passkey=(removed)&authkey=(removed)"
                     "&usertoken=(removed)&session=(removed)&sid=(removed)&jwt=(removed)"
                     "&pwd=(removed)&X-Amz-Credential=(removed)&page=2&q=news&keyword=x")
