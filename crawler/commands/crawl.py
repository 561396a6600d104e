"""`feedvault crawl`: one Scrapy crawl of all sources, the named ones, or the due ones."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archive import HIDDEN, Archive, ArchiveLock
from crawler.commands.exit import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from crawler.config import Config
from crawler.notify import notify_crawl
from crawler.outcome import json_report
from crawler.outcome.history import record_crawl
from crawler.outcome.report import DEADLINE, format_summary, summarize
from crawler.schedule.due import plan
from crawler.schedule.http_state import HttpState
from crawler.schedule.rules import parse_duration


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "crawl", parents=[common], help="crawl the configured feeds once",
        description="Crawl all sources (or the named ones) once and print a summary per source.",
    )
    parser.add_argument("--source", action="append", metavar="NAME", default=[],
                        help="crawl only this source (repeatable)")
    parser.add_argument("--wait", action="store_true",
                        help="wait for another process using the archive instead of exiting 2")
    parser.add_argument("--due", action="store_true",
                        help="crawl only the sources whose interval or cron time has come")
    parser.add_argument("--force", action="store_true",
                        help="ignore schedules, cache lifetimes and Retry-After, and send no "
                             "conditional headers: fetch everything again")
    parser.add_argument("--max-time", metavar="DURATION", type=duration,
                        help="stop starting requests after this long (e.g. 20m), archive what "
                             "was fetched, exit 1; the next crawl does the rest "
                             "(default: [crawl] max_time, else no limit)")
    parser.add_argument("--report", metavar="FILE.json", type=Path,
                        help="also write the outcome as JSON (schema in the README)")
    parser.add_argument("--snapshot", action="store_true",
                        help="take a snapshot afterwards if the archive changed")
    parser.set_defaults(func=run, needs_config=True)


def duration(text: str) -> float:
    """A `--max-time` value in seconds; argparse reports a bad one."""
    try:
        seconds = parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a duration above zero, e.g. 20m")
    return seconds


def run(args: argparse.Namespace, config: Config) -> int:
    from crawler.run import run_crawl  # imports Scrapy; keeps --help fast

    started = datetime.now(UTC)
    selected = config.select(args.source)
    if args.report:
        json_report.check_writable(args.report)
    if config.distributed is not None:  # the workers crawl, the writer archives
        return _enqueue(config, selected, args, started)
    # Lock first: opening an Archive sweeps temporary files, which may be another crawl's.
    with ArchiveLock(config.archive_path / HIDDEN, "feedvault crawl").acquire(wait=args.wait):
        with Archive(config.archive_path, config.preset_object(), config.front_matter):
            pass  # fail before crawling if the archive cannot be created or opened
        with HttpState(config.archive_path) as state:
            todo = plan(config, selected, state, started, due_only=args.due, force=args.force)
        stats: dict[str, Any] = {}
        if todo.crawl:
            stats = run_crawl(config, [s.name for s in todo.crawl], verbosity=args.verbose,
                              force=args.force, lock_held=True, max_time=args.max_time)
    summaries = summarize(stats, [s.name for s in selected])
    for summary in summaries:
        summary.skipped = todo.skipped.get(summary.name)
    stopped = stats.get("feedvault/stopped")
    left = sum(len(s.left) for s in summaries)
    deadline = stats.get(DEADLINE) if left else None
    status = EXIT_OK if all(s.ok for s in summaries) and not stopped and not deadline \
        else EXIT_FAILED
    print(format_summary(summaries))
    print(f"archive: {config.archive_path}")
    if todo.crawl:
        before = record_crawl(config.archive_path, summaries,
                              datetime.now(UTC).replace(microsecond=0))
        notify_crawl(config.notify, summaries, before or {})
    if stopped:
        print(f"feedvault: crawl stopped early: {stopped}", file=sys.stderr)
    if deadline:
        cut = [s.name for s in summaries if s.left]
        print(f"feedvault: crawl stopped: {deadline}; {left} URLs of {len(cut)} sources "
              f"({', '.join(cut)}) are left for the next crawl", file=sys.stderr)
    if args.report:
        json_report.write(args.report, json_report.build(
            summaries, started=started, finished=datetime.now(UTC),
            archive=config.archive_path, exit_status=status, stopped=deadline or stopped))
    if args.snapshot:
        from crawler.commands.snapshot import snapshot_after_crawl

        with ArchiveLock(config.archive_path / HIDDEN, "feedvault crawl --snapshot").acquire(
                wait=True):
            snapshot_after_crawl(config, summaries)
    return status


# Flags of a single-machine crawl that have no meaning when `crawl` only fills the queue:
# the writer archives, so the outcome, snapshots and the deadline are its business.
_WRITER_FLAGS = (
    ("report", "--report", "the outcome is known only to `feedvault writer`, which archives "
                           "what the workers fetch; read its output instead"),
    ("snapshot", "--snapshot", "snapshots are taken where the archive is written: run "
                               "`feedvault snapshot` after `feedvault writer`"),
    ("max_time", "--max-time", "the workers do the fetching; stop them with `--idle` or a "
                               "signal instead"),
)


def refused_flag(args: argparse.Namespace) -> str | None:
    """Why a flag given to a distributed `crawl` cannot be honoured, or None."""
    for attribute, flag, why in _WRITER_FLAGS:
        if getattr(args, attribute, None):
            return f"{flag} does nothing in distributed mode ([distributed] is set): {why}"
    return None


def _enqueue(config: Config, selected: tuple[Any, ...], args: argparse.Namespace,
             started: datetime) -> int:
    """Queue the feed requests of the sources a single-machine crawl would take now."""
    from crawler.distributed.roles import ENQUEUE
    from crawler.distributed.run import run_role

    refused = refused_flag(args)
    if refused:
        print(f"feedvault: {refused}", file=sys.stderr)
        return EXIT_USAGE
    with HttpState(config.archive_path) as state:
        todo = plan(config, selected, state, started, due_only=args.due, force=args.force)
    for name, why in todo.skipped.items():
        print(f"{name}: skipped, {why}")
    assert config.distributed is not None
    if not todo.crawl:
        print(f"enqueued nothing: none of {len(selected)} sources is due")
        return EXIT_OK
    sources = [s.name for s in todo.crawl]
    stats = run_role(config, ENQUEUE, sources=sources, verbosity=args.verbose, force=args.force)
    print(f"enqueued {stats.get('scheduler/enqueued/redis', 0)} feed requests for "
          f"{len(sources)} sources on {config.distributed.redis}: "
          "`feedvault worker` crawls them, `feedvault writer` archives them")
    return EXIT_OK
