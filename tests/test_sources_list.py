"""`sources list` after real crawls, and `sources remove --purge` deleting what a source archived."""

from __future__ import annotations

import json
from pathlib import Path

from archive import HIDDEN, ArchiveLock
from archive.ledger import Ledger
from tests.conftest import LocalSite, archive_files, feedvault, rss_feed, rss_item, write_config


def _crawled(site: LocalSite, tmp_path: Path) -> Path:
    site.write("a.xml", rss_feed([rss_item(1), rss_item(2)], title="A"))
    site.write("b.xml", rss_feed([rss_item(3, link="http://example.invalid/b/3")], title="B"))
    config = write_config(tmp_path, [
        {"name": "alpha", "url": site.url("a.xml"), "categories": ["x"]},
        {"name": "beta", "url": site.url("b.xml")},
        {"name": "gone", "url": site.url("missing.xml")},
    ])
    feedvault("crawl", "--config", config)
    return config


def test_list_shows_outcome_and_article_count(site: LocalSite, tmp_path: Path) -> None:
    config = write_config(tmp_path, [{"name": "alpha", "url": site.url("a.xml")}])
    result = feedvault("sources", "list", "--config", config)
    assert result.returncode == 0, result.stderr
    assert "0 articles  never crawled" in result.stdout
    assert not (tmp_path / "posts").exists()  # asking creates no archive
    config = _crawled(site, tmp_path)
    rows = json.loads(feedvault("sources", "list", "--json", "--config", config).stdout)
    assert [(r["name"], r["outcome"], r["articles"], r["categories"]) for r in rows] == [
        ("alpha", "ok", 2, ["x"]), ("beta", "ok", 1, []), ("gone", "HTTP 404", 0, [])]
    assert all(r["last_crawl"] for r in rows)
    text = feedvault("sources", "list", "--config", config).stdout
    assert "alpha       2 articles" in text and "HTTP 404" in text


def test_remove_purge_deletes_the_files_and_ledger_rows(site: LocalSite, tmp_path: Path) -> None:
    config = _crawled(site, tmp_path)
    archive = tmp_path / "posts"
    beta = [p for p in archive_files(archive) if "beta" in p.parts]
    assert len(archive_files(archive)) == 3 and len(beta) == 1
    result = feedvault("sources", "remove", "alpha", "--purge", "--config", config)
    assert result.returncode == 0, result.stderr
    assert "purged 'alpha': 2 archived files deleted" in result.stdout
    assert archive_files(archive) == beta
    assert not (archive / "alpha").exists()
    ledger = Ledger(archive / HIDDEN / "ledger.sqlite")
    try:
        assert ledger.counts() == {"beta": 1}
        assert ledger.revisions("alpha", "urn:test:1") == []
    finally:
        ledger.close()
    assert "alpha" not in config.read_text(encoding="utf-8")
    result = feedvault("sources", "remove", "beta", "--config", config)
    assert archive_files(archive) == beta  # without --purge the files stay


def test_purge_waits_for_no_one_and_changes_nothing_when_locked(site: LocalSite,
                                                                tmp_path: Path) -> None:
    config = _crawled(site, tmp_path)
    before = config.read_text(encoding="utf-8")
    with ArchiveLock(tmp_path / "posts" / HIDDEN, "a test crawl").acquire():
        result = feedvault("sources", "remove", "alpha", "--purge", "--config", config)
    assert result.returncode == 2 and "the archive is in use by" in result.stderr
    assert config.read_text(encoding="utf-8") == before
    assert len(archive_files(tmp_path / "posts")) == 3


def test_purge_of_a_source_no_longer_configured(site: LocalSite, tmp_path: Path) -> None:
    config = _crawled(site, tmp_path)
    assert feedvault("sources", "remove", "alpha", "--config", config).returncode == 0
    result = feedvault("sources", "remove", "alpha", "--purge", "--config", config)
    assert result.returncode == 0, result.stderr
    assert "purged 'alpha': 2 archived files deleted" in result.stdout
    assert len(archive_files(tmp_path / "posts")) == 1


def test_purge_keeps_folders_shared_by_all_sources(site: LocalSite, tmp_path: Path) -> None:
    site.write("a.xml", rss_feed([rss_item(1)], title="A"))
    config = write_config(tmp_path, [{"name": "alpha", "url": site.url("a.xml")}])
    config.write_text(config.read_text().replace('preset = "hexo"', 'preset = "jekyll"'))
    assert feedvault("crawl", "--config", config).returncode == 0
    posts = tmp_path / "posts" / "_posts"
    assert len(list((posts / "alpha").iterdir())) == 1
    result = feedvault("sources", "remove", "alpha", "--purge", "--config", config)
    assert result.returncode == 0, result.stderr
    assert posts.is_dir() and not (posts / "alpha").exists()  # Jekyll's own folder stays
