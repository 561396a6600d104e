"""The reliability suite: faults, kills and hostile input done for real, survivors counted.

Each scenario adds one line to the "reliability summary" printed at the end of the run.
"""

from __future__ import annotations

import html
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive import HIDDEN, Archive, DocumentError
from tests._safety import unsafe
from tests.conftest import REPO, archive_files, feedvault, report_scenario, rss_feed, write_config
from tests.faultserver import FaultServer

HOSTILE_BODY = '<p>ok</p><script>alert(1)</script><img src="javascript:alert(2)" onerror="x()">'


def _write_feeds(root: Path, feeds: int, per_feed: int) -> set[str]:
    guids = set()
    for f in range(feeds):
        items = []
        for i in range(per_feed):
            guid = f"urn:rel:{f}:{i}"
            guids.add(guid)
            items.append({
                "title": f"Feed {f} item {i}",
                "guid": guid,
                "link": f"http://example.invalid/{f}/{i}",
                "pubDate": "Mon, 01 Jan 2024 10:00:00 GMT",
                "description": f"<p>Article {f}/{i}</p>" + (HOSTILE_BODY if i % 5 == 0 else ""),
            })
        (root / f"feed{f}.xml").write_text(rss_feed(items), encoding="utf-8")
    return guids


def _served(root: Path) -> set[str]:
    """The guids of every item the test server has to serve, read from its files as written
    (a regular expression, not feedvault's parser: the count must not depend on what it tests)."""
    return {html.unescape(guid) for path in root.glob("*.xml")
            for guid in re.findall(r"<guid>(.*?)</guid>", path.read_text(encoding="utf-8"))}


def _survey(root: Path, expected: set[str]) -> tuple[int, int, int, int]:
    """archived, lost, duplicates, unsafe: counted from the article files on disk.

    archived: expected guids found in a file; lost: expected guids found in none;
    duplicates: files beyond the first for one guid; unsafe: files whose body is not safe."""
    seen: list[str] = []
    unsafe_count = 0
    if root.exists():
        with Archive(root) as archive:
            for path in archive_files(root):
                article = archive.load(path.relative_to(root).as_posix())
                seen.append(article.guid or "")
                unsafe_count += bool(unsafe(article.body))
    found = set(seen)
    return len(found & expected), len(expected - found), len(seen) - len(found), unsafe_count


def _ledger_agrees(root: Path) -> bool:
    """Every ledger row names a file that exists, and every article file has a row."""
    with Archive(root) as archive:
        paths = {e.path for e in archive.ledger.entries()}
    return paths == {p.relative_to(root).as_posix() for p in archive_files(root)}


def _config(folder: Path, server: FaultServer, feeds: int, **scrapy: object) -> Path:
    extra = "[scrapy]\n" + "".join(f"{k} = {v}\n" for k, v in scrapy.items())
    sources = [{"name": f"f{n}", "url": server.url(f"feed{n}.xml")} for n in range(feeds)]
    return write_config(folder, sources, extra=extra)


