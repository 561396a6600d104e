"""Killed crawls, the foreground scheduler, and `feedvault verify`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import frontmatter

from archive.ledger import Ledger
from tests.conftest import REPO, LocalSite, archive_files, feedvault, rss_feed, write_config


def _items(prefix: str, count: int) -> list[dict[str, str]]:
    return [{
        "title": f"{prefix} article {n}",
        "link": f"http://example.invalid/{prefix}/{n}",
        "guid": f"urn:{prefix}:{n}",
        "pubDate": "Mon, 01 Jan 2024 10:00:00 +0000",
        "description": f"<p>{prefix} body {n}.</p>" * 20,
    } for n in range(count)]


def _start(*args: str | os.PathLike[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", *map(str, args)], cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _wait_for(condition, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


def _two_feeds(site: LocalSite, tmp_path: Path, slow: float) -> Path:
    site.delays["/slow.xml"] = slow
    return write_config(tmp_path, [
        {"name": "fast", "url": site.write("fast.xml", rss_feed(_items("fast", 60)))},
        {"name": "slow", "url": site.write("slow.xml", rss_feed(_items("slow", 20)))},
    ], extra='[crawl]\njitter = "0s"\n')


def test_sigkilled_crawl_rerun_archives_everything_once(site: LocalSite, tmp_path: Path) -> None:
    config = _two_feeds(site, tmp_path, slow=8)
    root = tmp_path / "posts"
    crawl = _start("crawl", "--config", config)
    _wait_for(lambda: len(archive_files(root)) >= 5)
    crawl.send_signal(signal.SIGKILL)
    crawl.communicate()
    assert 5 <= len(archive_files(root)) < 80

    site.delays.clear()
    result = feedvault("crawl", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    files = archive_files(root)
    guids = [frontmatter.load(p)["guid"] for p in files]
    assert len(files) == 80 and len(set(guids)) == 80
    assert not list((root / ".feedvault" / "tmp").iterdir())
    verified = feedvault("verify", "--config", config)
    assert verified.returncode == 0, verified.stdout
    assert verified.stdout.strip().endswith("80 files, 80 ledger entries: clean")


def test_schedule_stops_cleanly_on_sigterm_mid_crawl(site: LocalSite, tmp_path: Path) -> None:
    config = _two_feeds(site, tmp_path, slow=4)
    scheduler = _start("schedule", "--config", config)
    _wait_for(lambda: bool(site.served("slow.xml")))  # the slow feed is being answered
    scheduler.send_signal(signal.SIGTERM)
    out, err = scheduler.communicate(timeout=120)
    assert scheduler.returncode == 0, out + err
    assert "received SIGTERM" in out and out.rstrip().endswith("feedvault schedule: stopped")
    assert "crawled fast, slow in" in out  # the one log line of the interrupted crawl
    root = tmp_path / "posts"
    files = archive_files(root)
    # the in-flight slow feed was answered and its articles archived before the exit
    assert len({frontmatter.load(p)["guid"] for p in files}) == len(files) == 80
    assert not list((root / ".feedvault" / "tmp").iterdir())
    assert feedvault("verify", "--config", config).returncode == 0


def test_schedule_crawls_due_sources_and_waits(site: LocalSite, tmp_path: Path) -> None:
    config = _two_feeds(site, tmp_path, slow=0)
    scheduler = _start("schedule", "--config", config)
    _wait_for(lambda: len(archive_files(tmp_path / "posts")) == 80)
    time.sleep(2)  # both sources are now due only in an hour: no second crawl
    scheduler.send_signal(signal.SIGINT)
    out, err = scheduler.communicate(timeout=60)
    assert scheduler.returncode == 0, out + err
    assert out.count("crawled ") == 1, out
    assert "80 new, 0 updated, 0 unchanged, 0 not modified, 0 failed" in out
    assert len(site.served("fast.xml")) == 1


def test_verify_finds_problems_and_repair_rebuilds_the_ledger(site: LocalSite,
                                                             tmp_path: Path) -> None:
    config = write_config(tmp_path, [
        {"name": "t", "url": site.write("f.xml", rss_feed(_items("t", 4)))}])
    assert feedvault("crawl", "--config", config).returncode == 0
    root = tmp_path / "posts"
    files = archive_files(root)
    files[0].write_text(files[0].read_text(encoding="utf-8") + "\nhand edit\n", encoding="utf-8")
    files[1].unlink()
    (root / "t" / "2024" / "stray.md").write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    ledger = root / ".feedvault" / "ledger.sqlite"

    result = feedvault("verify", "--config", config)
    assert result.returncode == 1
    kinds = sorted(line.split(":", 1)[0] for line in result.stdout.splitlines()[:-1])
    assert kinds == ["mismatch", "missing", "unparseable"]

    ledger.unlink()  # lost entirely: every file is an orphan
    for suffix in ("-wal", "-shm"):
        Path(f"{ledger}{suffix}").unlink(missing_ok=True)
    result = feedvault("verify", "--config", config)
    assert result.stdout.count("orphan: ") == 3

    result = feedvault("verify", "--config", config, "--repair")
    assert "still: unparseable: t/2024/stray.md" in result.stdout
    (root / "t" / "2024" / "stray.md").unlink()
    result = feedvault("verify", "--config", config)
    assert result.returncode == 0, result.stdout
    # the rebuilt ledger knows the files: a forced re-crawl restores the deleted one only
    result = feedvault("crawl", "--config", config, "--force")
    assert result.returncode == 0
    assert len(archive_files(root)) == 4
    assert feedvault("verify", "--config", config).returncode == 0


def test_repair_rebuilds_identities_with_each_sources_id_policy(site: LocalSite,
                                                                 tmp_path: Path) -> None:
    config = write_config(tmp_path, [
        {"name": "t", "url": site.write("f.xml", rss_feed(_items("t", 3))), "id": "link"}])
    assert feedvault("crawl", "--config", config).returncode == 0
    ledger = tmp_path / "posts" / ".feedvault" / "ledger.sqlite"
    ledger.unlink()
    result = feedvault("verify", "--config", config, "--repair")
    assert result.returncode == 0, result.stdout + result.stderr
    rebuilt = Ledger(ledger)
    identities = sorted(row.identity for row in rebuilt.entries())
    rebuilt.close()
    # id = "link": the article is its link (with "auto" the guid would win)
    assert identities == [f"http://example.invalid/t/{n}" for n in range(3)]


def test_one_crawl_at_a_time_per_archive(site: LocalSite, tmp_path: Path) -> None:
    config = _two_feeds(site, tmp_path, slow=6)
    first = _start("crawl", "--config", config)
    _wait_for(lambda: bool(site.served("slow.xml")))
    second = feedvault("crawl", "--config", config)
    assert second.returncode == 2
    assert "in use by" in second.stderr and f"pid {first.pid}" in second.stderr
    busy = feedvault("verify", "--config", config)  # verify takes the same lock
    assert busy.returncode == 2 and f"pid {first.pid}" in busy.stderr
    first.communicate(timeout=120)
    assert first.returncode == 0
    assert len(archive_files(tmp_path / "posts")) == 80
