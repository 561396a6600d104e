"""`feedvault snapshot`: record the archive's state; list, show, export and prune snapshots."""

from __future__ import annotations

import argparse
from typing import Any

from archive import HIDDEN, ArchiveLock
from archive.diff import diff_states, render_stat, snapshot_state
from archive.snapshots import MadeWith, Snapshot, Snapshots
from crawler import __version__
from crawler.commands.exit import EXIT_OK
from crawler.config import Config
from crawler.config.recorded import recorded


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "snapshot", parents=[common], help="record the archive's state; list, show, export, prune",
        description="Record the archive as it is now (nothing is recorded when nothing changed), "
                    "or manage the recorded snapshots.",
    )
    parser.add_argument("-m", "--message", metavar="M", help="a note stored with the snapshot")
    parser.set_defaults(func=take, needs_config=True)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.add_parser("list", parents=[common], help="every snapshot, oldest first"
                       ).set_defaults(func=list_)
    show = actions.add_parser("show", parents=[common], help="one snapshot and what it changed")
    show.add_argument("id", help="snapshot id (4+ digits), latest, latest~N or @DATE")
    show.set_defaults(func=show_)
    export = actions.add_parser("export", parents=[common],
                                help="write the archive as it was into a new folder")
    export.add_argument("id", help="snapshot id (4+ digits), latest, latest~N or @DATE")
    export.add_argument("dir", help="a new or empty folder")
    export.set_defaults(func=export_)
    prune = actions.add_parser("prune", parents=[common], help="keep only the newest N snapshots")
    prune.add_argument("--keep", type=int, required=True, metavar="N")
    prune.set_defaults(func=prune_)


def store(config: Config) -> Snapshots:
    return Snapshots(config.archive_path, config.preset_object())


def made_with(config: Config) -> MadeWith:
    """This feedvault's version and the configuration without its secrets, for a snapshot
    to record (and for `diff` to compare the archive now with one)."""
    text, digest = recorded(config)
    return MadeWith(__version__, digest, text)


def describe(snap: Snapshot) -> str:
    return (f"snapshot {snap.short}: {snap.articles} articles ({snap.added} added, "
            f"{snap.removed} removed, {snap.moved} moved, {snap.changed} changed)")


def _lock(config: Config, purpose: str) -> ArchiveLock:
    """Snapshots write the private store: one writer per archive, as for crawls."""
    return ArchiveLock(config.archive_path / HIDDEN, purpose).acquire()


def take(args: argparse.Namespace, config: Config) -> int:
    snaps = store(config)
    with _lock(config, "feedvault snapshot"):
        snap = snaps.take(args.message, made_with(config))
    if snap is None:
        print(f"nothing changed since snapshot {snaps.get('latest').short}")
    else:
        print(describe(snap))
    return EXIT_OK


def list_(args: argparse.Namespace, config: Config) -> int:
    history = store(config).list()
    if not history:
        print("no snapshots yet; take one with `feedvault snapshot`")
        return EXIT_OK
    print(f"{'id':<12}  {'time (UTC)':<16} {'articles':>8} {'added':>6} {'removed':>7} "
          f"{'moved':>5} {'changed':>7}  message")
    for s in history:
        print(f"{s.short:<12}  {s.time:%Y-%m-%d %H:%M} {s.articles:>8} {s.added:>6} "
              f"{s.removed:>7} {s.moved:>5} {s.changed:>7}  {s.message}")
    return EXIT_OK


def show_(args: argparse.Namespace, config: Config) -> int:
    snaps = store(config)
    snap = snaps.get(args.id)
    print(f"snapshot {snap.id}\ntime:     {snap.time.isoformat()}\nmessage:  {snap.message}\n"
          f"articles: {snap.articles}\nchanges:  {snap.added} added, {snap.removed} removed, "
          f"{snap.moved} moved, {snap.changed} changed")
    if snap.version is not None:
        print(f"made with: feedvault {snap.version}, configuration {snap.config_digest}")
    else:
        print("made with: not recorded (a snapshot taken before feedvault recorded it)")
    history = snaps.list()
    index = next(i for i, s in enumerate(history) if s.id == snap.id)
    if index > 0:
        before = history[index - 1]
        sides = [snapshot_state(snaps, s) for s in (before, snap)]
        print(f"\nsince snapshot {before.short}:")
        print(render_stat(diff_states(*sides, preset=snaps.preset)), end="")
    return EXIT_OK


def export_(args: argparse.Namespace, config: Config) -> int:
    snap = store(config).export(args.id, args.dir)
    print(f"snapshot {snap.short} ({snap.articles} articles) written to {args.dir}")
    return EXIT_OK


def prune_(args: argparse.Namespace, config: Config) -> int:
    snaps = store(config)
    with _lock(config, "feedvault snapshot prune"):
        dropped = snaps.prune(args.keep)
    print(f"dropped {len(dropped)} snapshots, kept {len(snaps.list())}")
    return EXIT_OK


def snapshot_after_crawl(config: Config, summaries: list[Any]) -> None:
    """`crawl --snapshot`: record the archive if it differs from the latest snapshot."""
    new = sum(s.new for s in summaries)
    updated = sum(s.updated for s in summaries)
    snap = store(config).take(f"crawl: {new} new, {updated} updated", made_with(config))
    print(describe(snap) if snap else "snapshot: nothing changed")
