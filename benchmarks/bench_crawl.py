"""Benchmark: an end-to-end crawl of local feeds with seed-sized articles, next to a floor.

A local threaded HTTP/1.1 server on 127.0.0.1:0 holds --feeds RSS feeds of --items items, each
item's description a whole article the size of the seed article
(/work/shared/seed/000_e483ae11abf38330.txt, about 14 KB of HTML), made distinct per item.
Each round runs, in child processes, on a fresh folder:

- the crawl: `feedvault crawl` (the real CLI, `full_text = false`: the items are whole
  articles), which fetches, parses, cleans, writes and records every article durably;
- the floor: the least a crawler of these feeds must do, as a short script: read each feed
  over HTTP, feedparser with sanitize_html=False, nh3.clean() once per body, one
  python-frontmatter file per item (no fsync, no ledger, no links or images rewritten).

Printed: per-round wall and CPU times, the medians, the median of the rounds' ratios crawl /
floor (goal <= 2.0x), the same for CPU time, and each child's peak memory (ru_maxrss from
wait4). The crawl's fsyncs make its wall time depend on the other jobs writing to the disk.
--profile FILE writes a cProfile of one crawl (run in the child, in-process to Scrapy)
instead, for `python -m pstats FILE`. --capture adds to each round the same crawl with
`[archive] capture = "warc"` and prints its time next to the crawl without capture, the
median ratio, and the captures' bytes on disk per article (.feedvault/captures/).

    python benchmarks/bench_crawl.py [--rounds 3] [--feeds 100] [--items 50] [--profile FILE]
                                     [--capture]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEED = Path("/work/shared/seed/000_e483ae11abf38330.txt")
# Used when the seed is not on this machine: a paragraph repeated to the seed's size.
_FALLBACK = ("<p>A paragraph of an article with <a href=\"/more\">a link</a>, <em>some</em> "
             "<strong>emphasis</strong> and an image <img src=\"/img/a.jpg\" width=\"600\">.</p>\n")


def seed_body() -> str:
    """The seed article's HTML body (after its front matter), or one of the same size."""
    if SEED.exists():
        text = SEED.read_text(encoding="utf-8")
        parts = text.split("---", 2)
        return (parts[2] if len(parts) == 3 else text).strip()
    return _FALLBACK * 40


def feed(n: int, items: int, body: str) -> bytes:
    body = body.replace("]]>", "]]&gt;")
    entries = "".join(
        f"<item><title>Feed {n} article {i}</title>"
        f"<link>http://example.invalid/{n}/{i}</link><guid>urn:bench:{n}:{i}</guid>"
        f"<pubDate>Mon, 01 Jan 2024 {i % 24:02d}:{i % 60:02d}:00 +0000</pubDate>"
        f"<description><![CDATA[<p>Article {i} of feed {n}.</p>{body}]]></description></item>"
        for i in range(items)
    )
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>Feed {n}</title><link>http://example.invalid/{n}/</link>{entries}"
            "</channel></rss>").encode()


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # Python's default of 5 drops SYNs under Scrapy's concurrency
    daemon_threads = True


def serve(feeds: int, items: int) -> str:
    body = seed_body()
    bodies = {f"/feed/{n}.xml": feed(n, items, body) for n in range(feeds)}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            payload = bodies.get(self.path)
            self.send_response(200 if payload is not None else 404)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(payload or b"")))
            self.end_headers()
            self.wfile.write(payload or b"")

        def log_message(self, *args: object) -> None:
            pass

    httpd = _Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{httpd.server_address[1]}"


FLOOR = r'''
import sys, urllib.request
from pathlib import Path
import feedparser, frontmatter, nh3

base, feeds, out = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
written = 0
for n in range(feeds):
    with urllib.request.urlopen(f"{base}/feed/{n}.xml") as answer:
        parsed = feedparser.parse(answer.read(), sanitize_html=False)
    folder = out / f"feed{n}"
    folder.mkdir(parents=True, exist_ok=True)
    for i, entry in enumerate(parsed.entries):
        post = frontmatter.Post(nh3.clean(entry.get("summary", "")), title=entry.get("title"),
                                date=entry.get("published"), link=entry.get("link"),
                                guid=entry.get("id"))
        (folder / f"{i}.md").write_text(frontmatter.dumps(post), encoding="utf-8")
        written += 1
print(written)
'''


