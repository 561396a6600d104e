"""A crawl without `.feedvault/` (a fresh clone, a cold CI cache) changes nothing that did not change."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive import PRESETS, Archive, Article
from archive.store import HIDDEN
from tests.conftest import EXAMPLES, feedvault

PRESET_NAMES = sorted(PRESETS)
CRAWL_DAY = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)


def _files(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under root outside the hidden folder: its bytes and its mtime."""
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file() and HIDDEN not in p.relative_to(root).parts
    }


def _demo(tmp_path: Path, preset: str) -> Path:
    demo = tmp_path / "examples"
    shutil.copytree(EXAMPLES, demo, ignore=shutil.ignore_patterns("posts"))
    config = demo / "feedvault.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        'preset = "hexo"', f'preset = "{preset}"'), encoding="utf-8")
    return config


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_examples_crawled_again_without_state_are_left_byte_for_byte(
        tmp_path: Path, preset: str) -> None:
    config = _demo(tmp_path, preset)
    first = feedvault("crawl", "--config", config)
    assert first.returncode == 0, first.stdout + first.stderr
    posts = config.parent / "posts"
    before = _files(posts)
    assert len(before) == 5
    shutil.rmtree(posts / HIDDEN)
    second = feedvault("crawl", "--config", config)
    assert second.returncode == 0, second.stdout + second.stderr
    assert _files(posts) == before  # same bytes, same mtimes: nothing to commit
    lines = {line.split()[0]: line.split()[1:4] for line in second.stdout.splitlines()
             if line.split()[:1] in (["woshipm"], ["notes"], ["links"])}
    assert lines == {name: ["0", "0", n] for name, n in
                     (("woshipm", "1"), ("notes", "2"), ("links", "2"))}


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_first_crawl_says_updated_when_the_source_does_else_the_published_date(
        tmp_path: Path, preset: str) -> None:
    config = _demo(tmp_path, preset)
    result = feedvault("crawl", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    with Archive(config.parent / "posts", preset) as archive:
        loaded = {a.title: a for a in (archive.load(e.path) for e in archive.ledger.entries())}
    assert len(loaded) == 5
    for article in loaded.values():
        assert article.updated is not None and article.date is not None
        assert article.updated == article.date  # none of the examples was edited after publishing
        assert article.updated.year < 2026  # never the crawl time


def _article(body: str = "<p>First version.</p>", **changes: object) -> Article:
    article = Article(source="blog", title="A post", body=body,
                      date=datetime(2024, 1, 2, 3, 4, tzinfo=UTC),
                      original_url="https://blog.example/a", guid="urn:a")
    return article.with_(**changes)


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_updated_moves_only_when_the_content_changes(tmp_path: Path, preset: str) -> None:
    times = iter([CRAWL_DAY, CRAWL_DAY.replace(day=2), CRAWL_DAY.replace(day=3)])
    with Archive(tmp_path, preset, clock=lambda: next(times)) as archive:
        path = archive.put(_article()).path
        assert archive.load(path).updated == _article().date
        written = (tmp_path / path).read_bytes()
        assert archive.put(_article()).status == "unchanged"
        assert (tmp_path / path).read_bytes() == written
        assert archive.put(_article("<p>Second version.</p>")).status == "updated"
        assert archive.load(path).updated == CRAWL_DAY.replace(day=3)  # when it was seen changed


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_the_sources_own_update_time_is_the_one_written(tmp_path: Path, preset: str) -> None:
    edited = datetime(2024, 5, 6, 7, 8, tzinfo=UTC)
    with Archive(tmp_path, preset, clock=lambda: CRAWL_DAY) as archive:
        path = archive.put(_article(updated=datetime(2024, 1, 3, tzinfo=UTC))).path
        assert archive.load(path).updated == datetime(2024, 1, 3, tzinfo=UTC)
        archive.put(_article("<p>Edited.</p>", updated=edited))
        assert archive.load(path).updated == edited
        # a feed that restamps every entry on each build does not rewrite unchanged files
        before = (tmp_path / path).read_bytes()
        assert archive.put(_article("<p>Edited.</p>", updated=CRAWL_DAY)).status == "unchanged"
        assert (tmp_path / path).read_bytes() == before


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_adopted_files_stay_unless_their_article_changed(tmp_path: Path, preset: str) -> None:
    other = _article("<p>Other.</p>", title="Other post", guid="urn:b",
                     original_url="https://blog.example/b")
    with Archive(tmp_path, preset, clock=lambda: CRAWL_DAY) as archive:
        kept, edited = archive.put(other).path, archive.put(_article()).path
    before = _files(tmp_path)
    shutil.rmtree(tmp_path / HIDDEN)
    later = CRAWL_DAY.replace(year=2031)
    with Archive(tmp_path, preset, clock=lambda: later) as archive:
        assert archive.put(other).status == "unchanged"
        changed = archive.put(_article("<p>Second version.</p>"))
        assert (changed.status, changed.path) == ("updated", edited)
        assert archive.load(edited).updated == later
        assert archive.put(_article("<p>Second version.</p>")).status == "unchanged"
    after = _files(tmp_path)
    assert after[kept] == before[kept]
    assert after[edited] != before[edited]
    assert sorted(after) == sorted(before)  # no second file for either article


def test_json_feed_dates_that_are_not_strings_are_no_dates() -> None:
    from crawler.feeds.parse import parse_feed

    feed = parse_feed(json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "t",
                                  "items": [{"id": "1", "content_html": "<p>x</p>",
                                             "date_published": "2024-01-02T00:00:00Z",
                                             "date_modified": 12345},
                                            {"id": "2", "content_html": "<p>y</p>",
                                             "date_published": ["2024"]}]}).encode(),
                      "https://feed.example/feed.json", {"Content-Type": "application/json"})
    assert [(e.guid, e.date, e.updated) for e in feed.entries] == [
        ("1", datetime(2024, 1, 2, tzinfo=UTC), None), ("2", None, None)]


def test_an_rss_item_without_an_update_time_has_none() -> None:
    from crawler.feeds.parse import parse_feed
    from tests.conftest import rss_feed, rss_item

    # feedparser would answer the published date for `updated`, with a DeprecationWarning
    [entry] = parse_feed(rss_feed([rss_item(1)]).encode(), "https://feed.example/rss").entries
    assert entry.date == datetime.fromisoformat("2024-01-01T10:00:00+08:00")
    assert entry.updated is None
