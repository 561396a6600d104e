"""The one archive writer: consume the article stream, store, then acknowledge.

Entries are read in the consumer group `writer` (XREADGROUP) and acknowledged
(XACK, then XDEL) only after `StorePipeline` has put the article in the archive,
durably (fsynced file, committed ledger): a batch is flushed (`StorePipeline.flush`)
before any of its entries is acknowledged. Entries a killed writer left pending are
claimed (XAUTOCLAIM) when the next writer starts: it holds the archive lock, so no
other writer of this archive is alive. `Archive.put` is idempotent by identity, so an
entry stored twice (stored, then the writer died before acknowledging) is `unchanged`.

An entry the writer cannot use (not JSON, fields of the wrong type or size, a source
not in its feedvault.toml: `codec.py`, `intake.py`) is copied to the rejected stream
(`<prefix>:rejected`, with the reason, at most REJECTED_MAX entries), acknowledged and
reported in one line: the writer goes on with the next entry.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from scrapy.exceptions import DropItem

from archive import ArchiveError
from crawler.distributed.codec import ARTICLE, decode
from crawler.distributed.intake import Intake
from crawler.distributed.keys import GROUP, Keys
from crawler.outcome.report import problem
from pipelines.store import StorePipeline

logger = logging.getLogger(__name__)

REJECTED_MAX = 10_000  # entries kept in the rejected stream (approximately: MAXLEN ~)
REJECTED_FIELD_MAX = 1024 * 1024  # bytes of each of a rejected entry's fields kept


class WriterStats:
    """Report counters with the part of Scrapy's stats API that crawler.outcome.report uses."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.rejected = 0  # stream entries moved to the rejected stream

    def get_value(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def set_value(self, key: str, value: Any) -> None:
        self.values[key] = value

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self.values[key] = self.values.get(key, start) + count

    def get_stats(self) -> dict[str, Any]:
        return self.values

    def sources(self) -> list[str]:
        """Source names with any counter, in order of first appearance."""
        return list(dict.fromkeys(k.split("/")[1] for k in self.values))


class Writer:
    def __init__(self, client: Any, keys: Keys, store: StorePipeline, tally: WriterStats, *,
                 consumer: str, intake: Intake, batch: int = 200) -> None:
        self.client = client
        self.keys = keys
        self.store = store
        self.intake = intake
        self.tally = tally
        self.consumer = consumer
        self.batch = batch
        self.written = 0

    def run(self, *, idle: float = 0, stop: Callable[[], bool] = lambda: False,
            clock: Callable[[], float] = time.monotonic) -> None:
        """Write until stop() says so, or after `idle` seconds (if > 0) with nothing to write
        and nothing queued or leased anywhere."""
        self.join_group()
        self.claim_orphans()
        while self.read("0"):  # entries pending for this consumer: delivered, never acked
            pass
        last = clock()
        while not stop():
            if self.read(">", block_ms=1000):
                last = clock()
            elif idle > 0 and clock() - last >= idle and self.nothing_left():
                return

    def join_group(self) -> None:
        import redis

        try:
            self.client.xgroup_create(self.keys.articles, GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def claim_orphans(self) -> int:
        """Take over every entry another consumer of the group left pending (a dead writer)."""
        claimed, start = 0, "0-0"
        while True:
            reply = self.client.xautoclaim(self.keys.articles, GROUP, self.consumer,
                                           min_idle_time=0, start_id=start, count=self.batch)
            start = reply[0]
            claimed += len(reply[1])
            if start in (b"0-0", "0-0"):
                break
        if claimed:
            logger.warning("claimed %d entries a previous writer left unacknowledged", claimed)
        return claimed

    def read(self, start: str, block_ms: int | None = None) -> int:
        """Store one batch of entries, then acknowledge it; returns how many were read."""
        reply = self.client.xreadgroup(GROUP, self.consumer, {self.keys.articles: start},
                                       count=self.batch, block=block_ms)
        entries = reply[0][1] if reply else []
        done = []
        for entry_id, fields in entries:
            if fields:  # None: deleted from the stream while pending
                self.handle(entry_id, fields)
            done.append(entry_id)
        # the batch's rows committed (and its folders synced) before any entry is acknowledged
        if not self.store.flush():
            raise ArchiveError(f"{self.store.stopped}; the writer stopped, the last articles "
                               "stay on the stream: fix this and start `feedvault writer` again")
        if done:
            pipe = self.client.pipeline(transaction=True)
            pipe.xack(self.keys.articles, GROUP, *done)
            pipe.xdel(self.keys.articles, *done)
            pipe.execute()
        return len(entries)

    def handle(self, entry_id: bytes, fields: dict[bytes, bytes]) -> None:
        try:
            kind, value = decode(fields)
            if kind == ARTICLE:
                value = self.intake.article(value)
            else:
                self.intake.event(value)
        except ValueError as exc:
            self.reject(entry_id, fields, str(exc))
            return
        if kind == ARTICLE:
            try:
                self.store_article(value)
            except ArchiveError:
                raise  # the archive, not the entry: stop, the entry stays on the stream
            except Exception as exc:  # an entry the archive refuses: not a reason to stop
                self.reject(entry_id, fields, f"not stored: {type(exc).__name__}: {exc}")
        elif kind == "count":
            self.tally.inc_value(f"feedvault/{value['source']}/{value['status']}",
                                 int(value.get("n", 1)))
        elif kind == "problem":
            problem(self.tally, value["source"], str(value["message"]))
        elif kind == "broken":
            self.tally.set_value(f"feedvault/{value['source']}/broken", True)

    def reject(self, entry_id: bytes, fields: dict[bytes, bytes], reason: str) -> None:
        """Keep the entry, with why, in the rejected stream; the caller acknowledges it."""
        name = entry_id.decode()
        kept: dict[bytes, bytes] = {b"reason": reason.encode(), b"id": entry_id}
        for key in (b"kind", b"data"):
            if key in fields:
                kept[key] = fields[key][:REJECTED_FIELD_MAX]
        self.client.xadd(self.keys.rejected, kept, maxlen=REJECTED_MAX, approximate=True)
        self.tally.rejected += 1
        logger.error("rejected stream entry %s (kept in %s): %s", name, self.keys.rejected,
                     reason)

    def store_article(self, item: Any) -> None:
        try:
            self.store.process_item(item)
        except DropItem as exc:
            # The archive could not be written (disk full, permissions): stop without
            # acknowledging, so that the entry is stored once the trouble is fixed.
            raise ArchiveError(f"{exc}; the writer stopped, the article stays on the stream: "
                               "fix this and start `feedvault writer` again") from exc
        self.written += 1

    def nothing_left(self) -> bool:
        pipe = self.client.pipeline(transaction=False)
        pipe.zcard(self.keys.requests)
        pipe.hlen(self.keys.leases)
        pipe.xlen(self.keys.articles)
        return sum(pipe.execute()) == 0
