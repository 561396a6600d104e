"""`feedvault crawl`: one Scrapy crawl of all sources, or the named ones."""

from __future__ import annotations

import argparse
from typing import Any

from archive import Archive

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
    parser.add_argument("--snapshot", action="store_true",
                        help="take a snapshot afterwards if the archive changed")
    parser.set_defaults(func=run, needs_config=True)


def run(args: argparse.Namespace, config: Config) -> int:
    from ..run import run_crawl  # imports Scrapy; keeps --help fast

    sources = config.select(args.source)
    with Archive(config.archive_path, config.preset, config.front_matter):
        pass  # fail before crawling if the archive cannot be created or opened
    stats = run_crawl(config, [s.name for s in sources], verbosity=args.verbose)
    summaries = summarize(stats, [s.name for s in sources])
    print(format_summary(summaries))
    print(f"archive: {config.archive_path}")
    if args.snapshot:
        from .snapshot import snapshot_after_crawl

        snapshot_after_crawl(config, summaries)
    return EXIT_OK if all(s.ok for s in summaries) else EXIT_FAILED
