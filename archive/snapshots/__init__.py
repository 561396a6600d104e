"""Snapshots: the archive's state recorded in a private git repository in its hidden folder."""

from archive.snapshots.store import STORE, Snapshot, Snapshots

__all__ = ["STORE", "Snapshot", "Snapshots"]
