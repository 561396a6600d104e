"""Throughput of distributed mode with one worker and with two, on one local feed server.

Starts a real redis-server and a local HTTP server with FEEDS feeds of PER_FEED articles,
enqueues them with `feedvault crawl`, then starts N workers and a writer and measures:
- crawl: articles/s handed to the stream, from the first to the last one;
- archive: articles/s from launching the processes until every article is in the ledger
  (includes process start-up and Scrapy's idle poll, so it is a pessimistic figure).
Prints the median of --repeat runs for each worker count.

Run from the repository root:
    PYTHONPATH=. python benchmarks/bench_distributed.py [--feeds 100] [--per-feed 20]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import feedvault, write_config
from tests.distributed_helpers import (
    FeedSite,
    Process,
    distributed_config,
    redis_server,
)


def _ledger_rows(root: Path) -> int:
    path = root / ".feedvault" / "ledger.sqlite"
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1) as db:
            return int(db.execute("SELECT count(*) FROM articles").fetchone()[0])
    except sqlite3.Error:
        return 0


def run_once(workers: int, feeds: int, per_feed: int, delay: float) -> tuple[float, float]:
    total = feeds * per_feed
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        site = FeedSite(feeds, per_feed, delay)
        with redis_server(folder) as redis:
            sources = [{"name": f"f{n:04d}", "url": u} for n, u in enumerate(site.urls)]
            config = write_config(folder, sources, extra=distributed_config(redis.url))
            result = feedvault("crawl", "--config", config)
            assert result.returncode == 0, result.stderr
            started = time.monotonic()
            procs = [Process(folder, f"worker{i}", "worker", "--config", config, "--idle", "1")
                     for i in range(workers)]
            procs.append(Process(folder, "writer", "writer", "--config", config, "--idle", "1"))
            first = last = None
            archived = None
            while archived is None:
                added = redis.client.xinfo_stream("feedvault:articles")["entries-added"] \
                    if redis.client.exists("feedvault:articles") else 0
                now = time.monotonic()
                if added and first is None:
                    first = now
                if added >= total and last is None:
                    last = now
                if _ledger_rows(folder / "posts") >= total:
                    archived = now
                time.sleep(0.02)
            for proc in procs:
                assert proc.wait() == 0, proc.output
        site.close()
    assert first is not None and last is not None
    return total / max(last - first, 1e-9), total / (archived - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=100)
    parser.add_argument("--per-feed", type=int, default=20)
    parser.add_argument("--delay", type=float, default=0.05, help="seconds per feed response")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{args.feeds} feeds x {args.per_feed} articles, {args.delay * 1000:.0f} ms per "
          f"feed response, median of {args.repeat}")
    for workers in (1, 2):
        runs = [run_once(workers, args.feeds, args.per_feed, args.delay)
                for _ in range(args.repeat)]
        crawl = statistics.median(r[0] for r in runs)
        archive = statistics.median(r[1] for r in runs)
        print(f"{workers} worker{'s' if workers > 1 else ' '}: crawl {crawl:7.0f} articles/s, "
              f"archive end to end {archive:6.0f} articles/s")


if __name__ == "__main__":
    main()
