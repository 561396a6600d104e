"""Our own SQLite writes: one immediate transaction each, retried while another process
holds the database (tenacity)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from tenacity import retry, retry_if_exception, stop_after_delay, wait_random_exponential

F = TypeVar("F", bound=Callable[..., Any])


def _busy(exc: BaseException) -> bool:
    """`database is locked` / `database table is locked` / `busy`: worth waiting for."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    message = str(exc).lower()
    return "locked" in message or "busy" in message


def retry_busy(func: F) -> F:
    """Retry func with jittered exponential backoff for up to a minute while SQLite is busy.

    sqlite3's own `timeout` already waits for a lock; this covers what it does not:
    a writer that keeps the database for longer, or BEGIN IMMEDIATE racing another
    process's checkpoint.
    """
    return retry(  # type: ignore[return-value]
        retry=retry_if_exception(_busy),
        wait=wait_random_exponential(multiplier=0.05, max=2),
        stop=stop_after_delay(60),
        reraise=True,
    )(func)


@contextmanager
def immediate(db: sqlite3.Connection) -> Iterator[None]:
    """A write transaction, taken at once (BEGIN IMMEDIATE): all of it commits, or none."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


@retry_busy
def open_database(path: Path, schema: str) -> sqlite3.Connection:
    """One of our SQLite files, created with its folder if missing: autocommit (writes take
    `immediate`), write-ahead log so readers never wait for the writer, the schema applied."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=30, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(schema)
    return db
