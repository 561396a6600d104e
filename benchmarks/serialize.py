"""Serialize step: articles per second for every preset and body format, on the seed body.

Run from the repository root:  python benchmarks/serialize.py
Prints medians of 5 rounds; "markdown" includes the HTML-to-Markdown conversion.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import feedparser

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive import PRESETS, Article, get_preset
from archive._protect import normalize
from archive.body import to_markdown

SEED_FEED = Path(__file__).resolve().parent.parent / "examples" / "feeds" / "woshipm.xml"


def per_second(work: Callable[[], object], n: int) -> float:
    rounds = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(n):
            work()
        rounds.append((time.perf_counter() - start) / n)
    return 1 / statistics.median(rounds)


def main() -> None:
    entry = feedparser.parse(SEED_FEED.read_bytes(), sanitize_html=False).entries[0]
    html = normalize(entry.description)
    article = Article(source="woshipm", title=entry.title, body=html,
                      date=datetime(2021, 4, 20, tzinfo=UTC), guid="4477608",
                      categories=("新媒体", "人人都是产品经理", "最新文章"))
    print(f"seed body: {len(html)} characters of HTML")
    convert = per_second(lambda: to_markdown(html), 100)
    print(f"{'html -> markdown (markdownify)':38} {convert:8.0f}/s")
    markdown = article.with_(body=normalize(to_markdown(html)))
    for name, preset in PRESETS.items():
        for body in preset.styles:
            for syntax in preset.syntaxes:
                configured = get_preset(name, body=body, front_matter_format=syntax)
                item = markdown if body == "markdown" else article
                text = configured.dumps(item)
                dumps = per_second(lambda c=configured, a=item: c.dumps(a), 500)
                loads = per_second(lambda c=configured, t=text: c.loads(t), 500)
                label = f"{name} {body} {syntax}"
                print(f"{label:24} dumps {dumps:8.0f}/s   loads {loads:8.0f}/s")


if __name__ == "__main__":
    main()
