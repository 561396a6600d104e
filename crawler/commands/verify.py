"""`feedvault verify`: every archive file parses and agrees with the ledger; `--repair` fixes it."""

from __future__ import annotations

import argparse
from typing import Any

from archive import HIDDEN, Archive, ArchiveLock
from archive.snapshots import STORE, Snapshots
from archive.verify import repair, verify
from crawler.commands.exit import EXIT_FAILED, EXIT_OK
from crawler.config import Config


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "verify", parents=[common], help="check the archive files against the ledger",
        description="Check that every archive file parses and agrees with the ledger: no "
                    "unparseable files, no orphans (files the ledger does not know), no missing "
                    "files, no content hash mismatches, and a sound snapshot store (git fsck). "
                    "Exit status 1 if anything is found.",
    )
    parser.add_argument("--repair", action="store_true",
                        help="rebuild the ledger from the files (revision history is kept)")
    parser.set_defaults(func=run, needs_config=True)


def run(args: argparse.Namespace, config: Config) -> int:
    sources = config.by_name
    # Lock first: opening an Archive sweeps temporary files, which may be a crawl's.
    with ArchiveLock(config.archive_path / HIDDEN), \
            Archive(config.archive_path, config.preset_object(), config.front_matter) as archive:
        result = (repair(archive, lambda name: sources[name].id if name in sources else "auto")
                  if args.repair else verify(archive))
        snapshot_problems = (Snapshots(config.archive_path, config.preset_object()).check()
                             if (config.archive_path / HIDDEN / STORE).exists() else [])
        for finding in [*result.findings, *snapshot_problems]:
            print(finding)
        problems = len(result.findings) + len(snapshot_problems)
        print(f"{result.files} files, {result.entries} ledger entries: "
              + ("clean" if not problems else f"{problems} problems"))
        if not args.repair:
            return EXIT_OK if not problems else EXIT_FAILED
        after = verify(archive)
        for finding in after.findings:
            print(f"still: {finding}")
        print(f"ledger rebuilt from the files: {after.entries} entries, "
              + ("clean" if after.clean else f"{len(after.findings)} problems remain"))
        return EXIT_OK if after.clean else EXIT_FAILED
