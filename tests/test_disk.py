"""A full or read-only disk: non-zero exit, a clear message, existing articles intact.

The filesystems are real: a 1 MB tmpfs mounted by the test (CI runs as root).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import frontmatter
import pytest

from tests.conftest import LocalSite, archive_files, feedvault, report_scenario, rss_feed, write_config


def _mount(target: Path, options: str) -> None:
    target.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}): needs root")


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "fs"
    _mount(mount, "size=1m")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def _items(n: int, size: int) -> list[dict[str, str]]:
    return [{"title": f"Article {i}", "guid": f"g{i}", "link": f"http://example.invalid/{i}",
             "pubDate": "Mon, 01 Jan 2024 10:00:00 GMT",
             "description": f"<p>{i} " + "x" * size + "</p>"} for i in range(n)]


def _snapshot(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in archive_files(root)}


def _guid(data: bytes) -> str:
    return str(frontmatter.loads(data.decode("utf-8")).get("guid"))


def _reported(result: subprocess.CompletedProcess[str], words: str) -> int:
    """1 when the output tells the user about the fault (the one fault each test makes), else 0."""
    return int(any(words in line for line in (result.stdout + result.stderr).splitlines()))


def test_full_disk_stops_with_a_clear_message(site: LocalSite, small_fs: Path) -> None:
    url = site.write("f.xml", rss_feed(_items(5, 1000)))
    config = write_config(small_fs, [{"name": "t", "url": url}])
    first = feedvault("crawl", "--config", config)
    assert first.returncode == 0, first.stderr
    before = _snapshot(small_fs / "posts")
    assert len(before) == 5

    # the feed now brings 100 articles of 20 kB each: far more than the space left
    site.write("f.xml", rss_feed(_items(100, 20_000)))
    second = feedvault("crawl", "--config", config)
    assert second.returncode == 1
    assert "No space left on device" in second.stdout + second.stderr
    assert "stopped early" in second.stderr
    after = _snapshot(small_fs / "posts")
    # already-archived articles are intact (or updated whole)
    intact = sum(1 for path, data in before.items() if path in after and (
        after[path] == data or after[path].decode().count("x" * 20_000) == 1))
    guids = [_guid(data) for data in after.values()]
    report_scenario("full disk (1 MB tmpfs)", faults=_reported(second, "No space left on device"),
                    expected=len(before), archived=intact, lost=len(before) - intact,
                    duplicates=len(guids) - len(set(guids)), unsafe=0)
    assert (intact, len(guids) - len(set(guids))) == (len(before), 0)
    assert not list((small_fs / "posts" / ".feedvault" / "tmp").iterdir())


def test_a_full_disk_is_reported_once(site: LocalSite, small_fs: Path) -> None:
    url = site.write("f.xml", rss_feed(_items(100, 20_000)))
    config = write_config(small_fs, [{"name": "t", "url": url}])
    result = feedvault("crawl", "--config", config)
    assert result.returncode == 1
    told = [line for line in result.stdout.splitlines()
            if line.startswith("  t: ") and "No space left on device" in line]
    assert len(told) == 1, f"{len(told)} summary lines about the full disk"
    # the articles already on their way are counted, in one line
    assert any(line.startswith("  t: ") and "more articles not archived: the crawl stopped"
               in line for line in result.stdout.splitlines()), result.stdout


def test_read_only_disk_fails_cleanly(site: LocalSite, small_fs: Path) -> None:
    url = site.write("f.xml", rss_feed(_items(3, 100)))
    config = write_config(small_fs, [{"name": "t", "url": url}])
    assert feedvault("crawl", "--config", config).returncode == 0
    before = _snapshot(small_fs / "posts")
    site.write("f.xml", rss_feed(_items(4, 200)))
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    try:
        result = feedvault("crawl", "--config", config)
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_fs)], check=True)
    after = _snapshot(small_fs / "posts")
    intact = sum(1 for path, data in before.items() if after.get(path) == data)
    guids = [_guid(data) for data in after.values()]
    report_scenario("read-only disk", faults=_reported(result, "Read-only file system"),
                    expected=len(before), archived=intact, lost=len(before) - intact,
                    duplicates=len(guids) - len(set(guids)), unsafe=0)
    assert result.returncode != 0
    assert _reported(result, "Read-only file system") == 1
    assert after == before  # nothing lost, nothing half-written, nothing added
