"""`feedvault status`: each source's last crawl, failures in a row, health and drift, as text and JSON."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from tests.conftest import LocalSite, corpus, feedvault, rss_feed, rss_item, write_config


def _sources(site: LocalSite) -> list[dict[str, object]]:
    shutil.copy(corpus("pages", "readability", "001", "source.html"), site.root / "a.html")
    site.answer("gone.xml", 404)
    return [
        {"name": "healthy", "url": site.write("healthy.xml", rss_feed([rss_item(1), rss_item(2)]))},
        {"name": "failing", "url": site.url("gone.xml")},
        {"name": "drifting", "full_text": True, "content_selector": "div.story-body",
         "url": site.write("drifting.xml", rss_feed([{
             "title": "A", "link": site.url("a.html"), "guid": "urn:a",
             "description": "<p>Teaser</p>", "pubDate": "Mon, 01 Jan 2024 10:00:00 +0000"}]))},
    ]


def _status(config: Path) -> tuple[int, dict[str, dict[str, object]], dict[str, int], str]:
    text = feedvault("status", "--config", config)
    as_json = feedvault("status", "--json", "--config", config)
    assert as_json.returncode == text.returncode, as_json.stderr
    data = json.loads(as_json.stdout)
    return text.returncode, {s["name"]: s for s in data["sources"]}, data["totals"], text.stdout


def test_status_before_any_crawl_lists_every_source_as_never_crawled(
        site: LocalSite, tmp_path: Path) -> None:
    config = write_config(tmp_path, _sources(site))
    status, sources, totals, text = _status(config)
    assert status == 0
    assert {s["outcome"] for s in sources.values()} == {"never crawled"}
    assert totals["articles"] == 0
    assert text.splitlines()[1].split()[:3] == ["healthy", "-", "never"]


def test_status_after_crawls_with_a_failing_a_drifting_and_a_healthy_source(
        site: LocalSite, tmp_path: Path) -> None:
    config = write_config(tmp_path, _sources(site))
    for _ in range(2):
        crawl = feedvault("crawl", "--config", config)
        assert crawl.returncode == 1, crawl.stdout + crawl.stderr  # the failing source
    status, sources, totals, text = _status(config)
    assert status == 1  # a source is failing
    healthy, failing, drifting = sources["healthy"], sources["failing"], sources["drifting"]
    assert healthy["outcome"] == "not modified" and healthy["consecutive_failures"] == 0
    assert healthy["articles"] == 2 and healthy["last_new"] is not None
    assert healthy["host"] == f"127.0.0.1:{site.server.server_address[1]}"
    assert healthy["host_down"] is None and healthy["drift"] == []
    assert healthy["next_due"] > healthy["last_crawl"]  # [crawl] interval: an hour later
    assert failing["outcome"] == "failed" and failing["consecutive_failures"] == 2
    assert failing["articles"] == 0 and failing["last_new"] is None
    assert any("404" in p for p in failing["problems"])
    assert drifting["outcome"] == "not modified" and drifting["articles"] == 1
    assert len(drifting["drift"]) == 1 and "'div.story-body' matched nothing" in drifting["drift"][0]
    assert totals == {"sources": 3, "failing": 1, "drifting": 1, "hosts_down": 0, "articles": 3}

    rows = {line.split()[0]: line.split() for line in text.splitlines()[1:4]}
    assert rows["failing"][2:4] == ["FAILED", "2"]
    assert rows["healthy"][2:5] == ["not", "modified", "0"] and rows["healthy"][6] == "2"
    assert "1 warning" in " ".join(rows["drifting"])
    assert "failing:" in text and "drifting: " in text  # the reasons, under the table
    assert text.splitlines()[-1] == ("3 sources, 1 failing, 1 drifting, 0 with their host down; "
                                     "3 articles archived")

    # the feed comes back: the run of failures ends, and so does the exit status 1
    site.answers.clear()
    site.write("gone.xml", rss_feed([rss_item(3)]))
    assert feedvault("crawl", "--config", config, "--source", "failing").returncode == 0
    status, sources, totals, _ = _status(config)
    assert status == 0
    assert sources["failing"]["outcome"] == "ok"
    assert sources["failing"]["consecutive_failures"] == 0
    assert sources["drifting"]["drift"]  # not crawled this time: its last crawl still says so


def test_status_reads_a_state_file_from_before_the_crawl_history(
        site: LocalSite, tmp_path: Path) -> None:
    config = write_config(tmp_path, [{"name": "healthy",
                                      "url": site.write("h.xml", rss_feed([rss_item(1)]))}])
    assert feedvault("crawl", "--config", config).returncode == 0
    state = tmp_path / "posts" / ".feedvault" / "http.sqlite"
    with sqlite3.connect(state) as db:
        db.execute("DROP TABLE source_runs")  # as an older feedvault left it
    status, sources, _, _ = _status(config)
    assert status == 0 and sources["healthy"]["outcome"] == "never crawled"
    assert sources["healthy"]["articles"] == 1
    assert feedvault("crawl", "--config", config).returncode == 0
    assert _status(config)[1]["healthy"]["outcome"] == "not modified"


def test_status_tells_the_captures_warc_files_and_their_size(site: LocalSite,
                                                             tmp_path: Path) -> None:
    config = write_config(tmp_path, [{"name": "healthy",
                                      "url": site.write("h.xml", rss_feed([rss_item(1)]))}])
    # no captures yet: no line, and zeros for scripts
    _, _, _, text = _status(config)
    assert "captures:" not in text
    data = json.loads(feedvault("status", "--json", "--config", config).stdout)
    assert (data["captures"]["files"], data["captures"]["bytes"]) == (0, 0)

    config.write_text(config.read_text().replace('preset = "hexo"',
                                                 'preset = "hexo"\ncapture = "warc"', 1))
    assert feedvault("crawl", "--config", config).returncode == 0
    folder = tmp_path / "posts" / ".feedvault" / "captures"
    warcs = sorted(folder.glob("captures-*.warc.gz"))
    size = sum(p.stat().st_size for p in warcs)
    assert len(warcs) == 1 and size > 0
    data = json.loads(feedvault("status", "--json", "--config", config).stdout)
    assert data["captures"] == {"folder": str(folder), "files": 1, "bytes": size}
    _, _, _, text = _status(config)
    assert text.splitlines()[-1] == (f"captures: 1 WARC file, {size / 1024:.1f} KiB in {folder}"
                                     if size >= 1024 else
                                     f"captures: 1 WARC file, {size} B in {folder}")
