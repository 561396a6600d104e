"""Selector drift on its own: the length history per source and the warning it gives."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from crawler.outcome.drift import DriftHistory

URL = "http://example.invalid/post/1"


def test_no_verdict_before_three_articles(tmp_path: Path) -> None:
    history = DriftHistory(tmp_path)
    assert history.usual("blog") is None
    assert history.check("blog", 1, URL) is None
    history.record("blog", 1000)
    history.record("blog", 1000)
    assert history.usual("blog") is None
    assert history.check("blog", 1, URL) is None


def test_a_page_under_thirty_percent_of_the_median_is_reported(tmp_path: Path) -> None:
    history = DriftHistory(tmp_path)
    for length in (800, 1000, 5000):
        history.record("blog", length)
    assert history.usual("blog") == 1000  # the median: one huge page does not move it
    assert history.check("blog", 299, URL) == (
        "http://example.invalid/post/1: extracted text is 299 characters, the source usually "
        "gives 1000: the page layout may have changed (check content_selector)")
    assert history.check("blog", 300, URL) is None
    assert history.check("other", 1, URL) is None  # each source has its own history


def test_the_median_of_an_even_count_is_rounded_down(tmp_path: Path) -> None:
    history = DriftHistory(tmp_path)
    for length in (100, 200, 301, 400):
        history.record("blog", length)
    assert history.usual("blog") == 250


def test_only_the_last_twenty_lengths_count(tmp_path: Path) -> None:
    history = DriftHistory(tmp_path)
    for _ in range(20):
        history.record("blog", 10)  # a layout that used to give little text
    for _ in range(20):
        history.record("blog", 2000)  # then a fixed selector
    assert history.lengths["blog"] == [2000] * 20
    assert history.usual("blog") == 2000


def test_the_history_is_kept_between_crawls(tmp_path: Path) -> None:
    history = DriftHistory(tmp_path)
    for length in (1000, 1100, 1200):
        history.record("blog", length)
    history.record("news", 50)
    history.save()
    saved = tmp_path / ".feedvault" / "extraction.json"
    assert json.loads(saved.read_text(encoding="utf-8")) == {"blog": [1000, 1100, 1200],
                                                             "news": [50]}
    again = DriftHistory(tmp_path)
    assert again.usual("blog") == 1100
    assert again.lengths["news"] == [50]
    assert not list((tmp_path / ".feedvault" / "tmp").iterdir())  # written atomically


def test_an_empty_history_writes_no_file(tmp_path: Path) -> None:
    DriftHistory(tmp_path).save()
    assert not (tmp_path / ".feedvault").exists()


@pytest.mark.parametrize("content", ["{not json", '["a", "list"]', '{"blog": ["x"]}', ""])
def test_an_unreadable_history_starts_afresh_with_a_warning(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, content: str) -> None:
    path = tmp_path / ".feedvault" / "extraction.json"
    path.parent.mkdir()
    path.write_text(content, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="crawler.outcome.drift"):
        history = DriftHistory(tmp_path)
    assert history.lengths == {}
    assert [r.getMessage().split(": ")[0] for r in caplog.records] == [str(path)]
    assert "unreadable, starting a new history" in caplog.records[0].getMessage()
    history.record("blog", 10)
    history.save()  # and the next save replaces it with a good one
    assert json.loads(path.read_text(encoding="utf-8")) == {"blog": [10]}


def test_a_history_that_cannot_be_saved_is_a_warning_not_a_crash(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocked = tmp_path / ".feedvault" / "extraction.json"
    blocked.mkdir(parents=True)  # a folder where the file goes: the write fails for real
    history = DriftHistory(tmp_path)
    history.record("blog", 10)
    with caplog.at_level(logging.WARNING, logger="crawler.outcome.drift"):
        history.save()
    saving = [r.getMessage() for r in caplog.records if "not saved" in r.getMessage()]
    assert saving == [f"{blocked}: extraction history not saved: Is a directory"]
    assert blocked.is_dir()
