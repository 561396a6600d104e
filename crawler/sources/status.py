"""What `sources list` shows of each source: last crawl and its outcome, articles archived."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from archive import HIDDEN
from archive.ledger import Ledger
from crawler.config import Config
from crawler.schedule.http_state import FILE_NAME, HttpState


@dataclass(frozen=True)
class Status:
    name: str
    url: str
    categories: tuple[str, ...]
    last_crawl: str | None  # ISO 8601, None: never crawled
    outcome: str | None  # "ok", "not modified", "HTTP 404", an exception name…
    articles: int

    def as_json(self) -> dict[str, object]:
        return {"name": self.name, "url": self.url, "categories": list(self.categories),
                "last_crawl": self.last_crawl, "outcome": self.outcome,
                "articles": self.articles}


def statuses(config: Config) -> list[Status]:
    """One Status per configured source; an archive never crawled is not created by asking."""
    hidden: Path = config.archive_path / HIDDEN
    counts: dict[str, int] = {}
    ledger = Ledger.open_in(hidden)
    if ledger is not None:
        try:
            counts = ledger.counts()
        finally:
            ledger.close()
    polls = {}
    if (hidden / FILE_NAME).is_file():
        with HttpState(config.archive_path) as state:
            polls = {s.name: state.poll(s.name) for s in config.sources}
    result = []
    for source in config.sources:
        poll = polls.get(source.name)
        last = poll.last_polled.isoformat() if poll and poll.last_polled else None
        result.append(Status(source.name, source.url, source.categories, last,
                             poll.outcome if poll else None, counts.get(source.name, 0)))
    return result
