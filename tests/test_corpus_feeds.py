"""Every ill-formed and real-world feed of the corpora crawls without an unhandled exception."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from crawler.feeds.parse import parse_feed
from tests.conftest import CORPORA, LocalSite, archive_files, corpus, feedvault, write_config

FOLDERS = ("feeds/feedparser/illformed", "feeds/netnewswire")


def _feeds() -> list[Path]:
    found = []
    for folder in FOLDERS:
        root = CORPORA / folder
        found += [p for p in sorted(root.rglob("*"))
                  if p.is_file() and p.suffix in {".xml", ".rss", ".atom", ".rdf", ".json"}]
    return found


FEEDS = _feeds()


def _name(path: Path) -> str:
    rel = path.relative_to(CORPORA).as_posix()
    return re.sub(r"[^A-Za-z0-9_-]", "_", rel)[-64:]


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    for folder in FOLDERS:
        corpus(folder)  # skips, saying so, where the shared corpora are absent
    assert FEEDS, f"no feed files under {CORPORA}: {', '.join(FOLDERS)}"
    tmp = tmp_path_factory.mktemp("corpus")
    site_root = tmp / "site"
    sources = []
    for path in FEEDS:
        target = site_root / path.relative_to(CORPORA)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
    site = LocalSite(site_root)
    site.thread.start()
    try:
        for path in FEEDS:
            # each feed keeps its own copies: some are one site in two formats (RSS, JSON)
            sources.append({"name": _name(path), "url": site.url(path.relative_to(CORPORA).as_posix()),
                            "cross_source": "separate"})
        config = write_config(tmp, sources)
        result = feedvault("crawl", "--config", config, timeout=600)
    finally:
        site.server.shutdown()
        site.server.server_close()
    assert result.returncode in (0, 1), result.stderr
    return tmp / "posts", result.stdout, result.stderr


def test_no_unhandled_exception(crawl: tuple[Path, str, str]) -> None:
    _, stdout, stderr = crawl
    assert "Traceback" not in stderr
    assert "ERROR" not in stderr
    assert len([line for line in stdout.splitlines() if line.strip()]) >= len(FEEDS) + 1


@pytest.mark.parametrize("path", FEEDS, ids=lambda p: p.relative_to(CORPORA).as_posix())
def test_every_entry_that_parses_is_archived(path: Path, crawl: tuple[Path, str, str]) -> None:
    root, stdout, _ = crawl
    name = _name(path)
    row = next(line for line in stdout.splitlines() if line.startswith(name + " "))
    new, updated, unchanged, _not_modified, failed = map(int, row.split()[1:6])
    parsed = parse_feed(path.read_bytes(), "http://127.0.0.1/feed")
    identities = {e.guid or e.link for e in parsed.entries} - {None}
    archived = archive_files(root / name) if (root / name).exists() else []
    # every entry with an identity is archived once; entries repeating one are reported
    assert (new, updated, unchanged) == (len(archived), 0, 0)
    assert len(archived) == len(identities)
    assert failed == sum(1 for e in parsed.entries if not (e.guid or e.link))
    if parsed.problem:
        assert f"  {name}: " in stdout  # the problem is reported under the table
