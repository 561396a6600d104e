"""Ablation of the extractor's rules: each rule switched off in turn, F1 change per set and fold.

A rule earns its place when switching it off costs F1 on pages that were not used to write
it. For every rule (each token of the class/id word lists, each threshold or step), the
extractor runs on every scored page of every set with that rule off; the change in macro F1
is printed per set and per fold (folds as in `bench_extract.py --folds`), with how many
pages got worse and better. Rules whose removal changes no page are listed on one line.

    PYTHONPATH=. python benchmarks/ablate_extract.py [--folds 2] [--only unlikely]
"""

from __future__ import annotations

import argparse
import contextlib
import re
import statistics
import sys
from collections.abc import Iterator
from typing import Any

from bench_extract import FOLD_SETS, PAGES, cases, fold_of, ours, page_scores
from lxml import html as lxml_html

from crawler.extract import article, auto, clean, prune
from crawler.feeds.encoding import decode

Patch = list[tuple[Any, str, Any]]
NEVER = re.compile(r"(?!x)x")  # a pattern that matches nothing


def _without(pattern: re.Pattern[str], token: str) -> re.Pattern[str]:
    kept = [t for t in pattern.pattern.split("|") if t != token]
    return re.compile("|".join(kept), pattern.flags) if kept else NEVER


def _tokens(module: Any, name: str) -> Iterator[tuple[str, Patch, re.Pattern[str]]]:
    pattern = getattr(module, name)
    for token in pattern.pattern.split("|"):
        yield (f"{name.strip('_').lower()}:{token}", [(module, name, _without(pattern, token))],
               re.compile(token, pattern.flags))


def rules() -> Iterator[tuple[str, Patch, re.Pattern[str] | None]]:
    """(rule name, the module attributes to replace to switch it off, and for a class/id
    token its pattern: only pages with a class or id it matches can change)."""
    for name in ("_UNLIKELY", "_MAYBE", "_POSITIVE", "_NEGATIVE"):
        yield from _tokens(prune, name)
    for name, patch in _steps():
        yield name, patch, None


def _steps() -> Iterator[tuple[str, Patch]]:
    yield "hidden-class", [(prune, "_HIDDEN_CLASS", NEVER)]
    yield "hidden-style", [(prune, "_HIDDEN", NEVER)]
    yield "bad-roles", [(prune, "_BAD_ROLES", set())]
    yield "aside-footer-dropped", [(prune, "_SIDE", frozenset())]
    yield "keep-tags", [(prune, "_KEEP_TAGS", {"html", "body"})]
    yield "most=1.0 (big wrappers are never furniture)", [(prune, "MOST", 1.0),
                                                          (clean, "MOST", 1.0)]
    yield "tag-bonus", [(auto, "_TAG_BONUS", {})]
    yield "min-block=0", [(auto, "MIN_BLOCK", 0)]
    yield "cjk-weight", [(auto, "_CJK", NEVER)]
    yield "widen", [(auto, "_widen", lambda top, *_: top)]
    yield "single-paragraph", [(auto, "_single_paragraph", lambda el: el)]
    yield "sibling-paragraphs", [(auto, "_belongs", lambda el, threshold, scores, stats:
                                  scores.get(el, 0) >= threshold)]
    yield "heading-is-title", [(clean, "_same_title", lambda heading, title: False)]
    yield "picture-block-kept", [(clean, "_picture", lambda *_: False)]
    yield "caption-paragraph-kept", [(clean, "_CAPTION", NEVER)]
    yield "repeated-copy-dropped", [(clean, "_drop_repeats", lambda container: None)]
    yield "conditional-cleaning", [(article, "clean_content", _unconditional)]
    yield "retry-passes", [(article, "MIN_TEXT", 0)]


def _unconditional(container: Any, title: str | None, *, conditional: bool = True) -> None:
    clean.clean_content(container, title, conditional=False)


@contextlib.contextmanager
def patched(patch: Patch) -> Iterator[None]:
    saved = [(module, name, getattr(module, name)) for module, name, _ in patch]
    try:
        for module, name, value in patch:
            setattr(module, name, value)
        _clear_caches()
        yield
    finally:
        for module, name, value in saved:
            setattr(module, name, value)
        _clear_caches()


def _clear_caches() -> None:
    for cached in (prune._weight_of, prune._hidden_class, prune._unlikely):
        cached.cache_clear()


Loaded = dict[str, list[tuple[str, bytes, str, str]]]


def run(loaded: Loaded) -> dict[str, dict[str, float]]:
    return {which: page_scores(ours, pages)[0] for which, pages in loaded.items()}


def names_of(loaded: Loaded) -> dict[tuple[str, str], set[str]]:
    """Every page's class and id values (and "class id" pairs, as prune tests them)."""
    found = {}
    for which, pages in loaded.items():
        for name, body, _gold, _base in pages:
            root = lxml_html.fromstring(decode(body).text.encode("utf-8"))
            values = set()
            for el in root.xpath("//*[@class or @id]"):
                cls, ident = el.get("class") or "", el.get("id") or ""
                values.update((cls, ident, f"{cls} {ident}"))
            found[which, name] = values
    return found


def touched(loaded: Loaded, values: dict[tuple[str, str], set[str]],
            token: re.Pattern[str]) -> Loaded:
    """The pages where a class/id token matches something: the only ones it can change."""
    return {which: [page for page in pages
                    if any(token.search(v) for v in values[which, page[0]])]
            for which, pages in loaded.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=2)
    parser.add_argument("--only", help="only rules whose name contains this")
    args = parser.parse_args()
    if not PAGES.is_dir():
        print(f"{PAGES} is absent", file=sys.stderr)
        return 2
    loaded = {which: [(n, p.read_bytes(), g, b) for n, p, g, b in cases(which)]
              for which in FOLD_SETS}
    base = run(loaded)
    values = names_of(loaded)
    header = "".join(f"{which[:11]:>12} f{k}" for which in FOLD_SETS for k in range(args.folds))
    print("F1 change x1000 with the rule off (negative: the rule helps); -worse/+better pages")
    print(f"{'rule':<44}{header}")
    neutral = []
    for name, patch, token in rules():
        if args.only and args.only not in name:
            continue
        subset = touched(loaded, values, token) if token else loaded
        with patched(patch):
            off = run(subset)
        for which in loaded:
            off[which] = {**base[which], **off[which]}
        cells, moved = [], False
        for which in FOLD_SETS:
            for k in range(args.folds):
                names = [n for n, *_ in loaded[which] if fold_of(n, args.folds) == k]
                diffs = [off[which][n] - base[which][n] for n in names]
                worse = sum(d < -0.001 for d in diffs)
                better = sum(d > 0.001 for d in diffs)
                moved = moved or bool(worse or better)
                delta = 1000 * statistics.fmean(diffs) if diffs else 0.0
                cells.append(f"{delta:+6.1f} -{worse}+{better}".rjust(15))
        if moved:
            print(f"{name[:43]:<44}" + "".join(cells), flush=True)
        else:
            neutral.append(name)
    print(f"no page changes without: {', '.join(neutral)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
