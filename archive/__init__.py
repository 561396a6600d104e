"""The archive as a library: articles, presets, layout, ledger; no Scrapy inside."""

from .document import Article, content_hash
from .errors import (
    ArchiveError,
    ConfigError,
    DocumentError,
    FeedvaultError,
    LedgerError,
    SnapshotError,
)
from .presets import PRESETS, Preset, get_preset
from .snapshots import Snapshot, Snapshots
from .store import HIDDEN, Archive, PutResult

__all__ = [
    "HIDDEN",
    "PRESETS",
    "Archive",
    "ArchiveError",
    "Article",
    "ConfigError",
    "DocumentError",
    "FeedvaultError",
    "LedgerError",
    "Preset",
    "PutResult",
    "Snapshot",
    "SnapshotError",
    "Snapshots",
    "content_hash",
    "get_preset",
]
