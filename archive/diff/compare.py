"""Article-level differences between two states of an archive: added, removed, moved, changed."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from archive.diff.provenance import LABELS, label, manifest_of
from archive.diff.states import NOW, State, changed_paths, read_both, resolve, snapshot_state
from archive.document import Article
from archive.errors import DocumentError
from archive.presets import Preset, get_preset
from archive.snapshots.made_with import MadeWith
from archive.snapshots.store import Snapshots
from archive.text import Segment, html_to_text, squash_whitespace, word_diff

STATUSES = ("added", "removed", "moved", "changed")
DEFAULT_IGNORED = frozenset({"updated"})
__all__ = ["ArticleChange", "Diff", "FieldChange", "FileChange", "State", "diff_archive",
           "diff_states", "snapshot_state"]


@dataclass(frozen=True)
class FieldChange:
    name: str
    old: Any
    new: Any


@dataclass(frozen=True)
class ArticleChange:
    """One article that differs; a move may also carry field and body changes."""

    status: str
    source: str
    identity: str
    title: str
    old_path: str | None
    new_path: str | None
    fields: tuple[FieldChange, ...] = ()
    body: tuple[Segment, ...] | None = None  # None: the body did not change
    markup_only: bool = False  # the text reads the same; only the HTML changed
    # why it changed (archive.diff.provenance.LABELS); None for added, removed, only moved
    provenance: str | None = None

    @property
    def path(self) -> str:
        return self.new_path or self.old_path or ""


@dataclass(frozen=True)
class FileChange:
    """A file that differs but is not an article (no front matter, another extension)."""

    status: str
    path: str


@dataclass(frozen=True)
class Diff:
    old: State
    new: State
    articles: tuple[ArticleChange, ...]
    files: tuple[FileChange, ...]
    ignored_fields: frozenset[str] = DEFAULT_IGNORED
    ignore_whitespace: bool = False
    # said once: why changed articles are labelled unknown (a side without provenance)
    notes: tuple[str, ...] = ()
    counts: dict[str, int] = field(init=False)
    # changed articles per provenance label; empty when none changed
    labels: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        found = Counter(a.status for a in self.articles)
        object.__setattr__(self, "counts", {s: found[s] for s in STATUSES})
        why = Counter(a.provenance for a in self.articles if a.provenance)
        object.__setattr__(self, "labels", {k: why[k] for k in LABELS} if why else {})

    @property
    def differs(self) -> bool:
        return bool(self.articles or self.files)

    def by_source(self) -> dict[str, dict[str, int]]:
        table: dict[str, dict[str, int]] = {}
        for change in self.articles:
            row = table.setdefault(change.source, dict.fromkeys(STATUSES, 0))
            row[change.status] += 1
        return dict(sorted(table.items()))


def diff_archive(root: Path | str, a: str | None = None, b: str | None = None, *,
                 preset: Preset | str = "hexo", ignore_fields: frozenset[str] = DEFAULT_IGNORED,
                 ignore_whitespace: bool = False, now: MadeWith | None = None) -> Diff:
    """Compare two states of the archive at root; by default the latest snapshot with now.

    now: what the archive as it is now is made with (version, configuration), so that its
    changes against a snapshot can be told apart: edited at the source, rules changed, or both."""
    root = Path(root).resolve()
    store = Snapshots(root, preset) if root.is_dir() else None
    old = resolve(a, root, store, now)
    new = resolve(b or NOW, root, store, now)
    return diff_states(old, new, preset=preset, ignore_fields=ignore_fields,
                       ignore_whitespace=ignore_whitespace)


def diff_states(old: State, new: State, *, preset: Preset | str = "hexo",
                ignore_fields: frozenset[str] = DEFAULT_IGNORED,
                ignore_whitespace: bool = False) -> Diff:
    """Match the articles of two states by identity and describe every difference."""
    preset = get_preset(preset) if isinstance(preset, str) else preset
    files: list[FileChange] = []
    old_paths, new_paths = [], []
    for status, path in changed_paths(old, new):
        if not path.endswith(preset.extension):
            files.append(FileChange(_FILE_STATUS[status], path))
            continue
        if status != "A":
            old_paths.append(path)
        if status != "D":
            new_paths.append(path)
    old_data, new_data = read_both(old, old_paths, new, new_paths)
    before, old_bad = _articles(old_data, preset)
    after, new_bad = _articles(new_data, preset)
    files += [FileChange("changed", p) for p in old_bad & new_bad]
    files += [FileChange("removed", p) for p in old_bad - new_bad]
    files += [FileChange("added", p) for p in new_bad - old_bad]
    compare = _Comparer(preset, ignore_fields, ignore_whitespace)
    changes = []
    for key in before.keys() | after.keys():
        change = compare(key, before.get(key), after.get(key))
        if change is not None:
            changes.append(change)
    changes.sort(key=lambda c: (c.source, c.path))
    files.sort(key=lambda f: f.path)
    changes, notes = _labelled(old, new, changes)
    return Diff(old, new, tuple(changes), tuple(files), ignore_fields, ignore_whitespace, notes)


def _labelled(old: State, new: State, changes: list[ArticleChange]
              ) -> tuple[list[ArticleChange], tuple[str, ...]]:
    """Each article that changed on both sides, labelled with why (provenance)."""
    touched = [c.status in ("changed", "moved") and (c.fields or c.body is not None)
               for c in changes]
    if not any(touched):
        return changes, ()
    (before, why_old), (after, why_new) = manifest_of(old), manifest_of(new)
    notes = tuple(f"{why}: its changed articles are labelled unknown"
                  for why in (why_old, why_new) if why)
    return [replace(c, provenance=label(before, after, (c.source, c.identity))) if t else c
            for c, t in zip(changes, touched, strict=True)], notes


_FILE_STATUS = {"A": "added", "D": "removed", "M": "changed"}
_Key = tuple[str, str]


def _articles(files: dict[str, bytes], preset: Preset
              ) -> tuple[dict[_Key, tuple[str, Article]], set[str]]:
    """Parse the changed files of one side: identity → (path, article), and the unparsable."""
    found: dict[_Key, tuple[str, Article]] = {}
    bad = set()
    for path, data in sorted(files.items()):
        try:
            article = preset.loads(data.decode("utf-8"), where=path)
            key = (article.source, article.identity)
        except (DocumentError, UnicodeDecodeError, ValueError):
            bad.add(path)
            continue
        found.setdefault(key, (path, article))
    return found, bad


class _Comparer:
    def __init__(self, preset: Preset, ignored: frozenset[str], ignore_whitespace: bool) -> None:
        self.preset = preset
        self.ignored = ignored
        # Like diff -w: equal when equal without any blanks; shown with blanks squashed.
        self.ignore_whitespace = ignore_whitespace
        self.squash = squash_whitespace if ignore_whitespace else (lambda text: text)

    def same(self, old: Any, new: Any) -> bool:
        if self.ignore_whitespace and isinstance(old, str) and isinstance(new, str):
            return "".join(old.split()) == "".join(new.split())
        return bool(old == new)

    def __call__(self, key: _Key, old: tuple[str, Article] | None,
                 new: tuple[str, Article] | None) -> ArticleChange | None:
        source, identity = key
        if old is None or new is None:
            path, article = new or old  # type: ignore[misc]
            status = "added" if old is None else "removed"
            return ArticleChange(status, source, identity, article.title,
                                 path if old else None, path if new else None)
        (old_path, a), (new_path, b) = old, new
        fields = self._fields(a, b)
        body, markup_only = self._body(a.body, b.body)
        moved = old_path != new_path
        if not (moved or fields or body is not None):
            return None
        return ArticleChange("moved" if moved else "changed", source, identity, b.title,
                             old_path, new_path, fields, body, markup_only)

    def _fields(self, a: Article, b: Article) -> tuple[FieldChange, ...]:
        old, new = self.preset.front_matter(a), self.preset.front_matter(b)
        names = [k for k in old if k not in self.ignored]
        names += [k for k in new if k not in old and k not in self.ignored]
        return tuple(
            FieldChange(k, old.get(k), new.get(k)) for k in names
            if not self.same(old.get(k), new.get(k))
        )

    def _body(self, old: str, new: str) -> tuple[tuple[Segment, ...] | None, bool]:
        if self.same(old, new):
            return None, False
        text_old, text_new = html_to_text(old), html_to_text(new)
        if not self.same(text_old, text_new):
            return tuple(word_diff(self.squash(text_old), self.squash(text_new))), False
        return tuple(word_diff(self.squash(old), self.squash(new))), True
