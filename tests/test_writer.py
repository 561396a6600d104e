"""The distributed writer (crawler/distributed/writer.py) on a real redis-server: it writes the
archive a single-machine crawl writes, and sets aside entries it cannot use."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.config import load_config
from crawler.distributed.run import run_writer
from tests.conftest import LocalSite, archive_files, feedvault, rss_feed, rss_item
from tests.distributed_helpers import RedisServer, distributed_config, redis_server


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    with redis_server(tmp_path) as server:
        yield server


def _config(folder: Path, url: str, extra: str = "") -> Path:
    folder.mkdir()
    path = folder / "feedvault.toml"
    path.write_text(
        '[archive]\npath = "site/content/posts"\npreset = "hugo"\nbody = "markdown"\n'
        'front_matter_format = "toml"\n\n[archive.front_matter]\nlicense = "CC-BY"\n\n'
        f"{extra}\n"
        f'[[sources]]\nname = "blog"\nurl = "{url}"\nfull_text = false\n'
        'categories = ["notes"]\n', encoding="utf-8")
    return path


def _files(root: Path) -> dict[str, str]:
    """Each article file's text, the time it was archived (`lastmod`) left out."""
    return {str(p.relative_to(root)): re.sub(r"(?m)^lastmod = .*$", "lastmod = ?",
                                             p.read_text(encoding="utf-8"))
            for p in archive_files(root)}


def test_the_writer_writes_what_a_plain_crawl_writes(tmp_path: Path, site: LocalSite,
                                                     redis: RedisServer) -> None:
    items = [rss_item(1, description="<h2>Part</h2><p>Some <em>text</em> and "
                                     "<a href='http://example.invalid/x'>a link</a>.</p>"),
             rss_item(2), rss_item(3, title="Café: «quotes» & more")]
    url = site.write("feed.xml", rss_feed(items))

    plain = _config(tmp_path / "plain", url)
    result = feedvault("crawl", "--config", plain)
    assert result.returncode == 0, result.stdout + result.stderr

    shared = _config(tmp_path / "shared", url, distributed_config(redis.url))
    for command in (["crawl"], ["worker", "--idle", "1"]):
        result = feedvault(*command, "--config", shared)
        assert result.returncode == 0, result.stdout + result.stderr
    tally = run_writer(load_config(shared), idle=0.5)
    assert tally.get_value("feedvault/blog/new") == 3

    expected = _files(tmp_path / "plain" / "site" / "content" / "posts")
    written = _files(tmp_path / "shared" / "site" / "content" / "posts")
    assert len(expected) == 3
    assert sorted(written) == sorted(expected)  # same file names
    for name, text in expected.items():
        assert text.startswith("+++\n")  # TOML front matter, as configured
        assert "<p>" not in text  # a Markdown body, as configured
        assert written[name] == text  # same front matter and body, byte for byte
    assert any("*text*" in text for text in written.values())


def test_an_entry_the_writer_cannot_use_is_set_aside(tmp_path: Path,
                                                     redis: RedisServer) -> None:
    shared = _config(tmp_path / "shared", "http://127.0.0.1:9/feed.xml",
                     distributed_config(redis.url))
    redis.client.xadd("feedvault:articles", {"kind": "article", "data": "not json"})
    redis.client.xadd("feedvault:articles", {"kind": "article", "data": '{"source": 1}'})
    tally = run_writer(load_config(shared), idle=0.5)
    assert tally.rejected == 2
    assert redis.client.xlen("feedvault:rejected") == 2
    assert redis.client.xlen("feedvault:articles") == 0  # acknowledged: not read again
    assert not archive_files(tmp_path / "shared" / "site")


def test_the_writer_acknowledges_only_entries_whose_rows_are_committed(
        tmp_path: Path, site: LocalSite, redis: RedisServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The writer records its batch (folders synced, one ledger commit) before it
    acknowledges any entry of it: when that fails, every entry stays on the stream and the
    next writer stores them."""
    import os
    import stat

    from archive import HIDDEN, ArchiveError
    from archive.ledger import Ledger

    url = site.write("feed.xml", rss_feed([rss_item(n) for n in range(3)]))
    shared = _config(tmp_path / "shared", url, distributed_config(redis.url))
    for command in (["crawl"], ["worker", "--idle", "1"]):
        result = feedvault(*command, "--config", shared)
        assert result.returncode == 0, result.stdout + result.stderr
    queued = redis.client.xlen("feedvault:articles")
    assert queued >= 3
    real_fsync = os.fsync

    def failing_fsync(fd: int) -> None:  # a folder cannot be synced: an I/O error
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            raise OSError(5, "Input/output error")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(ArchiveError, match="Input/output error"):
        run_writer(load_config(shared), idle=0.5)
    monkeypatch.undo()
    assert redis.client.xlen("feedvault:articles") == queued  # nothing acknowledged
    root = tmp_path / "shared" / "site" / "content" / "posts"
    ledger = Ledger(root / HIDDEN / "ledger.sqlite")
    assert ledger.empty()  # and nothing recorded
    ledger.close()

    run_writer(load_config(shared), idle=0.5)
    assert redis.client.xlen("feedvault:articles") == 0
    assert len(archive_files(root)) == 3
    checked = feedvault("verify", "--config", shared)
    assert checked.returncode == 0, checked.stdout + checked.stderr
