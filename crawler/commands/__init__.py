"""One module per `feedvault` subcommand; each has `register(commands, common)`."""

from . import backfill, crawl, extract, schedule, sources, verify

# The order here is the order of `feedvault --help`.
MODULES = (crawl, backfill, schedule, verify, extract, sources)

__all__ = ["MODULES"]
