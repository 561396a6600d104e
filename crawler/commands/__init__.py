"""One module per `feedvault` subcommand; each has `register(commands, common)`."""

from . import crawl, extract, sources

# The order here is the order of `feedvault --help`.
MODULES = (crawl, extract, sources)

__all__ = ["MODULES"]