def test_faulty_server_loses_nothing(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    _write_feeds(site, feeds=100, per_feed=5)
    expected = _served(site)
    with FaultServer(site, seed=7, rate=0.2, stall=2.5) as server:
        config = _config(tmp_path, server, 100, DOWNLOAD_TIMEOUT=1, RETRY_TIMES=3,
                         AUTOTHROTTLE_ENABLED="false")
        runs = []
        for _ in range(4):  # a later run picks up what an earlier one could not
            result = feedvault("crawl", "--config", config, timeout=300)
            assert "Traceback" not in result.stderr
            runs.append(result)
            if result.returncode == 0:
                break
        injected = sum(server.injected.values())
    assert runs[-1].returncode == 0, runs[-1].stdout + runs[-1].stderr
    for result in runs[:-1]:  # what was given up is reported with its reason
        assert "FAILED" in result.stdout and "feed not fetched" in result.stdout
    archived, lost, duplicates, unsafe = _survey(tmp_path / "posts", expected)
    report_scenario("faulty server (20%)", faults=injected, expected=len(expected),
                    archived=archived, lost=lost, duplicates=duplicates, unsafe=unsafe)
    assert injected >= 15
    assert len(expected) == 500
    assert (archived, lost, duplicates, unsafe) == (len(expected), 0, 0, 0)
    assert _ledger_agrees(tmp_path / "posts")


def test_gzip_bomb_and_huge_page_are_refused_with_a_report(tmp_path: Path) -> None:
    with FaultServer(tmp_path, rate=0) as server:
        config = write_config(tmp_path, [
            {"name": "bomb", "url": server.url("bomb.xml")},
            {"name": "huge", "url": server.url("huge.xml")},
        ], extra="[scrapy]\nDOWNLOAD_MAXSIZE = 10485760\nDOWNLOAD_WARNSIZE = 0\n")
        result = feedvault("crawl", "--config", config, timeout=120)
    lines = result.stdout.splitlines()
    refused = {name for name in ("bomb", "huge")
               if any(line.startswith(f"  {name}: ") and "not fetched" in line for line in lines)}
    _, lost, duplicates, unsafe = _survey(tmp_path / "posts", set())
    files = len(archive_files(tmp_path / "posts"))
    report_scenario("gzip bomb, 50 MB page", faults=len(refused), expected=0, archived=files,
                    lost=lost, duplicates=duplicates, unsafe=unsafe)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert refused == {"bomb", "huge"}  # each refusal is reported with its source
    assert (files, lost, duplicates, unsafe) == (0, 0, 0, 0)


CRASH_TRIALS = 10


def test_sigkill_at_random_moments_loses_nothing(tmp_path: Path) -> None:
    rng = random.Random(20261125)
    site = tmp_path / "site"
    site.mkdir()
    _write_feeds(site, feeds=30, per_feed=20)
    expected = _served(site)
    totals = [0, 0, 0, 0]
    killed = 0  # trials whose process was still running when SIGKILL came
    mid_write = 0  # trials whose kill landed while articles were being written
    broken: list[str] = []  # what went wrong in which trial
    with FaultServer(site, rate=0) as server:
        for trial in range(CRASH_TRIALS):
            folder = tmp_path / f"trial{trial}"
            folder.mkdir()
            config = _config(folder, server, 30, AUTOTHROTTLE_ENABLED="false")
            proc = subprocess.Popen(
                [sys.executable, "-m", "crawler.cli", "crawl", "--config", str(config)],
                cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            time.sleep(rng.uniform(0.8, 3.0))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            killed += proc.returncode == -signal.SIGKILL
            root = folder / "posts"
            mid_write += 0 < len(archive_files(root)) < len(expected)
            # right after the kill: every visible article file is whole
            if root.exists():
                with Archive(root) as archive:
                    for path in archive_files(root):
                        try:
                            archive.load(path.relative_to(root).as_posix())
                        except DocumentError as exc:
                            broken.append(f"trial {trial}: torn file after the kill: {exc}")
            rerun = feedvault("crawl", "--config", config)
            if rerun.returncode != 0:
                broken.append(f"trial {trial}: rerun exit {rerun.returncode}: {rerun.stdout}")
            if list((root / HIDDEN / "tmp").iterdir()):
                broken.append(f"trial {trial}: temporary files left")
            survey = _survey(root, expected)
            totals = [a + b for a, b in zip(totals, survey, strict=True)]
            if not _ledger_agrees(root):
                broken.append(f"trial {trial}: the ledger and the files disagree")
            verified = feedvault("verify", "--config", config)
            if verified.returncode != 0:
                broken.append(f"trial {trial}: verify failed: {verified.stdout}")
    print(f"SIGKILL trials that landed mid-crawl: {mid_write} of {CRASH_TRIALS}")
    report_scenario(f"SIGKILL x{CRASH_TRIALS}", faults=killed,
                    expected=len(expected) * CRASH_TRIALS, archived=totals[0], lost=totals[1],
                    duplicates=totals[2], unsafe=totals[3])
    assert broken == []
    assert totals == [len(expected) * CRASH_TRIALS, 0, 0, 0]
    assert mid_write >= 2, f"only {mid_write} kills landed mid-crawl: the trials test too little"


@pytest.mark.parametrize("title", [
    "../../etc/passwd", "---", ": ", "!!python/object/apply:os.system ['touch /tmp/pwned']",
    "a\x00b\x07c\x1b[31m", "\u202eevil\u202c.exe", "题" * 1000, "{{ site.title }}",
])
def test_hostile_titles(title: str, tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    feed = rss_feed([{"title": title.replace("\x00", ""), "guid": "g1",
                      "description": "<p>body</p>"}])
    # control characters are not allowed in XML 1.0: feeds carry them as they can
    (site / "feed0.xml").write_bytes(feed.encode("utf-8", "surrogatepass"))
    with FaultServer(site, rate=0) as server:
        config = _config(tmp_path, server, 1)
        result = feedvault("crawl", "--config", config)
    assert "Traceback" not in result.stderr
    root = (tmp_path / "posts").resolve()
    files = archive_files(root)
    outside = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")
               if p.is_file() and not p.resolve().is_relative_to(root)}
    assert outside == {"feedvault.toml", "site/feed0.xml"}
    assert not Path("/tmp/pwned").exists()
    assert result.returncode == 0, result.stdout + result.stderr  # every title is carried
    [path] = files
    with Archive(root) as archive:
        article = archive.load(path.relative_to(root).as_posix())
    assert article.guid == "g1" and article.title
    assert all(len(part.encode()) <= 255 for part in path.relative_to(root).parts)


IMPOSSIBLE_DATES = ["Mon, 32 Jan 2024 25:61:00 GMT", "0000-00-00T00:00:00Z", "yesterday-ish",
                    "Tue, 01 Jan 99999 00:00:00 GMT", "-1"]
HOSTILE_URLS = ['javascript:alert(1)', 'data:text/html,<script>alert(1)</script>',
                'file:///etc/passwd', 'http://127.0.0.2:1/x.png', 'http://10.0.0.1/y.png',
                'http://169.254.169.254/latest/meta-data/', 'http://[::1]/z.png']


def test_impossible_dates_and_hostile_urls(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    items = []
    for n, date in enumerate(IMPOSSIBLE_DATES):
        items.append({"title": f"Dated {n}", "guid": f"d{n}", "pubDate": date,
                      "description": "<p>text</p>"})
    for n, url in enumerate(HOSTILE_URLS):
        items.append({"title": f"Linked {n}", "guid": f"u{n}",
                      "description": f'<p><a href="{url}">link</a><img src="{url}"></p>'
                                     f'<video poster="{url}" src="{url}"></video>'})
    (site / "feed0.xml").write_text(rss_feed(items), encoding="utf-8")
    expected = _served(site)
    with FaultServer(site, rate=0) as server:
        config = _config(tmp_path, server, 1, AUTOTHROTTLE_ENABLED="false")
        extra = '[images]\nmode = "proxy"\nproxy = "https://proxy.example/?{url}"\nproxy_scope = "all"\n'
        config.write_text(config.read_text(encoding="utf-8") + "\n" + extra, encoding="utf-8")
        result = feedvault("crawl", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    root = tmp_path / "posts"
    archived, lost, duplicates, unsafe = _survey(root, expected)
    leaked = 0
    misdated = []
    with Archive(root) as archive:
        for path in archive_files(root):
            article = archive.load(path.relative_to(root).as_posix())
            if article.date is None or not 1970 <= article.date.year <= 2100:
                misdated.append(f"{article.guid}: {article.date}")
            images = " ".join(re.findall(r'<img[^>]*>|poster="[^"]*"', article.body))
            for url in HOSTILE_URLS:
                # script-ish schemes go everywhere; private hosts never as an image or cover
                where = article.body if ":" in url.split("//")[0] and not url.startswith(
                    "http") else images + " " + (article.cover or "")
                leaked += url in where or f"proxy.example/?{url}" in article.body
    report_scenario("impossible dates, URLs", faults=len(expected), expected=len(expected),
                    archived=archived, lost=lost, duplicates=duplicates, unsafe=unsafe + leaked)
    assert len(expected) == len(IMPOSSIBLE_DATES) + len(HOSTILE_URLS)
    assert (archived, lost, duplicates, unsafe, leaked) == (len(expected), 0, 0, 0, 0)
    assert misdated == []
    for url in ("http://127.0.0.2:1/x.png", "http://10.0.0.1/y.png"):  # each drop is reported
        assert f"image {url} refused (a private-network address)" in result.stdout
