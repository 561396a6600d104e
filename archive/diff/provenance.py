"""Why an article changed between two states: edited at the source, or only our rules changed."""

from __future__ import annotations

from archive.diff.states import State
from archive.errors import SnapshotError
from archive.snapshots.made_with import Manifest

SOURCE = "edited at the source"  # the source's own bytes for it differ
RULES = "rules changed"  # the same bytes; the configuration or feedvault's version differs
UNKNOWN = "unknown"  # a side without provenance, or neither bytes nor rules differ
LABELS = (SOURCE, RULES, UNKNOWN)


def manifest_of(state: State) -> tuple[Manifest | None, str | None]:
    """A side's provenance, or None and why there is none (for one note in the report)."""
    store = state._store
    if state.kind == "snapshot" and state.snapshot is not None and store is not None:
        if state.snapshot.provenance is None:
            return None, (f"snapshot {state.snapshot.short} records no provenance "
                          "(taken before feedvault recorded it)")
        try:
            return store.manifest(state.snapshot), None
        except SnapshotError as exc:
            return None, str(exc)
    if state.kind == "archive" and state.made_with is not None and store is not None:
        return store.manifest_now(state.made_with), None
    if state.kind == "directory":
        return None, f"{state.label} records no provenance"
    return None, f"{state.label}: no provenance given"


def label(old: Manifest | None, new: Manifest | None, key: tuple[str, str]) -> str:
    """SOURCE, RULES or UNKNOWN for one article present on both sides that differs."""
    if old is None or new is None:
        return UNKNOWN
    before, after = old.digest(key), new.digest(key)
    if before is None or after is None:
        return UNKNOWN
    if before != after:
        return SOURCE
    if (old.made_with.config_digest != new.made_with.config_digest
            or old.made_with.version != new.made_with.version):
        return RULES
    return UNKNOWN
