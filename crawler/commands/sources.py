"""`feedvault sources check`: does each source's feed parse and its newest page extract well?"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from archive import FeedvaultError
from archive.errors import ExtractError
from crawler.commands._fetch import Fetcher
from crawler.commands._filter_check import preview
from crawler.commands._sources import register_actions
from crawler.commands.exit import EXIT_FAILED, EXIT_OK
from crawler.config import Config, SourceConfig
from crawler.egress import EgressRefused
from crawler.extract import Extracted, extract_pages
from crawler.feeds.encoding import decode
from crawler.feeds.entry import FeedEntry
from crawler.feeds.parse import parse_feed
from crawler.fulltext.pages import page_problems, rules_for
from crawler.outcome.drift import DriftHistory
from crawler.rsshub import attempt, feed_urls
from crawler.rsshub.failover import looks_like_html


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser("sources", parents=[common], help="add, list, check, remove, "
                                 "import and export sources",
                                 description="Manage the configured sources.")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    check = actions.add_parser(
        "check", parents=[common], help="fetch each feed and extract its newest article",
        description="For each source (or the named ones): fetch the feed, count its items, "
                    "extract the newest item's page and warn about selector drift. "
                    "Exit status 1 when any source is broken.",
    )
    check.add_argument("names", nargs="*", metavar="NAME")
    check.set_defaults(func=run, needs_config=True)
    register_actions(actions, common)


@dataclass
class Verdict:
    name: str
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def run(args: argparse.Namespace, config: Config) -> int:
    history = DriftHistory(config.archive_path)
    verdicts = [check_source(source, history, Fetcher.from_config(config, source),
                             _feed_urls(config, source))
                for source in config.select(args.names)]
    for verdict in verdicts:
        status = "BROKEN" if verdict.problems else "ok"
        print(f"{verdict.name}: {status}")
        for line in verdict.lines:
            print(f"  {line}")
        for message in verdict.problems:
            print(f"  WARNING: {message}")
    return EXIT_FAILED if any(v.problems for v in verdicts) else EXIT_OK


def _feed_urls(config: Config, source: SourceConfig) -> list[tuple[str, str]]:
    """(URL to fetch, URL to print) for each place the feed is fetched from, in the crawl's
    order: an RSSHub route on each instance, access key included but never printed."""
    urls = feed_urls(config, source)
    shown = attempt(config.rsshub, source.rsshub).shown if source.rsshub and config.rsshub \
        else urls
    return list(zip(urls, shown, strict=True))


def check_source(source: SourceConfig, history: DriftHistory, fetcher: Fetcher,
                 urls: list[tuple[str, str]]) -> Verdict:
    """Fetch the feed and its newest article as a crawl would (User-Agent, robots.txt, egress;
    an RSSHub route from each instance in turn)."""
    verdict = Verdict(source.name)
    for number, (url, shown) in enumerate(urls, 1):
        try:
            body, ctype, final, status = fetcher.answer(url)
            # an RSSHub instance answers some errors with an HTML page, even with a 200:
            # not the feed, as a crawl decides (crawler/rsshub failed_answer)
            if source.rsshub and looks_like_html(ctype or "", body):
                raise ExtractError(f"{url}: not a feed (an HTML page, HTTP {status})")
        except FeedvaultError as exc:
            message = str(exc).replace(url, shown)
            if number < len(urls):  # the next RSSHub instance, as a crawl falls over
                verdict.lines.append(f"feed: {message}; trying the next RSSHub instance")
                continue
            verdict.problems.append(f"feed: {message}")
            return verdict
        final = shown if final == url else final
        break
    feed = parse_feed(body, final, {"content-type": ctype} if ctype else {})
    if feed.problem:
        (verdict.problems if feed.unusable else verdict.lines).append(f"feed: {feed.problem}")
    dated = [e.date for e in feed.entries if e.date]
    newest_date = max(dated, key=_utc) if dated else None
    verdict.lines.append(f"feed: {len(feed.entries)} items, newest "
                         f"{newest_date.isoformat() if newest_date else 'undated'}")
    verdict.lines.extend(preview(source, feed.entries, final, feed.title))  # filter rules
    newest = _newest(feed.entries)
    if newest is None or not newest.link:
        return verdict
    try:
        article = _extract(newest.link, source, fetcher, verdict)
    except (FeedvaultError, ValueError) as exc:
        verdict.problems.append(f"page: {exc}")
        return verdict
    usual = history.usual(source.name)
    how = {"selector": "content_selector", "auto": "automatic extraction",
           "fallback": "automatic extraction (selector missed)"}[article.method]
    verdict.lines.append(f"page: {article.url}")
    verdict.lines.append(
        f"  {article.title or 'untitled'!r}: {len(article.text)} characters"
        f"{f' (usually {usual})' if usual is not None else ''}, {article.pages} page(s), {how}")
    verdict.problems.extend(page_problems(source, article, history))
    return verdict


def _extract(url: str, source: SourceConfig, fetcher: Fetcher, verdict: Verdict
             ) -> Extracted:
    def first(address: str) -> str:
        body, ctype, _ = fetcher.fetch(address)
        return decode(body, ctype, url=address).text

    def text_of(address: str) -> str | None:
        try:
            return first(address)
        except EgressRefused as exc:  # a next page: the article ends before it
            verdict.problems.append(f"page: {exc}")
            return None

    return extract_pages(first(url), url, rules_for(source), text_of)


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _newest(entries: list[FeedEntry]) -> FeedEntry | None:
    if not entries:
        return None
    dated = [e for e in entries if e.date]
    return max(dated, key=lambda e: _utc(e.date)) if dated else entries[0]  # type: ignore[arg-type]
