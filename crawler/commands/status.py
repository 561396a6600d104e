"""`feedvault status`: how each source is doing, from what the crawls left in `.feedvault/`."""

from __future__ import annotations

import argparse
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from archive import HIDDEN
from archive.ledger import Ledger
from crawler.commands.exit import EXIT_FAILED, EXIT_OK
from crawler.config import Config, SourceConfig
from crawler.outcome.history import RunHistory, SourceRun
from crawler.schedule.due import next_poll_of
from crawler.schedule.http_state import FILE_NAME, HttpState


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "status", parents=[common], help="show each source's last crawl, health and schedule",
        description="One line per source: last crawl and outcome, failures in a row, next due "
                    "time, articles archived, last new article, host health, drift warnings; "
                    "then the totals, and the raw captures' WARC files and size when there "
                    "are any. Exits 1 when a source is failing.",
    )
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.set_defaults(func=run, needs_config=True)


@dataclass
class SourceStatus:
    """One source's line of `feedvault status`."""

    name: str
    last_crawl: str | None = None
    outcome: str = "never crawled"
    consecutive_failures: int = 0
    next_due: str | None = None  # None: due now
    articles: int = 0
    last_new: str | None = None
    host: str | None = None
    host_down: str | None = None  # why, when the host was unreachable at the last try
    drift: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def failing(self) -> bool:
        return self.outcome == "failed"


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def _host(source: SourceConfig) -> str | None:
    from scrapy import Request  # the host key the health middleware uses

    from crawler.health.middleware import host_of

    if not source.url.startswith(("http://", "https://")):
        return None
    try:
        return host_of(Request(source.url))
    except ValueError:
        return None


def gather(config: Config, now: datetime) -> list[SourceStatus]:
    """Every configured source's status; a new archive gives "never crawled" lines."""
    hidden = config.archive_path / HIDDEN
    runs: dict[str, SourceRun] = {}
    articles: Counter[str] = Counter()
    down: dict[str, str] = {}
    due: dict[str, datetime | None] = {}
    if (hidden / FILE_NAME).exists():
        with RunHistory(config.archive_path) as history:
            runs = history.runs()
        with HttpState(config.archive_path) as state:
            down = state.hosts_down()
            due = {s.name: next_poll_of(config, s, state) for s in config.sources}
    ledger = Ledger.open_in(hidden)
    if ledger is not None:
        try:
            articles = Counter(ledger.counts())
        finally:
            ledger.close()
    result = []
    for source in config.sources:
        line = SourceStatus(source.name, articles=articles[source.name], host=_host(source))
        run = runs.get(source.name)
        if run is not None:
            line.last_crawl, line.outcome = _iso(run.last_crawl), run.outcome
            line.consecutive_failures, line.last_new = run.failures, _iso(run.last_new)
            line.drift, line.problems = list(run.drift), list(run.problems)
        when = due.get(source.name)
        line.next_due = _iso(when) if when is not None and when > now else None
        line.host_down = down.get(line.host) if line.host else None
        result.append(line)
    return result


@dataclass(frozen=True)
class CaptureFiles:
    """The raw captures' WARC files (`[archive] capture = "warc"`), shared by all sources."""

    folder: str
    files: int = 0
    bytes: int = 0


def capture_files(config: Config) -> CaptureFiles:
    """How many WARC files `.feedvault/captures/` holds and their size on disk, in all.
    A record of one source's page sits beside other sources' (and a revisit record shares
    another's payload), so the size is told for the archive, not per source."""
    hidden = config.archive_path / HIDDEN
    folder = hidden / "captures"
    if folder.is_symlink() or not folder.is_dir():
        return CaptureFiles(str(folder))
    from archive.captures import CaptureStore  # warcio: only when there are captures

    files = CaptureStore(hidden).files()  # regular files only, never through a link
    return CaptureFiles(str(folder), len(files), sum(p.lstat().st_size for p in files))


def totals(lines: list[SourceStatus]) -> dict[str, int]:
    return {
        "sources": len(lines),
        "failing": sum(line.failing for line in lines),
        "drifting": sum(bool(line.drift) for line in lines),
        "hosts_down": sum(bool(line.host_down) for line in lines),
        "articles": sum(line.articles for line in lines),
    }


def format_text(lines: list[SourceStatus], captures: CaptureFiles | None = None) -> str:
    heads = ("source", "last crawl", "outcome", "fails", "next due", "articles", "last new",
             "host", "drift")
    rows = [heads]
    for s in lines:
        outcome = s.outcome.upper() if s.failing else s.outcome
        host = f"DOWN ({s.host_down})" if s.host_down else ("ok" if s.host else "-")
        rows.append((s.name, s.last_crawl or "-", outcome, str(s.consecutive_failures),
                     s.next_due or "now", str(s.articles), s.last_new or "-", host,
                     f"{len(s.drift)} warning{'s' if len(s.drift) != 1 else ''}"
                     if s.drift else "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(heads))]
    text = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            for row in rows]
    for s in lines:
        text.extend(f"  {s.name}: {p}" for p in (s.problems if s.failing else s.drift))
    t = totals(lines)
    text.append(f"{t['sources']} sources, {t['failing']} failing, {t['drifting']} drifting, "
                f"{t['hosts_down']} with their host down; {t['articles']} articles archived")
    if captures is not None and captures.files:
        from crawler.commands._units import human_size  # only with captures

        text.append(f"captures: {captures.files} WARC file{'s' if captures.files != 1 else ''}"
                    f", {human_size(captures.bytes)} in {captures.folder}")
    return "\n".join(text)


def run(args: argparse.Namespace, config: Config) -> int:
    lines = gather(config, datetime.now(UTC))
    captures = capture_files(config)
    if args.json:
        print(json.dumps({"archive": str(config.archive_path),
                          "sources": [{**vars(s), "failing": s.failing} for s in lines],
                          "totals": totals(lines), "captures": vars(captures)},
                         ensure_ascii=False, indent=2))
    else:
        print(format_text(lines, captures))
    return EXIT_FAILED if any(s.failing for s in lines) else EXIT_OK
