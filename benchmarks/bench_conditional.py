"""Benchmark: a second crawl of 200 unchanged feeds (20 items each) against the first.

A local threaded server on 127.0.0.1:0 answers conditional requests (strong ETag,
Last-Modified) over HTTP/1.1. Each round crawls into a fresh archive twice with the real
CLI in a subprocess and measures wall time, files written by the second crawl and the
share of feed requests answered 304; then, for comparison, crawls a third time after
dropping the per-site pace the crawls keep (AutoThrottle then starts the host at
AUTOTHROTTLE_START_DELAY, as every crawl did before the pace was kept). Prints per-round
figures and the medians, and whether the bar (second crawl >= 10x faster) is met.

Before the rounds, the checkout's sources are compiled to bytecode (`compileall`, into the
`__pycache__` folders git ignores), as pip does when it installs feedvault: where
PYTHONDONTWRITEBYTECODE is set, every crawl would otherwise compile the project's ~170
modules again, a cost no installed copy pays. `--profile FILE` runs one more second crawl
under cProfile after the rounds, writes its stats to FILE and prints where its time went.

    PYTHONPATH=. python benchmarks/bench_conditional.py [--rounds 3] [--feeds 200] [--items 20]
                                                        [--check] [--profile FILE.prof]

Goals: second crawl >= 10x faster, writes 0 files, >= 95% of its feed
requests answered 304.
"""

from __future__ import annotations

import argparse
import compileall
import hashlib
import os
import pstats
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# CPU time (user + system) of each crawl, in order: unlike wall time, it hardly depends on
# what else the machine is running.
CPU_TIMES: list[float] = []


def feed(n: int, items: int) -> bytes:
    entries = "".join(
        f"<item><title>Feed {n} article {i}</title>"
        f"<link>http://example.invalid/{n}/{i}</link><guid>urn:bench:{n}:{i}</guid>"
        f"<pubDate>Mon, 01 Jan 2024 {i % 24:02d}:00:00 +0000</pubDate>"
        f"<description><![CDATA[<p>Paragraph one of article {i} in feed {n}.</p>"
        f"<p>Another paragraph with <a href=\"/x/{i}\">a link</a> and "
        f"<img src=\"/img/{i}.jpg\" width=\"600\"></p>]]></description></item>"
        for i in range(items)
    )
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>Feed {n}</title><link>http://example.invalid/{n}/</link>{entries}"
            "</channel></rss>").encode()


class _Server(ThreadingHTTPServer):
    # Python's default listen backlog is 5 (nginx and Apache use 511): with more connections
    # waiting, the kernel drops SYNs and the client retries a second later, which measures
    # this toy server rather than the crawler.
    request_queue_size = 128


