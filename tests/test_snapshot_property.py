"""Property: random edits between snapshots; the diff reports exactly them, export restores all."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive import Article
from archive.diff import diff_archive
from archive.presets import HEXO
from archive.snapshots import Snapshots
from archive.text import side, word_diff

WORDS = st.sampled_from(["alpha", "beta", "gamma", "新闻", "天气", "{{ tag }}", "a&b", "x: y", "—"])
TEXT = st.lists(WORDS, min_size=1, max_size=6).map(" ".join)
OPS = st.sampled_from(["keep", "remove", "move", "title", "body", "author", "move+body"])


def _write(root: Path, path: str, article: Article) -> None:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(HEXO.dumps(article), encoding="utf-8")


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in root.rglob("*") if p.is_file() and ".feedvault" not in p.parts}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    start=st.lists(st.tuples(TEXT, TEXT), min_size=1, max_size=6),
    ops=st.lists(OPS, min_size=6, max_size=6),
    added=st.lists(st.tuples(TEXT, TEXT), max_size=3),
)
def test_diff_reports_exactly_the_edits_and_export_restores(
        start: list[tuple[str, str]], ops: list[str], added: list[tuple[str, str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "posts"
        root.mkdir()
        articles = {}
        for n, (title, body) in enumerate(start):
            src = "blog" if n % 2 else "news"
            article = Article(source=src, title=title, body=f"<p>{body}</p>", guid=f"urn:{n}",
                              date=datetime(2024, 1, 1 + n, tzinfo=UTC))
            articles[n] = (f"{src}/2024/{n}.md", article)
            _write(root, *articles[n])
        snaps = Snapshots(root)
        snaps.take("one")
        state_one = _files(root)

        expected: dict[str, tuple[str, set[str], bool]] = {}
        for n, op in zip(articles, ops, strict=False):
            path, article = articles[n]
            if op == "keep":
                continue
            if op == "remove":
                (root / path).unlink()
                expected[article.guid] = ("removed", set(), False)
                continue
            new_path, new = path, article
            if op.startswith("move"):
                (root / path).unlink()
                new_path = f"{article.source}/moved/{n}.md"
            if op == "title":
                new = article.with_(title=article.title + " (updated)")
            elif op == "author":
                new = article.with_(author="Someone")
            elif op.endswith("body"):
                new = article.with_(body=article.body + "<p>An added paragraph.</p>")
            _write(root, new_path, new)
            fields = {"title": {"title"}, "author": {"author"}}.get(op, set())
            status = "moved" if op.startswith("move") else "changed"
            expected[article.guid] = (status, fields, op.endswith("body"))
        for n, (title, body) in enumerate(added, start=100):
            new = Article(source="blog", title=title, body=f"<p>{body}</p>", guid=f"urn:{n}")
            _write(root, f"blog/new/{n}.md", new)
            expected[f"urn:{n}"] = ("added", set(), False)
        second = snaps.take("two")
        assert (second is None) == (not expected)  # nothing changed: no new snapshot
        state_two = _files(root)

        diff = diff_archive(root, "latest~1", "latest") if second else diff_archive(root)
        reported = {a.identity: (a.status, {f.name for f in a.fields}, a.body is not None)
                    for a in diff.articles}
        assert reported == expected
        assert diff.files == ()
        assert diff.differs == bool(expected)

        snaps.export("latest~1" if second else "latest", Path(tmp) / "one")
        assert _files(Path(tmp) / "one") == state_one
        snaps.export("latest", Path(tmp) / "two")
        assert _files(Path(tmp) / "two") == state_two


@given(st.text(alphabet="ab 天气\n,.", max_size=30), st.text(alphabet="ab 天气\n,.", max_size=30))
def test_word_diff_segments_give_back_both_texts(old: str, new: str) -> None:
    segments = word_diff(old, new)
    assert side(segments, "delete") == old and side(segments, "insert") == new
    assert all(text for _, text in segments)
    assert (old == new) == all(op == "equal" for op, _ in segments)
