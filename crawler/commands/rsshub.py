"""`feedvault rsshub import FILE`: an RSSHub-to-Hexo script's route list as sources."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from archive import ConfigError, FeedvaultError
from crawler.commands.exit import EXIT_OK
from crawler.config import Config
from crawler.rsshub import encode_route
from crawler.sources._append import appended, render, write
from crawler.sources.rsshub_page import parse_route_list

MAX_BYTES = 4 * 1024 * 1024  # a route list is a few kilobytes; anything this big is not one


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser("rsshub", parents=[common], help="RSSHub route lists",
                                 description="Work with RSSHub routes.")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    importer = actions.add_parser(
        "import", parents=[common], help="add the routes of an RSSHub-to-Hexo config.yml",
        description="Add each enabled route of an RSSHub-to-Hexo script's config.yml "
                    "(`slect:` under #group/##site/###title comments) or user_config.yml "
                    "(`diy:`) as an RSSHub source of feedvault.toml, its headings as its "
                    "categories. Commented-out routes and routes already configured are "
                    "skipped and counted; the rest of feedvault.toml is kept as it is.",
    )
    importer.add_argument("file", type=Path, metavar="FILE", help="config.yml or user_config.yml")
    importer.add_argument("--instance", action="append", default=[], metavar="URL",
                          help="RSSHub instance to add as [rsshub] instances when "
                               "feedvault.toml has none (repeatable, tried in order)")
    importer.add_argument("--dry-run", action="store_true",
                          help="print the blocks that would be added; change nothing")
    importer.set_defaults(func=run, needs_config=True)


def _read(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise FeedvaultError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if len(data) > MAX_BYTES:
        raise FeedvaultError(f"{path}: over {MAX_BYTES // 1024 // 1024} MB: not a route list")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FeedvaultError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


def run(args: argparse.Namespace, config: Config) -> int:
    found = parse_route_list(_read(args.file), taken=[s.name for s in config.sources])
    known = {s.rsshub for s in config.sources if s.rsshub}
    fresh, duplicates = [], 0
    for entry in found.sources:
        route = encode_route(entry["rsshub"])
        if route in known:
            duplicates += 1
            continue
        known.add(route)
        fresh.append(entry)
    instances = [] if config.rsshub else args.instance
    if config.rsshub and args.instance:
        print(f"note: {config.file} has [rsshub] instances already; --instance ignored")
    if fresh and not config.rsshub and not instances:
        raise ConfigError(f"{config.file}: RSSHub sources need [rsshub] instances = "
                          "[\"https://...\"]: add it, or pass --instance URL")
    for line in found.invalid:
        print(f"skipped: {args.file}: {line}")
    text = config.file.read_text(encoding="utf-8")
    addition = render(fresh, instances) if fresh else ""
    if fresh:
        new_text, _ = appended(config.file, text, addition)  # validated before it is written
        if args.dry_run:
            print(addition, end="")
        else:
            write(config.file, new_text)
    verb = "would add" if args.dry_run else "added"
    print(f"{verb} {len(fresh)} sources to {config.file}; skipped {found.disabled} disabled, "
          f"{duplicates} already configured, {len(found.invalid)} not routes")
    return EXIT_OK
