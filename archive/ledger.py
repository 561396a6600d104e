"""The ledger: an SQLite map from article identity to path and content hash, with revisions."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from archive._contained import existing
from archive._ledger_provenance import Provenance, ProvenanceTable
from archive._ledger_schema import SCHEMA, UNKNOWN, UPSERT, LedgerRow, reason, row_values
from archive.errors import LedgerError
from archive.transactions import immediate, retry_busy

LEDGER_FILE = "ledger.sqlite"  # in the archive's hidden folder


class Ledger(ProvenanceTable):
    """Identity → (path, content hash) for every archived article, in one SQLite file."""

    @classmethod
    def open_in(cls, hidden: Path, *, create: bool = False) -> Ledger | None:
        """The ledger in hidden (<archive>/.feedvault); None when there is none yet, unless
        create. ArchiveLinkError when it or the hidden folder is a symbolic link: `.feedvault/`
        may come from a CI cache or a commit, and a ledger is never opened through a link."""
        if existing(hidden.parent, (hidden.name, LEDGER_FILE)) is None and not create:
            return None
        return cls(hidden / LEDGER_FILE)

    def __init__(self, path: Path, *, grouped: bool = False) -> None:
        """grouped: writes (`record`, `record_join`, `note_provenance`) go into one open
        transaction that only `commit` ends, each in a savepoint of its own (a failed write
        undoes itself, not the group's others). Lookups on this ledger see them at once;
        other connections see them after the commit, all together. Otherwise each write
        commits at once."""
        try:
            self._open(path)
        except sqlite3.Error as exc:
            raise LedgerError(f"{path}: cannot open the ledger: {exc}", fatal=True) from exc
        self.path = path
        self.grouped = grouped
        self.waiting = 0  # grouped writes not committed yet

    @retry_busy
    def _open(self, path: Path) -> None:
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        """Close the file; grouped writes not committed are undone (call `commit` first)."""
        self._db.close()

    @property
    def pending(self) -> bool:
        """Grouped writes wait for `commit`."""
        return self._db.in_transaction

    def commit(self) -> None:
        """Commit the grouped writes, all or none: LedgerError (fatal) when SQLite cannot,
        and then none of them is recorded."""
        if not self._db.in_transaction:
            self.waiting = 0
            return
        try:
            self._commit()
        except sqlite3.Error as exc:
            waiting = self.waiting
            self.rollback()
            raise LedgerError(f"{self.path}: cannot record the last {waiting} writes: "
                              f"{reason(exc)}; none of them was recorded",
                              fatal=True) from exc
        self.waiting = 0

    @retry_busy
    def _commit(self) -> None:
        self._db.execute("COMMIT")

    def rollback(self) -> None:
        """Undo the grouped writes not committed yet."""
        self.waiting = 0
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """One write: its own immediate transaction, or a savepoint in the group's."""
        if not self.grouped:
            with immediate(self._db):
                yield
            return
        if not self._db.in_transaction:
            self._db.execute("BEGIN IMMEDIATE")
        self._db.execute("SAVEPOINT one_write")
        try:
            yield
        except BaseException as exc:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK TO one_write")
                self._db.execute("RELEASE one_write")
            elif self.waiting:
                # SQLite undid the whole transaction by itself (a full disk, an I/O error)
                lost, self.waiting = self.waiting, 0
                raise LedgerError(f"{self.path}: the ledger undid its last {lost} writes: "
                                  f"{reason(exc) if isinstance(exc, sqlite3.Error) else exc}",
                                  fatal=True) from exc
            raise
        self._db.execute("RELEASE one_write")
        self.waiting += 1

    def get(self, source: str, identity: str) -> LedgerRow | None:
        row = self._db.execute(
            "SELECT * FROM articles WHERE source = ? AND identity = ?", (source, identity)
        ).fetchone()
        return LedgerRow(*row) if row else None

    def by_path(self, path: str) -> LedgerRow | None:
        row = self._db.execute("SELECT * FROM articles WHERE path = ?", (path,)).fetchone()
        return LedgerRow(*row) if row else None

    def path_taken(self, path: str) -> bool:
        return self._db.execute("SELECT 1 FROM articles WHERE path = ?", (path,)).fetchone() is not None

    def by_link(self, source: str, link: str) -> list[LedgerRow]:
        rows = self._db.execute(
            "SELECT * FROM articles WHERE source = ? AND link = ? LIMIT 2", (source, link)
        ).fetchall()
        return [LedgerRow(*row) for row in rows]

    def near_link(self, stem: str) -> list[LedgerRow]:
        """Every source's rows whose link is stem, or stem followed by a query or fragment."""
        rows = self._db.execute(
            "SELECT * FROM articles WHERE link = ? OR (link >= ? AND link < ?) "
            "OR (link >= ? AND link < ?) ORDER BY first_seen LIMIT 100",
            (stem, stem + "?", stem + "?\U0010ffff", stem + "#", stem + "#\U0010ffff"),
        ).fetchall()
        return [LedgerRow(*row) for row in rows]

    def joined(self, source: str, identity: str) -> str | None:
        """The path of the article that source's identity joined, if it joined one."""
        row = self._db.execute("SELECT path FROM joined WHERE source = ? AND identity = ?",
                               (source, identity)).fetchone()
        return row[0] if row else None

    def joined_sources(self, path: str) -> list[str]:
        """The sources that joined the article at path, in the order they came."""
        rows = self._db.execute("SELECT source FROM joined WHERE path = ? ORDER BY rowid",
                                (path,)).fetchall()
        return list(dict.fromkeys(row[0] for row in rows))

    def record_join(self, source: str, identity: str, owner: LedgerRow, seen: str) -> None:
        """source's identity joins owner's article, whose file now lists it (owner's new
        content hash): both in one transaction, after the file was written."""
        try:
            self._record_join(source, identity, owner, seen)
        except sqlite3.Error as exc:
            raise LedgerError(f"{self.path}: cannot record {source} on {owner.path}: "
                              f"{reason(exc)}") from exc

    @retry_busy
    def _record_join(self, source: str, identity: str, owner: LedgerRow, seen: str) -> None:
        with self._writing():
            # a row rebuilt from the file (its identity unknown then) gets the real one in
            # place, so the sources keep the order the file lists them in
            self._db.execute("DELETE FROM joined WHERE source = ? AND identity = ? AND path != ?",
                             (source, identity, owner.path))
            placed = self._db.execute(
                "UPDATE joined SET identity = ? WHERE rowid = (SELECT rowid FROM joined "
                "WHERE source = ? AND path = ? ORDER BY rowid LIMIT 1)",
                (identity, source, owner.path)).rowcount
            if not placed:
                self._db.execute("INSERT INTO joined VALUES (?, ?, ?, ?)",
                                 (source, identity, owner.path, seen))
            self._db.execute(UPSERT, row_values(owner))
            self._revise(owner, seen)

    def _revise(self, entry: LedgerRow, seen: str) -> None:
        """One more revision of entry, unless its latest already has this hash."""
        last = self._db.execute(
            "SELECT content_hash FROM revisions WHERE source = ? AND identity = ? "
            "ORDER BY rowid DESC LIMIT 1", (entry.source, entry.identity),
        ).fetchone()
        if last is None or last[0] != entry.content_hash:
            self._db.execute("INSERT INTO revisions VALUES (?, ?, ?, ?)",
                             (entry.source, entry.identity, entry.content_hash, seen))

    def record(self, entry: LedgerRow, seen: str, provenance: Provenance | None = None) -> None:
        """Insert the article's row, or update it in place, and add a revision (and where it
        came from, when known), in one transaction."""
        try:
            if self._db.in_transaction:  # a group's: the ledger is ours, nothing to wait for
                Ledger._record.__wrapped__(self, entry, seen, provenance)  # type: ignore[attr-defined]
            else:
                self._record(entry, seen, provenance)
        except sqlite3.Error as exc:
            fatal = isinstance(exc, sqlite3.OperationalError) and any(
                word in str(exc) for word in ("disk is full", "readonly", "disk I/O")
            )
            raise LedgerError(f"{self.path}: cannot record {entry.path}: {reason(exc)}",
                              fatal=fatal) from exc

    @retry_busy
    def _record(self, entry: LedgerRow, seen: str, provenance: Provenance | None) -> None:
        with self._writing():
            self._db.execute(UPSERT, row_values(entry))
            self._db.execute(
                "INSERT INTO revisions VALUES (?, ?, ?, ?)",
                (entry.source, entry.identity, entry.content_hash, seen),
            )
            if provenance is not None:
                self._add_provenance(entry.source, entry.identity, entry.content_hash,
                                     provenance, seen)

    def rebuild(self, entries: list[LedgerRow], seen: str,
                joins: Sequence[tuple[str, str]] = ()) -> None:
        """Replace every article row with entries, in one transaction (`verify --repair`).

        Revisions are history and stay; an entry whose hash is not its latest
        revision gets one more, seen now. joins: (source, path) for every further source
        an article file lists, in its order: the `joined` rows become these, keeping
        the ones already there (a file does not say the joined source's identity: a new
        row holds a stand-in until that source delivers the article again).
        """
        try:
            self._rebuild(entries, seen, joins)
        except sqlite3.Error as exc:
            raise LedgerError(f"{self.path}: cannot rebuild the ledger: {exc}") from exc

    @retry_busy
    def _rebuild(self, entries: list[LedgerRow], seen: str,
                 joins: Sequence[tuple[str, str]]) -> None:
        with immediate(self._db):
            self._db.execute("DELETE FROM articles")
            for entry in entries:
                self._db.execute("INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                 row_values(entry))
                self._revise(entry, seen)
            wanted = dict.fromkeys(joins)
            for rowid, source, path in self._db.execute(
                    "SELECT rowid, source, path FROM joined").fetchall():
                if (source, path) in wanted:
                    wanted.pop((source, path))
                else:
                    self._db.execute("DELETE FROM joined WHERE rowid = ?", (rowid,))
            for source, path in wanted:
                self._db.execute("INSERT OR REPLACE INTO joined VALUES (?, ?, ?, ?)",
                                 (source, f"{UNKNOWN}{path}", path, seen))

    def revisions(self, source: str, identity: str) -> list[tuple[str, str]]:
        return self._db.execute(
            "SELECT content_hash, seen FROM revisions WHERE source = ? AND identity = ? "
            "ORDER BY rowid",
            (source, identity),
        ).fetchall()

    def counts(self) -> dict[str, int]:
        """Articles per source."""
        return dict(self._db.execute("SELECT source, COUNT(*) FROM articles GROUP BY source"))

    def of_source(self, source: str) -> list[LedgerRow]:
        return [LedgerRow(*row) for row in self._db.execute(
            "SELECT * FROM articles WHERE source = ? ORDER BY path", (source,))]

    def forget(self, source: str) -> None:
        """Delete a source's rows, revisions and joins, in one transaction (`sources remove
        --purge`): the files it joined drop it from their `sources` at their next write."""
        try:
            self._forget(source)
        except sqlite3.Error as exc:
            raise LedgerError(f"{self.path}: cannot forget {source}: {reason(exc)}") from exc

    @retry_busy
    def _forget(self, source: str) -> None:
        with immediate(self._db):
            # its joins, and other sources' joins to its own articles (whose files go too)
            self._db.execute("DELETE FROM joined WHERE source = ? OR path IN "
                             "(SELECT path FROM articles WHERE source = ?)", (source, source))
            self._db.execute("DELETE FROM articles WHERE source = ?", (source,))
            self._db.execute("DELETE FROM revisions WHERE source = ?", (source,))
            self._db.execute("DELETE FROM provenance WHERE source = ?", (source,))

    def empty(self) -> bool:
        """No article rows: a new archive, or one whose ledger was deleted."""
        return self._db.execute("SELECT 1 FROM articles LIMIT 1").fetchone() is None

    def entries(self) -> list[LedgerRow]:
        return [LedgerRow(*row) for row in self._db.execute("SELECT * FROM articles ORDER BY path")]
