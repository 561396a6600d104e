"""`feedvault capture prune`: old WARC files go, never one an article's newest revision needs."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from archive.captures import CaptureStore
from tests.conftest import LocalSite, feedvault, rss_feed, rss_item, write_config

OLD = datetime(2020, 1, 1, tzinfo=UTC).timestamp()


def _warcs(hidden: Path) -> list[str]:
    return sorted(p.name for p in (hidden / "captures").glob("captures-*.warc.gz"))


def test_prune_removes_old_files_no_reextract_needs_and_force_the_rest(
        site: LocalSite, tmp_path: Path) -> None:
    url = site.write("f.xml", rss_feed([rss_item(1), rss_item(2)]))
    config = write_config(tmp_path, [{"name": "t", "url": url}])
    config.write_text(config.read_text().replace('preset = "hexo"',
                                                 'preset = "hexo"\ncapture = "warc"', 1))
    assert feedvault("crawl", "--config", config).returncode == 0
    hidden = tmp_path / "posts" / ".feedvault"
    assert _warcs(hidden) == ["captures-00001.warc.gz"]  # the articles' feed answer
    store = CaptureStore(hidden, rotate_bytes=1)  # one file per capture from here on
    for n in (2, 3):  # captures no article names (a crawl whose rows were never committed)
        store.write(f"http://127.0.0.1:9/{n}", 200, [("Content-Type", "text/html")],
                    f"<p>page {n}</p>".encode())
    store.close()
    files = _warcs(hidden)
    assert files == ["captures-00001.warc.gz", "captures-00002.warc.gz", "captures-00003.warc.gz"]
    for name in files[:2]:
        os.utime(hidden / "captures" / name, (OLD, OLD))
    unused = (hidden / "captures" / files[1]).stat().st_size

    plan = feedvault("capture", "prune", "--before", "2021-01-01", "--dry-run", "--config", config)
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert plan.stdout.splitlines()[:2] == [f"would remove 1 WARC file, {unused} B freed",
                                            "  captures-00002.warc.gz"]
    assert "kept 1 older WARC file that the newest revisions of 2 articles need" in plan.stdout
    assert _warcs(hidden) == files

    done = feedvault("capture", "prune", "--before", "2021-01-01", "--config", config)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith(f"removed 1 WARC file, {unused} B freed")
    assert _warcs(hidden) == [files[0], files[2]]  # the needed one, and the newest always
    verify = feedvault("verify", "--config", config)
    assert verify.returncode == 0, verify.stdout

    forced = feedvault("capture", "prune", "--keep", "1", "--force", "--config", config)
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert forced.stdout.startswith("removed 1 WARC file")
    assert "capture references dropped from the ledger" in forced.stdout
    assert "2 articles no longer have captures" in forced.stdout
    assert _warcs(hidden) == [files[2]]
    verify = feedvault("verify", "--config", config)
    assert verify.returncode == 0, verify.stdout  # no reference to a removed record is left
    export = feedvault("capture", "export", "--source", "t", "-o", tmp_path / "x.warc.gz",
                       "--config", config)
    assert export.returncode != 0 and "no captures of t" in export.stderr

    # a new capture after a prune never takes a removed file's number
    assert feedvault("crawl", "--config", config, "--force").returncode == 0
    assert _warcs(hidden)[0] == files[2] and "captures-00001.warc.gz" not in _warcs(hidden)


def test_prune_needs_a_bound_and_reads_its_values(tmp_path: Path) -> None:
    config = write_config(tmp_path, [{"name": "t", "url": "http://127.0.0.1:9/f.xml"}])
    bare = feedvault("capture", "prune", "--config", config)
    assert bare.returncode == 2 and "--before DATE, --keep N" in bare.stderr
    for args in (["--before", "last week"], ["--keep", "0"]):
        wrong = feedvault("capture", "prune", *args, "--config", config)
        assert wrong.returncode == 2 and "expected" in wrong.stderr, wrong.stderr


def test_a_file_holding_the_payload_a_needed_revisit_refers_to_is_kept(tmp_path: Path) -> None:
    from archive.capture_prune import prune
    from archive.ledger import Ledger, LedgerRow, Provenance

    hidden = tmp_path / ".feedvault"
    store = CaptureStore(hidden, rotate_bytes=1)  # one file per capture
    body = b"<p>the same page twice</p>"
    store.write("http://127.0.0.1:9/a", 200, [("Content-Type", "text/html")], body)
    revisit = store.write("http://127.0.0.1:9/b", 200, [("Content-Type", "text/html")], body)
    store.write("http://127.0.0.1:9/c", 200, [("Content-Type", "text/html")], b"<p>c</p>")
    store.write("http://127.0.0.1:9/d", 200, [("Content-Type", "text/html")], b"<p>d</p>")
    store.close()
    assert revisit.startswith("captures-00002.warc.gz#")
    ledger = Ledger(hidden / "ledger.sqlite")
    ledger.record(LedgerRow("s", "urn:b", "b.md", "http://127.0.0.1:9/b", "h", "2024-01-01",
                            "2024-01-01", "2024-01-01"), "2024-01-01",
                  Provenance("d", (revisit,)))
    try:
        store = CaptureStore(hidden)
        result = prune(store, ledger, keep=1)
        # file 2 holds the revisit the article names; file 1 the payload it refers to
        assert [p.name for p in result.removed] == ["captures-00003.warc.gz"]
        assert [p.name for p in result.needed] == ["captures-00001.warc.gz",
                                                   "captures-00002.warc.gz"]
        store.close()
        assert CaptureStore(hidden).read(revisit).body == body  # still reads back whole
    finally:
        ledger.close()
