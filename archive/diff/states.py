"""The two sides of a diff: a snapshot, the archive as it is now, or another folder."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from archive.errors import ArchiveError, SnapshotError
from archive.snapshots.made_with import MadeWith
from archive.snapshots.store import Snapshot, Snapshots
from archive.store import HIDDEN

Kind = Literal["snapshot", "archive", "directory"]
_SNAPSHOT_WORDS = re.compile(r"^(latest(~\d+)?|@.+)$")
NOW = "now"


@dataclass
class State:
    """One side of a diff; `tree` is a git tree when the side lives in the snapshot store."""

    kind: Kind
    label: str
    spec: str
    tree: str | None = None
    snapshot: Snapshot | None = None
    folder: Path | None = None
    made_with: MadeWith | None = None  # the archive now: the rules it is made by
    _store: Snapshots | None = field(default=None, repr=False)
    _listing: dict[str, str] | None = field(default=None, repr=False)

    def listing(self) -> dict[str, str]:
        """path → git blob id of every file."""
        if self._listing is None:
            if self.tree is not None and self._store is not None:
                self._listing = self._store.git.listing(self.tree)
            else:
                assert self.folder is not None
                self._listing = _folder_listing(self.folder)
        return self._listing

    def read(self, paths: list[str]) -> dict[str, bytes]:
        if self.tree is not None and self._store is not None:
            return self._store.git.blobs(self.tree, paths)
        assert self.folder is not None
        result = {}
        for path in paths:
            try:
                result[path] = (self.folder / path).read_bytes()
            except OSError as exc:
                raise ArchiveError(f"{self.folder / path}: cannot read: {exc.strerror}") from exc
        return result


def resolve(spec: str | None, archive_root: Path, store: Snapshots | None,
            now: MadeWith | None = None) -> State:
    """A command-line side (`latest`, `latest~N`, `@DATE`, an id, a folder, `now`) as a State.

    `None` means the latest snapshot; now: what the archive as it is now is made with.
    """
    spec = spec or "latest"
    folder = Path(spec)
    if spec == NOW or (folder.is_dir() and _same(folder, archive_root)):
        store = _need(store, spec)
        return State("archive", f"archive {archive_root} (now)", spec, tree=store.current_tree(),
                     folder=archive_root, made_with=now, _store=store)
    if not _SNAPSHOT_WORDS.match(spec) and folder.is_dir():
        return State("directory", f"folder {folder}", spec, folder=folder.resolve())
    store = _need(store, spec)
    return snapshot_state(store, store.get(spec), spec)


def snapshot_state(store: Snapshots, snap: Snapshot, spec: str | None = None) -> State:
    label = f"snapshot {snap.short} ({snap.time:%Y-%m-%d %H:%M}, {snap.message})"
    return State("snapshot", label, spec or snap.short, tree=snap.tree, snapshot=snap,
                 _store=store)


def _need(store: Snapshots | None, spec: str) -> Snapshots:
    if store is None:
        raise SnapshotError(f"{spec}: not a folder, and there is no archive to find snapshots in")
    return store


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _folder_listing(root: Path) -> dict[str, str]:
    """Every file under root (not the hidden folder, not .git) with its git blob id."""
    if not root.is_dir():
        raise ArchiveError(f"{root}: not a folder")
    result = {}
    for folder, dirs, files in os.walk(root):
        rel = Path(folder).relative_to(root)
        dirs[:] = [d for d in dirs if d != ".git" and not (rel == Path() and d == HIDDEN)]
        for name in files:
            full = Path(folder, name)
            try:
                data = os.readlink(full).encode() if full.is_symlink() else full.read_bytes()
            except OSError as exc:
                raise ArchiveError(f"{full}: cannot read: {exc.strerror}") from exc
            digest = hashlib.sha1(b"blob %d\0" % len(data))
            digest.update(data)
            result[(rel / name).as_posix()] = digest.hexdigest()
    return result


def read_both(old: State, old_paths: list[str], new: State, new_paths: list[str]
              ) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """Both sides' files; one `git cat-file` process when both live in the snapshot store."""
    store = old._store
    if old.tree is None or new.tree is None or store is None or new._store is not store:
        return old.read(old_paths), new.read(new_paths)
    data = store.git.read([(old.tree, p) for p in old_paths] + [(new.tree, p) for p in new_paths])
    return ({p: data[old.tree, p] for p in old_paths}, {p: data[new.tree, p] for p in new_paths})


def changed_paths(old: State, new: State) -> list[tuple[str, str]]:
    """(A/D/M, path) for every file that differs; git compares trees, folders are hashed."""
    if old.tree is not None and new.tree is not None and old._store is not None:
        return [(s if s in "AD" else "M", p) for s, p in old._store.git.changed(old.tree, new.tree)]
    a, b = old.listing(), new.listing()
    result = [("D", p) for p in a.keys() - b.keys()]
    result += [("A", p) for p in b.keys() - a.keys()]
    result += [("M", p) for p in a.keys() & b.keys() if a[p] != b[p]]
    return sorted(result, key=lambda sp: sp[1])
