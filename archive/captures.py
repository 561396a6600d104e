"""Raw responses kept as WARC files under `.feedvault/captures/`, read back by reference.

A capture is a request record and a response record (each its own gzip member, so any
WARC reader can seek to it), appended to `captures-NNNNN.warc.gz` and rotated by size.
A payload already stored (same SHA-1, any URL) is written again only as a revisit record
that refers to the original. `write()` returns "<file name>#<offset>" of the response (or
revisit) record after the bytes are fsynced, so a ledger row naming it never points at a
record a crash could lose. A crash mid-write leaves a torn tail after the last record
`write()` returned; the next store that writes cuts it off (see `_capture_index.py`).

Only regular files are used: `.feedvault/` may come from a CI cache or a commit, so a
capture file or index that is a symbolic link is never read, written nor cut through, and
no record is read whole into memory beyond `max_record_bytes`.
"""

from __future__ import annotations

import contextlib
import hashlib
import http
import io
import os
import re
import sqlite3
import stat
from base64 import b32encode
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive._capture_index import CaptureIndex, scan
from archive._contained import check_folder
from archive._hidden import ensure_hidden
from archive.errors import ArchiveLinkError, CaptureError

__all__ = ["FILE_NAME", "CaptureStore", "Captured"]

# ASCII digits only: str.isdigit() and \d also accept "²" and other digits int() refuses
FILE_NAME = re.compile(r"captures-([0-9]{5,})\.warc\.gz")
_OFFSET = re.compile(r"[0-9]+")
# the largest record read back whole (the crawl's DOWNLOAD_MAXSIZE is 32 MiB)
MAX_RECORD_BYTES = 64 * 2**20
# Headers that described the transfer rather than the body as stored (which arrives
# de-chunked and, when Scrapy decompressed it, decoded): kept under this prefix, the name
# web archives use for original headers, so a WARC reader does not decode the body twice.
_ORIG = "X-Archive-Orig-"


