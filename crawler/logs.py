"""How the command line's logs look: one line per problem at the default verbosity."""

from __future__ import annotations

import logging

# Scrapy's loggers whose messages about network failures repeat what feedvault reports itself,
# once per URL or per host: a retry given up on, a robots.txt that could not be fetched
# (Scrapy then allows every page, and the host's own line says whether it was reachable).
_REPEATS = ("scrapy.downloadermiddlewares.retry", "scrapy.downloadermiddlewares.robotstxt")
FORMAT = "feedvault: %(levelname)s: %(name)s: %(message)s"


class QuietNetworkErrors(logging.Filter):
    """Drops Scrapy's per-URL network failure messages and strips the traceback from any
    record about a network failure; everything else passes unchanged. Installed at the
    default verbosity only: `-v` shows every message with its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith(_REPEATS) and record.levelno < logging.CRITICAL:
            return False
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and _network(exc):
            record.exc_info = None
            record.exc_text = None
        return True


def _network(exc: BaseException) -> bool:
    from scrapy.exceptions import IgnoreRequest  # only a crawl logs these: keep the CLI light

    from crawler.health.failures import network_failure

    return isinstance(exc, IgnoreRequest) or network_failure(exc) is not None


def configure(verbosity: int) -> None:
    """Log to stderr: warnings and errors, -v: info, -vv: debug."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.setLevel(logging.WARNING - 10 * min(verbosity, 2))
    if verbosity == 0:
        handler.addFilter(QuietNetworkErrors())
    root = logging.getLogger()
    root.addHandler(handler)
    if verbosity > 0:  # feedvault's own info and debug messages too, not only Scrapy's
        root.setLevel(min(root.getEffectiveLevel(), handler.level))
