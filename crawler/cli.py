"""The `feedvault` command line: parse arguments, run a command, map errors to exit codes.

Commands live in crawler/commands/, one module each, listed by name in
`crawler.commands.COMMANDS`; only the module of the command being run is imported (all of
them for `feedvault --help`, a mistyped command or help asked before the command).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import import_module

from archive import ArchiveError, FeedvaultError, SnapshotError
from crawler import __version__
from crawler._streams import EXIT_CLOSED_PIPE, closed_by_reader, guard_outputs
from crawler.commands import COMMANDS
from crawler.commands.exit import EXIT_FAILED, EXIT_USAGE
from crawler.config import load_config
from crawler.logs import configure as configure_logging


def _common() -> argparse.ArgumentParser:
    """The options every command takes, before or after its name."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config", metavar="PATH", default=argparse.SUPPRESS,
        help="feedvault.toml to use (default: $FEEDVAULT_CONFIG, then ./feedvault.toml)",
    )
    common.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS,
                        help="more log output (-v: info, -vv: debug)")
    return common


def _parser(only: str | None = None) -> argparse.ArgumentParser:
    """The `feedvault` parser with every command, or with the command `only` alone (which
    parses that command's arguments the same way, without importing the others' modules)."""
    common = _common()
    parser = argparse.ArgumentParser(
        prog="feedvault", parents=[common],
        description="Crawl RSS, Atom and JSON feeds into an archive of front-matter files.",
    )
    parser.add_argument("--version", action="version", version=f"feedvault {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in (only,) if only else COMMANDS:
        import_module(f"crawler.commands.{name}").register(commands, common)
    return parser


def _command(argv: Sequence[str]) -> str | None:
    """The command argv names, when nothing but common options comes before it; None
    otherwise (help, --version, a typo), for the whole parser to deal with."""
    before = argparse.ArgumentParser(add_help=False, parents=[_common()], exit_on_error=False)
    before.add_argument("command", nargs="?")
    before.add_argument("rest", nargs=argparse.REMAINDER)
    try:
        known, unknown = before.parse_known_args(argv)
    except argparse.ArgumentError:  # e.g. --config without its value: the whole parser says so
        return None
    return known.command if known.command in COMMANDS and not unknown else None


def main(argv: Sequence[str] | None = None) -> int:
    # A reader that leaves early (`| head -1`) is no error: the command finishes its work
    # quietly and exits as a program ended by a closed pipe does (crawler/_streams.py).
    # The command's own failure status (1, 2) wins over the closed pipe's, so that a cron
    # job reading `feedvault crawl | head -1` still sees the failure; 141 replaces only 0.
    guard_outputs()
    status = _run(argv)
    reader_gone = closed_by_reader()  # flushes the output in any case
    return EXIT_CLOSED_PIPE if reader_gone and status == 0 else status


def _run(argv: Sequence[str] | None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser(_command(argv)).parse_args(argv)
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
