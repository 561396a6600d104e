"""One archive, one writer: a second crawl waits or exits 2 naming the holder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from archive import HIDDEN, ArchiveLock, ArchiveLocked
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
    holder = _hold(tmp_path / "posts" / HIDDEN, 4)  # longer than a one-item crawl
    result = feedvault("crawl", "--config", config, "--wait")
    ended_first = holder.poll() is not None  # the crawl could only go on once the holder left
    _stop(holder)
    assert result.returncode == 0, result.stderr
    assert ended_first
    assert len(archive_files(tmp_path / "posts")) == 1


def test_lock_of_a_killed_holder_is_free(tmp_path: Path) -> None:
    holder = _hold(tmp_path, 60)
    with pytest.raises(ArchiveLocked, match=f"in use by pid {holder.pid} on .* \\(test holder"):
        ArchiveLock(tmp_path, "before kill").acquire()  # held while the holder lives
    _stop(holder)  # SIGKILL: no cleanup ran
    assert json.loads((tmp_path / "lock").read_text(encoding="utf-8"))["pid"] == holder.pid
    with ArchiveLock(tmp_path, "after kill").acquire() as lock:
        info = json.loads(lock.path.read_text(encoding="utf-8"))
        assert (info["pid"], info["purpose"]) == (os.getpid(), "after kill")
        assert lock.holder().startswith(f"pid {os.getpid()} on ")
        with pytest.raises(ArchiveLocked):  # and it is really ours now
            ArchiveLock(tmp_path, "third").acquire()
    assert (tmp_path / "lock").read_text(encoding="utf-8") == ""  # released: no holder named
