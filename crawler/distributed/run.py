"""Run one distributed role in this process: a Scrapy crawl (enqueue, worker) or the writer."""

from __future__ import annotations

import os
import signal
import socket
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from archive import HIDDEN, ArchiveLock, ConfigError, QueueError
from crawler.config import Config, DistributedConfig
from crawler.distributed.keys import Keys, connect
from crawler.distributed.outage import outage_errors


def distributed(config: Config, command: str) -> DistributedConfig:
    if config.distributed is None:
        raise ConfigError(f"{config.file}: `feedvault {command}` needs a [distributed] table, "
                          "e.g. redis = \"redis://localhost:6379/0\"")
    return config.distributed


def run_role(config: Config, role: str, *, sources: Sequence[str] = (), idle: float = 0,
             verbosity: int = 0, force: bool = False) -> dict[str, Any]:
    """A Scrapy crawl in the given role (roles.py); blocks until it closes; returns its stats.

    force (`crawl --force`): the requests enqueued carry FORCE_META, so the workers that
    fetch them send no conditional headers."""
    from crawler.distributed.addon import SERIALIZER_REFUSED
    from crawler.run import run_process
    from crawler.spiders.feeds import FeedSpider

    if "SCHEDULER_SERIALIZER" in config.scrapy:  # the add-on refuses it too, less politely
        raise ConfigError(f"{config.file}: {SERIALIZER_REFUSED}")
    connect(distributed(config, role))  # fail now, with a clear message, if Redis is away
    # lock_held: in distributed mode no crawler process touches the archive; the writer does.
    crawler = run_process(config, FeedSpider, verbosity=verbosity, lock_held=True, force=force,
                          settings={"FEEDVAULT_ROLE": role, "FEEDVAULT_IDLE_CLOSE": idle},
                          source=",".join(sources))
    return dict(crawler.stats.get_stats())


@contextmanager
def _stop_on_signals() -> Iterator[list[bool]]:
    """SIGINT and SIGTERM finish the current batch, then stop."""
    flag: list[bool] = []
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in handlers:
        signal.signal(sig, lambda *_: flag.append(True))
    try:
        yield flag
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def run_writer(config: Config, *, idle: float = 0, wait: bool = False) -> Any:
    """Hold the archive lock and write the stream into the archive; returns the WriterStats."""
    from crawler.distributed.intake import Intake
    from crawler.distributed.writer import Writer, WriterStats
    from pipelines.store import StorePipeline

    settings = distributed(config, "writer")
    client = connect(settings)
    tally = WriterStats()
    store = StorePipeline.from_config(config, tally, take_lock=False)
    consumer = f"{socket.gethostname()}:{os.getpid()}"
    with ArchiveLock(config.archive_path / HIDDEN, "feedvault writer").acquire(wait=wait):
        store.open_spider()
        try:
            writer = Writer(client, Keys(settings.prefix), store, tally, consumer=consumer,
                            intake=Intake.from_config(config))
            with _stop_on_signals() as stopped:
                try:
                    writer.run(idle=idle, stop=lambda: bool(stopped))
                except outage_errors() as exc:
                    raise QueueError(
                        f"{settings.redis}: Redis unreachable ({exc}); the writer stopped. "
                        "Nothing is lost: entries it had read but not acknowledged are claimed "
                        "by the next writer. Start `feedvault writer` again when redis-server "
                        "is reachable.") from exc
        finally:
            store.close_spider()
    return tally
