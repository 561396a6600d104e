"""`feedvault writer`: the one process that writes the workers' articles into the archive."""

from __future__ import annotations

import argparse
from typing import Any

from crawler.commands.exit import EXIT_FAILED, EXIT_OK
from crawler.config import Config
from crawler.outcome.report import format_summary, summarize


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "writer", parents=[common], help="archive what the workers crawled ([distributed])",
        description="Read finished articles from the Redis stream into the archive, holding "
                    "the archive lock; print a summary per source when it stops. Runs until "
                    "stopped (SIGINT/SIGTERM), or with --idle until nothing is left anywhere "
                    "for that long.",
    )
    parser.add_argument("--idle", type=float, default=0, metavar="SECONDS",
                        help="exit after SECONDS with nothing to write and no work anywhere "
                             "(default 0: never)")
    parser.add_argument("--wait", action="store_true",
                        help="wait for another process using the archive instead of exiting 2")
    parser.set_defaults(func=run, needs_config=True)


def run(args: argparse.Namespace, config: Config) -> int:
    from crawler.distributed.run import distributed, run_writer
    from crawler.health.failures import report_unreachable

    tally = run_writer(config, idle=args.idle, wait=args.wait)
    # pages of hosts that were down, counted here with what each article kept: one line
    # per source and host, as a crawl ends with
    report_unreachable(tally)
    configured = [s.name for s in config.sources]
    seen = tally.sources()
    names = [n for n in configured if n in seen] + [n for n in seen if n not in configured]
    summaries = summarize(tally.values, names)
    print(format_summary(summaries) if summaries else "writer: nothing to write")
    if tally.rejected:
        from crawler.distributed.keys import Keys

        rejected = Keys(distributed(config, "writer").prefix).rejected
        print(f"writer: {tally.rejected} stream entries rejected, kept in {rejected} "
              f"(redis-cli XRANGE {rejected} - +)")
    print(f"archive: {config.archive_path}")
    return EXIT_OK if all(s.ok for s in summaries) else EXIT_FAILED
