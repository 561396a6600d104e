"""The archive as a library: articles, presets, layout, ledger; no Scrapy inside."""

from archive.atomic import atomic_write, atomic_write_at
from archive.document import Article, content_hash
from archive.errors import (
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
from archive.identity import POLICIES, identity_of
from archive.lock import ArchiveLock
from archive.presets import PRESETS, Preset, get_preset
from archive.snapshots import Snapshot, Snapshots
from archive.store import HIDDEN, Archive, PutResult
from archive.urls import join_url, safe_url

__all__ = [
    "HIDDEN",
    "POLICIES",
    "PRESETS",
    "Archive",
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
    "atomic_write",
    "atomic_write_at",
    "content_hash",
    "get_preset",
    "identity_of",
    "join_url",
    "safe_url",
]
