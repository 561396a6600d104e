"""When Redis goes away under a worker: which errors mean that, and how the worker stops.

An outage shorter than `[distributed] redis_retry` costs nothing: the stream pipeline
waits and retries. A longer one stops the worker with the finish reason
`REDIS_UNREACHABLE`, after the `redis_unreachable` signal has told the scheduler to
keep every lease it holds: requests whose articles never reached the stream then go
back to the queue when Redis is back (a live worker's rescue, see `leases.py`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

# The finish reason of a worker that gave up on Redis, and the signal sent just before
# it closes: every lease this worker holds must stay in Redis, unfinished.
REDIS_UNREACHABLE = "redis_unreachable"
redis_unreachable = object()


def outage_errors() -> tuple[type[Exception], ...]:
    """The errors that mean Redis cannot be reached right now: worth waiting for."""
    import redis

    return (redis.ConnectionError, redis.TimeoutError)


def stopped_message(url: str, retry_for: float, worker_timeout: float) -> str:
    """What `feedvault worker` says when it stopped because Redis stayed away."""
    return (f"{url}: Redis unreachable for more than {retry_for:g} s (redis_retry); the worker "
            "stopped without finishing the requests in progress. Nothing is lost: once Redis "
            f"is back and {worker_timeout:g} s (worker_timeout) have passed, a running worker "
            "puts them back in the queue. Start `feedvault worker` again when redis-server "
            "is reachable.")


def describe(exc: Any) -> str:
    """One line for a log: the error without its traceback."""
    return f"{type(exc).__name__}: {exc}"


class OutageLog:
    """Log lines for one Redis outage, seen from one place (pipeline, scheduler, stats):
    a line when it starts, at most one every `every` seconds while it lasts, and a line
    when Redis answers again. Without it, every waiting article logged every retry
    (hundreds of lines for a ten-second restart)."""

    def __init__(self, logger: logging.Logger, url: str, *, every: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.logger = logger
        self.url = url
        self.every = every
        self.clock = clock
        self.since: float | None = None
        self._last = 0.0

    def failed(self, exc: Any, doing: str) -> None:
        """Redis could not be reached; doing says what waits for it."""
        now = self.clock()
        if self.since is None:
            self.since = self._last = now
            self.logger.warning("Redis at %s unreachable (%s): %s", self.url, describe(exc),
                                doing)
        elif now - self._last >= self.every:
            self._last = now
            self.logger.warning("Redis at %s still unreachable after %.0f s (%s): %s", self.url,
                                now - self.since, describe(exc), doing)

    def recovered(self) -> None:
        """Redis answered: say so if it had been away."""
        if self.since is not None:
            self.logger.warning("Redis at %s reachable again after %.1f s", self.url,
                                self.clock() - self.since)
            self.since = None
