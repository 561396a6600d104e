"""The diff as JSON: a stable, documented schema (see README, "JSON schema")."""

from __future__ import annotations

import json
from typing import Any

from archive.diff.compare import Diff
from archive.diff.states import State

SCHEMA_VERSION = 1


def _side(state: State) -> dict[str, Any]:
    snap = state.snapshot
    return {
        "kind": state.kind,
        "spec": state.spec,
        "label": state.label,
        "path": str(state.folder) if state.folder else None,
        "snapshot": None if snap is None else {
            "id": snap.id, "time": snap.time.isoformat(), "message": snap.message,
            "articles": snap.articles,
            "version": snap.version, "config_digest": snap.config_digest,
        },
    }


def to_dict(diff: Diff) -> dict[str, Any]:
    """The diff as plain data; the shape is `schema_version` 1."""
    return {
        "schema_version": SCHEMA_VERSION,
        "old": _side(diff.old),
        "new": _side(diff.new),
        "options": {
            "ignored_fields": sorted(diff.ignored_fields),
            "ignore_whitespace": diff.ignore_whitespace,
        },
        "summary": {**diff.counts, "files": len(diff.files)},
        # changed articles per label (archive.diff.provenance); {} when none changed
        "provenance": diff.labels,
        "notes": list(diff.notes),
        "sources": diff.by_source(),
        "articles": [
            {
                "status": a.status,
                "source": a.source,
                "identity": a.identity,
                "title": a.title,
                "old_path": a.old_path,
                "new_path": a.new_path,
                "provenance": a.provenance,
                "fields": [{"name": f.name, "old": f.old, "new": f.new} for f in a.fields],
                "body": None if a.body is None else {
                    "markup_only": a.markup_only,
                    "segments": [{"op": op, "text": text} for op, text in a.body],
                },
            }
            for a in diff.articles
        ],
        "files": [{"status": f.status, "path": f.path} for f in diff.files],
    }


def render_json(diff: Diff) -> str:
    return json.dumps(to_dict(diff), ensure_ascii=False, indent=2, default=str) + "\n"
