"""One module per `feedvault` subcommand; each has `register(commands, common)`."""

from . import crawl, extract, schedule, sources, verify

# The order here is the order of `feedvault --help`.
MODULES = (crawl, schedule, verify, extract, sources)

__all__ = ["MODULES"]
