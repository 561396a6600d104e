"""The exceptions feedvault raises: one base class, a few meaningful kinds."""

from __future__ import annotations


class FeedvaultError(Exception):
    """Base class: every error feedvault raises on purpose derives from it."""


class ConfigError(FeedvaultError):
    """The configuration file is missing, unreadable or invalid."""


class ArchiveError(FeedvaultError):
    """The archive could not be read or written (disk full, read-only, bad path).

    `fatal` marks errors that every further write would repeat (no space left, a
    read-only filesystem): a crawl stops at the first one instead of failing each article.
    """

    def __init__(self, message: str, *, fatal: bool = False) -> None:
        super().__init__(message)
        self.fatal = fatal


class ArchiveLinkError(ArchiveError):
    """A path inside the archive is a symbolic link: feedvault neither writes nor reads through it."""


class DocumentError(ArchiveError):
    """An archive file does not parse as a feedvault article."""


class LedgerError(ArchiveError):
    """The ledger database is unusable or disagrees with itself."""


class ArchiveLocked(FeedvaultError):
    """Another process holds the archive's writer lock."""


class ExtractError(FeedvaultError):
    """A web page could not be decoded or an article could not be extracted from it."""


class QueueError(FeedvaultError):
    """The Redis server of distributed mode is unreachable or refused a command."""


class SnapshotError(ArchiveError):
    """A snapshot could not be taken, found or read (no git, unknown id, broken store)."""


class CaptureError(ArchiveError):
    """A raw capture could not be written or read back (missing file, torn or foreign record)."""
