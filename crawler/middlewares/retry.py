"""Retries with exponential backoff and `Retry-After`, which Scrapy's RetryMiddleware lacks."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.asyncio import sleep
from scrapy.utils.response import response_status_message

from crawler.limits.deadline import retry_too_late
from crawler.schedule.freshness import retry_after


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry policy (RETRY_TIMES, RETRY_HTTP_CODES, RETRY_EXCEPTIONS), spaced out.

    Scrapy 2.19 re-sends a failed request at once. Here retry n waits a random
    time up to `FEEDVAULT_RETRY_BACKOFF * 2**(n-1)` seconds (full jitter), at most
    `FEEDVAULT_RETRY_BACKOFF_MAX`. A 429 or 503 with `Retry-After` waits that long
    instead; when it asks for more than the maximum, the request is not retried in
    this crawl and the conditional middleware postpones the source. A wait that would
    end past the crawl's deadline (`--max-time`) is not waited: the retry is left for the
    next crawl at once.
    """

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.backoff = settings.getfloat("FEEDVAULT_RETRY_BACKOFF", 1.0)
        self.backoff_max = settings.getfloat("FEEDVAULT_RETRY_BACKOFF_MAX", 60.0)
        self.sleep: Callable[[float], Awaitable[None]] = sleep

    def delay(self, attempt: int) -> float:
        return random.uniform(0, min(self.backoff_max, self.backoff * 2 ** (attempt - 1)))

    # Coroutines (Scrapy awaits them) without the deprecated spider argument: hence the
    # override ignores; the behaviour is the base class's plus the waiting.
    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        wait = None
        if response.status in (429, 503):
            now = datetime.now(UTC)
            header = response.headers.get("Retry-After")
            until = retry_after(header.decode("latin-1") if header else None, now)
            if until is not None:
                wait = (until - now).total_seconds()
                if wait > self.backoff_max:
                    return response  # too long for this crawl: the source is postponed
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        await self.wait(retry, wait if wait is not None else self.delay(retry.meta["retry_times"]))
        return retry

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception
    ) -> Any:
        if request.meta.get("dont_retry", False) or not isinstance(
            exception, self.exceptions_to_retry
        ):
            return None
        retry = self._retry(request, exception)
        if retry is not None:
            await self.wait(retry, self.delay(retry.meta["retry_times"]))
        return retry

    async def wait(self, retry: Request, seconds: float) -> None:
        """The backoff before retry, unless it would end past the crawl's deadline: then
        none, and DeadlineMiddleware refuses the retry at once (left for the next crawl)."""
        if not retry_too_late(retry, seconds):
            await self.sleep(seconds)
