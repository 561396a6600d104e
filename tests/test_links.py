"""The archive root holds its writes: no write, read or adoption follows a link out of it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive import Archive, ArchiveLinkError, Article
from archive.verify import repair, verify
from tests.conftest import LocalSite, feedvault, rss_feed, rss_item, write_config

DATE = datetime(2024, 1, 2, tzinfo=UTC)


def _article(n: int = 1, body: str = "<p>text</p>") -> Article:
    return Article(source="mysource", title=f"Hello {n}", body=body, date=DATE,
                   original_url=f"https://example.org/{n}", guid=f"g{n}")


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


def _contents(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def test_a_crawl_into_a_linked_source_folder_refuses_and_writes_nothing_outside(
        site: LocalSite, tmp_path: Path, elsewhere: Path) -> None:
    feed = site.write("feed.xml", rss_feed([rss_item(1), rss_item(2)]))
    config = write_config(tmp_path, [{"name": "mysource", "url": feed}])
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts" / "mysource").symlink_to(elsewhere, target_is_directory=True)
    result = feedvault("crawl", "--config", config)
    assert result.returncode != 0
    assert (f"{tmp_path / 'posts' / 'mysource'}: is a symbolic link (to {elsewhere}); "
            "feedvault does not write or read through links inside the archive") in result.stdout
    assert _contents(elsewhere) == []


@pytest.mark.parametrize("link", ["mysource", "mysource/2024"])
def test_a_linked_source_or_year_folder_is_refused(tmp_path: Path, elsewhere: Path,
                                                   link: str) -> None:
    root = tmp_path / "archive"
    (root / link).parent.mkdir(parents=True)
    (root / link).symlink_to(elsewhere, target_is_directory=True)
    with Archive(root) as archive, pytest.raises(ArchiveLinkError) as raised:
        archive.put(_article())
    assert str(raised.value).startswith(f"{root / link}: is a symbolic link (to {elsewhere})")
    assert _contents(elsewhere) == []


def test_a_linked_article_file_is_neither_adopted_nor_written_through(
        tmp_path: Path, elsewhere: Path) -> None:
    root = tmp_path / "archive"
    with Archive(tmp_path / "first") as first:
        original = (tmp_path / "first" / first.put(_article()).path).read_bytes()
    target = elsewhere / "secret.md"
    target.write_bytes(original)  # a feedvault article of the same identity: adoptable
    (root / "mysource" / "2024").mkdir(parents=True)
    (root / "mysource" / "2024" / "2024-01-02-hello-1.md").symlink_to(target)
    with Archive(root) as archive, pytest.raises(ArchiveLinkError, match=r"hello-1\.md: is a sym"):
        archive.put(_article(body="<p>changed</p>"))
    assert target.read_bytes() == original


def test_a_file_replaced_by_a_link_after_archiving_is_not_rewritten(
        tmp_path: Path, elsewhere: Path) -> None:
    root = tmp_path / "archive"
    with Archive(root) as archive:
        path = root / archive.put(_article()).path
        path.unlink()
        target = elsewhere / "x.md"
        target.write_text("mine", encoding="utf-8")
        path.symlink_to(target)
        with pytest.raises(ArchiveLinkError):
            archive.put(_article(body="<p>changed</p>"))  # an update
        with pytest.raises(ArchiveLinkError):
            archive.put(_article())  # unchanged, but the file is not there as a file
        with pytest.raises(ArchiveLinkError):
            archive.load(path.relative_to(root).as_posix())
    assert target.read_text(encoding="utf-8") == "mine"


def test_a_linked_hidden_folder_is_refused(tmp_path: Path, elsewhere: Path) -> None:
    root = tmp_path / "archive"
    root.mkdir()
    (root / ".feedvault").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(ArchiveLinkError, match=r"\.feedvault: is a symbolic link"):
        Archive(root)
    assert _contents(elsewhere) == []


def test_verify_and_repair_do_not_follow_links_out_of_the_archive(
        tmp_path: Path, elsewhere: Path) -> None:
    root = tmp_path / "archive"
    with Archive(root) as archive:
        kept = archive.put(_article(1)).path
        moved = archive.put(_article(2)).path
    # the source's year folder moves elsewhere and a link takes its place; a stray article
    # file elsewhere is linked in under another source
    (root / "mysource" / "2024").rename(elsewhere / "2024")
    (root / "mysource" / "2024").symlink_to(elsewhere / "2024", target_is_directory=True)
    (root / "other").mkdir()
    (root / "other" / "x.md").symlink_to(elsewhere / "2024" / Path(kept).name)
    with Archive(root) as archive:
        result = verify(archive)
        assert result.files == 0
        assert [str(f) for f in result.findings] == [
            "link: mysource/2024 (a symbolic link, not followed: replace it with the real "
            "folder or file)",
            "link: other/x.md (a symbolic link, not followed: replace it with the real "
            "folder or file)",
            f"missing: {kept} (in the ledger, file not found)",
            f"missing: {moved} (in the ledger, file not found)",
        ]
        repair(archive)
        assert archive.ledger.entries() == []  # nothing adopted through the links
    assert _contents(elsewhere) == ["2024", f"2024/{Path(kept).name}", f"2024/{Path(moved).name}"]


def test_verify_command_names_the_link(site: LocalSite, tmp_path: Path,
                                       elsewhere: Path) -> None:
    feed = site.write("feed.xml", rss_feed([rss_item(1)]))
    config = write_config(tmp_path, [{"name": "mysource", "url": feed}])
    assert feedvault("crawl", "--config", config).returncode == 0
    source = tmp_path / "posts" / "mysource"
    source.rename(elsewhere / "mysource")
    source.symlink_to(elsewhere / "mysource", target_is_directory=True)
    result = feedvault("verify", "--config", config)
    assert result.returncode == 1
    assert "link: mysource (a symbolic link, not followed" in result.stdout
