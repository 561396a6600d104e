"""The crawl's side of full text: request an item's page (and next pages), complete the item."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urldefrag

import scrapy
from scrapy import signals
from scrapy.http import Response
from scrapy.utils.conf import build_component_list
from twisted.python.failure import Failure

from archive.errors import ExtractError
from crawler.config import SourceConfig, config_from_settings
from crawler.extract import MAX_PAGES, Extracted, join
from crawler.filters import drops
from crawler.fulltext.kept import page_not_had, report_kept
from crawler.fulltext.pages import fill, page_problems, read_page, rules_for, wants_page
from crawler.health.failures import host_down
from crawler.items import ArticleItem
from crawler.limits.deadline import Deadline
from crawler.middlewares.capture import CAPTURE_META, capture_ref
from crawler.outcome.drift import DriftHistory
from crawler.outcome.report import left, problem
from crawler.provenance import with_page

logger = logging.getLogger(__name__)


class FullText:
    """Turns teaser items into page requests; the callbacks yield the completed items."""

    _opened: Any  # the spider_opened handler, kept alive here (signals hold weak references)

    def __init__(self, sources: Mapping[str, SourceConfig], stats: Any,
                 history: DriftHistory | None, *, stored: bool = True) -> None:
        self.sources = sources
        self.stats = stats
        self.history = history
        # whether item pipelines take the items on to the store step, which says what an
        # article whose page failed kept (False in a dry run: the spider says it)
        self.stored = stored

    @classmethod
    def from_crawler(cls, crawler: Any) -> FullText:
        config = config_from_settings(crawler.settings)
        pipelines = build_component_list(crawler.settings.getwithbase("ITEM_PIPELINES"))
        helper = cls(config.by_name, None, DriftHistory(config.archive_path),
                     stored=bool(pipelines))

        def opened() -> None:  # the stats exist once the crawl starts
            helper.stats = crawler.stats

        helper._opened = opened  # signals hold weak references
        crawler.signals.connect(opened, signal=signals.spider_opened)
        crawler.signals.connect(helper.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(helper.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(helper.item_scraped, signal=signals.item_scraped)
        return helper

    def item_dropped(self, item: Any) -> None:
        """An item dropped before the store step said what it kept: its page failure alone."""
        if isinstance(item, ArticleItem):
            report_kept(self.stats, item, archived=None)

    def item_scraped(self, item: Any) -> None:
        """Without a store step (a dry run), the item keeps what it has."""
        if isinstance(item, ArticleItem) and not self.stored:
            report_kept(self.stats, item, archived=False)

    def spider_closed(self) -> None:
        if self.history is not None:
            self.history.save()

    def filtered(self, item: ArticleItem, summary_only: bool) -> bool:
        """True when the source's rules drop the item before its page would be fetched
        (counted as filtered); an include rule on the body waits for the page's text."""
        source = self.sources[item.source]
        return drops(self.stats, source, item,
                     body_final=not wants_page(item, source, summary_only)) is not None

    def follow(self, item: ArticleItem, summary_only: bool) -> ArticleItem | scrapy.Request:
        """The item itself, or a request for its page when the feed gives only a teaser."""
        source = self.sources[item.source]
        if not wants_page(item, source, summary_only):
            return item
        return self._request(item.link or "", item, None, frozenset())

    def _request(self, url: str, item: ArticleItem, done: Extracted | None,
                 seen: frozenset[str]) -> scrapy.Request:
        return scrapy.Request(
            url, callback=self.parse_page, errback=self.page_failed, dont_filter=True,
            cb_kwargs={"item": item, "done": done, "seen": seen | {urldefrag(url)[0]}},
            meta={"feedvault_source": item.source, CAPTURE_META: True},
        )

    def parse_page(self, response: Response, item: ArticleItem, done: Extracted | None,
                   seen: frozenset[str]) -> Iterator[ArticleItem | scrapy.Request]:
        item.source_digest = with_page(item.source_digest, response.body)  # as sent, in order
        source = self.sources[item.source]
        ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1") or None
        try:
            page = read_page(response.body, ctype, response.url, rules_for(source))
        except (ExtractError, ValueError) as exc:
            page_not_had(item, first_page=done is None, message=str(exc))
            yield self._complete(item, done)
            return
        item.captures.extend(capture_ref(response))  # each page the article is built from
        article = page if done is None else join(done, page)
        nxt = article.next_page
        if nxt and nxt not in seen and article.pages < MAX_PAGES:
            yield self._request(nxt, item, article, seen)
            return
        yield self._complete(item, article)

    def page_failed(self, failure: Failure) -> Iterator[ArticleItem]:
        """The item with what it had (feed text, earlier pages); none when the crawl's
        deadline passed: the next crawl fetches the page."""
        request = failure.request  # type: ignore[attr-defined]
        kwargs = request.cb_kwargs
        if failure.check(Deadline):
            left(self.stats, kwargs["item"].source, request.url)
            return
        first_page = kwargs["done"] is None
        down = host_down(failure)
        if down is not None:  # one line per host, at the end
            page_not_had(kwargs["item"], first_page=first_page, host=down.host,
                         reason=down.reason)
        else:
            response = getattr(failure.value, "response", None)
            reason = f"HTTP {response.status}" if response is not None else (
                failure.getErrorMessage() or failure.type.__name__)
            page_not_had(kwargs["item"], first_page=first_page,
                         message=f"{request.url}: page not fetched ({reason})")
        yield self._complete(kwargs["item"], kwargs["done"])

    def _complete(self, item: ArticleItem, article: Extracted | None) -> ArticleItem:
        if article is None:
            return item
        source = self.sources[item.source]
        for message in page_problems(source, article, self.history):
            problem(self.stats, item.source, message)
        if self.history is not None:
            self.history.record(source.name, len(article.text))
        fill(item, article, source.prefer_page)
        return item
