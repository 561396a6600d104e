"""Grouped writes: a group of articles' files, then their folders, then one ledger commit."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive import HIDDEN, Archive, ArchiveError, Article
from archive.ledger import Ledger, Provenance
from archive.verify import verify
from tests.conftest import REPO, LocalSite, archive_files, feedvault, rss_feed, rss_item, write_config

DATE = datetime(2024, 1, 1, 10, 0, tzinfo=UTC)


def _article(n: int, body: str | None = None, **fields: object) -> Article:
    values: dict[str, object] = {
        "source": "blog", "title": f"Article {n}", "body": body or f"<p>Body {n}.</p>",
        "date": DATE, "original_url": f"http://example.invalid/{n}", "guid": f"urn:g:{n}"}
    values.update(fields)
    return Article(**values)  # type: ignore[arg-type]


def _committed(root: Path) -> set[str]:
    """The paths another process reading the ledger sees."""
    reader = Ledger(root / HIDDEN / "ledger.sqlite")
    try:
        return {entry.path for entry in reader.entries()}
    finally:
        reader.close()


def test_a_group_is_recorded_at_its_flush_and_seen_by_its_own_lookups(tmp_path: Path) -> None:
    with Archive(tmp_path, grouped=True) as archive:
        first = archive.put(_article(1), "guid", provenance=Provenance("d1", ("c.warc#0",)))
        # the same article again in the same group: known already, not a second file
        assert archive.put(_article(1), "guid").status == "unchanged"
        changed = archive.put(_article(1, "<p>Edited.</p>"), "guid")
        assert (changed.status, changed.path) == ("updated", first.path)
        # another article with the same title and date: the pending one's path is taken
        twin = archive.put(_article(2, title="Article 1"), "guid")
        assert twin.status == "new" and twin.path != first.path
        known = archive.ledger.provenance("blog", "urn:g:1")
        assert known is not None and known[1] == Provenance("d1", ("c.warc#0",))
        assert _committed(tmp_path) == set()  # nothing recorded for other readers yet
        assert archive.flush() > 0
        assert _committed(tmp_path) == {first.path, twin.path}
        assert verify(archive).clean
    assert len(archive_files(tmp_path)) == 2


def test_close_records_what_the_group_holds(tmp_path: Path) -> None:
    with Archive(tmp_path, grouped=True) as archive:
        path = archive.put(_article(1), "guid").path
    assert _committed(tmp_path) == {path}


def test_a_failed_folder_sync_records_no_row_of_its_group(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The order is: files durable, folders durable, ledger commit. A folder that cannot be
    synced (an I/O error, a power cut at that moment) leaves its group unrecorded: never a
    ledger row whose file might not be there; the next run adopts the files as they are."""
    with Archive(tmp_path, grouped=True) as archive:
        kept = archive.put(_article(1), "guid").path
        archive.flush()
        written = [archive.put(_article(n), "guid").path for n in (2, 3)]
        real_fsync = os.fsync

        def failing_fsync(fd: int) -> None:
            if stat.S_ISDIR(os.fstat(fd).st_mode):
                raise OSError(5, "Input/output error")
            real_fsync(fd)

        monkeypatch.setattr(os, "fsync", failing_fsync)
        with pytest.raises(ArchiveError, match="Input/output error") as caught:
            archive.flush()
        assert caught.value.fatal
        monkeypatch.undo()
        assert _committed(tmp_path) == {kept}  # none of the failed group's rows
        contents = {p: (tmp_path / p).read_bytes() for p in written}
    # the next run meets the articles again: the files are adopted byte for byte
    with Archive(tmp_path, grouped=True) as archive:
        assert [archive.put(_article(n), "guid").status for n in (2, 3)] == ["unchanged"] * 2
        archive.flush()
        assert verify(archive).clean
    assert {p: (tmp_path / p).read_bytes() for p in written} == contents
    assert _committed(tmp_path) == {kept, *written}


