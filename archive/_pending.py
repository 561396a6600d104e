"""A group's article files: written to temporary files at once, made durable and renamed together.

Each fsync of a file on its own waits for a journal commit of the filesystem; a group's
files synced together (from a few threads: the filesystem serves their waits with shared
commits) pay for about one. Until `commit` the files are only in the archive's temporary
folder (a crash loses them: the ledger does not know them either, and the next open sweeps
them); `get` gives their bytes to the lookups that must see them.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import tempfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from archive._contained import open_folder, refuse_link

_SYNC_THREADS = 8


@dataclass
class _File:
    folder: int  # the open folder it goes into, checked free of links
    name: str
    temporary: str
    data: bytes


def _fsync(path: str | Path, flags: int = os.O_RDONLY | os.O_CLOEXEC) -> None:
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(path: Path) -> None:
    _fsync(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)


class PendingFiles:
    """The files written since the last `commit`, by their relative POSIX path."""

    def __init__(self, root: Path, tmp_dir: Path) -> None:
        self.root = root
        self.tmp_dir = tmp_dir
        self._files: dict[str, _File] = {}
        self._pool: ThreadPoolExecutor | None = None  # made at the first commit, kept

    def _threads(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(_SYNC_THREADS, thread_name_prefix="feedvault-sync")
        return self._pool

    def __contains__(self, path: str) -> bool:
        return path in self._files

    def __len__(self) -> int:
        return len(self._files)

    def get(self, path: str) -> bytes | None:
        found = self._files.get(path)
        return found.data if found else None

    def add(self, path: str, parts: Sequence[str], data: bytes) -> None:
        """Write data for root/parts to a temporary file (no fsync yet), after making its
        folders; ArchiveLinkError, and nothing written, when a part of the way is a link.
        OSError as the write raises it (a full disk: then nothing is left behind)."""
        folder = open_folder(self.root, parts[:-1], create=True)
        try:
            refuse_link(self.root, parts, folder)
            fd, temporary = tempfile.mkstemp(dir=self.tmp_dir, suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(temporary)
                raise
        except BaseException:
            os.close(folder)
            raise
        self._drop(path)  # an earlier version of the same file in this group
        self._files[path] = _File(folder, parts[-1], temporary, data)

    def commit(self) -> set[Path]:
        """fsync every file, then rename each into place; returns the folders written into
        (and the ones above them), whose fsync makes the renames durable. OSError when a
        file cannot be synced or renamed: the ones not renamed yet are dropped."""
        files, self._files = self._files, {}
        touched: set[Path] = set()
        if not files:
            return touched
        try:
            list(self._threads().map(_fsync, (f.temporary for f in files.values())))
            for path, file in list(files.items()):
                os.replace(file.temporary, file.name, dst_dir_fd=file.folder)
                files.pop(path)
                os.close(file.folder)
                parts = Path(path).parts
                touched.update(self.root.joinpath(*parts).parents[:len(parts)])
        finally:
            for file in files.values():
                _discard(file)
        return touched

    def sync_folders(self, folders: Iterable[Path]) -> None:
        """fsync each folder, deepest first (a new folder is durable before its parent's
        entry for it), the folders of one depth together, from the threads that synced the
        files: the renames into them, and the folders made, survive a power cut. OSError
        when one cannot be synced."""
        by_depth = sorted(set(folders), key=lambda p: len(p.parts), reverse=True)
        for _, level in itertools.groupby(by_depth, key=lambda p: len(p.parts)):
            list(self._threads().map(_fsync_folder, level))

    def discard(self) -> None:
        """Forget every file not committed (their temporary files removed)."""
        files, self._files = self._files, {}
        for file in files.values():
            _discard(file)

    def close(self) -> None:
        """Discard what was not committed and stop the sync threads."""
        self.discard()
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def _drop(self, path: str) -> None:
        earlier = self._files.pop(path, None)
        if earlier is not None:
            _discard(earlier)


def _discard(file: _File) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(file.temporary)
    os.close(file.folder)
