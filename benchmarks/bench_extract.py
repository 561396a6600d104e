"""Score article extraction on ../shared/corpora/pages: macro P/R/F1 per set, and pages/s.

Method (corpora/README.md): bag of tokens, every CJK character one token, other text
lower-cased and split on non-word characters; precision, recall and F1 per page,
macro-averaged over the pages of a set. Pages are decoded with crawler.feeds.encoding.

    PYTHONPATH=. python benchmarks/bench_extract.py [--extractor feedvault|trafilatura|
        readability|wholepage] [--set readability] [--worst 5] [--repeat 3]
"""

from __future__ import annotations

import argparse
import contextlib
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

from lxml import html as lxml_html

from crawler.extract import extract_article
from crawler.feeds.encoding import decode

PAGES = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "pages"
READABILITY_BASE = "http://fakehost/test/page.html"
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
TOKEN = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")


def tokens(text: str) -> Counter[str]:
    return Counter(TOKEN.findall(text.lower()))


def prf(predicted: str, gold: str) -> tuple[float, float, float]:
    p, g = tokens(predicted), tokens(gold)
    common = sum((p & g).values())
    if not common:
        return 0.0, 0.0, 0.0
    precision, recall = common / sum(p.values()), common / sum(g.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


def html_text(markup: str) -> str:
    root = lxml_html.fromstring(markup or "<p></p>")
    for bad in root.xpath("//script|//style"):
        bad.drop_tree()
    return root.text_content()


def cases(which: str) -> Iterator[tuple[str, Path, str, str]]:
    """(name, page file, gold text, base URL) for one corpus set."""
    if which == "readability":
        for folder in sorted(p for p in (PAGES / "readability").iterdir() if p.is_dir()):
            gold = html_text((folder / "expected.html").read_text(encoding="utf-8"))
            yield folder.name, folder / "source.html", gold, READABILITY_BASE
    elif which == "chinese-web":
        root = PAGES / "chinese-web"
        for page in sorted((root / "original").glob("*.html")):
            gold = (root / "cleaned" / f"{page.stem}.txt").read_text(encoding="utf-8")
            yield page.stem, page, gold, "http://example.invalid/"
    else:  # newspaper, newspaper-text
        root = PAGES / "newspaper"
        for page in sorted((root / "html").glob("*.html")):
            for stem in (page.stem, page.stem.replace("_article", "")):
                gold_file = root / "text" / f"{stem}.txt"
                if gold_file.is_file() and gold_file.stat().st_size:
                    gold = gold_file.read_text(encoding="utf-8")
                    if which == "newspaper-text" and is_note(gold):
                        break
                    yield page.stem, page, gold, "http://example.invalid/"
                    break


def is_note(gold: str) -> bool:
    """A newspaper 'gold' file that is an annotator's note (all capitals), not article text."""
    return any(c.isalpha() for c in gold) and not any(c.islower() for c in gold)


def ours(body: bytes, base: str) -> str:
    return extract_article(decode(body).text, base).text


def _trafilatura(body: bytes, base: str) -> str:
    import trafilatura

    return trafilatura.extract(decode(body).text, url=base) or ""


def _readability(body: bytes, base: str) -> str:
    from readability import Document

    return html_text(Document(decode(body).text, url=base).summary())


def _wholepage(body: bytes, base: str) -> str:
    return html_text(decode(body).text)


# newspaper-text: the newspaper pages minus the 23 whose "gold" is an annotator's note such
# as "FAILED, ENTIRE ARTICLE LOADED VIA JS" (no extractor can score on those); not timed.
SETS = ["readability", "chinese-web", "newspaper", "newspaper-text"]
EXTRACTORS: dict[str, Callable[[bytes, str], str]] = {
    "feedvault": ours, "trafilatura": _trafilatura, "readability": _readability,
    "wholepage": _wholepage,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extractor", choices=sorted(EXTRACTORS), default="feedvault")
    parser.add_argument("--set", action="append", choices=SETS)
    parser.add_argument("--worst", type=int, default=0, help="list the N worst pages per set")
    parser.add_argument("--repeat", type=int, default=3, help="timing runs (median reported)")
    args = parser.parse_args()
    if not PAGES.is_dir():
        print(f"{PAGES} is absent", file=sys.stderr)
        return 2
    extractor = EXTRACTORS[args.extractor]
    total_pages, timings = 0, []
    for which in args.set or SETS:
        loaded = [(name, path.read_bytes(), gold, base) for name, path, gold, base in cases(which)]
        scores = []
        for name, body, gold, base in loaded:
            try:
                text = extractor(body, base)
            except Exception as exc:  # a crash scores zero and is shown
                print(f"  {name}: {type(exc).__name__}: {exc}", file=sys.stderr)
                text = ""
            scores.append((prf(text, gold), name))
        p, r, f = (statistics.fmean(s[i] for s, _ in scores) for i in range(3))
        print(f"{which:<12} pages {len(loaded):>4}  P {p:.3f}  R {r:.3f}  F1 {f:.3f}")
        for (sp, sr, sf), name in sorted(scores, key=lambda s: s[0][2])[: args.worst]:
            print(f"    {sf:.3f}  P {sp:.3f} R {sr:.3f}  {name}")
        if which != "newspaper-text":
            timings.append(loaded)
            total_pages += len(loaded)
    runs = []
    for _ in range(args.repeat):
        start = time.process_time()  # CPU time: the machine is shared, wall time is noisy
        for loaded in timings:
            for _name, body, _gold, base in loaded:
                with contextlib.suppress(Exception):
                    extractor(body, base)
        runs.append(time.process_time() - start)
    print(f"speed        {total_pages / statistics.median(runs):.0f} pages/s "
          f"(CPU time, median of {args.repeat}, decoding included, one process)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
