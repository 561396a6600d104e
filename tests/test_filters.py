"""Include / exclude rules: what a crawl keeps, what it never fetches, how it counts and reports."""

from __future__ import annotations

import json
from pathlib import Path

import frontmatter
import pytest

from archive import ConfigError
from crawler.config import parse_config
from tests.conftest import LocalSite, archive_files, feedvault, rss_feed, write_config

# One feed whose items differ in each field a rule can look at.
ITEMS = [
    {"title": "Sponsored: buy now", "link": "http://example.invalid/posts/1", "guid": "urn:1",
     "description": "<p>An advertisement.</p>", "author": "ads@example.org (Ad Desk)",
     "category": "Promo"},
    {"title": "Release notes", "link": "http://example.invalid/ads/2", "guid": "urn:2",
     "description": "<p>Version 2 is out.</p>", "author": "dev@example.org (Dana Dev)",
     "category": "News"},
    {"title": "科技新闻：芯片", "link": "http://example.invalid/posts/3", "guid": "urn:3",
     "description": "<p>本文包含广告内容。</p>", "author": "zh@example.org (李雷)",
     "category": "科技"},
    {"title": "Weekly digest", "link": "http://example.invalid/posts/4", "guid": "urn:4",
     "description": "<p>Links of the week, about Python.</p>",
     "author": "ed@example.org (Ed Itor)", "category": "Digest"},
]
ALL = {"Sponsored: buy now", "Release notes", "科技新闻：芯片", "Weekly digest"}


def _titles(root: Path) -> set[str]:
    return {frontmatter.load(p)["title"] for p in archive_files(root)}


