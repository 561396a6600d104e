"""One module per `feedvault` subcommand; each has `register(commands, common)`."""

from crawler.commands import backfill, crawl, diff, extract, rsshub, schedule, snapshot, sources, verify, worker, writer

# The order here is the order of `feedvault --help`; worker and writer: distributed mode.
MODULES = (crawl, backfill, schedule, verify, snapshot, diff, extract, sources, rsshub, worker, writer)

__all__ = ["MODULES"]
