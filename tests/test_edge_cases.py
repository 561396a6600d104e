"""Edge cases found in review: bad URLs, fragment links, title+date feeds, configured presets."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import LocalSite, archive_files, feedvault, rss_feed, write_config


def _row(stdout: str, source: str) -> list[str]:
    return next(line for line in stdout.splitlines() if line.startswith(source + " ")).split()


def test_an_unparseable_link_loses_nothing(site: LocalSite, tmp_path: Path) -> None:
    items = [{"title": f"Item {n}", "guid": f"g{n}", "link": link, "description": "<p>x</p>"}
             for n, link in enumerate(["http://[oops/1", "http://example.invalid/2", "/3"])]
    config = write_config(tmp_path, [{"name": "t", "url": site.write("f.xml", rss_feed(items))}])
    result = feedvault("crawl", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert len(archive_files(tmp_path / "posts")) == 3


def test_links_differing_by_fragment_are_different_articles(site: LocalSite,
                                                            tmp_path: Path) -> None:
    items = [{"title": f"Release 1.{n}", "link": f"http://example.invalid/changelog#v1-{n}",
              "description": f"<p>Changes in 1.{n}</p>"} for n in (1, 2, 3)]
    config = write_config(tmp_path, [{"name": "t", "url": site.write("f.xml", rss_feed(items))}])
    first = feedvault("crawl", "--config", config)
    assert first.returncode == 0, first.stderr
    assert _row(first.stdout, "t")[1:3] == ["3", "0"]
    assert len(archive_files(tmp_path / "posts")) == 3
    again = feedvault("crawl", "--config", config, "--force")  # no churn either
    assert _row(again.stdout, "t")[1:4] == ["0", "0", "3"]


def test_title_and_date_identity_keeps_items_sharing_a_link(site: LocalSite,
                                                            tmp_path: Path) -> None:
    items = [{"title": f"Notice {n}", "link": "http://example.invalid/",
              "pubDate": f"Mon, 0{n} Jan 2024 10:00:00 GMT", "description": f"<p>{n}</p>"}
             for n in (1, 2, 3)]
    config = write_config(tmp_path, [{"name": "t", "url": site.write("f.xml", rss_feed(items)),
                                      "id": "title+date"}])
    result = feedvault("crawl", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(archive_files(tmp_path / "posts")) == 3


def test_verify_and_snapshot_read_a_hugo_markdown_archive(site: LocalSite,
                                                          tmp_path: Path) -> None:
    items = [{"title": f"Post {n}", "guid": f"g{n}", "description": f"<p>Body *{n}*</p>"}
             for n in (1, 2)]
    config = write_config(
        tmp_path, [{"name": "t", "url": site.write("f.xml", rss_feed(items))}],
        extra="",
    )
    text = config.read_text(encoding="utf-8").replace(
        'preset = "hexo"', 'preset = "hugo"\nbody = "markdown"\nfront_matter_format = "toml"')
    config.write_text(text, encoding="utf-8")
    assert feedvault("crawl", "--config", config).returncode == 0
    verified = feedvault("verify", "--config", config)
    assert verified.returncode == 0, verified.stdout
    assert "2 files, 2 ledger entries: clean" in verified.stdout
    snap = feedvault("snapshot", "--config", config)
    assert snap.returncode == 0 and "2 articles" in snap.stdout, snap.stdout + snap.stderr


def test_unwritable_report_is_a_usage_error_before_crawling(site: LocalSite,
                                                             tmp_path: Path) -> None:
    config = write_config(tmp_path, [{"name": "t", "url": site.write(
        "f.xml", rss_feed([{"title": "x", "guid": "g", "description": "<p>x</p>"}]))}])
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    result = feedvault("crawl", "--config", config, "--report", tmp_path / "a-file" / "r.json")
    assert result.returncode == 2
    assert "--report" in result.stderr and "Traceback" not in result.stderr
    assert archive_files(tmp_path / "posts") == []


def test_unknown_snapshot_is_trouble_exit_2(site: LocalSite, tmp_path: Path) -> None:
    config = write_config(tmp_path, [{"name": "t", "url": site.write(
        "f.xml", rss_feed([{"title": "x", "guid": "g", "description": "<p>x</p>"}]))}])
    assert feedvault("crawl", "--config", config, "--snapshot").returncode == 0
    result = feedvault("snapshot", "show", "nope", "--config", config)
    assert result.returncode == 2, result.stdout + result.stderr
