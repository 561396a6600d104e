"""Score article extraction on ../shared/corpora/pages: macro P/R/F1 per set, and pages/s.

Method (corpora/README.md): bag of tokens, every CJK character one token, other text
lower-cased and split on non-word characters; precision, recall and F1 per page,
macro-averaged over the pages of a set. Pages are decoded with crawler.feeds.encoding.

    PYTHONPATH=. python benchmarks/bench_extract.py [--extractor feedvault|trafilatura|
        readability|wholepage] [--set readability] [--worst 5] [--repeat 3]
    PYTHONPATH=. python benchmarks/bench_extract.py --folds 2   # needs the `bench` extra

--folds K splits every set's pages into K folds by a hash of the page name. Fold 0 is the
tuning fold: the only pages looked at (`--worst` lists them) when writing extraction rules.
The other folds are held out: the bar (feedvault at or above the better of trafilatura and
readability-lxml on every set, at >= 100 pages/s) is judged on them alone.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
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


def fold_of(name: str, folds: int) -> int:
    """The page's fold: stable across runs, machines and corpus additions (a hash of its name)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big") % folds


def excluded_notes() -> list[str]:
    """The newspaper pages whose gold file is an annotator's note (left out of newspaper-text)."""
    scored = {name for name, *_ in cases("newspaper-text")}
    return [name for name, *_ in cases("newspaper") if name not in scored]


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


COMPARED = ("feedvault", "trafilatura", "readability")
FOLD_SETS = ("readability", "chinese-web", "newspaper-text")
BAR_SPEED = 100  # pages/s


def page_scores(extractor: Callable[[bytes, str], str],
                loaded: list[tuple[str, bytes, str, str]]) -> tuple[dict[str, float], float]:
    """F1 per page name, and the CPU seconds the extractor took (scoring not included)."""
    scores, spent = {}, 0.0
    for name, body, gold, base in loaded:
        start = time.process_time()
        try:
            text = extractor(body, base)
        except Exception as exc:  # a crash scores zero and is shown
            print(f"  {name}: {type(exc).__name__}: {exc}", file=sys.stderr)
            text = ""
        spent += time.process_time() - start
        scores[name] = prf(text, gold)[2]
    return scores, spent


def compare(folds: int, repeat: int, worst: int) -> int:
    """Per set and per fold, the F1 of feedvault, trafilatura and readability-lxml, pages/s,
    and the bar judged on the held-out folds (every fold but fold 0)."""
    loaded = {which: [(n, p.read_bytes(), g, b) for n, p, g, b in cases(which)]
              for which in FOLD_SETS}
    notes = excluded_notes()
    print(f"newspaper-text: {len(loaded['newspaper-text'])} newspaper pages with real gold; "
          f"{len(notes)} excluded, their gold is an annotator's note:")
    print("    " + " ".join(notes))
    f1: dict[str, dict[str, dict[str, float]]] = {}
    speed: dict[str, float] = {}
    for extractor in COMPARED:
        pages, seconds = 0, []
        for _ in range(repeat if extractor == "feedvault" else 1):
            spent = 0.0
            for which, pages_of_set in loaded.items():
                f1.setdefault(which, {})[extractor], took = page_scores(
                    EXTRACTORS[extractor], pages_of_set)
                spent += took
            seconds.append(spent)
            pages = sum(map(len, loaded.values()))
        speed[extractor] = pages / statistics.median(seconds)
    print(f"{folds} folds by a hash of the page name; fold 0 is the tuning fold, "
          f"the others are held out")
    print(f"{'set':<15}{'fold':<12}{'pages':>5}" + "".join(f"{e:>13}" for e in COMPARED))
    failed = []
    for which in FOLD_SETS:
        groups = [(f"{k}" + (" tuning" if k == 0 else " held-out"), {k}) for k in range(folds)]
        if folds > 2:
            groups.append(("held-out", set(range(1, folds))))
        for label, members in groups:
            names = [n for n, *_ in loaded[which] if fold_of(n, folds) in members]
            means = {e: statistics.fmean(f1[which][e][n] for n in names) if names else 0.0
                     for e in COMPARED}
            print(f"{which:<15}{label:<12}{len(names):>5}"
                  + "".join(f"{means[e]:>13.3f}" for e in COMPARED))
            if members == set(range(1, folds)) and means["feedvault"] < max(
                    means["trafilatura"], means["readability"]):
                failed.append(which)
        tuning = [n for n, *_ in loaded[which] if fold_of(n, folds) == 0]
        for name in sorted(tuning, key=lambda n: f1[which]["feedvault"][n])[:worst]:
            print("    " + "  ".join(f"{f1[which][e][name]:.3f}" for e in COMPARED)
                  + f"  {name}")
    print("speed          " + "  ".join(f"{e} {speed[e]:.0f}" for e in COMPARED)
          + f" pages/s (CPU time, decoding included, one process; feedvault: median of {repeat})")
    if speed["feedvault"] < BAR_SPEED:
        failed.append(f"speed {speed['feedvault']:.0f} pages/s")
    verdict = "met" if not failed else "not met (" + ", ".join(failed) + ")"
    print(f"bar: feedvault >= the better of trafilatura and readability-lxml on every set "
          f"(held-out folds), at >= {BAR_SPEED} pages/s: {verdict}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extractor", choices=sorted(EXTRACTORS), default="feedvault")
    parser.add_argument("--set", action="append", choices=SETS)
    parser.add_argument("--worst", type=int, default=0, help="list the N worst pages per set")
    parser.add_argument("--repeat", type=int, default=3, help="timing runs (median reported)")
    parser.add_argument("--folds", type=int, default=0, metavar="K",
                        help="compare feedvault, trafilatura and readability-lxml per fold")
    args = parser.parse_args()
    if not PAGES.is_dir():
        print(f"{PAGES} is absent", file=sys.stderr)
        return 2
    if args.folds:
        if args.folds < 2:
            parser.error("--folds needs at least 2 folds (one to tune on, one held out)")
        return compare(args.folds, args.repeat, args.worst)
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