def test_a_file_that_cannot_be_made_durable_is_never_put_in_place(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A group's files wait in the temporary folder until all of them are synced: when one
    cannot be, none is renamed into place and no row is recorded; the next run writes them."""
    with Archive(tmp_path, grouped=True) as archive:
        written = [archive.put(_article(n), "guid").path for n in (1, 2)]

        def failing_fsync(fd: int) -> None:
            raise OSError(5, "Input/output error")

        monkeypatch.setattr(os, "fsync", failing_fsync)
        with pytest.raises(ArchiveError, match="Input/output error"):
            archive.flush()
        monkeypatch.undo()
    assert archive_files(tmp_path) == []
    assert not list((tmp_path / HIDDEN / "tmp").iterdir())  # no temporary file left
    assert _committed(tmp_path) == set()
    with Archive(tmp_path, grouped=True) as archive:
        assert [archive.put(_article(n), "guid").status for n in (1, 2)] == ["new"] * 2
    assert _committed(tmp_path) == set(written)


def test_ungrouped_puts_are_recorded_when_they_return(tmp_path: Path) -> None:
    with Archive(tmp_path) as archive:
        path = archive.put(_article(1), "guid").path
        assert _committed(tmp_path) == {path}


# Runs `feedvault crawl` in this process with the ledger's group commit replaced by a
# SIGKILL: the process dies after its first group's files and folders are durable and
# before their ledger rows are committed.
_KILLED_AT_COMMIT = """
import os, signal, sys
from archive.ledger import Ledger

def commit(self):
    if self.waiting:
        os.kill(os.getpid(), signal.SIGKILL)

Ledger.commit = commit
from crawler.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_crawl_killed_before_its_group_commit_loses_and_duplicates_nothing(
        tmp_path: Path, site: LocalSite) -> None:
    site.write("feed.xml", rss_feed([rss_item(n) for n in range(10)]))
    config = write_config(tmp_path, [{"name": "blog", "url": site.url("feed.xml")}])
    root = tmp_path / "posts"
    first = feedvault("crawl", "--config", config)
    assert first.returncode == 0, first.stderr[-2000:]
    recorded = _committed(root)
    assert len(recorded) == 10
    site.write("feed.xml", rss_feed([rss_item(n) for n in range(30)]))

    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_AT_COMMIT, "crawl", "--config", str(config)],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True,
        timeout=300)
    assert killed.returncode == -9, killed.stderr[-2000:]
    written = archive_files(root)
    assert len(written) == 30  # every file made whole and durable before the kill
    assert _committed(root) == recorded  # and not one row of the killed group
    before = {p: p.read_bytes() for p in written}

    again = feedvault("crawl", "--config", config)
    assert again.returncode == 0, again.stderr[-2000:]
    assert {p: p.read_bytes() for p in archive_files(root)} == before  # adopted as they are
    assert len(_committed(root)) == 30
    checked = feedvault("verify", "--config", config)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_store_pipeline_records_a_group_when_full_or_old(tmp_path: Path) -> None:
    """Articles reach the archive and the ledger in groups: at group_articles articles, or
    once the group is group_seconds old (at the next article or tick), and at close."""
    from archive import get_preset
    from crawler.config import SourceConfig
    from crawler.distributed.writer import WriterStats
    from crawler.items import ArticleItem
    from pipelines.store import StorePipeline

    now = [0.0]
    root = tmp_path / "posts"
    sources = {"blog": SourceConfig("blog", "http://127.0.0.1:9/feed.xml")}
    store = StorePipeline(root, get_preset("hexo"), {}, sources, WriterStats(),
                          group_articles=3, group_seconds=2.0, clock=lambda: now[0])

    def item(n: int) -> ArticleItem:
        return ArticleItem(source="blog", feed_url="http://127.0.0.1:9/feed.xml",
                           title=f"Article {n}", content=f"<p>Body {n}.</p>",
                           link=f"http://127.0.0.1:9/{n}", guid=f"urn:{n}", date=DATE)

    store.open_spider()
    try:
        for n in range(2):
            store.process_item(item(n))
        assert _committed(root) == set() and archive_files(root) == []  # the group waits
        store.process_item(item(2))  # the third: the group is full
        assert len(_committed(root)) == len(archive_files(root)) == 3
        store.process_item(item(3))
        now[0] = 1.0
        store.tick()
        assert len(_committed(root)) == 3  # one second old: still waiting
        now[0] = 2.5
        store.tick()  # old enough: recorded without waiting for another article
        assert len(_committed(root)) == len(archive_files(root)) == 4
        store.process_item(item(4))
    finally:
        store.close_spider()
    assert len(_committed(root)) == len(archive_files(root)) == 5
    assert store.stats.get_value("feedvault/blog/new") == 5


def test_a_group_that_fails_at_close_is_not_counted_as_archived(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The last group's flush, at the end of the crawl, fails (a folder that cannot be
    synced on a full disk): the summary counts only what the ledger committed, and says in
    one line how many articles were not recorded."""
    from archive import get_preset
    from crawler.config import SourceConfig
    from crawler.distributed.writer import WriterStats
    from crawler.items import ArticleItem
    from crawler.outcome.report import summarize
    from pipelines.store import StorePipeline

    root = tmp_path / "posts"
    sources = {"blog": SourceConfig("blog", "http://127.0.0.1:9/feed.xml")}
    store = StorePipeline(root, get_preset("hexo"), {}, sources, WriterStats(),
                          group_articles=100, group_seconds=3600.0)
    store.open_spider()
    for n in range(3):
        store.process_item(ArticleItem(source="blog", feed_url="http://127.0.0.1:9/feed.xml",
                                       title=f"Article {n}", content=f"<p>Body {n}.</p>",
                                       link=f"http://127.0.0.1:9/{n}", guid=f"urn:{n}", date=DATE))
    real_fsync = os.fsync

    def full_disk_fsync(fd: int) -> None:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", full_disk_fsync)
    store.close_spider()
    monkeypatch.undo()
    assert _committed(root) == set()
    [summary] = summarize(store.stats.values, ["blog"])
    assert (summary.new, summary.updated, summary.failed) == (0, 0, 3)
    told = [p for p in summary.problems if "not recorded" in p]
    assert len(told) == 1 and told[0].startswith("3 new or updated articles not recorded"), \
        summary.problems
    assert "No space left on device" in told[0]


_FULL_AT_FOLDER_SYNC = """
import errno, os, stat, sys
real_fsync = os.fsync

def fsync(fd):
    if stat.S_ISDIR(os.fstat(fd).st_mode):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    real_fsync(fd)

os.fsync = fsync
from crawler.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_crawl_whose_groups_cannot_be_recorded_counts_none_as_new(
        tmp_path: Path, site: LocalSite) -> None:
    site.write("feed.xml", rss_feed([rss_item(n) for n in range(3)]))
    config = write_config(tmp_path, [{"name": "blog", "url": site.url("feed.xml")}])
    result = subprocess.run(
        [sys.executable, "-c", _FULL_AT_FOLDER_SYNC, "crawl", "--config", str(config)],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True,
        timeout=300)
    assert result.returncode == 1, result.stderr[-2000:]
    [row] = [line.split() for line in result.stdout.splitlines() if line.startswith("blog ")]
    new, updated, failed = int(row[1]), int(row[2]), int(row[5])
    assert (new, updated, failed) == (0, 0, 3), result.stdout
    assert any(line.startswith("  blog: ") and "not recorded in the ledger" in line
               for line in result.stdout.splitlines()), result.stdout
    assert _committed(tmp_path / "posts") == set()
