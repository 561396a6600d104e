"""End to end: real `feedvault crawl` processes against a local HTTP server."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import frontmatter

from archive import Archive
from tests.conftest import EXAMPLES, LocalSite, archive_files, feedvault, rss_feed, rss_item, write_config


def _crawl(config: Path) -> str:
    result = feedvault("crawl", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_recrawl_is_idempotent_and_leaves_files_untouched(site: LocalSite, tmp_path: Path) -> None:
    url = site.write("feed.xml", rss_feed([rss_item(1), rss_item(2), rss_item(3)]))
    config = write_config(tmp_path, [{"name": "t", "url": url}])
    out = _crawl(config)
    assert "t" in out and " 3 " in out
    files = archive_files(tmp_path / "posts")
    assert len(files) == 3
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files}

    out = _crawl(config)  # the server answers 304: nothing parsed
    assert archive_files(tmp_path / "posts") == files
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files} == before
    row = next(line for line in out.splitlines() if line.startswith("t "))
    assert row.split()[1:6] == ["0", "0", "0", "1", "0"]  # new, updated, unchanged, 304, failed

    result = feedvault("crawl", "--config", config, "--force")  # parsed again: all unchanged
    assert result.returncode == 0, result.stderr
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files} == before
    row = next(line for line in result.stdout.splitlines() if line.startswith("t "))
    assert row.split()[1:6] == ["0", "0", "3", "0", "0"]


def test_changed_item_is_rewritten_in_place(site: LocalSite, tmp_path: Path) -> None:
    site.write("feed.xml", rss_feed([rss_item(1)]))
    config = write_config(tmp_path, [{"name": "t", "url": site.url("feed.xml")}])
    _crawl(config)
    [path] = archive_files(tmp_path / "posts")
    first = frontmatter.loads(path.read_text(encoding="utf-8"))

    site.write("feed.xml", rss_feed([rss_item(1, description="<p>Corrected body.</p>")]))
    out = _crawl(config)
    assert archive_files(tmp_path / "posts") == [path]
    second = frontmatter.loads(path.read_text(encoding="utf-8"))
    with Archive(tmp_path / "posts") as archive:
        assert archive.load(path.relative_to(tmp_path / "posts").as_posix()).body == (
            "<p>Corrected body.</p>")
    assert second["date"] == first["date"]
    assert second["updated"] >= first["updated"]
    row = next(line for line in out.splitlines() if line.startswith("t "))
    assert row.split()[1:6] == ["0", "1", "0", "0", "0"]  # new, updated, unchanged, 304, failed


def test_two_articles_with_one_title_get_two_files(site: LocalSite, tmp_path: Path) -> None:
    items = [rss_item(1, title="Same title"), rss_item(2, title="Same title")]
    config = write_config(tmp_path, [{"name": "t", "url": site.write("f.xml", rss_feed(items))}])
    _crawl(config)
    files = archive_files(tmp_path / "posts")
    assert len(files) == 2
    guids = {frontmatter.load(p)["guid"] for p in files}
    assert guids == {"urn:test:1", "urn:test:2"}


HOSTILE = [
    "Colon: 'single' \"double\" # hash --- dashes ../../etc/passwd",
    "---",
    "!!python/object:os.system",
    "../../",
    "产业互联网" * 40,  # 200 Chinese characters, 600 bytes of UTF-8
]


def test_hostile_and_long_titles_round_trip(site: LocalSite, tmp_path: Path) -> None:
    items = [rss_item(n, title=title) for n, title in enumerate(HOSTILE)]
    config = write_config(tmp_path, [{"name": "t", "url": site.write("f.xml", rss_feed(items))}])
    _crawl(config)
    root = (tmp_path / "posts").resolve()
    files = archive_files(root)
    assert len(files) == len(HOSTILE)
    titles = set()
    with Archive(root) as archive:
        for path in files:
            assert path.resolve().is_relative_to(root / "t")
            assert all(len(part.encode()) <= 255 for part in path.relative_to(root).parts)
            titles.add(archive.load(path.relative_to(root).as_posix()).title)
    assert titles == set(HOSTILE)
    assert not (tmp_path / "etc").exists()


def test_item_without_date_keeps_its_first_seen_date(site: LocalSite, tmp_path: Path) -> None:
    item = rss_item(1)
    del item["pubDate"]
    config = write_config(tmp_path, [{"name": "t", "url": site.write("f.xml", rss_feed([item]))}])
    _crawl(config)
    [path] = archive_files(tmp_path / "posts")
    first = frontmatter.load(path)["date"]
    time.sleep(1.1)  # a second later: a date taken from the clock would differ
    result = feedvault("crawl", "--config", config, "--force")  # parsed again, not a 304
    assert result.returncode == 0, result.stderr
    row = next(line for line in result.stdout.splitlines() if line.startswith("t "))
    assert row.split()[1:4] == ["0", "0", "1"]  # new, updated, unchanged
    assert archive_files(tmp_path / "posts") == [path]
    assert frontmatter.load(path)["date"] == first


def test_failed_source_exits_1_and_others_are_archived(site: LocalSite, tmp_path: Path) -> None:
    good = site.write("good.xml", rss_feed([rss_item(1)]))
    config = write_config(tmp_path, [
        {"name": "good", "url": good},
        {"name": "missing", "url": site.url("missing.xml")},
    ])
    result = feedvault("crawl", "--config", config)
    assert result.returncode == 1
    assert "missing" in result.stdout and "FAILED" in result.stdout and "HTTP 404" in result.stdout
    assert len(archive_files(tmp_path / "posts")) == 1


def test_source_option_limits_the_crawl(site: LocalSite, tmp_path: Path) -> None:
    config = write_config(tmp_path, [
        {"name": "a", "url": site.write("a.xml", rss_feed([rss_item(1)]))},
        {"name": "b", "url": site.write("b.xml", rss_feed([rss_item(2)]))},
    ])
    result = feedvault("crawl", "--config", config, "--source", "b")
    assert result.returncode == 0, result.stderr
    assert [p.parts[-3] for p in archive_files(tmp_path / "posts")] == ["b"]


def test_offline_demo_config_crawls(tmp_path: Path) -> None:
    demo = tmp_path / "examples"
    shutil.copytree(EXAMPLES, demo, ignore=shutil.ignore_patterns("posts"))
    result = feedvault("crawl", "--config", demo / "feedvault.toml")
    assert result.returncode == 0, result.stdout + result.stderr
    sources = {p.relative_to(demo / "posts").parts[0] for p in archive_files(demo / "posts")}
    assert sources == {"woshipm", "notes", "links"}


def test_plain_scrapy_list_and_crawl(site: LocalSite, tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.conftest import REPO

    listed = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split() == ["backfill", "feeds"]
    config = write_config(tmp_path, [{"name": "t", "url": site.write("f.xml", rss_feed([rss_item(1)]))}])
    crawled = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "feeds", "-s", f"FEEDVAULT_CONFIG={config}"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert crawled.returncode == 0, crawled.stderr
    assert len(archive_files(tmp_path / "posts")) == 1
