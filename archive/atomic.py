"""Atomic file replacement: temporary file, fsync, rename. The one way feedvault replaces a file.

Readers of the file (a site generator, a monitor reading a report) see the old content or
the new, never half of it, and a crash leaves at worst a stray `*.tmp` file (`sweep`).
Public API: `atomic_write(path, data)` for a path, `atomic_write_at(folder_fd, name,
data)` inside an already opened folder (never following a link in the last step), and
`sync_folders(paths)`: the folders' fsyncs a group of writes left to its end.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from collections.abc import Iterable
from pathlib import Path

_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


__all__ = ["atomic_write", "atomic_write_at", "sweep", "sync_folders"]


def atomic_write(target: Path, data: bytes, tmp_dir: Path | None = None, *,
                 mode: int | None = None) -> None:
    """Replace target with data so that readers see the old file or the new one, never a mix.

    The folders on the way are made. The temporary file is written in tmp_dir, which must
    be on the same filesystem as target (the archive's own), or else as a hidden
    `.NAME.xxxxxxxx.tmp` beside target. A link at target is replaced, not followed.
    mode: the new file's permission bits (e.g. the replaced file's), else 0o644 less umask.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    folder = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        atomic_write_at(folder, target.name, data, tmp_dir, mode=mode)
    finally:
        os.close(folder)


def atomic_write_at(folder: int, name: str, data: bytes, tmp_dir: Path | None = None, *,
                    mode: int | None = None) -> None:
    """atomic_write into the open folder descriptor `folder`: a link named name is replaced,
    never followed. Without tmp_dir the temporary file is a hidden one beside name."""
    if tmp_dir is None:
        tmp_name = f".{name}.{secrets.token_hex(4)}.tmp"
        fd, tmp_folder = os.open(tmp_name, _CREATE, 0o644, dir_fd=folder), folder
    else:
        fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, suffix=".tmp")
        tmp_folder = None
    try:
        with os.fdopen(fd, "wb") as handle:
            if mode is not None:
                os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, name, src_dir_fd=tmp_folder, dst_dir_fd=folder)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name, dir_fd=tmp_folder)
        raise
    os.fsync(folder)


def sync_folders(folders: Iterable[Path]) -> None:
    """fsync each folder (deepest first, so a new folder is durable before its parent's
    entry for it): the renames into them, and the folders made, survive a power cut."""
    for path in sorted(set(folders), key=lambda p: len(p.parts), reverse=True):
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def sweep(tmp_dir: Path) -> int:
    """Remove temporary files a killed writer left behind; return how many."""
    count = 0
    for leftover in tmp_dir.glob("*.tmp"):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
            count += 1
    return count
