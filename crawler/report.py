"""Per-source crawl outcome: counters kept in Scrapy's stats, and the end-of-crawl summary."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

STATUSES = ("new", "updated", "unchanged", "failed")


def _key(source: str, what: str) -> str:
    return f"feedvault/{source}/{what}"


def count(stats: Any, source: str, status: str) -> None:
    stats.inc_value(_key(source, status))


def problem(stats: Any, source: str, message: str, *, fatal: bool = False) -> None:
    """Record something the user must hear about; fatal marks the whole source as failed."""
    problems = stats.get_value(_key(source, "problems")) or []
    stats.set_value(_key(source, "problems"), [*problems, message])
    if fatal:
        stats.set_value(_key(source, "broken"), True)
    logger.warning("%s: %s", source, message)


@dataclass
class SourceSummary:
    name: str
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    broken: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.broken and not self.failed


def summarize(stats: dict[str, Any], sources: Iterable[str]) -> list[SourceSummary]:
    result = []
    for name in sources:
        summary = SourceSummary(name)
        for status in STATUSES:
            setattr(summary, status, int(stats.get(_key(name, status), 0)))
        summary.broken = bool(stats.get(_key(name, "broken")))
        summary.problems = list(stats.get(_key(name, "problems"), []))
        result.append(summary)
    return result


def format_summary(summaries: list[SourceSummary]) -> str:
    width = max([len("source"), *(len(s.name) for s in summaries)])
    lines = [f"{'source':<{width}}  {'new':>5} {'updated':>7} {'unchanged':>9} {'failed':>6}  status"]
    for s in summaries:
        status = "ok" if s.ok else "FAILED"
        lines.append(
            f"{s.name:<{width}}  {s.new:>5} {s.updated:>7} {s.unchanged:>9} {s.failed:>6}  {status}"
        )
    for s in summaries:
        lines.extend(f"  {s.name}: {p}" for p in s.problems)
    return "\n".join(lines)
