"""Incremental crawls end to end: conditional requests, updates, identity, due, Retry-After."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import frontmatter

from archive import Archive
from tests.conftest import REPO, LocalSite, archive_files, feedvault, rss_feed, rss_item, write_config


def _crawl(config: Path, *args: str, expect: int = 0) -> str:
    result = feedvault("crawl", "--config", config, *args)
    assert result.returncode == expect, result.stdout + result.stderr
    return result.stdout


def _row(out: str, source: str) -> list[str]:
    """new, updated, unchanged, not-modified, failed, seconds, status... of one source."""
    return next(line for line in out.splitlines() if line.startswith(source + " ")).split()[1:]


def _ledger(root: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(root / ".feedvault" / "ledger.sqlite") as db:
        return db.execute(sql).fetchall()


def test_unchanged_feed_is_answered_304_and_costs_nothing(site: LocalSite, tmp_path: Path) -> None:
    config = write_config(tmp_path, [{"name": "t", "url": site.write("f.xml", rss_feed(
        [rss_item(1), rss_item(2)]))}])
    _crawl(config)
    ledger = (tmp_path / "posts" / ".feedvault" / "ledger.sqlite").stat().st_mtime_ns
    out = _crawl(config)
    assert _row(out, "t")[:5] == ["0", "0", "0", "1", "0"]
    assert "not modified" in out
    first, second = site.served("f.xml")
    assert first[1] is None and second[1] is not None  # If-None-Match on the second request
    assert second[2] is not None  # and If-Modified-Since
    assert (tmp_path / "posts" / ".feedvault" / "ledger.sqlite").stat().st_mtime_ns == ledger


def test_edited_item_gives_one_rewrite_and_two_revisions(site: LocalSite, tmp_path: Path) -> None:
    config = write_config(tmp_path, [{"name": "t", "url": site.write("f.xml", rss_feed(
        [rss_item(1), rss_item(2)]))}])
    _crawl(config)
    site.write("f.xml", rss_feed([rss_item(1, description="<p>Edited.</p>"), rss_item(2)]))
    out = _crawl(config)
    assert _row(out, "t")[:5] == ["0", "1", "1", "0", "0"]
    _crawl(config)  # 304: no third revision
    root = tmp_path / "posts"
    assert len(archive_files(root)) == 2
    revisions = _ledger(root, "SELECT identity, count(*) FROM revisions GROUP BY identity")
    assert dict(revisions) == {"urn:test:1": 2, "urn:test:2": 1}
    [edited] = [p for p in archive_files(root) if frontmatter.load(p)["guid"] == "urn:test:1"]
    with Archive(root) as archive:
        article = archive.load(edited.relative_to(root).as_posix())
    assert article.body == "<p>Edited.</p>" and article.updated


def test_new_guid_with_known_link_is_the_same_article(site: LocalSite, tmp_path: Path) -> None:
    config = write_config(tmp_path, [{"name": "t", "url": site.write("f.xml", rss_feed(
        [rss_item(1), rss_item(2)]))}])
    _crawl(config)
    before = archive_files(tmp_path / "posts")
    site.write("f.xml", rss_feed([rss_item(1, guid="https://new.example/?p=1"), rss_item(2)]))
    out = _crawl(config)
    assert archive_files(tmp_path / "posts") == before
    assert _row(out, "t")[:2] == ["0", "1"]  # rewritten in place with its new guid
    guids = {frontmatter.load(p)["guid"] for p in before}
    assert guids == {"https://new.example/?p=1", "urn:test:2"}


def test_items_sharing_one_link_stay_two_articles(site: LocalSite, tmp_path: Path) -> None:
    shared = "http://example.invalid/"
    config = write_config(tmp_path, [{"name": "t", "url": site.write("f.xml", rss_feed(
        [rss_item(1, link=shared), rss_item(2, link=shared)]))}])
    _crawl(config)
    assert len(archive_files(tmp_path / "posts")) == 2


def test_identity_by_link_ignores_guids_that_change(site: LocalSite, tmp_path: Path) -> None:
    config = write_config(tmp_path, [{"name": "t", "id": "link", "url": site.write(
        "f.xml", rss_feed([rss_item(1, guid="build-1")]))}])
    _crawl(config)
    site.write("f.xml", rss_feed([rss_item(1, guid="build-2")]))
    _crawl(config)
    assert len(archive_files(tmp_path / "posts")) == 1
    assert _ledger(tmp_path / "posts", "SELECT identity FROM articles") == [
        ("http://example.invalid/posts/1",)]


def test_due_skips_a_source_polled_a_minute_ago(site: LocalSite, tmp_path: Path) -> None:
    config = write_config(tmp_path, [
        {"name": "hourly", "url": site.write("a.xml", rss_feed([rss_item(1)])), "interval": "1h"},
        {"name": "fresh", "url": site.write("b.xml", rss_feed([rss_item(2)]))},
    ])
    _crawl(config, "--source", "hourly")
    state = tmp_path / "posts" / ".feedvault" / "http.sqlite"
    minute_ago = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    with sqlite3.connect(state) as db:
        db.execute("UPDATE polls SET last_polled = ?", (minute_ago,))
    requests = len(site.served("a.xml"))
    out = _crawl(config, "--due")
    assert _row(out, "hourly")[6:8] == ["skipped:", "not"]  # not due until ...
    assert _row(out, "fresh")[:1] == ["1"]  # never polled: due
    assert len(site.served("a.xml")) == requests  # no request at all
    with sqlite3.connect(state) as db:
        db.execute("UPDATE polls SET last_polled = ? WHERE source = 'hourly'",
                   ((datetime.now(UTC) - timedelta(minutes=61)).isoformat(),))
    out = _crawl(config, "--due")
    assert _row(out, "hourly")[3] == "1"  # due again: polled (and answered 304)
    assert _row(out, "fresh")[6].startswith("skipped")


def test_retry_after_postpones_the_source(site: LocalSite, tmp_path: Path) -> None:
    config = write_config(tmp_path, [
        {"name": "busy", "url": site.url("busy.xml")},
        {"name": "ok", "url": site.write("ok.xml", rss_feed([rss_item(1)]))},
    ])
    site.answer("busy.xml", 503, {"Retry-After": "3600"})
    report = tmp_path / "report.json"
    out = _crawl(config, "--report", str(report), expect=1)
    assert len(site.served("busy.xml")) == 1  # no retries against the site's wish
    assert "HTTP 503" in out
    data = json.loads(report.read_text(encoding="utf-8"))
    [busy] = [s for s in data["sources"] if s["name"] == "busy"]
    not_before = datetime.fromisoformat(busy["not_before"])
    assert timedelta(minutes=59) < not_before - datetime.now(UTC) <= timedelta(hours=1)
    assert data["failures"] == [{"source": "busy", "url": site.url("busy.xml"),
                                 "reason": "feed not fetched (HTTP 503)"}]

    del site.answers["/busy.xml"]
    site.write("busy.xml", rss_feed([rss_item(2)]))
    for args in ((), ("--due",)):
        out = _crawl(config, *args)
        assert "postponed until" in out or "not due until" in out
        assert len(site.served("busy.xml")) == 1
    out = _crawl(config, "--force")
    assert _row(out, "busy")[:1] == ["1"]


def test_rss_ttl_and_max_age_postpone_the_next_poll(site: LocalSite, tmp_path: Path) -> None:
    feed = rss_feed([rss_item(1)]).replace("<channel>", "<channel><ttl>120</ttl>")
    config = write_config(tmp_path, [
        {"name": "ttl", "url": site.write("ttl.xml", feed)},
        {"name": "cached", "url": site.write("cached.xml", rss_feed([rss_item(2)]))},
        {"name": "plain", "url": site.write("plain.xml", rss_feed([rss_item(3)]))},
    ])
    site.headers["/cached.xml"] = {"Cache-Control": "public, max-age=1800"}
    _crawl(config)
    out = _crawl(config)
    assert "postponed until" in " ".join(_row(out, "ttl"))
    assert "postponed until" in " ".join(_row(out, "cached"))
    assert _row(out, "plain")[3] == "1"  # polled again, answered 304


def test_failed_urls_are_listed_in_the_report(site: LocalSite, tmp_path: Path) -> None:
    items = [rss_item(1), {"title": "No identity", "description": "<p>x</p>"}]
    config = write_config(tmp_path, [
        {"name": "t", "url": site.write("f.xml", rss_feed(items))},
        {"name": "gone", "url": site.url("gone.xml")},
    ])
    report = tmp_path / "out" / "report.json"
    _crawl(config, "--report", str(report), expect=1)
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["schema"] == "feedvault-crawl-report/1"
    assert data["exit_status"] == 1
    assert data["totals"] == {"new": 1, "updated": 0, "unchanged": 0, "not_modified": 0,
                              "failed": 1, "filtered": 0}
    reasons = {(f["source"], f["url"]): f["reason"] for f in data["failures"]}
    assert reasons[("gone", site.url("gone.xml"))] == "feed not fetched (HTTP 404)"
    assert "neither guid nor link" in reasons[("t", site.url("f.xml"))]
    assert {s["name"]: s["status"] for s in data["sources"]} == {"t": "failed", "gone": "failed"}


def test_robots_txt_is_obeyed_unless_the_source_opts_out(site: LocalSite, tmp_path: Path) -> None:
    site.write("robots.txt", "User-agent: *\nDisallow: /private/\n")
    config = write_config(tmp_path, [
        {"name": "polite", "url": site.write("private/a.xml", rss_feed([rss_item(1)]))},
        {"name": "optout", "robots": False, "url": site.write("private/b.xml",
                                                              rss_feed([rss_item(2)]))},
    ])
    out = _crawl(config, expect=1)
    assert _row(out, "polite")[6] == "FAILED" and "Forbidden by robots.txt" in out
    assert _row(out, "optout")[:1] == ["1"]
    assert not site.served("private/a.xml")


def test_short_retry_after_is_waited_for_and_retried(site: LocalSite, tmp_path: Path) -> None:
    import time

    site.answer("f.xml", 503, {"Retry-After": "1"})
    config = write_config(tmp_path, [{"name": "t", "url": site.url("f.xml")}])
    started = time.monotonic()
    _crawl(config, expect=1)
    served = site.served("f.xml")
    assert len(served) == 4  # the first answer and three retries (RETRY_TIMES)
    assert time.monotonic() - started >= 3  # each one a second after the last


def test_each_site_starts_at_the_pace_the_last_crawl_settled_on(site: LocalSite,
                                                                tmp_path: Path) -> None:
    """With AUTOTHROTTLE_START_DELAY = 2, a first crawl waits at least 1 s (Scrapy jitters
    delays by 0.5-1.5x) between robots.txt and the first feed; AutoThrottle then lowers the
    delay answer by answer. The next crawl starts at the pace the first ended with."""
    feeds = [{"name": f"f{n}", "url": site.write(f"{n}.xml", rss_feed([rss_item(n)]))}
             for n in range(6)]
    config = write_config(tmp_path, feeds, extra="[scrapy]\nAUTOTHROTTLE_START_DELAY = 2\n")

    def first_gap() -> float:
        """Seconds between robots.txt and the first feed request of the last crawl."""
        start = max(i for i, r in enumerate(site.requests) if r[0] == "/robots.txt")
        return site.times[start + 1] - site.times[start]

    _crawl(config)
    assert first_gap() >= 1.0
    with sqlite3.connect(tmp_path / "posts" / ".feedvault" / "http.sqlite") as db:
        (slot, pace), = db.execute("SELECT slot, delay FROM paces").fetchall()
    assert slot == "127.0.0.1" and pace < 0.5
    out = _crawl(config)
    assert all(_row(out, f"f{n}")[3] == "1" for n in range(6))  # all answered 304
    assert first_gap() < 1.0


def test_a_crawl_starts_no_console(site: LocalSite, tmp_path: Path) -> None:
    """Scrapy's telnet console and remote-control server (which runs Python sent to it)
    are not part of a feedvault crawl."""
    config = write_config(tmp_path, [{"name": "t", "url": site.write("f.xml", rss_feed(
        [rss_item(1)]))}])
    result = feedvault("crawl", "--config", config, "-v")
    assert result.returncode == 0, result.stderr
    assert "Enabled extensions" in result.stderr  # the list below is Scrapy's own
    assert "ConditionalAutoThrottle" in result.stderr
    assert "TelnetConsole" not in result.stderr and "RemoteControl" not in result.stderr
    assert "Dumping Scrapy stats" in result.stderr  # kept at -v


def test_a_crawl_that_finds_nothing_new_loads_no_feed_parser(site: LocalSite,
                                                             tmp_path: Path) -> None:
    """Every feed answers 304: feedparser, the Markdown converter and Scrapy's disabled
    consoles are never imported (start-up is most of such a crawl)."""
    config = write_config(tmp_path, [{"name": "t", "url": site.write("f.xml", rss_feed(
        [rss_item(1)]))}], extra='body = "markdown"  # still in [archive]\n')
    _crawl(config)
    (article,) = archive_files(tmp_path / "posts")
    assert article.read_text().endswith("Body of article 1\\.\n")  # Markdown, escaped
    probe = ("import sys; from crawler.cli import main; status = main(['crawl', '--config', "
             f"{str(config)!r}]); print(status, sorted(m for m in ('feedparser', 'html_to_markdown', "
             "'scrapy.extensions.remote_control', 'scrapy.extensions.telnet') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
    assert result.stdout.strip().splitlines()[-1] == "0 []", result.stdout + result.stderr
    assert site.served("f.xml")[-1][1] is not None  # the second request was conditional


PAGE = ("<html><head><title>{n}</title></head><body><article><h1>{n}</h1>"
        "<p>The whole text of article {n}, only on its page. It has enough words to be an "
        "article of its own and not a teaser at all, so extraction keeps it.</p>"
        "<p>A second paragraph of article {n} for good measure, long enough as well.</p>"
        "</article></body></html>")


def _teasers(site: LocalSite, first_title: str, second: str = "p2.html", *,
             guids: bool = True) -> str:
    """A feed of two teasers whose articles are on p1.html and second; written, its URL."""
    items = [
        {"title": first_title, "link": site.url("p1.html"), "guid": "urn:p1",
         "description": "<p>Teaser one.</p>", "pubDate": "Mon, 01 Jan 2024 10:00:00 +0000"},
        {"title": "Two", "link": site.url(second), "guid": "urn:p2",
         "description": "<p>Teaser two.</p>", "pubDate": "Tue, 02 Jan 2024 10:00:00 +0000"},
    ]
    if not guids:  # identity: the link
        items = [{k: v for k, v in item.items() if k != "guid"} for item in items]
    return site.write("f.xml", rss_feed(items))


def test_an_edit_to_one_entry_keeps_the_full_text_of_the_others(site: LocalSite,
                                                               tmp_path: Path) -> None:
    """Pages are fetched whole: an article page answered 304 has no text to build from, and
    the article would fall back to the feed's teaser."""
    for n in (1, 2):
        site.write(f"p{n}.html", PAGE.format(n=n))

    config = write_config(tmp_path, [{"name": "t", "url": _teasers(site, "One")}],
                          follow_pages=True)
    _crawl(config)
    _teasers(site, "One, retitled")
    out = _crawl(config)
    assert _row(out, "t")[:5] == ["0", "1", "1", "0", "0"], out
    for path in archive_files(tmp_path / "posts"):
        text = path.read_text(encoding="utf-8")
        assert "only on its page" in text and "Teaser" not in text, path.name
    assert all(request[1] is None and request[2] is None
               for name in ("p1.html", "p2.html") for request in site.served(name))


