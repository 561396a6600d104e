"""`feedvault sources add | list | remove | import | export`: the command-line side of
crawler/sources/ (discovery, OPML, editing feedvault.toml)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archive import HIDDEN, Archive, ArchiveLock, ConfigError, FeedvaultError
from archive.ledger import LEDGER_FILE
from crawler.commands._fetch import Fetcher
from crawler.commands.exit import EXIT_FAILED, EXIT_OK
from crawler.config import Config, parse_config
from crawler.config.model import SOURCE_NAME
from crawler.egress import EgressPolicy
from crawler.sources import (
    Candidate,
    Merge,
    Proposed,
    check_each,
    detect,
    discover,
    feed_key,
    importer,
    merge,
    raw_sources,
    render,
    save,
    untrusted,
    with_rsshub,
    with_sources,
    without_source,
    write_opml,
)
from crawler.sources.discover import USUAL_PATHS, Fetch
from crawler.sources.edit import read_text
from crawler.sources.shareable import shareable

MAX_IMPORT_BYTES = 16 * 1024 * 1024 + 1


def register_actions(actions: Any, common: argparse.ArgumentParser) -> None:
    add = actions.add_parser(
        "add", parents=[common], help="add a feed, or the feed of a site, to feedvault.toml",
        description="Add a source from a feed URL or any page of a site: the page's advertised "
                    "feeds (<link rel=alternate>) or the usual feed paths are tried, each kept "
                    "only if it parses and has items. With several, you are asked which one "
                    "(the first with --yes or without a terminal).")
    add.add_argument("url", metavar="URL", help="a feed, or any page of a site that has one")
    add.add_argument("--name", help="source name (default: derived from the feed's title)")
    add.add_argument("--category", action="append", default=[], metavar="C",
                     help="a category of the source's articles (repeatable)")
    add.add_argument("--yes", "-y", action="store_true",
                     help="take the first feed found without asking")
    add.set_defaults(func=run_add, needs_config=True)

    listing = actions.add_parser(
        "list", parents=[common], help="list the sources with their last crawl and article count",
        description="Each source: name, feed URL, last crawl and its outcome, articles archived.")
    listing.add_argument("--json", action="store_true", help="a JSON array instead of a table")
    listing.set_defaults(func=run_list, needs_config=True)

    remove = actions.add_parser(
        "remove", parents=[common], help="remove a source from feedvault.toml",
        description="Remove the source's [[sources]] block (the rest of the file is kept as it "
                    "is). Its archived files stay unless --purge.")
    remove.add_argument("name", metavar="NAME", help="the source's name in feedvault.toml")
    remove.add_argument("--purge", action="store_true",
                        help="also delete the source's archived files and ledger rows")
    remove.set_defaults(func=run_remove, needs_config=True)

    imports = actions.add_parser(
        "import", parents=[common],
        help="add the sources of a subscription list (OPML) or an RSSHub route list",
        description="Every feed of the file becomes a source: an OPML file's feeds (folders "
                    "become categories), or the routes of an RSSHub-to-Hexo script's "
                    "config.yml (slect:) or user_config.yml (diy:) as RSSHub sources (their "
                    "headings become categories). Feeds already configured are skipped and "
                    "counted; the rest of feedvault.toml is kept as it is.")
    imports.add_argument("file", metavar="FILE", type=Path,
                         help="an OPML file, or an RSSHub-to-Hexo config.yml or user_config.yml")
    imports.add_argument("--from", dest="format", metavar="FORMAT",
                         help="the file's format: opml or rsshub-page (default: by extension "
                              "and content)")
    imports.add_argument("--instance", action="append", default=[], metavar="URL",
                         help="an RSSHub instance to write as [rsshub] instances when RSSHub "
                              "sources are imported and feedvault.toml has none (repeatable, "
                              "tried in order)")
    imports.add_argument("--dry-run", action="store_true",
                         help="print what would be added; change nothing")
    imports.add_argument("--trust-settings", action="store_true",
                         help="also take the file's headers, cookies, user_agent, proxy, backfill "
                              "and ${NAME} settings (default: left out, each named; for files "
                              "you wrote, such as your own `sources export`)")
    imports.set_defaults(func=run_import, needs_config=True)

    export = actions.add_parser(
        "export", parents=[common], help="write the sources as OPML 2.0",
        description="OPML 2.0 that feed readers import; feedvault's own settings of each "
                    "source travel in the feedvault: namespace, so `sources import` gives "
                    "them back. Header and cookie values and proxy passwords written "
                    "literally are left out unless --with-secrets (each named on standard "
                    "error); a URL holding a secret stays, with a warning.")
    export.add_argument("-o", "--output", metavar="FILE.opml", type=Path,
                        help="write here (default: standard output)")
    export.add_argument("--with-secrets", action="store_true",
                        help="also export the header and cookie values and the proxy password "
                             "written literally in feedvault.toml (default: left out, each "
                             "named; a ${NAME} reference travels either way)")
    export.set_defaults(func=run_export, needs_config=True)


def fetcher(config: Config, typed: str) -> Fetch:
    """The one place `sources add` downloads: outside a crawl, under the crawl's egress policy,
    with the typed URL's host trusted (as `feedvault extract URL` trusts it)."""
    return Fetcher.from_config(config).trusting([typed]).fetch


