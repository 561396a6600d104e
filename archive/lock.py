"""One writer at a time: an advisory lock on the archive, released when its holder dies."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from .errors import ArchiveError


class ArchiveBusy(ArchiveError):
    """Another process (a crawl, a repair) holds the archive's lock."""


class ArchiveLock:
    """`flock` on `.feedvault/lock`: the kernel drops it when the process exits, even on SIGKILL."""

    def __init__(self, hidden: Path) -> None:
        self.path = hidden / "lock"
        self._fd: int | None = None

    def acquire(self) -> ArchiveLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise ArchiveBusy(
                f"{self.path.parent.parent}: the archive is busy (pid {holder} is crawling it); "
                "try again when it finishes"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> ArchiveLock:
        return self.acquire()

    def __exit__(self, *_: object) -> None:
        self.release()
