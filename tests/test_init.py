"""`feedvault init`: the written config crawls into the generator's posts folder, and the real
generator builds the result; nothing is overwritten without --force."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from archive import HIDDEN, Archive
from crawler.config import load_config
from tests._generators import SITES, build
from tests.conftest import EXAMPLES, LocalSite, feedvault, toml_value

POSTS = {"hexo": "source/_posts", "hugo": "content/posts", "jekyll": "."}
FEEDS = {"notes": "notes.atom", "links": "links.json", "woshipm": "woshipm.xml"}


def _point_at(config: Path, site: LocalSite) -> None:
    """The example source replaced by the bundled example feeds, served over HTTP."""
    for name in FEEDS.values():
        shutil.copy(EXAMPLES / "feeds" / name, site.root / name)
    text = config.read_text(encoding="utf-8")
    example = text.index("\n[[sources]]") + 1
    sources = "".join(f"[[sources]]\nname = {toml_value(name)}\nurl = {toml_value(site.url(f))}\n"
                      f"full_text = false\n\n" for name, f in FEEDS.items())
    config.write_text(text[:example] + sources, encoding="utf-8")


@pytest.mark.parametrize("preset", sorted(POSTS))
def test_init_config_crawls_into_the_generators_posts_folder_and_builds(
        site: LocalSite, tmp_path: Path, preset: str) -> None:
    folder = tmp_path / "blog"
    folder.mkdir()
    archive_root = SITES[preset](folder)  # the generator's own files (skips if not installed)
    assert archive_root == folder / POSTS[preset]
    result = feedvault("init", folder, "--preset", preset)
    assert result.returncode == 0, result.stderr
    config = folder / "feedvault.toml"
    loaded = load_config(config)  # as written, with its example source
    assert loaded.archive_path == (folder / POSTS[preset]).resolve()
    assert loaded.preset == preset and [s.name for s in loaded.sources] == ["example"]
    assert "[images]" in config.read_text(encoding="utf-8")

    _point_at(config, site)
    crawl = feedvault("crawl", "--config", config)
    assert crawl.returncode == 0, crawl.stdout + crawl.stderr
    with Archive(archive_root, preset) as archive:
        paths = [e.path for e in archive.ledger.entries()]
    assert len(paths) == 5
    assert (archive_root / HIDDEN).is_dir()
    built = build(folder, preset, archive_root)
    assert sorted(built.pages) == sorted(paths)  # every article became a page
    assert {p.title for p in built.pages.values()} >= {"A JSON Feed item", "Text-only item"}


def test_init_writes_the_workflow_and_systemd_units(tmp_path: Path) -> None:
    result = feedvault("init", tmp_path, "--preset", "hugo", "--archive", "content/notes",
                       "--github-actions", "--systemd")
    assert result.returncode == 0, result.stderr
    workflow = (tmp_path / ".github" / "workflows" / "feedvault.yml").read_text(encoding="utf-8")
    assert "FEEDVAULT_STATE: content/notes/.feedvault" in workflow
    assert load_config(tmp_path / "feedvault.toml").archive_path == tmp_path / "content" / "notes"
    service = (tmp_path / "systemd" / "feedvault.service").read_text(encoding="utf-8")
    assert f"WorkingDirectory={tmp_path.resolve()}" in service
    assert f'--config "{tmp_path.resolve() / "feedvault.toml"}"' in service
    assert "crawl --due" in service
    timer = (tmp_path / "systemd" / "feedvault.timer").read_text(encoding="utf-8")
    assert "OnCalendar=" in timer and "WantedBy=timers.target" in timer


def test_init_never_overwrites_without_force(tmp_path: Path) -> None:
    config = tmp_path / "feedvault.toml"
    config.write_text("# mine\n", encoding="utf-8")
    result = feedvault("init", tmp_path, "--preset", "hexo", "--github-actions")
    assert result.returncode == 2
    assert "exists; --force to overwrite it" in result.stderr
    assert config.read_text(encoding="utf-8") == "# mine\n"
    assert not (tmp_path / ".github").exists()  # all or nothing
    result = feedvault("init", tmp_path, "--preset", "hexo", "--force")
    assert result.returncode == 0, result.stderr
    assert load_config(config).preset == "hexo"


def test_the_bundled_workflow_is_the_one_init_writes_for_hexo(tmp_path: Path) -> None:
    assert feedvault("init", tmp_path, "--preset", "hexo", "--github-actions").returncode == 0
    written = tmp_path / ".github" / "workflows" / "feedvault.yml"
    assert written.read_bytes() == (EXAMPLES / "github-actions" / "feedvault.yml").read_bytes()
