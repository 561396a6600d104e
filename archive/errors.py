"""The exceptions feedvault raises: one base class, a few meaningful kinds."""

from __future__ import annotations


class FeedvaultError(Exception):
    """Base class: every error feedvault raises on purpose derives from it."""


class ConfigError(FeedvaultError):
    """The configuration file is missing, unreadable or invalid."""


class ArchiveError(FeedvaultError):
    """The archive could not be read or written (disk full, read-only, bad path)."""


class DocumentError(ArchiveError):
    """An archive file does not parse as a feedvault article."""


class LedgerError(ArchiveError):
    """The ledger database is unusable or disagrees with itself."""


class SnapshotError(ArchiveError):
    """A snapshot could not be taken, found or read (no git, unknown id, broken store)."""
