"""Backfill: bring a source's history into the archive from sitemaps, listing pages or feed pages."""

from .config import BackfillConfig
from .window import Window

__all__ = ["BackfillConfig", "Window"]
