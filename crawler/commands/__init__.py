"""The `feedvault` subcommands: one module per command, named as the command.

Each module has `register(commands, common)`, which adds the command's parser (its flags,
its help, `set_defaults(func=..., needs_config=...)`). crawler/cli.py imports a command's
module only when that command runs, or all of them for `feedvault --help`: a command's
heavy imports cost nothing to the other commands. A new command is a module here and its
name in COMMANDS.
"""

# The order of `feedvault --help`; worker and writer: distributed mode.
COMMANDS = ("init", "crawl", "backfill", "schedule", "status", "verify", "snapshot", "diff",
            "extract", "sources", "capture", "reextract", "worker", "writer")

__all__ = ["COMMANDS"]