def run_add(args: argparse.Namespace, config: Config) -> int:
    url = args.url.strip()
    if urlsplit(url).scheme.lower() not in ("http", "https") or not urlsplit(url).netloc:
        raise ConfigError(f"{url}: expected an http:// or https:// URL")
    text = read_text(config.file)
    existing = raw_sources(text, config.file)
    _refuse_duplicate({"url": url}, args.name, existing, config)
    try:
        found = discover(url, fetcher(config, url))
    except FeedvaultError as exc:  # the typed URL itself: down, refused, not found
        print(f"feedvault: {exc}", file=sys.stderr)
        return EXIT_FAILED
    for line in found.problems:
        print(f"  {line}")
    if not found.feeds:
        where = (f"; none at the usual paths ({', '.join(USUAL_PATHS)})" if found.tried_usual
                 else "")
        print(f"feedvault: no usable feed found at {url}{where}", file=sys.stderr)
        return EXIT_FAILED
    chosen = _choose(found.feeds, args.yes)
    table: dict[str, Any] = {"url": chosen.url}
    if args.name:
        table["name"] = args.name
    if args.category:
        table["categories"] = list(args.category)
    _refuse_duplicate(table, args.name, existing, config)
    merged = merge(existing, [Proposed(table, chosen.title)])
    new = with_sources(text, config.file, merged.tables)
    save(config.file, text, new, [*existing, *merged.tables])
    added = merged.tables[0]
    print(f"added source {added['name']!r}: {chosen.describe()}")
    return EXIT_OK


def _refuse_duplicate(table: dict[str, Any], name: str | None, existing: list[dict[str, Any]],
                      config: Config) -> None:
    key = feed_key(table)
    for source in existing:
        if name and str(source.get("name", "")).lower() == name.lower():
            raise ConfigError(f"{config.file}: a source named {source.get('name')!r} exists; "
                              "choose another --name")
        if key and feed_key(source) == key:
            raise ConfigError(f"{config.file}: {table['url']} is already the feed of source "
                              f"{source.get('name')!r}")
    if name and not SOURCE_NAME.match(name):
        raise ConfigError(f"--name {name!r}: use 1-64 letters, digits, - and _")


def _choose(feeds: list[Candidate], yes: bool) -> Candidate:
    if len(feeds) == 1:
        return feeds[0]
    print(f"{len(feeds)} feeds found:")
    for number, feed in enumerate(feeds, 1):
        print(f"  {number}. {feed.describe()}")
    if yes or not sys.stdin.isatty():
        print("taking the first (1)")
        return feeds[0]
    while True:
        try:
            answer = input(f"which one? [1-{len(feeds)}, default 1] ").strip()
        except EOFError:  # the terminal closed: the default
            answer = ""
        if not answer:
            return feeds[0]
        if answer.isdigit() and 1 <= int(answer) <= len(feeds):
            return feeds[int(answer) - 1]
        print(f"  type a number from 1 to {len(feeds)}")


def run_list(args: argparse.Namespace, config: Config) -> int:
    from crawler.sources.status import statuses  # opens SQLite files: only when listing

    rows = statuses(config)
    if args.json:
        print(json.dumps([row.as_json() for row in rows], indent=2, ensure_ascii=False))
        return EXIT_OK
    if not rows:
        print(f"no sources in {config.file}; add one with `feedvault sources add URL`")
        return EXIT_OK
    width = max(len(row.name) for row in rows)
    for row in rows:
        crawled = f"{row.last_crawl} {row.outcome or ''}".strip() if row.last_crawl \
            else "never crawled"
        print(f"{row.name:<{width}}  {row.articles:>6} articles  {crawled}  {row.url}")
    return EXIT_OK


