"""Where a backfill stands, so an interrupted one continues: `.feedvault/backfill-<source>.sqlite`."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from archive import HIDDEN, LedgerError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pages (
    url    TEXT PRIMARY KEY,
    kind   TEXT NOT NULL,      -- sitemap | list | feed
    number INTEGER,            -- {page} templates: the page number
    status TEXT NOT NULL       -- pending | done
);
CREATE TABLE IF NOT EXISTS articles (
    url    TEXT PRIMARY KEY,
    page   TEXT NOT NULL,      -- the page that named it
    status TEXT NOT NULL,      -- pending | archived | skipped | outside | failed
    date   TEXT                -- from the listing, the sitemap or the article
);
CREATE INDEX IF NOT EXISTS articles_page ON articles (page, status);
"""
OPEN = ("pending", "failed")  # what a resumed run fetches again


def state_path(archive_root: Path, source: str) -> Path:
    return archive_root / HIDDEN / f"backfill-{source}.sqlite"


class BackfillState:
    """Pages listed and article outcomes of one source's backfill; in memory for a dry run."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        try:
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(":memory:" if path is None else path, timeout=30,
                                       isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # losing the last outcomes costs a refetch
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise LedgerError(f"{path}: cannot open the backfill state: {exc}") from exc

    def close(self) -> None:
        self._db.close()

    def start(self, window: str) -> bool:
        """True when a run for this window was interrupted and continues; else start afresh."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'window'").fetchone()
        resumed = row is not None and row[0] == window and self._db.execute(
            "SELECT 1 FROM pages LIMIT 1").fetchone() is not None
        if not resumed:
            self._db.executescript("DELETE FROM pages; DELETE FROM articles; DELETE FROM meta;")
            self._db.execute("INSERT INTO meta VALUES ('window', ?)", (window,))
        return resumed

    def add_page(self, url: str, kind: str, number: int | None = None) -> bool:
        """Record a page to list; False if it is already known (listed, or queued)."""
        cur = self._db.execute("INSERT OR IGNORE INTO pages VALUES (?, ?, ?, 'pending')",
                               (url, kind, number))
        return cur.rowcount == 1

    def page_done(self, url: str, found: list[tuple[str, datetime | None]]) -> list[str]:
        """Mark a page listed with the articles it names; returns the URLs new to this backfill."""
        new = []
        self._db.execute("BEGIN")
        try:
            for link, date in found:
                cur = self._db.execute(
                    "INSERT OR IGNORE INTO articles VALUES (?, ?, 'pending', ?)",
                    (link, url, date.isoformat() if date else None))
                if cur.rowcount == 1:
                    new.append(link)
            self._db.execute("UPDATE pages SET status = 'done' WHERE url = ?", (url,))
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return new

    def pending_pages(self) -> list[tuple[str, str, int | None]]:
        return self._db.execute(
            "SELECT url, kind, number FROM pages WHERE status = 'pending' ORDER BY rowid").fetchall()

    def open_articles(self) -> list[tuple[str, str]]:
        """(url, page) of articles not finished: never fetched, or failed last time."""
        return self._db.execute(
            "SELECT url, page FROM articles WHERE status IN (?, ?) ORDER BY rowid", OPEN).fetchall()

    def reopen(self, recorded: Callable[[str], bool]) -> int:
        """Articles marked archived whose ledger row never became durable (their group was
        not committed: a killed run, a failed flush) are pending again; returns how many."""
        lost = [url for (url,) in self._db.execute(
            "SELECT url FROM articles WHERE status = 'archived'").fetchall() if not recorded(url)]
        for url in lost:
            self._db.execute("UPDATE articles SET status = 'pending' WHERE url = ?", (url,))
        return len(lost)

    def article(self, url: str, status: str, date: datetime | None = None) -> str | None:
        """Record an article's outcome; returns the page that named it."""
        self._db.execute("UPDATE articles SET status = ?, date = COALESCE(?, date) WHERE url = ?",
                         (status, date.isoformat() if date else None, url))
        row = self._db.execute("SELECT page FROM articles WHERE url = ?", (url,)).fetchone()
        return row[0] if row else None

    def date_of(self, url: str) -> datetime | None:
        row = self._db.execute("SELECT date FROM articles WHERE url = ?", (url,)).fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    def page_dates(self, page: str) -> list[datetime | None] | None:
        """The dates of a listing page's articles once all are settled; None while some are
        open, or for sitemaps and feeds (a sitemap is in no order; a feed page gives dates)."""
        kind = self._db.execute("SELECT kind FROM pages WHERE url = ?", (page,)).fetchone()
        if kind is None or kind[0] != "list" or self._db.execute(
                "SELECT 1 FROM articles WHERE page = ? AND status = 'pending' LIMIT 1",
                (page,)).fetchone():
            return None
        rows = self._db.execute("SELECT date FROM articles WHERE page = ?", (page,)).fetchall()
        return [datetime.fromisoformat(d) if d else None for (d,) in rows]

    def drop_pending_pages(self, kind: str) -> None:
        """Forget queued pages of a listing that reached articles older than the window."""
        self._db.execute("DELETE FROM pages WHERE kind = ? AND status = 'pending'", (kind,))

    def counts(self) -> dict[str, int]:
        rows = self._db.execute("SELECT status, count(*) FROM articles GROUP BY status").fetchall()
        return dict(rows)

    def remove(self) -> None:
        """The backfill finished: the next one starts afresh (and skips what is archived)."""
        self.close()
        if self.path is not None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
