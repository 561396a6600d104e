"""`feedvault worker`: a crawler process that takes its work from the shared Redis queue."""

from __future__ import annotations

import argparse
from typing import Any

from crawler.commands.exit import EXIT_OK
from crawler.config import Config


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "worker", parents=[common], help="crawl what is queued in Redis ([distributed])",
        description="Take feed and article requests from the shared Redis queue, crawl them, "
                    "and send the articles to `feedvault writer`. Runs until stopped "
                    "(SIGINT/SIGTERM finish the requests in progress), or with --idle until "
                    "nothing is queued or in progress anywhere for that long.",
    )
    parser.add_argument("--idle", type=float, default=0, metavar="SECONDS",
                        help="exit after SECONDS with no work anywhere (default 0: never)")
    parser.set_defaults(func=run, needs_config=True)


def run(args: argparse.Namespace, config: Config) -> int:
    from archive import QueueError
    from crawler.distributed.outage import REDIS_UNREACHABLE, stopped_message
    from crawler.distributed.roles import WORKER
    from crawler.distributed.run import distributed, run_role

    stats = run_role(config, WORKER, idle=args.idle, verbosity=args.verbose)
    dropped = stats.get("scheduler/dropped/redis", 0)
    print(f"worker: {stats.get('scheduler/dequeued/redis', 0)} requests, "
          f"{stats.get('item_scraped_count', 0)} articles sent to the writer"
          + (f", {dropped} untrusted queue entries dropped" if dropped else ""))
    if stats.get("finish_reason") == REDIS_UNREACHABLE:
        settings = distributed(config, "worker")
        raise QueueError(stopped_message(settings.redis, settings.redis_retry,
                                         settings.worker_timeout))
    return EXIT_OK
