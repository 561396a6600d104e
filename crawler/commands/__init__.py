"""One module per `feedvault` subcommand; each has `register(commands, common)`."""

from crawler.commands import (
    backfill,
    capture,
    crawl,
    diff,
    extract,
    init,
    reextract,
    schedule,
    snapshot,
    sources,
    status,
    verify,
    worker,
    writer,
)

# The order here is the order of `feedvault --help`; worker and writer: distributed mode.
MODULES = (init, crawl, backfill, schedule, status, verify, snapshot, diff, extract, sources,
           capture, reextract, worker, writer)

__all__ = ["MODULES"]
