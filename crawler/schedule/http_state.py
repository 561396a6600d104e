"""HTTP state between crawls, in SQLite: validators per URL, poll times per source, the
request pace AutoThrottle settled on per site, and the hosts that were unreachable.

Validators are keyed by the URL without its secrets (`redact_url`: no password, no value of
?token= and the like), as the URL is recorded everywhere else in `.feedvault/`, which CI
caches and some users commit; a crawl finds them again by the same rule. Two URLs that
differ only in a secret (one feed per ?key=) must not share validators (a Last-Modified
sent to the other could earn a wrong 304), so a redacted key carries a digest of the whole
URL: the same URL finds its row, the secret cannot be read back from it."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from archive import HIDDEN, LedgerError
from archive.transactions import immediate, open_database, retry_busy
from archive.urls import redact_url

FILE_NAME = "http.sqlite"


def _key(url: str) -> str:
    """The row key of a URL's validators: the URL, or without its secrets plus a digest."""
    redacted = redact_url(url)
    if redacted == url:
        return url
    return f"{redacted} #{hashlib.sha256(url.encode('utf-8')).hexdigest()[:20]}"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS validators (
    url           TEXT PRIMARY KEY,
    etag          TEXT,
    last_modified TEXT,
    stored        TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS polls (
    source        TEXT PRIMARY KEY,
    last_polled   TEXT,
    not_before    TEXT,
    skip_hours    TEXT NOT NULL DEFAULT '[]',
    skip_days     TEXT NOT NULL DEFAULT '[]',
    ttl           INTEGER,
    outcome       TEXT
);
CREATE TABLE IF NOT EXISTS paces (
    slot          TEXT PRIMARY KEY,
    delay         REAL NOT NULL,
    stored        TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS hosts_down (
    host          TEXT PRIMARY KEY,
    reason        TEXT NOT NULL,
    stored        TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class Validators:
    """What a server said identifies the version we have: `ETag` and `Last-Modified`."""

    etag: str | None = None
    last_modified: str | None = None

    def __bool__(self) -> bool:
        return bool(self.etag or self.last_modified)


@dataclass(frozen=True)
class Poll:
    """A source's last poll and the earliest next one the site allows."""

    last_polled: datetime | None = None
    not_before: datetime | None = None
    skip_hours: tuple[int, ...] = ()
    skip_days: tuple[str, ...] = ()
    ttl: int | None = None  # RSS <ttl>, minutes
    outcome: str | None = None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class HttpState:
    """`.feedvault/http.sqlite` of one archive; cheap to open, safe to share between processes."""

    def __init__(self, archive_root: Path) -> None:
        self.path = archive_root / HIDDEN / FILE_NAME
        try:
            self._db = open_database(self.path, _SCHEMA)
        except sqlite3.Error as exc:
            raise LedgerError(f"{self.path}: cannot open the HTTP state: {exc}") from exc

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> HttpState:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @retry_busy
    def validators(self, url: str) -> Validators:
        row = self._db.execute(
            "SELECT etag, last_modified FROM validators WHERE url = ?", (_key(url),)
        ).fetchone()
        return Validators(*row) if row else Validators()

    @retry_busy
    def poll(self, source: str) -> Poll:
        row = self._db.execute(
            "SELECT last_polled, not_before, skip_hours, skip_days, ttl, outcome FROM polls "
            "WHERE source = ?", (source,)
        ).fetchone()
        if row is None:
            return Poll()
        return Poll(_dt(row[0]), _dt(row[1]), tuple(json.loads(row[2])),
                    tuple(json.loads(row[3])), row[4], row[5])

    def save(self, validators: Mapping[str, Validators], polls: Mapping[str, Poll],
             now: datetime) -> None:
        """Store what a crawl learnt, all or nothing."""
        self._guarded(self._save, validators, polls, now)

    @retry_busy
    def _save(self, validators: Mapping[str, Validators], polls: Mapping[str, Poll],
              now: datetime) -> None:
        with immediate(self._db):
            for url, found in validators.items():
                key = _key(url)
                if key != url:  # a row an older feedvault keyed by the URL, secret and all
                    self._db.execute("DELETE FROM validators WHERE url = ?", (url,))
                self._db.execute("INSERT OR REPLACE INTO validators VALUES (?, ?, ?, ?)",
                                 (key, found.etag, found.last_modified, now.isoformat()))
            for source, poll in polls.items():
                self._db.execute(
                    "INSERT OR REPLACE INTO polls VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (source, _iso(poll.last_polled), _iso(poll.not_before),
                     json.dumps(list(poll.skip_hours)), json.dumps(list(poll.skip_days)),
                     poll.ttl, poll.outcome),
                )

    def _guarded(self, write: Callable[..., None], *args: Any) -> None:
        try:
            write(*args)
        except sqlite3.Error as exc:
            raise LedgerError(f"{self.path}: cannot save the HTTP state: {exc}") from exc

    @retry_busy
    def paces(self) -> dict[str, float]:
        """Seconds between requests per download slot (host) at the end of the last crawl."""
        return dict(self._db.execute("SELECT slot, delay FROM paces").fetchall())

    def save_paces(self, paces: Mapping[str, float], now: datetime) -> None:
        self._guarded(self._save_paces, paces, now)

    @retry_busy
    def _save_paces(self, paces: Mapping[str, float], now: datetime) -> None:
        with immediate(self._db):
            self._db.executemany("INSERT OR REPLACE INTO paces VALUES (?, ?, ?)",
                                 [(slot, delay, now.isoformat()) for slot, delay in paces.items()])

    @retry_busy
    def hosts_down(self) -> dict[str, str]:
        """Hosts (`name:port`) unreachable at the end of the last crawl that tried them, and why."""
        return dict(self._db.execute("SELECT host, reason FROM hosts_down").fetchall())

    def save_hosts(self, down: Mapping[str, str], up: Collection[str], now: datetime) -> None:
        """Remember the hosts that were down; forget those that answered."""
        self._guarded(self._save_hosts, down, up, now)

    @retry_busy
    def _save_hosts(self, down: Mapping[str, str], up: Collection[str], now: datetime) -> None:
        with immediate(self._db):
            self._db.executemany("DELETE FROM hosts_down WHERE host = ?", [(h,) for h in up])
            self._db.executemany("INSERT OR REPLACE INTO hosts_down VALUES (?, ?, ?)",
                                 [(h, why, now.isoformat()) for h, why in down.items()])
