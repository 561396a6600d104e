"""Whole-store work on the capture files: verify's check of references and files, and export.

Both read every record they need with the torn-record-aware scanner of `_capture_index.py`;
export copies records byte for byte (each is its own gzip member) into a new WARC file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from warcio.warcwriter import WARCWriter

from archive._capture_index import open_file, scan_file
from archive.captures import CaptureStore
from archive.errors import CaptureError

__all__ = ["check", "export"]


def check(store: CaptureStore, named: Iterable[str]) -> list[tuple[str, str]]:
    """(where, what is wrong) for each named reference that does not resolve and each file
    with an unreadable record. The newest file's torn tail after every named record is
    no problem: a write a crash cut short, which the next capturing crawl cuts off."""
    files = store.files()
    scans = {path.name: scan_file(path) for path in files}
    records = {name: {e.offset: e for e in found.entries} for name, found in scans.items()}
    stored = {e.headers.get("warc-payload-digest") for found in scans.values()
              for e in found.entries if e.kind == "response"}
    problems: list[tuple[str, str]] = []
    last_named: dict[str, int] = {}
    for ref in dict.fromkeys(named):
        try:
            name, offset = store.parse(ref)
        except CaptureError as exc:
            problems.append((ref, str(exc)))
            continue
        last_named[name] = max(offset, last_named.get(name, -1))
        entry = records.get(name, {}).get(offset)
        if name not in scans:
            problems.append((ref, f"the capture file {name} is missing"))
        elif entry is None:
            problems.append((ref, "no complete record starts there"))
        elif entry.kind not in ("response", "revisit"):
            problems.append((ref, f"a {entry.kind} record, not a response"))
        elif entry.kind == "revisit" and entry.headers.get("warc-payload-digest") not in stored:
            problems.append((ref, "revisits a payload that is not stored"))
    newest = files[-1].name if files else None
    for path in store.unusable():
        problems.append((path.name, "not a regular file (a link?): never read nor written; remove it"))
    for name, found in scans.items():
        if found.problem and not (name == newest and found.end > last_named.get(name, -1)):
            problems.append((name, found.problem))
    return problems


def export(store: CaptureStore, named: Iterable[str], target: Path) -> int:
    """Write the named records to target, a WARC file of its own: each response with its
    request, a revisit preceded by the response holding its payload. Records are copied
    byte for byte (each is its own gzip member). Returns the number of records written."""
    members: dict[tuple[str, int], None] = {}
    scans: dict[str, dict[int, Any]] = {}

    def entries(name: str) -> dict[int, Any]:
        if name not in scans:
            path = store.folder / name
            if path not in store.files():  # missing, or a link: never read through
                raise CaptureError(f"the capture file {path} is missing or not a regular file")
            found = scan_file(path).entries
            scans[name] = {e.offset: (e, found[i + 1] if i + 1 < len(found) else None)
                           for i, e in enumerate(found)}
        return scans[name]

    def add(ref: str, *, payload: bool = False) -> None:
        name, offset = store.parse(ref)
        if offset not in entries(name):
            raise CaptureError(f"capture {ref}: no complete record starts there")
        entry, following = entries(name)[offset]
        if payload and entry.kind != "response":  # an index from a clone or a cache: a
            # revisit naming itself would recurse until RecursionError
            raise CaptureError(f"capture {ref}: the payload index names a {entry.kind} record, "
                               "not a response; remove captures/index.sqlite (it is rebuilt "
                               "from the capture files)")
        if entry.kind == "revisit":
            original = store.open_index(create=False).payload(
                entry.headers.get("warc-payload-digest", ""))
            if original is None:
                raise CaptureError(f"capture {ref} revisits a payload that is not stored")
            add(original[0], payload=True)
        members[(name, offset)] = None
        if following is not None and following.kind == "request" and \
                following.headers.get("warc-concurrent-to") == entry.headers.get("warc-record-id"):
            members[(name, following.offset)] = None

    for ref in named:
        add(ref)
    temporary = target.with_name(f".{target.name}.tmp")
    try:
        with temporary.open("wb") as out:
            writer = WARCWriter(out, gzip=True)
            writer.write_record(writer.create_warcinfo_record(target.name, {
                "software": "feedvault capture export", "format": "WARC File Format 1.0"}))
            for name, offset in members:
                entry = scans[name][offset][0]
                with open(open_file(store.folder / name, os.O_RDONLY), "rb") as handle:
                    handle.seek(offset)
                    out.write(handle.read(entry.end - offset))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise CaptureError(f"could not write {target}: {exc.strerror}") from exc
    return len(members) + 1
