"""`feedvault backfill`: sitemaps, listing pages and feed pages within a date window, resumable."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import frontmatter
import pytest

from tests._history import article_page, date_of, feed_page, gzipped, listing_page, sitemap, sitemap_index
from tests.conftest import REPO, LocalSite, archive_files, feedvault, write_config
from tests.test_resume import _start, _wait_for

TOTAL = 30


def _blog(site: LocalSite, total: int = TOTAL, per_page: int = 5, dates: bool = True) -> None:
    for n in range(total):
        site.write(f"posts/{n}.html", article_page(n))
    pages = -(-total // per_page)
    for page in range(1, pages + 1):
        site.write(f"page/{page}", listing_page(page, per_page, total, dates=dates))
    half = total // 2
    site.write("sitemap-1.xml", sitemap(site.base, range(half)))
    (site.root / "sitemap-2.xml.gz").write_bytes(gzipped(sitemap(site.base, range(half, total))))
    site.write("sitemap.xml", sitemap_index([site.url("sitemap-1.xml"), site.url("sitemap-2.xml.gz")]))
    for page in range(1, pages + 1):
        numbers = range((page - 1) * per_page, min(page * per_page, total))
        nxt = site.url(f"feed-{page + 1}.xml") if page < pages else None
        site.write(f"feed-{page}.xml", feed_page(site.base, numbers, nxt))
        site.write(f"paged/{page}.xml", feed_page(site.base, numbers, None))


def _config(tmp_path: Path, site: LocalSite, backfill: dict[str, object], **source: object) -> Path:
    from tests.conftest import toml_value

    table = "\n".join(f"{k} = {toml_value(v)}" for k, v in backfill.items())
    path = write_config(tmp_path, [{"name": "blog", "url": site.url("feed-1.xml"), **source}],
                        extra='[scrapy]\nAUTOTHROTTLE_ENABLED = false\n')
    path.write_text(path.read_text(encoding="utf-8") + f"\n[sources.backfill]\n{table}\n",
                    encoding="utf-8")
    return path


def _fetched(site: LocalSite) -> list[int]:
    """Article numbers whose page was requested, in order."""
    return [int(p.rsplit("/", 1)[1].split(".")[0]) for p, *_ in site.requests
            if p.startswith("/posts/")]


def _archived(tmp_path: Path) -> list[str]:
    return sorted(frontmatter.load(p)["title"] for p in archive_files(tmp_path / "posts"))


def _window(first: int, last: int) -> list[str]:
    """--since/--until covering articles first..last (article 0 is the newest)."""
    return ["--since", date_of(last).date().isoformat(), "--until", date_of(first).date().isoformat()]


def _titles(numbers: range) -> list[str]:
    return sorted(f"Post {n}" for n in numbers)


def test_sitemap_index_and_gz_filtered_by_lastmod_before_fetching(site: LocalSite,
                                                                  tmp_path: Path) -> None:
    _blog(site)
    config = _config(tmp_path, site, {"sitemap": site.url("sitemap.xml")})
    result = feedvault("backfill", "blog", "--config", config, *_window(10, 19))
    assert result.returncode == 0, result.stdout + result.stderr
    assert _archived(tmp_path) == _titles(range(10, 20))
    assert sorted(_fetched(site)) == list(range(10, 20))  # nothing outside fetched
    assert "10 archived" in result.stdout
    assert site.served("sitemap-2.xml.gz")


def test_listing_pages_stop_at_a_page_older_than_since(site: LocalSite, tmp_path: Path) -> None:
    _blog(site, total=100, dates=False)  # dates only on the articles: learned by fetching them
    config = _config(tmp_path, site, {"list_url": site.url("page/{page}"),
                                      "item_links": "article h2 a"})
    result = feedvault("backfill", "blog", "--config", config, *_window(7, 12))
    assert result.returncode == 0, result.stdout + result.stderr
    assert _archived(tmp_path) == _titles(range(7, 13))
    listed = [p for p, *_ in site.requests if p.startswith("/page/")]
    # page 3 (articles 10-14) is partly in the window, page 4 (15-19) entirely older: the
    # listing stops there; page 5 is at most listed ahead (of 20 pages)
    assert listed[:4] == ["/page/1", "/page/2", "/page/3", "/page/4"]
    assert len(listed) <= 5 and max(_fetched(site)) < 25


def test_listing_dates_filter_before_fetching_with_next_selector(site: LocalSite,
                                                                 tmp_path: Path) -> None:
    _blog(site)
    config = _config(tmp_path, site, {"list_url": site.url("page/1"), "item_links": "h2 a",
                                      "item_dates": "article time", "next": "a.next"})
    result = feedvault("backfill", "blog", "--config", config, *_window(7, 12))
    assert result.returncode == 0, result.stdout + result.stderr
    assert _archived(tmp_path) == _titles(range(7, 13))
    assert sorted(_fetched(site)) == list(range(7, 13))
    listed = [p for p, *_ in site.requests if p.startswith("/page/")]
    assert listed == ["/page/1", "/page/2", "/page/3", "/page/4"]  # page 4: all older, stop


def test_rfc5005_feed_paging_within_window(site: LocalSite, tmp_path: Path) -> None:
    _blog(site)
    config = _config(tmp_path, site, {"feed_archive": True})
    result = feedvault("backfill", "blog", "--config", config, *_window(7, 12))
    assert result.returncode == 0, result.stdout + result.stderr
    assert _archived(tmp_path) == _titles(range(7, 13))
    assert _fetched(site) == []  # the feed gives full content: no article page fetched
    feeds = [p for p, *_ in site.requests if p.startswith("/feed-")]
    assert feeds == ["/feed-1.xml", "/feed-2.xml", "/feed-3.xml", "/feed-4.xml"]
    [post] = [p for p in archive_files(tmp_path / "posts") if "Post 9" in p.read_text()]
    assert "from the feed" in post.read_text()


def test_feed_page_template_within_window(site: LocalSite, tmp_path: Path) -> None:
    _blog(site)
    config = _config(tmp_path, site, {"feed_page": site.url("paged/{page}.xml")})
    result = feedvault("backfill", "blog", "--config", config, "--since",
                       date_of(12).date().isoformat())
    assert result.returncode == 0, result.stdout + result.stderr
    assert _archived(tmp_path) == _titles(range(13))
    feeds = [p for p, *_ in site.requests if p.startswith("/paged/")]
    assert feeds == ["/paged/1.xml", "/paged/2.xml", "/paged/3.xml", "/paged/4.xml"]


def _ledger_links(tmp_path: Path) -> set[str]:
    import sqlite3

    db = sqlite3.connect(tmp_path / "posts" / ".feedvault" / "ledger.sqlite")
    try:
        return {link for (link,) in db.execute("SELECT link FROM articles")}
    finally:
        db.close()


def _number(url: str) -> int:
    return int(url.rsplit("/", 1)[1].split(".")[0])


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_interrupted_backfill_resumes_without_refetching(site: LocalSite, tmp_path: Path,
                                                         sig: signal.Signals) -> None:
    total = 60
    _blog(site, total=total, per_page=10)
    for n in range(total):
        site.delays[f"/posts/{n}.html"] = 0.15
    config = _config(tmp_path, site, {"list_url": site.url("page/{page}"), "item_links": "h2 a"})
    first = _start("backfill", "blog", "--config", config)
    _wait_for(lambda: len(archive_files(tmp_path / "posts")) >= 12)
    first.send_signal(sig)
    out, err = first.communicate(timeout=60)
    done = {_number(u) for u in _ledger_links(tmp_path)}
    assert 0 < len(done) < total, out + err  # (a file may be written, its ledger row not yet)
    assert (tmp_path / "posts" / ".feedvault" / "backfill-blog.sqlite").exists()
    if sig == signal.SIGINT:
        assert "run the same command again" in err

    before = len(site.requests)
    site.delays.clear()
    result = feedvault("backfill", "blog", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    again = [_number(p) for p, *_ in site.requests[before:] if p.startswith("/posts/")]
    assert not set(again) & done  # finished articles are not fetched again
    assert len(again) == len(set(again))
    assert "resumed" in result.stdout
    assert _archived(tmp_path) == _titles(range(total))  # every article, each once
    assert not (tmp_path / "posts" / ".feedvault" / "backfill-blog.sqlite").exists()


def test_backfill_then_crawl_creates_no_duplicate(site: LocalSite, tmp_path: Path) -> None:
    _blog(site)
    config = _config(tmp_path, site, {"sitemap": site.url("sitemap.xml")})
    result = feedvault("backfill", "blog", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    files = archive_files(tmp_path / "posts")
    assert len(files) == TOTAL
    # the feed names articles 0-4 by guid (urn:history:n) and by the same links
    crawl = feedvault("crawl", "--config", config)
    assert crawl.returncode == 0, crawl.stdout + crawl.stderr
    assert archive_files(tmp_path / "posts") == files
    row = next(line for line in crawl.stdout.splitlines() if line.startswith("blog "))
    assert row.split()[1] == "0"  # new
    assert _archived(tmp_path) == _titles(range(TOTAL))


def test_crawl_then_backfill_skips_archived_articles(site: LocalSite, tmp_path: Path) -> None:
    _blog(site)
    config = _config(tmp_path, site, {"list_url": site.url("page/{page}"), "item_links": "h2 a"})
    assert feedvault("crawl", "--config", config).returncode == 0
    assert len(archive_files(tmp_path / "posts")) == 5
    result = feedvault("backfill", "blog", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(_fetched(site)) == list(range(5, TOTAL))  # 0-4 known by link: not fetched
    assert "5 skipped" in result.stdout
    assert _archived(tmp_path) == _titles(range(TOTAL))

    before = len(site.requests)
    again = feedvault("backfill", "blog", "--config", config)
    assert again.returncode == 0
    assert not [p for p, *_ in site.requests[before:] if p.startswith("/posts/")]
    assert f"{TOTAL} skipped" in again.stdout
    refresh = feedvault("backfill", "blog", "--config", config, "--refresh", *_window(5, 8))
    assert refresh.returncode == 0, refresh.stderr
    row = next(line for line in refresh.stdout.splitlines() if line.startswith("blog "))
    assert row.split()[1:4] == ["0", "0", "4"]  # fetched again: articles 5-8 unchanged
    assert len(archive_files(tmp_path / "posts")) == TOTAL


def test_dry_run_lists_and_writes_nothing(site: LocalSite, tmp_path: Path) -> None:
    _blog(site)
    config = _config(tmp_path, site, {"sitemap": site.url("sitemap.xml")})
    result = feedvault("backfill", "blog", "--config", config, "--dry-run", *_window(10, 19))
    assert result.returncode == 0, result.stdout + result.stderr
    listed = [line.split()[-1] for line in result.stdout.splitlines() if "/posts/" in line]
    assert sorted(_number(u) for u in listed) == list(range(10, 20))
    assert "10 articles would be fetched" in result.stdout
    assert _fetched(site) == []
    assert not (tmp_path / "posts").exists()


def test_limit_stops_and_the_next_run_continues(site: LocalSite, tmp_path: Path) -> None:
    _blog(site)
    config = _config(tmp_path, site, {"list_url": site.url("page/{page}"), "item_links": "h2 a"})
    result = feedvault("backfill", "blog", "--config", config, "--limit", "7")
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(archive_files(tmp_path / "posts")) == 7
    assert "--limit 7" in result.stdout
    result = feedvault("backfill", "blog", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert _archived(tmp_path) == _titles(range(TOTAL))
    assert sorted(_fetched(site)) == list(range(TOTAL))  # each article fetched once


def test_guid_identity_refused_for_link_only_methods(site: LocalSite, tmp_path: Path) -> None:
    config = _config(tmp_path, site, {"sitemap": site.url("sitemap.xml")}, id="guid")
    result = feedvault("backfill", "blog", "--config", config)
    assert result.returncode != 0
    assert "feedvault.toml:" in result.stderr and "sources[0].id" in result.stderr
    assert 'use id = "auto" or "link"' in result.stderr


def test_source_without_backfill_table_is_a_clear_error(site: LocalSite, tmp_path: Path) -> None:
    config = write_config(tmp_path, [{"name": "blog", "url": site.url("feed.xml")}])
    result = feedvault("backfill", "blog", "--config", config)
    assert result.returncode != 0
    assert "no [sources.backfill] table" in result.stderr


def test_plain_scrapy_crawl_backfill(site: LocalSite, tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.conftest import REPO

    _blog(site)
    config = _config(tmp_path, site, {"sitemap": site.url("sitemap.xml")})
    since = date_of(4).date().isoformat()
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "backfill", "-a", "source=blog", "-a",
         f"since={since}", "-s", f"FEEDVAULT_CONFIG={config}"],
        cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert _archived(tmp_path) == _titles(range(5))


@pytest.mark.parametrize(("table", "line", "message"), [
    ('list_url = "https://b.example/page/"\nitem_links = "h2 a"', 12,
     "sources[1].backfill.list_url: 'https://b.example/page/': expected a {page} placeholder"),
    ('list_url = "https://b.example/page/{page}"', 12,
     "sources[1].backfill.list_url: a listing needs item_links"),
    ('item_links = "h2 a"', 12, "set list_url too"),
    ('sitemap = "ftp://b.example/s.xml"', 12, "expected an http(s):// URL"),
    ('feed_archive = "yes"', 12, "feed_archive: 'yes': expected an http(s):// URL"),
    ('feed_archive = 3', 12, "expected true (the source's feed) or a feed URL"),
    ('list_url = "https://b.example/{page}"\nitem_links = "h2 >>> a"', 13, "item_links"),
    ('sitemaps = "https://b.example/s.xml"', 12, "unknown key"),
    ('first_page = -1\nfeed_page = "https://b.example/feed?paged={page}"', 12, "first_page"),
    ("", 11, "name where the history is"),
])
def test_backfill_config_errors_name_file_line_and_key(tmp_path: Path, table: str, line: int,
                                                       message: str) -> None:
    from archive import ConfigError
    from crawler.config import parse_config

    text = ('[archive]\npath = "p"\n\n[[sources]]\nname = "a"\nurl = "https://a.example/feed"\n'
            '\n[[sources]]\nname = "b"\nurl = "https://b.example/feed"\n'
            f"[sources.backfill]\n{table}\n")
    path = tmp_path / "feedvault.toml"
    with pytest.raises(ConfigError) as caught:
        parse_config(text, path)
    assert f"{path}:{line}:" in str(caught.value)
    assert message in str(caught.value)


def test_backfill_config_is_parsed(tmp_path: Path) -> None:
    from crawler.config import parse_config

    config = parse_config(
        '[archive]\npath = "p"\n[[sources]]\nname = "a"\nurl = "https://a.example/feed"\n'
        '[sources.backfill]\nsitemap = ["https://a.example/s1.xml", "https://a.example/s2.xml"]\n'
        'feed_archive = true\nlist_url = "https://a.example/"\nitem_links = "h2 a"\n'
        'next = "a[rel=next]"\n', tmp_path / "feedvault.toml")
    backfill = config.sources[0].backfill
    assert backfill is not None
    assert backfill.sitemaps == ("https://a.example/s1.xml", "https://a.example/s2.xml")
    assert backfill.feed_archive == "https://a.example/feed"  # true: the source's own feed
    assert backfill.next == "a[rel=next]" and backfill.list_url == "https://a.example/"


def test_window_bounds_are_inclusive_days() -> None:
    from datetime import UTC, datetime

    from crawler.backfill.window import Window, parse_bound

    window = Window(parse_bound("2024-01-01"), parse_bound("2024-01-31", end=True))
    assert window.contains(datetime(2024, 1, 31, 23, 59, tzinfo=UTC))
    assert window.contains(datetime(2024, 1, 1, 0, 0, tzinfo=UTC))
    assert not window.contains(datetime(2023, 12, 31, 23, 59, tzinfo=UTC))
    assert not window.contains(datetime(2024, 2, 1, tzinfo=UTC))
    assert window.contains(None)  # unknown dates are not excluded
    day = datetime(2023, 12, 31, tzinfo=UTC)  # a date-only lastmod the day before --since
    assert not window.overlaps(day, day.replace(hour=23, minute=59))
    late = Window(parse_bound("2024-01-01T12:00"))
    assert late.overlaps(datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 1, 23, 59, tzinfo=UTC))


def test_plain_progress_lines_when_not_a_terminal() -> None:
    import io

    from crawler.backfill.progress import BackfillTally, Progress

    stream = io.StringIO()
    progress = Progress("blog", stream, live=False, interval=0)
    progress.update(BackfillTally(pages=3, archived=12, skipped=2, failed=1, outside=4))
    progress.close()
    line = stream.getvalue()
    assert line.startswith("backfill blog: 3 pages listed, 12 archived, 2 skipped")
    assert "1 failed, 4 outside the window" in line and "articles/s" in line


def test_backfill_holds_the_archive_lock(site: LocalSite, tmp_path: Path) -> None:
    from archive import HIDDEN, ArchiveLock

    _blog(site)
    config = _config(tmp_path, site, {"sitemap": site.url("sitemap.xml")})
    with ArchiveLock(tmp_path / "posts" / HIDDEN, "feedvault crawl").acquire():
        result = feedvault("backfill", "blog", "--config", config)
    assert result.returncode == 2
    assert "in use by" in result.stderr and "feedvault crawl" in result.stderr
    assert _fetched(site) == [] and not archive_files(tmp_path / "posts")


def test_backfill_runs_here_even_with_a_distributed_table(site: LocalSite, tmp_path: Path) -> None:
    _blog(site)
    config = _config(tmp_path, site, {"sitemap": site.url("sitemap.xml")})
    text = config.read_text(encoding="utf-8")
    config.write_text('[distributed]\nredis = "redis://127.0.0.1:1/0"\n\n' + text, encoding="utf-8")
    result = feedvault("backfill", "blog", "--config", config, *_window(0, 4))
    assert result.returncode == 0, result.stdout + result.stderr
    assert _archived(tmp_path) == _titles(range(5))  # written here, not handed to Redis

# the first group's commit fails as on a full disk (fsync: ENOSPC), then the disk is freed
_FULL_DISK_ONCE = """
import errno, sys
import archive._pending as pending
real = pending.PendingFiles.commit
state = {"failed": False}
def commit(self):
    if len(self) and not state["failed"]:
        state["failed"] = True
        self.discard()
        raise OSError(errno.ENOSPC, "No space left on device")
    return real(self)
pending.PendingFiles.commit = commit
from crawler.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_backfill_whose_articles_were_not_committed_fetches_them_again_on_resume(
        site: LocalSite, tmp_path: Path) -> None:
    _blog(site)
    for n in range(TOTAL):  # a backfill longer than one group (1 s)
        site.delays[f"/posts/{n}.html"] = 1.0
    config = _config(tmp_path, site, {"list_url": site.url("page/{page}"), "item_links": "h2 a"})
    first = subprocess.run([sys.executable, "-c", _FULL_DISK_ONCE, "backfill", "blog",
                            "--config", str(config)], cwd=REPO, capture_output=True, text=True,
                           env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=300)
    assert first.returncode != 0, first.stdout + first.stderr  # the crawl stopped: disk full
    assert (tmp_path / "posts" / ".feedvault" / "backfill-blog.sqlite").exists()
    site.delays.clear()
    # the disk has room again: the user runs the same command, as the report says
    again = feedvault("backfill", "blog", "--config", config)
    assert again.returncode == 0, again.stdout + again.stderr
    assert _archived(tmp_path) == _titles(range(TOTAL))  # every article, once
