"""`feedvault schedule`: stay in the foreground and crawl each source when it is due."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import Any

from crawler.commands.crawl import duration
from crawler.config import Config


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "schedule", parents=[common], help="crawl due sources until stopped (foreground)",
        description="Run in the foreground: crawl the sources whose interval or cron time has "
                    "come, one crawl at a time, with random jitter; one log line per crawl. "
                    "SIGTERM or SIGINT lets the running crawl finish its articles, then exits.",
    )
    parser.add_argument("--source", action="append", metavar="NAME", default=[],
                        help="schedule only this source (repeatable)")
    parser.add_argument("--max-time", metavar="DURATION", type=duration,
                        help="give each crawl this deadline, like `crawl --max-time` "
                             "(default: [crawl] max_time, else no limit)")
    parser.set_defaults(func=run, needs_config=True)


def _log(message: str) -> None:
    print(f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ} feedvault schedule: {message}", flush=True)
    sys.stdout.flush()


def run(args: argparse.Namespace, config: Config) -> int:
    from crawler.schedule.foreground import Scheduler

    return Scheduler(config, args.source, log=_log, verbosity=args.verbose,
                     max_time=args.max_time).run()
