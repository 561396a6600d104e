"""Distributed mode: workers share the crawl through Redis, one writer keeps the archive.

Nothing here imports Redis at import time, so single-machine installs never need it.
"""

from crawler.distributed.keys import Keys

__all__ = ["Keys"]