def run_measured(args: list[str]) -> tuple[float, float, float, str]:
    """Wall seconds, the child's CPU seconds and own peak memory (MB, ru_maxrss), from wait4,
    and its stdout."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen(args, cwd=REPO, stdout=out, stderr=err, text=True,
                                 env={**os.environ, "PYTHONPATH": str(REPO)})
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if child.returncode != 0:
        sys.exit(f"{args[1:4]} failed ({child.returncode}):\n{stdout[-2000:]}\n{stderr[-2000:]}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, stdout


def config(folder: Path, base: str, feeds: int, *, capture: bool = False) -> Path:
    lines = ['[archive]', 'path = "posts"', *(['capture = "warc"'] if capture else []), '']
    for n in range(feeds):
        lines += ["[[sources]]", f'name = "feed{n}"', f'url = "{base}/feed/{n}.xml"',
                  "full_text = false", ""]
    path = folder / "feedvault.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def articles(folder: Path) -> int:
    return sum(1 for p in folder.rglob("*.md") if ".feedvault" not in p.parts)


def captured(base: str, feeds: int) -> dict[str, float]:
    """One crawl with capture on: its wall time and the bytes its WARC files take."""
    with tempfile.TemporaryDirectory(prefix="feedvault-bench-") as tmp:
        folder = Path(tmp)
        seconds, _, _, _ = run_measured(
            [sys.executable, "-m", "crawler.cli", "crawl", "--config",
             str(config(folder, base, feeds, capture=True))])
        warcs = folder / "posts" / ".feedvault" / "captures"
        size = sum(p.stat().st_size for p in warcs.glob("*.warc.gz"))
        index = sum(p.stat().st_size for p in warcs.glob("index.sqlite*"))
        return {"capture": seconds, "capture_bytes": size, "index_bytes": index,
                "captured": articles(folder / "posts")}


def one_round(base: str, feeds: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="feedvault-bench-") as tmp:
        folder = Path(tmp)
        crawl_s, crawl_cpu, crawl_mb, _ = run_measured(
            [sys.executable, "-m", "crawler.cli", "crawl", "--config",
             str(config(folder, base, feeds))])
        crawled = articles(folder / "posts")
        floor_s, floor_cpu, floor_mb, out = run_measured(
            [sys.executable, "-c", FLOOR, base, str(feeds), str(folder / "floor")])
        return {"crawl": crawl_s, "crawl_cpu": crawl_cpu, "crawl_mb": crawl_mb,
                "crawled": crawled, "floor": floor_s, "floor_cpu": floor_cpu,
                "floor_mb": floor_mb, "floored": int(out.strip() or 0)}


def profile(base: str, feeds: int, target: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="feedvault-bench-") as tmp:
        folder = Path(tmp)
        seconds, _, _, _ = run_measured(
            [sys.executable, "-m", "cProfile", "-o", str(target.resolve()), "-m", "crawler.cli",
             "crawl", "--config", str(config(folder, base, feeds))])
        print(f"profiled crawl {seconds:.2f}s ({articles(folder / 'posts')} articles): "
              f"python -m pstats {target}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--feeds", type=int, default=100)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--profile", type=Path, help="write a cProfile of one crawl to FILE")
    parser.add_argument("--capture", action="store_true",
                        help="also crawl with capture = \"warc\": overhead and bytes per article")
    args = parser.parse_args()
    base = serve(args.feeds, args.items)
    size = len(re.sub(r"\s+", " ", seed_body()).encode())
    print(f"{args.feeds} feeds x {args.items} items of ~{size // 1024} KB, server {base}")
    if args.profile:
        profile(base, args.feeds, args.profile)
        return
    rows = []
    for n in range(args.rounds):
        row = one_round(base, args.feeds)
        rows.append(row)
        print(f"round {n + 1}: crawl {row['crawl']:.2f}s (CPU {row['crawl_cpu']:.2f}s, "
              f"{row['crawled']} articles, peak {row['crawl_mb']:.0f} MB), floor "
              f"{row['floor']:.2f}s (CPU {row['floor_cpu']:.2f}s, {row['floored']} files, peak "
              f"{row['floor_mb']:.0f} MB), ratio {row['crawl'] / row['floor']:.2f}x")
        if args.capture:
            row.update(captured(base, args.feeds))
            print(f"round {n + 1}: with capture {row['capture']:.2f}s, without "
                  f"{row['crawl']:.2f}s, ratio {row['capture'] / row['crawl']:.2f}x; "
                  f"{row['capture_bytes'] / max(1, row['captured']):.0f} bytes of WARC per article "
                  f"({row['captured']} articles)")
    crawl = statistics.median(r["crawl"] for r in rows)
    floor = statistics.median(r["floor"] for r in rows)
    total = args.feeds * args.items
    # crawl and floor run back to back: the ratio of one round is less exposed to the other
    # jobs on the machine than the ratio of the medians
    ratio = statistics.median(r["crawl"] / r["floor"] for r in rows)
    cpu = statistics.median(r["crawl_cpu"] / r["floor_cpu"] for r in rows)
    print(f"median: crawl {crawl:.2f}s ({total / crawl:.0f} articles/s), floor {floor:.2f}s "
          f"({total / floor:.0f} articles/s), ratio {ratio:.2f}x (goal <= 2.0x), CPU-time ratio "
          f"{cpu:.2f}x; "
          f"peak memory crawl {max(r['crawl_mb'] for r in rows):.0f} MB, floor "
          f"{max(r['floor_mb'] for r in rows):.0f} MB")
    if args.capture:
        with_capture = statistics.median(r["capture"] for r in rows)
        overhead = statistics.median(r["capture"] / r["crawl"] for r in rows)
        per_article = statistics.median(r["capture_bytes"] / max(1, r["captured"]) for r in rows)
        print(f"capture: median crawl {with_capture:.2f}s with capture vs {crawl:.2f}s without, "
              f"ratio {overhead:.2f}x; {per_article:.0f} bytes of WARC per article "
              f"(index {statistics.median(r['index_bytes'] for r in rows) / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
