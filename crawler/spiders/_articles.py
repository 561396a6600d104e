"""The article half of the backfill spider: skip what is archived, fetch, keep what is in the window."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urldefrag

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.filters import drops
from crawler.health.failures import host_down, unreachable
from crawler.items import ArticleItem
from crawler.middlewares.capture import CAPTURE_META
from crawler.outcome.report import count, failed_url, mark, problem
from crawler.provenance import entry_digest
from pipelines.filter import Filtered


class ArticleSteps:
    """Mixed into BackfillSpider; the attributes it uses are set up there."""

    crawler: Any
    source: Any
    state: Any
    tally: Any
    window: Any
    fulltext: Any
    ledger: Any
    limit: int | None
    limit_name: str
    dry_run: bool
    refresh: bool
    listed: Any
    progress: Any
    stopped: set[str]
    entries: dict[str, tuple[ArticleItem, bool]]
    taken: int
    deferred: dict[str, scrapy.Request]

    def _limited(self) -> bool:
        return self.limit is not None and self.taken >= self.limit

    def _known_guid(self, guid: str | None) -> bool:
        return bool(guid and not self.refresh and self.ledger is not None
                    and self.ledger.get(self.source.name, guid))

    def _known(self, link: str) -> tuple[bool, datetime | None]:
        """Whether the article is archived already (by link, or by its feed entry's guid),
        and its archived date."""
        if self.refresh or self.ledger is None:
            return False, None
        rows = self.ledger.by_link(self.source.name, link)
        if rows:
            return True, datetime.fromisoformat(rows[0].date)
        entry = self.entries.get(link)
        return (self._known_guid(entry[0].guid) if entry else False), None

    def _article(self, link: str, page: str, date: datetime | None
                 ) -> scrapy.Request | ArticleItem | None:
        """What to do with one article in the window: skip it, list it (dry run), or fetch it."""
        if self._limited():
            return None  # stays pending for the next run
        known, archived_date = self._known(link)
        if known:
            self.tally.skipped += 1
            self.state.article(link, "skipped", archived_date)
            self._settle(page)
            return None
        entry = self.entries.get(link)
        if entry is None:
            item = ArticleItem(source=self.source.name, feed_url=page, title="", content="",
                               link=link)
        else:
            item = entry[0]
        if self._excluded(item, entry):  # as a crawl does: no request for a page to drop
            self.state.article(link, "skipped", date)
            self._settle(page)
            self._update()
            return None
        self.taken += 1
        if self.dry_run:
            self.state.article(link, "listed")
            if self.listed is not None:
                self.listed(link, date)
            return None
        if entry is not None:  # from a feed page: the entry's own text unless it is a teaser
            return self._wrap(self.fulltext.follow(entry[0], entry[1]))
        item.source_digest = entry_digest(item)  # only the link; the page's bytes fold in
        return scrapy.Request(
            link, callback=self.parse_article, errback=self.article_failed, dont_filter=True,
            cb_kwargs={"item": item, "done": None, "seen": frozenset({urldefrag(link)[0]})},
            meta={"feedvault_source": self.source.name, CAPTURE_META: True}, priority=1,
        )

    def _excluded(self, item: ArticleItem, entry: tuple[ArticleItem, bool] | None) -> bool:
        """Whether the source's include / exclude rules drop the article before its page is
        fetched (counted as filtered): a feed page's entry as a crawl decides it; an article
        known by its link alone on what the link says (its title, text, categories and,
        unless the source sets one, author come with the page; the filter step decides then)."""
        if entry is not None:
            return self.fulltext.filtered(item, entry[1])
        unknown = ("title", "body", "categories", *(() if self.source.author else ("author",)))
        return drops(self.crawler.stats, self.source, item, unknown=unknown) is not None

    def _wrap(self, out: Any) -> Any:
        """Route full-text page requests (and next pages) through this spider's callbacks."""
        if isinstance(out, scrapy.Request):
            return out.replace(callback=self.parse_article, errback=self.article_failed,
                               priority=1)
        return self._finish(out)

    def parse_article(self, response: Response, item: ArticleItem, done: Any, seen: frozenset[str]
                      ) -> Iterator[Any]:
        for out in self.fulltext.parse_page(response, item, done, seen):
            result = self._wrap(out)
            if result is not None:
                yield result

    def article_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request  # type: ignore[attr-defined]
        item: ArticleItem = request.cb_kwargs["item"]
        if request.cb_kwargs["done"] is not None or item.content:
            for out in self.fulltext.page_failed(failure):  # keeps the pages (or text) before it
                result = self._finish(out)
                if result is not None:
                    yield result
            return
        down = host_down(failure)
        if down is not None:  # one report line per host, at the end
            unreachable(self.crawler.stats, self.source.name, down.host, down.reason,
                        "not fetched")
            self._failed(item, None)
            return
        response = getattr(failure.value, "response", None)
        reason = f"HTTP {response.status}" if response is not None else (
            failure.getErrorMessage() or failure.type.__name__)
        self._failed(item, f"article not fetched ({reason})")

    def _failed(self, item: ArticleItem, reason: str | None) -> None:
        """Count the article as failed; reason: its report line (None: reported already)."""
        count(self.crawler.stats, self.source.name, "failed")
        if reason is not None:
            failed_url(self.crawler.stats, self.source.name, item.link, reason)
        self.tally.failed += 1
        if item.link:
            self._settle(self.state.article(item.link, "failed"))

    def _finish(self, item: ArticleItem) -> ArticleItem | None:
        """The fetched article goes on to the pipelines if it has text and is in the window."""
        if not item.content or not item.content.strip():
            self._failed(item, "no article text found on the page")
            return None
        if not self.window.contains(item.date):
            self.tally.outside += 1
            self.tally.late += 1
            if item.link:
                self._settle(self.state.article(item.link, "outside", item.date))
            self._update()
            return None
        return item

    # Outcomes (signals).
    def item_scraped(self, item: ArticleItem) -> None:
        self.tally.archived += 1
        if item.link:
            self._settle(self.state.article(item.link, "archived", item.date))
        self._update()

    def item_dropped(self, item: ArticleItem, exception: BaseException | None = None) -> None:
        if isinstance(exception, Filtered):  # an include / exclude rule: settled, not failed
            if item.link:
                self._settle(self.state.article(item.link, "skipped", item.date))
            self._update()
            return
        self.tally.failed += 1  # the pipeline counted and reported it
        if item.link:
            self._settle(self.state.article(item.link, "failed", item.date))
        self._update()

    def _settle(self, page: str | None) -> None:
        """Once all articles of a listing page are settled, stop at a page older than --since."""
        if page is None or not self.window.since or "list" in self.stopped:
            return
        dates = self.state.page_dates(page)
        if dates is None:
            return
        if dates and all(self.window.older(d) for d in dates):
            self.stopped.add("list")
            self.state.drop_pending_pages("list")
            self.deferred.clear()
        elif page in self.deferred:
            self.crawler.engine.crawl(self.deferred.pop(page))

    def _update(self) -> None:
        self.tally.fetching = self.taken
        if self.progress is not None:
            self.progress.update(self.tally)

    def closed_(self, reason: str) -> None:
        stats = self.crawler.stats
        mark(stats, self.source.name, "finished", time.time())
        if self._limited() and not self.tally.limit:
            self.tally.limit = self.limit_name
        self.tally.limited = bool(self.tally.limit) and bool(
            self.state.open_articles() or self.state.pending_pages())
        if self.tally.limited and self.tally.limit.startswith("max_articles"):
            problem(stats, self.source.name,
                    f"backfill stopped after {self.limit} articles in this run "
                    "([sources.backfill] max_articles): run the same command again to continue")
        self.tally.reason = reason
        stats.set_value("feedvault/backfill", self.tally)
        if reason == "finished" and not self.tally.limited and not self.dry_run:
            self.state.remove()
        else:
            self.state.close()
        if self.ledger is not None:
            self.ledger.close()
        if self.progress is not None:
            self.progress.update(self.tally)
