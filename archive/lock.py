"""One archive, one writer: an advisory lock file in the archive's hidden folder."""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from archive._contained import check_folder
from archive._hidden import ensure_hidden
from archive.errors import ArchiveError, ArchiveLocked

LOCK_NAME = "lock"


class ArchiveLock:
    """An exclusive flock on `<root>/.feedvault/lock`; the file names the current holder.

    The kernel releases it when the holder dies, even by SIGKILL, so a stale lock
    never blocks the next run.
    """

    def __init__(self, hidden: Path, purpose: str = "") -> None:
        self.path = hidden / LOCK_NAME
        self.purpose = purpose or " ".join(os.path.basename(a) for a in sys.argv[:2])
        self._fd: int | None = None

    def acquire(self, *, wait: bool = False, timeout: float | None = None) -> ArchiveLock:
        hidden = self.path.parent
        try:
            hidden.parent.mkdir(parents=True, exist_ok=True)
            check_folder(hidden.parent, (hidden.name,))  # ArchiveLinkError if a link
            ensure_hidden(hidden)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        except OSError as exc:  # a read-only or full filesystem, a missing permission
            raise ArchiveError(f"{self.path.parent.parent}: cannot write to the archive: "
                               f"{exc.strerror or exc}", fatal=True) from exc
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not wait or (deadline is not None and time.monotonic() > deadline):
                    holder = self.holder()
                    os.close(fd)
                    raise ArchiveLocked(
                        f"{self.path.parent.parent}: the archive is in use by {holder}; "
                        "run again later, or pass --wait to wait for it"
                    ) from None
                time.sleep(0.2)
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "purpose": self.purpose,
            "since": datetime.now(UTC).replace(microsecond=0).isoformat(),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        self._fd = fd
        return self

    def holder(self) -> str:
        try:
            info = json.loads(self.path.read_text(encoding="utf-8"))
            return f"pid {info['pid']} on {info['host']} ({info['purpose']}, since {info['since']})"
        except (OSError, ValueError, KeyError):
            return "another process"

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> ArchiveLock:
        return self if self._fd is not None else self.acquire()

    def __exit__(self, *_: object) -> None:
        self.release()
