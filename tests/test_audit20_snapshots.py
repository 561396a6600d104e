"""A snapshot store from someone else's clone (or a restored CI cache) runs no command."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive import Archive, Article
from tests.conftest import feedvault, write_config


def _article(n: int) -> Article:
    return Article(source="blog", title=f"Article {n}", body=f"<p>Body {n}.</p>", guid=f"urn:{n}",
                   date=datetime(2024, 1, n, tzinfo=UTC))


def _snapshotted(tmp_path: Path) -> tuple[Path, Path]:
    """A config and its archive of one article, with one snapshot taken: (config, root)."""
    config = write_config(tmp_path, [{"name": "blog", "url": "file://feed.xml"}])
    root = tmp_path / "posts"
    with Archive(root) as archive:
        archive.put(_article(1))
    assert feedvault("snapshot", "--config", config).returncode == 0
    return config, root


def test_a_hostile_snapshot_store_config_runs_nothing(tmp_path: Path) -> None:
    config, root = _snapshotted(tmp_path)
    store = root / ".feedvault" / "snapshots.git"
    ran = tmp_path / "ran"
    # what the clone's author wrote into the store: git runs these on add / checkout-index
    with (store / "config").open("a", encoding="utf-8") as hostile:
        hostile.write(f'[core]\n\tfsmonitor = "echo fsmonitor >> {ran}; false"\n'
                      f'[filter "x"]\n\tclean = "echo clean >> {ran}; cat"\n'
                      f'\tsmudge = "echo smudge >> {ran}; cat"\n')
    (store / "info" / "attributes").write_text("* filter=x\n", encoding="utf-8")
    with Archive(root) as archive:
        archive.put(_article(2))

    diff = feedvault("diff", "--config", config)
    assert diff.returncode == 1 and "1 added" in diff.stdout, diff.stdout + diff.stderr
    taken = feedvault("snapshot", "--config", config)
    assert taken.returncode == 0, taken.stdout + taken.stderr
    exported = feedvault("snapshot", "export", "latest", tmp_path / "out", "--config", config)
    assert exported.returncode == 0, exported.stdout + exported.stderr
    assert not ran.exists(), ran.read_text()
    assert len(list((tmp_path / "out").rglob("*.md"))) == 2


def test_a_store_pointing_elsewhere_is_refused(tmp_path: Path) -> None:
    config, root = _snapshotted(tmp_path)
    # commondir sends git to another folder's config, which the seal does not rewrite
    (root / ".feedvault" / "snapshots.git" / "commondir").write_text(str(tmp_path), "utf-8")
    result = feedvault("snapshot", "list", "--config", config)
    assert result.returncode == 2
    assert "commondir: a snapshot store never has one" in result.stderr
    assert "Traceback" not in result.stderr


def _hostile_store_with_links(tmp_path: Path, planted: str) -> tuple[Path, Path]:
    """An archive with one snapshot whose store the clone's author changed (so the seal
    rewrites it) and where they planted a link at `planted` to a file of the user's."""
    config, root = _snapshotted(tmp_path)
    store = root / ".feedvault" / "snapshots.git"
    victim = tmp_path / "victim.txt"
    victim.write_text("the user's own file\n", encoding="utf-8")
    (store / "config").write_text("[core]\n\tbare = false\n", encoding="utf-8")
    (store / "info" / "attributes").write_text("* filter=x\n", encoding="utf-8")
    (store / "info" / "exclude").write_text("\n", encoding="utf-8")
    (store / planted).unlink(missing_ok=True)
    (store / planted).symlink_to(victim)
    with Archive(root) as archive:
        archive.put(_article(2))
    return config, victim


@pytest.mark.parametrize("planted", [".config.feedvault", "info/.attributes.feedvault",
                                     "info/.exclude.feedvault", "config", "info/attributes"])
@pytest.mark.parametrize("command", ["snapshot", "diff"])
def test_a_link_planted_in_the_store_never_has_a_user_file_overwritten(
        tmp_path: Path, planted: str, command: str) -> None:
    config, victim = _hostile_store_with_links(tmp_path, planted)
    result = feedvault(command, "--config", config)
    assert result.returncode in (0, 1), result.stdout + result.stderr
    assert "1 added" in result.stdout or command == "snapshot", result.stdout
    assert victim.read_text(encoding="utf-8") == "the user's own file\n"


def test_an_info_folder_that_is_a_link_is_replaced_not_written_into(tmp_path: Path) -> None:
    config, root = _snapshotted(tmp_path)
    info = root / ".feedvault" / "snapshots.git" / "info"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "attributes").write_text("the user's own file\n", encoding="utf-8")
    for child in info.iterdir():
        child.unlink()
    info.rmdir()
    info.symlink_to(elsewhere)
    result = feedvault("snapshot", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert [p.name for p in elsewhere.iterdir()] == ["attributes"]
    assert (elsewhere / "attributes").read_text(encoding="utf-8") == "the user's own file\n"
    assert info.is_dir() and not info.is_symlink()
