"""`feedvault diff`: what changed between two states of the archive, article by article."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from archive import FeedvaultError
from archive.atomic import atomic_write
from crawler.commands.exit import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from crawler.config import Config

SIDES = "a snapshot id (4+ digits), latest, latest~N, @DATE, a folder, or now"


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "diff", parents=[common], help="compare two states of the archive, article by article",
        description="Compare A with B (default: the latest snapshot with the archive now). "
                    "Exit status: 0 no differences, 1 differences, 2 trouble.",
    )
    parser.add_argument("a", nargs="?", help=f"old side: {SIDES} (default: latest)")
    parser.add_argument("b", nargs="?", help=f"new side: {SIDES} (default: now)")
    parser.add_argument("--format", choices=("text", "json", "html"), default="text")
    parser.add_argument("--output", "-o", metavar="F", help="write to F instead of stdout")
    parser.add_argument("--stat", action="store_true", help="only counts per source")
    parser.add_argument("--ignore-field", action="append", default=[], metavar="K",
                        help="a front-matter key whose changes do not count (repeatable)")
    parser.add_argument("--all-fields", action="store_true",
                        help="also count changes of `updated` (ignored by default)")
    parser.add_argument("--ignore-whitespace", "-w", action="store_true",
                        help="changes in blanks alone do not count")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    parser.set_defaults(func=run, needs_config=True)


def run(args: argparse.Namespace, config: Config) -> int:
    # imported here, not above: every other command starts faster
    from archive.diff import DEFAULT_IGNORED, diff_archive, render_html, render_json, render_stat, render_text
    from crawler.commands.snapshot import made_with

    ignored = frozenset(args.ignore_field) | (frozenset() if args.all_fields else DEFAULT_IGNORED)
    try:
        diff = diff_archive(config.archive_path, args.a, args.b, preset=config.preset_object(),
                            ignore_fields=ignored, ignore_whitespace=args.ignore_whitespace,
                            now=made_with(config))
        tty = args.output is None and sys.stdout.isatty()
        colour = args.color == "always" or (args.color == "auto" and tty
                                            and not os.environ.get("NO_COLOR"))
        if args.format == "json":
            text = render_json(diff)
        elif args.format == "html":
            text = render_html(diff)
        elif args.stat:
            text = render_stat(diff)
        else:
            text = render_text(diff, colour=colour)
        if args.output:
            atomic_write(Path(args.output), text.encode("utf-8"))  # never half a report
        else:
            sys.stdout.write(text)
    except (FeedvaultError, OSError) as exc:
        print(f"feedvault: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_FAILED if diff.differs else EXIT_OK
