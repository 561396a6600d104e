"""One module per `feedvault` subcommand; each has `register(commands, common)`."""

from . import crawl, worker, writer  # worker, writer: distributed mode (issue 9)

# The order here is the order of `feedvault --help`.
MODULES = (crawl, worker, writer)

__all__ = ["MODULES"]
