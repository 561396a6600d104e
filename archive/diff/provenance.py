"""Why an article changed between two states: edited at the source, our rules changed, or both."""

from __future__ import annotations

import json
import tomllib
from functools import lru_cache

from archive.diff.states import State
from archive.errors import SnapshotError
from archive.snapshots.made_with import MadeWith, Manifest

SOURCE = "edited at the source"  # what the source said for it differs; the same rules
RULES = "rules changed"  # the source said the same; the configuration or feedvault differs
# the source said something else, and the rules for its articles differ too: either may
# explain the change
BOTH = "edited at the source and rules changed"
UNKNOWN = "unknown"  # a side without provenance, or neither the source nor the rules differ
LABELS = (SOURCE, RULES, BOTH, UNKNOWN)


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
    """SOURCE, RULES, BOTH or UNKNOWN for one article present on both sides that differs."""
    if old is None or new is None:
        return UNKNOWN
    before, after = old.digest(key), new.digest(key)
    if before is None or after is None:
        return UNKNOWN
    if before != after:
        return BOTH if _rules_changed(old.made_with, new.made_with, key[0]) else SOURCE
    if (old.made_with.config_digest != new.made_with.config_digest
            or old.made_with.version != new.made_with.version):
        return RULES
    return UNKNOWN


def _rules_changed(old: MadeWith, new: MadeWith, source: str) -> bool:
    """Whether the rules for one source's articles differ: feedvault's version, or its own
    [[sources]] entry or anything outside [[sources]] in the configuration. Another source's
    entry does not count (an edit of this source's article stays "edited at the source")."""
    if old.version != new.version:
        return True
    if old.config_digest == new.config_digest:
        return False
    before, after = _rules_of(old.config_text, source), _rules_of(new.config_text, source)
    return before is None or after is None or before != after


@lru_cache(maxsize=64)
def _rules_of(text: str, source: str) -> str | None:
    """The recorded configuration without the other sources' entries, as comparable text;
    None when it does not say (unreadable, or no single entry of that name)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    sources = data.pop("sources", None)
    mine = [entry for entry in sources if isinstance(entry, dict) and entry.get("name") == source
            ] if isinstance(sources, list) else []
    if len(mine) != 1:
        return None
    return json.dumps([data, mine[0]], sort_keys=True, default=str)
