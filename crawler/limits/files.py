"""Read a local file only if it is a regular file within a size limit (no Scrapy here).

`file:///dev/zero` never ends, a FIFO blocks its reader for ever, and a sparse file can
claim terabytes: each is refused before a byte is read.
"""

from __future__ import annotations

import os
import stat

from archive import FeedvaultError

_KINDS = {stat.S_IFDIR: "a directory", stat.S_IFCHR: "a character device",
          stat.S_IFBLK: "a block device", stat.S_IFIFO: "a FIFO", stat.S_IFSOCK: "a socket"}


class TooLarge(FeedvaultError):
    """A response larger than DOWNLOAD_MAXSIZE, or a file that is no regular file."""


def read_file(path: str, maxsize: int, setting: str = "DOWNLOAD_MAXSIZE") -> bytes:
    """The bytes of a regular file of at most maxsize bytes (0: no limit); else TooLarge,
    whose message names the setting that holds the limit."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO must not block the open
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = _KINDS.get(stat.S_IFMT(info.st_mode), "a special file")
            raise TooLarge(f"{path} is {kind}, not a regular file: not read")
        if maxsize and info.st_size > maxsize:
            raise TooLarge(too_large(path, info.st_size, maxsize, setting))
        with os.fdopen(fd, "rb", closefd=False) as file:
            body = file.read(maxsize + 1) if maxsize else file.read()
        if maxsize and len(body) > maxsize:  # it grew while we read
            raise TooLarge(too_large(path, len(body), maxsize, setting, more=True))
        return body
    finally:
        os.close(fd)


def too_large(what: str, size: int, maxsize: int, setting: str = "DOWNLOAD_MAXSIZE", *,
              more: bool = False) -> str:
    at_least = "at least " if more else ""
    return (f"{what} is {at_least}{size:,} bytes, more than {setting} "
            f"({maxsize:,} bytes): not read")
