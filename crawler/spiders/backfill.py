"""The `backfill` spider: list a source's history pages, fetch each article in the window once."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime
from typing import Any

import scrapy
from scrapy import signals
from scrapy.http import Response
from twisted.python.failure import Failure

from archive import HIDDEN
from archive.errors import ExtractError
from archive.ledger import Ledger
from archive.urls import canonical_link, safe_url
from crawler.backfill.config import BackfillConfig
from crawler.backfill.discover import Found, feed_next, read_listing, read_sitemap
from crawler.backfill.progress import BackfillTally
from crawler.backfill.state import BackfillState, state_path
from crawler.backfill.window import Window, parse_bound
from crawler.config import Config, config_from_settings
from crawler.egress.middleware import RequestRefused
from crawler.feeds.parse import parse_feed, too_many
from crawler.fulltext.follow import FullText
from crawler.items import ArticleItem
from crawler.middlewares.capture import CAPTURE_META, capture_ref
from crawler.outcome.report import failed_url, mark, problem
from crawler.provenance import entry_digest
from crawler.spiders._articles import ArticleSteps

PAGE_PRIORITY, ARTICLE_PRIORITY = 0, 1  # articles first: the listing runs ahead by a page


class BackfillSpider(ArticleSteps, scrapy.Spider):
    """Backfills one source (`-a source=NAME`) through its `[sources.backfill]` methods."""

    name = "backfill"

    def __init__(self, config: Config, source: str, window: Window | None = None,
                 limit: int | str | None = None, dry_run: bool | str = False,
                 refresh: bool | str = False,
                 listed: Callable[[str, datetime | None], None] | None = None,
                 progress: Any = None, **kwargs: Any) -> None:
        self.config = config
        self.source = config.source(source)
        self.methods = self.source.backfill
        if window is None:  # `scrapy crawl backfill -a source=NAME -a since=2024-01-01 ...`
            since, until = kwargs.pop("since", None), kwargs.pop("until", None)
            window = Window(parse_bound(since) if since else None,
                            parse_bound(until, end=True) if until else None)
        self.window = window
        self.limit = int(limit) if limit is not None else None
        self.limit_name = f"--limit {self.limit}" if self.limit is not None else ""
        caps = self.methods or BackfillConfig()
        if self.limit is None or caps.max_articles < self.limit:
            self.limit = caps.max_articles
            self.limit_name = f"max_articles = {caps.max_articles}"
        self.max_pages, self.max_depth = caps.max_pages, caps.max_depth
        self.pages_fetched = 0  # history pages requested in this run
        self.dry_run, self.refresh = _flag(dry_run), _flag(refresh)
        self.listed, self.progress = listed, progress
        super().__init__(**kwargs)
        self.tally = BackfillTally()
        self.stopped: set[str] = set()  # listing kinds that reached articles older than --since
        self.entries: dict[str, tuple[ArticleItem, bool]] = {}  # the feed page being read
        self.taken = 0  # articles fetched (or taken from a feed) in this run
        self.last_links: dict[str, frozenset[str]] = {}  # per listing kind: its last page's
        self.chain: list[str] = []  # listing pages read so far, in order
        self.deferred: dict[str, scrapy.Request] = {}  # next listing page, until a page settles
        root = config.archive_path
        self.state = BackfillState(None if dry_run else state_path(root, self.source.name))
        ledger = root / HIDDEN / "ledger.sqlite"
        self.ledger = Ledger(ledger) if ledger.exists() or not dry_run else None

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> BackfillSpider:
        kwargs.setdefault("config", config_from_settings(crawler.settings))
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.fulltext = FullText.from_crawler(crawler)
        crawler.signals.connect(spider.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(spider.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(spider.closed_, signal=signals.spider_closed)
        return spider  # type: ignore[no-any-return]

    # Listing.
    async def start(self) -> AsyncIterator[scrapy.Request | ArticleItem]:
        if self.methods is None:
            return
        stats, name = self.crawler.stats, self.source.name
        mark(stats, name, "started", time.time())
        self.tally.resumed = self.state.start(self.window.key())
        if not self.tally.resumed:
            for url in self.methods.sitemaps:
                self.state.add_page(url, "sitemap")
            if self.methods.list_url:
                first = self.methods.first_page
                self.state.add_page(self.methods.list_url.replace("{page}", str(first)), "list",
                                    None if self.methods.next else first)
            if self.methods.feed_page:
                first = self.methods.first_page
                self.state.add_page(self.methods.feed_page.replace("{page}", str(first)), "feed",
                                    first)
            if self.methods.feed_archive:
                self.state.add_page(self.methods.feed_archive, "feed")
        if self.tally.resumed and self.ledger is not None:
            # 'archived' is noted when the store step takes an article, before its group
            # commits: what a killed run or a failed flush never committed is fetched again
            self.state.reopen(self._recorded)
        for url, page in self.state.open_articles():
            request = self._article(url, page, self.state.date_of(url))
            if request is not None:
                yield request
        for url, kind, number in self.state.pending_pages():
            if not self._may_list():
                break
            yield self._page(url, kind, number)

    def _recorded(self, url: str) -> bool:
        """The ledger knows an article of this source at url (as listed, or as stored)."""
        assert self.ledger is not None
        return any(self.ledger.by_link(self.source.name, link)
                   for link in dict.fromkeys([url, safe_url(url)]))

    def _may_list(self) -> bool:
        """Whether this run may fetch one more history page (`max_pages`); reports it once."""
        if self.pages_fetched < self.max_pages:
            return True
        if not self.tally.limit.startswith("max_pages"):
            self.tally.limit = f"max_pages = {self.max_pages}"
            problem(self.crawler.stats, self.source.name,
                    f"backfill stopped after {self.max_pages} history pages in this run "
                    "([sources.backfill] max_pages): run the same command again to continue")
        return False

    def _page(self, url: str, kind: str, number: int | None) -> scrapy.Request:
        """The request for a history page; number is a {page} listing's page number, or a
        sitemap's depth (0 for the configured sitemaps, 1 for their children...)."""
        self.pages_fetched += 1
        callback = {"sitemap": self.parse_sitemap, "list": self.parse_listing,
                    "feed": self.parse_feed_page}[kind]
        return scrapy.Request(url, callback=callback, errback=self.page_failed,
                              cb_kwargs={"kind": kind, "number": number}, priority=PAGE_PRIORITY,
                              meta={"feedvault_source": self.source.name,
                                    CAPTURE_META: kind == "feed"}, dont_filter=True)

    def _next(self, url: str | None, kind: str, number: int | None) -> Iterator[scrapy.Request]:
        """Queue the next history page; past --limit it waits in the state for the next run."""
        if url and kind not in self.stopped and self.state.add_page(url, kind, number) and \
                not self._limited() and self._may_list():
            yield self._page(url, kind, number)

    def _listed(self, page: str, found: list[Found]) -> Iterator[scrapy.Request | ArticleItem]:
        """Record a listed page; the articles in the window go on to be fetched."""
        inside = []
        for f in found:
            link = canonical_link(f.url, page, fragment=False)
            if link is None:
                continue
            if f.date is None or self.window.overlaps(f.date, f.latest or f.date):
                inside.append((link, f.date))
            else:
                self.tally.outside += 1
        self.tally.pages += 1
        new = self.state.page_done(page, inside)
        self.tally.found += len(new)
        dates = dict(inside)
        for link in new:
            request = self._article(link, page, dates[link])
            if request is not None:
                yield request
        self._update()

    def parse_sitemap(self, response: Response, kind: str, number: int | None
                      ) -> Iterator[scrapy.Request | ArticleItem]:
        try:
            found, children, trouble = read_sitemap(response.body, response.url)
        except Exception as exc:  # lxml and gzip errors of a broken sitemap
            failed_url(self.crawler.stats, self.source.name, response.url,
                       f"not a sitemap ({type(exc).__name__}: {exc})", fatal=True)
            return
        if trouble:
            problem(self.crawler.stats, self.source.name, trouble)
        depth = (number or 0) + 1
        if children and depth > self.max_depth:
            problem(self.crawler.stats, self.source.name,
                    f"{response.url}: sitemap indexes nested deeper than {self.max_depth} "
                    f"levels; its {len(children)} child sitemaps not read "
                    "([sources.backfill] max_depth)")
            children = []
        for child in children:
            yield from self._next(child, kind, depth)
        yield from self._listed(response.url, found)

    def parse_listing(self, response: Response, kind: str, number: int | None
                      ) -> Iterator[scrapy.Request | ArticleItem]:
        if kind in self.stopped:
            return  # an earlier page already reached articles older than --since
        m = self.methods
        assert m is not None and m.item_links
        ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1") or None
        try:
            found, nxt, trouble = read_listing(response.body, ctype, response.url, m.item_links,
                                               m.item_dates, m.next)
        except ExtractError as exc:
            failed_url(self.crawler.stats, self.source.name, response.url, str(exc))
            return
        if trouble:
            problem(self.crawler.stats, self.source.name, trouble)
        yield from self._after_page(response.url, kind, number, found, nxt)

    def parse_feed_page(self, response: Response, kind: str, number: int | None
                        ) -> Iterator[scrapy.Request | ArticleItem]:
        if kind in self.stopped:
            return
        headers = {k.decode("latin-1"): b",".join(v).decode("latin-1")
                   for k, v in response.headers.items()}
        feed = parse_feed(response.body, response.url, headers, self.config.max_items)
        if feed.total is not None:
            problem(self.crawler.stats, self.source.name, too_many(response.url, feed))
        if feed.problem and feed.unusable:
            failed_url(self.crawler.stats, self.source.name, response.url, feed.problem,
                       fatal=number in (None, self.methods and self.methods.first_page))
            return
        if feed.problem:
            problem(self.crawler.stats, self.source.name, f"{response.url}: {feed.problem}")
        found, direct = [], []
        for entry in feed.entries:
            item = ArticleItem(source=self.source.name, feed_url=response.url, title=entry.title,
                               content=entry.content, base=entry.base,
                               link=canonical_link(entry.link, response.url),
                               guid=entry.guid, author=entry.author, date=entry.date,
                               updated=entry.updated,
                               feed_title=feed.title, media_images=entry.media_images,
                               feed_categories=entry.categories,
                               captures=capture_ref(response))
            item.source_digest = entry_digest(item)  # what the feed said, before any rule
            if item.link:
                found.append(Found(item.link, entry.date))
                self.entries[item.link] = (item, entry.summary_only)
            elif (self.window.contains(entry.date) and not self._known_guid(item.guid)
                  and not self.fulltext.filtered(item, entry.summary_only)):
                direct.append(self.fulltext.follow(item, entry.summary_only))
        nxt = feed_next(response.body, response.url) if number is None else None
        yield from self._after_page(response.url, kind, number, found, nxt)
        for out in direct:
            yield self._wrap(out)
        self.entries.clear()

    def _after_page(self, url: str, kind: str, number: int | None, found: list[Found],
                    nxt: str | None) -> Iterator[scrapy.Request | ArticleItem]:
        """Continue the listing unless this page is empty, repeats itself, or is all older."""
        yield from self._listed(url, found)
        links = frozenset(f.url for f in found)
        if not found or links == self.last_links.get(kind):
            return  # past the last page (or a site that repeats it for any higher number)
        self.last_links[kind] = links
        if self.window.since and all(self.window.older(f.latest) for f in found):
            self._stop(kind)
            return
        if number is not None:
            template = self.methods.list_url if kind == "list" else self.methods.feed_page
            assert template is not None
            nxt, number = template.replace("{page}", str(number + 1)), number + 1
        requests = list(self._next(nxt, kind, number))
        if kind == "list" and self.window.since and requests and not any(f.date for f in found):
            # Only the articles tell the listing's dates: list one page ahead of the last
            # settled page, so the listing stops soon after reaching older articles.
            previous = self.chain[-1] if self.chain else None
            self.chain.append(url)
            if previous is not None and self.state.page_dates(previous) is None:
                self.deferred[previous] = requests[0]
                return
        yield from requests

    def page_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        kind, number = request.cb_kwargs["kind"], request.cb_kwargs["number"]
        response = getattr(failure.value, "response", None)
        first = kind == "sitemap" or number is None or \
            number == (self.methods.first_page if self.methods else 1)
        if response is not None and response.status in (404, 410) and not first:
            self.state.page_done(request.url, [])  # past the last page of a {page} listing
            return
        reason = f"HTTP {response.status}" if response is not None else (
            failure.getErrorMessage() or failure.type.__name__)
        refused = failure.check(RequestRefused) is not None
        if refused:  # found in fetched content and refused by the egress policy: never asked again
            self.state.page_done(request.url, [])
        failed_url(self.crawler.stats, self.source.name, request.url,
                   f"{kind} page not fetched ({reason})", fatal=first and not refused)

    def _stop(self, kind: str) -> None:
        self.stopped.add(kind)
        self.state.drop_pending_pages(kind)


def _flag(value: bool | str) -> bool:
    return value if isinstance(value, bool) else value.lower() in ("1", "true", "yes")
