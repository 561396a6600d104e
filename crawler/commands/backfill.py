"""`feedvault backfill NAME`: bring a source's history (within a date window) into the archive."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any

from archive import HIDDEN, Archive, ArchiveLock, ConfigError
from crawler.commands.exit import EXIT_FAILED, EXIT_OK
from crawler.config import Config
from crawler.outcome.report import format_summary, summarize

if TYPE_CHECKING:  # imported when the command runs: every other command starts faster
    from crawler.backfill.progress import BackfillTally
    from crawler.backfill.window import Window


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "backfill", parents=[common], help="archive a source's older articles",
        description="Fetch a source's history through its [sources.backfill] sitemaps, listing "
                    "pages or feed pages, and archive the articles within the date window. "
                    "Interrupted, the same command continues where it stopped.",
    )
    parser.add_argument("name", metavar="NAME", help="the source to backfill")
    parser.add_argument("--since", metavar="DATE", help="oldest date to archive (YYYY-MM-DD)")
    parser.add_argument("--until", metavar="DATE", help="newest date to archive (YYYY-MM-DD)")
    parser.add_argument("--limit", metavar="N", type=int,
                        help="fetch at most N articles in this run (the next run continues)")
    parser.add_argument("--dry-run", action="store_true",
                        help="list the article URLs that would be fetched; write nothing")
    parser.add_argument("--refresh", action="store_true",
                        help="fetch articles already archived too, and update them")
    parser.add_argument("--wait", action="store_true",
                        help="wait for another process using the archive instead of exiting 2")
    parser.set_defaults(func=run, needs_config=True)


def _window(args: argparse.Namespace) -> Window:
    from crawler.backfill.window import Window, parse_bound

    return Window(parse_bound(args.since) if args.since else None,
                  parse_bound(args.until, end=True) if args.until else None)


def run(args: argparse.Namespace, config: Config) -> int:
    from crawler.backfill.progress import BackfillTally, Progress
    from crawler.backfill.run import run_backfill  # imports Scrapy; keeps --help fast

    source = config.source(args.name)
    if source.backfill is None:
        raise ConfigError(f"{config.file}: source {source.name!r} has no [sources.backfill] "
                          "table: add sitemap, list_url, feed_page or feed_archive under it")
    if args.limit is not None and args.limit < 1:
        raise ConfigError("--limit: expected a number of articles >= 1")
    window = _window(args)
    live = sys.stderr.isatty()
    progress = Progress(source.name, sys.stderr, live=live)
    options = {"window": window, "limit": args.limit, "dry_run": args.dry_run,
               "refresh": args.refresh, "progress": progress}
    try:
        if args.dry_run:
            stats = run_backfill(config, source.name, verbosity=args.verbose,
                                 listed=_print_listed, **options)
        else:
            with ArchiveLock(config.archive_path / HIDDEN, "feedvault backfill").acquire(
                    wait=args.wait):
                with Archive(config.archive_path, config.preset_object(), config.front_matter):
                    pass  # fail before fetching if the archive cannot be created or opened
                stats = run_backfill(config, source.name, verbosity=args.verbose,
                                     lock_held=True, **options)
    finally:
        progress.close()
    tally: BackfillTally = stats.get("feedvault/backfill") or BackfillTally()
    return _report(args, config, source.name, window, stats, tally)


_UNDATED: list[str] = []


def _print_listed(url: str, date: datetime | None) -> None:
    if date is None:
        _UNDATED.append(url)
    print(f"{date.date().isoformat() if date else '?':<10}  {url}", flush=True)


def _report(args: argparse.Namespace, config: Config, name: str, window: Window,
            stats: dict[str, Any], tally: BackfillTally) -> int:
    [summary] = summarize(stats, [name])
    if args.dry_run:
        print(f"dry run: {tally.fetching} articles would be fetched, {tally.skipped} are "
              f"already archived, {tally.outside} fall outside {window.describe()} "
              f"({tally.pages} pages listed)")
        if _UNDATED:
            print(f"dry run: {len(_UNDATED)} of them (?) have no date before they are fetched: "
                  "a real run keeps only those in the window (item_dates gives listings dates)")
        return EXIT_FAILED if summary.broken else EXIT_OK
    print(format_summary([summary]))
    resumed = "resumed; " if tally.resumed else ""
    print(f"backfill {name} ({window.describe()}): {resumed}{tally.line()}")
    if tally.limited:
        print(f"backfill {name}: stopped at {tally.limit}: run the same command again "
              "to continue")
    elif tally.reason and tally.reason != "finished":
        print(f"backfill {name}: interrupted ({tally.reason}): run the same command again to "
              "continue", file=sys.stderr)
    print(f"archive: {config.archive_path}")
    stopped = stats.get("feedvault/stopped")
    if stopped:
        print(f"feedvault: backfill stopped early: {stopped}", file=sys.stderr)
    return EXIT_OK if summary.ok and not stopped and tally.reason in ("", "finished") \
        else EXIT_FAILED
