"""`feedvault capture export`: the raw captures of some sources' articles as one WARC file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from archive import HIDDEN
from archive.capture_files import export
from archive.captures import CaptureStore
from archive.errors import CaptureError
from archive.ledger import Ledger
from crawler.commands.exit import EXIT_OK, EXIT_USAGE
from crawler.config import Config


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "capture", parents=[common], help="export raw captures ([archive] capture = \"warc\")",
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
