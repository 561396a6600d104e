"""One module per `feedvault` subcommand; each has `register(commands, common)`."""

from . import crawl, schedule, verify

# The order here is the order of `feedvault --help`.
MODULES = (crawl, schedule, verify)

__all__ = ["MODULES"]
