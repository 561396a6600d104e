"""`feedvault extract`: the crawl's page extraction and cleaning on saved pages or URLs."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archive import Article, FeedvaultError, get_preset
from archive.errors import ExtractError
from crawler.commands._fetch import Fetcher, read_input
from crawler.commands.exit import EXIT_FAILED, EXIT_OK
from crawler.config import Config, SourceConfig, load_config
from crawler.egress import EgressRefused
from crawler.extract import Extracted, extract_pages
from crawler.extract._dom import block_text, parse_html
from crawler.fulltext.pages import read_page, rules_for
from crawler.items import ArticleItem

DEFAULT_BASE = "http://localhost/"


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "extract", parents=[common], help="extract articles from saved pages or URLs",
        description="Run the crawl's article extraction and cleaning on saved pages or URLs "
                    "and print each article as it would be archived.",
    )
    parser.add_argument("inputs", nargs="+", metavar="FILE_OR_URL")
    parser.add_argument("--source", metavar="NAME",
                        help="use this source's rules (content_selector, remove, next_page)")
    parser.add_argument("--url", metavar="BASE",
                        help="the page's address, for relative links in saved files")
    parser.add_argument("--jsonl", action="store_true",
                        help="one JSON object per input, in input order")
    parser.set_defaults(func=run, needs_config=False)


@dataclass
class Cleaner:
    """The crawl's own clean pipeline (cleaning, links, images, cover), built from the config."""

    config: Config
    source: SourceConfig

    def __post_init__(self) -> None:
        from pipelines import CleanPipeline

        self.steps = [CleanPipeline.from_config(self.config, _Stats())]

    def __call__(self, article: Extracted) -> ArticleItem:
        item = ArticleItem(source=self.source.name, feed_url=article.url,
                           title=article.title or "", content=article.body_html,
                           link=article.url, author=article.meta.author,
                           date=article.date, language=article.meta.language)
        if article.meta.cover:
            item.media_images.append(article.meta.cover)
        for step in self.steps:
            item = step.process_item(item)
        return item


class _Stats(dict):  # type: ignore[type-arg]
    """The sliver of Scrapy's stats collector the pipelines use, for problems they record."""

    def get_value(self, key: str, default: Any = None) -> Any:
        return self.get(key, default)

    def set_value(self, key: str, value: Any) -> None:
        self[key] = value

    def inc_value(self, key: str, count: int = 1) -> None:
        self[key] = self.get(key, 0) + count


def run(args: argparse.Namespace, config: Config | None) -> int:
    config, source, fetcher = _setup(args)
    clean = Cleaner(config, source)
    failed = 0
    for arg in args.inputs:
        try:
            record = _one(arg, args.url, source, clean, config, fetcher)
        except FeedvaultError as exc:
            failed += 1
            record = {"path": arg, "error": str(exc)}
        _print(record, args.jsonl)
    return EXIT_FAILED if failed else EXIT_OK


def _setup(args: argparse.Namespace) -> tuple[Config, SourceConfig, Fetcher]:
    """The config, the source whose rules apply, and a fetcher with the crawl's manners for
    it (the configured egress policy: the pretend source's base URL is no fetched address
    and trusts nothing)."""
    config = load_config(args.config) if args.config else Config(file=Path("<defaults>"), archive_path=Path.cwd())
    if args.source:
        source = config.source(args.source)
        return config, source, Fetcher.from_config(config, source)
    source = SourceConfig(name="extract", url=args.url or DEFAULT_BASE)
    from dataclasses import replace

    return (replace(config, sources=(*config.sources, source)), source,
            Fetcher.from_config(config, source))


def _one(arg: str, base: str | None, source: SourceConfig, clean: Cleaner, config: Config,
         fetcher: Fetcher) -> dict[str, Any]:
    body, ctype, final = read_input(arg, fetcher)
    url = final or base or Path(arg).resolve().as_uri()
    rules = rules_for(source)
    if final:  # a URL: follow next_page links the way a crawl does
        from crawler.feeds.encoding import decode

        trusted = fetcher.trusting([arg])  # next pages on the typed URL's host

        def next_page(address: str) -> str | None:
            try:
                return decode(*trusted.fetch(address)[:2], url=address).text
            except EgressRefused as exc:
                print(f"feedvault: warning: {exc}; kept the pages before it", file=sys.stderr)
                return None

        article = extract_pages(decode(body, ctype, url=url).text, url, rules, next_page)
    else:
        article = read_page(body, ctype, url, rules)
    item = clean(article)
    text = block_text(parse_html(f"<div>{item.content}</div>")) if item.content.strip() else ""
    if not text and "<img" not in item.content:
        raise ExtractError(f"{arg}: nothing left after cleaning")
    images = [img.get("src") for img in parse_html(f"<div>{item.content}</div>").iter("img")
              if img.get("src")] if "<img" in item.content else []
    preset = get_preset(config.preset)
    document = preset.dumps(Article(source=source.name, title=item.title or "untitled",
                                    body=item.content, date=item.date, author=item.author,
                                    cover=item.cover, original_url=final or base))
    return {
        "path": arg, "title": item.title or None, "author": item.author,
        "date": item.date.isoformat() if item.date else None, "cover": item.cover,
        "body_html": item.content, "text": text, "images": images, "error": None,
        "_document": document,
    }


def _print(record: dict[str, Any], jsonl: bool) -> None:
    document = record.pop("_document", None)
    if jsonl:
        keys = ("path", "title", "author", "date", "cover", "body_html", "text", "images",
                "error")
        full = {k: record.get(k, [] if k == "images" else None) for k in keys}
        line = json.dumps(full, ensure_ascii=False)
        # lines split on \n only; keep the separators other splitters know escaped anyway
        line = line.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
        print(line, flush=True)
    elif record.get("error"):
        print(f"feedvault: error: {record['error']}", file=sys.stderr)
    else:
        print(f"==> {record['path']} <==\n{document}", flush=True)