def test_a_page_that_fails_once_never_replaces_the_archived_full_text(site: LocalSite,
                                                                      tmp_path: Path) -> None:
    """The feed changes while one article's page answers 500: that article keeps its archived
    full text (the failure is reported), instead of falling back to the feed's teaser."""
    for n in (1, 2):
        site.write(f"p{n}.html", PAGE.format(n=n))

    config = write_config(tmp_path, [{"name": "t", "url": _teasers(site, "One")}],
                          follow_pages=True)
    _crawl(config)
    before = {p.name: p.read_bytes() for p in archive_files(tmp_path / "posts")}
    site.answer("p2.html", 500)
    _teasers(site, "One, retitled")
    out = _crawl(config)
    assert "p2.html: page not fetched (HTTP 500)" in out
    assert _row(out, "t")[:3] == ["0", "1", "1"], out
    after = {p.name: p.read_bytes() for p in archive_files(tmp_path / "posts")}
    [kept] = [name for name in after if "two" in name]
    assert after[kept] == before[kept]  # byte for byte, full text and all


def test_a_failed_page_keeps_the_full_text_of_an_article_known_by_a_link_with_a_quote(
        site: LocalSite, tmp_path: Path) -> None:
    """An RSS item without guid (identity: its link) whose link has a ' in its path."""
    site.write("p1.html", PAGE.format(n=1))
    site.write("it's-two.html", PAGE.format(n=2))

    url = _teasers(site, "One", "it's-two.html", guids=False)
    config = write_config(tmp_path, [{"name": "t", "url": url}], follow_pages=True)
    _crawl(config)
    before = {p.name: p.read_bytes() for p in archive_files(tmp_path / "posts")}
    [kept] = [name for name in before if "two" in name]
    assert b"Teaser two" not in before[kept]  # the full text was archived
    site.answer("it's-two.html", 500)
    _teasers(site, "One, retitled", "it's-two.html", guids=False)
    out = _crawl(config)
    assert "page not fetched (HTTP 500)" in out, out
    after = {p.name: p.read_bytes() for p in archive_files(tmp_path / "posts")}
    assert after[kept] == before[kept], after[kept].decode()  # full text kept, no teaser
    assert _row(out, "t")[:3] == ["0", "1", "1"], out
