"""One module per `feedvault` subcommand; each has `register(commands, common)`."""

from . import crawl

# The order here is the order of `feedvault --help`.
MODULES = (crawl,)

__all__ = ["MODULES"]
