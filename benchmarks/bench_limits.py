"""Hostile sizes: how long a 100,000-item feed and 100,000-deep bodies and pages take.

Run from the repository root:  python benchmarks/bench_limits.py

Prints CPU seconds for: parsing a 100,000-item RSS feed (read up to `[crawl] max_items`,
2000), cleaning bodies nested 1,000, 100,000 and 200,000 divs deep, and extracting the
article from a 100,000-deep page. Each also says whether the innermost text survived.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from crawler.extract import extract_article  # noqa: E402
from crawler.feeds.parse import parse_feed  # noqa: E402
from pipelines._body import BodyCleaner  # noqa: E402
from tests.conftest import rss_feed, rss_item  # noqa: E402


def timed(label: str, work: object) -> None:
    started = time.process_time()
    result = work()  # type: ignore[operator]
    print(f"{label:<42} {time.process_time() - started:6.2f} s CPU  {result}")


def main() -> None:
    feed = rss_feed([rss_item(n) for n in range(100_000)]).encode()
    timed("100,000-item feed (23 MB)", lambda: (
        lambda f: f"{len(f.entries)} of {f.total} items read")(parse_feed(feed, "http://x/f")))
    cleaner = BodyCleaner()
    for depth in (1_000, 100_000, 200_000):
        body = "<div>" * depth + "<p>innermost text</p>" + "</div>" * depth
        timed(f"body {depth:,} divs deep", lambda body=body: (
            lambda b: f"text kept: {'innermost text' in b.html}, {b.unwrapped:,} unwrapped")(
                cleaner.clean(body, "http://x/a")))
    text = "A sentence of the article, long enough, with commas. " * 20
    page = ("<html><head><title>T</title></head><body>" + "<div>" * 100_000
            + f"<article><p>{text}</p></article>" + "</div>" * 100_000 + "</body></html>")
    timed("full text of a page 100,000 divs deep", lambda: (
        f"text kept: {'long enough' in extract_article(page, 'http://x/a').body_html}"))


if __name__ == "__main__":
    main()
