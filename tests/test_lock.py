"""One archive, one writer: a second crawl waits or exits 2 naming the holder."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from archive import HIDDEN, ArchiveLock
from tests.conftest import REPO, LocalSite, archive_files, feedvault, rss_feed, write_config

HOLD = """
import sys, time
sys.path.insert(0, {repo!r})
from archive import ArchiveLock
from pathlib import Path
with ArchiveLock(Path({hidden!r}), "test holder").acquire():
    print("locked", flush=True)
    time.sleep(float(sys.argv[1]))
"""


def _hold(hidden: Path, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD.format(repo=str(REPO), hidden=str(hidden)), str(seconds)],
        stdout=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    return proc


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.kill()
    proc.wait()
    assert proc.stdout is not None
    proc.stdout.close()


def test_second_writer_exits_2_naming_the_holder(site: LocalSite, tmp_path: Path) -> None:
    config = write_config(tmp_path, [{"name": "t", "url": site.write(
        "f.xml", rss_feed([{"title": "x", "guid": "g", "description": "<p>x</p>"}]))}])
    holder = _hold(tmp_path / "posts" / HIDDEN, 60)
    try:
        result = feedvault("crawl", "--config", config)
    finally:
        _stop(holder)
    assert result.returncode == 2
    assert f"pid {holder.pid}" in result.stderr and "test holder" in result.stderr
    assert "--wait" in result.stderr
    assert archive_files(tmp_path / "posts") == []


def test_wait_blocks_until_the_holder_is_gone(site: LocalSite, tmp_path: Path) -> None:
    config = write_config(tmp_path, [{"name": "t", "url": site.write(
        "f.xml", rss_feed([{"title": "x", "guid": "g", "description": "<p>x</p>"}]))}])
    holder = _hold(tmp_path / "posts" / HIDDEN, 2)
    started = time.monotonic()
    result = feedvault("crawl", "--config", config, "--wait")
    _stop(holder)
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started >= 1.5
    assert len(archive_files(tmp_path / "posts")) == 1


def test_lock_of_a_killed_holder_is_free(tmp_path: Path) -> None:
    holder = _hold(tmp_path, 60)
    _stop(holder)  # SIGKILL: no cleanup ran
    with ArchiveLock(tmp_path, "after kill").acquire():
        pass
