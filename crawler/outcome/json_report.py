"""`--report FILE.json`: the crawl's outcome in a stable, documented schema (README)."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from archive import FeedvaultError
from archive.atomic import atomic_write
from crawler.outcome.report import SourceSummary

SCHEMA = "feedvault-crawl-report/1"



class ReportError(FeedvaultError):
    """The JSON report path is not usable."""


def build(summaries: list[SourceSummary], *, started: datetime, finished: datetime,
          archive: Path, exit_status: int, stopped: str | None = None) -> dict[str, Any]:
    sources: list[dict[str, Any]] = []
    for s in summaries:
        sources.append({
            "name": s.name,
            "status": s.status,  # ok | not modified | failed | stopped | skipped
            "skipped": s.skipped,
            "new": s.new,
            "updated": s.updated,
            "unchanged": s.unchanged,
            "not_modified": s.not_modified,
            "failed": s.failed,
            "filtered": s.filtered,  # items the include / exclude rules dropped
            "seconds": s.seconds,
            "not_before": s.not_before,
            "failures": [dict(f) for f in s.failures],
            "problems": list(s.problems),
            "left": list(s.left),  # URLs the deadline left for the next crawl
        })
    return {
        "schema": SCHEMA,
        "started": started.isoformat(),
        "finished": finished.isoformat(),
        "seconds": round((finished - started).total_seconds(), 2),
        "archive": str(archive),
        "exit_status": exit_status,
        "stopped": stopped,  # why the crawl stopped before its work was done, or None
        "totals": {k: sum(src[k] for src in sources)
                   for k in ("new", "updated", "unchanged", "not_modified", "failed",
                             "filtered")},
        "sources": sources,
        "failures": [{"source": src["name"], **f} for src in sources for f in src["failures"]],
    }


def check_writable(path: Path) -> None:
    """Fail before the crawl, not after it, when the report could not be written."""
    if path.is_dir():
        raise ReportError(f"--report {path}: is a folder; give a file name such as report.json")
    folder = path.absolute().parent
    while not folder.exists():  # missing folders are created when the report is written
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise ReportError(f"--report {path}: cannot create or write into {folder}")


def write(path: Path, report: dict[str, Any]) -> None:
    """Write atomically, so a monitor never reads half a report."""
    try:
        _write(path, report)
    except OSError as exc:
        raise ReportError(f"--report {path}: cannot write: {exc.strerror or exc}") from exc


def _write(path: Path, report: dict[str, Any]) -> None:
    atomic_write(path, (json.dumps(report, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
