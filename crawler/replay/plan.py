"""What a re-extraction replays: each article's newest captures, grouped by feed capture."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urldefrag

from archive.captures import CaptureStore
from archive.errors import CaptureError
from archive.identity import identity_key
from archive.ledger import Ledger
from archive.text import clean_text
from archive.urls import canonical_link, safe_url
from crawler.config import SourceConfig
from crawler.items import ArticleItem
from crawler.outcome.report import problem

REPLAY_SETTING = "FEEDVAULT_REPLAY"  # the ReplayPlan of a re-extraction (None: a crawl)


def page_key(url: str) -> str:
    """Page URLs compared without their fragment."""
    return urldefrag(url)[0]


@dataclass
class Planned:
    """One archived article to rebuild from its feed capture (and page captures)."""

    source: str
    identity: str
    path: str
    feed: str  # capture reference of the feed response, the first of the article's captures
    pages: tuple[str, ...]
    # the source digest its newest revision was built from: the entry, and each page as it
    # was folded in (crawler.provenance); None if the ledger has none
    digest: str | None = None
    # waiting → sent (its item is on its way) → done | failed | excluded (by the current
    # include / exclude rules: kept as it is); unreadable: one of its captures is torn
    state: str = "waiting"
    status: str | None = None  # what the archive did: new, updated, unchanged
    written: str | None = None  # the file it went to (its own path, unless the rules moved it)


@dataclass(frozen=True)
class FeedCapture:
    source: str
    ref: str
    url: str


@dataclass
class ReplayPlan:
    """The articles of the selected sources, their captures, and what became of them."""

    captures: CaptureStore
    sources: tuple[str, ...]
    dry_run: bool = False
    feeds: list[FeedCapture] = field(default_factory=list)
    articles: dict[tuple[str, str], Planned] = field(default_factory=dict)
    by_link: dict[tuple[str, str], Planned] = field(default_factory=dict)
    by_path: dict[str, Planned] = field(default_factory=dict)
    pages: dict[str, str] = field(default_factory=dict)  # page URL -> capture reference
    without: dict[str, list[str]] = field(default_factory=dict)  # source -> paths
    # source -> paths of articles built from their page alone, with no feed entry (a
    # backfill from a sitemap or a listing): there is no feed capture to replay them from
    page_only: dict[str, list[str]] = field(default_factory=dict)
    # source -> paths of articles whose file changed since their captures built it (edited
    # by hand and adopted by `verify --repair`): a rebuild would undo the edit
    edited: dict[str, list[str]] = field(default_factory=dict)
    unreadable: dict[str, str] = field(default_factory=dict)  # capture reference -> why
    diffs: list[str] = field(default_factory=list)  # --dry-run: one unified diff per file
    images_not_refreshed: int = 0  # image URLs not saved before: they keep their remote URL
    _items: dict[int, tuple[ArticleItem, Planned]] = field(default_factory=dict)

    def __deepcopy__(self, memo: dict[int, Any]) -> ReplayPlan:
        """Itself: Scrapy deep-copies its settings, where the plan travels to the spider,
        middleware and pipelines; they must all share this one plan (what they note is what
        the command reports), and its capture store holds an open SQLite index once a
        revisit record has been read, which cannot be copied."""
        return self

    def claim(self, item: ArticleItem, ref: str, feed_url: str, policy: str) -> Planned | None:
        """The waiting article this feed capture's item rebuilds, marked sent; None for an
        entry of the capture that rebuilds nothing (not archived, or its newest revision
        came from another capture: an older capture never overwrites a newer article)."""
        link = canonical_link(item.link, feed_url)
        safe = safe_url(link) if link else None
        key = identity_key(policy, guid=clean_text(item.guid) or None, link=safe,
                           title=clean_text(item.title), date=item.date)
        planned = self.articles.get((item.source, key or ""))
        if planned is None and safe and policy == "auto":  # a known link with another guid
            planned = self.by_link.get((item.source, safe))
        if planned is None or planned.feed != ref or planned.state != "waiting":
            return None
        planned.state = "sent"
        self._items[id(item)] = (item, planned)  # the item held: its id is not reused
        return planned

    def of_item(self, item: Any) -> Planned | None:
        """The article an item claimed (see claim)."""
        found = self._items.get(id(item))
        return found[1] if found is not None and found[0] is item else None

    def fail(self, stats: Any, planned: Planned | None, reason: str) -> None:
        if planned is None or planned.state in ("done", "failed", "excluded"):
            return
        planned.state = "failed"
        problem(stats, planned.source, f"{planned.path}: not rebuilt: {reason}")

    def fail_capture(self, stats: Any, ref: str, reason: str) -> None:
        """A capture that cannot be replayed: one line for all the articles it fails."""
        hit = [p for p in self.articles.values()
               if ref in (p.feed, *p.pages) and p.state in ("waiting", "unreadable")]
        for planned in hit:
            planned.state = "failed"
        if hit:
            paths = ", ".join(p.path for p in hit[:3]) + (", ..." if len(hit) > 3 else "")
            problem(stats, hit[0].source, f"capture {ref}: {reason}: {len(hit)} "
                    f"{'article' if len(hit) == 1 else 'articles'} not rebuilt, kept as "
                    f"{'it was' if len(hit) == 1 else 'they were'} ({paths})")

    def excluded(self, planned: Planned | None) -> None:
        if planned is not None and planned.state in ("waiting", "sent"):
            planned.state = "excluded"

    def finish(self, stats: Any) -> None:
        """Every article that did not come back gets its line."""
        for ref, reason in self.unreadable.items():
            self.fail_capture(stats, ref, reason)
        for planned in self.articles.values():
            if planned.state == "waiting":
                self.fail(stats, planned, f"its entry is no longer found in its feed capture "
                          f"{planned.feed} (the identity rule changed?); the file is kept as "
                          "it was")
            elif planned.state == "sent":
                self.fail(stats, planned, "its item was dropped on the way (see above); the "
                          "file is kept as it was")
        for source in self.sources:
            kept = [p.path for p in self.articles.values()
                    if p.source == source and p.state == "excluded"]
            if kept:
                problem(stats, source, f"{len(kept)} "
                        f"{'article is' if len(kept) == 1 else 'articles are'} dropped by the "
                        "current include / exclude rules: kept as they were, not rebuilt "
                        f"({', '.join(kept[:3])}{', ...' if len(kept) > 3 else ''})")


def build_plan(ledger: Ledger, captures: CaptureStore, sources: Iterable[SourceConfig], *,
               dry_run: bool = False) -> ReplayPlan:
    """Read the ledger's newest provenance of every article of sources, and the URL of each
    capture it names (a capture that cannot be read fails its articles, not the plan)."""
    sources = tuple(sources)
    plan = ReplayPlan(captures, tuple(s.name for s in sources), dry_run=dry_run)
    urls: dict[str, str | CaptureError] = {}
    fetched: dict[str, str] = {}

    def url_of(ref: str) -> str | CaptureError:
        if ref not in urls:
            try:
                captured = captures.read(ref)
                urls[ref], fetched[ref] = captured.url, captured.fetched_at
            except CaptureError as exc:
                urls[ref] = exc
        return urls[ref]

    seen_feeds: set[str] = set()
    for source in sources:
        for row in ledger.of_source(source.name):
            known = ledger.provenance(row.source, row.identity)
            if known is None or not known[1].captures:
                plan.without.setdefault(source.name, []).append(row.path)
                continue
            if known[0] != row.content_hash:
                plan.edited.setdefault(source.name, []).append(row.path)
                continue
            refs = known[1].captures
            first = url_of(refs[0])
            if row.link and isinstance(first, str) and page_key(first) == page_key(row.link):
                plan.page_only.setdefault(source.name, []).append(row.path)
                continue
            planned = Planned(row.source, row.identity, row.path, refs[0], tuple(refs[1:]),
                              digest=known[1].source_digest)
            plan.articles[(row.source, row.identity)] = planned
            plan.by_path[row.path] = planned
            if row.link:
                plan.by_link.setdefault((row.source, row.link), planned)
            broken = [(ref, url) for ref in refs if isinstance(url := url_of(ref), CaptureError)]
            if broken:
                ref, exc = broken[0]
                plan.unreadable.setdefault(ref, f"cannot be read ({exc})")
                planned.state = "unreadable"
                continue
            for ref in planned.pages:
                url = page_key(str(urls[ref]))
                older = plan.pages.get(url)
                if older is None or fetched.get(older, "") <= fetched[ref]:
                    plan.pages[url] = ref  # several captures of one page: the newest answers
            if row.link and planned.pages:  # a page whose capture is of the URL it led to
                plan.pages.setdefault(page_key(row.link), planned.pages[0])
            if refs[0] not in seen_feeds:
                seen_feeds.add(refs[0])
                plan.feeds.append(FeedCapture(source.name, refs[0], str(urls[refs[0]])))
    return plan
