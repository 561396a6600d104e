"""The capture store's index (payload digest -> first record; each file's known-good end) and its WARC scanner.

The WARC files are the truth; `.feedvault/captures/index.sqlite` only saves reading them
all on every crawl to find stored payloads. It is rebuilt from the files when missing or
broken; a read-only store (verify, export) copies it into memory (opened read-only) so
reading writes nothing. A file longer than its known-good end is scanned from there:
complete records are kept (and indexed), a torn tail left by a crash is cut off, so the
next record starts cleanly. Only a tail is cut: when a complete record follows the damage
(a record damaged in the middle of the file, found after the index was lost), the file is
kept whole and sealed instead. Rows of WARC files that were deleted (pruned by hand) are
dropped before writing, so no new record is stored as a revisit of a payload that is gone.
Nothing here follows a symbolic link: the files, the index and its journal must be regular files.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from archive.errors import CaptureError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS payloads (digest TEXT PRIMARY KEY, ref TEXT NOT NULL,
    record_id TEXT NOT NULL, url TEXT NOT NULL, date TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (name TEXT PRIMARY KEY, good_end INTEGER NOT NULL);
"""
_CHUNK = 1 << 16


@dataclass(frozen=True)
class Entry:
    """One complete record of a WARC file: where it is and what it says about itself."""

    offset: int
    end: int
    kind: str
    headers: dict[str, str]


@dataclass
class Scan:
    """A file read record by record: the complete ones, where they end, and why reading stopped early."""

    entries: list[Entry]
    end: int
    size: int
    problem: str | None = None


def scan(path: Path, start: int = 0) -> Iterator[Entry]:
    """The complete records of a WARC file (one gzip member each) from start, stopping at the first torn one."""
    yield from scan_file(path, start).entries


