"""Snapshots: the archive's state recorded in a private git repository in its hidden folder."""

from archive.snapshots.made_with import MadeWith, Manifest
from archive.snapshots.store import STORE, Snapshot, Snapshots

__all__ = ["STORE", "MadeWith", "Manifest", "Snapshot", "Snapshots"]
