"""The archive as a library: articles, presets, layout, ledger; no Scrapy inside."""

from ._urls import safe_url
from .document import Article, content_hash
from .errors import (
    ArchiveError,
    ArchiveLinkError,
    ArchiveLocked,
    ConfigError,
    DocumentError,
    FeedvaultError,
    LedgerError,
    QueueError,
    SnapshotError,
)
from .identity import POLICIES, identity_of
from .lock import ArchiveLock
from .presets import PRESETS, Preset, get_preset
from .snapshots import Snapshot, Snapshots
from .store import HIDDEN, Archive, PutResult

__all__ = [
    "HIDDEN",
    "POLICIES",
    "PRESETS",
    "Archive",
    "ArchiveBusy",
    "ArchiveError",
    "ArchiveLinkError",
    "ArchiveLock",
    "ArchiveLocked",
    "Article",
    "ConfigError",
    "DocumentError",
    "FeedvaultError",
    "LedgerError",
    "Preset",
    "PutResult",
    "QueueError",
    "Snapshot",
    "SnapshotError",
    "Snapshots",
    "content_hash",
    "get_preset",
    "identity_of",
    "safe_url",
]