class Server:
    """Feeds held in memory; counts answers by status."""

    def __init__(self, feeds: int, items: int) -> None:
        self.bodies = {f"/feed/{n}.xml": feed(n, items) for n in range(feeds)}
        self.etags = {p: '"' + hashlib.sha256(b).hexdigest()[:20] + '"'
                      for p, b in self.bodies.items()}
        self.modified = formatdate(time.time() - 86400, usegmt=True)
        self.counts: dict[int, int] = {}
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real feed hosts speak

            def do_GET(self) -> None:
                body = outer.bodies.get(self.path)
                if body is None:
                    status = 404
                elif self.headers.get("If-None-Match") == outer.etags[self.path] or (
                        "If-None-Match" not in self.headers
                        and self.headers.get("If-Modified-Since") == outer.modified):
                    status = 304
                else:
                    status = 200
                if body is not None:
                    with outer.lock:
                        outer.counts[status] = outer.counts.get(status, 0) + 1
                self.send_response(status)
                if body is not None:
                    self.send_header("ETag", outer.etags[self.path])
                    self.send_header("Last-Modified", outer.modified)
                payload = body if status == 200 and body is not None else b""
                if status != 304:
                    self.send_header("Content-Type", "application/rss+xml")
                    self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = _Server(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def take_counts(self) -> dict[int, int]:
        with self.lock:
            counts, self.counts = self.counts, {}
        return counts


def snapshot(root: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in root.rglob("*.md")
            if ".feedvault" not in p.parts}


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def crawl(config: Path, profile: Path | None = None) -> float:
    """Wall time of one `feedvault crawl`; its CPU time is added to CPU_TIMES."""
    cpu = _children_cpu()
    started = time.perf_counter()
    under = ["-m", "cProfile", "-o", str(profile)] if profile else []
    result = subprocess.run([sys.executable, *under, "-m", "crawler.cli", "crawl", "--config",
                             str(config)], cwd=REPO, capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    elapsed = time.perf_counter() - started
    CPU_TIMES.append(_children_cpu() - cpu)
    if result.returncode != 0:
        sys.exit(f"crawl failed ({result.returncode}):\n{result.stdout[-2000:]}\n"
                 f"{result.stderr[-2000:]}")
    return elapsed


def forget_paces(archive: Path) -> None:
    """Drop the per-site pace the crawls keep, so the next crawl starts every site cold."""
    with sqlite3.connect(archive / ".feedvault" / "http.sqlite") as db:
        db.execute("DELETE FROM paces")


def write_config(folder: Path, server: Server, feeds: int) -> Path:
    lines = ['[archive]', 'path = "posts"', '']
    for n in range(feeds):
        # the items carry whole articles: no article-page fetches (the teaser rule)
        lines += ["[[sources]]", f'name = "feed{n}"', f'url = "{server.base}/feed/{n}.xml"',
                  "full_text = false", ""]
    config = folder / "feedvault.toml"
    config.write_text("\n".join(lines), encoding="utf-8")
    return config


def profile_second(server: Server, feeds: int, out: Path) -> None:
    """One more first and second crawl, the second under cProfile; print where its time went."""
    with tempfile.TemporaryDirectory(prefix="feedvault-bench-") as tmp:
        config = write_config(Path(tmp), server, feeds)
        crawl(config)
        elapsed = crawl(config, profile=out)
    print(f"profile of a second crawl ({elapsed:.2f}s under cProfile) written to {out}")
    stats = pstats.Stats(str(out))
    stats.sort_stats("cumulative").print_stats(r"crawler/(cli|run)\.py|crawler/commands/crawl\.py|"
                                                r"scrapy/crawler\.py:\d+\((start|crawl)\)", 12)
    stats.sort_stats("tottime").print_stats(15)


def one_round(server: Server, feeds: int
              ) -> tuple[float, float, int, float, float, float, float]:
    with tempfile.TemporaryDirectory(prefix="feedvault-bench-") as tmp:
        folder = Path(tmp)
        config = write_config(folder, server, feeds)
        server.take_counts()
        first = crawl(config)
        server.take_counts()
        before = snapshot(folder / "posts")
        second = crawl(config)
        counts = server.take_counts()
        after = snapshot(folder / "posts")
        written = len(set(after.items()) - set(before.items()))
        share = counts.get(304, 0) / max(1, sum(counts.values()))
        forget_paces(folder / "posts")  # for comparison: the same crawl without a stored pace
        cold = crawl(config)
        return first, second, written, share, cold, CPU_TIMES[-3], CPU_TIMES[-2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--check", action="store_true",
                        help="exit 1 unless the second crawl wrote no file and >= 95%% of its "
                             "requests were answered 304 (the ratio is printed, not checked: "
                             "timings on a shared machine are noisy)")
    parser.add_argument("--profile", metavar="FILE.prof", type=Path,
                        help="after the rounds, profile one more second crawl into this file")
    args = parser.parse_args()
    for package in ("crawler", "archive", "pipelines"):  # as an installed copy has them
        compileall.compile_dir(REPO / package, quiet=1)
    server = Server(args.feeds, args.items)
    print(f"{args.feeds} feeds x {args.items} items, {args.rounds} rounds, server {server.base}")
    rows = []
    for n in range(args.rounds):
        first, second, written, share, cold, first_cpu, second_cpu = one_round(server, args.feeds)
        rows.append((first, second, written, share, cold, first_cpu, second_cpu))
        print(f"round {n + 1}: first {first:.2f}s, second {second:.2f}s, "
              f"ratio {first / second:.1f}x, files written by second {written}, "
              f"304 share {share:.1%}; second without the stored pace {cold:.2f}s; "
              f"CPU time first {first_cpu:.2f}s, second {second_cpu:.2f}s")
    first = statistics.median(r[0] for r in rows)
    second = statistics.median(r[1] for r in rows)
    ratio = statistics.median(r[0] / r[1] for r in rows)
    written = max(r[2] for r in rows)
    share = min(r[3] for r in rows)
    cold = statistics.median(r[4] for r in rows)
    second_cpu = statistics.median(r[6] for r in rows)
    cpu_ratio = statistics.median(r[5] / r[6] for r in rows)
    print(f"median: first crawl {first:.2f}s, second crawl {second:.2f}s, ratio {ratio:.1f}x "
          f"(goal >= 10x); files written by second crawl (max) {written} (goal 0); "
          f"304 share (min) {share:.1%} (goal >= 95%); second crawl with the per-site pace "
          f"forgotten {cold:.2f}s (ratio {first / cold:.1f}x); CPU time of the second crawl "
          f"{second_cpu:.2f}s (ratio {cpu_ratio:.1f}x)")
    print(f"bar: second crawl >= 10x faster than the first: "
          f"{'met' if ratio >= 10 else 'NOT met'} ({ratio:.1f}x)")
    if args.profile:
        profile_second(server, args.feeds, args.profile)
    if args.check and (written or share < 0.95):
        sys.exit("benchmark bars not met: the second crawl wrote files or missed 304s")


if __name__ == "__main__":
    main()
