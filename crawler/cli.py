"""The `feedvault` command line: parse arguments, run a command, map errors to exit codes."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from archive import ArchiveError, FeedvaultError, SnapshotError
from crawler import __version__
from crawler.commands import MODULES
from crawler.commands.exit import EXIT_FAILED, EXIT_USAGE
from crawler.config import load_config
from crawler.logs import configure as configure_logging


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config", metavar="PATH", default=argparse.SUPPRESS,
        help="feedvault.toml to use (default: $FEEDVAULT_CONFIG, then ./feedvault.toml)",
    )
    common.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS,
                        help="more log output (-v: info, -vv: debug)")
    parser = argparse.ArgumentParser(
        prog="feedvault", parents=[common],
        description="Crawl RSS, Atom and JSON feeds into an archive of front-matter files.",
    )
    parser.add_argument("--version", action="version", version=f"feedvault {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in MODULES:
        module.register(commands, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    args.config = getattr(args, "config", None)
    args.verbose = getattr(args, "verbose", 0)
    configure_logging(args.verbose)
    try:
        config = load_config(args.config) if getattr(args, "needs_config", True) else None
        return int(args.func(args, config))
    except SnapshotError as exc:  # an unknown snapshot id, no git: trouble, as diff(1) says
        print(f"feedvault: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
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
