"""The archive as a re-extraction writes it: the real one, noting each article's outcome;
with --dry-run, one that writes nothing and keeps a unified diff of each changed file."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from archive import Archive, ArchiveError
from archive._contained import read_bytes
from archive.ledger import Ledger
from crawler.replay.plan import Planned, ReplayPlan

# what only reads the ledger; a dry run turns every other method (record, note_provenance,
# record_join, a commit, ...) into one that does nothing, so a new way to write is no write
_LEDGER_READS = frozenset({
    "get", "by_path", "path_taken", "by_link", "near_link", "joined", "joined_sources",
    "provenance", "revisions", "counts", "of_source", "empty", "entries", "capture_refs",
    "close", "path",
})


class _ReadOnlyLedger:
    """The ledger for reading; anything else does nothing."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

    def __getattr__(self, name: str) -> Any:
        if name in _LEDGER_READS:
            return getattr(self._ledger, name)
        return _nothing


def _nothing(*_: Any, **__: Any) -> None:
    return None


class ReplayArchive(Archive):
    """Archive.put, telling the plan what became of each article it rebuilds."""

    def __init__(self, root: Path, *args: Any, plan: ReplayPlan,
                 link_key: Callable[[str], str] | None = None, **kwargs: Any) -> None:
        super().__init__(root, *args, link_key=link_key, **kwargs)
        self.plan = plan
        self.current: Planned | None = None  # the article the item being stored rebuilds
        if plan.dry_run:
            self.ledger = _ReadOnlyLedger(self.ledger)  # type: ignore[assignment]

    def put(self, article: Any, policy: str = "auto", **kwargs: Any) -> Any:
        result = super().put(article, policy, **kwargs)
        planned = self.current
        if planned is not None and planned.state == "sent":
            planned.state, planned.status = "done", result.status
            planned.written = result.path
        return result

    def _write(self, path: str, text: str) -> None:
        """Archive's one way to write a file (contained, atomic); a dry run keeps a diff."""
        if not self.plan.dry_run:
            super()._write(path, text)
            return
        try:
            old = read_bytes(self.root, self._parts(path)).decode("utf-8", "replace")
        except (OSError, ArchiveError):
            old = ""
        self.plan.diffs.append("".join(difflib.unified_diff(
            old.splitlines(keepends=True), text.splitlines(keepends=True),
            fromfile=f"a/{path}", tofile=f"b/{path}")))
