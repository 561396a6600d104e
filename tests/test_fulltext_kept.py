"""crawler/fulltext/kept.py: a page that failed is reported with what its article kept."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from tests.conftest import LocalSite, archive_files, feedvault, rss_feed, write_config

PAGE = ("<html><head><title>{n}</title></head><body><article><h1>{n}</h1>"
        "<p>The whole text of article {n}, only on its page. It has enough words to be an "
        "article of its own and not a teaser at all, so extraction keeps it.</p>"
        "<p>A second paragraph of article {n} for good measure, long enough as well.</p>"
        "</article></body></html>")


def _feed(site: LocalSite, link: str) -> str:
    """A feed of one teaser whose article is at link; written, its URL."""
    return site.write("f.xml", rss_feed([{
        "title": "Two", "link": link, "guid": "urn:two", "description": "<p>Teaser two.</p>",
        "pubDate": "Tue, 02 Jan 2024 10:00:00 +0000"}]))


def _problems(config: Path, tmp_path: Path) -> list[str]:
    """Crawl everything again (--force) and return the source's report lines."""
    report = tmp_path / "r.json"
    result = feedvault("crawl", "--config", config, "--force", "--report", report)
    assert result.returncode == 0, result.stdout + result.stderr
    problems: list[str] = json.loads(report.read_text(encoding="utf-8"))["sources"][0]["problems"]
    assert all(line in result.stderr for line in problems)  # the log says the same
    return problems


def _body(tmp_path: Path) -> bytes:
    [path] = archive_files(tmp_path / "posts")
    return path.read_bytes()


def test_a_failed_page_says_whether_the_archived_text_or_the_feed_text_was_kept(
        site: LocalSite, tmp_path: Path) -> None:
    site.write("p2.html", PAGE.format(n=2))
    page = site.url("p2.html")
    config = write_config(tmp_path, [{"name": "t", "url": _feed(site, page)}], follow_pages=True)
    site.answer("p2.html", 500)
    # never archived: the article is archived with the feed's teaser
    assert _problems(config, tmp_path) == [
        f"{page}: page not fetched (HTTP 500); kept the feed's text"]
    assert b"Teaser two" in _body(tmp_path)

    del site.answers["/p2.html"]
    assert _problems(config, tmp_path) == []
    full = _body(tmp_path)
    assert b"only on its page" in full and b"Teaser two" not in full

    site.answer("p2.html", 500)  # archived with its full text: that copy stays, as it says
    assert _problems(config, tmp_path) == [
        f"{page}: page not fetched (HTTP 500); kept the archived text"]
    assert _body(tmp_path) == full


def test_a_page_host_that_is_down_says_what_its_pages_kept(site: LocalSite,
                                                          tmp_path: Path) -> None:
    site.write("p2.html", PAGE.format(n=2))
    # every port of 127.0.0.1 allowed: the page's port below is not the feed's
    config = write_config(tmp_path, [{"name": "t", "url": _feed(site, site.url("p2.html"))}],
                          follow_pages=True, extra='[crawl]\nallow_hosts = ["127.0.0.1"]\n')
    assert _problems(config, tmp_path) == []
    full = _body(tmp_path)

    # the article moves to a loopback port nothing listens on: its host is down
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    _feed(site, f"http://127.0.0.1:{port}/p2.html")
    [line] = _problems(config, tmp_path)
    assert line.startswith(f"127.0.0.1:{port}: unreachable (")
    assert line.endswith("; 1 page kept the archived text"), line
    assert _body(tmp_path) == full


def test_a_distributed_writer_says_what_the_pages_of_a_down_host_kept(
        site: LocalSite, tmp_path: Path) -> None:
    # the worker finds the host down; the writer, which stores the article, says what it kept
    from tests.distributed_helpers import distributed_config, redis_server

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with redis_server(tmp_path) as redis:
        config = write_config(
            tmp_path, [{"name": "t", "url": _feed(site, f"http://127.0.0.1:{port}/p2.html")}],
            follow_pages=True,
            extra=distributed_config(redis.url) + '[crawl]\nallow_hosts = ["127.0.0.1"]\n')
        for command in ("crawl", "worker", "writer"):
            args = ("--idle", "1") if command != "crawl" else ()
            result = feedvault(command, *args, "--config", config)
            assert result.returncode == 0, result.stdout + result.stderr
    assert f"127.0.0.1:{port}: unreachable (" in result.stdout + result.stderr
    assert "1 page kept the feed's text" in result.stdout + result.stderr, result.stdout
    assert b"Teaser two" in _body(tmp_path)
