"""Removing old WARC files of the capture store, never one a `reextract` still needs.

The unit is a whole file (records are not cut out of one). A file may go when it is older
than a date (its last write) or not among the N newest, and no article's newest revision
names a record in it, nor revisits a payload stored in it (`reextract` rebuilds each
article from its newest revision's captures). `force` removes such files too: those
articles then have no captures, and `reextract` sets them aside. The newest file always
stays: captures are appended to it, and file numbers never go back (a reference to a
removed file can never come to name a record of a new one).

In this order, so a crash at any point leaves a consistent store: the references to what
goes are dropped from the ledger's provenance rows (one transaction), then the files are
removed, then the capture index forgets them. A crash after the first step leaves files
nothing names, which the next prune removes.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from archive._capture_index import scan_file
from archive.captures import CaptureStore
from archive.errors import CaptureError
from archive.ledger import Ledger

__all__ = ["PruneResult", "prune"]


@dataclass
class PruneResult:
    """What a prune removed (or, in a dry run, would remove), and what it kept and why."""

    removed: list[Path] = field(default_factory=list)
    freed: int = 0  # bytes
    needed: list[Path] = field(default_factory=list)  # kept: newest revisions need them
    needing: int = 0  # articles whose newest revision needs a kept file (or, forced, lost)
    lost: int = 0  # articles whose newest revision lost its captures (force)
    references: int = 0  # capture references dropped from the ledger


def prune(store: CaptureStore, ledger: Ledger, *, before: datetime | None = None,
          keep: int | None = None, force: bool = False, dry_run: bool = False) -> PruneResult:
    """Remove the WARC files older than `before` (last written) and not among the `keep`
    newest; the caller holds the archive lock. CaptureError when neither bound is given."""
    if before is None and keep is None:
        raise CaptureError("say which captures to remove: a date (--before) or how many "
                           "of the newest files to keep (--keep)")
    files = store.files()
    candidates = files[:-1]  # the newest file stays (appended to; numbering)
    if keep is not None:
        candidates = candidates[:max(0, len(files) - max(keep, 1))]
    if before is not None:
        cutoff = before.timestamp()
        candidates = [p for p in candidates if p.lstat().st_mtime < cutoff]
    result = PruneResult()
    if not candidates:
        return result
    names = {p.name for p in candidates}
    newest = ledger.newest_capture_refs()  # (source, identity) -> refs
    named = {ref for _, _, ref in ledger.capture_refs()}  # by any revision
    originals = _originals(store, names, files, named)
    needs: dict[str, set[tuple[str, str]]] = {}  # file -> articles whose newest revision needs it
    for article, refs in newest.items():
        for ref in refs:
            for name in (_file(ref), originals.get(ref)):
                if name in names:
                    needs.setdefault(name, set()).add(article)
    pruned = [p for p in candidates if force or p.name not in needs]
    result.needed = [p for p in candidates if p.name in needs and not force]
    result.needing = len(set().union(*needs.values())) if needs else 0
    if force:
        result.lost = result.needing
    gone = {p.name for p in pruned}
    dead = {ref for ref in named if _file(ref) in gone or originals.get(ref) in gone}
    result.removed = pruned
    result.freed = sum(p.lstat().st_size for p in pruned)
    result.references = len(dead)
    if dry_run or not pruned:
        return result
    ledger.drop_capture_refs(dead)
    for path in pruned:
        os.unlink(path)
    store.close()  # the read-only copy of the index: the one on disk forgets the files
    store.open_index(create=True).forget_missing({p.name for p in store.files()})
    return result


def _file(ref: str) -> str:
    return ref.partition("#")[0]


def _originals(store: CaptureStore, names: set[str], files: Iterable[Path], named: set[str]
               ) -> dict[str, str]:
    """ref -> the file in names holding the payload it revisits, for each named revisit
    record (in another file) whose payload is stored there."""
    index = store.open_index(create=False)
    holding = {_file(ref) for ref in named}
    found: dict[str, str] = {}
    for path in files:
        if path.name not in holding:
            continue
        for entry in scan_file(path).entries:
            ref = f"{path.name}#{entry.offset}"
            if entry.kind != "revisit" or ref not in named:
                continue
            original = index.payload(entry.headers.get("warc-payload-digest", ""))
            if original is not None and _file(original[0]) in names - {path.name}:
                found[ref] = _file(original[0])
    return found
