"""Backfill applies a source's include / exclude rules before it requests an article's page."""

from __future__ import annotations

from pathlib import Path

from tests._history import date_of
from tests.conftest import LocalSite, feedvault, rss_feed
from tests.test_backfill import _archived, _blog, _config, _fetched, _titles

PER_PAGE = 5


def _teaser_pages(site: LocalSite, total: int = 30) -> None:
    """paged/N.xml: feed pages of teasers (summary only) linking to posts/N.html."""
    for page in range(1, -(-total // PER_PAGE) + 1):
        numbers = range((page - 1) * PER_PAGE, min(page * PER_PAGE, total))
        site.write(f"paged/{page}.xml", rss_feed([
            {"title": f"Post {n}", "link": site.url(f"posts/{n}.html"), "guid": f"urn:h:{n}",
             "pubDate": date_of(n).strftime("%a, %d %b %Y %H:%M:%S +0000"),
             "description": f"<p>Teaser {n}…</p>"} for n in numbers]))


def test_backfill_of_teasers_fetches_no_page_a_title_rule_excludes(
        site: LocalSite, tmp_path: Path) -> None:
    _blog(site)
    _teaser_pages(site)
    config = _config(tmp_path, site, {"feed_page": site.url("paged/{page}.xml")},
                     full_text=True, exclude=["re:title:^Post 1\\d$"])
    result = feedvault("backfill", "blog", "--config", config, "--since",
                       date_of(24).date().isoformat())
    assert result.returncode == 0, result.stdout + result.stderr
    kept = [n for n in range(25) if not 10 <= n <= 19]
    assert sorted(_fetched(site)) == kept  # not one request for Post 10 to Post 19
    assert _archived(tmp_path) == sorted(f"Post {n}" for n in kept)


def test_backfill_from_a_sitemap_fetches_no_page_a_link_rule_excludes(
        site: LocalSite, tmp_path: Path) -> None:
    _blog(site)
    config = _config(tmp_path, site, {"sitemap": site.url("sitemap.xml")},
                     exclude=["re:link:/posts/1\\d\\.html$"])
    result = feedvault("backfill", "blog", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    kept = [n for n in range(30) if not 10 <= n <= 19]
    assert sorted(_fetched(site)) == kept
    assert _archived(tmp_path) == sorted(f"Post {n}" for n in kept)


def test_a_title_rule_on_a_sitemap_article_waits_for_its_page(site: LocalSite,
                                                              tmp_path: Path) -> None:
    # a sitemap names an article by its link alone: a title rule is decided on the page
    _blog(site, total=12)
    config = _config(tmp_path, site, {"sitemap": site.url("sitemap.xml")},
                     include=["re:title:^Post 1\\d?$"])
    result = feedvault("backfill", "blog", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(_fetched(site)) == list(range(12))
    assert _archived(tmp_path) == _titles(range(1, 2)) + _titles(range(10, 12))
