"""Paths below a root that stay below it: no write or read follows a symbolic link out.

A source folder, year folder or file inside the archive that is a symbolic link
(made by hand, or checked out from a repository) would carry feedvault's writes,
or its reads, anywhere on the machine. Each path below the root is entered from the
root's own descriptor with `openat(O_NOFOLLOW)`: one open per folder below the root
(two for an article under `{source}/{yyyy}`), no extra stat per component, and no
window between a check and the write. The root itself is taken as configured.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Sequence
from pathlib import Path

from archive.atomic import atomic_write_at
from archive.errors import ArchiveLinkError

_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
_NOFOLLOW_FOLDER = _FOLDER | os.O_NOFOLLOW
_NOFOLLOW_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC


def link_error(where: Path, target: str) -> ArchiveLinkError:
    return ArchiveLinkError(
        f"{where}: is a symbolic link (to {target}); feedvault does not write or read through "
        "links inside the archive: replace the link with the real folder or file (move its "
        "contents here), or set the path in feedvault.toml to the real location")


def _refuse_link(root: Path, parts: Sequence[str], folder: int) -> None:
    """Raise ArchiveLinkError if parts[-1] (in the open folder) is a symbolic link."""
    try:
        target = os.readlink(parts[-1], dir_fd=folder)
    except OSError:
        return
    raise link_error(root.joinpath(*parts), target)


def open_folder(root: Path, parts: Sequence[str], *, create: bool = False) -> int:
    """A descriptor of root/parts, each part entered without following a link.

    ArchiveLinkError when a part is a link; FileNotFoundError when one is missing,
    unless create (then it is made, inside its parent).
    """
    fd = os.open(root, _FOLDER)
    try:
        for depth, part in enumerate(parts):
            try:
                child = os.open(part, _NOFOLLOW_FOLDER, dir_fd=fd)
            except FileNotFoundError:
                if not create:
                    raise
                with contextlib.suppress(FileExistsError):
                    os.mkdir(part, dir_fd=fd)
                try:
                    child = os.open(part, _NOFOLLOW_FOLDER, dir_fd=fd)
                except OSError as exc:
                    if exc.errno in (errno.ENOTDIR, errno.ELOOP):
                        _refuse_link(root, parts[:depth + 1], fd)
                    raise
            except OSError as exc:
                if exc.errno in (errno.ENOTDIR, errno.ELOOP):
                    _refuse_link(root, parts[:depth + 1], fd)
                raise
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


def existing(root: Path, parts: Sequence[str]) -> os.stat_result | None:
    """The file or folder root/parts, None when absent; ArchiveLinkError when it, or a
    folder on the way, is a link."""
    try:
        folder = open_folder(root, parts[:-1])
    except (FileNotFoundError, NotADirectoryError):
        return None
    try:
        found = os.stat(parts[-1], dir_fd=folder, follow_symlinks=False)
        if stat.S_ISLNK(found.st_mode):
            _refuse_link(root, parts, folder)
        return found
    except (FileNotFoundError, NotADirectoryError):
        return None
    finally:
        os.close(folder)


def read_bytes(root: Path, parts: Sequence[str], limit: int = -1) -> bytes:
    """The bytes of the file root/parts (the first `limit` ones if given); ArchiveLinkError
    if it or a folder on the way is a link."""
    folder = open_folder(root, parts[:-1])
    try:
        try:
            fd = os.open(parts[-1], _NOFOLLOW_FILE, dir_fd=folder)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                _refuse_link(root, parts, folder)
            raise
    finally:
        os.close(folder)
    with open(fd, "rb") as handle:
        return handle.read(limit)


def refuse_link(root: Path, parts: Sequence[str], folder: int) -> None:
    """ArchiveLinkError when parts[-1], in the open folder root/parts[:-1], is a link."""
    with contextlib.suppress(FileNotFoundError):
        if stat.S_ISLNK(os.stat(parts[-1], dir_fd=folder, follow_symlinks=False).st_mode):
            _refuse_link(root, parts, folder)


def write_bytes(root: Path, parts: Sequence[str], data: bytes, tmp_dir: Path | None = None
                ) -> None:
    """Atomically replace root/parts with data, making its folders (see `atomic_write_at`).

    ArchiveLinkError, and nothing written, when the file or a folder on the way is a link.
    """
    folder = open_folder(root, parts[:-1], create=True)
    try:
        refuse_link(root, parts, folder)
        atomic_write_at(folder, parts[-1], data, tmp_dir)
    finally:
        os.close(folder)


def check_folder(root: Path, parts: Sequence[str]) -> Path:
    """root/parts, made if missing, after checking no part is a link (for a folder used by
    name afterwards, such as the hidden folder: checked once, not on every write)."""
    os.close(open_folder(root, parts, create=True))
    return root.joinpath(*parts)
