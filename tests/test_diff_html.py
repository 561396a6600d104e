"""The HTML diff opens in headless Chromium with no console errors and shows the changes."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive import Archive, Article
from archive.diff import diff_archive, render_html
from archive.snapshots import Snapshots

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--enable-logging=stderr", "--v=0"]
CONSOLE = re.compile(r":CONSOLE[^\]]*\] (.*)")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (Debian: apt-get install chromium; .ci/run installs it)")


def _open(page: Path, tmp_path: Path) -> tuple[str, list[str]]:
    """The DOM Chromium builds from the page, and every console message it logged."""
    assert CHROMIUM is not None
    done = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout, CONSOLE.findall(done.stderr)


def _article(n: int, body: str, **changes: object) -> Article:
    return Article(source="blog", title=f"Post {n}", body=body, guid=f"urn:{n}",
                   date=datetime(2024, 3, n, tzinfo=UTC)).with_(**changes)


def test_html_diff_renders_without_console_errors(tmp_path: Path) -> None:
    root = tmp_path / "posts"
    with Archive(root) as archive:
        archive.put(_article(1, "<p>Prices rose by 5% in March.</p>"))
        archive.put(_article(2, "<p>今天天气好。</p>"))
        archive.put(_article(3, "<p>Soon gone.</p>"))
    Snapshots(root).take("before")
    with Archive(root) as archive:
        archive.put(_article(1, "<p>Prices rose by 7% in March.</p><p>Corrected.</p>",
                             title="Post 1 <script>alert(1)</script>"))
        archive.put(_article(2, "<p>今天天气很好。</p>"))
        archive.put(_article(4, '<p>New <img src="https://example.invalid/x.png"></p>'))
    next(root.glob("blog/2024/*post-3*")).unlink()

    page = tmp_path / "diff.html"
    page.write_text(render_html(diff_archive(root)), encoding="utf-8")
    dom, console = _open(page, tmp_path)
    assert console == []
    assert "4 articles differ: 1 added, 1 removed, 0 moved, 2 changed" in dom
    assert "by <del>5</del>" in dom and "by <ins>7</ins>%" in dom
    assert "<ins>很</ins>" in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom  # titles are text, never markup
    assert dom.count('class="sbs"') == 2


def test_the_console_check_catches_errors(tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><p>x</p><script>console.error('boom'); nosuch();</script>")
    _, console = _open(page, tmp_path)
    assert any("boom" in line for line in console)
    assert any("nosuch is not defined" in line for line in console)