def run_remove(args: argparse.Namespace, config: Config) -> int:
    from archive.purge import purge_source

    text = read_text(config.file)
    existing = raw_sources(text, config.file)
    configured = any(s.get("name") == args.name for s in existing)
    if not configured and not args.purge:
        config.source(args.name)  # ConfigError naming the sources there are
    new = without_source(text, config.file, args.name) if configured else text
    expect = [s for s in existing if s.get("name") != args.name]
    if args.purge:
        if configured:  # the remaining configuration must validate before anything is deleted
            parse_config(new, config.file)
        if (config.archive_path / HIDDEN / LEDGER_FILE).is_file():
            with ArchiveLock(config.archive_path / HIDDEN, "feedvault sources remove --purge"
                             ).acquire(), \
                    Archive(config.archive_path, config.preset_object(),
                            config.front_matter) as archive:
                deleted = purge_source(archive, args.name)
        else:
            deleted = 0  # nothing archived yet: no archive to create
        print(f"purged {args.name!r}: {deleted} archived files deleted")
    if configured:
        save(config.file, text, new, expect)
        kept = "" if args.purge else " (its archived files are kept; --purge deletes them)"
        print(f"removed source {args.name!r} from {config.file}{kept}")
    return EXIT_OK


def run_import(args: argparse.Namespace, config: Config) -> int:
    path: Path = args.file
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_IMPORT_BYTES)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    name = args.format or detect(data, path.name)
    found = importer(name)(data, str(path))
    if not args.trust_settings:
        found = untrusted(found, str(path))
    old = read_text(config.file)
    existing = raw_sources(old, config.file)
    policy = EgressPolicy(allow_hosts=config.allow_hosts, allow_networks=config.allow_networks)
    instances = config.rsshub.instances if config.rsshub else args.instance
    merged = merge(existing, found.sources, policy, instances)
    text, notes = _with_instances(old, config, merged, args.instance, args.dry_run)
    check_each(text, config.file, merged)
    new = with_sources(text, config.file, merged.tables) if merged.tables else text
    expect = [*existing, *merged.tables]
    if args.dry_run:
        parse_config(new, config.file)  # what would be written must validate
        print(render(merged.tables), end="")
    elif new != old:
        save(config.file, old, new, expect)
    for line in [*found.problems, *merged.problems, *merged.twice]:
        print(f"  {line}")
    for line in [*found.notes, *merged.notes, *notes]:
        print(f"  note: {line}")
    problems = len(found.problems) + len(merged.problems)
    twice = f", {len(merged.twice)} listed twice" if merged.twice else ""
    verb = "would import" if args.dry_run else "imported"
    print(f"{verb} {len(merged.tables)} sources from {path}; "
          f"{len(merged.duplicates)} already configured{twice}, {problems} not imported")
    return EXIT_OK


def _with_instances(text: str, config: Config, merged: Merge, instances: list[str],
                    dry_run: bool) -> tuple[str, list[str]]:
    """text with `[rsshub] instances` from --instance when RSSHub sources are to be added
    and it has none; ConfigError when they would have no instance; notes on --instance."""
    routes = any("rsshub" in table for table in merged.tables)
    if config.rsshub is not None:
        ignored = f"{config.file} has [rsshub] instances already" if routes else \
            "no RSSHub sources imported"
        return text, [f"--instance ignored: {ignored}"] if instances else []
    if not routes:
        return text, ["--instance ignored: no RSSHub sources imported"] if instances else []
    if not instances:
        raise ConfigError(f"{config.file}: RSSHub sources need [rsshub] instances = "
                          "[\"https://...\"]: add it, or pass --instance URL")
    for url in instances:
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc or parts.query:
            raise ConfigError(f"--instance {url}: expected an http(s) URL such as "
                              "https://rsshub.app (no query)")
    verb = "would be added" if dry_run else "added"
    return with_rsshub(text, config.file, instances), [
        f"[rsshub] instances = {instances} {verb} to {config.file}"]


def run_export(args: argparse.Namespace, config: Config) -> int:
    tables = raw_sources(read_text(config.file), config.file)
    shared = [shareable(table) for table in tables]
    for table, share in zip(tables, shared, strict=True):
        name = table.get("name")
        if share.left_out and not args.with_secrets:
            print(f"feedvault: source {name!r}: left out of the export, written literally in "
                  f"{config.file.name}: {', '.join(share.left_out)}; pass --with-secrets to "
                  "export them as written, or write each value as ${NAME}", file=sys.stderr)
        if share.in_urls:
            print(f"feedvault: warning: source {name!r}: a secret written literally stays in "
                  f"the export, since a feed reader needs the URL: {', '.join(share.in_urls)}; "
                  "share the file with care", file=sys.stderr)
    data = write_opml(tables if args.with_secrets else [share.table for share in shared])
    if args.output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return EXIT_OK
    try:
        args.output.write_bytes(data)
    except OSError as exc:
        raise ConfigError(f"{args.output}: cannot write: {exc.strerror or exc}") from exc
    print(f"exported {len(config.sources)} sources to {args.output}", file=sys.stderr)
    return EXIT_OK
