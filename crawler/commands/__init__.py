"""One module per `feedvault` subcommand; each has `register(commands, common)`."""

from . import crawl, diff, snapshot

# The order here is the order of `feedvault --help`.
MODULES = (crawl, snapshot, diff)

__all__ = ["MODULES"]
