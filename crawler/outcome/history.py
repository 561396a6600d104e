"""Each source's last crawl: when, its outcome, its run of failures and drift warnings, kept
in the HTTP state file (`.feedvault/http.sqlite`, its own table) for `feedvault status`."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from archive import HIDDEN, LedgerError
from archive.transactions import immediate, open_database, retry_busy
from crawler.outcome.report import SourceSummary
from crawler.schedule.http_state import FILE_NAME

logger = logging.getLogger(__name__)

# Added next to the HTTP state's own tables; a state file from before it gains it on open.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS source_runs (
    source        TEXT PRIMARY KEY,
    last_crawl    TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    failures      INTEGER NOT NULL DEFAULT 0,
    last_new      TEXT,
    new           INTEGER NOT NULL DEFAULT 0,
    updated       INTEGER NOT NULL DEFAULT 0,
    problems      TEXT NOT NULL DEFAULT '[]',
    drift         TEXT NOT NULL DEFAULT '[]'
);
"""
# The words every drift warning carries (crawler/fulltext/pages.py, crawler/outcome/drift.py).
DRIFT_WORDS = "the page layout may have changed"


@dataclass(frozen=True)
class SourceRun:
    """What the last crawl of one source found; `failures` counts crawls failed in a row."""

    source: str
    last_crawl: datetime
    outcome: str
    failures: int = 0
    last_new: datetime | None = None
    new: int = 0
    updated: int = 0
    problems: tuple[str, ...] = ()
    drift: tuple[str, ...] = ()

    @property
    def failing(self) -> bool:
        return self.outcome == "failed"


class RunHistory:
    """The `source_runs` table of one archive's HTTP state."""

    def __init__(self, archive_root: Path) -> None:
        self.path = archive_root / HIDDEN / FILE_NAME
        try:
            self._db = open_database(self.path, _SCHEMA)
        except sqlite3.Error as exc:
            raise LedgerError(f"{self.path}: cannot open the crawl history: {exc}") from exc

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> RunHistory:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @retry_busy
    def runs(self) -> dict[str, SourceRun]:
        rows = self._db.execute(
            "SELECT source, last_crawl, outcome, failures, last_new, new, updated, problems, "
            "drift FROM source_runs").fetchall()
        return {row[0]: SourceRun(row[0], datetime.fromisoformat(row[1]), row[2], row[3],
                                  datetime.fromisoformat(row[4]) if row[4] else None,
                                  row[5], row[6], tuple(json.loads(row[7])),
                                  tuple(json.loads(row[8])))
                for row in rows}

    def record(self, summaries: Iterable[SourceSummary], now: datetime) -> dict[str, SourceRun]:
        """Store the outcome of the sources this crawl took (skipped ones keep their last);
        return each one's run before this crawl, to tell a new failure from an old one."""
        try:
            return self._record(list(summaries), now)
        except sqlite3.Error as exc:
            raise LedgerError(f"{self.path}: cannot save the crawl history: {exc}") from exc

    @retry_busy
    def _record(self, summaries: list[SourceSummary], now: datetime) -> dict[str, SourceRun]:
        with immediate(self._db):
            before = self.runs()
            for summary in summaries:
                if summary.skipped:
                    continue
                last = before.get(summary.name)
                failed = summary.status == "failed"
                failures = (last.failures if last else 0) + 1 if failed else 0
                last_new = now if summary.new else (last.last_new if last else None)
                drift = [p for p in summary.problems if DRIFT_WORDS in p]
                if summary.status == "not modified" and last is not None:
                    drift = list(last.drift)  # no page was read: the last verdict stands
                self._db.execute(
                    "INSERT OR REPLACE INTO source_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (summary.name, now.isoformat(), summary.status, failures,
                     last_new.isoformat() if last_new else None, summary.new, summary.updated,
                     json.dumps(summary.problems, ensure_ascii=False),
                     json.dumps(drift, ensure_ascii=False)))
        return before


def record_crawl(archive_root: Path, summaries: Iterable[SourceSummary], now: datetime
                 ) -> dict[str, SourceRun] | None:
    """`RunHistory.record` at the end of a crawl; a state file that cannot be written is a
    warning (the articles are archived), and None is returned."""
    try:
        with RunHistory(archive_root) as history:
            return history.record(summaries, now)
    except LedgerError as exc:
        logger.warning("%s", exc)
        return None
