"""Per-source crawl outcome: counters kept in Scrapy's stats, and the end-of-crawl summary."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from archive.urls import REMOVED, redact_url

logger = logging.getLogger(__name__)

STATUSES = ("new", "updated", "unchanged", "not_modified", "failed", "filtered")
DEADLINE = "feedvault/deadline"  # set once the crawl deadline left work undone: which one


# An absolute URL inside a report line; the punctuation of the sentence around it is put back.
_URL = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+")
_TRAILING = ":;,.)"


def _redact_match(match: re.Match[str]) -> str:
    url, trail = match.group(), ""
    while url and url[-1] in _TRAILING and not url.endswith(REMOVED):
        url, trail = url[:-1], url[-1] + trail
    return redact_url(url) + trail


# What a terminal obeys rather than shows (ESC, CSI, CR, bidi overrides) and line breaks: a
# report line is one line, whatever a server's error message or a page said.
_UNSHOWN = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _shown(message: str) -> str:
    return _UNSHOWN.sub(lambda m: f"\\u{ord(m.group()):04x}", message)


def _redacted(message: str) -> str:
    """The message with every URL in it as `redact_url` writes it: report lines reach the
    terminal, CI logs, --report JSON, the run history in .feedvault/ and notifications, and
    a feed URL written in feedvault.toml may carry a token, a key or a password."""
    return _URL.sub(_redact_match, message) if "://" in message else message


def _key(source: str, what: str) -> str:
    return f"feedvault/{source}/{what}"


def count(stats: Any, source: str, status: str, number: int = 1) -> None:
    """number more articles of source in the status column (fewer, when negative)."""
    stats.inc_value(_key(source, status), number)
    stats.set_value(_key(source, "finished"), time.time())


def mark(stats: Any, source: str, what: str, value: Any, *, first: bool = False) -> None:
    """Set a per-source value; with first, only if it is not set yet."""
    if first and stats.get_value(_key(source, what)) is not None:
        return
    stats.set_value(_key(source, what), value)


def problem(stats: Any, source: str, message: str, *, fatal: bool = False) -> None:
    """Record something the user must hear about; fatal marks the whole source as failed."""
    message = _shown(_redacted(message))
    problems = stats.get_value(_key(source, "problems")) or []
    stats.set_value(_key(source, "problems"), [*problems, message])
    if fatal:
        stats.set_value(_key(source, "broken"), True)
    logger.warning("%s: %s", source, message)


def failed_url(stats: Any, source: str, url: str | None, reason: str, *,
               fatal: bool = False) -> None:
    """A URL (a feed, an article page, an item's link) that could not be archived, and why."""
    failures = stats.get_value(_key(source, "failures")) or []
    shown = redact_url(url) if url else url
    stats.set_value(_key(source, "failures"), [*failures, {"url": shown, "reason": reason}])
    problem(stats, source, f"{url}: {reason}" if url else reason, fatal=fatal)


def left(stats: Any, source: str, url: str) -> None:
    """A URL the crawl deadline cut off: the next crawl fetches it (the source keeps no
    validators and no poll time, so its feed is read in full again)."""
    urls = stats.get_value(_key(source, "left")) or []
    stats.set_value(_key(source, "left"), [*urls, redact_url(url)])
    stats.set_value(_key(source, "incomplete"), True)


@dataclass
class SourceSummary:
    name: str
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    not_modified: int = 0
    failed: int = 0
    filtered: int = 0  # items the source's include / exclude rules dropped
    broken: bool = False
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    failures: list[dict[str, str | None]] = field(default_factory=list)
    skipped: str | None = None  # why the source was not crawled (not due, postponed)
    not_before: str | None = None  # earliest next poll the site asked for
    left: list[str] = field(default_factory=list)  # URLs the deadline left for the next crawl

    @property
    def ok(self) -> bool:
        return not self.broken and not self.failed

    @property
    def status(self) -> str:
        if self.skipped:
            return "skipped"
        if not self.ok:
            return "failed"
        if self.left:
            return "stopped"
        return "not modified" if self.not_modified and not (
            self.new or self.updated or self.unchanged) else "ok"


def summarize(stats: dict[str, Any], sources: Iterable[str]) -> list[SourceSummary]:
    result = []
    for name in sources:
        summary = SourceSummary(name)
        for status in STATUSES:
            setattr(summary, status, int(stats.get(_key(name, status), 0)))
        summary.broken = bool(stats.get(_key(name, "broken")))
        summary.problems = list(stats.get(_key(name, "problems"), []))
        summary.failures = list(stats.get(_key(name, "failures"), []))
        summary.not_before = stats.get(_key(name, "not_before"))
        summary.left = list(stats.get(_key(name, "left"), []))
        started, finished = stats.get(_key(name, "started")), stats.get(_key(name, "finished"))
        if started is not None and finished is not None:
            summary.seconds = round(max(0.0, finished - started), 2)
        result.append(summary)
    return result


def format_summary(summaries: list[SourceSummary]) -> str:
    width = max([len("source"), *(len(s.name) for s in summaries)])
    # the filtered column only when a rule dropped something: other tables keep their columns
    filtered = any(s.filtered for s in summaries)
    lines = [f"{'source':<{width}}  {'new':>5} {'updated':>7} {'unchanged':>9} "
             f"{'not-modified':>12} {'failed':>6}{' filtered' if filtered else ''} "
             f"{'seconds':>7}  status"]
    for s in summaries:
        status = s.status.upper() if s.status == "failed" else s.status
        if s.skipped:
            status = f"skipped: {s.skipped}"
        elif s.not_before:
            status += f" (next poll not before {s.not_before})"
        lines.append(
            f"{s.name:<{width}}  {s.new:>5} {s.updated:>7} {s.unchanged:>9} "
            f"{s.not_modified:>12} {s.failed:>6}{f' {s.filtered:>8}' if filtered else ''} "
            f"{s.seconds:>7.1f}  {status}"
        )
    for s in summaries:
        lines.extend(f"  {s.name}: {p}" for p in s.problems)
        if s.left:
            lines.append(f"  {s.name}: left for the next crawl: {_left(s.left)}")
    return "\n".join(lines)


def _left(urls: list[str]) -> str:
    shown = ", ".join(urls[:3]) + (", ..." if len(urls) > 3 else "")
    return f"{len(urls)} URL{'s' if len(urls) != 1 else ''} ({shown})"
