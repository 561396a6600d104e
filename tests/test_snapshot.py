"""`feedvault snapshot` and `feedvault diff` through the real command line."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive import Archive, Article
from tests.conftest import LocalSite, archive_files, feedvault, rss_feed, write_config


def _article(n: int, **changes: object) -> Article:
    article = Article(source="blog" if n % 2 else "news", title=f"Article {n}",
                      body=f"<p>The body of article {n} says hello.</p>", guid=f"urn:{n}",
                      original_url=f"https://example.invalid/{n}",
                      date=datetime(2024, 1, 1 + n % 28, tzinfo=UTC))
    return article.with_(**changes)


def _archive(tmp_path: Path, count: int = 4) -> tuple[Path, Path]:
    config = write_config(tmp_path, [{"name": "blog", "url": "file://feed.xml"}])
    with Archive(tmp_path / "posts") as archive:
        for n in range(count):
            archive.put(_article(n))
    return config, tmp_path / "posts"


def _run(config: Path, *args: str, status: int = 0) -> str:
    result = feedvault(*args, "--config", config)
    assert result.returncode == status, result.stdout + result.stderr
    return result.stdout


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file() and ".feedvault" not in p.parts}


def _path_of(root: Path, n: int) -> Path:
    return next(p for p in archive_files(root) if f"urn:{n}'" in p.read_text() or
                f"guid: urn:{n}\n" in p.read_text())


def test_snapshot_list_show_export_prune(tmp_path: Path) -> None:
    config, root = _archive(tmp_path)
    assert "4 articles (4 added" in _run(config, "snapshot", "-m", "first")
    first = _files(root)
    assert "nothing changed" in _run(config, "snapshot")

    with Archive(root) as archive:
        archive.put(_article(1, title="Article one, corrected"))
        archive.put(_article(9))
    _path_of(root, 2).unlink()
    out = _run(config, "snapshot", "--message", "second")
    assert "4 articles (1 added, 1 removed, 0 moved, 1 changed)" in out

    listing = _run(config, "snapshot", "list").splitlines()
    assert len(listing) == 3
    assert listing[1].split()[3:] == ["4", "4", "0", "0", "0", "first"]
    assert listing[2].split()[3:] == ["4", "1", "1", "0", "1", "second"]
    first_id = listing[1].split()[0]

    shown = _run(config, "snapshot", "show", "latest")
    assert "message:  second" in shown and "since snapshot " + first_id in shown
    assert "blog" in shown and "news" in shown

    _run(config, "snapshot", "export", first_id[:6], tmp_path / "old")
    assert _files(tmp_path / "old") == first
    _run(config, "snapshot", "export", "latest", tmp_path / "new")
    assert _files(tmp_path / "new") == _files(root)
    _run(config, "snapshot", "export", "latest", tmp_path / "new", status=2)  # not empty: trouble

    assert "dropped 1 snapshots, kept 1" in _run(config, "snapshot", "prune", "--keep", "1")
    assert len(_run(config, "snapshot", "list").splitlines()) == 2
    err = feedvault("snapshot", "export", first_id, tmp_path / "gone", "--config", config)
    assert err.returncode == 2 and "no such snapshot" in err.stderr


def test_diff_reports_added_removed_moved_changed(tmp_path: Path) -> None:
    config, root = _archive(tmp_path, 6)
    _run(config, "snapshot")
    assert "0 articles differ" in _run(config, "diff", status=0)

    with Archive(root) as archive:
        archive.put(_article(0, title="A new title", author="Ann"))
        archive.put(_article(1, body="<p>The body of article 1 says goodbye.</p>"))
        archive.put(_article(7))
    _path_of(root, 2).unlink()
    moved = _path_of(root, 3)
    moved.rename(moved.with_name("renamed.md"))

    text = _run(config, "diff", status=1)
    assert "1 added, 1 removed, 1 moved, 2 changed" in text
    assert "title: 'Article 0' → 'A new title'" in text
    assert "author: (none) → 'Ann'" in text
    assert "says [-hello-]{+goodbye+}." in text
    assert "renamed.md" in text and "\x1b[" not in text
    assert "\x1b[" in _run(config, "diff", "--color", "always", status=1)

    stat = _run(config, "diff", "--stat", status=1).splitlines()
    assert stat[0].split() == ["source", "added", "removed", "moved", "changed"]
    assert stat[1].split() == ["blog", "1", "0", "1", "1"]
    assert stat[2].split() == ["news", "0", "1", "0", "1"]
    assert stat[3].split() == ["total", "1", "1", "1", "2"]

    data = json.loads(_run(config, "diff", "latest", "now", "--format", "json", status=1))
    assert data["schema_version"] == 1
    assert data["summary"] == {"added": 1, "removed": 1, "moved": 1, "changed": 2, "files": 0}
    by_id = {a["identity"]: a for a in data["articles"]}
    assert by_id["urn:3"]["status"] == "moved" and by_id["urn:3"]["new_path"].endswith("renamed.md")
    assert by_id["urn:0"]["fields"] == [
        {"name": "title", "old": "Article 0", "new": "A new title"},
        {"name": "author", "old": None, "new": "Ann"},
    ]
    assert {"op": "insert", "text": "goodbye"} in by_id["urn:1"]["body"]["segments"]

    out = tmp_path / "report.json"
    assert _run(config, "diff", "--format", "json", "--output", out, status=1) == ""
    assert json.loads(out.read_text())["summary"]["moved"] == 1


def test_diff_options_updated_whitespace_and_ignored_fields(tmp_path: Path) -> None:
    config, root = _archive(tmp_path, 2)
    _run(config, "snapshot")
    path = _path_of(root, 0)
    text = path.read_text()
    path.write_text(text.replace("updated: '20", "updated: '19"))
    assert path.read_text() != text
    _run(config, "diff", status=0)  # `updated` alone is no change by default
    assert "updated: " in _run(config, "diff", "--all-fields", status=1)

    path.write_text(text.replace("says hello.", "says   hello.\n"))
    _run(config, "diff", status=1)
    _run(config, "diff", "--ignore-whitespace", status=0)

    path.write_text(text.replace("title: Article 0", "title: Article zero"))
    _run(config, "diff", status=1)
    _run(config, "diff", "--ignore-field", "title", status=0)


def test_diff_cjk_changes_by_character(tmp_path: Path) -> None:
    config, root = _archive(tmp_path, 1)
    with Archive(root) as archive:
        archive.put(_article(0, body="<p>今天天气好，我们去公园。</p>"))
    _run(config, "snapshot")
    with Archive(root) as archive:
        archive.put(_article(0, body="<p>今天天气很好，我们去公园散步。</p>"))
    data = json.loads(_run(config, "diff", "--format", "json", status=1))
    segments = data["articles"][0]["body"]["segments"]
    assert [s for s in segments if s["op"] != "equal"] == [
        {"op": "insert", "text": "很"}, {"op": "insert", "text": "散步"}]


def test_diff_against_folders_and_trouble(tmp_path: Path) -> None:
    config, root = _archive(tmp_path, 3)
    assert "no snapshots yet" in feedvault("diff", "--config", config).stderr
    assert feedvault("diff", "--config", config).returncode == 2
    _run(config, "snapshot")
    _run(config, "snapshot", "export", "latest", tmp_path / "backup")
    with Archive(root) as archive:
        archive.put(_article(5))
    (root / "notes.txt").write_text("not an article")
    text = _run(config, "diff", tmp_path / "backup", status=1)
    assert "1 added, 0 removed, 0 moved, 0 changed; 1 other file" in text
    assert "file added notes.txt" in text
    _run(config, "diff", tmp_path / "backup", "latest", status=0)
    _run(config, "diff", tmp_path / "backup", tmp_path / "backup", status=0)
    err = feedvault("diff", "latest~5", "--config", config)
    assert err.returncode == 2 and "only 1 snapshots" in err.stderr
    err = feedvault("diff", "@2000-01-01", "--config", config)
    assert err.returncode == 2 and "no snapshot before" in err.stderr
    _run(config, "diff", "@2999-01-01", "latest", status=0)


def test_gitignore_and_gitattributes_in_the_archive_change_nothing(tmp_path: Path) -> None:
    config, root = _archive(tmp_path, 3)
    (root / ".gitignore").write_text("*.md\n")
    (root / ".gitattributes").write_text("* text eol=crlf\n")
    (root / "blog" / "crlf.txt").write_bytes(b"one\r\ntwo\n")
    before = _files(root)
    assert "3 articles" in _run(config, "snapshot")
    _run(config, "snapshot", "export", "latest", tmp_path / "copy")
    assert _files(tmp_path / "copy") == before


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True).stdout


@pytest.mark.parametrize("where", ["repo root", "subfolder"])
def test_a_repository_the_user_keeps_the_archive_in_is_untouched(
        tmp_path: Path, where: str) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "me@example.invalid")
    _git(repo, "config", "user.name", "me")
    folder = repo if where == "repo root" else repo / "site" / "posts"
    folder.mkdir(parents=True, exist_ok=True)
    config = write_config(tmp_path, [{"name": "blog", "url": "file://feed.xml"}],
                          archive=str(folder))
    with Archive(folder) as archive:
        for n in range(3):
            archive.put(_article(n))
    (repo / "README").write_text("mine\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "user commit")
    (repo / "README").write_text("mine, edited\n")  # an uncommitted change of the user's

    def state() -> tuple[str, ...]:
        return (_git(repo, "rev-parse", "HEAD"), _git(repo, "status", "--porcelain", "-uall"),
                _git(repo, "ls-files", "-s"), _git(repo, "for-each-ref"),
                _git(repo, "stash", "list"), (repo / ".git" / "config").read_text())

    before = state()
    _run(config, "snapshot")
    assert state() == before
    with Archive(folder) as archive:
        archive.put(_article(4))
    before = state()
    _run(config, "diff", status=1)
    _run(config, "snapshot")
    _run(config, "snapshot", "prune", "--keep", "1")
    after = state()
    assert after == before
    assert "snapshots.git" not in after[1]


def test_crawl_snapshot_records_only_crawls_that_changed_something(
        site: LocalSite, tmp_path: Path) -> None:
    items = [{"title": f"Item {n}", "link": f"http://example.invalid/{n}", "guid": f"urn:{n}",
              "description": f"<p>Item {n}.</p>"} for n in range(2)]
    config = write_config(tmp_path, [{"name": "t", "url": site.write("f.xml", rss_feed(items))}])
    assert "2 articles (2 added" in _run(config, "crawl", "--snapshot")
    assert "snapshot: nothing changed" in _run(config, "crawl", "--snapshot")
    listing = _run(config, "snapshot", "list").splitlines()
    assert len(listing) == 2 and listing[1].endswith("crawl: 2 new, 0 updated")


def test_verify_checks_the_snapshot_store(tmp_path: Path) -> None:
    """A damaged snapshot object is a problem `feedvault verify` reports."""
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    (feeds / "f.xml").write_text(rss_feed([{"title": "One", "guid": "g1",
                                            "description": "<p>one</p>"}]), encoding="utf-8")
    config = write_config(tmp_path, [{"name": "t", "url": "file://feeds/f.xml"}])
    assert feedvault("crawl", "--config", config, "--snapshot").returncode == 0
    assert feedvault("verify", "--config", config).returncode == 0
    objects = tmp_path / "posts" / ".feedvault" / "snapshots.git" / "objects"
    loose = sorted(p for p in objects.glob("??/*") if p.is_file())
    assert loose, "the snapshot store holds loose objects after one snapshot"
    for obj in loose:
        obj.chmod(0o644)
        obj.write_bytes(b"garbage")
    result = feedvault("verify", "--config", config)
    assert result.returncode == 1
    assert "snapshot store" in result.stdout
