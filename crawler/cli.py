"""The `feedvault` command line: parse arguments, run the library, map errors to exit codes."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from archive import Archive, ArchiveError, FeedvaultError

from . import __version__
from .config import Config, load_config
from .report import format_summary, summarize

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
logger = logging.getLogger("feedvault")


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="PATH",
                        help="feedvault.toml to use (default: $FEEDVAULT_CONFIG, then ./feedvault.toml)")
    common.add_argument("-v", "--verbose", action="count", default=0,
                        help="more log output (-v: info, -vv: debug)")
    parser = argparse.ArgumentParser(
        prog="feedvault", parents=[common],
        description="Crawl RSS, Atom and JSON feeds into an archive of front-matter files.",
    )
    parser.add_argument("--version", action="version", version=f"feedvault {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    crawl = commands.add_parser("crawl", parents=[common], help="crawl the configured feeds once",
                                description="Crawl all sources (or the named ones) once.")
    crawl.add_argument("--source", action="append", metavar="NAME", default=[],
                       help="crawl only this source (repeatable)")
    crawl.set_defaults(func=cmd_crawl)
    return parser


def cmd_crawl(args: argparse.Namespace, config: Config) -> int:
    from .run import run_crawl  # imports Scrapy; keep --help fast

    sources = config.select(args.source)
    with Archive(config.archive_path, config.preset, config.front_matter):
        pass  # fail before crawling if the archive cannot be created or opened
    stats = run_crawl(config, [s.name for s in sources], verbosity=args.verbose)
    summaries = summarize(stats, [s.name for s in sources])
    print(format_summary(summaries))
    print(f"archive: {config.archive_path}")
    return EXIT_OK if all(s.ok for s in summaries) else EXIT_FAILED


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("feedvault: %(levelname)s: %(name)s: %(message)s"))
    handler.setLevel(logging.WARNING - 10 * min(args.verbose, 2))
    logging.getLogger().addHandler(handler)
    try:
        config = load_config(args.config)
        return int(args.func(args, config))
    except ArchiveError as exc:
        print(f"feedvault: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except FeedvaultError as exc:
        print(f"feedvault: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("feedvault: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