@dataclass(frozen=True)
class Captured:
    """One stored response: what the server answered, as feedvault received it."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    fetched_at: str  # ISO 8601, UTC


class CaptureStore:
    """Raw responses in WARC files under <archive>/.feedvault/captures/ (warcio; gzip per record; rotated by size)."""

    def __init__(self, hidden: Path, *, rotate_bytes: int = 100 * 2**20,
                 max_record_bytes: int = MAX_RECORD_BYTES) -> None:
        self.folder = hidden / "captures"
        self._hidden = hidden
        self._rotate = max(1, rotate_bytes)
        self._max_record = max_record_bytes
        self._index: CaptureIndex | None = None
        self._ready = False  # the folder exists and the current file's tail is known good

    # -- writing ----------------------------------------------------------------------
    def write(self, url: str, status: int, headers: Sequence[tuple[str, str]], body: bytes, *,
              request_headers: Sequence[tuple[str, str]] = (), fetched_at: str | None = None) -> str:
        """Append request+response records (a revisit record when an identical payload is already stored) and
        make them durable (fsync) before returning the reference "<file name>#<offset>" of the response record."""
        try:
            index = self._open_for_writing()
        except (OSError, sqlite3.Error) as exc:
            raise CaptureError(f"cannot use the capture folder {self.folder}: {exc}") from exc
        date = _warc_date(fetched_at)
        digest = "sha1:" + b32encode(hashlib.sha1(body).digest()).decode("ascii")
        writer = WARCWriter(None, gzip=True)
        stored = StatusAndHeaders(f"{status} {_reason(status)}", _as_stored(headers, body),
                                  protocol="HTTP/1.1")
        original = index.payload(digest)
        if original is None:
            record = writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), length=len(body), http_headers=stored,
                warc_headers_dict={"WARC-Date": date, "WARC-Payload-Digest": digest})
        else:
            ref, record_id, first_url, first_date = original
            record = writer.create_revisit_record(
                url, digest, first_url, first_date, http_headers=stored,
                warc_headers_dict={"WARC-Date": date, "WARC-Refers-To": record_id})
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        request = writer.create_warc_record(
            url, "request", http_headers=StatusAndHeaders(
                f"GET {_request_target(url)} HTTP/1.1", list(request_headers),
                protocol="", is_http_request=True),
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": record_id})
        name, path, start = self._current_file(index)
        buffer = io.BytesIO()
        if start == 0:
            _write_to(writer, buffer, writer.create_warcinfo_record(name, {
                "software": "feedvault", "format": "WARC File Format 1.0"}))
        offset = start + buffer.tell()
        _write_to(writer, buffer, record)
        _write_to(writer, buffer, request)
        try:
            self._append(path, buffer.getvalue(), new=start == 0)
        except CaptureError:
            self._ready = False  # the file may end in torn bytes now: checked again before the next write
            raise
        ref = f"{name}#{offset}"
        try:
            index.wrote(name, start + buffer.tell(),
                        (digest, ref, record_id, url, date) if original is None else None)
        except sqlite3.Error:  # the record is stored; only its index row is lost (rebuilt later)
            index.forget(name)
        return ref

    def _open_for_writing(self) -> CaptureIndex:
        if not self._ready:
            ensure_hidden(self._hidden)
            # never written through a link out of the archive (checked once, as for .feedvault/tmp)
            check_folder(self._hidden, ("captures",))
            if self._index is not None and self._index.in_memory:
                self.close()  # a store that only read so far: index on disk from now on
            index = self.open_index(create=True)
            files = self.files()
            index.forget_missing({path.name for path in files})
            index.cut_torn_tails(files)
            self._ready = True
        return self.open_index(create=True)

    def _current_file(self, index: CaptureIndex) -> tuple[str, Path, int]:
        files = self.files()
        # numbered past every captures-NNNNN.warc.gz entry, a link or folder of that name too
        taken = [_number(p.name) for p in self._named()]
        number = max(taken, default=1)
        if files and _number(files[-1].name) == number:
            end = files[-1].lstat().st_size  # the truth; the index's end can only lag behind it
            if end < self._rotate and files[-1].name not in index.sealed:
                return files[-1].name, files[-1], end
        if taken:
            number += 1
        name = f"captures-{number:05d}.warc.gz"
        return name, self.folder / name, 0

    def _append(self, path: Path, data: bytes, *, new: bool) -> None:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
            finally:
                os.close(fd)
            if new:  # the new name itself must survive a crash too
                folder = os.open(self.folder, os.O_RDONLY | os.O_DIRECTORY)
                try:
                    os.fsync(folder)
                finally:
                    os.close(folder)
        except OSError as exc:
            raise CaptureError(f"could not write the capture file {path}: {exc.strerror}",
                               fatal=exc.errno in (28, 30)) from exc  # ENOSPC, EROFS

    # -- reading ----------------------------------------------------------------------
    def read(self, ref: str) -> Captured:
        """The response a reference names; a revisit resolves to the original payload.
        CaptureError if the reference is malformed or its record is missing or torn."""
        name, offset = self.parse(ref)
        if self.folder.is_symlink():
            raise ArchiveLinkError(f"{self.folder} is a symbolic link: captures are not read through it")
        record, block = _record_at(self.folder / name, offset, ref, self._max_record)
        if record.rec_type not in ("response", "revisit") or record.http_headers is None:
            raise CaptureError(f"capture {ref} is a {record.rec_type} record, not a response")
        headers = record.rec_headers
        url = headers.get_header("WARC-Target-URI") or ""
        http_headers = record.http_headers
        body = block
        if record.rec_type == "revisit":
            digest = headers.get_header("WARC-Payload-Digest") or ""
            original = self.open_index(create=False).payload(digest)
            if original is None:
                raise CaptureError(f"capture {ref} revisits a payload ({digest}) that is not stored")
            body = self.read(original[0]).body
        status = int(http_headers.get_statuscode() or "0")
        return Captured(url=url, status=status, headers=list(http_headers.headers), body=body,
                        fetched_at=headers.get_header("WARC-Date") or "")

    def refs(self) -> Iterator[str]:
        """Every complete response and revisit record, in file order."""
        for path in self.files():
            for entry in scan(path):
                if entry.kind in ("response", "revisit"):
                    yield f"{path.name}#{entry.offset}"

    def files(self) -> list[Path]:
        """The WARC files (regular files only, never a link), oldest first."""
        return [p for p in self._named() if stat.S_ISREG(p.lstat().st_mode)]

    def unusable(self) -> list[Path]:
        """Entries named like a WARC file that are no regular file (a link, a folder): never used."""
        return [p for p in self._named() if not stat.S_ISREG(p.lstat().st_mode)]

    def close(self) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None
        self._ready = False

    # -- helpers ----------------------------------------------------------------------
    def _named(self) -> list[Path]:
        if self.folder.is_symlink() or not self.folder.is_dir():
            return []
        found = [p for p in self.folder.iterdir() if FILE_NAME.fullmatch(p.name)]
        return sorted(found, key=lambda p: _number(p.name))

    def open_index(self, *, create: bool) -> CaptureIndex:
        """The payload index: on disk when writing; when only reading, an in-memory copy of
        the one on disk (opened read-only) brought up to date from the files."""
        if self._index is None:
            self._index = CaptureIndex(self.folder, create=create, files=self.files)
        return self._index

    @staticmethod
    def parse(ref: str) -> tuple[str, int]:
        name, _, offset = ref.partition("#")
        if not FILE_NAME.fullmatch(name) or not _OFFSET.fullmatch(offset):
            raise CaptureError(f"not a capture reference: {ref!r} (expected captures-NNNNN.warc.gz#OFFSET)")
        return name, int(offset)


def _number(name: str) -> int:
    return int(FILE_NAME.fullmatch(name).group(1))  # type: ignore[union-attr]


def _record_at(path: Path, offset: int, ref: str, limit: int) -> tuple[ArcWarcRecord, bytes]:
    """The record at offset and its block (at most limit bytes), read without following a link."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        raise CaptureError(f"capture {ref}: the file {path.name} is missing") from None
    except OSError as exc:  # ELOOP: a link
        raise CaptureError(f"capture {ref}: {path} cannot be read ({exc.strerror}); "
                           "capture files are never read through a link") from exc
    try:
        with open(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise CaptureError(f"capture {ref}: {path} is not a regular file")
            handle.seek(offset)
            for record in ArchiveIterator(handle):
                block = record.raw_stream.read(limit + 1)
                if len(block) > limit:
                    raise CaptureError(f"capture {ref} is larger than {limit} bytes: not read")
                return record, block
    except CaptureError:
        raise
    except Exception as exc:  # warcio raises several kinds on a torn or foreign record
        raise CaptureError(f"capture {ref} is unreadable: {exc}") from exc
    raise CaptureError(f"capture {ref}: no record at that offset")


def _write_to(writer: WARCWriter, out: io.BytesIO, record) -> None:
    writer.out = out
    writer.write_record(record)


def _as_stored(headers: Sequence[tuple[str, str]], body: bytes) -> list[tuple[str, str]]:
    stored: list[tuple[str, str]] = []
    for name, value in headers:
        lower = name.lower()
        if lower == "transfer-encoding" or (lower == "content-length" and value.strip() != str(len(body))):
            stored.append((_ORIG + name, value))
        else:
            stored.append((name, value))
    return stored


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _request_target(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _warc_date(fetched_at: str | None) -> str:
    when = datetime.now(UTC)
    if fetched_at:
        with contextlib.suppress(ValueError):
            when = datetime.fromisoformat(fetched_at.replace("Z", "+00:00"))
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
