"""Archive.put on its own: new, updated in place, unchanged byte for byte, and what a crash leaves."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from archive import HIDDEN, Archive, ArchiveError, Article, LedgerError
from archive.verify import repair, verify
from tests.conftest import archive_files

START = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
DATE = datetime(2024, 1, 2, 10, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves: each put that writes stamps `updated` with it."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def tick(self) -> None:
        self.now += timedelta(hours=1)


def article(n: int = 1, **fields: object) -> Article:
    values: dict[str, object] = {
        "source": "blog", "title": f"Post {n}", "body": f"<p>Body {n}.</p>", "date": DATE,
        "guid": f"urn:{n}", "original_url": f"http://example.invalid/{n}",
    }
    values.update(fields)
    return Article(**values)  # type: ignore[arg-type]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def archive(tmp_path: Path, clock: Clock) -> Iterator[Archive]:
    with Archive(tmp_path / "posts", "hexo", clock=clock) as opened:
        yield opened


def test_a_new_article_gets_a_dated_file_and_a_ledger_row(archive: Archive) -> None:
    result = archive.put(article())
    assert (result.status, result.path) == ("new", "blog/2024/2024-01-02-post-1.md")
    assert (archive.root / result.path).read_text(encoding="utf-8") == (
        "---\n"
        "title: Post 1\n"
        "date: '2024-01-02T10:00:00+00:00'\n"
        "updated: '2024-01-02T10:00:00+00:00'\n"  # no update time of its own: its date, not the crawl's
        "original_url: http://example.invalid/1\n"
        "guid: urn:1\n"
        "source: blog\n"
        "---\n\n"
        "<div>\n<p>Body 1.</p>\n</div>\n"  # Hexo's HTML body: one block, kept from Markdown
    )
    entry = archive.ledger.get("blog", "urn:1")
    assert entry is not None
    assert (entry.path, entry.link, entry.first_seen, entry.updated) == (
        result.path, "http://example.invalid/1", START.isoformat(), "2024-01-02T10:00:00+00:00")
    assert archive.load(result.path).body == "<p>Body 1.</p>"


def test_the_same_article_again_is_unchanged_byte_for_byte(archive: Archive, clock: Clock) -> None:
    path = archive.root / archive.put(article()).path
    before = path.read_bytes()
    clock.tick()
    again = archive.put(article())
    assert again.status == "unchanged"
    assert path.read_bytes() == before  # not even the `updated` stamp moves
    assert len(archive.ledger.revisions("blog", "urn:1")) == 1
    assert archive_files(archive.root) == [path]


def test_a_changed_article_is_rewritten_in_place(archive: Archive, clock: Clock) -> None:
    first = archive.put(article())
    clock.tick()
    edited = archive.put(article(title="Post 1, corrected", body="<p>Fixed.</p>"))
    assert (edited.status, edited.path) == ("updated", first.path)  # the path does not follow the title
    loaded = archive.load(first.path)
    assert (loaded.title, loaded.body) == ("Post 1, corrected", "<p>Fixed.</p>")
    assert loaded.updated == START + timedelta(hours=1)
    entry = archive.ledger.get("blog", "urn:1")
    assert entry is not None
    assert (entry.first_seen, entry.updated) == (START.isoformat(),
                                                 (START + timedelta(hours=1)).isoformat())
    assert len(archive.ledger.revisions("blog", "urn:1")) == 2
    assert len(archive_files(archive.root)) == 1


def test_a_new_date_does_not_move_the_file(archive: Archive) -> None:
    first = archive.put(article())
    moved = archive.put(article(date=DATE + timedelta(days=400)))
    assert (moved.status, moved.path) == ("updated", first.path)
    assert archive.load(first.path).date == DATE + timedelta(days=400)
    assert len(archive_files(archive.root)) == 1


def test_a_new_guid_with_a_known_link_is_the_same_article_in_the_next_crawl(
        tmp_path: Path) -> None:
    with Archive(tmp_path) as archive:
        first = archive.put(article())
    with Archive(tmp_path) as archive:  # the next crawl: the feed was rebuilt with new guids
        again = archive.put(article(guid="urn:rebuilt:1", body="<p>Body 1, again.</p>"))
        assert (again.status, again.path) == ("updated", first.path)
        assert archive.ledger.get("blog", "urn:rebuilt:1") is None  # the first identity stays
    assert len(archive_files(tmp_path)) == 1


def test_under_guid_a_new_guid_is_a_new_article(archive: Archive) -> None:
    first = archive.put(article(), "guid")
    other = archive.put(article(guid="urn:rebuilt:1"), "guid")
    assert other.status == "new" and other.path != first.path
    assert len(archive_files(archive.root)) == 2


def test_items_sharing_one_link_in_a_crawl_stay_separate_articles(archive: Archive) -> None:
    home = "http://example.invalid/"
    results = [archive.put(article(n, original_url=home, title="News")) for n in (1, 2, 3)]
    assert [r.status for r in results] == ["new", "new", "new"]
    assert len({r.path for r in results}) == 3
    assert results[0].path == "blog/2024/2024-01-02-news.md"
    # the next ones carry eight hex digits of their identity, deterministically
    assert all(r.path.startswith("blog/2024/2024-01-02-news-") for r in results[1:])


def test_a_deleted_file_is_written_again_at_its_path(archive: Archive) -> None:
    first = archive.put(article())
    (archive.root / first.path).unlink()
    again = archive.put(article())
    assert (again.status, again.path) == ("updated", first.path)
    assert archive.load(first.path).title == "Post 1"


def test_an_article_without_a_date_keeps_its_first_date(archive: Archive, clock: Clock) -> None:
    first = archive.put(article(date=None))
    assert first.path == "blog/2024/2024-03-01-post-1.md"  # dated when first seen
    clock.tick()
    assert archive.put(article(date=None)).status == "unchanged"


def test_constants_go_into_front_matter_and_the_article_wins(tmp_path: Path) -> None:
    with Archive(tmp_path, "hexo", {"layout": "post", "lang": "en"}) as archive:
        path = archive.put(article(extra={"lang": "zh"})).path
        assert archive.load(path).extra == {"layout": "post", "lang": "zh"}


def test_a_bad_source_name_is_refused(archive: Archive) -> None:
    with pytest.raises(ArchiveError, match=r"invalid source name '\.\./x'"):
        archive.put(article(source="../x"))
    assert archive_files(archive.root) == []


def test_switching_the_body_format_of_an_archive_is_refused(tmp_path: Path) -> None:
    with Archive(tmp_path, "hugo") as html:
        path = html.put(article()).path
    assert path.endswith(".html")
    with Archive(tmp_path, "hugo", body="markdown") as markdown, pytest.raises(
            ArchiveError, match=r"written as \.html, but preset 'hugo' with body = 'markdown' "
                                r"writes \.md"):
        markdown.put(article(body="<p>changed</p>"))


class Crash(Exception):
    """What the injected failure raises: the process dies between file and ledger."""


def _crash_on_record(archive: Archive, monkeypatch: pytest.MonkeyPatch) -> None:
    def record(*_: object, **__: object) -> None:
        raise Crash("killed after the file, before the ledger commit")
    monkeypatch.setattr(archive.ledger, "record", record)


def test_a_crash_between_file_and_ledger_leaves_a_whole_file_the_next_run_adopts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "posts"
    with Archive(root) as crashing:
        _crash_on_record(crashing, monkeypatch)
        with pytest.raises(Crash):
            crashing.put(article())
    [left] = archive_files(root)
    assert left.relative_to(root).as_posix() == "blog/2024/2024-01-02-post-1.md"
    assert not list((root / HIDDEN / "tmp").iterdir())  # no half-written file either
    with Archive(root) as archive:
        assert archive.ledger.entries() == []
        assert archive.load("blog/2024/2024-01-02-post-1.md").guid == "urn:1"  # whole, readable
        before = left.read_bytes()
        again = archive.put(article())
        # adopted as it is: the same content, so the file is left byte for byte
        assert (again.status, again.path) == ("unchanged", "blog/2024/2024-01-02-post-1.md")
        assert archive_files(root) == [left]  # no second copy beside it
        assert left.read_bytes() == before
        assert [e.identity for e in archive.ledger.entries()] == ["urn:1"]


def test_a_crash_during_an_update_keeps_the_ledger_on_the_old_version(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "posts"
    with Archive(root) as archive:
        first = archive.put(article())
        old = archive.ledger.get("blog", "urn:1")
        _crash_on_record(archive, monkeypatch)
        with pytest.raises(Crash):
            archive.put(article(body="<p>New.</p>"))
        monkeypatch.undo()
        assert archive.ledger.get("blog", "urn:1") == old
        assert archive.load(first.path).body == "<p>New.</p>"  # the file went first
        # the next run finds the hash differs from the ledger's and records the file it sees
        again = archive.put(article(body="<p>New.</p>"))
        assert (again.status, again.path) == ("updated", first.path)
        assert len(archive.ledger.revisions("blog", "urn:1")) == 2


def test_a_file_someone_else_put_at_the_path_is_left_alone(tmp_path: Path) -> None:
    root = tmp_path / "posts"
    foreign = root / "blog" / "2024" / "2024-01-02-post-1.md"
    foreign.parent.mkdir(parents=True)
    foreign.write_text("my own notes\n", encoding="utf-8")
    with Archive(root) as archive:
        result = archive.put(article())
    assert result.status == "new"
    assert result.path.startswith("blog/2024/2024-01-02-post-1-") and result.path.endswith(".md")
    assert foreign.read_text(encoding="utf-8") == "my own notes\n"


def test_a_ledger_that_fails_to_record_is_reported_as_a_ledger_error(
        tmp_path: Path) -> None:
    """A real SQLite failure (the ledger file swapped for a read-only view) names the ledger."""
    root = tmp_path / "posts"
    with Archive(root) as archive:
        archive.put(article())
        archive.ledger._db.execute("PRAGMA query_only = ON")  # every write now fails in SQLite
        with pytest.raises(LedgerError, match=r"ledger\.sqlite: cannot record "
                                              r"blog/2024/2024-01-02-post-2\.md"):
            archive.put(article(2))


def _move(archive: Archive, old: str, new: str) -> None:
    target = archive.root / new
    target.parent.mkdir(parents=True, exist_ok=True)
    (archive.root / old).rename(target)


def test_a_file_moved_by_hand_is_followed_once_the_ledger_is_repaired(archive: Archive) -> None:
    first = archive.put(article())
    moved = "blog/favourites/post-1.md"
    _move(archive, first.path, moved)
    found = verify(archive)
    assert sorted((f.kind, f.path) for f in found.findings) == [
        ("missing", first.path), ("orphan", moved)]
    repair(archive)
    assert archive.ledger.get("blog", "urn:1").path == moved  # type: ignore[union-attr]
    assert verify(archive).findings == []
    again = archive.put(article())
    assert (again.status, again.path) == ("unchanged", moved)
    assert archive_files(archive.root) == [archive.root / moved]


def test_a_file_moved_without_repair_is_written_again_where_the_ledger_says(
        archive: Archive) -> None:
    first = archive.put(article())
    _move(archive, first.path, "blog/favourites/post-1.md")
    again = archive.put(article())
    assert (again.status, again.path) == ("updated", first.path)
    # the moved copy is left as it is; verify names it so the user can repair or delete it
    assert [(f.kind, f.path) for f in verify(archive).findings] == [
        ("orphan", "blog/favourites/post-1.md")]
