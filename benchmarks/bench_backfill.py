"""Backfill speed and memory: a local server holding N articles, next to `scrapy bench`.

A threaded HTTP/1.1 server (keep-alive) in this process holds --articles articles in the
window (plus 5% older ones outside it), with listing pages and a sitemap index. One
`feedvault backfill` child process archives every article in the window through the whole
pipeline (fetch, full-text extraction, cleaning, front matter, ledger). Printed: articles per
second, next to the pages per minute `scrapy bench` reaches on the same machine in the same
run, and the backfill child's peak memory (ru_maxrss from wait4).

Fairness: AutoThrottle would slow a single local host down (that is its job), and scrapy bench
runs without it, so the benchmark turns it off through `[scrapy]` and uses scrapy bench's
concurrency (16 requests, 8 per domain). robots.txt stays obeyed (one request, 404 here).

    python benchmarks/bench_backfill.py                 # 10,000 articles, sitemap method
    python benchmarks/bench_backfill.py --articles 1000 --method list --check
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
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests._history import article_page, date_of, listing_page, sitemap, sitemap_index  # noqa: E402

STEP = timedelta(hours=6)  # four articles a day: 10,000 articles span about seven years
PER_PAGE = 20
PER_SITEMAP = 2000


class Blog(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real server answers Scrapy
    total = 0      # articles on the site (the window's plus the older ones)
    base = ""
    articles_served: ClassVar[list[int]] = []  # every article page requested (list.append is atomic)

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        body, ctype = self.page(self.path)
        if body is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = body.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def page(self, path: str) -> tuple[str | None, str]:
        html, xml = "text/html; charset=utf-8", "application/xml"
        if m := re.fullmatch(r"/posts/(\d+)\.html", path):
            n = int(m[1])
            self.articles_served.append(n)
            return (article_page(n, STEP) if n < self.total else None), html
        if m := re.fullmatch(r"/page/(\d+)", path):
            page = int(m[1])
            if (page - 1) * PER_PAGE >= self.total:
                return None, html
            return listing_page(page, PER_PAGE, self.total, STEP), html
        if path == "/sitemap.xml":
            count = -(-self.total // PER_SITEMAP)
            return sitemap_index([f"{self.base}/sitemap-{i}.xml" for i in range(count)]), xml
        if m := re.fullmatch(r"/sitemap-(\d+)\.xml", path):
            start = int(m[1]) * PER_SITEMAP
            return sitemap(self.base, range(start, min(start + PER_SITEMAP, self.total)), STEP), xml
        return None, html


def serve(total: int) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Blog)
    server.daemon_threads = True
    Blog.total = total
    Blog.base = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def scrapy_bench() -> tuple[float, list[int]]:
    """Median pages per minute of `scrapy bench` after its first second, and every sample."""
    scrapy = Path(sys.executable).with_name("scrapy")
    command = [str(scrapy)] if scrapy.exists() else [sys.executable, "-m", "scrapy.cmdline"]
    result = subprocess.run([*command, "bench"], capture_output=True, text=True, timeout=300,
                            cwd=tempfile.gettempdir())
    rates = [int(r) for r in re.findall(r"\(at (\d+) pages/min\)", result.stderr)]
    steady = [r for r in rates[1:] if r > 0]
    if not steady:
        raise SystemExit(f"scrapy bench printed no rate:\n{result.stderr[-2000:]}")
    return statistics.median(steady), steady


def backfill(folder: Path, total: int, method: str) -> dict[str, float]:
    server = serve(total + total // 20)  # 5% older than --since
    base = Blog.base
    if method == "sitemap":
        table = f'sitemap = "{base}/sitemap.xml"'
    else:
        table = (f'list_url = "{base}/page/{{page}}"\nitem_links = "article h2 a"\n'
                 'item_dates = "article time"')
    config = folder / "feedvault.toml"
    config.write_text(
        '[archive]\npath = "posts"\n\n[scrapy]\nAUTOTHROTTLE_ENABLED = false\n'
        "CONCURRENT_REQUESTS = 16\nCONCURRENT_REQUESTS_PER_DOMAIN = 8\n\n"
        f'[[sources]]\nname = "blog"\nurl = "{base}/feed.xml"\n\n[sources.backfill]\n{table}\n',
        encoding="utf-8")
    since = date_of(total - 1, STEP).isoformat()
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen(
            [sys.executable, "-m", "crawler.cli", "backfill", "blog", "--config", str(config),
             "--since", since], cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
            stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(child.pid, 0)  # this child's own peak memory
        child.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    server.shutdown()
    if child.returncode != 0:
        raise SystemExit(f"backfill failed ({child.returncode}):\n{stdout}\n{stderr[-3000:]}")
    row = next(line for line in stdout.splitlines() if line.startswith("blog "))
    new, seconds = int(row.split()[1]), float(row.split()[6])
    files = sum(1 for p in (folder / "posts").rglob("*.md") if ".feedvault" not in p.parts)
    served = Blog.articles_served
    return {"archived": new, "files": files, "wall": wall, "seconds": seconds,
            "maxrss_mb": usage.ru_maxrss / 1024,  # ru_maxrss: KiB on Linux
            "requested": len(served), "distinct": len(set(served)),
            "older_requested": len({n for n in served if n >= total})}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000, help="articles in the window")
    parser.add_argument("--method", choices=("sitemap", "list"), default="sitemap")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 unless every article in the window was archived once")
    args = parser.parse_args()

    bench, samples = scrapy_bench()
    with tempfile.TemporaryDirectory(prefix="bench-backfill-") as tmp:
        r = backfill(Path(tmp), args.articles, args.method)
    bench_per_s = bench / 60
    crawl_rate = r["archived"] / max(r["seconds"], 1e-6)
    wall_rate = r["archived"] / r["wall"]
    print(f"scrapy bench: {bench:.0f} pages/min median ({bench_per_s:.1f}/s; "
          f"samples {min(samples)}-{max(samples)}; link-following spider, no pipelines)")
    print(f"backfill ({args.method}, AutoThrottle off via [scrapy], 16 requests / 8 per domain): "
          f"{r['archived']:.0f} of {args.articles} articles archived, {r['files']:.0f} files; "
          f"article pages requested {r['requested']:.0f} ({r['distinct']:.0f} distinct, "
          f"{r['older_requested']:.0f} of the {args.articles // 20} older than --since)")
    print(f"  {crawl_rate:.1f} articles/s during the crawl ({r['seconds']:.1f} s) = "
          f"{crawl_rate / bench_per_s:.2f} x scrapy bench (goal >= 0.80)")
    print(f"  {wall_rate:.1f} articles/s for the whole command ({r['wall']:.1f} s with start-up) = "
          f"{wall_rate / bench_per_s:.2f} x scrapy bench")
    print(f"  peak memory of the backfill process: {r['maxrss_mb']:.0f} MB (goal <= 300 MB)")
    # (a date-only <lastmod> on --since's own day can bring an older article of that day in:
    # it is fetched, then left out by its own date)
    inside = r["distinct"] - r["older_requested"]
    if args.check and not (r["archived"] == r["files"] == inside == args.articles):
        print("check failed: not every article in the window was archived exactly once")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
