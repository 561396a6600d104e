"""One article from two sources: archived once, its front matter listing every source."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import frontmatter
import pytest

from archive import Archive, Article, LedgerError
from archive.ledger import Ledger
from archive.store import PutResult
from archive.verify import repair, verify
from tests.conftest import LocalSite, archive_files, feedvault, rss_feed, write_config


def _feeds(site: LocalSite, body_a: str = "<p>The shared story.</p>") -> tuple[str, str]:
    """Two feeds sharing one article; their links differ in click trackers and scheme."""
    shared = {"title": "Shared story", "pubDate": "Mon, 01 Jan 2024 10:00:00 +0000"}
    a = site.write("a.xml", rss_feed([
        {**shared, "guid": "urn:a:1", "description": body_a,
         "link": "http://news.example.invalid/story?id=7&utm_source=a-feed"},
        {"title": "Only in A", "guid": "urn:a:2", "link": "http://news.example.invalid/a2",
         "description": "<p>A alone.</p>", "pubDate": "Mon, 01 Jan 2024 11:00:00 +0000"},
    ]))
    b = site.write("b.xml", rss_feed([
        {**shared, "guid": "urn:b:1", "description": "<p>The shared story, as B has it.</p>",
         "link": "https://news.example.invalid/story?fbclid=xyz&id=7"},
        {"title": "Only in B", "guid": "urn:b:2", "link": "https://blog.example.invalid/b2",
         "description": "<p>B alone.</p>", "pubDate": "Mon, 01 Jan 2024 12:00:00 +0000"},
    ]))
    return a, b


def _crawl(config: Path, *sources: str) -> str:
    """One crawl of the named sources (all by default), every feed fetched in full."""
    args = [arg for name in sources for arg in ("--source", name)]
    result = feedvault("crawl", "--config", config, "--force", *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _posts(root: Path) -> dict[str, frontmatter.Post]:
    return {frontmatter.load(p)["title"]: frontmatter.load(p) for p in archive_files(root)}


def _row(out: str, source: str) -> list[str]:
    return next(line for line in out.splitlines() if line.startswith(source + " ")).split()[1:4]


@pytest.mark.parametrize("order", [("a", "b"), ("b", "a")], ids=["a-first", "b-first"])
def test_the_second_source_joins_the_first_ones_file(site: LocalSite, tmp_path: Path,
                                                     order: tuple[str, str]) -> None:
    a, b = _feeds(site)
    config = write_config(tmp_path, [{"name": "a", "url": a}, {"name": "b", "url": b}])
    first, second = order
    _crawl(config, first)
    before = _posts(tmp_path / "posts")["Shared story"]
    out = _crawl(config, second)
    assert _row(out, second) == ["1", "1", "0"]  # its own article new, the shared one joined
    posts = _posts(tmp_path / "posts")
    assert sorted(posts) == ["Only in A", "Only in B", "Shared story"]  # archived once
    shared = posts["Shared story"]
    assert shared["source"] == first  # the file stays the first source's
    assert shared["sources"] == [first, second]
    assert shared.content == before.content  # nothing else rewritten
    assert shared["updated"] == before["updated"]
    assert "sources" not in posts["Only in A"].metadata  # one source: no list
    again = _crawl(config)  # both again: nothing changes, nothing doubles
    assert _row(again, "a") == ["0", "0", "2"] and _row(again, "b") == ["0", "0", "2"]
    assert len(archive_files(tmp_path / "posts")) == 3
    verify = feedvault("verify", "--config", config)
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_one_crawl_of_both_sources_writes_one_file(site: LocalSite, tmp_path: Path) -> None:
    a, b = _feeds(site)
    config = write_config(tmp_path, [{"name": "a", "url": a}, {"name": "b", "url": b}])
    _crawl(config)
    _crawl(config)
    shared = _posts(tmp_path / "posts")["Shared story"]
    assert sorted(shared["sources"]) == ["a", "b"] and shared["source"] == shared["sources"][0]
    assert len(archive_files(tmp_path / "posts")) == 3


def test_the_first_sources_update_keeps_the_list(site: LocalSite, tmp_path: Path) -> None:
    a, b = _feeds(site)
    config = write_config(tmp_path, [{"name": "a", "url": a}, {"name": "b", "url": b}])
    _crawl(config, "a")
    _crawl(config, "b")
    _feeds(site, body_a="<p>The shared story, corrected.</p>")
    out = _crawl(config)
    assert _row(out, "a")[1] == "1"  # rewritten with its new text
    shared = _posts(tmp_path / "posts")["Shared story"]
    assert "corrected" in shared.content and shared["sources"] == ["a", "b"]
    assert feedvault("verify", "--config", config).returncode == 0


def test_separate_sources_keep_their_own_copies(site: LocalSite, tmp_path: Path) -> None:
    a, b = _feeds(site)
    config = write_config(tmp_path, [{"name": "a", "url": a},
                                     {"name": "b", "url": b, "cross_source": "separate"}])
    _crawl(config, "a")
    _crawl(config, "b")
    files = [frontmatter.load(p) for p in archive_files(tmp_path / "posts")]
    shared = [p for p in files if p["title"] == "Shared story"]
    assert sorted(p["source"] for p in shared) == ["a", "b"]
    assert all("sources" not in p.metadata for p in files)


@pytest.mark.parametrize("preset", ["hexo", "hugo", "jekyll"])
def test_archive_joins_only_the_same_link_and_stays_verifiable(tmp_path: Path,
                                                               preset: str) -> None:
    from datetime import UTC, datetime

    from archive import Archive, Article
    from archive.verify import verify
    from pipelines.normalize import same_article_link

    date = datetime(2024, 1, 1, tzinfo=UTC)

    def article(source: str, link: str, guid: str) -> Article:
        return Article(source=source, title=f"From {source}", body=f"<p>{source}</p>",
                       date=date, original_url=link, guid=guid)

    with Archive(tmp_path, preset, link_key=same_article_link) as archive:
        first = archive.put(article("a", "http://e.org/s?utm_source=x&id=1", "a1"), merge=True)
        joined = archive.put(article("b", "https://e.org/s?id=1&fbclid=y", "b1"), merge=True)
        assert (joined.status, joined.path) == ("updated", first.path)
        # another fragment or query is another article; a separate source is never joined
        assert archive.put(article("c", "https://e.org/s?id=2", "c1"), merge=True).status == "new"
        assert archive.put(article("c", "https://e.org/s?id=1#part-2", "c2"),
                           merge=True).status == "new"
        assert archive.put(article("d", "https://e.org/s?id=1", "d1"), merge=True,
                           apart={"a"}).status == "new"
        assert archive.put(article("e", "https://e.org/s?id=1", "e1")).status == "new"
        loaded = archive.load(first.path)
        assert (loaded.source, loaded.extra["sources"], loaded.title) == ("a", ["a", "b"],
                                                                          "From a")
        assert archive.put(article("a", "http://e.org/s?utm_source=x&id=1", "a1"),
                           merge=True).status == "unchanged"
        assert verify(archive).clean


def test_a_join_cut_off_before_its_ledger_row_is_redone_by_the_next_crawl(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file is written first, the ledger after: a failed ledger write leaves a file that
    already lists the second source, and that source's next put completes the join."""
    import sqlite3
    from datetime import UTC, datetime

    from archive import Archive, Article, LedgerError
    from archive.ledger import Ledger
    from archive.verify import verify

    def article(source: str, guid: str) -> Article:
        return Article(source=source, title="Shared", body=f"<p>{source}</p>",
                       date=datetime(2024, 1, 1, tzinfo=UTC),
                       original_url="https://e.org/s", guid=guid)

    def full_disk(*_: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    with Archive(tmp_path) as archive:
        path = archive.put(article("a", "a1"), merge=True).path
        with monkeypatch.context() as patch:
            patch.setattr(Ledger, "_record_join", full_disk)
            with pytest.raises(LedgerError):
                archive.put(article("b", "b1"), merge=True)
        assert archive.load(path).extra["sources"] == ["a", "b"]  # the file went first
        assert archive.put(article("b", "b1"), merge=True).path == path
        assert archive.put(article("b", "b1"), merge=True).status == "unchanged"
        assert archive.put(article("a", "a1"), merge=True).status == "unchanged"
        assert archive.load(path).extra["sources"] == ["a", "b"]
        assert verify(archive).clean
        assert len(archive.ledger.entries()) == 1


def _shared(source: str, guid: str, link: str = "https://e.org/s") -> Article:
    return Article(source=source, title="Shared", body=f"<p>{source}</p>",
                   date=datetime(2024, 1, 1, tzinfo=UTC), original_url=link, guid=guid)


def _lose_ledger(root: Path) -> None:
    for name in ("ledger.sqlite", "ledger.sqlite-wal", "ledger.sqlite-shm"):
        (root / ".feedvault" / name).unlink(missing_ok=True)


def test_a_merged_article_survives_a_lost_ledger_byte_for_byte(tmp_path: Path) -> None:
    """A fresh clone: the files, no ledger. Adopting them rebuilds who joined which file,
    so the next delivery from either source leaves the file as it is."""
    with Archive(tmp_path) as archive:
        path = archive.put(_shared("a", "a1"), merge=True).path
        archive.put(_shared("b", "b1"), merge=True)
        archive.put(_shared("c", "c1"), merge=True)
    before = (tmp_path / path).read_bytes()
    _lose_ledger(tmp_path)
    with Archive(tmp_path, clock=lambda: datetime(2030, 1, 1, tzinfo=UTC)) as archive:
        repair(archive)
        assert [archive.put(_shared(s, f"{s}1"), merge=True).status for s in "cab"] == \
            ["unchanged"] * 3
        assert (tmp_path / path).read_bytes() == before
        assert archive.load(path).extra["sources"] == ["a", "b", "c"]
        assert [archive.put(_shared(s, f"{s}1"), merge=True).status for s in "abc"] == \
            ["unchanged"] * 3
        assert (tmp_path / path).read_bytes() == before
        assert verify(archive).clean and len(archive.ledger.entries()) == 1


def test_a_crawl_after_a_lost_ledger_leaves_merged_articles_alone(site: LocalSite,
                                                                   tmp_path: Path) -> None:
    a, b = _feeds(site)
    config = write_config(tmp_path, [{"name": "a", "url": a}, {"name": "b", "url": b}])
    _crawl(config, "a")
    _crawl(config, "b")
    before = {p: p.read_bytes() for p in archive_files(tmp_path / "posts")}
    _lose_ledger(tmp_path / "posts")
    out = _crawl(config)
    assert _row(out, "a") == ["0", "0", "2"] and _row(out, "b") == ["0", "0", "2"]
    assert {p: p.read_bytes() for p in archive_files(tmp_path / "posts")} == before


def test_a_source_the_file_already_lists_is_not_written_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full_disk(*_: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    with Archive(tmp_path) as archive:
        path = archive.put(_shared("a", "a1"), merge=True).path
        with monkeypatch.context() as patch:
            patch.setattr(Ledger, "_record_join", full_disk)
            with pytest.raises(LedgerError):
                archive.put(_shared("b", "b1"), merge=True)
        before = (tmp_path / path).read_bytes()
        (tmp_path / path).touch()
        stamp = (tmp_path / path).stat().st_mtime_ns
        assert archive.put(_shared("b", "b1"), merge=True) == PutResult("unchanged", path)
        assert (tmp_path / path).read_bytes() == before
        assert (tmp_path / path).stat().st_mtime_ns == stamp  # not even rewritten as it was
        assert archive.ledger.joined_sources(path) == ["b"]
        assert verify(archive).clean


def test_a_source_whose_partner_file_is_gone_archives_its_own_copy(tmp_path: Path) -> None:
    """The first source's file was deleted by hand: the second source cannot join it, so it
    keeps the article itself (and says why) instead of failing at every crawl."""
    with Archive(tmp_path) as archive:
        gone = archive.put(_shared("a", "a1"), merge=True).path
        (tmp_path / gone).unlink()
        result = archive.put(_shared("b", "b1"), merge=True)
        assert result.status == "new" and result.path != gone
        assert result.note and "archived apart" in result.note
        loaded = archive.load(result.path)
        assert loaded.source == "b" and "sources" not in loaded.extra
        again = archive.put(_shared("b", "b1"), merge=True)
        assert (again.status, again.path, again.note) == ("unchanged", result.path, None)


def test_a_purged_source_leaves_the_sources_list_at_the_next_write(tmp_path: Path) -> None:
    with Archive(tmp_path) as archive:
        path = archive.put(_shared("a", "a1"), merge=True).path
        archive.put(_shared("b", "b1"), merge=True)
        archive.put(_shared("c", "c1"), merge=True)
        archive.ledger.forget("b")
        assert archive.ledger.joined_sources(path) == ["c"]
        assert archive.put(_shared("a", "a1"), merge=True).status == "updated"
        assert archive.load(path).extra["sources"] == ["a", "c"]
        assert archive.put(_shared("a", "a1"), merge=True).status == "unchanged"
        assert verify(archive).clean


def test_a_crawl_says_when_a_source_keeps_its_own_copy(site: LocalSite, tmp_path: Path) -> None:
    a, b = _feeds(site)
    config = write_config(tmp_path, [{"name": "a", "url": a}, {"name": "b", "url": b}])
    _crawl(config, "a")
    next(p for p in archive_files(tmp_path / "posts")
         if frontmatter.load(p)["title"] == "Shared story").unlink()
    out = _crawl(config, "b")
    assert _row(out, "b") == ["2", "0", "0"]
    assert "archived apart" in out
    shared = _posts(tmp_path / "posts")["Shared story"]
    assert shared["source"] == "b" and "sources" not in shared.metadata
    assert _row(_crawl(config, "b"), "b") == ["0", "0", "2"]
