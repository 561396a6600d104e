"""`feedvault backfill`: sitemaps, listing pages and feed pages within a date window, resumable."""

from __future__ import annotations

from pathlib import Path

import frontmatter

from ._history import (
    article_page,
    date_of,
    feed_page,
    gzipped,
    listing_page,
    sitemap,
    sitemap_index,
)
from .conftest import LocalSite, archive_files, feedvault, rss_feed, write_config

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
    from .conftest import toml_value

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
    _blog(site, dates=False)  # dates only on the articles: learned by fetching them
    config = _config(tmp_path, site, {"list_url": site.url("page/{page}"),
                                      "item_links": "article h2 a"})
    result = feedvault("backfill", "blog", "--config", config, *_window(7, 12))
    assert result.returncode == 0, result.stdout + result.stderr
    assert _archived(tmp_path) == _titles(range(7, 13))
    listed = [p for p, *_ in site.requests if p.startswith("/page/")]
    # page 3 (articles 10-14) is partly in the window, page 4 (15-19) entirely older: the
    # listing stops there; page 5 is at most requested ahead, never page 6
    assert "/page/4" in listed and "/page/6" not in listed
    assert max(_fetched(site)) < 25
    print(result.stdout)


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