def scan_file(path: Path, start: int = 0) -> Scan:
    """Read every gzip member of path from start; a member that does not end, or whose WARC
    block is shorter than its Content-Length, ends the scan with a problem."""
    entries: list[Entry] = []
    with open(open_file(path, os.O_RDONLY), "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        position = start
        while position < size:
            handle.seek(position)
            entry, problem = _member(handle, position)
            if entry is None:
                return Scan(entries, position, size, problem)
            entries.append(entry)
            position = entry.end
    return Scan(entries, position, size)


def open_file(path: Path, mode: int) -> int:
    """A descriptor of the regular file path, never through a link (OSError otherwise)."""
    fd = os.open(path, mode | os.O_NOFOLLOW | os.O_CLOEXEC)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise IsADirectoryError(21, "not a regular file", str(path))
    return fd


def _complete_member_after(path: Path, start: int) -> bool:
    """Whether a complete WARC record (gzip member) starts anywhere after start in path."""
    with open(open_file(path, os.O_RDONLY), "rb") as handle:
        handle.seek(start)
        data = handle.read()
        position = data.find(b"\x1f\x8b\x08", 1)
        while position != -1:
            handle.seek(start + position)
            entry, _ = _member(handle, start + position)
            if entry is not None:
                return True
            position = data.find(b"\x1f\x8b\x08", position + 1)
    return False


def _member(handle, offset: int) -> tuple[Entry | None, str | None]:
    inflate = zlib.decompressobj(31)
    head = b""
    total = consumed = 0
    try:
        while not inflate.eof:
            chunk = handle.read(_CHUNK)
            if not chunk:
                return None, f"record at byte {offset} is cut short"
            out = inflate.decompress(chunk)
            consumed += len(chunk) - len(inflate.unused_data)
            total += len(out)
            if len(head) < 65536:
                head += out[:65536]
    except zlib.error as exc:
        return None, f"record at byte {offset} is not valid gzip ({exc})"
    header_block, sep, _ = head.partition(b"\r\n\r\n")
    lines = header_block.decode("utf-8", "replace").split("\r\n")
    if not sep or not lines[0].startswith("WARC/"):
        return None, f"record at byte {offset} is not a WARC record"
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    try:
        length = int(headers.get("content-length", ""))
    except ValueError:
        return None, f"record at byte {offset} has no Content-Length"
    if total != len(header_block) + 4 + length + 4:
        return None, f"record at byte {offset} is {total} bytes, its header says otherwise"
    return Entry(offset, offset + consumed, headers.get("warc-type", ""), headers), None


class CaptureIndex:
    """Stored payloads by digest and each file's known-good end, in SQLite (or in memory when reading only)."""

    def __init__(self, folder: Path, *, create: bool, files: Callable[[], list[Path]]) -> None:
        self._files = files
        self.sealed: set[str] = set()  # damaged files that take no more records
        path = folder / "index.sqlite"
        _refuse_links(path)
        self._db = self._connect(path) if create else None
        self.in_memory = self._db is None
        if self._db is None:
            self._db = sqlite3.connect(":memory:")
            if not create:
                self._copy(path, self._db)
            self._db.executescript(_SCHEMA)
            self.forget_missing({p.name for p in self._files()})
            self._catch_up()

    @staticmethod
    def _copy(path: Path, into: sqlite3.Connection) -> None:
        """The index on disk, opened read-only, copied into memory (nothing when it is absent or broken).

        immutable: no -shm or -wal file is made; rows a running crawl has not checkpointed yet
        are missed, and the files past each known-good end are scanned for them instead."""
        if not path.is_file():
            return
        try:
            disk = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
            try:
                disk.backup(into)
            finally:
                disk.close()
        except sqlite3.Error:
            into.executescript("DROP TABLE IF EXISTS payloads; DROP TABLE IF EXISTS files;")

    def _connect(self, path: Path) -> sqlite3.Connection | None:
        for _ in range(2):
            try:
                db = sqlite3.connect(path)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")  # derived data: the files are checked on open
                db.executescript(_SCHEMA)
                return db
            except sqlite3.DatabaseError:
                with contextlib.suppress(OSError):
                    path.unlink()  # rebuilt from the WARC files
        return None

    def payload(self, digest: str) -> tuple[str, str, str, str] | None:
        row = self._db.execute(  # type: ignore[union-attr]
            "SELECT ref, record_id, url, date FROM payloads WHERE digest = ?", (digest,)).fetchone()
        return tuple(row) if row else None  # type: ignore[return-value]

    def good_end(self, name: str) -> int:
        row = self._db.execute("SELECT good_end FROM files WHERE name = ?", (name,)).fetchone()  # type: ignore[union-attr]
        return int(row[0]) if row else 0

    def wrote(self, name: str, end: int, payload: tuple[str, str, str, str, str] | None) -> None:
        with self._db:  # type: ignore[union-attr]
            self._db.execute("INSERT OR REPLACE INTO files VALUES (?, ?)", (name, end))  # type: ignore[union-attr]
            if payload is not None:
                self._db.execute("INSERT OR IGNORE INTO payloads VALUES (?, ?, ?, ?, ?)", payload)  # type: ignore[union-attr]

    def forget_missing(self, present: set[str]) -> None:
        """Drop the rows of files that are gone (pruned by hand): their payloads cannot be revisited."""
        rows = self._db.execute(  # type: ignore[union-attr]
            "SELECT name FROM files UNION SELECT substr(ref, 1, instr(ref, '#') - 1) FROM payloads"
        ).fetchall()
        gone = [name for (name,) in rows if name not in present]
        if gone:
            with self._db:  # type: ignore[union-attr]
                for name in gone:
                    self._db.execute("DELETE FROM files WHERE name = ?", (name,))  # type: ignore[union-attr]
                    self._db.execute(  # type: ignore[union-attr]
                        "DELETE FROM payloads WHERE substr(ref, 1, instr(ref, '#') - 1) = ?", (name,))

    def forget(self, name: str) -> None:
        """Drop a file's known-good end, so the next store that writes scans the file again."""
        with contextlib.suppress(sqlite3.Error), self._db:  # type: ignore[union-attr]
            self._db.execute("DELETE FROM files WHERE name = ?", (name,))  # type: ignore[union-attr]

    def cut_torn_tails(self, files: list[Path]) -> None:
        """Index what the files hold beyond their known-good ends, and cut off the newest file's
        torn tail: only a write cut short by a crash can leave one, and nothing complete follows
        it. A file damaged before its known-good end, or with a complete record after the damage,
        is left as it is (verify reports it) and sealed: writes go to a new file."""
        for number, path in enumerate(files):
            known = self.good_end(path.name)
            result = self._catch_up_file(path)
            if result is None or result.problem is None:
                continue
            if (number == len(files) - 1 and result.end >= known
                    and not _complete_member_after(path, result.end)):
                try:
                    fd = open_file(path, os.O_RDWR)
                    try:
                        os.ftruncate(fd, result.end)
                        os.fsync(fd)
                    finally:
                        os.close(fd)
                except OSError as exc:
                    raise CaptureError(f"could not cut the torn tail of {path}: {exc.strerror}") from exc
            else:
                self.sealed.add(path.name)

    def _catch_up(self) -> None:
        for path in self._files():
            self._catch_up_file(path)

    def _catch_up_file(self, path: Path) -> Scan | None:
        known = self.good_end(path.name)
        size = path.lstat().st_size
        if size == known:
            return None
        result = scan_file(path, known if known < size else 0)
        with self._db:  # type: ignore[union-attr]
            for entry in result.entries:
                digest = entry.headers.get("warc-payload-digest")
                if entry.kind == "response" and digest:
                    self._db.execute(  # type: ignore[union-attr]
                        "INSERT OR IGNORE INTO payloads VALUES (?, ?, ?, ?, ?)",
                        (digest, f"{path.name}#{entry.offset}", entry.headers.get("warc-record-id", ""),
                         entry.headers.get("warc-target-uri", ""), entry.headers.get("warc-date", "")))
            self._db.execute("INSERT OR REPLACE INTO files VALUES (?, ?)", (path.name, result.end))  # type: ignore[union-attr]
        return result

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def _refuse_links(path: Path) -> None:
    """CaptureError when the index or its journal files is anything but a regular file (or absent)."""
    for name in (path.name, f"{path.name}-wal", f"{path.name}-shm", f"{path.name}-journal"):
        try:
            mode = os.lstat(path.with_name(name)).st_mode
        except FileNotFoundError:
            continue
        if not stat.S_ISREG(mode):
            raise CaptureError(f"{path.with_name(name)} is not a regular file (a link?); "
                               "remove it: the capture index is rebuilt from the WARC files")
