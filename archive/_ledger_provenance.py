"""The ledger's provenance table: where each revision of an article came from (its source
digest and the captures it was built from), and the capture references `capture prune` drops."""

from __future__ import annotations

import json
import sqlite3
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from archive._ledger_schema import LedgerRow, reason
from archive.errors import LedgerError
from archive.transactions import retry_busy


@dataclass(frozen=True)
class Provenance:
    """Where one revision of an article came from.

    source_digest: a digest of what the source itself said for the article (the feed
    entry's fields, the page's bytes), independent of feedvault's rules: two revisions with
    the same digest differ only because the rules (configuration, code) changed.
    captures: references to the raw responses it was built from (WARC records, see
    `archive.captures`), feed first; empty when nothing was captured."""

    source_digest: str | None = None
    captures: tuple[str, ...] = ()


class ProvenanceTable:
    """The provenance rows of a `Ledger` (which provides the connection and transactions)."""

    path: Path
    _db: sqlite3.Connection

    if TYPE_CHECKING:  # provided by Ledger: a write transaction (or a group's savepoint)
        def _writing(self) -> AbstractContextManager[None]: ...

    def _add_provenance(self, source: str, identity: str, content_hash: str,
                        provenance: Provenance, seen: str) -> None:
        self._db.execute("INSERT INTO provenance VALUES (?, ?, ?, ?, ?, ?)",
                         (source, identity, content_hash, provenance.source_digest,
                          json.dumps(list(provenance.captures)), seen))

    def provenance(self, source: str, identity: str) -> tuple[str, Provenance] | None:
        """The newest provenance known for an article: (the content hash it produced, it)."""
        row = self._db.execute(
            "SELECT content_hash, source_digest, captures FROM provenance "
            "WHERE source = ? AND identity = ? ORDER BY rowid DESC LIMIT 1",
            (source, identity)).fetchone()
        if row is None:
            return None
        return row[0], Provenance(row[1], tuple(json.loads(row[2])))

    def source_digests(self) -> dict[tuple[str, str], str | None]:
        """(source, identity) → the source digest of every article's newest provenance row,
        when that row produced the article as it is now (same content hash); None when no
        row says, or the newest one is about an older revision."""
        rows = self._db.execute(
            "SELECT a.source, a.identity, p.content_hash = a.content_hash, p.source_digest "
            "FROM articles a LEFT JOIN provenance p ON p.rowid = (SELECT MAX(rowid) FROM "
            "provenance WHERE source = a.source AND identity = a.identity)")
        return {(source, identity): digest if same else None
                for source, identity, same, digest in rows}

    def note_provenance(self, entry: LedgerRow, provenance: Provenance, seen: str) -> None:
        """An unchanged article seen again: remember where it came from this time only when
        the newest row is about another revision or has none of what this one brings
        (captures, so a rebuild from captures finds the responses that reproduce it, or a
        source digest). A digest that moved alone adds nothing: the article is the same, and
        a row per article per crawl would grow the ledger with every crawl."""
        known = self.provenance(entry.source, entry.identity)
        if known is not None:
            content_hash, last = known
            if content_hash == entry.content_hash and (
                    (last.captures or not provenance.captures)
                    and (last.source_digest or not provenance.source_digest)):
                return
        try:
            self._note_provenance(entry, provenance, seen)
        except sqlite3.Error as exc:
            raise LedgerError(f"{self.path}: cannot record where {entry.path} came from: "
                              f"{reason(exc)}") from exc

    @retry_busy
    def _note_provenance(self, entry: LedgerRow, provenance: Provenance, seen: str) -> None:
        with self._writing():
            self._add_provenance(entry.source, entry.identity, entry.content_hash,
                                 provenance, seen)

    def newest_capture_refs(self) -> dict[tuple[str, str], tuple[str, ...]]:
        """(source, identity) -> the capture references of each article's newest provenance
        row: what `reextract` rebuilds it from."""
        rows = self._db.execute(
            "SELECT source, identity, captures FROM provenance WHERE rowid IN "
            "(SELECT MAX(rowid) FROM provenance GROUP BY source, identity)")
        return {(source, identity): tuple(json.loads(refs)) for source, identity, refs in rows}

    @retry_busy
    def drop_capture_refs(self, gone: set[str]) -> int:
        """Remove the references in gone from every provenance row, in one transaction (their
        WARC records were pruned); the number of rows changed."""
        if not gone:
            return 0
        changed = 0
        with self._writing():
            for rowid, refs in self._db.execute(
                    "SELECT rowid, captures FROM provenance").fetchall():
                named = json.loads(refs)
                kept = [ref for ref in named if ref not in gone]
                if len(kept) != len(named):
                    self._db.execute("UPDATE provenance SET captures = ? WHERE rowid = ?",
                                     (json.dumps(kept), rowid))
                    changed += 1
        return changed

    def capture_refs(self) -> list[tuple[str, str, str]]:
        """(source, identity, capture reference) for every reference a provenance row names."""
        return [(source, identity, ref) for source, identity, refs in self._db.execute(
            "SELECT source, identity, captures FROM provenance ORDER BY rowid")
            for ref in json.loads(refs)]
