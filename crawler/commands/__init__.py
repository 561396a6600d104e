"""One module per `feedvault` subcommand; each has `register(commands, common)`."""

from . import crawl, extract, schedule, sources, verify, worker, writer

# The order here is the order of `feedvault --help`; worker and writer: distributed mode.
MODULES = (crawl, schedule, verify, extract, sources, worker, writer)

__all__ = ["MODULES"]
