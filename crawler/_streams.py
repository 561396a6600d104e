"""Standard output and error whose reader may leave early (`feedvault status | head -1`).

When the reader of a pipe goes away, the next write to it fails with EPIPE (Python ignores
SIGPIPE). Left alone, that is a BrokenPipeError traceback from whichever print() came first,
and the command stops there: a crawl would skip its history, its --report and its snapshot.
Guarded, the stream points its file descriptor at /dev/null at the first EPIPE (the Python
documentation's recipe, so that the exit's flush and child processes write nowhere too), the
command finishes its work, and `closed_by_reader()` tells the command line to exit with the
status of a program a closed pipe ended. Every other write error is raised as before.
"""

from __future__ import annotations

import io
import os
import signal
import sys
from typing import TextIO

# What a shell reports for a program that a closed pipe ended (128 + SIGPIPE): `yes | head`.
EXIT_CLOSED_PIPE = 128 + signal.SIGPIPE

_GUARDED: list[_ReaderMayLeave] = []


class _ReaderMayLeave(io.RawIOBase):
    """Writes to a file descriptor it does not own; once the reader is gone, to /dev/null."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self._fd = fd
        self.reader_gone = False

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def isatty(self) -> bool:
        return os.isatty(self._fd)

    def write(self, data: bytes | bytearray | memoryview) -> int:
        try:
            return os.write(self._fd, data)
        except BrokenPipeError:
            self.reader_gone = True
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, self._fd)
            finally:
                os.close(devnull)
            return memoryview(data).nbytes  # nobody reads it: written, as far as anyone knows


def _guard(stream: TextIO) -> TextIO:
    """A text stream like `stream` (encoding, errors, buffering) on a _ReaderMayLeave."""
    stream.flush()
    raw = _ReaderMayLeave(stream.fileno())
    _GUARDED.append(raw)
    return io.TextIOWrapper(io.BufferedWriter(raw), encoding=stream.encoding,
                            errors=stream.errors, line_buffering=stream.line_buffering,
                            write_through=getattr(stream, "write_through", False))


def guard_outputs() -> None:
    """Put sys.stdout and sys.stderr on guarded streams, once per process, and only when they
    are the process's own (a test capturing output keeps its streams)."""
    if _GUARDED:
        return
    if sys.stdout is not None and sys.stdout is sys.__stdout__:
        sys.stdout = _guard(sys.stdout)
    if sys.stderr is not None and sys.stderr is sys.__stderr__:
        sys.stderr = _guard(sys.stderr)


def closed_by_reader() -> bool:
    """Flush what is pending; True when the reader of stdout or stderr has left."""
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()
    return any(raw.reader_gone for raw in _GUARDED)
