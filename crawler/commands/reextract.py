"""`feedvault reextract`: rebuild archived articles from their captures, without the network."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from archive import HIDDEN, Archive, ArchiveLock
from crawler.commands.exit import EXIT_FAILED, EXIT_OK
from crawler.config import Config


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "reextract", parents=[common],
        help="rebuild archived articles from their captures with the current rules",
        description="Rebuild every archived article that has captures ([archive] capture) "
                    "with the current configuration and code: feed parsing, full text, "
                    "cleaning, images, preset. Makes no network request. Changed articles are "
                    "rewritten in place; the summary says per source how many were rebuilt, "
                    "changed, unchanged, had no captures, or failed.",
    )
    parser.add_argument("--source", action="append", metavar="NAME", default=[],
                        help="rebuild only this source's articles (repeatable)")
    parser.add_argument("--dry-run", action="store_true",
                        help="write nothing; print a unified diff of each file that would change")
    parser.add_argument("--wait", action="store_true",
                        help="wait for another process using the archive instead of exiting 2")
    parser.set_defaults(func=run, needs_config=True)


def run(args: argparse.Namespace, config: Config) -> int:
    from archive.captures import CaptureStore
    from crawler.replay.plan import build_plan
    from crawler.replay.run import run_replay
    from crawler.replay.summary import format_table, tally

    selected = config.select(args.source)
    hidden = config.archive_path / HIDDEN
    with ArchiveLock(hidden, "feedvault reextract").acquire(wait=args.wait):
        captures = CaptureStore(hidden)
        try:
            with Archive(config.archive_path, config.preset_object(),
                         config.front_matter) as archive:
                plan = build_plan(archive.ledger, captures, selected, dry_run=args.dry_run)
            stats: dict[str, Any] = {}
            if plan.articles:
                stats = run_replay(config, plan, verbosity=args.verbose)
        finally:
            captures.close()
    for diff in plan.diffs:
        sys.stdout.write(diff)
    rows = tally(plan, stats)
    print(format_table(rows, plan))
    print(f"archive: {config.archive_path}" + (" (dry run: nothing written)"
                                                if args.dry_run else ""))
    return EXIT_FAILED if any(r.failed for r in rows) else EXIT_OK