def _crawl(config: Path, *args: str) -> str:
    result = feedvault("crawl", "--config", config, *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.parametrize(("rules", "dropped"), [
    ({"exclude": ["title:sponsored"]}, {"Sponsored: buy now"}),  # keywords ignore case
    ({"exclude": ["body:ADVERTISEMENT"]}, {"Sponsored: buy now"}),
    ({"exclude": ["author:dana"]}, {"Release notes"}),
    ({"exclude": ["categories:digest"]}, {"Weekly digest"}),
    ({"exclude": ["re:link:/ads/\\d+$"]}, {"Release notes"}),
    ({"exclude": ["body:广告"]}, {"科技新闻：芯片"}),  # CJK: a substring, no word boundaries
    ({"exclude": ["title:ＳＰＯＮＳＯＲＥＤ"]}, {"Sponsored: buy now"}),  # full-width letters
    ({"include": ["title:notes", "categories:科技"]}, {"Sponsored: buy now", "Weekly digest"}),
    ({"include": ["any:python"], "exclude": ["title:digest"]}, ALL),  # exclude wins
    ({"include": ["re:title:(?-i)^release"]}, ALL),  # (?-i): case matters, nothing matches
], ids=["title", "body", "author", "categories", "link-regex", "cjk-body", "full-width",
        "include-any-of", "exclude-beats-include", "case-sensitive-regex"])
def test_rules_on_each_field_decide_what_is_archived(site: LocalSite, tmp_path: Path,
                                                     rules: dict[str, list[str]],
                                                     dropped: set[str]) -> None:
    url = site.write("feed.xml", rss_feed(ITEMS))
    config = write_config(tmp_path, [{"name": "t", "url": url, **rules}])
    out = _crawl(config)
    assert _titles(tmp_path / "posts") == ALL - dropped
    row = next(line for line in out.splitlines() if line.startswith("t "))
    assert row.split()[1] == str(len(ALL - dropped))  # new
    if dropped:
        assert "filtered" in out.splitlines()[0] and row.split()[6] == str(len(dropped))


def test_table_form_and_defaults_extend_unless_a_source_opts_out(site: LocalSite,
                                                                  tmp_path: Path) -> None:
    url = site.write("feed.xml", rss_feed(ITEMS))
    extra = ('[filters]\nexclude = [{field = "title", contains = ["sponsored", "digest"]}]\n')
    apart = {"cross_source": "separate"}  # one feed, three sources: each its own copies
    config = write_config(tmp_path, [
        {"name": "keeps", "url": url, **apart},  # the defaults only
        {"name": "adds", "url": url, "exclude": ["re:link:/ads/"], **apart},  # and its own
        {"name": "own", "url": url, "default_filters": False, "exclude": ["author:李雷"],
         **apart},
    ], extra=extra)
    _crawl(config, "--report", str(tmp_path / "report.json"))
    by_source: dict[str, set[str]] = {}
    for path in archive_files(tmp_path / "posts"):
        post = frontmatter.load(path)
        by_source.setdefault(post["source"], set()).add(post["title"])
    assert by_source["keeps"] == {"Release notes", "科技新闻：芯片"}
    assert by_source["adds"] == {"科技新闻：芯片"}
    assert by_source["own"] == ALL - {"科技新闻：芯片"}
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["schema"] == "feedvault-crawl-report/1"  # an added field, same schema
    assert {s["name"]: s["filtered"] for s in report["sources"]} == {"keeps": 2, "adds": 3,
                                                                      "own": 1}
    assert report["totals"]["filtered"] == 6 and report["totals"]["failed"] == 0


def _teasers(site: LocalSite) -> str:
    """A summary-only feed whose items' pages are on the local site."""
    pages = {
        "a": ("Sponsored post", "<p>Buy our product today, a fine product for everyone.</p>"),
        "b": ("Casino news", "<p>This page talks about gambling and casino bonuses.</p>"),
        "c": ("Python tips", "<p>Use pathlib for paths in Python code.</p>"),
        "d": ("Rust tips", "<p>Use cargo to build crates.</p>"),
    }
    items = []
    for name, (title, body) in pages.items():
        text = body * 12  # long enough to be the article, not a teaser
        site.write(f"{name}.html", f"<html><head><title>{title}</title></head><body><article>"
                                   f"<h1>{title}</h1>{text}</article></body></html>")
        items.append({"title": title, "link": site.url(f"{name}.html"), "guid": f"urn:{name}",
                      "description": "<p>Read more…</p>",
                      "pubDate": "Mon, 01 Jan 2024 10:00:00 +0000"})
    return site.write("feed.xml", rss_feed(items))


def test_excluded_items_are_never_fetched_and_page_text_is_checked(site: LocalSite,
                                                                   tmp_path: Path) -> None:
    url = _teasers(site)
    config = write_config(tmp_path, follow_pages=True, sources=[{
        "name": "t", "url": url, "exclude": ["title:sponsored", "body:casino"]}])
    out = _crawl(config, "--report", str(tmp_path / "report.json"))
    assert not site.served("a.html")  # excluded on its title: its page never requested
    assert site.served("b.html")  # the teaser said nothing; its page did
    assert _titles(tmp_path / "posts") == {"Python tips", "Rust tips"}
    assert "filtered" in out
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["sources"][0]["filtered"] == 2 and report["sources"][0]["failed"] == 0
    assert report["sources"][0]["status"] == "ok"


def test_an_include_rule_on_the_body_waits_for_the_page(site: LocalSite, tmp_path: Path) -> None:
    url = _teasers(site)
    config = write_config(tmp_path, follow_pages=True, sources=[{
        "name": "t", "url": url, "include": ["body:pathlib", "title:rust"]}])
    _crawl(config)
    assert _titles(tmp_path / "posts") == {"Python tips", "Rust tips"}
    assert site.served("c.html") and site.served("a.html")  # only the page could tell


def test_sources_check_lists_what_the_rules_would_drop(site: LocalSite, tmp_path: Path) -> None:
    items = [{**item, "link": site.url(f"p{n}.html")} for n, item in enumerate(ITEMS)]
    for n, item in enumerate(ITEMS):  # the check extracts the newest item's page: all local
        site.write(f"p{n}.html", f"<html><body><article><h1>{item['title']}</h1>"
                                 f"{item['description'] * 20}</article></body></html>")
    url = site.write("feed.xml", rss_feed(items))
    config = write_config(tmp_path, [{"name": "t", "url": url,
                                      "exclude": ["title:sponsored", "categories:科技"]}])
    result = feedvault("sources", "check", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "filters: 2 of 4 recent items would be dropped" in result.stdout
    assert "'Sponsored: buy now' (exclude rule 'title:sponsored')" in result.stdout
    assert "'科技新闻：芯片' (exclude rule 'categories:科技')" in result.stdout
    assert not archive_files(tmp_path / "posts")


BASE = '[archive]\npath = "posts"\n\n[[sources]]\nname = "a"\nurl = "https://e.org/f"\n'


@pytest.mark.parametrize(("lines", "expected"), [
    ('exclude = ["re:title:(unclosed"]', [":7:", "sources[0].exclude[0]",
                                          "not a regular expression"]),
    ('exclude = ["re:body:(a|aa)+$"]', [":7:", "sources[0].exclude[0]", "backtracks"]),
    ('include = ["headline:x"]', [":7:", "sources[0].include[0]", "unknown field 'headline'"]),
    ('exclude = ["Sponsored"]', [":7:", "sources[0].exclude[0]", "field:keyword"]),
    ('exclude = [{field = "title", contains = "x", regex = "y"}]', [":7:", "one of contains"]),
    ('exclude = [{field = "title", contains = ""}]', [":7:", "a keyword"]),
    ('exclude = "title:x"', [":7:", "sources[0].exclude", "a list of rules"]),
    ('cross_source = "both"', [":7:", "sources[0].cross_source", "merge, separate"]),
    ('default_filters = "no"', [":7:", "sources[0].default_filters", "true or false"]),
], ids=["bad-regex", "catastrophic", "unknown-field", "no-field", "both-forms", "empty",
        "not-a-list", "cross-source", "default-filters"])
def test_bad_rules_are_refused_at_load_naming_file_line_and_key(tmp_path: Path, lines: str,
                                                                expected: list[str]) -> None:
    path = tmp_path / "feedvault.toml"
    with pytest.raises(ConfigError) as info:
        parse_config(BASE + lines + "\n", path)
    message = str(info.value)
    assert message.startswith(str(path))
    for part in expected:
        assert part in message, message


def test_a_bad_default_rule_stops_the_crawl_before_it_starts(tmp_path: Path) -> None:
    config = tmp_path / "feedvault.toml"
    config.write_text('[archive]\npath = "posts"\n\n[filters]\nexclude = ["re:link:[z-a]"]\n\n'
                      + BASE.split("\n\n", 1)[1], encoding="utf-8")
    result = feedvault("crawl", "--config", config)
    assert result.returncode == 2
    assert f"{config}:5: filters.exclude[0]" in result.stderr
    assert not (tmp_path / "posts").exists()


def test_backfill_drops_filtered_articles_without_failing(site: LocalSite, tmp_path: Path
                                                          ) -> None:
    from tests.test_backfill import _archived, _blog, _config, _titles, _window

    _blog(site)
    config = _config(tmp_path, site, {"sitemap": site.url("sitemap.xml")},
                     exclude=["re:title:^Post 1[24]$"])
    result = feedvault("backfill", "blog", "--config", config, *_window(10, 19))
    assert result.returncode == 0, result.stdout + result.stderr
    assert _archived(tmp_path) == sorted({*_titles(range(10, 20))} - {"Post 12", "Post 14"})
    assert "0 failed" in result.stdout


def test_backfill_reads_the_feeds_categories_for_category_rules(site: LocalSite, tmp_path: Path
                                                                ) -> None:
    """A feed page's <category> reaches the rules in a backfill as in a crawl."""
    from tests.test_backfill import _archived, _blog, _config, _window

    _blog(site)
    for page in site.root.glob("feed-*.xml"):  # mark two posts, whichever page holds them
        text = page.read_text(encoding="utf-8")
        for n in (9, 10):
            text = text.replace(f"<title>Post {n}</title>",
                                f"<title>Post {n}</title><category>Sponsored</category>")
        page.write_text(text, encoding="utf-8")
    config = _config(tmp_path, site, {"feed_archive": True},
                     exclude=["categories:sponsored"])
    result = feedvault("backfill", "blog", "--config", config, *_window(7, 12))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Post 9" not in _archived(tmp_path) and "Post 10" not in _archived(tmp_path)
    assert {"Post 7", "Post 8", "Post 11", "Post 12"} <= set(_archived(tmp_path))


def test_a_regex_that_backtracks_at_crawl_time_is_given_up_and_reported_once(
        site: LocalSite, tmp_path: Path) -> None:
    # (x+x+)+y passes the load-time probes but explodes on a long run of x without a y
    items = [{"title": f"X {n}", "guid": f"urn:x:{n}", "link": f"http://example.invalid/x/{n}",
              "description": "<p>" + "x" * 3000 + "</p>"} for n in range(2)]
    url = site.write("feed.xml", rss_feed(items))
    config = write_config(tmp_path, [{"name": "t", "url": url,
                                      "exclude": ["re:body:(x+x+)+y"]}])
    out = _crawl(config)
    assert _titles(tmp_path / "posts") == {"X 0", "X 1"}  # kept: not matched, not lost
    assert out.count("filter rule 're:body:(x+x+)+y' took over") == 1


def test_rules_written_back_read_the_same(tmp_path: Path) -> None:
    """What an export (OPML, a config rewrite) gets from Rule.as_config reads back as is."""
    import tomli_w

    text = (BASE + 'exclude = ["title:Sponsored", "re:link:/ads/\\\\d+", '
            '{field = "categories", contains = ["Promo", "广告"]}, '
            '{field = "any", regex = "(?-i)^AD$"}]\ninclude = ["author:李雷"]\n')
    path = tmp_path / "feedvault.toml"
    source = parse_config(text, path).sources[0]
    again = tomli_w.dumps({"archive": {"path": "posts"}, "sources": [{
        "name": "a", "url": "https://e.org/f",
        "exclude": [r.as_config() for r in source.filters.exclude],
        "include": [r.as_config() for r in source.filters.include]}]})
    rules = parse_config(again, path).sources[0].filters
    assert [(r.field, r.contains, r.pattern) for r in rules.exclude + rules.include] == [
        (r.field, r.contains, r.pattern) for r in source.filters.exclude + source.filters.include]
    assert rules.exclude[1].pattern == "/ads/\\d+" and rules.exclude[2].contains == ("Promo", "广告")
