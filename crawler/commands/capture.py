"""`feedvault capture`: export some sources' raw captures as one WARC file; prune old WARC files."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archive import HIDDEN, ArchiveLock
from archive.capture_files import export
from archive.captures import CaptureStore
from archive.errors import CaptureError
from archive.ledger import Ledger
from crawler.commands.exit import EXIT_OK, EXIT_USAGE
from crawler.config import Config


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "capture", parents=[common],
        help="export or prune raw captures ([archive] capture = \"warc\")",
        description="Work with the raw responses kept under .feedvault/captures/ when "
                    "capture = \"warc\" is configured.",
    )
    parser.set_defaults(func=lambda args, config: parser.print_help() or EXIT_USAGE,
                        needs_config=False)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    export = actions.add_parser(
        "export", parents=[common], help="write the captures of sources' articles to a WARC file",
        description="Write the WARC records the sources' articles (their latest revisions) were "
                    "built from into one new WARC file: each response with its request record, "
                    "a revisit record after the response holding its payload. Any WARC reader "
                    "(warcio, pywb, ArchiveBox) opens it.",
    )
    export.add_argument("--source", action="append", required=True, metavar="NAME",
                        help="a source whose captures to export (repeatable)")
    export.add_argument("-o", "--output", required=True, metavar="FILE",
                        help="the WARC file to write, e.g. captures.warc.gz (replaced if present)")
    export.set_defaults(func=export_, needs_config=True)
    prune = actions.add_parser(
        "prune", parents=[common], help="remove old WARC files no reextract needs",
        description="Remove whole WARC files of .feedvault/captures/: those last written "
                    "before --before, or all but the --keep newest (both: both apply). A file "
                    "that an article's newest revision needs (its captures, or a payload they "
                    "revisit) is kept, since `feedvault reextract` rebuilds articles from "
                    "those, unless --force. The newest file is always kept. References to "
                    "removed records are dropped from the ledger. Prints what it frees.",
    )
    prune.add_argument("--before", metavar="DATE", type=_date,
                       help="remove files last written before this day or time (ISO 8601, "
                            "e.g. 2026-01-31; UTC unless it says otherwise)")
    prune.add_argument("--keep", metavar="N", type=_count,
                       help="keep the N newest files (at least 1)")
    prune.add_argument("--force", action="store_true",
                       help="also remove files articles' newest revisions need: those "
                            "articles lose their captures (reextract sets them aside)")
    prune.add_argument("--dry-run", action="store_true",
                       help="say what would be removed and freed; change nothing")
    prune.set_defaults(func=prune_, needs_config=True)


def _date(text: str) -> datetime:
    """A --before value: an ISO 8601 day or time, UTC when it names no offset."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a date such as 2026-01-31") \
            from exc
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a number of files, 1 or more")
    return value


def export_(args: argparse.Namespace, config: Config) -> int:
    sources = config.select(args.source)  # ConfigError (exit 2) for an unknown name
    hidden = config.archive_path / HIDDEN
    ledger = Ledger.open_in(hidden)  # ArchiveLinkError for a linked ledger
    if ledger is None:
        raise CaptureError(f"{config.archive_path}: nothing archived yet, so no captures to export")
    try:
        refs: list[str] = []
        articles = missing = 0
        for source in sources:
            for row in ledger.of_source(source.name):
                articles += 1
                found = ledger.provenance(source.name, row.identity)
                if found is None or not found[1].captures:
                    missing += 1
                    continue
                refs.extend(found[1].captures)
    finally:
        ledger.close()
    if not refs:
        names = ", ".join(s.name for s in sources)
        raise CaptureError(f"no captures of {names}: were they crawled with capture = \"warc\"?")
    store = CaptureStore(hidden)
    try:
        records = export(store, refs, Path(args.output))
    finally:
        store.close()
    print(f"{args.output}: {records} records for {articles - missing} articles"
          + (f" ({missing} articles have no captures)" if missing else ""))
    return EXIT_OK


def prune_(args: argparse.Namespace, config: Config) -> int:
    from archive.capture_prune import prune
    from crawler.commands._units import human_size

    hidden = config.archive_path / HIDDEN
    if args.before is None and args.keep is None:
        print("feedvault: error: capture prune: say which captures to remove: --before DATE, "
              "--keep N, or both", file=sys.stderr)
        return EXIT_USAGE
    with ArchiveLock(hidden, "feedvault capture prune").acquire():
        ledger = Ledger.open_in(hidden)
        if ledger is None:
            print("no ledger: nothing archived, no captures to prune")
            return EXIT_OK
        store = CaptureStore(hidden)
        try:
            result = prune(store, ledger, before=args.before, keep=args.keep,
                           force=args.force, dry_run=args.dry_run)
        finally:
            store.close()
            ledger.close()
    verb = "would remove" if args.dry_run else "removed"
    count = len(result.removed)
    print(f"{verb} {count} WARC file{'s' if count != 1 else ''}, "
          f"{human_size(result.freed)} freed"
          + (f"; {result.references} capture references dropped from the ledger"
             if result.references else ""))
    for path in result.removed:
        print(f"  {path.name}")
    if result.needed:
        print(f"kept {len(result.needed)} older WARC file{'s' if len(result.needed) != 1 else ''}"
              f" that the newest revisions of {result.needing} articles need for `feedvault "
              "reextract` (--force removes them: those articles then have no captures)")
    if result.lost:
        print(f"{result.lost} articles no longer have captures: `feedvault reextract` sets "
              "them aside")
    return EXIT_OK
