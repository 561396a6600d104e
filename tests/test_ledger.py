"""The ledger on its own: rows in, rows out, revisions, moves, and other writers at the same time."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from archive import LedgerError
from archive import ledger as ledger_module
from archive.ledger import Ledger
from archive.transactions import retry_busy
from tests.conftest import REPO

# The one touch point with the row class's name (Entry today, LedgerRow after a rename).
Row = getattr(ledger_module, "LedgerRow", None) or ledger_module.Entry


def row(identity: str = "urn:a", path: str = "s/2024/2024-01-02-a.md", *,
        source: str = "s", link: str | None = "http://example.invalid/a",
        content_hash: str = "h1", date: str = "2024-01-02T10:00:00+08:00",
        first_seen: str = "2024-01-03T00:00:00+00:00",
        updated: str = "2024-01-03T00:00:00+00:00") -> Any:
    return Row(source=source, identity=identity, path=path, link=link,
               content_hash=content_hash, date=date, first_seen=first_seen, updated=updated)


@pytest.fixture
def ledger(tmp_path: Path) -> Any:
    opened = Ledger(tmp_path / "ledger.sqlite")
    yield opened
    opened.close()


def test_a_recorded_row_is_found_by_identity_path_and_link(ledger: Ledger) -> None:
    first = row()
    ledger.record(first, seen="2024-01-03T00:00:00+00:00")
    assert ledger.get("s", "urn:a") == first
    assert ledger.by_path("s/2024/2024-01-02-a.md") == first
    assert ledger.path_taken("s/2024/2024-01-02-a.md")
    assert ledger.by_link("s", "http://example.invalid/a") == [first]
    assert ledger.entries() == [first]


def test_lookups_of_what_is_not_there_find_nothing(ledger: Ledger) -> None:
    ledger.record(row(), seen="2024-01-03T00:00:00+00:00")
    assert ledger.get("other", "urn:a") is None  # identities are per source
    assert ledger.get("s", "urn:b") is None
    assert ledger.by_path("s/2024/other.md") is None
    assert not ledger.path_taken("s/2024/other.md")
    assert ledger.by_link("s", "http://example.invalid/b") == []
    assert ledger.by_link("other", "http://example.invalid/a") == []


def test_a_link_shared_by_many_rows_answers_with_two_at_most(ledger: Ledger) -> None:
    for n in range(5):
        ledger.record(row(f"urn:{n}", f"s/2024/{n}.md", link="http://example.invalid/home"),
                      seen="2024-01-03T00:00:00+00:00")
    found = ledger.by_link("s", "http://example.invalid/home")
    assert len(found) == 2  # enough to know the link is not one article's


def test_each_record_adds_a_revision_in_order(ledger: Ledger) -> None:
    ledger.record(row(content_hash="h1"), seen="2024-01-03T00:00:00+00:00")
    ledger.record(row(content_hash="h2", updated="2024-01-04T00:00:00+00:00"),
                  seen="2024-01-04T00:00:00+00:00")
    ledger.record(row(content_hash="h3", updated="2024-01-05T00:00:00+00:00"),
                  seen="2024-01-05T00:00:00+00:00")
    assert ledger.revisions("s", "urn:a") == [
        ("h1", "2024-01-03T00:00:00+00:00"),
        ("h2", "2024-01-04T00:00:00+00:00"),
        ("h3", "2024-01-05T00:00:00+00:00"),
    ]
    assert ledger.get("s", "urn:a").content_hash == "h3"  # type: ignore[union-attr]
    assert len(ledger.entries()) == 1
    assert ledger.revisions("s", "urn:unknown") == []


def test_a_moved_article_is_found_at_its_new_path_only(ledger: Ledger) -> None:
    ledger.record(row(path="s/2024/old.md"), seen="2024-01-03T00:00:00+00:00")
    ledger.record(row(path="s/2024/new.md"), seen="2024-01-04T00:00:00+00:00")
    assert ledger.by_path("s/2024/old.md") is None
    assert not ledger.path_taken("s/2024/old.md")
    assert ledger.get("s", "urn:a").path == "s/2024/new.md"  # type: ignore[union-attr]
    assert [e.path for e in ledger.entries()] == ["s/2024/new.md"]
    assert len(ledger.revisions("s", "urn:a")) == 2


def test_two_articles_cannot_share_a_path_and_the_failed_record_leaves_no_trace(
        ledger: Ledger) -> None:
    ledger.record(row("urn:a", "s/2024/same.md"), seen="2024-01-03T00:00:00+00:00")
    with pytest.raises(LedgerError) as raised:
        ledger.record(row("urn:b", "s/2024/same.md", content_hash="hb"),
                      seen="2024-01-03T00:00:00+00:00")
    message = str(raised.value)
    assert str(ledger.path) in message and "s/2024/same.md" in message
    assert raised.value.fatal is False  # one bad row, not a broken disk
    assert ledger.get("s", "urn:b") is None
    assert ledger.revisions("s", "urn:b") == []  # row and revision: both or neither
    assert ledger.by_path("s/2024/same.md").identity == "urn:a"  # type: ignore[union-attr]


def test_rebuild_replaces_rows_and_keeps_history(ledger: Ledger) -> None:
    ledger.record(row("urn:a", "s/a.md", content_hash="h1"), seen="2024-01-03T00:00:00+00:00")
    ledger.record(row("urn:gone", "s/gone.md"), seen="2024-01-03T00:00:00+00:00")
    ledger.rebuild([row("urn:a", "s/a.md", content_hash="h1"),
                    row("urn:c", "s/c.md", content_hash="hc")],
                   seen="2024-02-01T00:00:00+00:00")
    assert [e.identity for e in ledger.entries()] == ["urn:a", "urn:c"]
    # the same hash as the latest revision: no new one; a new row: its first one
    assert ledger.revisions("s", "urn:a") == [("h1", "2024-01-03T00:00:00+00:00")]
    assert ledger.revisions("s", "urn:c") == [("hc", "2024-02-01T00:00:00+00:00")]
    assert ledger.revisions("s", "urn:gone") == [("h1", "2024-01-03T00:00:00+00:00")]


def test_rows_survive_closing_and_reopening(tmp_path: Path) -> None:
    first = Ledger(tmp_path / "ledger.sqlite")
    first.record(row(), seen="2024-01-03T00:00:00+00:00")
    first.close()
    again = Ledger(tmp_path / "ledger.sqlite")
    try:
        assert again.entries() == [row()]
    finally:
        again.close()


def test_another_connection_sees_a_row_once_record_returns(ledger: Ledger) -> None:
    other = Ledger(ledger.path)
    try:
        assert other.get("s", "urn:a") is None
        ledger.record(row(), seen="2024-01-03T00:00:00+00:00")
        assert other.get("s", "urn:a") == row()
    finally:
        other.close()


READ_IN_ANOTHER_PROCESS = """
import json, sys
sys.path.insert(0, {repo!r})
from pathlib import Path
from archive.ledger import Ledger
ledger = Ledger(Path(sys.argv[1]))
print(json.dumps([[e.identity, e.path, e.content_hash] for e in ledger.entries()]))
print(json.dumps(ledger.revisions("s", "urn:a")))
"""


def test_another_process_sees_committed_rows(ledger: Ledger) -> None:
    ledger.record(row(), seen="2024-01-03T00:00:00+00:00")
    ledger.record(row("urn:b", "s/2024/b.md", content_hash="hb"), seen="2024-01-03T00:00:00+00:00")
    ledger.record(row(content_hash="h2"), seen="2024-01-04T00:00:00+00:00")
    # this connection stays open: the other process reads through the WAL, not a closed file
    done = subprocess.run(
        [sys.executable, "-c", READ_IN_ANOTHER_PROCESS.format(repo=str(REPO)), str(ledger.path)],
        capture_output=True, text=True, timeout=60, check=True,
    )
    rows, revisions = map(json.loads, done.stdout.splitlines())
    assert rows == [["urn:a", "s/2024/2024-01-02-a.md", "h2"], ["urn:b", "s/2024/b.md", "hb"]]
    assert revisions == [["h1", "2024-01-03T00:00:00+00:00"], ["h2", "2024-01-04T00:00:00+00:00"]]


def test_record_waits_for_another_writer_instead_of_failing(ledger: Ledger) -> None:
    """Another process in the middle of a write: the ledger waits for it, then commits."""
    other = sqlite3.connect(ledger.path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO revisions VALUES ('s', 'urn:x', 'hx', 'then')")
    released = threading.Event()

    def release() -> None:
        other.execute("COMMIT")
        released.set()

    timer = threading.Timer(0.5, release)
    timer.start()
    try:
        ledger.record(row(), seen="2024-01-03T00:00:00+00:00")
    finally:
        timer.join()
        other.close()
    assert released.is_set()
    assert ledger.get("s", "urn:a") == row()
    assert ledger.revisions("s", "urn:x") == [("hx", "then")]  # the other writer's work stays


def test_busy_errors_are_retried_and_others_are_not() -> None:
    calls = {"busy": 0, "broken": 0}

    @retry_busy
    def busy_twice() -> str:
        calls["busy"] += 1
        if calls["busy"] < 3:
            raise sqlite3.OperationalError("database is locked")
        return "written"

    @retry_busy
    def broken() -> None:
        calls["broken"] += 1
        raise sqlite3.OperationalError("no such table: articles")

    assert busy_twice() == "written"
    assert calls["busy"] == 3
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        broken()
    assert calls["broken"] == 1


def test_a_file_that_is_not_a_ledger_is_a_fatal_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    path.write_bytes(b"this is not an SQLite database, it is a text file" * 100)
    with pytest.raises(LedgerError) as raised:
        Ledger(path)
    assert str(path) in str(raised.value) and "cannot open the ledger" in str(raised.value)
    assert raised.value.fatal is True


def test_provenance_is_kept_with_the_revision_and_an_unchanged_article_adds_only_news(
        ledger: Any) -> None:
    from archive.ledger import Provenance

    assert ledger.provenance("s", "urn:a") is None
    first = Provenance("digest-1", ())
    ledger.record(row(), "2024-01-03T00:00:00+00:00", provenance=first)
    assert ledger.provenance("s", "urn:a") == ("h1", first)
    # seen again, same source bytes and nothing captured: nothing new to remember
    ledger.note_provenance(row(), Provenance("digest-1", ()), "2024-01-04T00:00:00+00:00")
    rows = ledger._db.execute("SELECT COUNT(*) FROM provenance").fetchone()[0]
    assert rows == 1
    # captures where there were none: the rebuild from captures needs them
    captured = Provenance("digest-1", ("warc:a#0", "warc:a#900"))
    ledger.note_provenance(row(), captured, "2024-01-05T00:00:00+00:00")
    assert ledger.provenance("s", "urn:a") == ("h1", captured)
    # an updated revision carries its own
    edited = Provenance("digest-2", ("warc:b#0",))
    ledger.record(row(content_hash="h2"), "2024-01-06T00:00:00+00:00", provenance=edited)
    assert ledger.provenance("s", "urn:a") == ("h2", edited)
    ledger.forget("s")
    assert ledger.provenance("s", "urn:a") is None
