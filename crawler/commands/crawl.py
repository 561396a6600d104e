"""`feedvault crawl`: one Scrapy crawl of all sources, or the named ones."""

from __future__ import annotations

import argparse
from typing import Any

from archive import HIDDEN, Archive, ArchiveLock

from ..config import Config
from ..report import format_summary, summarize
from .exit import EXIT_FAILED, EXIT_OK


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "crawl", parents=[common], help="crawl the configured feeds once",
        description="Crawl all sources (or the named ones) once and print a summary per source.",
    )
    parser.add_argument("--source", action="append", metavar="NAME", default=[],
                        help="crawl only this source (repeatable)")
    parser.add_argument("--wait", action="store_true",
                        help="wait for another process using the archive instead of exiting 2")
    parser.set_defaults(func=run, needs_config=True)


def run(args: argparse.Namespace, config: Config) -> int:
    from ..run import run_crawl  # imports Scrapy; keeps --help fast

    sources = config.select(args.source)
    if config.distributed is not None:  # issue 9: the workers crawl, the writer archives
        return _enqueue(config, [s.name for s in sources], args.verbose)
    with Archive(config.archive_path, config.preset, config.front_matter):
        pass  # fail before crawling if the archive cannot be created or opened
    with ArchiveLock(config.archive_path / HIDDEN, "feedvault crawl").acquire(wait=args.wait):
        stats = run_crawl(config, [s.name for s in sources], verbosity=args.verbose,
                          lock_held=True)
    summaries = summarize(stats, [s.name for s in sources])
    print(format_summary(summaries))
    print(f"archive: {config.archive_path}")
    return EXIT_OK if all(s.ok for s in summaries) else EXIT_FAILED


def _enqueue(config: Config, sources: list[str], verbosity: int) -> int:
    from ..distributed.roles import ENQUEUE
    from ..distributed.run import run_role

    stats = run_role(config, ENQUEUE, sources=sources, verbosity=verbosity)
    assert config.distributed is not None
    print(f"enqueued {stats.get('scheduler/enqueued/redis', 0)} feed requests for "
          f"{len(sources)} sources on {config.distributed.redis}: "
          "`feedvault worker` crawls them, `feedvault writer` archives them")
    return EXIT_OK
