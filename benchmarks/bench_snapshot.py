"""Benchmark: snapshots and diffs of a large archive against plain git on the same tree.

    PYTHONPATH=. python benchmarks/bench_snapshot.py [--articles 100000] [--rounds 3]

Articles are written directly as Hexo files with `HEXO.dumps` (not `Archive.put`, which
fsyncs every file and records a ledger row: an hour at 100,000 articles, and the snapshot
store never looks at the ledger). Each feedvault operation runs in a fresh child process;
its time is measured inside the child (interpreter start-up excluded) and its peak memory
is `getrusage(RUSAGE_SELF).ru_maxrss` of the child, with the largest git process it
started (`RUSAGE_CHILDREN`) reported beside it. The baseline is the git command on the
same work tree with a separate GIT_DIR: `git add -A && git commit` (gc.auto=0 for both
sides) and `git diff --stat` plus reading and parsing both versions of every changed
article. Every round changes 1% of the articles: 60% body edits, 10% title edits, 10%
moves, 10% removals, and as many new articles as 10%.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive import Article
from archive.presets import HEXO

WORDS = [
    "feed", "archive", "news", "market", "policy", "数据", "产品", "用户", "growth", "signal",
    "report", "release", "update", "change", "price", "model", "city", "river", "light",
    "story"
]
GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
           "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "b",
           "GIT_COMMITTER_EMAIL": "b@b"}


def _article(n: int, rng: random.Random, title: str | None = None) -> Article:
    paragraphs = ["<p>" + " ".join(rng.choices(WORDS, k=60)) + "</p>" for _ in range(5)]
    return Article(
        source=f"src{n % 20:02d}", title=title or f"Article {n} about {rng.choice(WORDS)}",
        body="\n".join(paragraphs), guid=f"urn:bench:{n}",
        original_url=f"https://example.invalid/{n}", author="Bench",
        categories=("news", "bench"),
        date=datetime(2020, 1, 1, tzinfo=UTC) + timedelta(hours=n),
        updated=datetime(2024, 1, 1, tzinfo=UTC),
    )


def _path(n: int, article: Article, moved: bool = False) -> str:
    assert article.date is not None
    folder = "moved" if moved else f"{article.date:%Y}"
    return f"{article.source}/{folder}/{article.date:%Y-%m-%d}-article-{n}.md"


def _write(root: Path, path: str, article: Article) -> None:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(HEXO.dumps(article), encoding="utf-8")


def generate(root: Path, count: int) -> dict[int, str]:
    rng = random.Random(7)
    paths = {}
    for n in range(count):
        article = _article(n, rng)
        paths[n] = _path(n, article)
        _write(root, paths[n], article)
    return paths


def change_one_percent(root: Path, paths: dict[int, str], round_: int) -> None:
    rng = random.Random(100 + round_)
    chosen = rng.sample(sorted(paths), max(10, len(paths) // 100))
    tenth = len(chosen) // 10
    for i, n in enumerate(chosen):
        path = paths[n]
        article = HEXO.loads((root / path).read_text(encoding="utf-8"))
        if i < tenth:  # removed
            (root / path).unlink()
            del paths[n]
        elif i < 2 * tenth:  # moved
            (root / path).unlink()
            paths[n] = _path(n, article, moved=True)
            _write(root, paths[n], article)
        elif i < 3 * tenth:  # title edited
            _write(root, path, article.with_(title=article.title + f" (rev {round_})"))
        else:  # body edited
            words = article.body.split(" ")
            words[rng.randrange(len(words))] = f"edited{round_}"
            _write(root, path, article.with_(body=" ".join(words)))
    start = max(paths) + 1
    for n in range(start, start + tenth):  # new
        article = _article(n, rng)
        paths[n] = _path(n, article)
        _write(root, paths[n], article)


def child(op: str, root: str, *args: str) -> None:
    """Run one feedvault operation in this (fresh) process and print its figures as JSON."""
    from archive.diff import diff_archive, render_text
    from archive.snapshots.store import Snapshots

    start = time.perf_counter()
    if op == "snapshot":
        snap = Snapshots(root).take(args[0])
        detail = f"{snap.articles} articles, {snap.added} added, {snap.removed} removed, " \
                 f"{snap.moved} moved, {snap.changed} changed" if snap else "nothing"
    else:
        diff = diff_archive(root, args[0], args[1])
        text = render_text(diff)
        detail = f"{diff.counts}, {len(text)} characters of text"
    seconds = time.perf_counter() - start
    print(json.dumps({
        "seconds": seconds, "detail": detail,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "git_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }))


def feedvault(op: str, root: Path, *args: str) -> dict[str, float | str]:
    out = subprocess.run([sys.executable, __file__, "--child", op, str(root), *args],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def git(git_dir: Path, root: Path, command: str) -> float:
    env = {**os.environ, **GIT_ENV, "GIT_DIR": str(git_dir), "GIT_WORK_TREE": str(root)}
    start = time.perf_counter()
    subprocess.run(command, shell=True, check=True, env=env, cwd=root, capture_output=True)
    return time.perf_counter() - start


def read_changed(git_dir: Path, root: Path) -> float:
    """Read and parse both versions of every article `git diff` names: the diff's floor."""
    env = {**os.environ, **GIT_ENV, "GIT_DIR": str(git_dir), "GIT_WORK_TREE": str(root)}
    start = time.perf_counter()
    names = subprocess.run(["git", "diff", "--name-status", "--no-renames", "HEAD~1", "HEAD"],
                           env=env, check=True, capture_output=True, text=True).stdout
    specs = []
    for line in names.splitlines():
        status, path = line.split("\t", 1)
        if status != "A":
            specs.append(f"HEAD~1:{path}")
        if status != "D":
            specs.append(f"HEAD:{path}")
    out = subprocess.run(["git", "cat-file", "--batch"], input="\n".join(specs).encode() + b"\n",
                         env=env, check=True, capture_output=True).stdout
    pos = 0
    for _ in specs:
        end = out.index(b"\n", pos)
        size = int(out[pos:end].split()[2])
        HEXO.loads(out[end + 1 : end + 1 + size].decode("utf-8"))
        pos = end + 2 + size
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="feedvault-bench-"))
    root, base = work / "archive", work / "baseline.git"
    try:
        start = time.perf_counter()
        paths = generate(root, args.articles)
        print(f"generated {args.articles} articles with HEXO.dumps in "
              f"{time.perf_counter() - start:.1f} s ({work})")
        subprocess.run(["git", "init", "-q", "--bare", str(base)], check=True,
                       env={**os.environ, **GIT_ENV})
        (base / "info" / "exclude").write_text("/.feedvault/\n")
        subprocess.run(["git", f"--git-dir={base}", "config", "core.bare", "false"], check=True)
        for p in root.rglob("*.md"):  # warm the page cache for both sides alike
            p.read_bytes()

        commit = "git -c gc.auto=0 add -A && git -c gc.auto=0 commit -q -m x"
        first_git = git(base, root, commit)
        first = feedvault("snapshot", root, "first")
        print(f"\nfirst snapshot   feedvault {first['seconds']:7.2f} s   git add+commit "
              f"{first_git:7.2f} s   ratio {first['seconds'] / first_git:4.2f}   "
              f"peak RSS {first['rss_mb']:.0f} MB (git {first['git_rss_mb']:.0f} MB)")

        rows = []
        for round_ in range(args.rounds):
            change_one_percent(root, paths, round_)
            time.sleep(1.1)  # step out of the index's racy-git second, as a real crawl would
            if round_ % 2:  # alternate who goes first: the shared disk cache favours neither
                snap = feedvault("snapshot", root, f"round {round_}")
                t_git = git(base, root, commit)
            else:
                t_git = git(base, root, commit)
                snap = feedvault("snapshot", root, f"round {round_}")
            t_stat = git(base, root, "git diff --stat HEAD~1 HEAD")
            t_read = read_changed(base, root)
            diff = feedvault("diff", root, "latest~1", "latest")
            rows.append((snap, t_git, diff, t_stat, t_read))
            print(f"round {round_}: snapshot {snap['seconds']:.3f} s vs git {t_git:.3f} s; "
                  f"diff {diff['seconds']:.3f} s vs git diff --stat {t_stat:.3f} s + read "
                  f"{t_read:.3f} s; {snap['detail']}; diff {diff['detail']}")

        med = statistics.median
        s, g = med(r[0]["seconds"] for r in rows), med(r[1] for r in rows)
        d, floor = med(r[2]["seconds"] for r in rows), med(r[3] + r[4] for r in rows)
        peak = max([first["rss_mb"], *(r[0]["rss_mb"] for r in rows),
                    *(r[2]["rss_mb"] for r in rows)])
        git_peak = max([first["git_rss_mb"], *(r[0]["git_rss_mb"] for r in rows),
                        *(r[2]["git_rss_mb"] for r in rows)])
        print(f"\nmedians over {args.rounds} rounds of 1% changes ({args.articles} articles):")
        ratios = [r[0]["seconds"] / r[1] for r in rows]
        print(f"  snapshot after 1%: {s:.3f} s vs git add -A && git commit {g:.3f} s: "
              f"ratio {s / g:.2f}; per round: median {med(ratios):.2f}, best {min(ratios):.2f} "
              "(goal <= 1.5)")
        print(f"  first snapshot:    ratio {first['seconds'] / first_git:.2f} (goal <= 1.5)")
        ratios = [r[2]["seconds"] / (r[3] + r[4]) for r in rows]
        print(f"  diff:              {d:.3f} s vs git diff --stat + reading the changed "
              f"articles {floor:.3f} s: ratio {d / floor:.2f}; "
              f"per round: median {med(ratios):.2f}, "
              f"best {min(ratios):.2f} (goal <= 1.5)")
        print(f"  peak memory:       {peak:.0f} MB in feedvault's process, {git_peak:.0f} MB "
              f"in its largest git child (goal <= 300 MB)")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:])
    else:
        main()
