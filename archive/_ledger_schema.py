"""The ledger's SQLite tables, and the statements and messages its queries share."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LedgerRow:
    """What the ledger knows of one article."""

    source: str
    identity: str
    path: str
    link: str | None
    content_hash: str
    date: str
    first_seen: str
    updated: str


SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    source       TEXT NOT NULL,
    identity     TEXT NOT NULL,
    path         TEXT NOT NULL UNIQUE,
    link         TEXT,
    content_hash TEXT NOT NULL,
    date         TEXT NOT NULL,
    first_seen   TEXT NOT NULL,
    updated      TEXT NOT NULL,
    PRIMARY KEY (source, identity)
);
CREATE INDEX IF NOT EXISTS articles_link ON articles (source, link);
CREATE TABLE IF NOT EXISTS revisions (
    source       TEXT NOT NULL,
    identity     TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    seen         TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS revisions_identity ON revisions (source, identity);
CREATE INDEX IF NOT EXISTS articles_any_link ON articles (link);
CREATE TABLE IF NOT EXISTS joined (
    source       TEXT NOT NULL,
    identity     TEXT NOT NULL,
    path         TEXT NOT NULL,
    seen         TEXT NOT NULL,
    PRIMARY KEY (source, identity)
);
CREATE INDEX IF NOT EXISTS joined_path ON joined (path);
CREATE TABLE IF NOT EXISTS provenance (
    source        TEXT NOT NULL,
    identity      TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    source_digest TEXT,
    captures      TEXT NOT NULL,
    seen          TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS provenance_identity ON provenance (source, identity);
"""
# One article's row, inserted or updated in place. Not INSERT OR REPLACE: that resolves
# a conflict on the UNIQUE path too, by deleting the row of the other article there.
UPSERT = (
    "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, identity) "
    "DO UPDATE SET path = excluded.path, link = excluded.link, "
    "content_hash = excluded.content_hash, date = excluded.date, "
    "first_seen = excluded.first_seen, updated = excluded.updated"
)
# The identity of a joined row rebuilt from a file's `sources` list: the file does not say
# it; the source's next delivery of the article puts the real one in its place.
UNKNOWN = "?file:"
# `joined`: a further source that delivered an article another source archived first
# (cross_source = "merge"): its identity for it, and the file it joined.
# `provenance`: what an article's revision (its content hash) was built from: a digest of
# the source's own bytes for it and the raw captures of the responses, newest row last.


def row_values(entry: Any) -> tuple[str | None, ...]:
    """A LedgerRow as the `articles` table's columns, in order."""
    return (entry.source, entry.identity, entry.path, entry.link, entry.content_hash,
            entry.date, entry.first_seen, entry.updated)


def reason(exc: sqlite3.Error) -> str:
    """SQLite's message, with the operating system's words for a full disk (as a failed file
    write says it), whichever of the two the disk ran out under."""
    if isinstance(exc, sqlite3.IntegrityError) and "articles.path" in str(exc):
        return f"the path is another article's ({exc}); nothing was recorded"
    if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
        return f"No space left on device (SQLite: {exc})"
    return str(exc)
