"""Backfill progress: a rich progress bar on a terminal, a plain line every few seconds otherwise."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import IO, Any


@dataclass
class BackfillTally:
    """What one backfill run did so far."""

    pages: int = 0      # history pages listed (sitemaps, listing pages, feed pages)
    found: int = 0      # articles in the window named by them, new to this backfill
    fetching: int = 0   # articles taken on (fetched, or taken from a feed page)
    archived: int = 0   # went through the pipelines into the archive
    skipped: int = 0    # already archived: not fetched
    outside: int = 0    # dated outside the window (by the listing, the sitemap or the article)
    failed: int = 0
    late: int = 0       # of those outside, the ones known only once fetched
    resumed: bool = False
    limited: bool = False  # --limit (or max_articles, max_pages) stopped it with work left
    limit: str = ""        # which: "--limit 50", "max_pages = 1000"
    reason: str = ""

    def line(self) -> str:
        return (f"{self.pages} pages listed, {self.archived} archived, {self.skipped} skipped "
                f"(already archived), {self.failed} failed, {self.outside} outside the window")


class Progress:
    """Shows a BackfillTally as it changes; `live` draws a rich bar (stderr is a terminal)."""

    def __init__(self, source: str, stream: IO[str], *, live: bool, interval: float = 5.0
                 ) -> None:
        self.source = source
        self.stream = stream
        self.interval = interval
        self.started = time.monotonic()
        self.last = self.started
        self.bar: Any = None
        if live:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
            from rich.progress import Progress as Bar

            self.bar = Bar(TextColumn("[bold]{task.description}"), BarColumn(),
                           MofNCompleteColumn(), TextColumn("{task.fields[counts]}"),
                           TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
                           TextColumn("left"), TimeRemainingColumn(),
                           console=Console(file=stream), transient=False)
            self.task = self.bar.add_task(source, total=None, counts="", rate="")
            self.bar.start()

    def rate(self, tally: BackfillTally) -> float:
        return tally.archived / max(time.monotonic() - self.started, 1e-6)

    def update(self, tally: BackfillTally) -> None:
        done = tally.archived + tally.failed + tally.late
        if self.bar is not None:
            counts = (f"{tally.pages} pages listed · {tally.archived} archived · "
                      f"{tally.skipped} skipped · {tally.failed} failed")
            self.bar.update(self.task, completed=done, total=max(tally.fetching, done) or None,
                            counts=counts, rate=f"{self.rate(tally):.1f}/s")
            return
        now = time.monotonic()
        if now - self.last >= self.interval:
            self.last = now
            print(f"backfill {self.source}: {tally.line()}, {self.rate(tally):.1f} articles/s",
                  file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
