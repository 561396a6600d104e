"""Benchmark: crawls that meet unreachable hosts.

1. Dead article hosts: the real feeds of ../shared/corpora/feeds/netnewswire, every host
   in them renamed to `<host>.invalid` (RFC 6761: never resolves; feedvault's resolver
   fails such names at once, so no DNS question leaves the machine), served several
   times over from a local server (`--copies`, 6 x 37 = 222 feeds). The same crawl runs
   with the default full-text rule (teasers' pages are fetched, and fail) and with
   `full_text = false`; prints both times, articles archived, the unreachable-host
   lines and the tracebacks in the log (goal: 0).
2. A black hole: a loopback socket (127.0.0.2) that accepts connections and never
   answers, behind 40 teasers, at DOWNLOAD_TIMEOUT 1 s and 5 s with RETRY_TIMES 3;
   prints the crawl time against timeout x retries.

    PYTHONPATH=. python benchmarks/bench_health.py [--copies 6]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.blackhole import BlackHole  # noqa: E402
from tests.conftest import (  # noqa: E402
    CORPORA,
    LocalSite,
    archive_files,
    feedvault,
    rss_feed,
    write_config,
)

_HOST = re.compile(rb"(https?://)([A-Za-z0-9.-]+)")
_FEEDS = (".rss", ".atom", ".json", ".xml")


def dead_hosts(folder: Path, copies: int) -> None:
    feeds = sorted(p for p in (CORPORA / "feeds" / "netnewswire").iterdir()
                   if p.suffix in _FEEDS)
    site_root = folder / "site"
    site_root.mkdir()
    site = LocalSite(site_root)
    site.thread.start()
    try:
        sources = []
        for copy in range(copies):
            for path in feeds:
                body = _HOST.sub(lambda m: b"http://" + m.group(2).lower() + b".invalid",
                                 path.read_bytes())
                name = f"c{copy}-{re.sub(r'[^A-Za-z0-9_-]', '_', path.name)}"[:64]
                target = site_root / f"{name}{path.suffix}"
                target.write_bytes(body)
                sources.append({"name": name, "url": site.url(target.name)})
        print(f"dead article hosts: {len(sources)} real-world feeds, every host .invalid")
        times = {}
        for label, follow in (("full text (default)", True), ("full_text = false", False)):
            run = folder / ("follow" if follow else "feed-only")
            run.mkdir()
            config = write_config(run, sources, follow_pages=follow)
            started = time.monotonic()
            result = feedvault("crawl", "--config", config, "--report", run / "r.json",
                               timeout=3600)
            times[label] = time.monotonic() - started
            if not (run / "r.json").exists():
                sys.exit(f"the crawl did not finish (exit {result.returncode}):\n"
                         f"{result.stderr[-3000:]}")
            report = json.loads((run / "r.json").read_text(encoding="utf-8"))
            lines = [p for s in report["sources"] for p in s["problems"]
                     if "unreachable" in p]
            failed = [s["name"] for s in report["sources"] if s["status"] == "failed"]
            print(f"  {label:<20} {times[label]:7.1f} s  exit {result.returncode} "
                  f"({len(failed)} feeds failed on their own)  "
                  f"{len(archive_files(run / 'posts'))} articles archived  "
                  f"{len(lines)} unreachable-host lines  "
                  f"{result.stderr.count('Traceback')} tracebacks in the log")
        ratio = times["full text (default)"] / times["full_text = false"]
        print(f"  full text / feed only: {ratio:.1f}x")
    finally:
        site.server.shutdown()
        site.server.server_close()


def black_hole(folder: Path, timeout: int, retries: int = 3) -> None:
    hole = BlackHole()
    site_root = folder / f"hole{timeout}"
    site_root.mkdir()
    site = LocalSite(site_root)
    site.thread.start()
    try:
        url = site.write("feed.xml", rss_feed([
            {"title": f"Teaser {n}", "link": hole.url(f"post/{n}"), "guid": f"urn:t:{n}",
             "description": f"<p>Teaser text {n} …</p>"} for n in range(40)]))
        config = write_config(site_root, [{"name": "hole", "url": url}], follow_pages=True,
                              extra='[crawl]\nallow_networks = ["127.0.0.2"]\n'
                                    f"[scrapy]\nDOWNLOAD_TIMEOUT = {timeout}\n"
                                    f"RETRY_TIMES = {retries}\n")
        started = time.monotonic()
        result = feedvault("crawl", "--config", config, "--report", site_root / "r.json")
        took = time.monotonic() - started
        source = json.loads((site_root / "r.json").read_text(encoding="utf-8"))["sources"][0]
        print(f"black hole, 40 teasers, timeout {timeout} s, {retries} retries: "
              f"crawl {source['seconds']:.1f} s (command {took:.1f} s; timeout x retries = "
              f"{timeout * retries} s), exit {result.returncode}, "
              f"{len(archive_files(site_root / 'posts'))} archived, "
              f"{hole.accepted} connections; report: {source['problems']}")
    finally:
        hole.close()
        site.server.shutdown()
        site.server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=6)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-health-") as tmp:
        dead_hosts(Path(tmp), args.copies)
        for timeout in (1, 5):
            black_hole(Path(tmp), timeout)


if __name__ == "__main__":
    main()
